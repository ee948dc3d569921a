namespace OrderEngine.Domain.ShippingMethods;

/// <summary>A message addressed to the shipping rules entity (there is one, the single writer of the rules).</summary>
public interface IShippingRulesMessage : IOrderEngineMessage;

/// <summary>Replaces the shipping rules; rules equal to the current ones change nothing.</summary>
public sealed record SetShippingRules(ShippingRules Rules, string? By) : IShippingRulesMessage;

/// <summary>Asks for the rules in force (answered with <see cref="ShippingRulesAnswer"/>).</summary>
public sealed record GetShippingRules : IShippingRulesMessage
{
    public static readonly GetShippingRules Instance = new();
}
