using System.Data.Common;
using Akka.Persistence.Query;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Projections;

namespace OrderEngine.Engine.ReadSide;

/// <summary>One row of stock_levels. <see cref="Sold"/> is the units committed to orders net of restocks (cumulative).</summary>
public sealed class StockLevelRow
{
    public required string Sku { get; init; }
    public long OnHand { get; set; }
    public long Reserved { get; set; }
    public long Sold { get; set; }
    public long Available { get; set; }
    public long UpdatedAt { get; set; }
}

/// <summary>What a batch of stock events changes: the final rows of the SKUs it touched and the units sold per (sku, day).</summary>
public sealed class ReadStockChanges
{
    public Dictionary<string, StockLevelRow> Levels { get; } = new(StringComparer.Ordinal);
    public Dictionary<(string Sku, int Day), int> DailySold { get; } = [];
}

/// <summary>
/// The pure fold of the read-stock projection. It follows the stock entity's own arithmetic (StockDecider.Evolve) per
/// event, with the quantities each event carries: on hand, reserved, and available = on hand − reserved − the entity's
/// sold (which shipping takes down with on hand, so shipping leaves available as it was). The entity's Evolve cannot be
/// applied per event here (it needs the open reservations), so its counters are mirrored and tested against it.
/// </summary>
public static class ReadStockFold
{
    public static ReadStockChanges Fold(Dictionary<string, StockLevelRow> known, IEnumerable<IStockEvent> events)
    {
        var changes = new ReadStockChanges();
        foreach (var e in events)
        {
            if (SkuOf(e) is not { } sku) continue;
            if (!known.TryGetValue(sku, out var row)) known[sku] = row = new StockLevelRow { Sku = sku };
            Apply(changes, row, e);
            row.UpdatedAt = Math.Max(row.UpdatedAt, ReadValues.Ms(e.At));
            changes.Levels[sku] = row;
        }
        return changes;
    }

    /// <summary>
    /// The SKU of an event that moves the counters, or null for one that does not (thresholds, alerts, limits, hold
    /// extensions, and any kind added later): the projection passes over those rather than stop on them.
    /// </summary>
    public static string? SkuOf(IStockEvent e) => e switch
    {
        OnHandSet or OnHandAdjusted or StockReserved or SaleRestocked or SoldShipped or ShippedReceived
            or ReservationCommitted or ReservationReleased or ReservationsExpired => e.Sku,
        _ => null,
    };

    private static void Apply(ReadStockChanges changes, StockLevelRow s, IStockEvent e)
    {
        switch (e)
        {
            case OnHandSet x:
                s.Available += x.OnHand - s.OnHand;
                s.OnHand = x.OnHand;
                break;
            case OnHandAdjusted x:
                s.OnHand += x.Delta;
                s.Available += x.Delta;
                break;
            case StockReserved x:
                s.Reserved += x.Quantity;
                s.Available -= x.Quantity;
                break;
            case SaleRestocked x:
                s.Sold -= x.Quantity;
                s.Available += x.Quantity;
                Sold(changes, x.Sku, x.At, -x.Quantity);
                break;
            case SoldShipped x:
                s.OnHand -= x.Quantity;
                break;
            case ShippedReceived x:
                s.OnHand += x.Quantity;
                s.Available += x.Quantity;
                break;
            case ReservationCommitted x:
                s.Reserved -= x.Quantity;
                s.Sold += x.Quantity;
                Sold(changes, x.Sku, x.At, x.Quantity);
                break;
            case ReservationReleased x:
                s.Reserved -= x.Quantity;
                s.Available += x.Quantity;
                break;
            case ReservationsExpired x:
                var units = x.Reservations.Sum(r => (long)r.Quantity);
                s.Reserved -= units;
                s.Available += units;
                break;
        }
    }

    private static void Sold(ReadStockChanges changes, string sku, DateTimeOffset at, int units)
    {
        var key = (sku, ReadValues.Day(ReadValues.Ms(at)));
        changes.DailySold[key] = changes.DailySold.GetValueOrDefault(key) + units;
    }
}

/// <summary>The "read-stock" projection: stock_levels and stock_daily from the stock events, one transaction per batch with its offset.</summary>
public sealed class ReadStockProjection(JournalDatabase database) : IProjection
{
    public const string ProjectionName = "read-stock";

    public static readonly string[] Tables = ["stock_levels", "stock_daily"];

    public string Name => ProjectionName;

    public bool Rebuildable => true;

    public Task<long> LoadOffsetAsync(CancellationToken ct) => ProjectionOffsets.LoadAsync(database, ProjectionName, ct);

    public Task ResetAsync(CancellationToken ct) => ProjectionOffsets.ResetAsync(database, ProjectionName, Tables, ct);

    public Task ApplyAsync(IReadOnlyList<EventEnvelope> batch, CancellationToken ct) =>
        ReadTables.ApplyFoldAsync<IStockEvent, ReadStockChanges>(database, ProjectionName, batch,
            async (connection, events, token) =>
            {
                var skus = events.Select(ReadStockFold.SkuOf).OfType<string>().ToHashSet(StringComparer.Ordinal);
                var known = new Dictionary<string, StockLevelRow>(StringComparer.Ordinal);
                await ReadTables.ReadWhereInAsync(connection, null, "SELECT sku, on_hand, reserved, sold, available, updated_at FROM stock_levels", "sku", skus,
                    r => known[r.GetString(0)] = new StockLevelRow
                    {
                        Sku = r.GetString(0), OnHand = r.GetInt64(1), Reserved = r.GetInt64(2), Sold = r.GetInt64(3),
                        Available = r.GetInt64(4), UpdatedAt = r.GetInt64(5),
                    }, token);
                return ReadStockFold.Fold(known, events);
            },
            WriteAsync, ct);

    private static Task WriteAsync(DbConnection connection, DbTransaction tx, ReadStockChanges changes, CancellationToken ct)
    {
        var levels = new RowSet("stock_levels", ("sku", ColumnKind.Text), ("on_hand", ColumnKind.Long), ("reserved", ColumnKind.Long),
            ("sold", ColumnKind.Long), ("available", ColumnKind.Long), ("updated_at", ColumnKind.Long));
        foreach (var s in changes.Levels.Values) levels.Add(s.Sku, s.OnHand, s.Reserved, s.Sold, s.Available, s.UpdatedAt);
        var daily = new RowSet("stock_daily", ("sku", ColumnKind.Text), ("day", ColumnKind.Int), ("units_sold", ColumnKind.Int));
        foreach (var ((sku, day), units) in changes.DailySold) daily.Add(sku, day, units);
        return ReadTables.UpsertAsync(connection, tx, ReadOrdersProjection.ProviderOf(connection), [
            (levels, """
                ON CONFLICT (sku) DO UPDATE SET on_hand = excluded.on_hand, reserved = excluded.reserved, sold = excluded.sold,
                available = excluded.available, updated_at = excluded.updated_at
                """),
            (daily, "ON CONFLICT (sku, day) DO UPDATE SET units_sold = stock_daily.units_sold + excluded.units_sold"),
        ], ct);
    }
}
