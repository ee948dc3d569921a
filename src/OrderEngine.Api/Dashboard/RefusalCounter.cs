using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using OrderEngine.Engine.Telemetry;

namespace OrderEngine.Api.Dashboard;

/// <summary>
/// This node's refused placements by reason, read from the engine's own counter (orderengine.orders.refused) through a
/// <see cref="MeterListener"/>: the flash-sale view's "refused". Refusals are answered without a journal write, so no
/// table holds them; this is the count since the node started, on this node only (a cluster's total is the metric's sum
/// in Prometheus).
/// </summary>
public sealed class RefusalCounter : IDisposable
{
    private readonly ConcurrentDictionary<string, long> _byReason = new(StringComparer.Ordinal);
    private readonly MeterListener _listener = new();

    public RefusalCounter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == OrderEngineTelemetry.Name && instrument.Name == "orderengine.orders.refused")
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var reason = "unknown";
            foreach (var tag in tags)
                if (tag.Key == "reason") reason = tag.Value?.ToString() ?? reason;
            _byReason.AddOrUpdate(reason, value, (_, v) => v + value);
        });
        _listener.Start();
    }

    /// <summary>Refusals since the node started, by reason.</summary>
    public IReadOnlyDictionary<string, long> ByReason => _byReason;

    public long Total => _byReason.Values.Sum();

    public void Dispose() => _listener.Dispose();
}
