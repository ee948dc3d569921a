using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.TestKit.Xunit2;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Orders;
using OrderEngine.Engine.Sharding;
using OrderEngine.Engine.Stock;

namespace OrderEngine.Engine.Tests;

/// <summary>
/// Entities ask their shard to passivate them once they have had no message for their idle timeout, and only when
/// nothing is left for them to do: a stock entity holding reservations stays, an order stays while it works.
/// </summary>
public sealed class IdlePassivationTests() : TestKit(TestConfig.WithTestJournal)
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Ask = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_stock_entity_without_reservations_asks_to_passivate_once_idle_and_not_while_it_gets_messages()
    {
        var shard = CreateTestProbe();
        // A longer idle timeout here: the messages below must keep it even when a loaded machine stalls between two of them.
        var stock = shard.ChildActorOf(StockActor.Props("idle-1", TestConfig.FastStock(), 500, Idle * 3, ActorRefs.Nobody, TimeProvider.System));
        Assert.IsType<StockAccepted>(await stock.Ask<IStockReply>(new SetOnHand("idle-1", 5, 1), Ask));

        // Busy for a while: a message every 100 ms keeps it.
        for (var i = 0; i < 15; i++)
        {
            Assert.IsType<StockAccepted>(await stock.Ask<IStockReply>(new GetStock("idle-1"), Ask));
            await Task.Delay(100);
        }
        shard.ExpectNoMsg(TimeSpan.Zero);

        // Then quiet: it asks within one and a half idle timeouts (the wait is generous for a loaded machine; only a
        // failure waits it out).
        var passivate = shard.ExpectMsg<Passivate>(TimeSpan.FromSeconds(20));
        Assert.Same(StopEntity.Instance, passivate.StopMessage);
    }

    [Fact]
    public async Task A_stock_entity_holding_reservations_stays_however_quiet()
    {
        var shard = CreateTestProbe();
        var stock = shard.ChildActorOf(StockActor.Props("idle-2", TestConfig.FastStock(), 500, Idle, ActorRefs.Nobody, TimeProvider.System));
        Assert.IsType<StockAccepted>(await stock.Ask<IStockReply>(new SetOnHand("idle-2", 5, 1), Ask));
        Assert.IsType<StockAccepted>(await stock.Ask<IStockReply>(new ReserveStock("idle-2", "o-1", 1, DateTimeOffset.UtcNow.AddHours(1)), Ask));

        shard.ExpectNoMsg(Idle * 3);

        // Released, it has nothing left to hold and goes.
        Assert.IsType<StockAccepted>(await stock.Ask<IStockReply>(new ReleaseReservation("idle-2", "o-1"), Ask));
        shard.ExpectMsg<Passivate>(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task A_placed_order_owing_nothing_asks_to_passivate_once_idle()
    {
        IActorRef orders = null!;
        var stock = Sys.ActorOf(LocalRegion.Create(m => (m as IStockMessage)?.Sku,
            sku => StockActor.Props(sku, TestConfig.FastStock(), 500, TimeSpan.FromMinutes(10), orders, TimeProvider.System)));
        orders = CreateTestProbe().Ref;
        Assert.IsType<StockAccepted>(await stock.Ask<IStockReply>(new SetOnHand("idle-3", 5, 1), Ask));

        var shard = CreateTestProbe();
        var order = shard.ChildActorOf(OrderActor.Props("idle-o", TestConfig.FastOrders(), Idle, TestConfig.With(stock), TimeProvider.System));
        var placed = await order.Ask<IOrderReply>(new PlaceOrder("idle-o", "web", "c-1", "EUR", [new OrderLineRequest("idle-3", 1, 2.50m)], null), Ask);
        Assert.Equal(OrderStatus.Reserved, Assert.IsType<OrderAccepted>(placed).View.Status);

        var passivate = shard.ExpectMsg<Passivate>(TimeSpan.FromSeconds(20));
        Assert.Same(StopEntity.Instance, passivate.StopMessage);
    }
}
