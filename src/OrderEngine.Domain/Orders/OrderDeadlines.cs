namespace OrderEngine.Domain.Orders;

/// <summary>
/// When an order next needs its entity to act, as a read model tracks it from the order's events: a placed order
/// must finish reserving, a reserved one must expire at its hold's end unless paid, a paid or ended one must get its
/// stock committed or released. An order whose entity is not running by then (after a crash or a restart) is woken.
/// </summary>
public static class OrderDeadlines
{
    /// <summary>What an event does to the order's deadline.</summary>
    public abstract record Change(string OrderId);

    /// <summary>Start tracking the order: its hold ends at <paramref name="ExpiresAt"/>, its next step is due at <paramref name="DueAt"/>.</summary>
    public sealed record Track(string OrderId, DateTimeOffset ExpiresAt, DateTimeOffset DueAt) : Change(OrderId);

    /// <summary>Nothing is due until the hold ends (reserved, awaiting payment).</summary>
    public sealed record DueAtHoldEnd(string OrderId) : Change(OrderId);

    /// <summary>A stock step (or a refund) is due by <paramref name="DueAt"/>; tracked from here on if it was not tracked yet.</summary>
    public sealed record DueBy(string OrderId, DateTimeOffset DueAt) : Change(OrderId);

    /// <summary>The order owes nothing any more.</summary>
    public sealed record Forget(string OrderId) : Change(OrderId);

    /// <summary>Nothing to track: the order's own stock entities ask it what becomes of their units when its hold ends.</summary>
    public sealed record Untracked(string OrderId) : Change(OrderId);

    /// <param name="grace">How long a running entity is given to finish a step before it counts as stuck.</param>
    public static Change Of(IOrderEvent e, TimeSpan grace) => e switch
    {
        // A placement written with its outcome (reserved first, then one write) owes no step until its hold ends, and then
        // the stock entities holding its units ask it (ReservationDue): tracking it would cost a row per order placed.
        OrderPlaced { Outcome.Status: OrderStatus.Reserved } x => new Untracked(x.OrderId),
        OrderPlaced { Outcome: { Status: OrderStatus.OnHold, ReviewBy: { } reviewBy } } x => new Track(x.OrderId, Later(x.ExpiresAt, reviewBy), reviewBy),
        // A cash-on-delivery restaurant delivery must tell its kitchen first: a step like any other.
        OrderPlaced { Outcome.Status: OrderStatus.Confirmed, Delivery: not null } x => new DueBy(x.OrderId, x.At + grace),
        OrderPlaced { Outcome.Status: OrderStatus.Confirmed } x => new Forget(x.OrderId),
        // Paid at the channel: its units are committed right away, a step like any other.
        OrderPlaced { Outcome.Status: OrderStatus.Paid } x => new DueBy(x.OrderId, x.At + grace),
        // A placement of an earlier version, written before its lines were reserved: its outcome must follow soon.
        OrderPlaced x => new Track(x.OrderId, x.ExpiresAt, x.At + grace),
        OrderReserved x => new DueAtHoldEnd(x.OrderId),
        OrderHeld x => new DueBy(x.OrderId, x.ReviewBy),
        // Cash on delivery keeps its reservation until delivery; its stock entities ask the order when theirs expire.
        OrderConfirmed x => new Forget(x.OrderId),
        OrderStockSettled { DeliveryWorkOwed: true } x => new DueBy(x.OrderId, x.At + grace),
        OrderStockSettled x => new Forget(x.OrderId),
        // Everything else leaves a step (stock, refund) to do soon. When a woken order owes nothing, the waker learns so
        // from it and forgets the order.
        _ => new DueBy(e.OrderId, e.At + grace),
    };

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    /// <summary>
    /// What a batch of changes leaves of each order's deadline row, so a projection writes one statement per kind of
    /// change instead of one per event, with the same end result as applying them one by one. Rows written by earlier
    /// batches are unknown here: a Track or Forget settles the row outright, while due changes to an unknown row stay
    /// changes of whatever row exists (a due time writes the row if it is missing).
    /// </summary>
    public static Net Combine(IEnumerable<Change> changes)
    {
        var rows = new Dictionary<string, Row>(StringComparer.Ordinal);
        foreach (var change in changes)
        {
            if (change is Untracked) continue;
            rows.TryGetValue(change.OrderId, out var row);
            rows[change.OrderId] = (change, row.State) switch
            {
                (Track t, _) => Row.Known(t.ExpiresAt, t.DueAt),
                (Forget, _) => Row.Gone,
                (DueAtHoldEnd, RowState.Present) => row with { DueAt = row.ExpiresAt },
                (DueAtHoldEnd, RowState.Absent) => row,
                (DueAtHoldEnd, _) when row.Pending == Pending.None => row with { Pending = Pending.HoldEnd },
                (DueAtHoldEnd, _) when row.Pending == Pending.HoldEnd => row,
                (DueAtHoldEnd, _) => row with { Pending = Pending.DueByThenHoldEnd },
                (DueBy d, RowState.Present) => row with { DueAt = d.DueAt },
                (DueBy d, RowState.Absent) => Row.Known(d.DueAt, d.DueAt),
                // The first due time on an unknown row is what a missing row is written with; later ones move the due time.
                (DueBy d, _) when row.Pending is Pending.DueBy or Pending.DueByThenHoldEnd => row with { Pending = Pending.DueBy, DueAt = d.DueAt },
                (DueBy d, _) => row with { Pending = Pending.DueBy, ExpiresAt = d.DueAt, DueAt = d.DueAt },
                _ => throw new ArgumentOutOfRangeException(nameof(changes), change.GetType().Name, "unknown deadline change"),
            };
        }
        return new Net(
            [.. rows.Where(r => r.Value.State == RowState.Present).Select(r => new Track(r.Key, r.Value.ExpiresAt, r.Value.DueAt))],
            [.. rows.Where(r => r.Value is { State: RowState.Unknown, Pending: Pending.HoldEnd }).Select(r => r.Key)],
            [.. rows.Where(r => r.Value is { State: RowState.Unknown, Pending: Pending.DueBy }).Select(r => new DueByOrWrite(r.Key, r.Value.ExpiresAt, r.Value.DueAt))],
            [.. rows.Where(r => r.Value is { State: RowState.Unknown, Pending: Pending.DueByThenHoldEnd }).Select(r => new DueByOrWrite(r.Key, r.Value.ExpiresAt, r.Value.ExpiresAt))],
            [.. rows.Where(r => r.Value.State == RowState.Absent).Select(r => r.Key)]);
    }

    /// <summary>A due time for a row that may be missing: written as (<paramref name="ExpiresIfNew"/>, <paramref name="DueAt"/>) if so.</summary>
    public sealed record DueByOrWrite(string OrderId, DateTimeOffset ExpiresIfNew, DateTimeOffset DueAt);

    /// <summary>
    /// The net effect of a batch: rows to write whole (<paramref name="Upserts"/>); existing rows whose next step is due
    /// at their hold's end (<paramref name="DueAtHoldEnd"/>); rows whose due time moves, written if missing
    /// (<paramref name="DueBy"/>); rows written if missing whose next step is then due at their hold's end
    /// (<paramref name="DueByThenHoldEnd"/>: only a due time followed by a hold's end in one batch); rows to delete.
    /// </summary>
    public sealed record Net(
        IReadOnlyList<Track> Upserts,
        IReadOnlyList<string> DueAtHoldEnd,
        IReadOnlyList<DueByOrWrite> DueBy,
        IReadOnlyList<DueByOrWrite> DueByThenHoldEnd,
        IReadOnlyList<string> Deletes);

    private enum RowState
    {
        Unknown,
        Present,
        Absent,
    }

    private enum Pending
    {
        None,
        HoldEnd,
        DueBy,
        DueByThenHoldEnd,
    }

    private readonly record struct Row(RowState State, DateTimeOffset ExpiresAt, DateTimeOffset DueAt, Pending Pending)
    {
        public static Row Known(DateTimeOffset expiresAt, DateTimeOffset dueAt) => new(RowState.Present, expiresAt, dueAt, Pending.None);

        public static Row Gone => new(RowState.Absent, default, default, Pending.None);
    }
}
