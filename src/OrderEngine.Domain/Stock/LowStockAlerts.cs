namespace OrderEngine.Domain.Stock;

/// <summary>
/// The low-stock rule: a SKU's available units below its threshold (its own, else the default in
/// <see cref="StockRules"/>; 0 turns alerts off) open one alert, <see cref="LowStockRaised"/>; units back at or above
/// it close it, <see cref="LowStockCleared"/>. One event per crossing, never one per sale. <see cref="StockDecider"/>
/// applies it after every accepted command.
/// </summary>
public static class LowStockAlerts
{
    /// <summary>
    /// Appends the alert the decided events call for: raised when the SKU exists and its available units end below the
    /// threshold in force, cleared when an open alert no longer holds. Computed from the events' effect on the counters,
    /// without evolving the state.
    /// </summary>
    public static Decision<IStockEvent, StockRejection> Follow(StockState s, Decision<IStockEvent, StockRejection> d, StockRules rules, DateTimeOffset now)
    {
        var available = s.Available;
        var threshold = s.LowStockThreshold(rules);
        var exists = s.Exists;
        foreach (var e in d.Events)
        {
            switch (e)
            {
                case StockReserved x: available -= x.Quantity; break;
                case ReservationReleased x: available += x.Quantity; break;
                case ReservationsExpired x:
                    foreach (var r in x.Reservations) available += r.Quantity;
                    break;
                case OnHandSet x:
                    available += x.OnHand - (exists ? s.OnHand : 0);
                    exists = true;
                    break;
                case OnHandAdjusted x:
                    available += x.Delta;
                    exists = true;
                    break;
                case SaleRestocked x: available += x.Quantity; break;
                case ShippedReceived x: available += x.Quantity; break;
                case LowStockThresholdSet x: threshold = x.Below; break;
                // Commits, shipments, extensions, limits and settings leave the available units as they are.
            }
        }
        var low = exists && available < threshold;
        if (low == s.LowStockOpen) return d;
        IStockEvent alert = low ? new LowStockRaised(s.Sku, available, threshold, now) : new LowStockCleared(s.Sku, available, threshold, now);
        return new Decision<IStockEvent, StockRejection>(d.Events.Add(alert), null);
    }
}
