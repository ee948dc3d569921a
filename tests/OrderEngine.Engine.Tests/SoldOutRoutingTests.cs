using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Hosting;
using Akka.TestKit.Xunit2;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Orders;
using OrderEngine.Engine.Sharding;
using OrderEngine.Engine.Stock;
using OrderEngine.Testing;

namespace OrderEngine.Engine.Tests;

/// <summary>A stock entity tells every node when it sells out and when units are back; it judges placements routed to it.</summary>
public sealed class StockAvailabilityTests() : TestKit(TestConfig.WithTestJournal)
{
    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(10);
    private static readonly DateTimeOffset Expires = DateTimeOffset.UtcNow.AddMinutes(15);

    private (IActorRef Stock, Akka.TestKit.TestProbe Topic) Stock(string sku, TimeSpan? reannounce = null)
    {
        var topic = CreateTestProbe();
        var options = TestConfig.FastStock();
        options.SoldOutReannounce = reannounce ?? TimeSpan.FromHours(1);
        return (Sys.ActorOf(StockActor.Props(sku, options, 500, Idle, ActorRefs.Nobody, TimeProvider.System, topic.Ref)), topic);
    }

    private StockAvailabilityChanged Announced(Akka.TestKit.TestProbe topic)
    {
        var publish = topic.ExpectMsg<Publish>();
        Assert.Equal(SoldOutBoardKeeper.Topic, publish.Topic);
        return Assert.IsType<StockAvailabilityChanged>(publish.Message);
    }

    [Fact]
    public async Task Selling_the_last_unit_announces_sold_out_and_a_release_announces_units_back()
    {
        var (stock, topic) = Stock("av-1");
        await stock.Ask<IStockReply>(new SetOnHand("av-1", 2, 1), TimeSpan.FromSeconds(5));
        await stock.Ask<IStockReply>(new ReserveStock("av-1", "o-1", 1, Expires), TimeSpan.FromSeconds(5));
        topic.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        await stock.Ask<IStockReply>(new ReserveStock("av-1", "o-2", 1, Expires), TimeSpan.FromSeconds(5));
        var soldOut = Announced(topic);
        Assert.Equal(("av-1", true), (soldOut.Sku, soldOut.SoldOut));

        await stock.Ask<IStockReply>(new ReleaseReservation("av-1", "o-2"), TimeSpan.FromSeconds(5));
        var back = Announced(topic);
        Assert.False(back.SoldOut);
    }

    [Fact]
    public async Task A_refusal_while_sold_out_announces_again_at_most_once_per_interval()
    {
        var (stock, topic) = Stock("av-2", reannounce: TimeSpan.FromMilliseconds(300));
        await stock.Ask<IStockReply>(new SetOnHand("av-2", 1, 1), TimeSpan.FromSeconds(5));
        await stock.Ask<IStockReply>(new ReserveStock("av-2", "o-1", 1, Expires), TimeSpan.FromSeconds(5));
        Assert.True(Announced(topic).SoldOut);

        // Refusals right after the announcement say nothing new.
        for (var i = 0; i < 5; i++) Assert.IsType<StockRefused>(await stock.Ask<IStockReply>(new ReserveStock("av-2", $"x-{i}", 1, Expires), TimeSpan.FromSeconds(5)));
        topic.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        // Once the interval has passed, the next refusal (a reservation or a check) tells again.
        await Task.Delay(350);
        Assert.IsType<StockRefused>(await stock.Ask<IStockReply>(new CheckReservable("av-2", "y-1", 1), TimeSpan.FromSeconds(5)));
        Assert.True(Announced(topic).SoldOut);
        Assert.IsType<StockRefused>(await stock.Ask<IStockReply>(new CheckReservable("av-2", "y-2", 1), TimeSpan.FromSeconds(5)));
        topic.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task A_check_refuses_a_new_order_but_lets_an_order_holding_units_go_ahead_and_writes_nothing()
    {
        var (stock, _) = Stock("av-3");
        await stock.Ask<IStockReply>(new SetOnHand("av-3", 1, 1), TimeSpan.FromSeconds(5));
        await stock.Ask<IStockReply>(new ReserveStock("av-3", "o-1", 1, Expires), TimeSpan.FromSeconds(5));
        var before = (await JournalEvents.Of(Sys, "stock-av-3")).Count;

        var refused = Assert.IsType<StockRefused>(await stock.Ask<IStockReply>(new CheckReservable("av-3", "o-2", 1), TimeSpan.FromSeconds(5)));
        var held = await stock.Ask<IStockReply>(new CheckReservable("av-3", "o-1", 1), TimeSpan.FromSeconds(5));

        Assert.Equal((StockOperation.Check, StockRejectionCode.InsufficientStock), (refused.Operation, refused.Rejection.Code));
        Assert.Equal(StockOperation.Check, Assert.IsType<StockAccepted>(held).Operation);
        Assert.Equal(before, (await JournalEvents.Of(Sys, "stock-av-3")).Count);
    }
}

/// <summary>This node's sold-out board: it trusts an announcement for its lifetime, and only routes.</summary>
public sealed class SoldOutBoardTests
{
    private sealed class Clock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.UtcNow;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void A_sold_out_announcement_lapses_after_its_lifetime_unless_told_again()
    {
        var clock = new Clock();
        var board = new SoldOutBoard(clock, TimeSpan.FromSeconds(5));
        board.Apply(new StockAvailabilityChanged("b-1", true, clock.Now));

        clock.Now += TimeSpan.FromSeconds(4);
        Assert.True(board.LooksSoldOut("b-1"));
        board.Apply(new StockAvailabilityChanged("b-1", true, clock.Now));
        clock.Now += TimeSpan.FromSeconds(4);
        Assert.True(board.LooksSoldOut("b-1"));
        clock.Now += TimeSpan.FromSeconds(2);
        Assert.False(board.LooksSoldOut("b-1"));
        Assert.Equal(0, board.Count);
    }

    [Fact]
    public void Units_back_clear_the_entry_at_once()
    {
        var clock = new Clock();
        var board = new SoldOutBoard(clock, TimeSpan.FromSeconds(5));
        board.Apply(new StockAvailabilityChanged("b-2", true, clock.Now));

        board.Apply(new StockAvailabilityChanged("b-2", false, clock.Now));

        Assert.False(board.LooksSoldOut("b-2"));
        Assert.False(board.LooksSoldOut("never-told"));
    }
}

/// <summary>The placement gate on a whole engine node: sold-out SKUs are refused without an order entity or a write.</summary>
public sealed class SoldOutPlacementTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static PlaceOrder Place(string id, string sku, int quantity = 1) =>
        new(id, "web", "c-" + id, "EUR", [new OrderLineRequest(sku, quantity, 5m)], null);

    private static async Task<int> OrderEntities(EngineHost engine)
    {
        var stats = await engine.Orders.Ask<ShardRegionStats>(GetShardRegionStats.Instance, TimeSpan.FromSeconds(10));
        return stats.Stats.Values.Sum();
    }

    private long JournalRows()
    {
        using var connection = new SqliteConnection($"Data Source={_dir.File("oe.db")}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM journal";
        return (long)command.ExecuteScalar()!;
    }

    private static async Task Eventually(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, what);
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Placements_of_a_sold_out_sku_are_refused_without_an_order_entity_or_a_journal_write_and_repeats_still_get_their_order()
    {
        await using var engine = await EngineHost.StartAsync(EngineHost.Sqlite(_dir.File("oe.db")));
        var gate = engine.Services.GetRequiredService<PlacementGate>();
        var board = engine.Services.GetRequiredService<SoldOutBoard>();
        Assert.IsType<StockAccepted>(await engine.Stock.Ask<IStockReply>(new SetOnHand("hot", 3, 1), TimeSpan.FromSeconds(10)));
        for (var i = 0; i < 3; i++)
            Assert.Equal(OrderStatus.Reserved, Assert.IsType<OrderAccepted>(await gate.PlaceAsync(Place($"won-{i}", "hot"), CancellationToken.None)).View.Status);
        await Eventually(() => board.LooksSoldOut("hot"), "the node never learnt that the SKU sold out");
        var entities = await OrderEntities(engine);
        var rows = JournalRows();

        var refusals = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => gate.PlaceAsync(Place($"late-{i}", "hot"), CancellationToken.None)));

        Assert.All(refusals, r =>
        {
            var rejection = Assert.IsType<OrderRefused>(r).Rejection;
            Assert.Equal(OrderRejectionCode.LinesNotReserved, rejection.Code);
            Assert.Equal(("hot", "InsufficientStock"), (rejection.Lines.Single().Sku, rejection.Lines.Single().Code));
        });
        Assert.Equal(entities, await OrderEntities(engine));
        Assert.Equal(rows, JournalRows());

        // A retry of a placement that won is answered with its order, not refused.
        var repeat = Assert.IsType<OrderAccepted>(await gate.PlaceAsync(Place("won-1", "hot"), CancellationToken.None));
        Assert.True(repeat.Repeat);
        // And an invalid placement is still answered by its entity with the invalid fields, not as sold out.
        var invalid = Assert.IsType<OrderRefused>(await gate.PlaceAsync(Place("bad", "hot", quantity: 0), CancellationToken.None));
        Assert.Equal(OrderRejectionCode.Invalid, invalid.Rejection.Code);
    }

    [Fact]
    public async Task A_stale_sold_out_never_refuses_a_placement_the_stock_can_serve()
    {
        await using var engine = await EngineHost.StartAsync(EngineHost.Sqlite(_dir.File("oe.db")));
        var gate = engine.Services.GetRequiredService<PlacementGate>();
        var board = engine.Services.GetRequiredService<SoldOutBoard>();
        Assert.IsType<StockAccepted>(await engine.Stock.Ask<IStockReply>(new SetOnHand("back", 1, 1), TimeSpan.FromSeconds(10)));
        Assert.IsType<OrderAccepted>(await gate.PlaceAsync(Place("first", "back"), CancellationToken.None));
        await Eventually(() => board.LooksSoldOut("back"), "the node never learnt that the SKU sold out");

        // Units come back; whatever the board says at this moment, the stock entity judges the next placement.
        Assert.IsType<StockAccepted>(await engine.Stock.Ask<IStockReply>(new AdjustOnHand("back", "restock-1", 2, AdjustmentReason.Received), TimeSpan.FromSeconds(10)));
        board.Apply(new StockAvailabilityChanged("back", true, DateTimeOffset.UtcNow));
        Assert.True(board.LooksSoldOut("back"));

        var placed = await gate.PlaceAsync(Place("after-restock", "back"), CancellationToken.None);

        Assert.Equal(OrderStatus.Reserved, Assert.IsType<OrderAccepted>(placed).View.Status);
        // The next refusal after it sells out again tells the node again.
        Assert.IsType<OrderAccepted>(await gate.PlaceAsync(Place("after-restock-2", "back"), CancellationToken.None));
        Assert.IsType<OrderRefused>(await gate.PlaceAsync(Place("too-late", "back"), CancellationToken.None));
        await Eventually(() => board.LooksSoldOut("back"), "the sell-out was not announced again");
    }
}

/// <summary>The gate refuses placements beyond the in-flight limit of a SKU at once, and admits again as they finish.</summary>
public sealed class PlacementAdmissionTests() : TestKit(TestConfig.WithTestJournal)
{
    [Fact]
    public async Task Placements_of_one_sku_beyond_the_in_flight_limit_are_refused_overloaded_and_others_go_on()
    {
        var orders = CreateTestProbe();
        var registry = new ActorRegistry();
        registry.Register<OrderRegion>(orders.Ref);
        registry.Register<StockRegion>(CreateTestProbe().Ref);
        var options = new OrderEngineOptions();
        options.Orders.MaxInFlightPerSku = 2;
        var gate = new PlacementGate(registry, new SoldOutBoard(TimeProvider.System, TimeSpan.FromSeconds(5)), Options.Create(options));
        PlaceOrder Place(string id, string sku) => new(id, "web", "c", "EUR", [new OrderLineRequest(sku, 1, 1m)], null);

        var first = gate.PlaceAsync(Place("a", "hot"), CancellationToken.None);
        orders.ExpectMsg<PlaceOrder>();
        var firstAsker = orders.LastSender;
        var second = gate.PlaceAsync(Place("b", "hot"), CancellationToken.None);
        orders.ExpectMsg<PlaceOrder>();

        var third = await gate.PlaceAsync(Place("c", "hot"), CancellationToken.None);
        var other = gate.PlaceAsync(Place("d", "cold"), CancellationToken.None);

        // The third of the hot SKU is refused at once, without reaching an order entity; another SKU goes on.
        Assert.Equal(OrderRejectionCode.Overloaded, Assert.IsType<OrderRefused>(third).Rejection.Code);
        Assert.Equal("d", orders.ExpectMsg<PlaceOrder>().OrderId);
        orders.Reply(new OrderRefused("d", OrderRejection.Of(OrderRejectionCode.NotFound, "test")));
        await other;
        Assert.Equal((2, 0), (gate.InFlight("hot"), gate.InFlight("cold")));

        // One of the hot SKU answered: one more is admitted.
        firstAsker.Tell(new OrderRefused("a", OrderRejection.Of(OrderRejectionCode.NotFound, "test")));
        await first;
        Assert.Equal(1, gate.InFlight("hot"));
        var fourth = gate.PlaceAsync(Place("e", "hot"), CancellationToken.None);
        Assert.Equal("e", orders.ExpectMsg<PlaceOrder>().OrderId);
        Assert.False(second.IsCompleted || fourth.IsCompleted);
    }
}
