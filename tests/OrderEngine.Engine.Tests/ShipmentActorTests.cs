using Akka.Actor;
using Akka.TestKit.Xunit2;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Shipments;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Orders;
using OrderEngine.Engine.Shipments;
using OrderEngine.Engine.Stock;

namespace OrderEngine.Engine.Tests;

/// <summary>Orders, stock and parcels together: a shipment leaves stock, its parcel's tracking ends its journey at the order.</summary>
public sealed class ShipmentActorTests() : TestKit(TestConfig.WithTestJournal)
{
    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private (IActorRef Orders, IActorRef Stock, IActorRef Parcels) Regions()
    {
        IActorRef orders = null!;
        IActorRef parcels = null!;
        var stock = Sys.ActorOf(LocalRegion.Create(m => (m as IStockMessage)?.Sku,
            sku => StockActor.Props(sku, TestConfig.FastStock(), 500, Idle, orders, TimeProvider.System)));
        parcels = Sys.ActorOf(LocalRegion.Create(m => (m as IParcelMessage)?.ParcelId,
            id => ParcelActor.Props(id, orders, Idle, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeProvider.System)));
        orders = Sys.ActorOf(LocalRegion.Create(m => (m as IOrderMessage)?.OrderId,
            id => OrderActor.Props(id, TestConfig.FastOrders(), Idle, TestConfig.With(stock) with { Parcels = parcels }, TimeProvider.System)));
        return (orders, stock, parcels);
    }

    private static async Task<OrderView> Accepted(IActorRef target, IOrderMessage message) =>
        await target.Ask<IOrderReply>(message, Wait) switch
        {
            OrderAccepted a => a.View,
            OrderRefused r => throw new InvalidOperationException($"{r.Rejection.Code}: {r.Rejection.Message}"),
            var other => throw new InvalidOperationException(other.GetType().Name),
        };

    private static async Task<StockView> StockOf(IActorRef stock, string sku) =>
        ((StockAccepted)await stock.Ask<IStockReply>(new GetStock(sku), Wait)).View;

    private static async Task<(IActorRef Orders, IActorRef Stock, IActorRef Parcels)> PaidOrder((IActorRef Orders, IActorRef Stock, IActorRef Parcels) r, string id, string sku)
    {
        Assert.IsType<StockAccepted>(await r.Stock.Ask<IStockReply>(new SetOnHand(sku, 10, 1), Wait));
        await Accepted(r.Orders, new PlaceOrder(id, "web", "c-1", "EUR", [new OrderLineRequest(sku, 3, 5m)], null));
        await Accepted(r.Orders, new ConfirmPayment(id, 15m, "EUR", "pay-" + id));
        return r;
    }

    private static RecordTrackingUpdate Update(string tracking, string eventId, ParcelStatus status) =>
        new(FulfilmentDecider.ParcelIdOf(tracking), tracking, "sandbox", eventId, status, DateTimeOffset.UtcNow, null, "Berlin", null);

    [Fact]
    public async Task A_shipped_parcel_reported_delivered_makes_the_order_delivered()
    {
        var r = await PaidOrder(Regions(), "o-ship-1", "sh-a");

        await Accepted(r.Orders, new RecordShipment("o-ship-1", "sh-1", [new ShipmentLine("sh-a", 3)], "dhl", "TRACK-1"));
        await AwaitAssertAsync(async () => Assert.Equal((7L, 0L), ((await StockOf(r.Stock, "sh-a")).OnHand, (await StockOf(r.Stock, "sh-a")).Sold)), Wait);
        // The parcel learned which shipment it carries.
        await AwaitAssertAsync(async () =>
        {
            var parcel = Assert.IsType<ParcelAccepted>(await r.Parcels.Ask<IParcelReply>(new GetParcel(FulfilmentDecider.ParcelIdOf("TRACK-1")), Wait));
            Assert.Equal("o-ship-1", Assert.Single(parcel.View.Shipments).OrderId);
        }, Wait);

        Assert.IsType<ParcelAccepted>(await r.Parcels.Ask<IParcelReply>(Update("TRACK-1", "e1", ParcelStatus.OutForDelivery), Wait));
        Assert.IsType<ParcelAccepted>(await r.Parcels.Ask<IParcelReply>(Update("TRACK-1", "e2", ParcelStatus.Delivered), Wait));

        await AwaitAssertAsync(async () => Assert.Equal(OrderStatus.Delivered, (await Accepted(r.Orders, new GetOrder("o-ship-1"))).Status), Wait);
        // The order acknowledged: the parcel owes it nothing more.
        await AwaitAssertAsync(async () =>
        {
            var parcel = (ParcelAccepted)await r.Parcels.Ask<IParcelReply>(new GetParcel(FulfilmentDecider.ParcelIdOf("TRACK-1")), Wait);
            Assert.Equal(ParcelStatus.Delivered, parcel.View.Shipments[0].Acknowledged);
        }, Wait);
    }

    [Fact]
    public async Task A_parcel_returned_to_sender_puts_its_units_back_on_hand_and_refunds_the_order()
    {
        var r = await PaidOrder(Regions(), "o-ship-2", "sh-b");
        await Accepted(r.Orders, new RecordShipment("o-ship-2", "sh-1", [new ShipmentLine("sh-b", 3)], "dhl", "TRACK-2"));
        await AwaitAssertAsync(async () => Assert.Equal(7L, (await StockOf(r.Stock, "sh-b")).OnHand), Wait);

        Assert.IsType<ParcelAccepted>(await r.Parcels.Ask<IParcelReply>(Update("TRACK-2", "e1", ParcelStatus.ReturnedToSender), Wait));

        await AwaitAssertAsync(async () =>
        {
            var s = await StockOf(r.Stock, "sh-b");
            Assert.Equal((10L, 0L, 10L), (s.OnHand, s.Sold, s.Available));
        }, Wait);
        await AwaitAssertAsync(async () =>
        {
            var order = await Accepted(r.Orders, new GetOrder("o-ship-2"));
            Assert.Equal(OrderStatus.Refunded, order.Status);
            Assert.Equal(15m, Assert.Single(order.Refunds).Amount);
        }, Wait);
    }

    [Fact]
    public async Task An_order_restarted_after_recording_a_shipment_still_moves_its_stock_and_registers_its_parcel()
    {
        var r = Regions();
        Assert.IsType<StockAccepted>(await r.Stock.Ask<IStockReply>(new SetOnHand("sh-c", 10, 1), Wait));
        // An order entity without the parcel region: placed and paid.
        var lonely = Sys.ActorOf(OrderActor.Props("o-ship-3", TestConfig.FastOrders(), Idle, TestConfig.With(r.Stock), TimeProvider.System));
        await Accepted(lonely, new PlaceOrder("o-ship-3", "web", "c-1", "EUR", [new OrderLineRequest("sh-c", 2, 5m)], null));
        await Accepted(lonely, new ConfirmPayment("o-ship-3", 10m, "EUR", "pay"));
        await AwaitAssertAsync(async () => Assert.True((await Accepted(lonely, new GetOrder("o-ship-3"))).StockSettled), Wait);
        await Stop(lonely);
        // Again, now with neither stock nor parcels behind it: the shipment is durable, nothing else happens.
        var cutOff = Sys.ActorOf(OrderActor.Props("o-ship-3", TestConfig.FastOrders(), Idle, TestConfig.With(ActorRefs.Nobody), TimeProvider.System));
        await Accepted(cutOff, new RecordShipment("o-ship-3", "sh-1", [new ShipmentLine("sh-c", 2)], "dhl", "TRACK-3"));
        await Stop(cutOff);
        Assert.Equal(10L, (await StockOf(r.Stock, "sh-c")).OnHand);

        // Started again from its journal, with the parcel region this time.
        var view = await Accepted(r.Orders, new GetOrder("o-ship-3"));
        Assert.Equal(OrderStatus.Shipped, view.Status);
        await AwaitAssertAsync(async () => Assert.Equal(8L, (await StockOf(r.Stock, "sh-c")).OnHand), Wait);
        await AwaitAssertAsync(async () =>
            Assert.IsType<ParcelAccepted>(await r.Parcels.Ask<IParcelReply>(new GetParcel(FulfilmentDecider.ParcelIdOf("TRACK-3")), Wait)), Wait);
    }

    private async Task Stop(IActorRef actor)
    {
        var probe = CreateTestProbe();
        probe.Watch(actor);
        actor.Tell(PoisonPill.Instance);
        await probe.ExpectTerminatedAsync(actor, Wait);
    }
}
