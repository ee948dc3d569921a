using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Serialization;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Serialization;
using OrderEngine.Engine.Stock;

namespace OrderEngine.StockBench;

/// <summary>
/// The measurements of one build, per number of open reservations: the decider path (decide + evolve of a reserve and
/// its commit), one snapshot (build, serialize, restore), and the StockActor selling on an in-memory journal. Only
/// APIs that earlier builds have too are used, so the same source measures "before" and "after".
/// </summary>
public static class StockBench
{
    // The engine's default OrderEngine:Persistence:SnapshotEvery.
    private const int SnapshotEvery = 500;

    private const int DomainSalesPerRep = 5_000;
    private const int DomainReps = 5;

    // Sales kept in flight against the entity, as many concurrent buyers would: the entity batches their writes.
    private const int Window = 64;

    private static Config Config => ConfigurationFactory.ParseString("""
        akka.loglevel = WARNING
        akka.stdout-loglevel = WARNING
        akka.actor.serializers.orderengine = "OrderEngine.Engine.Serialization.OrderEngineSerializer, OrderEngine.Engine"
        akka.actor.serialization-bindings {
          "OrderEngine.Domain.IOrderEngineMessage, OrderEngine.Domain" = orderengine
        }
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.bench"
        akka.persistence.snapshot-store.bench {
          class = "OrderEngine.StockBench.BenchSnapshotStore, OrderEngine.StockBench"
          plugin-dispatcher = "akka.actor.default-dispatcher"
        }
        """);

    public static async Task<RunResult> Run(BenchSettings settings, TextWriter log)
    {
        using var system = ActorSystem.Create("stockbench", Config);
        // Open reservations expire an hour from now (0.5 ms apart), every sale's hold two hours from now: nothing falls
        // due while the benchmark runs, and a new reservation joins the end of the expiry order, as in a real sale.
        var start = DateTimeOffset.UtcNow;

        // Every size's state is built first, while nothing else runs, so the live heap's growth is that state's size;
        // measured between the entity runs, the heap also moves with what they leave behind.
        var states = new Dictionary<int, (StockState State, double Megabytes)>();
        foreach (var n in settings.Sizes)
        {
            log.WriteLine($"[{settings.Label}] {n:N0} open reservations: seeding the state");
            var heapBefore = SettledHeap();
            var state = Seed($"BENCH-{n}", n, start);
            states[n] = (state, (SettledHeap() - heapBefore) / 1e6);
        }

        var results = new List<SizeResult>();
        foreach (var n in settings.Sizes)
        {
            var sku = $"BENCH-{n}";
            var (seeded, stateMb) = states[n];
            states.Remove(n);

            log.WriteLine($"[{settings.Label}] {n:N0}: decider path");
            var (domainUs, domainWallUs, domainBytes) = MeasureDecider(seeded, start);
            var expiryUs = MeasureExpiryDecision(seeded, start);

            log.WriteLine($"[{settings.Label}] {n:N0}: snapshot");
            var (snapshotMs, snapshotMb, restoreMs) = MeasureSnapshot(system, seeded, reps: n >= 1_000_000 ? 1 : 3);
            var interval = SnapshotInterval(seeded);
            // Two events per sale: a snapshot every `interval` events is one every interval / 2 sales.
            var snapshotUsPerSale = snapshotMs * 1000 / (interval / 2.0);

            log.WriteLine($"[{settings.Label}] {n:N0}: entity");
            var actor = await MeasureActor(system, sku, seeded, start, settings);
            results.Add(new SizeResult(n, Math.Round(stateMb, 1), domainUs, domainWallUs, domainBytes, expiryUs, snapshotMs, snapshotMb, restoreMs, interval,
                snapshotUsPerSale, actor.CpuUs, actor.WallUs, actor.Bytes, actor.Sales, actor.Snapshots));
            log.WriteLine($"[{settings.Label}] {n:N0}: decider {domainUs:F2} µs CPU/sale, entity {actor.CpuUs:F1} µs CPU/sale ({actor.Snapshots} snapshots in {actor.Sales:N0} sales)");
            seeded = null;
        }
        await system.Terminate();
        return new RunResult(settings.Label, settings.Commit, start, $"{Environment.ProcessorCount} cores, .NET {Environment.Version}", results);
    }

    /// <summary>The live heap after full, blocking, compacting collections (the large-object heap included).</summary>
    private static long SettledHeap()
    {
        for (var i = 0; i < 2; i++)
        {
            System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }
        return GC.GetTotalMemory(forceFullCollection: false);
    }

    private static StockState Seed(string sku, int open, DateTimeOffset start)
    {
        var s = StockDecider.Evolve(StockState.Initial(sku), new OnHandSet(sku, StockDecider.MaxUnits, 1, start));
        for (var i = 0; i < open; i++)
            s = StockDecider.Evolve(s, new StockReserved(sku, $"open-{i:D7}", 1, start.AddHours(1).AddTicks(i * 5_000L), start));
        return s;
    }

    /// <summary>Median CPU µs, elapsed µs and bytes allocated per sale (decide + evolve a reservation, then its commit) on one thread.</summary>
    private static (double CpuUs, double WallUs, double Bytes) MeasureDecider(StockState seeded, DateTimeOffset start)
    {
        var s = seeded;
        var sale = 0;
        var hold = start.AddHours(2);
        void Sell(string[] ids)
        {
            foreach (var id in ids)
            {
                var now = start.AddTicks(++sale * TimeSpan.TicksPerMillisecond);
                foreach (var e in StockDecider.Decide(s, new ReserveStock(s.Sku, id, 1, hold), now).Events) s = StockDecider.Evolve(s, e);
                foreach (var e in StockDecider.Decide(s, new CommitReservation(s.Sku, id), now).Events) s = StockDecider.Evolve(s, e);
            }
        }
        string[] Ids(int rep) => [.. Enumerable.Range(0, DomainSalesPerRep).Select(i => $"sale-{rep}-{i}")];

        Sell(Ids(-1)); // warm-up: JIT and tiering
        var cpu = new List<double>();
        var wall = new List<double>();
        var bytes = new List<double>();
        for (var rep = 0; rep < DomainReps; rep++)
        {
            var ids = Ids(rep);
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var cpuBefore = ThreadCpu.Now();
            var started = Stopwatch.GetTimestamp();
            Sell(ids);
            wall.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds / ids.Length);
            cpu.Add((ThreadCpu.Now() - cpuBefore).TotalMicroseconds / ids.Length);
            bytes.Add((GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)ids.Length);
        }
        if (s.Sold != (DomainReps + 1) * DomainSalesPerRep) throw new InvalidOperationException($"decider sold {s.Sold}");
        return (Median(cpu), Median(wall), Median(bytes));
    }

    /// <summary>CPU µs per expiry decision with nothing due, as the entity's expiry tick asks it every second.</summary>
    private static double MeasureExpiryDecision(StockState s, DateTimeOffset start)
    {
        var command = new ExpireDueReservations(s.Sku, TimeSpan.FromMinutes(10));
        var calls = 0;
        var started = Stopwatch.GetTimestamp();
        var cpuBefore = ThreadCpu.Now();
        while (calls < 3 || (Stopwatch.GetElapsedTime(started) < TimeSpan.FromMilliseconds(300) && calls < 1_000_000))
        {
            if (!StockDecider.Decide(s, command, start).Events.IsEmpty) throw new InvalidOperationException("something fell due");
            calls++;
        }
        return (ThreadCpu.Now() - cpuBefore).TotalMicroseconds / calls;
    }

    /// <summary>The best of a few: CPU ms to build and serialize a snapshot, its size, CPU ms to read it back into a state.</summary>
    private static (double Ms, double Megabytes, double RestoreMs) MeasureSnapshot(ActorSystem system, StockState s, int reps)
    {
        var serializer = (SerializerWithStringManifest)system.Serialization.FindSerializerFor(StockSnapshot.From(StockState.Initial(s.Sku)));
        double best = double.MaxValue, bestRestore = double.MaxValue, megabytes = 0;
        for (var rep = 0; rep < reps; rep++)
        {
            GC.Collect();
            var started = ThreadCpu.Now();
            var snapshot = StockSnapshot.From(s);
            var bytes = serializer.ToBinary(snapshot);
            best = Math.Min(best, (ThreadCpu.Now() - started).TotalMilliseconds);
            megabytes = bytes.Length / 1e6;

            started = ThreadCpu.Now();
            var restored = ((StockSnapshot)serializer.FromBinary(bytes, serializer.Manifest(snapshot))).ToState();
            bestRestore = Math.Min(bestRestore, (ThreadCpu.Now() - started).TotalMilliseconds);
            if (restored.Reserved != s.Reserved) throw new InvalidOperationException("the snapshot lost reservations");
        }
        return (best, megabytes, bestRestore);
    }

    /// <summary>
    /// Events between two snapshots of this state: by StockSnapshotPolicy where the build has one, else every
    /// SnapshotEvery events as earlier builds did. Looked up by name so this source builds against both.
    /// </summary>
    private static long SnapshotInterval(StockState s)
    {
        var policy = typeof(StockActor).Assembly.GetType("OrderEngine.Engine.Stock.StockSnapshotPolicy");
        var method = policy?.GetMethod("EventsBetweenSnapshots", [typeof(int), typeof(StockState)]);
        return method is null ? SnapshotEvery : (long)method.Invoke(null, [SnapshotEvery, s])!;
    }

    private sealed record ActorFigures(double CpuUs, double WallUs, double Bytes, long Sales, int Snapshots);

    private static async Task<ActorFigures> MeasureActor(ActorSystem system, string sku, StockState seeded, DateTimeOffset start, BenchSettings settings)
    {
        // The entity starts from a snapshot of the seeded state, as after a restart, rather than from a million events.
        var persistenceId = "stock-" + sku;
        var seeder = system.ActorOf(Props.Create(() => new Seeder(persistenceId, new OnHandSet(sku, StockDecider.MaxUnits, 1, start))));
        await seeder.Ask<string>("seed", TimeSpan.FromSeconds(30));
        BenchSnapshotStore.Preloaded[persistenceId] = new SelectedSnapshot(new SnapshotMetadata(persistenceId, 1, DateTime.UtcNow), StockSnapshot.From(seeded));

        var stock = system.ActorOf(StockActor.Props(sku, new StockOptions(), SnapshotEvery, TimeSpan.FromHours(1), ActorRefs.Nobody, TimeProvider.System));
        var view = await stock.Ask<IStockReply>(new GetStock(sku), TimeSpan.FromMinutes(2));
        if (view is not StockAccepted { View.Reserved: var reserved } || reserved != seeded.Reserved)
            throw new InvalidOperationException($"the entity recovered {view}");

        var driver = system.ActorOf(Props.Create(() => new SaleDriver(stock, sku, start.AddHours(2))));
        await Sell(driver, minSales: 500, TimeSpan.FromSeconds(1)); // warm-up
        var wall = new List<double>();
        var cpu = new List<double>();
        var bytes = new List<double>();
        long sales = 0;
        var snapshotsBefore = BenchSnapshotStore.Saves;
        for (var rep = 0; rep < settings.Reps; rep++)
        {
            GC.Collect();
            var process = Process.GetCurrentProcess();
            var cpuBefore = process.TotalProcessorTime;
            var allocated = GC.GetTotalAllocatedBytes();
            var started = Stopwatch.GetTimestamp();
            var sold = await Sell(driver, minSales: 250, TimeSpan.FromSeconds(settings.SecondsPerRep));
            var elapsed = Stopwatch.GetElapsedTime(started);
            process.Refresh();
            wall.Add(elapsed.TotalMicroseconds / sold);
            cpu.Add((process.TotalProcessorTime - cpuBefore).TotalMicroseconds / sold);
            bytes.Add((GC.GetTotalAllocatedBytes() - allocated) / (double)sold);
            sales += sold;
        }
        var snapshots = (int)(BenchSnapshotStore.Saves - snapshotsBefore);

        await stock.GracefulStop(TimeSpan.FromMinutes(1));
        await driver.GracefulStop(TimeSpan.FromSeconds(10));
        BenchSnapshotStore.Forget(persistenceId);
        return new ActorFigures(Median(cpu), Median(wall), Median(bytes), sales, snapshots);
    }

    private static async Task<long> Sell(IActorRef driver, long minSales, TimeSpan atLeast)
    {
        var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        driver.Tell(new SaleDriver.Run(minSales, DateTime.UtcNow + atLeast, done));
        return await done.Task;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>Writes the entity's first event, so the journal's sequence numbers agree with the preloaded snapshot's.</summary>
    private sealed class Seeder(string persistenceId, object first) : UntypedPersistentActor
    {
        public override string PersistenceId => persistenceId;

        protected override void OnRecover(object message)
        {
        }

        protected override void OnCommand(object message)
        {
            var replyTo = Sender;
            Persist(first, _ =>
            {
                replyTo.Tell("seeded");
                Context.Stop(Self);
            });
        }
    }

    /// <summary>
    /// Keeps <see cref="Window"/> sales in flight against one stock entity: each sale's reserve and commit are sent
    /// together (the entity decides the commit against its in-memory state, the reservation's write still in flight).
    /// A run ends once it has sold at least its minimum and its time is up, and every sale in flight was answered.
    /// </summary>
    private sealed class SaleDriver(IActorRef stock, string sku, DateTimeOffset hold) : UntypedActor
    {
        public sealed record Run(long MinSales, DateTime Until, TaskCompletionSource<long> Done);

        private Run? _run;
        private long _next;
        private long _started;
        private long _sold;
        private int _inFlight;

        protected override void OnReceive(object message)
        {
            switch (message)
            {
                case Run run:
                    _run = run;
                    _started = _sold;
                    while (_inFlight < Window) Send();
                    break;
                case StockAccepted { Operation: StockOperation.Commit }:
                    _inFlight--;
                    _sold++;
                    if (_run is null) break;
                    if (_sold - _started + _inFlight < _run.MinSales || DateTime.UtcNow < _run.Until) Send();
                    else if (_inFlight == 0)
                    {
                        _run.Done.SetResult(_sold - _started);
                        _run = null;
                    }
                    break;
                case StockAccepted:
                    break;
                case StockRefused refused:
                    _run?.Done.TrySetException(new InvalidOperationException($"the entity refused a sale: {refused}"));
                    _run = null;
                    break;
            }
        }

        private void Send()
        {
            var orderId = $"sale-{_next++}";
            stock.Tell(new ReserveStock(sku, orderId, 1, hold));
            stock.Tell(new CommitReservation(sku, orderId));
            _inFlight++;
        }
    }
}
