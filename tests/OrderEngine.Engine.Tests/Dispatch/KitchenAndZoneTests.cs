using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using OrderEngine.Domain.Dispatch;
using OrderEngine.Domain.Dispatch.Couriers;
using OrderEngine.Domain.Dispatch.Restaurants;
using OrderEngine.Domain.Dispatch.Zones;
using OrderEngine.Domain.Orders;
using OrderEngine.Engine.Dispatch;

namespace OrderEngine.Engine.Tests.Dispatch;

/// <summary>A restaurant and its real zone: the kitchen's acceptance reaches the zone, the zone's estimates and pickup come back to the kitchen queue.</summary>
public sealed class KitchenAndZoneTests() : TestKit(TestConfig.WithTestJournal)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly GeoPoint Kitchen = new(52.5200, 13.4050);
    private static readonly GeoPoint Courier = new(52.5210, 13.4050);
    private static readonly GeoPoint DropOff = new(52.5380, 13.4200);
    private static readonly string Zone = Geo.Geohash(Kitchen, 5);

    /// <summary>Answers every progress report an order gets, as the order entity does.</summary>
    private TestProbe AnsweringOrders()
    {
        var probe = CreateTestProbe();
        probe.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
        {
            if (message is RecordDeliveryProgress p) sender.Tell(new OrderRefused(p.OrderId, OrderRejection.Of(OrderRejectionCode.NotFound, "test order")));
            return AutoPilot.KeepRunning;
        }));
        return probe;
    }

    private (IActorRef Restaurants, IActorRef Zones) Regions()
    {
        var orders = AnsweringOrders().Ref;
        IActorRef zones = null!;
        var restaurants = Sys.ActorOf(LocalRegion.Create(m => (m as IRestaurantMessage)?.RestaurantId,
            id => RestaurantActor.Props(id, new RestaurantCollaborators(orders, () => zones, RestaurantRules.Default), TimeSpan.FromMinutes(10),
                TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeProvider.System)));
        zones = Sys.ActorOf(LocalRegion.Create(m => (m as IZoneMessage)?.ZoneId,
            id => ZoneActor.Props(id, new ZoneCollaborators(orders, restaurants, ZoneRules.Default, TimeSpan.FromMilliseconds(200),
                TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)), TimeSpan.FromMinutes(10), TimeProvider.System)));
        return (restaurants, zones);
    }

    private static async Task<RestaurantView> Restaurant(IActorRef restaurants, string id) =>
        ((RestaurantAccepted)await restaurants.Ask<IRestaurantReply>(new GetRestaurant(id), Wait)).View;

    [Fact]
    public async Task An_accepted_order_is_dispatched_by_its_zone_and_leaves_the_kitchen_queue_when_picked_up()
    {
        var (restaurants, zones) = Regions();
        Assert.IsType<RestaurantAccepted>(await restaurants.Ask<IRestaurantReply>(new DefineRestaurant("r-zone", "Curry House", Kitchen, 15m, []), Wait));
        Assert.IsType<CourierAccepted>(await zones.Ask<ICourierReply>(new CourierOnline(Zone, "c-1", "Ann", Vehicle.Bike, 15, 2, Courier), Wait));
        await restaurants.Ask<KitchenOrderReceived>(new ReceiveKitchenOrder("r-zone", "o-z1", DropOff, null, 1, DateTimeOffset.UtcNow), Wait);

        var accepted = ((RestaurantAccepted)await restaurants.Ask<IRestaurantReply>(new AcceptKitchenOrder("r-zone", "o-z1", 10m), Wait)).View;
        var readyAt = accepted.Orders.Single().ReadyAt;

        // The zone has the delivery, ready when the kitchen said, and offered it to the courier.
        await AwaitAssertAsync(async () =>
        {
            var zone = ((ZoneAccepted)await zones.Ask<IZoneReply>(new GetZone(Zone), Wait)).View;
            var delivery = zone.Waiting.Concat(zone.Offered).Concat(zone.Assigned).Single(d => d.OrderId == "o-z1");
            Assert.Equal(("r-zone", readyAt), (delivery.RestaurantId, delivery.ReadyAt));
        }, Wait);
        await AwaitAssertAsync(async () => Assert.IsType<CourierAccepted>(await zones.Ask<ICourierReply>(new AcceptOffer(Zone, "c-1", "o-z1"), Wait)), Wait);

        // The courier is near: the pickup is expected when the food is ready, not before.
        await AwaitAssertAsync(async () =>
        {
            var order = (await Restaurant(restaurants, "r-zone")).Orders.Single();
            Assert.Equal(KitchenOrderStatus.Accepted, order.Status);
            Assert.True(order.EstimatedPickup >= readyAt, $"estimated pickup {order.EstimatedPickup:O} before ready {readyAt:O}");
        }, Wait);

        Assert.IsType<CourierAccepted>(await zones.Ask<ICourierReply>(new ConfirmPickup(Zone, "c-1", "o-z1"), Wait));
        await AwaitAssertAsync(async () =>
        {
            var view = await Restaurant(restaurants, "r-zone");
            Assert.Equal((KitchenOrderStatus.Collected, 0m), (view.Orders.Single().Status, view.QueueEtaMinutes));
        }, Wait);
    }
}
