namespace OrderEngine.Domain.Stock;

/// <summary>
/// Configured rules every stock entity decides with. <paramref name="LowStockBelow"/>: the default low-stock threshold
/// of a SKU without one of its own (0: no alerts by default).
/// </summary>
public sealed record StockRules(long LowStockBelow)
{
    /// <summary>No default threshold: only SKUs given a threshold of their own raise alerts.</summary>
    public static readonly StockRules Default = new(0);
}
