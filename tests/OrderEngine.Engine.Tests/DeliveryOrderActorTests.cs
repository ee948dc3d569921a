using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using OrderEngine.Domain.Dispatch;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Payments;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Orders;
using OrderEngine.Engine.Stock;

namespace OrderEngine.Engine.Tests;

/// <summary>A restaurant delivery order's entity: it tells its restaurant until answered (across a restart), takes each delivery stage once, and a kitchen rejection cancels and refunds it.</summary>
public sealed class DeliveryOrderActorTests() : TestKit(TestConfig.WithTestJournal)
{
    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(10);
    private static readonly GeoPoint DropOff = new(52.52, 13.405);

    private IActorRef _stock = null!;

    private IActorRef StockRegion()
    {
        IActorRef orders = ActorRefs.Nobody;
        return _stock = Sys.ActorOf(LocalRegion.Create(m => (m as IStockMessage)?.Sku,
            sku => StockActor.Props(sku, TestConfig.FastStock(), 500, Idle, orders, TimeProvider.System)));
    }

    private IActorRef Order(string id, TestProbe restaurants) =>
        Sys.ActorOf(OrderActor.Props(id, TestConfig.FastOrders(), Idle, TestConfig.With(_stock) with { Restaurants = restaurants.Ref }, TimeProvider.System));

    private static PlaceOrder PlaceDelivery(string id, string sku, PaymentMethod method = PaymentMethod.Card) =>
        new(id, "web", "c-1", "EUR", [new OrderLineRequest(sku, 2, 7.50m)], null, method, Delivery: new DeliveryRequest("r-1", DropOff));

    private static async Task<OrderView> Accepted(IActorRef target, IOrderMessage message) =>
        await target.Ask<IOrderReply>(message, TimeSpan.FromSeconds(10)) switch
        {
            OrderAccepted a => a.View,
            OrderRefused r => throw new InvalidOperationException($"{r.Rejection.Code}: {r.Rejection.Message}"),
            var other => throw new InvalidOperationException(other.GetType().Name),
        };

    private async Task<StockView> StockOf(string sku) => ((StockAccepted)await _stock.Ask<IStockReply>(new GetStock(sku), TimeSpan.FromSeconds(10))).View;

    private async Task<IActorRef> PaidOrder(string id, string sku, TestProbe restaurants)
    {
        StockRegion();
        Assert.IsType<StockAccepted>(await _stock.Ask<IStockReply>(new SetOnHand(sku, 10, 1), TimeSpan.FromSeconds(10)));
        var order = Order(id, restaurants);
        await Accepted(order, PlaceDelivery(id, sku));
        await Accepted(order, new ConfirmPayment(id, 15.00m, "EUR", "psp-1"));
        return order;
    }

    [Fact]
    public async Task A_paid_delivery_order_tells_its_restaurant_until_it_answers()
    {
        var restaurants = CreateTestProbe();
        var order = await PaidOrder("del-a", "dish-a", restaurants);

        var first = restaurants.ExpectMsg<ReceiveKitchenOrder>();
        Assert.Equal(("r-1", "del-a", DropOff, 2), (first.RestaurantId, first.OrderId, first.DropOff, first.Items));
        // No answer: it is told again.
        restaurants.ExpectMsg<ReceiveKitchenOrder>(TimeSpan.FromSeconds(5));
        restaurants.Reply(new KitchenOrderReceived("r-1", "del-a"));

        await AwaitAssertAsync(async () =>
            Assert.Equal(OrderDeliveryStatus.AtKitchen, (await Accepted(order, new GetOrder("del-a"))).Delivery!.Status), TimeSpan.FromSeconds(5));
        // A late answer to a retry changes nothing; the restaurant is not told again.
        order.Tell(new KitchenOrderReceived("r-1", "del-a"), restaurants.Ref);
        restaurants.ExpectNoMsg(TimeSpan.FromSeconds(1.5));
        Assert.Single((await JournalEvents.Of(Sys, "order-del-a")).OfType<KitchenNotified>());
    }

    [Fact]
    public async Task An_unpaid_delivery_order_does_not_tell_its_restaurant()
    {
        var restaurants = CreateTestProbe();
        StockRegion();
        Assert.IsType<StockAccepted>(await _stock.Ask<IStockReply>(new SetOnHand("dish-u", 10, 1), TimeSpan.FromSeconds(10)));
        var order = Order("del-u", restaurants);
        Assert.Equal(OrderStatus.Reserved, (await Accepted(order, PlaceDelivery("del-u", "dish-u"))).Status);
        restaurants.ExpectNoMsg(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task A_restarted_delivery_order_tells_its_restaurant_again_until_it_answers()
    {
        var restaurants = CreateTestProbe();
        var order = await PaidOrder("del-r", "dish-r", restaurants);
        restaurants.ExpectMsg<ReceiveKitchenOrder>();
        Watch(order);
        Sys.Stop(order);
        ExpectTerminated(order);
        while (restaurants.HasMessages) restaurants.ReceiveOne(TimeSpan.Zero); // retries sent before it stopped
        var restarted = Order("del-r", restaurants);

        var again = restaurants.ExpectMsg<ReceiveKitchenOrder>(TimeSpan.FromSeconds(5));
        Assert.Equal("del-r", again.OrderId);
        restaurants.Reply(new KitchenOrderReceived("r-1", "del-r"));
        await AwaitAssertAsync(async () =>
            Assert.NotNull((await Accepted(restarted, new GetOrder("del-r"))).Delivery!.KitchenNotifiedAt), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_kitchen_rejection_cancels_the_order_refunds_its_payment_and_puts_its_units_back_on_sale()
    {
        var restaurants = CreateTestProbe();
        var order = await PaidOrder("del-k", "dish-k", restaurants);
        restaurants.ExpectMsg<ReceiveKitchenOrder>();
        restaurants.Reply(new KitchenOrderReceived("r-1", "del-k"));

        var rejected = await Accepted(order, new RecordDeliveryProgress("del-k", "k-1", DeliveryStage.KitchenRejected, null, null, "out of dough", DateTimeOffset.UtcNow));

        Assert.Equal(OrderStatus.Cancelled, rejected.Status);
        Assert.Equal(OrderDeliveryStatus.Rejected, rejected.Delivery!.Status);
        var refund = Assert.Single(rejected.Refunds);
        Assert.Equal(15.00m, refund.Amount);
        await AwaitAssertAsync(async () =>
        {
            var view = await Accepted(order, new GetOrder("del-k"));
            Assert.Equal(RefundStatus.Succeeded, Assert.Single(view.Refunds).Status);
            var s = await StockOf("dish-k");
            Assert.Equal((0L, 0L, 10L), (s.Reserved, s.Sold, s.Available));
        }, TimeSpan.FromSeconds(10));
        // The rejection repeated: nothing more is refunded.
        var again = await order.Ask<IOrderReply>(new RecordDeliveryProgress("del-k", "k-1", DeliveryStage.KitchenRejected, null, null, "out of dough", DateTimeOffset.UtcNow),
            TimeSpan.FromSeconds(10));
        Assert.True(Assert.IsType<OrderAccepted>(again).Repeat);
        Assert.Single((await JournalEvents.Of(Sys, "order-del-k")).OfType<RefundRequested>());
    }

    [Fact]
    public async Task Progress_is_recorded_once_per_stage_id()
    {
        var restaurants = CreateTestProbe();
        var order = await PaidOrder("del-p", "dish-p", restaurants);
        restaurants.ExpectMsg<ReceiveKitchenOrder>();
        restaurants.Reply(new KitchenOrderReceived("r-1", "del-p"));
        var eta = DateTimeOffset.UtcNow.AddMinutes(30);
        var assigned = new RecordDeliveryProgress("del-p", "z-1", DeliveryStage.CourierAssigned, "c-1", eta, null, DateTimeOffset.UtcNow);

        var view = await Accepted(order, assigned);
        var repeat = await order.Ask<IOrderReply>(assigned, TimeSpan.FromSeconds(10));

        Assert.Equal(("c-1", OrderDeliveryStatus.CourierAssigned), (view.Delivery!.CourierId, view.Delivery.Status));
        Assert.True(Assert.IsType<OrderAccepted>(repeat).Repeat);
        Assert.Single((await JournalEvents.Of(Sys, "order-del-p")).OfType<DeliveryProgressRecorded>());
    }

    [Fact]
    public async Task A_delivered_cash_on_delivery_order_is_settled_and_its_units_sold()
    {
        var restaurants = CreateTestProbe();
        StockRegion();
        Assert.IsType<StockAccepted>(await _stock.Ask<IStockReply>(new SetOnHand("dish-c", 10, 1), TimeSpan.FromSeconds(10)));
        var order = Order("del-c", restaurants);
        Assert.Equal(OrderStatus.Confirmed, (await Accepted(order, PlaceDelivery("del-c", "dish-c", PaymentMethod.CashOnDelivery))).Status);
        restaurants.ExpectMsg<ReceiveKitchenOrder>();
        restaurants.Reply(new KitchenOrderReceived("r-1", "del-c"));

        var delivered = await Accepted(order, new RecordDeliveryProgress("del-c", "z-9", DeliveryStage.Delivered, "c-1", null, null, DateTimeOffset.UtcNow));

        Assert.Equal(OrderStatus.Delivered, delivered.Status);
        Assert.Equal((15.00m, "cash-on-delivery"), (delivered.Payment!.Amount, delivered.Payment.Provider));
        // Sold at the door, then taken off stock: the courier took them.
        await AwaitAssertAsync(async () =>
        {
            var s = await StockOf("dish-c");
            Assert.Equal((0L, 0L, 8L, 8L), (s.Reserved, s.Sold, s.OnHand, s.Available));
        }, TimeSpan.FromSeconds(5));
        await AwaitAssertAsync(async () => Assert.Single((await JournalEvents.Of(Sys, "order-del-c")).OfType<DeliveryLeftStock>()), TimeSpan.FromSeconds(5));
    }
}
