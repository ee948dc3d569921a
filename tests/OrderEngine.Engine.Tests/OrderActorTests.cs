using System.Collections.Immutable;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Orders;
using OrderEngine.Engine.Stock;

namespace OrderEngine.Engine.Tests;

public sealed class OrderActorTests() : TestKit(TestConfig.WithTestJournal)
{
    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(10);

    private (IActorRef Orders, IActorRef Stock) Regions(OrdersOptions? orderOptions = null)
    {
        IActorRef orders = null!;
        var stock = Sys.ActorOf(LocalRegion.Create(m => (m as IStockMessage)?.Sku,
            sku => StockActor.Props(sku, TestConfig.FastStock(), 500, Idle, orders, TimeProvider.System)));
        orders = Sys.ActorOf(LocalRegion.Create(m => (m as IOrderMessage)?.OrderId,
            id => OrderActor.Props(id, orderOptions ?? TestConfig.FastOrders(), Idle, TestConfig.With(stock, rules: TestConfig.RulesOf(orderOptions)), TimeProvider.System)));
        return (orders, stock);
    }

    private IActorRef Order(string id, IActorRef stock, OrdersOptions? options = null) =>
        Sys.ActorOf(OrderActor.Props(id, options ?? TestConfig.FastOrders(), Idle, TestConfig.With(stock, rules: TestConfig.RulesOf(options)), TimeProvider.System));

    private static PlaceOrder Place(string id, params (string Sku, int Qty)[] lines) =>
        new(id, "web", "c-1", "EUR", [.. lines.Select(l => new OrderLineRequest(l.Sku, l.Qty, 2.50m))], null);

    private static async Task<OrderView> Accepted(IActorRef target, IOrderMessage message) =>
        await target.Ask<IOrderReply>(message, TimeSpan.FromSeconds(10)) switch
        {
            OrderAccepted a => a.View,
            OrderRefused r => throw new InvalidOperationException($"{r.Rejection.Code}: {r.Rejection.Message}"),
            var other => throw new InvalidOperationException(other.GetType().Name),
        };

    private static async Task<StockView> StockOf(IActorRef stock, string sku) =>
        ((StockAccepted)await stock.Ask<IStockReply>(new GetStock(sku), TimeSpan.FromSeconds(10))).View;

    private static async Task SetStock(IActorRef stock, string sku, long onHand) =>
        Assert.IsType<StockAccepted>(await stock.Ask<IStockReply>(new SetOnHand(sku, onHand, 1), TimeSpan.FromSeconds(10)));

    [Fact]
    public async Task An_order_whose_lines_are_all_available_is_reserved()
    {
        var (orders, stock) = Regions();
        await SetStock(stock, "a1", 10);
        await SetStock(stock, "a2", 10);

        var view = await Accepted(orders, Place("order-a", ("a1", 3), ("a2", 1)));

        Assert.Equal(OrderStatus.Reserved, view.Status);
        Assert.Equal(10.00m, view.Total);
        Assert.Equal(3, (await StockOf(stock, "a1")).Reserved);
        Assert.Equal(1, (await StockOf(stock, "a2")).Reserved);
    }

    [Fact]
    public async Task A_placement_with_a_refused_line_places_no_order_and_gives_back_the_reserved_lines()
    {
        var (orders, stock) = Regions();
        await SetStock(stock, "b1", 10);
        await SetStock(stock, "b2", 1);

        var reply = await orders.Ask<IOrderReply>(Place("order-b", ("b1", 4), ("b2", 2), ("b3-unknown", 1)), TimeSpan.FromSeconds(10));

        var refusal = Assert.IsType<OrderRefused>(reply).Rejection;
        Assert.Equal(OrderRejectionCode.LinesNotReserved, refusal.Code);
        Assert.Equal([("b2", "InsufficientStock"), ("b3-unknown", "UnknownSku")], refusal.Lines.Select(l => (l.Sku, l.Code)));
        await AwaitAssertAsync(async () => Assert.Equal(0, (await StockOf(stock, "b1")).Reserved), TimeSpan.FromSeconds(5));
        Assert.Equal(10, (await StockOf(stock, "b1")).Available);
        var read = await orders.Ask<IOrderReply>(new GetOrder("order-b"), TimeSpan.FromSeconds(10));
        Assert.Equal(OrderRejectionCode.NotFound, Assert.IsType<OrderRefused>(read).Rejection.Code);

        // The same request again tries again: with stock back it places the order.
        Assert.IsType<StockAccepted>(await stock.Ask<IStockReply>(new SetOnHand("b2", 5, 2), TimeSpan.FromSeconds(10)));
        var again = await orders.Ask<IOrderReply>(Place("order-b", ("b1", 4), ("b2", 2)), TimeSpan.FromSeconds(10));
        Assert.Equal(OrderStatus.Reserved, Assert.IsType<OrderAccepted>(again).View.Status);
    }

    [Fact]
    public async Task A_placement_is_written_once_with_its_outcome_after_its_lines_are_reserved()
    {
        var stock = CreateTestProbe();
        var order = Order("order-one", stock.Ref);
        order.Tell(Place("order-one", ("o1", 1), ("o2", 2)));
        var asked = new[] { stock.ExpectMsg<ReserveStock>(), stock.ExpectMsg<ReserveStock>() };
        // Nothing is written before every line answered.
        Assert.Empty(await JournalEvents.Of(Sys, "order-order-one"));
        foreach (var r in asked) stock.Reply(new StockAccepted(r.Sku, StockOperation.Reserve, "order-one", new StockView(r.Sku, 5, r.Quantity, 0, 5 - r.Quantity, 1)));

        Assert.Equal(OrderStatus.Reserved, ExpectMsg<OrderAccepted>().View.Status);
        var written = Assert.Single(await JournalEvents.Of(Sys, "order-order-one"));
        Assert.Equal(OrderStatus.Reserved, Assert.IsType<OrderPlaced>(written).Outcome!.Status);
    }

    [Fact]
    public async Task Payment_commits_the_reserved_units_as_sold()
    {
        var (orders, stock) = Regions();
        await SetStock(stock, "c1", 10);
        await Accepted(orders, Place("order-c", ("c1", 4)));

        var paid = await Accepted(orders, new ConfirmPayment("order-c", 10.00m, "EUR", "psp-1"));

        Assert.Equal(OrderStatus.Paid, paid.Status);
        await AwaitAssertAsync(async () =>
        {
            var s = await StockOf(stock, "c1");
            Assert.Equal((0L, 4L, 6L), (s.Reserved, s.Sold, s.Available));
        }, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_mismatched_payment_changes_nothing()
    {
        var (orders, stock) = Regions();
        await SetStock(stock, "m1", 10);
        await Accepted(orders, Place("order-m", ("m1", 2)));

        var reply = await orders.Ask<IOrderReply>(new ConfirmPayment("order-m", 4.99m, "EUR", "psp-1"), TimeSpan.FromSeconds(10));

        Assert.Equal(OrderRejectionCode.PaymentMismatch, Assert.IsType<OrderRefused>(reply).Rejection.Code);
        Assert.Equal(OrderStatus.Reserved, (await Accepted(orders, new GetOrder("order-m"))).Status);
        Assert.Equal(2, (await StockOf(stock, "m1")).Reserved);
    }

    [Fact]
    public async Task Cancelling_releases_the_reserved_units()
    {
        var (orders, stock) = Regions();
        await SetStock(stock, "d1", 10);
        await Accepted(orders, Place("order-d", ("d1", 5)));

        var cancelled = await Accepted(orders, new CancelOrder("order-d", "customer request"));

        Assert.Equal(OrderStatus.Cancelled, cancelled.Status);
        await AwaitAssertAsync(async () => Assert.Equal(0, (await StockOf(stock, "d1")).Reserved), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task An_unpaid_order_expires_after_its_hold_time_and_releases_its_units()
    {
        var (orders, stock) = Regions(TestConfig.FastOrders(hold: TimeSpan.FromMilliseconds(500)));
        await SetStock(stock, "e1", 10);
        await Accepted(orders, Place("order-e", ("e1", 5)));

        await AwaitAssertAsync(async () =>
        {
            Assert.Equal(OrderStatus.Expired, (await Accepted(orders, new GetOrder("order-e"))).Status);
            Assert.Equal(0, (await StockOf(stock, "e1")).Reserved);
        }, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100));
        var late = await orders.Ask<IOrderReply>(new ConfirmPayment("order-e", 12.50m, "EUR", "psp-late"), TimeSpan.FromSeconds(10));
        Assert.Equal(OrderRejectionCode.InvalidState, Assert.IsType<OrderRefused>(late).Rejection.Code);
    }

    [Fact]
    public async Task The_same_placement_twice_at_once_reserves_once_and_answers_both_alike()
    {
        var (orders, stock) = Regions();
        await SetStock(stock, "f1", 10);

        var first = Accepted(orders, Place("order-f", ("f1", 3)));
        var second = Accepted(orders, Place("order-f", ("f1", 3)));
        var views = await Task.WhenAll(first, second);

        Assert.All(views, v => Assert.Equal(OrderStatus.Reserved, v.Status));
        Assert.Equal(3, (await StockOf(stock, "f1")).Reserved);
        var third = await Accepted(orders, Place("order-f", ("f1", 3)));
        Assert.Equal(views[0].PlacedAt, third.PlacedAt);
        Assert.Equal(3, (await StockOf(stock, "f1")).Reserved);
    }

    [Fact]
    public void A_stock_entity_that_does_not_answer_is_asked_again()
    {
        var stock = CreateTestProbe();
        var order = Order("order-g", stock.Ref);
        order.Tell(Place("order-g", ("g1", 1)));

        stock.ExpectMsg<ReserveStock>(r => r.Sku == "g1" && r.OrderId == "order-g");
        var retried = stock.ExpectMsg<ReserveStock>(TimeSpan.FromSeconds(3));
        Assert.Equal("g1", retried.Sku);
        stock.Reply(new StockAccepted("g1", StockOperation.Reserve, "order-g", new StockView("g1", 5, 1, 0, 4, 1)));

        Assert.Equal(OrderStatus.Reserved, ExpectMsg<OrderAccepted>().View.Status);
    }

    [Fact]
    public async Task An_order_stopped_in_the_middle_of_reserving_left_nothing_and_its_retried_placement_completes()
    {
        var stock = CreateTestProbe();
        var order = Order("order-h", stock.Ref, TestConfig.FastOrders());
        order.Tell(Place("order-h", ("h1", 1), ("h2", 2)));
        var asked = new[] { stock.ExpectMsg<ReserveStock>(), stock.ExpectMsg<ReserveStock>() };
        Assert.Equal(["h1", "h2"], asked.Select(a => a.Sku).Order());
        // Only one line answered, then the entity dies: nothing of the placement is durable.
        stock.Reply(new StockAccepted("h1", StockOperation.Reserve, "order-h", new StockView("h1", 5, 1, 0, 4, 1)));
        await order.GracefulStop(TimeSpan.FromSeconds(5));
        stock.ReceiveWhile(TimeSpan.FromMilliseconds(300), m => m);
        Assert.Empty(await JournalEvents.Of(Sys, "order-order-h"));

        // The client's retry reserves both lines again (idempotent at the stock) and places the order.
        var restarted = Order("order-h", stock.Ref);
        restarted.Tell(Place("order-h", ("h1", 1), ("h2", 2)));
        var resent = new[] { stock.ExpectMsg<ReserveStock>(TimeSpan.FromSeconds(3)), stock.ExpectMsg<ReserveStock>(TimeSpan.FromSeconds(3)) };
        Assert.Equal(["h1", "h2"], resent.Select(a => a.Sku).Order());
        foreach (var r in resent)
            restarted.Tell(new StockAccepted(r.Sku, StockOperation.Reserve, "order-h", new StockView(r.Sku, 5, r.Quantity, 0, 5 - r.Quantity, 1)), stock.Ref);
        Assert.Equal(OrderStatus.Reserved, ExpectMsg<OrderAccepted>(TimeSpan.FromSeconds(5)).View.Status);
    }

    [Fact]
    public async Task An_order_placed_by_an_earlier_version_and_cut_off_while_reserving_finishes_its_saga()
    {
        // Earlier versions wrote the placement first and its outcome after: a journal can end with the placement alone.
        var at = DateTimeOffset.UtcNow;
        await JournalEvents.Write(Sys, "order-order-old", new OrderPlaced("order-old", "web", "c-1", "EUR",
            [new OrderLine("g1", 1, 2.50m, 2.50m), new OrderLine("g2", 2, 2.50m, 5.00m)], 7.50m, null, at.AddMinutes(15), at));
        var stock = CreateTestProbe();

        var restarted = Order("order-old", stock.Ref);

        var resent = new[] { stock.ExpectMsg<ReserveStock>(TimeSpan.FromSeconds(3)), stock.ExpectMsg<ReserveStock>(TimeSpan.FromSeconds(3)) };
        Assert.Equal(["g1", "g2"], resent.Select(a => a.Sku).Order());
        foreach (var r in resent)
            restarted.Tell(new StockAccepted(r.Sku, StockOperation.Reserve, "order-old", new StockView(r.Sku, 5, r.Quantity, 0, 5 - r.Quantity, 1)), stock.Ref);
        await AwaitAssertAsync(async () =>
            Assert.Equal(OrderStatus.Reserved, (await Accepted(restarted, new GetOrder("order-old"))).Status), TimeSpan.FromSeconds(5));
        Assert.IsType<OrderReserved>((await JournalEvents.Of(Sys, "order-order-old"))[^1]);
    }

    [Fact]
    public async Task A_paid_order_restarted_before_its_stock_confirmed_the_commit_commits_again()
    {
        var stock = CreateTestProbe();
        var order = Order("order-i", stock.Ref);
        order.Tell(Place("order-i", ("i1", 2)));
        stock.ExpectMsg<ReserveStock>();
        stock.Reply(new StockAccepted("i1", StockOperation.Reserve, "order-i", new StockView("i1", 5, 2, 0, 3, 1)));
        ExpectMsg<OrderAccepted>();
        order.Tell(new ConfirmPayment("order-i", 5.00m, "EUR", "psp-9"));
        Assert.Equal(OrderStatus.Paid, ExpectMsg<OrderAccepted>().View.Status);
        stock.ExpectMsg<CommitReservation>();
        await order.GracefulStop(TimeSpan.FromSeconds(5));

        var restarted = Order("order-i", stock.Ref);

        var commit = stock.ExpectMsg<CommitReservation>(TimeSpan.FromSeconds(3));
        Assert.Equal(("i1", "order-i"), (commit.Sku, commit.OrderId));
        stock.Reply(new StockAccepted("i1", StockOperation.Commit, "order-i", new StockView("i1", 5, 0, 2, 3, 1)));
        await AwaitAssertAsync(async () => Assert.True((await Accepted(restarted, new GetOrder("order-i"))).StockSettled), TimeSpan.FromSeconds(5));
        stock.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public async Task A_stock_entity_asking_about_an_expired_reservation_gets_commit_for_a_paid_order_and_release_otherwise()
    {
        var (orders, stock) = Regions();
        await SetStock(stock, "j1", 10);
        await Accepted(orders, Place("order-j-paid", ("j1", 1)));
        await Accepted(orders, new ConfirmPayment("order-j-paid", 2.50m, "EUR", "p"));
        await Accepted(orders, Place("order-j-cancelled", ("j1", 1)));
        await Accepted(orders, new CancelOrder("order-j-cancelled", "x"));
        var probe = CreateTestProbe();

        orders.Tell(new ReservationDue("order-j-paid", "j1"), probe.Ref);
        orders.Tell(new ReservationDue("order-j-cancelled", "j1"), probe.Ref);
        orders.Tell(new ReservationDue("order-never-placed", "j1"), probe.Ref);

        // The orders answer through the stock region; the stock ends with exactly the paid unit sold.
        await AwaitAssertAsync(async () =>
        {
            var s = await StockOf(stock, "j1");
            Assert.Equal((0L, 1L), (s.Reserved, s.Sold));
        }, TimeSpan.FromSeconds(5));
    }
}
