using Akka.Actor;
using Akka.TestKit.Xunit2;
using OrderEngine.Domain.Dispatch;
using OrderEngine.Domain.Dispatch.Restaurants;
using OrderEngine.Domain.Orders;
using OrderEngine.Engine.Dispatch;

namespace OrderEngine.Engine.Tests.Dispatch;

/// <summary>A clock the test moves by hand (the actor's timers still run on real time).</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>One restaurant entity with probes standing in for the order region and the zone region.</summary>
public sealed class RestaurantActorTests() : TestKit(TestConfig.WithTestJournal)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly GeoPoint Kitchen = new(51.5074, -0.1278);
    private static readonly GeoPoint Home = new(51.5226, -0.104);

    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 12, 4, 18, 0, 0, TimeSpan.Zero));

    private (IActorRef Restaurant, Akka.TestKit.TestProbe Orders, Akka.TestKit.TestProbe Zones) Start(string id, Akka.TestKit.TestProbe? orders = null,
        Akka.TestKit.TestProbe? zones = null, int snapshotEvery = 500)
    {
        orders ??= CreateTestProbe();
        zones ??= CreateTestProbe();
        var zoneRef = zones.Ref;
        var with = new RestaurantCollaborators(orders.Ref, () => zoneRef, RestaurantRules.Default) { SnapshotEvery = snapshotEvery };
        var restaurant = Sys.ActorOf(RestaurantActor.Props(id, with, TimeSpan.FromMinutes(10), TimeSpan.FromMilliseconds(100),
            TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), _clock));
        return (restaurant, orders, zones);
    }

    private static async Task<RestaurantView> Accepted(IActorRef restaurant, object command) =>
        await restaurant.Ask<IRestaurantReply>(command, Wait) switch
        {
            RestaurantAccepted a => a.View,
            RestaurantRefused r => throw new InvalidOperationException($"{r.Rejection.Code}: {r.Rejection.Message}"),
            var other => throw new InvalidOperationException(other.GetType().Name),
        };

    private async Task<IActorRef> WithOrder(IActorRef restaurant, string id, string orderId)
    {
        await Accepted(restaurant, new DefineRestaurant(id, "Pasta Place", Kitchen, 12m, ["pasta-1"]));
        var received = await restaurant.Ask<KitchenOrderReceived>(new ReceiveKitchenOrder(id, orderId, Home, null, 2, _clock.GetUtcNow()), Wait);
        Assert.Equal(orderId, received.OrderId);
        return restaurant;
    }

    private static OrderRefused Refused(string orderId) => new(orderId, OrderRejection.Of(OrderRejectionCode.NotFound, "not here"));

    [Fact]
    public async Task Accepting_asks_the_zone_for_a_courier_and_tells_the_order_until_each_acknowledged()
    {
        var (restaurant, orders, zones) = Start("r-acc");
        await WithOrder(restaurant, "r-acc", "o-1");

        var view = await Accepted(restaurant, new AcceptKitchenOrder("r-acc", "o-1", 10m));
        Assert.Equal(_clock.GetUtcNow().AddMinutes(10), view.Orders.Single().ReadyAt);

        var request = zones.ExpectMsg<RequestDelivery>(Wait);
        Assert.Equal(Geo.Geohash(Kitchen, 5), request.ZoneId);
        Assert.Equal(("o-1", "r-acc", _clock.GetUtcNow().AddMinutes(10)), (request.OrderId, request.RestaurantId, request.ReadyAt));
        var progress = orders.ExpectMsg<RecordDeliveryProgress>(Wait);
        Assert.Equal(DeliveryStage.KitchenAccepted, progress.Stage);

        // Nobody answered: both are sent again.
        Assert.Equal(request, zones.ExpectMsg<RequestDelivery>(Wait));
        Assert.Equal(progress, orders.ExpectMsg<RecordDeliveryProgress>(Wait));

        zones.Reply(new DeliveryRequestReceived(request.ZoneId, "o-1"));
        orders.Reply(Refused("o-1"));
        // The acknowledgements are persisted (a query is answered after them); a round already on its way may still
        // arrive, and after it nothing more, although the retry delay is at most a second.
        await Accepted(restaurant, new GetRestaurant("r-acc"));
        zones.ReceiveWhile(TimeSpan.FromMilliseconds(500), m => m);
        orders.ReceiveWhile(TimeSpan.FromMilliseconds(500), m => m);
        zones.ExpectNoMsg(TimeSpan.FromSeconds(2.5));
        orders.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public async Task Rejecting_tells_the_order_it_was_rejected_with_the_reason_and_asks_no_courier()
    {
        var (restaurant, orders, zones) = Start("r-rej");
        await WithOrder(restaurant, "r-rej", "o-1");

        var view = await Accepted(restaurant, new RejectKitchenOrder("r-rej", "o-1", "out of basil"));
        Assert.Equal(KitchenOrderStatus.Rejected, view.Orders.Single().Status);

        var progress = orders.ExpectMsg<RecordDeliveryProgress>(Wait);
        Assert.Equal((DeliveryStage.KitchenRejected, "out of basil", "o-1"), (progress.Stage, progress.Note, progress.OrderId));
        orders.Reply(Refused("o-1"));
        zones.ExpectNoMsg(TimeSpan.FromSeconds(1));

        var conflict = await restaurant.Ask<IRestaurantReply>(new AcceptKitchenOrder("r-rej", "o-1", 10m), Wait);
        Assert.Equal(RestaurantRejectionCode.Conflict, Assert.IsType<RestaurantRefused>(conflict).Rejection.Code);
    }

    [Fact]
    public async Task A_restarted_restaurant_keeps_its_queue_and_resends_only_what_was_not_acknowledged()
    {
        var (restaurant, orders, zones) = Start("r-restart");
        await WithOrder(restaurant, "r-restart", "o-1");
        await Accepted(restaurant, new AcceptKitchenOrder("r-restart", "o-1", 10m));
        var request = zones.ExpectMsg<RequestDelivery>(Wait);
        zones.Reply(new DeliveryRequestReceived(request.ZoneId, "o-1"));
        orders.ExpectMsg<RecordDeliveryProgress>(Wait);
        // The zone's acknowledgement is persisted before the restart (a query is answered after it).
        await Accepted(restaurant, new GetRestaurant("r-restart"));

        Watch(restaurant);
        restaurant.Tell(PoisonPill.Instance);
        ExpectTerminated(restaurant, Wait);
        orders.ReceiveWhile(TimeSpan.FromMilliseconds(300), m => m);
        zones.ReceiveWhile(TimeSpan.FromMilliseconds(300), m => m);

        var (again, _, _) = Start("r-restart", orders, zones);
        var view = await Accepted(again, new GetRestaurant("r-restart"));
        var order = view.Orders.Single();
        Assert.Equal((KitchenOrderStatus.Accepted, _clock.GetUtcNow().AddMinutes(10)), (order.Status, order.ReadyAt));
        Assert.Equal(DeliveryStage.KitchenAccepted, orders.ExpectMsg<RecordDeliveryProgress>(Wait).Stage);
        zones.ExpectNoMsg(TimeSpan.FromSeconds(1));
        // A repeat of the acceptance answers as before.
        Assert.Equal(order, (await Accepted(again, new AcceptKitchenOrder("r-restart", "o-1", 10m))).Orders.Single());
    }

    [Fact]
    public async Task A_restaurant_recovered_from_snapshots_and_events_is_the_one_that_stopped()
    {
        var (restaurant, orders, zones) = Start("r-snap", snapshotEvery: 2);
        await WithOrder(restaurant, "r-snap", "o-1");
        await restaurant.Ask<KitchenOrderReceived>(new ReceiveKitchenOrder("r-snap", "o-2", Home, _clock.GetUtcNow().AddMinutes(50), 1, _clock.GetUtcNow()), Wait);
        await Accepted(restaurant, new AcceptKitchenOrder("r-snap", "o-1", 10m));
        await Accepted(restaurant, new RejectKitchenOrder("r-snap", "o-2", "no basil"));
        await Accepted(restaurant, new PauseRestaurant("r-snap", "short of staff"));
        var before = await Accepted(restaurant, new GetRestaurant("r-snap"));

        Watch(restaurant);
        restaurant.Tell(PoisonPill.Instance);
        ExpectTerminated(restaurant, Wait);

        var (again, _, _) = Start("r-snap", orders, zones, snapshotEvery: 2);
        var after = await Accepted(again, new GetRestaurant("r-snap"));
        Assert.Equal(before with { Orders = [], Menu = [] }, after with { Orders = [], Menu = [] });
        Assert.Equal(before.Orders.ToArray(), after.Orders.ToArray());
        Assert.Equal(before.Menu.ToArray(), after.Menu.ToArray());
    }

    [Fact]
    public async Task A_long_queue_pauses_the_restaurant_and_it_resumes_by_itself_as_time_passes()
    {
        var (restaurant, _, _) = Start("r-rush");
        await WithOrder(restaurant, "r-rush", "o-1");

        await Accepted(restaurant, new AcceptKitchenOrder("r-rush", "o-1", 52m));
        var paused = await restaurant.Ask<RestaurantTakesOrders>(new CheckRestaurantTakesOrders("r-rush"), Wait);
        Assert.False(paused.Takes);
        Assert.Equal("queue ETA 52 min exceeds 45 min", paused.Reason);

        // Still above the resume limit: stays paused.
        _clock.Advance(TimeSpan.FromMinutes(10));
        await Task.Delay(300);
        Assert.False((await restaurant.Ask<RestaurantTakesOrders>(new CheckRestaurantTakesOrders("r-rush"), Wait)).Takes);

        // Below it: the periodic check lifts the pause, without any request to the restaurant.
        _clock.Advance(TimeSpan.FromMinutes(15));
        await AwaitAssertAsync(async () =>
        {
            var view = await Accepted(restaurant, new GetRestaurant("r-rush"));
            Assert.Equal(RestaurantStatus.Open, view.Status);
        }, Wait);
        Assert.True((await restaurant.Ask<RestaurantTakesOrders>(new CheckRestaurantTakesOrders("r-rush"), Wait)).Takes);
    }

    [Fact]
    public async Task A_collection_reported_by_the_zone_is_answered_and_shortens_the_queue()
    {
        var (restaurant, _, _) = Start("r-collect");
        await WithOrder(restaurant, "r-collect", "o-1");
        await Accepted(restaurant, new AcceptKitchenOrder("r-collect", "o-1", 50m));
        Assert.Equal(RestaurantStatus.Paused, (await Accepted(restaurant, new GetRestaurant("r-collect"))).Status);

        var recorded = await restaurant.Ask<PickupEstimateRecorded>(new RecordPickupEstimate("r-collect", "o-1", _clock.GetUtcNow(), true), Wait);
        Assert.Equal("o-1", recorded.OrderId);
        var view = await Accepted(restaurant, new GetRestaurant("r-collect"));
        Assert.Equal((RestaurantStatus.Open, 0m, KitchenOrderStatus.Collected), (view.Status, view.QueueEtaMinutes, view.Orders.Single().Status));
    }

    [Fact]
    public async Task A_restaurant_with_an_open_order_stays_however_quiet_and_goes_once_the_order_left_the_queue()
    {
        var shard = CreateTestProbe();
        var orders = CreateTestProbe();
        orders.SetAutoPilot(new Akka.TestKit.DelegateAutoPilot((sender, message) =>
        {
            if (message is RecordDeliveryProgress p) sender.Tell(Refused(p.OrderId));
            return Akka.TestKit.AutoPilot.KeepRunning;
        }));
        var zones = CreateTestProbe();
        zones.SetAutoPilot(new Akka.TestKit.DelegateAutoPilot((sender, message) =>
        {
            if (message is RequestDelivery r) sender.Tell(new DeliveryRequestReceived(r.ZoneId, r.OrderId));
            return Akka.TestKit.AutoPilot.KeepRunning;
        }));
        var idle = TimeSpan.FromSeconds(1);
        var with = new RestaurantCollaborators(orders.Ref, () => zones.Ref, RestaurantRules.Default);
        var restaurant = shard.ChildActorOf(RestaurantActor.Props("r-idle", with, idle, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200),
            TimeSpan.FromSeconds(1), _clock));
        await WithOrder(restaurant, "r-idle", "o-1");
        await Accepted(restaurant, new AcceptKitchenOrder("r-idle", "o-1", 10m));

        // Acknowledged by the zone and the order, but the food is still in the kitchen: it stays.
        shard.ExpectNoMsg(idle * 3);

        Assert.Equal("o-1", (await restaurant.Ask<PickupEstimateRecorded>(new RecordPickupEstimate("r-idle", "o-1", _clock.GetUtcNow(), true), Wait)).OrderId);
        var passivate = shard.ExpectMsg<Akka.Cluster.Sharding.Passivate>(TimeSpan.FromSeconds(20));
        Assert.Same(Sharding.StopEntity.Instance, passivate.StopMessage);
    }

    [Fact]
    public async Task An_unknown_restaurant_answers_that_it_is_not_known()
    {
        var (restaurant, _, _) = Start("r-none");
        var answer = await restaurant.Ask<RestaurantTakesOrders>(new CheckRestaurantTakesOrders("r-none"), Wait);
        Assert.False(answer.Known);
        Assert.Equal(RestaurantRejectionCode.NotFound,
            Assert.IsType<RestaurantRefused>(await restaurant.Ask<IRestaurantReply>(new GetRestaurant("r-none"), Wait)).Rejection.Code);
    }
}
