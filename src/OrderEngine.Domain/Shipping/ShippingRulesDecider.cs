using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrderEngine.Domain.ShippingMethods;

/// <summary>The rules of the shipping rules themselves: only valid rules are set, and setting the same rules again changes nothing.</summary>
public static class ShippingRulesDecider
{
    private static readonly JsonSerializerOptions Canonical = new() { Converters = { new JsonStringEnumConverter() } };

    public static Decision<IShippingRulesEvent, ShippingRulesRefused> Decide(ShippingRulesState state, SetShippingRules command, DateTimeOffset now)
    {
        var errors = ShippingRulesValidator.Validate(command.Rules);
        if (!errors.IsEmpty)
            return Decision<IShippingRulesEvent, ShippingRulesRefused>.Reject(new ShippingRulesRefused(
                $"the shipping rules have {errors.Length} problem{(errors.Length == 1 ? "" : "s")}; nothing was changed", errors));
        if (state.Source == ShippingRulesSource.Api && SameRules(state.Rules, command.Rules))
            return Decision<IShippingRulesEvent, ShippingRulesRefused>.AlreadyDone;
        return Decision<IShippingRulesEvent, ShippingRulesRefused>.Accept(new ShippingRulesSet(command.Rules, state.Version + 1, command.By, now));
    }

    public static ShippingRulesState Evolve(ShippingRulesState state, IShippingRulesEvent e) => e switch
    {
        ShippingRulesSet s => new ShippingRulesState(s.Rules, s.Version, ShippingRulesSource.Api, s.By, s.At),
        _ => state,
    };

    /// <summary>Rules compare by content (their records hold arrays, which compare by reference).</summary>
    public static bool SameRules(ShippingRules a, ShippingRules b) =>
        JsonSerializer.Serialize(a, Canonical) == JsonSerializer.Serialize(b, Canonical);
}
