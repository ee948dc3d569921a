using Akka.Actor;
using Akka.Persistence;
using Akka.Persistence.TestKit;
using Akka.TestKit.Xunit2;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Orders;
using OrderEngine.Engine.Stock;

namespace OrderEngine.Engine.Tests;

/// <summary>Nothing is acknowledged unless its events are durable: a failing or rejecting journal gets no success reply.</summary>
public sealed class JournalFailureTests() : TestKit(TestConfig.WithTestJournal)
{
    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(10);

    private ITestJournal Journal => TestJournal.FromRef(Persistence.Instance.Apply(Sys).JournalFor(null));

    private IActorRef Stock(string sku) =>
        Sys.ActorOf(StockActor.Props(sku, TestConfig.FastStock(), 500, Idle, CreateTestProbe().Ref, TimeProvider.System));

    private async Task<StockView> View(IActorRef stock, string sku) =>
        ((StockAccepted)await stock.Ask<IStockReply>(new GetStock(sku), TimeSpan.FromSeconds(10))).View;

    [Fact]
    public async Task A_reservation_whose_write_fails_gets_no_success_reply_and_is_not_kept()
    {
        var stock = Stock("jf-1");
        await stock.Ask<IStockReply>(new SetOnHand("jf-1", 5, 1), TimeSpan.FromSeconds(10));
        Watch(stock);

        await Journal.OnWrite.Fail();
        stock.Tell(new ReserveStock("jf-1", "o1", 2, DateTimeOffset.UtcNow.AddMinutes(5)));
        ExpectTerminated(stock);
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        await Journal.OnWrite.Pass();

        var recovered = Stock("jf-1");
        var view = await View(recovered, "jf-1");
        Assert.Equal((0L, 5L), (view.Reserved, view.Available));
    }

    [Fact]
    public async Task A_rejected_write_restarts_the_stock_entity_from_the_journal()
    {
        var stock = Stock("jr-1");
        await stock.Ask<IStockReply>(new SetOnHand("jr-1", 5, 1), TimeSpan.FromSeconds(10));

        await Journal.OnWrite.Reject();
        stock.Tell(new ReserveStock("jr-1", "o1", 5, DateTimeOffset.UtcNow.AddMinutes(5)));
        ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        await Journal.OnWrite.Pass();

        // The same actor, restarted: the rejected reservation is not in its state, so the units are still there.
        var view = await View(stock, "jr-1");
        Assert.Equal((0L, 5L), (view.Reserved, view.Available));
        Assert.IsType<StockAccepted>(await stock.Ask<IStockReply>(new ReserveStock("jr-1", "o2", 5, DateTimeOffset.UtcNow.AddMinutes(5)), TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_placement_whose_write_fails_gets_no_reply_and_leaves_no_order()
    {
        var stock = CreateTestProbe();
        var order = Sys.ActorOf(OrderActor.Props("jf-order", TestConfig.FastOrders(), Idle, TestConfig.With(stock.Ref), TimeProvider.System));
        Watch(order);

        await Journal.OnWrite.Fail();
        order.Tell(new PlaceOrder("jf-order", "web", "c", "EUR", [new OrderLineRequest("x1", 1, 1m)], null));
        // The line is reserved first; the placement's one write follows, and fails.
        stock.ExpectMsg<ReserveStock>();
        stock.Reply(new StockAccepted("x1", StockOperation.Reserve, "jf-order", new StockView("x1", 5, 1, 0, 4, 1)));
        ExpectTerminated(order);
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        await Journal.OnWrite.Pass();

        var recovered = Sys.ActorOf(OrderActor.Props("jf-order", TestConfig.FastOrders(), Idle, TestConfig.With(stock.Ref), TimeProvider.System));
        var reply = await recovered.Ask<IOrderReply>(new GetOrder("jf-order"), TimeSpan.FromSeconds(10));
        Assert.Equal(OrderRejectionCode.NotFound, Assert.IsType<OrderRefused>(reply).Rejection.Code);

        // The reservation made before the failed write is given back when its stock entity asks.
        stock.ReceiveWhile(TimeSpan.FromMilliseconds(200), m => m);
        recovered.Tell(new ReservationDue("jf-order", "x1"), stock.Ref);
        var release = stock.ExpectMsg<ReleaseReservation>();
        Assert.Equal(("x1", "jf-order"), (release.Sku, release.OrderId));
    }

    [Fact]
    public async Task A_payment_whose_write_fails_is_not_acknowledged_and_the_order_stays_unpaid()
    {
        var stock = CreateTestProbe();
        IActorRef NewOrder() => Sys.ActorOf(OrderActor.Props("jf-pay", TestConfig.FastOrders(), Idle, TestConfig.With(stock.Ref), TimeProvider.System));
        var order = NewOrder();
        order.Tell(new PlaceOrder("jf-pay", "web", "c", "EUR", [new OrderLineRequest("p1", 1, 3m)], null));
        stock.ExpectMsg<ReserveStock>();
        stock.Reply(new StockAccepted("p1", StockOperation.Reserve, "jf-pay", new StockView("p1", 1, 1, 0, 0, 1)));
        ExpectMsg<OrderAccepted>();
        Watch(order);

        await Journal.OnWrite.Fail();
        order.Tell(new ConfirmPayment("jf-pay", 3m, "EUR", "psp-1"));
        ExpectTerminated(order);
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        await Journal.OnWrite.Pass();

        var view = ((OrderAccepted)await NewOrder().Ask<IOrderReply>(new GetOrder("jf-pay"), TimeSpan.FromSeconds(10))).View;
        Assert.Equal(OrderStatus.Reserved, view.Status);
        Assert.Null(view.Payment);
    }
}
