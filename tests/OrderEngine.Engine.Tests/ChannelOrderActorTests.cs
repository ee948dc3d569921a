using Akka.Actor;
using Akka.TestKit.Xunit2;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Orders;
using OrderEngine.Engine.Stock;

namespace OrderEngine.Engine.Tests;

/// <summary>Orders as channels send them, through the entities: paid at the channel, a SKU on several lines.</summary>
public sealed class ChannelOrderActorTests() : TestKit(TestConfig.WithTestJournal)
{
    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(10);

    private (IActorRef Orders, IActorRef Stock) Regions()
    {
        IActorRef orders = null!;
        var stock = Sys.ActorOf(LocalRegion.Create(m => (m as IStockMessage)?.Sku,
            sku => StockActor.Props(sku, TestConfig.FastStock(), 500, Idle, orders, TimeProvider.System)));
        orders = Sys.ActorOf(LocalRegion.Create(m => (m as IOrderMessage)?.OrderId,
            id => OrderActor.Props(id, TestConfig.FastOrders(), Idle, TestConfig.With(stock), TimeProvider.System)));
        return (orders, stock);
    }

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
    public async Task An_order_paid_at_the_channel_sells_its_units_at_once()
    {
        var (orders, stock) = Regions();
        await SetStock(stock, "cp1", 10);

        var view = await Accepted(orders, new PlaceOrder("order-cp", "shopify", "c-1", "EUR", [new OrderLineRequest("cp1", 3, 2.50m)], null,
            PaidAtChannel: new ChannelPayment("shopify_payments", 7.50m, "EUR", "tx-1")));

        Assert.Equal(OrderStatus.Paid, view.Status);
        Assert.Equal("channel:shopify", view.Payment!.Provider);
        await AwaitAssertAsync(async () =>
        {
            var s = await StockOf(stock, "cp1");
            Assert.Equal((0L, 3L, 7L), (s.Reserved, s.Sold, s.Available));
        }, TimeSpan.FromSeconds(10));
        await AwaitAssertAsync(async () => Assert.True((await Accepted(orders, new GetOrder("order-cp"))).StockSettled), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_sku_on_several_lines_is_reserved_once_for_all_its_units_and_sold_together()
    {
        var (orders, stock) = Regions();
        await SetStock(stock, "dup1", 5);
        await SetStock(stock, "dup2", 5);

        var view = await Accepted(orders, new PlaceOrder("order-dup", "web", "c-1", "EUR",
            [new OrderLineRequest("dup1", 2, 9.99m), new OrderLineRequest("dup2", 1, 1m), new OrderLineRequest("dup1", 1, 0m)], null));

        Assert.Equal(OrderStatus.Reserved, view.Status);
        Assert.Equal(3, view.Lines.Length);
        Assert.Equal(3, (await StockOf(stock, "dup1")).Reserved);
        await Accepted(orders, new ConfirmPayment("order-dup", 20.98m, "EUR", "pay-1"));
        await AwaitAssertAsync(async () => Assert.Equal((0L, 3L), ((await StockOf(stock, "dup1")).Reserved, (await StockOf(stock, "dup1")).Sold)), TimeSpan.FromSeconds(10));

        // More units of the SKU over its lines than there are: nothing is held.
        var refused = await orders.Ask<IOrderReply>(new PlaceOrder("order-dup-2", "web", "c-1", "EUR",
            [new OrderLineRequest("dup2", 2, 1m), new OrderLineRequest("dup2", 3, 2m)], null), TimeSpan.FromSeconds(10));
        Assert.Equal(OrderRejectionCode.LinesNotReserved, Assert.IsType<OrderRefused>(refused).Rejection.Code);
        await AwaitAssertAsync(async () => Assert.Equal(0L, (await StockOf(stock, "dup2")).Reserved), TimeSpan.FromSeconds(10));
    }
}
