using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit.Xunit2;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Stock;

namespace OrderEngine.Engine.Tests;

public sealed class StockActorTests() : TestKit(TestConfig.WithTestJournal)
{
    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(10);

    private IActorRef Stock(string sku, IActorRef orders, StockOptions? options = null, int snapshotEvery = 500, TimeProvider? clock = null) =>
        Sys.ActorOf(StockActor.Props(sku, options ?? TestConfig.FastStock(), snapshotEvery, Idle, orders, clock ?? TimeProvider.System));

    private static Task<IStockReply> Reply(IActorRef stock, IStockMessage message, double seconds = 10) => stock.Ask<IStockReply>(message, TimeSpan.FromSeconds(seconds));

    private async Task<StockView> Ask(IActorRef stock, IStockMessage message) =>
        await Reply(stock, message) switch
        {
            StockAccepted a => a.View,
            StockRefused r => throw new InvalidOperationException($"{r.Rejection.Code}: {r.Rejection.Message}"),
            var other => throw new InvalidOperationException(other.GetType().Name),
        };

    private async Task<IActorRef> Restart(IActorRef stock, Func<IActorRef> create)
    {
        await stock.GracefulStop(TimeSpan.FromSeconds(5));
        return create();
    }

    [Fact]
    public async Task Reservations_commits_and_releases_survive_a_restart()
    {
        var orders = CreateTestProbe();
        var stock = Stock("R-1", orders);
        await Ask(stock, new SetOnHand("R-1", 10, 1, "key:ann"));
        await Ask(stock, new ReserveStock("R-1", "o1", 3, DateTimeOffset.UtcNow.AddMinutes(5)));
        await Ask(stock, new ReserveStock("R-1", "o2", 2, DateTimeOffset.UtcNow.AddMinutes(5)));
        await Ask(stock, new CommitReservation("R-1", "o1"));
        await Ask(stock, new ReserveStock("R-1", "o3", 4, DateTimeOffset.UtcNow.AddMinutes(5)));
        await Ask(stock, new ReleaseReservation("R-1", "o3"));

        stock = await Restart(stock, () => Stock("R-1", orders));

        var view = await Ask(stock, new GetStock("R-1"));
        Assert.Equal(new StockView("R-1", 10, 2, 3, 5, 1), view with { LastChange = null });
        Assert.Equal(("key:ann", "on hand set to 10 (version 1)"), (view.LastChange?.By, view.LastChange?.Summary));
        // The recovered entity still recognises the settled orders.
        var again = await Reply(stock, new CommitReservation("R-1", "o1"));
        Assert.IsType<StockAccepted>(again);
        Assert.Equal(3, ((StockAccepted)again).View.Sold);
        var closed = await Reply(stock, new ReserveStock("R-1", "o3", 4, DateTimeOffset.UtcNow.AddMinutes(5)));
        Assert.Equal(StockRejectionCode.ReservationClosed, Assert.IsType<StockRefused>(closed).Rejection.Code);
    }

    [Fact]
    public async Task Recovery_from_snapshots_gives_the_same_figures_as_from_events()
    {
        var orders = CreateTestProbe();
        var stock = Stock("S-1", orders, snapshotEvery: 3);
        await Ask(stock, new SetOnHand("S-1", 100, 1, "key:ann"));
        for (var i = 0; i < 20; i++) await Ask(stock, new ReserveStock("S-1", $"o{i}", 2, DateTimeOffset.UtcNow.AddMinutes(5)));
        for (var i = 0; i < 20; i += 2) await Ask(stock, new CommitReservation("S-1", $"o{i}"));
        var before = await Ask(stock, new GetStock("S-1"));

        stock = await Restart(stock, () => Stock("S-1", orders, snapshotEvery: 3));

        Assert.Equal(before, await Ask(stock, new GetStock("S-1")));
        Assert.Equal(new StockView("S-1", 100, 20, 20, 60, 1), before with { LastChange = null });
        Assert.Equal("key:ann", before.LastChange?.By); // and the equality above: it survives recovery from a snapshot
    }

    [Fact]
    public async Task A_repeated_reservation_holds_the_units_once()
    {
        var stock = Stock("D-1", CreateTestProbe());
        await Ask(stock, new SetOnHand("D-1", 5, 1));
        var expires = DateTimeOffset.UtcNow.AddMinutes(5);
        for (var i = 0; i < 3; i++) await Ask(stock, new ReserveStock("D-1", "o1", 2, expires));
        Assert.Equal(2, (await Ask(stock, new GetStock("D-1"))).Reserved);
    }

    [Fact]
    public async Task Concurrent_reservations_never_oversell_and_each_gets_one_answer()
    {
        var stock = Stock("C-1", CreateTestProbe());
        await Ask(stock, new SetOnHand("C-1", 50, 1));
        var expires = DateTimeOffset.UtcNow.AddMinutes(5);
        var replies = Enumerable.Range(0, 400)
            .Select(i => Reply(stock, new ReserveStock("C-1", $"o{i}", 1, expires), 20))
            .ToArray();
        await Task.WhenAll(replies);
        Assert.Equal(50, replies.Count(r => r.Result is StockAccepted));
        Assert.Equal(350, replies.Count(r => r.Result is StockRefused { Rejection.Code: StockRejectionCode.InsufficientStock }));
        var view = await Ask(stock, new GetStock("C-1"));
        Assert.Equal(50, view.Reserved);
        Assert.Equal(0, view.Available);
    }

    [Fact]
    public async Task An_expired_reservation_asks_its_order_and_the_orders_answer_settles_it()
    {
        var orders = CreateTestProbe();
        var stock = Stock("E-1", orders.Ref);
        await Ask(stock, new SetOnHand("E-1", 5, 1));
        await Ask(stock, new ReserveStock("E-1", "o-unpaid", 2, DateTimeOffset.UtcNow.AddMilliseconds(200)));
        await Ask(stock, new ReserveStock("E-1", "o-paid", 1, DateTimeOffset.UtcNow.AddMilliseconds(200)));
        await Ask(stock, new ReserveStock("E-1", "o-later", 1, DateTimeOffset.UtcNow.AddMinutes(5)));

        var asked = new HashSet<string>();
        orders.Within(TimeSpan.FromSeconds(5), () =>
        {
            while (asked.Count < 2)
            {
                var due = orders.ExpectMsg<ReservationDue>();
                Assert.Equal("E-1", due.Sku);
                asked.Add(due.OrderId);
            }
        });
        Assert.Equal(new HashSet<string> { "o-unpaid", "o-paid" }, asked);
        // Still held until the order answers: expiry alone never gives away units a paid order may need.
        Assert.Equal(4, (await Ask(stock, new GetStock("E-1"))).Reserved);

        await Ask(stock, new ReleaseReservation("E-1", "o-unpaid"));
        await Ask(stock, new CommitReservation("E-1", "o-paid"));
        var view = await Ask(stock, new GetStock("E-1"));
        Assert.Equal(1, view.Reserved);
        Assert.Equal(1, view.Sold);
    }

    [Fact]
    public async Task A_reservation_whose_order_never_answers_is_released_after_the_orphan_grace()
    {
        var orders = CreateTestProbe();
        var stock = Stock("O-1", orders.Ref, TestConfig.FastStock(orphanGrace: TimeSpan.FromMilliseconds(500)));
        await Ask(stock, new SetOnHand("O-1", 5, 1));
        await Ask(stock, new ReserveStock("O-1", "o-gone", 3, DateTimeOffset.UtcNow.AddMilliseconds(100)));

        await AwaitAssertAsync(async () => Assert.Equal(0, ((await Ask(stock, new GetStock("O-1")))).Reserved), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100));
        Assert.Equal(5, (await Ask(stock, new GetStock("O-1"))).Available);
        var late = await Reply(stock, new CommitReservation("O-1", "o-gone"));
        Assert.Equal(StockRejectionCode.ReservationClosed, Assert.IsType<StockRefused>(late).Rejection.Code);
    }

    [Fact]
    public async Task Expiry_resumes_after_a_restart()
    {
        var orders = CreateTestProbe();
        var stock = Stock("X-1", orders.Ref);
        await Ask(stock, new SetOnHand("X-1", 5, 1));
        await Ask(stock, new ReserveStock("X-1", "o-crashed", 2, DateTimeOffset.UtcNow.AddMilliseconds(300)));
        await stock.GracefulStop(TimeSpan.FromSeconds(5));
        orders.ExpectNoMsg(TimeSpan.FromMilliseconds(400));

        Stock("X-1", orders.Ref);

        Assert.Equal("o-crashed", orders.ExpectMsg<ReservationDue>(TimeSpan.FromSeconds(5)).OrderId);
    }

    [Fact]
    public async Task Unknown_sku_is_refused_and_creates_nothing()
    {
        var stock = Stock("U-1", CreateTestProbe());
        var reply = await Reply(stock, new ReserveStock("U-1", "o1", 1, DateTimeOffset.UtcNow.AddMinutes(1)));
        Assert.Equal(StockRejectionCode.UnknownSku, Assert.IsType<StockRefused>(reply).Rejection.Code);
        var get = await Reply(stock, new GetStock("U-1"));
        Assert.Equal(StockRejectionCode.UnknownSku, Assert.IsType<StockRefused>(get).Rejection.Code);
    }

    [Fact]
    public async Task Among_many_open_reservations_only_the_due_ones_are_asked_about_once_per_notify_interval()
    {
        // The entity's clock stands still unless the test moves it, so the ticks (every 100 ms of real time) can only
        // send what the clock allows: one notice per due order, then the next after DueNotifyInterval (300 ms).
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero));
        var orders = CreateTestProbe();
        var stock = Stock("M-1", orders.Ref, clock: clock);
        await Ask(stock, new SetOnHand("M-1", 100_000, 1));
        await Task.WhenAll(Enumerable.Range(0, 5_000).Select(i =>
            Reply(stock, new ReserveStock("M-1", $"o-later-{i}", 1, clock.Start.AddMinutes(5).AddSeconds(i % 60)), 30)));
        await Ask(stock, new ReserveStock("M-1", "o-due-b", 1, clock.Start.AddSeconds(1)));
        await Ask(stock, new ReserveStock("M-1", "o-due-a", 1, clock.Start.AddSeconds(2)));
        await Ask(stock, new ReserveStock("M-1", "o-due-c", 1, clock.Start.AddSeconds(4)));
        orders.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        clock.Now = clock.Start.AddSeconds(3);
        Assert.Equal(["o-due-a", "o-due-b"], NoticesOf(orders, 2));

        // Less than DueNotifyInterval later: nothing new is due and nobody is asked again.
        clock.Now = clock.Start.AddSeconds(3).AddMilliseconds(200);
        Assert.Empty(NoticesWithin(orders, TimeSpan.FromMilliseconds(400)));

        // A full interval later, the due orders are asked again, and the one that fell due meanwhile for the first time.
        clock.Now = clock.Start.AddSeconds(4);
        Assert.Equal(["o-due-a", "o-due-b", "o-due-c"], NoticesOf(orders, 3));

        // An answered order is not asked again; the reservations not yet due never were.
        await Ask(stock, new CommitReservation("M-1", "o-due-a"));
        clock.Now = clock.Start.AddSeconds(5);
        Assert.Equal(["o-due-b", "o-due-c"], NoticesOf(orders, 2));
        Assert.Equal(5_002, (await Ask(stock, new GetStock("M-1"))).Reserved);
    }

    [Fact]
    public async Task An_extended_reservation_is_not_asked_about_until_its_new_expiry()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero));
        var orders = CreateTestProbe();
        var stock = Stock("M-2", orders.Ref, clock: clock);
        await Ask(stock, new SetOnHand("M-2", 10, 1));
        await Ask(stock, new ReserveStock("M-2", "o-held", 1, clock.Start.AddSeconds(1)));
        await Ask(stock, new ExtendReservation("M-2", "o-held", clock.Start.AddMinutes(30)));

        clock.Now = clock.Start.AddMinutes(1);
        Assert.Empty(NoticesWithin(orders, TimeSpan.FromMilliseconds(400)));
        clock.Now = clock.Start.AddMinutes(30);
        Assert.Equal(["o-held"], NoticesOf(orders, 1));
    }

    [Fact]
    public async Task An_entity_with_many_open_reservations_snapshots_by_the_snapshot_policy()
    {
        const int snapshotEvery = 3;
        var stock = Stock("P-1", CreateTestProbe(), snapshotEvery: snapshotEvery);
        var expires = DateTimeOffset.UtcNow.AddMinutes(10);
        var commands = new List<IStockCommand> { new SetOnHand("P-1", 1_000, 1) };
        for (var i = 0; i < 20; i++) commands.Add(new ReserveStock("P-1", $"o{i}", 1, expires));
        for (var i = 0; i < 9; i++) commands.Add(new ExtendReservation("P-1", "o0", expires.AddSeconds(i + 1)));
        foreach (var c in commands) await Ask(stock, c);

        // Where the policy puts the snapshots for these 30 events: the state grows by one entry per reservation, so
        // after the first few events the interval is the number of open reservations, not 3.
        var expected = ExpectedSnapshots(commands, snapshotEvery);
        Assert.Equal([3L, 23L], expected);
        await AwaitAssertAsync(async () => Assert.Equal(expected[^1], await LatestSnapshotSequenceNr("stock-P-1")),
            TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public async Task Events_replayed_at_recovery_count_toward_the_next_snapshot()
    {
        var stock = Stock("P-2", CreateTestProbe(), snapshotEvery: 5);
        await Ask(stock, new SetOnHand("P-2", 100, 1));
        for (var i = 0; i < 3; i++) await Ask(stock, new AdjustOnHand("P-2", $"adj-{i}", 1, AdjustmentReason.Received));

        stock = await Restart(stock, () => Stock("P-2", CreateTestProbe(), snapshotEvery: 5));
        await Ask(stock, new AdjustOnHand("P-2", "adj-3", 1, AdjustmentReason.Received));

        // Four events replayed plus this one make five: a restart does not put off the snapshot (and so lengthen the
        // next replay) by another full interval.
        await AwaitAssertAsync(async () => Assert.Equal(5L, await LatestSnapshotSequenceNr("stock-P-2")),
            TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(50));
        stock = await Restart(stock, () => Stock("P-2", CreateTestProbe(), snapshotEvery: 5));
        Assert.Equal(104, (await Ask(stock, new GetStock("P-2"))).OnHand);
    }

    /// <summary>The sequence numbers at which the policy takes a snapshot over the events these commands produce.</summary>
    private static List<long> ExpectedSnapshots(IEnumerable<IStockCommand> commands, int snapshotEvery)
    {
        var state = StockState.Initial(commands.First().Sku);
        long seq = 0, since = 0;
        var taken = new List<long>();
        foreach (var command in commands)
        {
            foreach (var e in StockDecider.Decide(state, command, DateTimeOffset.UtcNow).Events)
            {
                state = StockDecider.Evolve(state, e);
                seq++;
                if (++since < StockSnapshotPolicy.EventsBetweenSnapshots(snapshotEvery, state)) continue;
                taken.Add(seq);
                since = 0;
            }
        }
        return taken;
    }

    private async Task<long?> LatestSnapshotSequenceNr(string persistenceId)
    {
        var store = Persistence.Instance.Apply(Sys).SnapshotStoreFor(null);
        var result = await store.Ask<LoadSnapshotResult>(new LoadSnapshot(persistenceId, SnapshotSelectionCriteria.Latest, long.MaxValue), TimeSpan.FromSeconds(5));
        return result.Snapshot?.Metadata.SequenceNr;
    }

    /// <summary>The order ids asked about within <paramref name="window"/>, sorted, each as often as it was asked.</summary>
    /// <summary>
    /// The notices of one round: waits (up to 10 s, for a loaded machine) until <paramref name="count"/> have come, then
    /// 300 ms more for any that should not have, so a slow tick cannot spill one round's notices into the next.
    /// </summary>
    private static List<string> NoticesOf(Akka.TestKit.TestProbe orders, int count)
    {
        var asked = new List<string>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (asked.Count < count && DateTime.UtcNow < deadline)
        {
            if (orders.TryReceiveOne(out var envelope, deadline - DateTime.UtcNow) && envelope.Message is ReservationDue due) asked.Add(due.OrderId);
        }
        asked.AddRange(NoticesWithin(orders, TimeSpan.FromMilliseconds(300)));
        asked.Sort(StringComparer.Ordinal);
        return asked;
    }

    private static List<string> NoticesWithin(Akka.TestKit.TestProbe orders, TimeSpan window)
    {
        var asked = new List<string>();
        var until = DateTime.UtcNow + window;
        while (DateTime.UtcNow < until)
        {
            var left = until - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) break;
            if (orders.TryReceiveOne(out var envelope, left) && envelope.Message is ReservationDue due) asked.Add(due.OrderId);
        }
        asked.Sort(StringComparer.Ordinal);
        return asked;
    }

    /// <summary>A clock that moves only when the test sets it (read from the actor's thread, so kept as one atomic long).</summary>
    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        private long _utcTicks = start.UtcTicks;

        public DateTimeOffset Start { get; } = start;

        public DateTimeOffset Now
        {
            get => new(Interlocked.Read(ref _utcTicks), TimeSpan.Zero);
            set => Interlocked.Exchange(ref _utcTicks, value.UtcTicks);
        }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
