using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Hosting;
using Akka.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrderEngine.Domain.Orders;
using OrderEngine.Engine.Hosting;

namespace OrderEngine.JournalBench;

/// <summary>
/// N persistent entities, each with one write in flight at a time (as the engine's order entities), write E events
/// each, all at once; then N fresh entities recover together. Both write journals, in turn, on each backend, with the
/// engine's own persistence setup (<see cref="OrderEngineHosting.WithOrderEnginePersistence"/>).
/// </summary>
internal static class JournalRun
{
    public static async Task RunAsync(Backends backends, int entities, int events, int rounds)
    {
        Console.WriteLine($"## Journals: {entities} entities x {events} events (one write in flight each), then {entities} entities recovering together");
        Console.WriteLine("CPU is this process's (engine side; SQLite runs in it) and the PostgreSQL server's, per event or per recovered entity.");
        Console.WriteLine();
        Console.WriteLine("| backend | journal | round | write events/s | CPU µs/event | DB CPU µs/event | recoveries/s | CPU µs/recovery |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var backend in backends.Names)
        {
            for (var round = 1; round <= rounds; round++)
            {
                foreach (var journal in new[] { JournalKind.OrderEngine, JournalKind.AkkaPersistenceSql })
                {
                    var database = await backends.NewDatabaseAsync(backend, $"jb_{journal.ToString().ToLowerInvariant()}_{round}_{Guid.NewGuid().ToString("N")[..6]}");
                    var r = await RunOnceAsync(backends, backend, database, journal, entities, events);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"| {backend} | {journal} | {round} | {r.WriteRate:N0} | {r.CpuPerEvent:N0} | {r.DbCpuPerEvent:N0} | {r.RecoveryRate:N0} | {r.CpuPerRecovery:N0} |"));
                }
            }
        }
        Console.WriteLine();
    }

    /// <summary>OrderEngine's journal on PostgreSQL with 1..n batches written at once.</summary>
    public static async Task SweepConcurrentBatchesAsync(Backends backends, int entities, int events, IReadOnlyList<int> settings, int rounds)
    {
        Console.WriteLine($"## OrderEngine journal on PostgreSQL: concurrent batches ({entities} entities x {events} events)");
        Console.WriteLine();
        Console.WriteLine("| concurrent-batches | round | write events/s | CPU µs/event | DB CPU µs/event |");
        Console.WriteLine("|---|---|---|---|---|");
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var batches in settings)
            {
                var database = await backends.NewDatabaseAsync("postgres", $"jb_cb{batches}_{round}_{Guid.NewGuid().ToString("N")[..6]}");
                var r = await RunOnceAsync(backends, "postgres", database, JournalKind.OrderEngine, entities, events, batches);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {batches} | {round} | {r.WriteRate:N0} | {r.CpuPerEvent:N0} | {r.DbCpuPerEvent:N0} |"));
            }
        }
        Console.WriteLine();
    }

    private sealed record Result(double WriteRate, double CpuPerEvent, double DbCpuPerEvent, double RecoveryRate, double CpuPerRecovery);

    private static async Task<Result> RunOnceAsync(Backends backends, string backend, JournalDatabase database, JournalKind journal, int entities, int events, int? concurrentBatches = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddAkka("journalbench", (akka, _) => akka
            .AddHocon("akka.loglevel = WARNING", HoconAddMode.Prepend)
            .WithOrderEngineSerialization()
            .WithOrderEnginePersistence(database, new PersistenceOptions { Journal = journal, JournalConcurrentBatches = concurrentBatches }));
        using var host = builder.Build();
        await host.StartAsync();
        var system = host.Services.GetRequiredService<ActorSystem>();
        try
        {
            // Warm-up on other ids: JIT, connection pools, prepared statements.
            await WriteAsync(system, "warm", Math.Min(entities, 100), 2);

            var process = Process.GetCurrentProcess();
            var cpu0 = process.TotalProcessorTime;
            var db0 = backends.DatabaseCpuSeconds(backend);
            var watch = Stopwatch.StartNew();
            var refs = await WriteAsync(system, "bench", entities, events);
            var writeSeconds = watch.Elapsed.TotalSeconds;
            process.Refresh();
            var cpu1 = process.TotalProcessorTime;
            var db1 = backends.DatabaseCpuSeconds(backend);

            foreach (var entity in refs) await entity.GracefulStop(TimeSpan.FromSeconds(30));
            process.Refresh();
            var cpuStopped = process.TotalProcessorTime;

            watch.Restart();
            var recovered = await Task.WhenAll(Enumerable.Range(0, entities).Select(i =>
                system.ActorOf(BenchEntity.Props($"order-bench-{i}")).Ask<int>(BenchEntity.Count, TimeSpan.FromSeconds(120))));
            var recoverySeconds = watch.Elapsed.TotalSeconds;
            process.Refresh();
            var cpu2 = process.TotalProcessorTime;
            if (recovered.Any(n => n != events)) throw new InvalidOperationException("an entity did not recover all of its events");

            var total = (double)entities * events;
            return new Result(
                total / writeSeconds,
                (cpu1 - cpu0).TotalMicroseconds / total,
                (db1 - db0) * 1e6 / total,
                entities / recoverySeconds,
                (cpu2 - cpuStopped).TotalMicroseconds / entities);
        }
        finally
        {
            await host.StopAsync();
            // Every run has its own database: let the idle connections of the finished one go (PostgreSQL's
            // max_connections is shared by the whole run).
            Npgsql.NpgsqlConnection.ClearAllPools();
        }
    }

    private static async Task<IActorRef[]> WriteAsync(ActorSystem system, string prefix, int entities, int events)
    {
        var refs = Enumerable.Range(0, entities).Select(i => system.ActorOf(BenchEntity.Props($"order-{prefix}-{i}"))).ToArray();
        await Task.WhenAll(refs.Select(async entity =>
        {
            for (var n = 1; n <= events; n++) await entity.Ask<int>(n, TimeSpan.FromSeconds(120));
        }));
        return refs;
    }
}

/// <summary>An entity persisting one (tagged) order event per number it is sent, answering after the write (an order entity's journal traffic).</summary>
internal sealed class BenchEntity : ReceivePersistentActor
{
    public const string Count = "count";
    private int _events;

    public BenchEntity(string persistenceId)
    {
        PersistenceId = persistenceId;
        Recover<OrderReserved>(_ => _events++);
        Command<int>(n => Persist(new OrderReserved(persistenceId, DateTimeOffset.UnixEpoch.AddSeconds(n)), _ =>
        {
            _events++;
            Sender.Tell(n);
        }));
        Command<string>(_ => Sender.Tell(_events));
    }

    public override string PersistenceId { get; }

    // As the engine's order entities: no snapshot lookup, so a recovery is the journal's work alone.
    public override Recovery Recovery => new(SnapshotSelectionCriteria.None);

    public static Props Props(string persistenceId) => Akka.Actor.Props.Create(() => new BenchEntity(persistenceId));
}
