using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Returns;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Returns;

namespace OrderEngine.Engine.Tests;

/// <summary>The return entity: the order decides first, its own step is written after; restockable units go back on hand, also after a restart.</summary>
public sealed class ReturnActorTests() : TestKit(TestConfig.WithTestJournal)
{
    private static readonly DateTimeOffset T = new(2026, 11, 26, 10, 0, 0, TimeSpan.Zero);

    private static OrderView ViewWith(string orderId, params OrderReturnRecord[] returns) =>
        OrderDecider.Fold(OrderState.Initial(orderId),
        [
            new OrderPlaced(orderId, "web", "c-1", "EUR", [new OrderLine("A-1", 2, 9.99m, 19.98m), new OrderLine("B-1", 1, 5m, 5m)], 24.98m, null, T.AddMinutes(15), T),
        ]).ToView() with { Returns = [.. returns] };

    private static OrderReturnRecord Record(string returnId, bool settled = false) =>
        new(returnId, [new ReturnLine("A-1", 2), new ReturnLine("B-1", 1)], 24.98m, false, settled, settled ? 24.98m : 0m, 0m, null, T);

    private static RequestReturn Request(string orderId) =>
        new(orderId, "rma-1", [new ReturnLine("A-1", 2), new ReturnLine("B-1", 1)], "too small", ReturnResolution.Refund, []);

    // Retries are far apart here: what is resent is resent by the restart, not by a timer racing the assertions.
    private IActorRef Start(string orderId, TestProbe orders, TestProbe stock) =>
        Sys.ActorOf(ReturnActor.Props(ReturnDecider.EntityIdOf(orderId, "rma-1"),
            new ReturnCollaborators(orders.Ref, stock.Ref, ReturnRules.Default, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(40)),
            TimeSpan.FromMinutes(1), TimeProvider.System));

    private void Restart(ref IActorRef entity, string orderId, TestProbe orders, TestProbe stock)
    {
        Watch(entity);
        Sys.Stop(entity);
        ExpectTerminated(entity);
        entity = Start(orderId, orders, stock);
    }

    private T Answer<T>(IActorRef entity, object command) where T : IReturnReply
    {
        entity.Tell(command, TestActor);
        return ExpectMsg<T>(TimeSpan.FromSeconds(5));
    }

    /// <summary>Requests the return (the order probe accepts it), approves, receives and inspects it: A-1 one restockable, one not; B-1 not.</summary>
    private IActorRef Inspected(string orderId, TestProbe orders, TestProbe stock)
    {
        var entity = Start(orderId, orders, stock);
        entity.Tell(Request(orderId), TestActor);
        var register = orders.ExpectMsg<RegisterReturn>();
        Assert.Equal(30, register.WindowDays);
        orders.Reply(new OrderAccepted(orderId, ViewWith(orderId, Record("rma-1"))));
        Assert.Equal(24.98m, ExpectMsg<ReturnAccepted>().View.Value);
        Answer<ReturnAccepted>(entity, new ApproveReturn(orderId, "rma-1", "ops"));
        Answer<ReturnAccepted>(entity, new MarkReturnReceived(orderId, "rma-1", "wh"));
        Answer<ReturnAccepted>(entity, new InspectReturn(orderId, "rma-1", [new InspectedLine("A-1", 1, 1), new InspectedLine("B-1", 0, 1)], "wh"));
        return entity;
    }

    [Fact]
    public void Only_restockable_units_go_back_on_hand_and_an_unacknowledged_restock_is_resumed_after_a_restart()
    {
        var (orders, stock) = (CreateTestProbe(), CreateTestProbe());
        var entity = Inspected("o-restock", orders, stock);

        var receive = stock.ExpectMsg<ReceiveShipped>();
        Assert.Equal(("A-1", 1, "o-restock"), (receive.Sku, receive.Quantity, receive.OrderId));
        stock.ExpectNoMsg(TimeSpan.FromMilliseconds(150)); // B-1 had no restockable unit

        Restart(ref entity, "o-restock", orders, stock);
        var again = stock.ExpectMsg<ReceiveShipped>();
        Assert.Equal(receive, again); // the same movement: the stock entity counts it once
        stock.Reply(new StockAccepted("A-1", StockOperation.Receive, again.MovementId, new StockView("A-1", 9, 0, 0, 9, 1)));
        AwaitAssert(() => Assert.True(Answer<ReturnAccepted>(entity, new GetReturn("o-restock", "rma-1")).View.Restocked));

        Restart(ref entity, "o-restock", orders, stock);
        stock.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        Assert.True(Answer<ReturnAccepted>(entity, new GetReturn("o-restock", "rma-1")).View.Restocked);
    }

    [Fact]
    public void A_request_the_order_refuses_records_nothing()
    {
        var (orders, stock) = (CreateTestProbe(), CreateTestProbe());
        var entity = Start("o-refused", orders, stock);
        entity.Tell(Request("o-refused"), TestActor);
        orders.ExpectMsg<RegisterReturn>();
        orders.Reply(new OrderRefused("o-refused", OrderRejection.Of(OrderRejectionCode.Invalid, "no delivered unit of A-1 is left to return")));

        Assert.Equal(OrderRejectionCode.Invalid, ExpectMsg<ReturnRefused>().Rejection.Code);
        Restart(ref entity, "o-refused", orders, stock);
        Assert.Equal(OrderRejectionCode.NotFound, Answer<ReturnRefused>(entity, new GetReturn("o-refused", "rma-1")).Rejection.Code);
    }

    [Fact]
    public void Resolving_pays_out_at_the_order_first_and_a_repeat_asks_nothing_again()
    {
        var (orders, stock) = (CreateTestProbe(), CreateTestProbe());
        var entity = Inspected("o-resolve", orders, stock);
        stock.ExpectMsg<ReceiveShipped>();

        entity.Tell(new ResolveReturn("o-resolve", "rma-1", "ops"), TestActor);
        var settle = orders.ExpectMsg<SettleReturn>();
        Assert.Null(settle.ExchangeOrderId);
        // Meanwhile the entity's other commands wait for the order's answer.
        entity.Tell(new GetReturn("o-resolve", "rma-1"), TestActor);
        ExpectNoMsg(TimeSpan.FromMilliseconds(150));
        orders.Reply(new OrderAccepted("o-resolve", ViewWith("o-resolve", Record("rma-1", settled: true))));

        var resolved = ExpectMsg<ReturnAccepted>();
        Assert.Equal((ReturnStatus.Resolved, 24.98m), (resolved.View.Status, resolved.View.Refunded));
        Assert.Equal(ReturnStatus.Resolved, ExpectMsg<ReturnAccepted>().View.Status); // the GetReturn that waited

        Restart(ref entity, "o-resolve", orders, stock);
        Assert.True(Answer<ReturnAccepted>(entity, new ResolveReturn("o-resolve", "rma-1", "ops")).Repeat);
        orders.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }
}
