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

    /// <summary>A stock step is due by <paramref name="DueAt"/>.</summary>
    public sealed record DueBy(string OrderId, DateTimeOffset DueAt) : Change(OrderId);

    /// <summary>The order owes nothing any more.</summary>
    public sealed record Forget(string OrderId) : Change(OrderId);

    /// <param name="grace">How long a running entity is given to finish a step before it counts as stuck.</param>
    public static Change Of(IOrderEvent e, TimeSpan grace) => e switch
    {
        // A placement written with its outcome (reserved first, then one write) is due at its hold's end or review deadline.
        OrderPlaced { Outcome.Status: OrderStatus.Reserved } x => new Track(x.OrderId, x.ExpiresAt, x.ExpiresAt),
        OrderPlaced { Outcome: { Status: OrderStatus.OnHold, ReviewBy: { } reviewBy } } x => new Track(x.OrderId, Later(x.ExpiresAt, reviewBy), reviewBy),
        OrderPlaced { Outcome.Status: OrderStatus.Confirmed } x => new Forget(x.OrderId),
        // A placement of an earlier version, written before its lines were reserved: its outcome must follow soon.
        OrderPlaced x => new Track(x.OrderId, x.ExpiresAt, x.At + grace),
        OrderReserved x => new DueAtHoldEnd(x.OrderId),
        OrderHeld x => new DueBy(x.OrderId, x.ReviewBy),
        // Cash on delivery keeps its reservation until delivery; its stock entities ask the order when theirs expire.
        OrderConfirmed x => new Forget(x.OrderId),
        OrderStockSettled x => new Forget(x.OrderId),
        // Everything else leaves a step (stock, refund) to do soon. When a woken order owes nothing, the waker learns so
        // from it and forgets the order.
        _ => new DueBy(e.OrderId, e.At + grace),
    };

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    /// <summary>
    /// What a batch of changes leaves of each order's deadline row, so a projection writes one statement per kind of
    /// change instead of one per event. Rows written by earlier batches are unknown here: a later Track or Forget
    /// settles the row outright, while a due change on an unknown row stays an update of whatever row exists.
    /// </summary>
    public static Net Combine(IEnumerable<Change> changes)
    {
        var rows = new Dictionary<string, Row>(StringComparer.Ordinal);
        foreach (var change in changes)
        {
            rows.TryGetValue(change.OrderId, out var row);
            rows[change.OrderId] = change switch
            {
                Track t => new Row(RowState.Present, t.ExpiresAt, t.DueAt, DueAtHoldEnd: false),
                Forget => new Row(RowState.Absent, default, default, false),
                DueAtHoldEnd when row.State == RowState.Present => row with { DueAt = row.ExpiresAt },
                DueAtHoldEnd when row.State == RowState.Absent => row,
                DueAtHoldEnd => new Row(RowState.Unknown, default, default, DueAtHoldEnd: true),
                DueBy d when row.State == RowState.Present => row with { DueAt = d.DueAt },
                DueBy when row.State == RowState.Absent => row,
                DueBy d => new Row(RowState.Unknown, default, d.DueAt, DueAtHoldEnd: false),
                _ => throw new ArgumentOutOfRangeException(nameof(changes), change.GetType().Name, "unknown deadline change"),
            };
        }
        return new Net(
            [.. rows.Where(r => r.Value.State == RowState.Present).Select(r => new Track(r.Key, r.Value.ExpiresAt, r.Value.DueAt))],
            [.. rows.Where(r => r.Value is { State: RowState.Unknown, DueAtHoldEnd: true }).Select(r => r.Key)],
            [.. rows.Where(r => r.Value is { State: RowState.Unknown, DueAtHoldEnd: false }).Select(r => new DueBy(r.Key, r.Value.DueAt))],
            [.. rows.Where(r => r.Value.State == RowState.Absent).Select(r => r.Key)]);
    }

    /// <summary>
    /// The net effect of a batch: rows to write whole (<paramref name="Upserts"/>), existing rows whose next step is
    /// due at their hold's end (<paramref name="DueAtHoldEnd"/>) or at a time (<paramref name="DueBy"/>), rows to delete.
    /// </summary>
    public sealed record Net(IReadOnlyList<Track> Upserts, IReadOnlyList<string> DueAtHoldEnd, IReadOnlyList<DueBy> DueBy, IReadOnlyList<string> Deletes);

    private enum RowState
    {
        Unknown,
        Present,
        Absent,
    }

    private readonly record struct Row(RowState State, DateTimeOffset ExpiresAt, DateTimeOffset DueAt, bool DueAtHoldEnd);
}
