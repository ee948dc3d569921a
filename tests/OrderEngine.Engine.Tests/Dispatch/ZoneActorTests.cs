using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using OrderEngine.Domain.Dispatch;
using OrderEngine.Domain.Dispatch.Couriers;
using OrderEngine.Domain.Dispatch.Zones;
using OrderEngine.Domain.Orders;
using OrderEngine.Engine.Dispatch;

namespace OrderEngine.Engine.Tests.Dispatch;

/// <summary>A zone entity over its journal: offers time out to the next courier, couriers drop out, restarts keep everything, orders hear each step.</summary>
public sealed class ZoneActorTests() : TestKit(TestConfig.WithTestJournal)
{
    private const string Zone = "u33db";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly GeoPoint Restaurant = new(52.5200, 13.4050);
    private static readonly GeoPoint Near = new(52.5210, 13.4050);
    private static readonly GeoPoint Far = new(52.5300, 13.4050);
    private static readonly GeoPoint DropOff = new(52.5380, 13.4200);

    private ZoneCollaborators With(IActorRef orders, IActorRef? restaurants = null, TimeSpan? offerTimeout = null) => new(
        orders, restaurants ?? CreateTestProbe().Ref,
        ZoneRules.Default with { OfferTimeout = offerTimeout ?? TimeSpan.FromMinutes(10) },
        TickInterval: TimeSpan.FromMilliseconds(200), FirstRetry: TimeSpan.FromMilliseconds(300), MaxRetry: TimeSpan.FromSeconds(1), AskTimeout: TimeSpan.FromSeconds(1));

    private IActorRef StartZone(ZoneCollaborators with, string? name = null) =>
        Sys.ActorOf(ZoneActor.Props(Zone, with, TimeSpan.FromMinutes(10), TimeProvider.System), name);

    private static CourierOnline Online(string id, GeoPoint at, int capacity = 2) => new(Zone, id, id, Vehicle.Bike, 15, capacity, at);

    private static RequestDelivery Request(string orderId) =>
        new(Zone, orderId, "r1", Restaurant, DropOff, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddMinutes(40), 1);

    private static async Task<CourierView> Courier(IActorRef zone, IZoneMessage message) =>
        await zone.Ask<ICourierReply>(message, Wait) switch
        {
            CourierAccepted a => a.View,
            CourierRefused r => throw new InvalidOperationException($"{r.Rejection.Code}: {r.Rejection.Message}"),
            var other => throw new InvalidOperationException(other.GetType().Name),
        };

    private static async Task<ZoneView> View(IActorRef zone) => ((ZoneAccepted)await zone.Ask<IZoneReply>(new GetZone(Zone), Wait)).View;

    private static async Task<ZoneDeliveryView> Delivery(IActorRef zone, string orderId)
    {
        var view = await View(zone);
        return view.Waiting.Concat(view.Offered).Concat(view.Assigned).Concat(view.PickedUp).Concat(view.Flagged).Single(d => d.OrderId == orderId);
    }

    /// <summary>Answers every notice the zone sends an order (so it is acknowledged), and keeps what it saw.</summary>
    private TestProbe AnsweringOrders(List<RecordDeliveryProgress>? seen = null)
    {
        var probe = CreateTestProbe();
        probe.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
        {
            if (message is RecordDeliveryProgress p)
            {
                lock (seen ?? []) seen?.Add(p);
                sender.Tell(new OrderRefused(p.OrderId, new OrderRejection(OrderRejectionCode.NotFound, "test order", [])));
            }
            return AutoPilot.KeepRunning;
        }));
        return probe;
    }

    [Fact]
    public async Task An_offer_not_accepted_within_the_timeout_goes_to_the_next_courier()
    {
        var zone = StartZone(With(AnsweringOrders().Ref, offerTimeout: TimeSpan.FromMilliseconds(500)));
        await Courier(zone, Online("near", Near));
        await Courier(zone, Online("far", Far));
        Assert.IsType<DeliveryRequestReceived>(await zone.Ask<object>(Request("o-timeout"), Wait));
        Assert.Equal("near", (await Delivery(zone, "o-timeout")).CourierId);

        await AwaitAssertAsync(async () => Assert.Equal("far", (await Delivery(zone, "o-timeout")).CourierId), Wait);

        var refused = await zone.Ask<ICourierReply>(new AcceptOffer(Zone, "near", "o-timeout"), Wait);
        Assert.Contains("expired", Assert.IsType<CourierRefused>(refused).Rejection.Message);
        var accepted = await Courier(zone, new AcceptOffer(Zone, "far", "o-timeout"));
        Assert.Equal("o-timeout", Assert.Single(accepted.Deliveries).OrderId);
    }

    [Fact]
    public async Task A_courier_going_offline_before_pickup_gets_its_delivery_reassigned_and_after_pickup_flagged()
    {
        var zone = StartZone(With(AnsweringOrders().Ref));
        await Courier(zone, Online("a", Near, capacity: 1));
        await zone.Ask<object>(Request("o-before"), Wait);
        await Courier(zone, new AcceptOffer(Zone, "a", "o-before"));
        await Courier(zone, Online("b", Far, capacity: 1));

        var gone = await Courier(zone, new CourierOffline(Zone, "a"));
        Assert.Equal(CourierStatus.Offline, gone.Status);
        var again = await Delivery(zone, "o-before");
        Assert.Equal((DeliveryStatus.Offered, "b"), (again.Status, again.CourierId));

        await Courier(zone, new AcceptOffer(Zone, "b", "o-before"));
        await Courier(zone, new ConfirmPickup(Zone, "b", "o-before"));
        await Courier(zone, new CourierOffline(Zone, "b"));
        Assert.Equal(DeliveryStatus.Flagged, (await Delivery(zone, "o-before")).Status);
    }

    [Fact]
    public async Task A_restarted_zone_keeps_its_assignments_and_its_pending_offers_deadlines()
    {
        var with = With(AnsweringOrders().Ref, offerTimeout: TimeSpan.FromSeconds(2));
        var zone = StartZone(with);
        await Courier(zone, Online("a", Near, capacity: 2));
        await Courier(zone, Online("b", Far, capacity: 1));
        await zone.Ask<object>(Request("o-kept"), Wait);
        await Courier(zone, new AcceptOffer(Zone, "a", "o-kept"));
        await zone.Ask<object>(Request("o-pending"), Wait);
        var before = await Delivery(zone, "o-pending");
        Assert.Equal(DeliveryStatus.Offered, before.Status);

        Watch(zone);
        zone.Tell(PoisonPill.Instance);
        ExpectTerminated(zone);
        var recovered = StartZone(with);

        var kept = await Delivery(recovered, "o-kept");
        Assert.Equal((DeliveryStatus.Assigned, "a"), (kept.Status, kept.CourierId));
        var pending = await Delivery(recovered, "o-pending");
        Assert.Equal((before.CourierId, before.OfferExpiresAt), (pending.CourierId, pending.OfferExpiresAt));
        // The recovered deadline still fires: the offer moves on to a courier that had not let it lapse.
        await AwaitAssertAsync(async () =>
        {
            var moved = await Delivery(recovered, "o-pending");
            Assert.NotEqual(before.CourierId, moved.CourierId);
        }, Wait);
    }

    [Fact]
    public async Task A_zone_recovered_from_its_snapshot_and_later_events_is_the_same_zone()
    {
        var with = With(AnsweringOrders().Ref, offerTimeout: TimeSpan.FromSeconds(2)) with { SnapshotEvery = 3 };
        var zone = StartZone(with);
        await Courier(zone, Online("a", Near, capacity: 1));
        await Courier(zone, Online("b", Far, capacity: 1));
        await zone.Ask<object>(Request("o-snap-1"), Wait);
        await Courier(zone, new AcceptOffer(Zone, "a", "o-snap-1"));
        await Courier(zone, new ConfirmPickup(Zone, "a", "o-snap-1"));
        await zone.Ask<object>(Request("o-snap-2"), Wait);
        await Courier(zone, new UpdateCourierPosition(Zone, "a", Far));
        var before = await View(zone);

        Watch(zone);
        zone.Tell(PoisonPill.Instance);
        ExpectTerminated(zone);
        var recovered = StartZone(with);

        var after = await View(recovered);
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(before with { Waiting = [] }), System.Text.Json.JsonSerializer.Serialize(after with { Waiting = [] }));
        Assert.Equal(DeliveryStatus.PickedUp, (await Delivery(recovered, "o-snap-1")).Status);
        // It goes on deciding from there.
        var done = await Courier(recovered, new ConfirmDelivery(Zone, "a", "o-snap-1"));
        Assert.Empty(done.Deliveries);
        Assert.Equal(CourierStatus.Available, done.Status);
    }

    [Fact]
    public async Task The_order_hears_each_step_until_it_answers()
    {
        var orders = CreateTestProbe();
        var zone = StartZone(With(orders.Ref));
        await Courier(zone, Online("a", Near));
        await zone.Ask<object>(Request("o-told"), Wait);

        var first = orders.ExpectMsg<RecordDeliveryProgress>(Wait);
        Assert.Equal((DeliveryStage.AwaitingCourier, "o-told"), (first.Stage, first.OrderId));
        // Not answered: told again, with the same stage id.
        var repeat = orders.ExpectMsg<RecordDeliveryProgress>(Wait);
        Assert.Equal(first.StageId, repeat.StageId);
        orders.Reply(new OrderRefused("o-told", new OrderRejection(OrderRejectionCode.NotFound, "test order", [])));

        await Courier(zone, new AcceptOffer(Zone, "a", "o-told"));
        var assigned = orders.FishForMessage<RecordDeliveryProgress>(p => p.Stage == DeliveryStage.CourierAssigned, Wait);
        Assert.Equal("a", assigned.CourierId);
        Assert.NotNull(assigned.Eta);
        Assert.NotEqual(first.StageId, assigned.StageId);
    }

    [Fact]
    public async Task The_restaurant_hears_the_pickup_estimate_and_the_collection()
    {
        var restaurants = CreateTestProbe();
        var zone = StartZone(With(AnsweringOrders().Ref, restaurants.Ref));
        await Courier(zone, Online("a", Near));
        await zone.Ask<object>(Request("o-rest"), Wait);
        var estimate = restaurants.FishForMessage<RecordPickupEstimate>(e => e.OrderId == "o-rest" && !e.Collected, Wait);
        Assert.Equal("r1", estimate.RestaurantId);

        await Courier(zone, new AcceptOffer(Zone, "a", "o-rest"));
        await Courier(zone, new ConfirmPickup(Zone, "a", "o-rest"));
        restaurants.FishForMessage<RecordPickupEstimate>(e => e.OrderId == "o-rest" && e.Collected, Wait);
        restaurants.Reply(new PickupEstimateRecorded("r1", "o-rest"));
    }
}
