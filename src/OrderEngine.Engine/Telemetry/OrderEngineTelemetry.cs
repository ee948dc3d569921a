using System.Diagnostics;
using System.Diagnostics.Metrics;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Stock;

namespace OrderEngine.Engine.Telemetry;

/// <summary>
/// OrderEngine's own signals: one <see cref="Meter"/> and one <see cref="ActivitySource"/>, both named "OrderEngine"
/// (docs/operations.md lists every instrument). They are static, as .NET instruments are meant to be: an instrument with
/// no listener costs a branch, and a counter with a listener an interlocked add, with no allocation per measurement
/// (tags are cached per value). Entities count after their events are durable, never in the pure domain.
/// </summary>
public static class OrderEngineTelemetry
{
    /// <summary>The name of OrderEngine's meter and activity source.</summary>
    public const string Name = "OrderEngine";

    public static readonly Meter Meter = new(Name);

    public static readonly ActivitySource Source = new(Name);

    private static readonly Counter<long> OrdersPlaced = Meter.CreateCounter<long>(
        "orderengine.orders.placed", "{order}", "Orders placed (their placement written to the journal)");

    private static readonly Counter<long> OrdersRefused = Meter.CreateCounter<long>(
        "orderengine.orders.refused", "{order}", "Placements refused, by reason (the order rejection code)");

    private static readonly Counter<long> OrdersPaid = Meter.CreateCounter<long>(
        "orderengine.orders.paid", "{order}", "Payments confirmed (written to the journal)");

    private static readonly Counter<long> ReservationsMade = Meter.CreateCounter<long>(
        "orderengine.reservations.made", "{reservation}", "Stock reservations written");

    private static readonly Counter<long> ReservationsEnded = Meter.CreateCounter<long>(
        "orderengine.reservations.ended", "{reservation}", "Stock reservations that ended, by how: committed (sold), released, expired");

    private static readonly Histogram<double> JournalWriteDuration = Meter.CreateHistogram<double>(
        "orderengine.journal.write.duration", "s", "Time to commit one journal batch (one transaction)",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    private static readonly Histogram<long> JournalBatchSize = Meter.CreateHistogram<long>(
        "orderengine.journal.batch.size", "{row}", "Events (rows) committed per journal batch",
        tags: null,
        advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000] });

    private static readonly Counter<long> JournalWriteFailures = Meter.CreateCounter<long>(
        "orderengine.journal.write.failures", "{batch}", "Journal batches that failed (their callers were told the write failed)");

    private static readonly KeyValuePair<string, object?>[] RefusalReasons =
        Enum.GetValues<OrderRejectionCode>().Select(c => new KeyValuePair<string, object?>("reason", c.ToString())).ToArray();

    private static readonly KeyValuePair<string, object?> Committed = new("how", "committed");
    private static readonly KeyValuePair<string, object?> Released = new("how", "released");
    private static readonly KeyValuePair<string, object?> Expired = new("how", "expired");

    /// <summary>An order's placement is durable.</summary>
    public static void OrderPlaced() => OrdersPlaced.Add(1);

    /// <summary>A placement was refused (by its entity or at the placement gate).</summary>
    public static void OrderRefused(OrderRejectionCode code)
    {
        if (!OrdersRefused.Enabled) return;
        var i = (int)code;
        if ((uint)i < (uint)RefusalReasons.Length) OrdersRefused.Add(1, RefusalReasons[i]);
        else OrdersRefused.Add(1, new KeyValuePair<string, object?>("reason", code.ToString()));
    }

    /// <summary>Counts what an order event that has just been written means for the order counters.</summary>
    public static void OrderEventWritten(IOrderEvent e)
    {
        if (e is PaymentConfirmed) OrdersPaid.Add(1);
    }

    /// <summary>Counts what a stock event that has just been written means for the reservation counters.</summary>
    public static void StockEventWritten(IStockEvent e)
    {
        switch (e)
        {
            case StockReserved:
                ReservationsMade.Add(1);
                break;
            case ReservationCommitted:
                ReservationsEnded.Add(1, Committed);
                break;
            case ReservationReleased:
                ReservationsEnded.Add(1, Released);
                break;
            case ReservationsExpired expired:
                ReservationsEnded.Add(expired.Reservations.Length, Expired);
                break;
        }
    }

    /// <summary>A journal batch committed (<paramref name="startTimestamp"/> from <see cref="Stopwatch.GetTimestamp"/>).</summary>
    public static void JournalBatchWritten(long startTimestamp, int rows)
    {
        if (JournalWriteDuration.Enabled) JournalWriteDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds);
        JournalBatchSize.Record(rows);
    }

    /// <summary>A journal batch failed.</summary>
    public static void JournalBatchFailed() => JournalWriteFailures.Add(1);
}
