using OrderEngine.Domain.Dispatch;
using OrderEngine.Domain.Dispatch.Couriers;
using OrderEngine.Domain.Dispatch.Zones;
using OrderEngine.Domain.Orders;
using static OrderEngine.Domain.Tests.Dispatch.ZoneTestKit;

namespace OrderEngine.Domain.Tests.Dispatch;

public sealed class ZoneDeciderTests
{
    private static ZoneDelivery D(ZoneState s, string orderId) => s.Deliveries[orderId];

    [Fact]
    public void A_delivery_is_offered_to_the_courier_with_the_earliest_pickup()
    {
        var s = Given(
            Online("far", Offset(R1, 3, 0)),
            Online("near", Offset(R1, 0.5, 0)),
            Request("o1", R1, Offset(R1, 2, 2), readyInMinutes: 0));

        Assert.Equal(DeliveryStatus.Offered, D(s, "o1").Status);
        Assert.Equal("near", D(s, "o1").CourierId);
        Assert.Equal(T0 + Rules.OfferTimeout, D(s, "o1").OfferExpiresAt);
        // Pickup = 0.5 km at 15 km/h = 2 minutes from now; the ETA adds the trip to the drop-off.
        Assert.Equal(T0.AddMinutes(2), D(s, "o1").EstimatedPickup!.Value, TimeSpan.FromSeconds(2));
        Assert.True(D(s, "o1").Eta > D(s, "o1").EstimatedPickup);
    }

    [Fact]
    public void A_faster_courier_further_away_wins_when_it_arrives_first()
    {
        var s = Given(
            Online("bike", Offset(R1, 1, 0), speed: 15),
            Online("car", Offset(R1, 1.5, 0), speed: 45, capacity: 4, vehicle: Vehicle.Car),
            Request("o1", R1, Offset(R1, 2, 2), readyInMinutes: 0));
        Assert.Equal("car", D(s, "o1").CourierId);
    }

    [Fact]
    public void The_food_not_being_ready_bounds_the_pickup_estimate()
    {
        var s = Given(Online("c1", Offset(R1, 0.5, 0)), Request("o1", R1, Offset(R1, 2, 0), readyInMinutes: 12));
        Assert.Equal(T0.AddMinutes(12), D(s, "o1").EstimatedPickup);
    }

    [Fact]
    public void An_offer_not_accepted_in_time_goes_to_the_next_courier_never_back()
    {
        var s = Given(Online("a", Offset(R1, 0.2, 0)), Online("b", Offset(R1, 1, 0)), Request("o1", R1, Offset(R1, 2, 0)));
        Assert.Equal("a", D(s, "o1").CourierId);

        var tick = When(s, new DispatchTick(Zone), T0 + Rules.OfferTimeout);
        s = Then(s, tick);

        Assert.Contains(tick.Decision.Events, e => e is OfferDeclined { CourierId: "a", Expired: true });
        Assert.Equal("b", D(s, "o1").CourierId);
        Assert.Contains("a", D(s, "o1").TimedOut);
        var late = When(s, new AcceptOffer(Zone, "a", "o1"), T0 + Rules.OfferTimeout);
        Assert.Equal(ZoneRejectionCode.Conflict, late.Decision.Rejection!.Code);
        Assert.Contains("expired", late.Decision.Rejection.Message);
    }

    [Fact]
    public void An_offer_accepted_after_its_deadline_but_before_the_tick_is_refused()
    {
        var s = Given(Online("a", Offset(R1, 0.2, 0)), Request("o1", R1, Offset(R1, 2, 0)));
        var late = When(s, new AcceptOffer(Zone, "a", "o1"), T0 + Rules.OfferTimeout);
        Assert.Equal(ZoneRejectionCode.Conflict, late.Decision.Rejection!.Code);
    }

    [Fact]
    public void A_declined_offer_goes_to_the_next_courier_and_stays_waiting_when_there_is_none()
    {
        var s = Given(Online("a", Offset(R1, 0.2, 0)), Request("o1", R1, Offset(R1, 2, 0)));
        s = Then(s, When(s, new DeclineOffer(Zone, "a", "o1")));
        Assert.Equal(DeliveryStatus.Waiting, D(s, "o1").Status);
        Assert.Null(D(s, "o1").CourierId);

        s = GivenOn(s, T0, Online("b", Offset(R1, 3, 0)));
        Assert.Equal("b", D(s, "o1").CourierId);
        Assert.True(When(s, new DeclineOffer(Zone, "a", "o1")).Repeat);
    }

    [Fact]
    public void Accepting_tells_the_order_its_courier_and_eta()
    {
        var s = Given(Online("a", Offset(R1, 0.2, 0)), Request("o1", R1, Offset(R1, 2, 0)));
        var accept = When(s, new AcceptOffer(Zone, "a", "o1"));
        s = Then(s, accept);

        Assert.Equal(DeliveryStatus.Assigned, D(s, "o1").Status);
        var told = accept.Effects.Select(e => e.Message).OfType<RecordDeliveryProgress>().Single();
        Assert.Equal((DeliveryStage.CourierAssigned, "a", D(s, "o1").Eta), (told.Stage, told.CourierId, told.Eta));
        Assert.Contains(s.Outbox, n => n.NoticeId == told.StageId);
        Assert.True(When(s, new AcceptOffer(Zone, "a", "o1")).Repeat);
    }

    [Fact]
    public void Every_notice_gets_its_own_stage_id()
    {
        var s = Given(Online("a", Offset(R1, 0.2, 0)), Request("o1", R1, Offset(R1, 2, 0)), new AcceptOffer(Zone, "a", "o1"),
            new ConfirmPickup(Zone, "a", "o1"), new ConfirmDelivery(Zone, "a", "o1"));
        Assert.Equal(
            [DeliveryStage.AwaitingCourier, DeliveryStage.CourierAssigned, DeliveryStage.PickedUp, DeliveryStage.PickedUp, DeliveryStage.Delivered],
            s.Outbox.Select(n => n.Stage));
        Assert.Equal(s.Outbox.Count, s.Outbox.Select(n => n.NoticeId).Distinct().Count());
        Assert.Single(s.Outbox, n => n.Kind == NoticeKind.RestaurantCollected);
        Assert.Equal(DeliveryStatus.Delivered, D(s, "o1").Status);
    }

    [Fact]
    public void Steps_out_of_order_are_refused_with_the_reason()
    {
        var s = Given(Online("a", Offset(R1, 0.2, 0)), Request("o1", R1, Offset(R1, 2, 0)));
        Assert.Contains("accept", When(s, new ConfirmPickup(Zone, "a", "o1")).Decision.Rejection!.Message);
        s = GivenOn(s, T0, new AcceptOffer(Zone, "a", "o1"));
        Assert.Contains("pick it up first", When(s, new ConfirmDelivery(Zone, "a", "o1")).Decision.Rejection!.Message);
        Assert.Equal(ZoneRejectionCode.NotFound, When(s, new ConfirmPickup(Zone, "nobody", "o1")).Decision.Rejection!.Code);
        Assert.Equal(ZoneRejectionCode.NotFound, When(s, new ConfirmPickup(Zone, "a", "o-unknown")).Decision.Rejection!.Code);
    }

    [Fact]
    public void A_courier_going_offline_before_pickup_gives_the_delivery_back_and_it_is_reassigned()
    {
        var s = Given(Online("a", Offset(R1, 0.2, 0)), Request("o1", R1, Offset(R1, 2, 0)), new AcceptOffer(Zone, "a", "o1"), Online("b", Offset(R1, 2, 0)));
        var offline = When(s, new CourierOffline(Zone, "a"));
        s = Then(s, offline);

        Assert.Contains(offline.Decision.Events, e => e is CourierReleased { CourierId: "a", OrderId: "o1" });
        Assert.Equal(("b", DeliveryStatus.Offered), (D(s, "o1").CourierId, D(s, "o1").Status));
        Assert.Contains(offline.Effects.Select(e => e.Message).OfType<RecordDeliveryProgress>(), p => p.Stage == DeliveryStage.CourierReleased);
        Assert.Equal(CourierStatus.Offline, s.StatusOf(s.Couriers["a"]));
    }

    [Fact]
    public void A_courier_going_offline_carrying_a_delivery_gets_it_flagged()
    {
        var s = Given(Online("a", Offset(R1, 0.2, 0)), Request("o1", R1, Offset(R1, 2, 0)), new AcceptOffer(Zone, "a", "o1"),
            new ConfirmPickup(Zone, "a", "o1"), Online("b", Offset(R1, 2, 0)));
        s = Then(s, When(s, new CourierOffline(Zone, "a")));
        Assert.Equal(DeliveryStatus.Flagged, D(s, "o1").Status);
        Assert.Equal(DeliveryStage.Flagged, s.Outbox[^1].Stage);
        // The courier can still finish it.
        s = Then(s, When(s, new ConfirmDelivery(Zone, "a", "o1")));
        Assert.Equal(DeliveryStatus.Delivered, D(s, "o1").Status);
    }

    [Fact]
    public void A_courier_moving_zones_is_let_go_only_while_it_holds_nothing()
    {
        var s = Given(Online("a", Offset(R1, 0.2, 0)), Request("o1", R1, Offset(R1, 2, 0)), new AcceptOffer(Zone, "a", "o1"));
        Assert.Equal(ZoneRejectionCode.Conflict, When(s, new CourierOffline(Zone, "a", OnlyIfIdle: true)).Decision.Rejection!.Code);
        var idle = Given(Online("b", Offset(R1, 0.2, 0)));
        Assert.Contains(When(idle, new CourierOffline(Zone, "b", OnlyIfIdle: true)).Decision.Events, e => e is CourierLeft);
    }

    [Fact]
    public void A_second_delivery_of_the_same_restaurant_going_the_same_way_joins_the_first_courier()
    {
        var s = Given(Online("a", Offset(R1, 0.2, 0)), Online("b", Offset(R1, 0.3, 0)),
            Request("o1", R1, Offset(R1, 2, 0)), Request("o2", R1, Offset(R1, 2.5, 0.3)));
        Assert.Equal("a", D(s, "o1").CourierId);
        Assert.Equal("a", D(s, "o2").CourierId);
        Assert.Equal(D(s, "o1").EstimatedPickup, D(s, "o2").EstimatedPickup);
    }

    [Fact]
    public void Deliveries_going_opposite_ways_are_not_batched()
    {
        var s = Given(Online("a", Offset(R1, 0.2, 0)), Online("b", Offset(R1, 0.3, 0)),
            Request("o1", R1, Offset(R1, 2, 0)), Request("o2", R1, Offset(R1, -2, 0)));
        Assert.NotEqual(D(s, "o1").CourierId, D(s, "o2").CourierId);
    }

    [Fact]
    public void A_batch_that_delays_the_first_delivery_too_much_is_not_made()
    {
        // The second drop-off is nearer, so it goes first and the first delivery is later by the detour.
        var s = Given(Online("a", Offset(R1, 0.2, 0)), Online("b", Offset(R1, 0.3, 0)),
            Request("o1", R1, Offset(R1, 4, 0)), Request("o2", R1, Offset(R1, 1, 0.5)));
        Assert.Equal("a", D(s, "o2").CourierId);
        Assert.True(D(s, "o1").Eta > D(s, "o2").Eta);
        var strict = ZoneRules.Default with { BatchMaxDelay = TimeSpan.Zero };
        var t = ZoneState.Initial(Zone);
        foreach (var c in new IZoneCommand[] { Online("a", Offset(R1, 0.2, 0)), Online("b", Offset(R1, 0.3, 0)), Request("o1", R1, Offset(R1, 4, 0)), Request("o2", R1, Offset(R1, 1, 0.5)) })
            t = Then(t, When(t, c, rules: strict));
        Assert.Equal("b", D(t, "o2").CourierId);
    }

    [Fact]
    public void When_couriers_are_short_the_earliest_promise_is_served_first()
    {
        var s = Given(
            Request("late", R1, Offset(R1, 2, 0), promisedInMinutes: 60),
            Request("soon", R2, Offset(R2, -2, 0), promisedInMinutes: 30),
            Online("a", Offset(R1, 0.2, 0), capacity: 1));
        Assert.Equal(DeliveryStatus.Offered, D(s, "soon").Status);
        Assert.Equal(DeliveryStatus.Waiting, D(s, "late").Status);
        Assert.Equal(1.0, s.Surge);
    }

    [Fact]
    public void The_naive_policy_serves_first_come_with_the_nearest_idle_courier()
    {
        var s = Given(
            new ConfigureZone(Zone, DispatchPolicy.Naive, null, null),
            Online("far", Offset(R1, 3, 0), capacity: 3),
            Online("near", Offset(R1, 0.1, 0), capacity: 3),
            Request("first", R1, Offset(R1, 2, 0), promisedInMinutes: 60),
            Request("second", R1, Offset(R1, 2, 0.1), promisedInMinutes: 30));
        // The first request takes the nearest idle courier; the second (though promised earlier) the other one: no batching.
        Assert.Equal("near", D(s, "first").CourierId);
        Assert.Equal("far", D(s, "second").CourierId);
    }

    [Fact]
    public void The_zone_view_shows_the_surge_signal()
    {
        var s = Given(Request("o1", R1, Offset(R1, 2, 0)), Request("o2", R1, Offset(R1, 2, 0)), Request("o3", R1, Offset(R1, 2, 0)));
        var view = s.ToView(Rules, T0);
        Assert.Equal((3, 0, 3.0), (view.WaitingDeliveries, view.AvailableCouriers, view.Surge));
        Assert.Equal("earliest-pickup", view.Policy);
    }

    [Fact]
    public void Bad_settings_and_bad_coordinates_are_refused_and_change_nothing()
    {
        var s = ZoneState.Initial(Zone);
        Assert.Equal("offerTimeoutSeconds", When(s, new ConfigureZone(Zone, null, 0, null)).Decision.Rejection!.Field);
        Assert.Equal("batchMaxDelayMinutes", When(s, new ConfigureZone(Zone, null, null, -1)).Decision.Rejection!.Field);
        Assert.Equal("latitude", When(s, Online("a", new GeoPoint(91, 0))).Decision.Rejection!.Field);
        Assert.Equal("dropOff", When(s, Request("o1", R1, new GeoPoint(0, 200))).Decision.Rejection!.Field);
        Assert.True(When(s, new ConfigureZone(Zone, null, null, null)).Repeat);
    }

    [Fact]
    public void A_courier_definition_takes_the_vehicle_defaults_and_refuses_bad_capacity()
    {
        var s = CourierState.Initial("c1");
        var defined = CourierDecider.Decide(s, new DefineCourier("c1", "Ann", Vehicle.Scooter, null), T0, CourierRules.Default);
        var e = Assert.IsType<CourierDefined>(Assert.Single(defined.Events));
        Assert.Equal((3, 25.0), (e.Capacity, e.SpeedKmh));
        s = CourierDecider.Evolve(s, e);
        Assert.Empty(CourierDecider.Decide(s, new DefineCourier("c1", "Ann", Vehicle.Scooter, null), T0, CourierRules.Default).Events);
        Assert.Equal("capacity", CourierDecider.Decide(s, new DefineCourier("c1", "Ann", Vehicle.Car, 0), T0, CourierRules.Default).Rejection!.Field);
        Assert.Equal(CourierRejectionCode.NotFound,
            CourierDecider.Decide(CourierState.Initial("c2"), new GoOnline("c2", R1), T0, CourierRules.Default).Rejection!.Code);
    }
}
