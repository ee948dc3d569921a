using System.Diagnostics.Metrics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Projections;
using OrderEngine.Engine.ReadSide;

namespace OrderEngine.Engine.Telemetry;

/// <summary>
/// The gauges that are read, not counted: shards and entities per shard region on this node (sharding's own statistics,
/// asked of each local region) and each projection's lag behind the journal (events, and seconds since the oldest event
/// it has not applied). They are read every <see cref="TelemetryOptions.StatsInterval"/> off the hot path, and the
/// gauges report the last reading, so a scrape costs nothing.
/// </summary>
public sealed class ClusterStatsCollector : BackgroundService
{
    private readonly IServiceProvider _services;
    private readonly TelemetryOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<ClusterStatsCollector> _log;
    private readonly Meter _meter;
    private volatile Reading _last = Reading.Empty;

    private sealed record Reading(
        IReadOnlyList<(string Region, int Shards, int Entities)> Regions,
        IReadOnlyList<(string Projection, long Events, double Seconds)> Projections,
        string Node)
    {
        public static readonly Reading Empty = new([], [], "");
    }

    public ClusterStatsCollector(IServiceProvider services, IOptions<TelemetryOptions> options, TimeProvider clock,
        IMeterFactory meters, ILogger<ClusterStatsCollector> log)
    {
        _services = services;
        _options = options.Value;
        _clock = clock;
        _log = log;
        // One meter per host (a test process hosts several engines), under the same name as the static instruments.
        _meter = meters.Create(OrderEngineTelemetry.Name);
        _meter.CreateObservableGauge("orderengine.sharding.shards", () => _last.Regions.Select(r =>
            new Measurement<int>(r.Shards, new KeyValuePair<string, object?>("region", r.Region), new KeyValuePair<string, object?>("node", _last.Node))),
            "{shard}", "Shards hosted by this node, per shard region (entity type)");
        _meter.CreateObservableGauge("orderengine.sharding.entities", () => _last.Regions.Select(r =>
            new Measurement<int>(r.Entities, new KeyValuePair<string, object?>("region", r.Region), new KeyValuePair<string, object?>("node", _last.Node))),
            "{entity}", "Entities alive in memory on this node, per shard region (entity type)");
        _meter.CreateObservableGauge("orderengine.projection.lag.events", () => _last.Projections.Select(p =>
            new Measurement<long>(p.Events, new KeyValuePair<string, object?>("projection", p.Projection))),
            "{event}", "Journal events a projection has not applied yet");
        _meter.CreateObservableGauge("orderengine.projection.lag.seconds", () => _last.Projections.Select(p =>
            new Measurement<double>(p.Seconds, new KeyValuePair<string, object?>("projection", p.Projection))),
            "s", "Age of the oldest journal event a projection has not applied yet (0 when caught up)");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.StatsInterval, _clock);
        do
        {
            try
            {
                _last = await ReadAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The actor system may still be starting, or the database away: the gauges keep their last reading.
                _log.LogDebug(e, "telemetry: statistics could not be read this time");
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Reads the statistics now (tests call it rather than wait for the interval).</summary>
    public async Task RefreshAsync(CancellationToken ct) => _last = await ReadAsync(ct);

    private async Task<Reading> ReadAsync(CancellationToken ct)
    {
        var system = _services.GetRequiredService<ActorSystem>();
        var sharding = ClusterSharding.Get(system);
        var regions = new List<(string, int, int)>();
        foreach (var typeName in sharding.ShardTypeNames.OrderBy(n => n, StringComparer.Ordinal))
        {
            IActorRef region;
            try
            {
                region = sharding.ShardRegion(typeName);
            }
            catch (ArgumentException)
            {
                continue; // a proxy-only region on this node hosts nothing
            }
            try
            {
                var stats = await region.Ask<ShardRegionStats>(GetShardRegionStats.Instance, TimeSpan.FromSeconds(5), ct);
                regions.Add((typeName, stats.Stats.Count, stats.Stats.Values.Sum()));
            }
            catch (AskTimeoutException)
            {
            }
        }
        var projections = new List<(string, long, double)>();
        var database = _services.GetService<JournalDatabase>();
        if (database is not null)
        {
            var now = _clock.GetUtcNow();
            foreach (var projection in _services.GetServices<IProjection>())
            {
                var offset = await projection.LoadOffsetAsync(ct);
                var (events, oldest) = await JournalLag.MeasureAsync(database, offset, ct);
                projections.Add((projection.Name, events, oldest is { } at ? Math.Max(0, (now - at).TotalSeconds) : 0));
            }
        }
        return new Reading(regions, projections, Cluster.Get(system).SelfAddress.ToString());
    }

    public override void Dispose()
    {
        _meter.Dispose();
        base.Dispose();
    }
}
