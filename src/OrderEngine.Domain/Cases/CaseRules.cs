using System.Collections.Immutable;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Payments;

namespace OrderEngine.Domain.Cases;

/// <summary>The configurable rules of cases: the SLA of each type, how long a resolved case may be reopened, size limits.</summary>
public sealed record CaseRules(
    ImmutableDictionary<CaseType, TimeSpan> Sla,
    TimeSpan ReopenWindow,
    int MaxMessages = 200,
    int MaxActions = 20,
    int MaxLines = 100)
{
    public static readonly ImmutableDictionary<CaseType, TimeSpan> DefaultSla = new Dictionary<CaseType, TimeSpan>
    {
        [CaseType.Damaged] = TimeSpan.FromHours(24),
        [CaseType.Missing] = TimeSpan.FromHours(24),
        [CaseType.Late] = TimeSpan.FromHours(48),
        [CaseType.WrongItem] = TimeSpan.FromHours(48),
        [CaseType.Other] = TimeSpan.FromHours(72),
    }.ToImmutableDictionary();

    public static readonly CaseRules Default = new(DefaultSla, TimeSpan.FromDays(14));

    public const int MaxDescriptionLength = 2000;
    public const int MaxTextLength = 4000;
    public const int MaxNameLength = 100;

    /// <summary>The SLA of a type (a type missing from the configuration gets the default).</summary>
    public TimeSpan SlaOf(CaseType type) => Sla.TryGetValue(type, out var sla) ? sla : DefaultSla[type];

    /// <summary>When a case of this type opened at <paramref name="openedAt"/> is due.</summary>
    public DateTimeOffset DueAt(CaseType type, DateTimeOffset openedAt) => openedAt + SlaOf(type);

    /// <summary>The refund a refund action asks of its order: its id derived from the case and the action, so a retry counts once.</summary>
    public static string RefundIdOf(string caseId, string actionId) => Identifiers.Derived('r', "case-refund\n" + caseId + "\n" + actionId);

    /// <summary>The id of the replacement order a reship action places.</summary>
    public static string ReplacementOrderIdOf(string caseId, string actionId) => Identifiers.Derived('o', "case-reship\n" + caseId + "\n" + actionId);

    /// <summary>The id a return action is recorded under (the returns lifecycle will know it by this id).</summary>
    public static string ReturnIdOf(string caseId, string actionId) => Identifiers.Derived('m', "case-return\n" + caseId + "\n" + actionId);

    public static string LinkedIdOf(string caseId, string actionId, CaseActionType type) => type switch
    {
        CaseActionType.Refund => RefundIdOf(caseId, actionId),
        CaseActionType.Reship => ReplacementOrderIdOf(caseId, actionId),
        _ => ReturnIdOf(caseId, actionId),
    };

    /// <summary>The channel replacement orders are placed under.</summary>
    public const string ReplacementChannel = "case";

    /// <summary>
    /// The replacement order of a reship: the original order's customer, address and currency, the chosen lines at
    /// unit price 0, cash on delivery. A zero-total order paid by card would wait for a payment of 0 and expire after
    /// its hold; cash on delivery is confirmed as soon as its lines are reserved and keeps them reserved until delivery,
    /// which is what a free replacement needs (nothing is collected: its total is 0). Null with a reason when the lines
    /// do not fit the original order (a SKU not on it, or more units than it had).
    /// </summary>
    public static (PlaceOrder? Order, string? Error, string? Field) Replacement(string caseId, string actionId, OrderView original, ImmutableArray<CaseLine> lines)
    {
        for (var i = 0; i < lines.Length; i++)
        {
            var l = lines[i];
            var line = original.Lines.FirstOrDefault(x => x.Sku == l.Sku);
            if (line is null) return (null, $"SKU {l.Sku} is not on order {original.Id}", $"lines[{i}].sku");
            if (l.Quantity > line.Quantity) return (null, $"order {original.Id} has {line.Quantity} of {l.Sku}; a reship sends at most that many", $"lines[{i}].quantity");
        }
        var order = new PlaceOrder(
            ReplacementOrderIdOf(caseId, actionId),
            ReplacementChannel,
            original.CustomerId,
            original.Currency,
            [.. lines.Select(l => new OrderLineRequest(l.Sku, l.Quantity, 0m))],
            original.ShippingAddress,
            PaymentMethod.CashOnDelivery);
        return (order, null, null);
    }
}
