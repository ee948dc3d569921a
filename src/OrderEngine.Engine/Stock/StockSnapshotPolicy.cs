using OrderEngine.Domain.Stock;

namespace OrderEngine.Engine.Stock;

/// <summary>
/// When a stock entity snapshots: after max(SnapshotEvery, <see cref="EventsPerEntry"/> × the entries its snapshot
/// holds) events. A snapshot copies every open reservation and remembered id, O(n); taken at most once per n events,
/// its cost spread over those events is O(1) each, however many reservations are open. Recovery then replays at most
/// about n events after loading the snapshot, the same order of work as loading it.
/// </summary>
public static class StockSnapshotPolicy
{
    /// <summary>
    /// Events per snapshot entry. One: a snapshot entry (an open reservation, a settled order id) is smaller than the
    /// event that made it (a reservation event carries the SKU and two instants as well), so the snapshots write fewer
    /// bytes than the journal does, and recovery replays at most as many events as the snapshot it loaded has entries.
    /// A larger factor would save snapshot work at the price of a longer replay; one keeps both within 2× the event
    /// stream's own cost.
    /// </summary>
    public const int EventsPerEntry = 1;

    /// <summary>The entries a snapshot of <paramref name="state"/> holds: open reservations, remembered ids and per-customer counts.</summary>
    public static long SnapshotEntries(StockState state) =>
        (long)state.Reservations.Count + state.SettledOrders.Count + state.Adjustments.Count
        + state.CustomerUnits.Count + state.CountedPurchases.Count;

    /// <summary>How many events to persist after a snapshot (or since recovery began) before the next one.</summary>
    public static long EventsBetweenSnapshots(int snapshotEvery, StockState state) =>
        Math.Max(Math.Max(1, snapshotEvery), EventsPerEntry * SnapshotEntries(state));
}
