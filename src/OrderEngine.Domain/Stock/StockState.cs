using System.Collections.Immutable;

namespace OrderEngine.Domain.Stock;

/// <summary>
/// Units held for one order, until the order is paid, given up or the hold expires. <paramref name="CustomerId"/> is the
/// customer whose per-customer count includes these units: set only when they were reserved under a limit (units
/// reserved before a limit, or before it was lifted, were never counted, so their release gives nothing back).
/// </summary>
public sealed record Reservation(int Quantity, DateTimeOffset ExpiresAt, string? CustomerId = null);

/// <summary>
/// An open reservation's place in expiry order: earliest expiry first, ties by order id (ordinal), the order in which
/// expiry lists reservations. The instant is kept as UTC ticks, which orders exactly as DateTimeOffset compares.
/// </summary>
public readonly record struct ExpiryKey(long ExpiresAtUtcTicks, string OrderId) : IComparable<ExpiryKey>
{
    public static ExpiryKey Of(string orderId, Reservation reservation) => new(reservation.ExpiresAt.UtcTicks, orderId);

    public int CompareTo(ExpiryKey other)
    {
        var byTime = ExpiresAtUtcTicks.CompareTo(other.ExpiresAtUtcTicks);
        return byTime != 0 ? byTime : string.CompareOrdinal(OrderId, other.OrderId);
    }
}

/// <summary>Units of one order bought while a per-customer limit was in force and counted against its customer.</summary>
public sealed record CountedPurchase(string CustomerId, long Units);

/// <summary>How an order's reservation ended.</summary>
public enum ReservationOutcome
{
    Committed,
    Released,
    Expired,
}

/// <summary>An adjustment (or a restock of sold units) already applied, kept to recognise its retries.</summary>
public sealed record AppliedAdjustment(long Delta, AdjustmentReason Reason);

/// <summary>
/// The stock of one SKU. Invariant at every moment: Reserved + Sold &lt;= OnHand. It holds counters and open
/// reservations, plus the ids settled in the last <see cref="RecentRetention"/> so retries are answered alike, and —
/// while a per-customer limit is set — the units each customer holds or bought, and which orders' sold units count
/// (so a restock gives back only units that were counted).
/// </summary>
public sealed record StockState(
    string Sku,
    bool Exists,
    long OnHand,
    long Sold,
    long Reserved,
    long Version,
    long LastSetOnHand,
    ImmutableDictionary<string, Reservation> Reservations,
    RecentIds<ReservationOutcome> SettledOrders,
    RecentIds<AppliedAdjustment> Adjustments,
    int? PerCustomerLimit,
    ImmutableDictionary<string, long> CustomerUnits)
{
    /// <summary>Per order, its sold units counted against its customer's limit; empty while no limit is set.</summary>
    public ImmutableDictionary<string, CountedPurchase> CountedPurchases { get; init; } =
        ImmutableDictionary<string, CountedPurchase>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>
    /// The open reservations in expiry order, kept in step with <see cref="Reservations"/> by Evolve, so that expiry
    /// reads only the reservations that are due and the next expiry is found in O(log n), however many are open. A
    /// state built by its constructor (a snapshot restored) indexes the reservations it is given.
    /// </summary>
    public ImmutableSortedSet<ExpiryKey> ExpiryOrder { get; init; } = IndexExpiries(Reservations);

    /// <summary>This SKU's own low-stock threshold (0: alerts off); null: the configured default applies.</summary>
    public long? LowStockBelow { get; init; }

    /// <summary>Whether a low-stock alert is open (raised and not yet cleared).</summary>
    public bool LowStockOpen { get; init; }

    /// <summary>This SKU's own replenishment settings; null: the configured defaults apply.</summary>
    public ReplenishmentSettings? Replenishment { get; init; }

    /// <summary>The last warehouse write (count, adjustment, limit, threshold, replenishment settings): who, when, what; null before any.</summary>
    public StockChange? LastChange { get; init; }

    /// <summary>The low-stock threshold in force under <paramref name="rules"/>: the SKU's own, else the default.</summary>
    public long LowStockThreshold(StockRules rules) => LowStockBelow ?? rules.LowStockBelow;

    /// <summary>How long a settled order or applied adjustment is remembered for retries.</summary>
    public static readonly TimeSpan RecentRetention = TimeSpan.FromDays(1);

    public static StockState Initial(string sku) => new(
        sku, false, 0, 0, 0, 0, 0,
        ImmutableDictionary<string, Reservation>.Empty.WithComparers(StringComparer.Ordinal),
        RecentIds<ReservationOutcome>.Empty,
        RecentIds<AppliedAdjustment>.Empty,
        null,
        ImmutableDictionary<string, long>.Empty.WithComparers(StringComparer.Ordinal));

    public long Available => OnHand - Reserved - Sold;

    /// <summary>True when the counters agree with each other and with the reservations.</summary>
    public bool IsConsistent =>
        OnHand >= 0 && Sold >= 0 && Reserved >= 0
        && Reserved + Sold <= OnHand
        && Reserved == Reservations.Values.Sum(r => (long)r.Quantity)
        && ExpiryOrder.Count == Reservations.Count
        && Reservations.All(kv => ExpiryOrder.Contains(ExpiryKey.Of(kv.Key, kv.Value)));

    /// <summary>
    /// The figures as answered. The threshold shown is the SKU's own, else <paramref name="rules"/>' default when that is
    /// on; none when alerts are off by default and the SKU has no threshold of its own.
    /// </summary>
    public StockView ToView(StockRules? rules = null) =>
        new(Sku, OnHand, Reserved, Sold, Available, Version, PerCustomerLimit,
            LowStockBelow ?? (rules is { LowStockBelow: > 0 } ? rules.LowStockBelow : null), LowStockOpen, Replenishment, LastChange);

    /// <summary>Units a customer holds or bought while a per-customer limit was in force.</summary>
    public long UnitsOf(string customerId) => CustomerUnits.GetValueOrDefault(customerId);

    /// <summary>The earliest expiry among open reservations, if any.</summary>
    public DateTimeOffset? NextExpiry => ExpiryOrder.IsEmpty ? null : Reservations[ExpiryOrder.Min.OrderId].ExpiresAt;

    /// <summary>
    /// The open reservations expiring at or before <paramref name="cutoff"/>, earliest first (ties by order id): only the
    /// due front of the expiry order is read, so the cost is O(log n + due), not O(open reservations).
    /// </summary>
    public IEnumerable<KeyValuePair<string, Reservation>> DueBy(DateTimeOffset cutoff)
    {
        var last = cutoff.UtcTicks;
        foreach (var key in ExpiryOrder)
        {
            if (key.ExpiresAtUtcTicks > last) yield break;
            yield return new(key.OrderId, Reservations[key.OrderId]);
        }
    }

    private static ImmutableSortedSet<ExpiryKey> IndexExpiries(ImmutableDictionary<string, Reservation> reservations) =>
        reservations.IsEmpty
            ? ImmutableSortedSet<ExpiryKey>.Empty
            : ImmutableSortedSet.CreateRange(reservations.Select(kv => ExpiryKey.Of(kv.Key, kv.Value)));
}
