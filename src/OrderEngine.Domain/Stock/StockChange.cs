namespace OrderEngine.Domain.Stock;

/// <summary>
/// The last warehouse write to a SKU — its count set or adjusted, its purchase limit, low-stock threshold or
/// replenishment settings — with who made it (<paramref name="By"/>: <c>key:{name}</c> or <c>user:{name}</c>; null for
/// a write recorded before writes were attributed), when, and what it did in a sentence. Sales, reservations and
/// shipments are not warehouse writes and leave it as it is.
/// </summary>
public sealed record StockChange(string? By, DateTimeOffset At, string Summary)
{
    /// <summary>The change <paramref name="e"/> records, or null for an event that is no warehouse write.</summary>
    public static StockChange? Of(IStockEvent e) => e switch
    {
        OnHandSet x => new(x.By, x.At, $"on hand set to {x.OnHand} (version {x.Version})"),
        OnHandAdjusted x => new(x.By, x.At, $"on hand adjusted by {x.Delta:+#;-#} ({x.Reason.ToString().ToLowerInvariant()}, adjustment {x.AdjustmentId})"
            + (string.IsNullOrWhiteSpace(x.Note) ? "" : ": " + x.Note)),
        PurchaseLimitSet x => new(x.By, x.At, x.PerCustomer is { } n ? $"purchase limit set to {n} per customer" : "purchase limit lifted"),
        LowStockThresholdSet x => new(x.By, x.At, x.Below == 0 ? "low-stock alerts turned off" : $"low-stock threshold set to {x.Below}"),
        ReplenishmentSettingsSet x => new(x.By, x.At, "replenishment settings set"),
        _ => null,
    };
}
