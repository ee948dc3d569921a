using OrderEngine.Domain.Dispatch;
using OrderEngine.Domain.Dispatch.Restaurants;
using OrderEngine.Domain.Orders;
using static OrderEngine.Domain.Tests.Dispatch.RestaurantTestKit;

namespace OrderEngine.Domain.Tests.Dispatch;

public sealed class RestaurantDeciderTests
{
    private static DateTimeOffset Min(double minutes) => T0.AddMinutes(minutes);

    [Fact]
    public void A_definition_places_the_restaurant_in_the_zone_of_its_location_and_a_repeat_changes_nothing()
    {
        var (s, first) = Given((Define(menu: ["pasta-1", "tiramisu"]), T0));
        var defined = Assert.IsType<RestaurantDefined>(Assert.Single(first.Events));
        Assert.Equal(Geo.Geohash(Kitchen, 5), defined.ZoneId);
        Assert.Equal(1, defined.Revision);
        Assert.Equal(RestaurantStatus.Open, s.Status);

        var (_, again) = When(s, Define(menu: ["pasta-1", "tiramisu"]), Min(5));
        Assert.False(again.IsRejected);
        Assert.Empty(again.Events);

        var (changed, d) = When(s, Define(prep: 15, menu: ["pasta-1"]), Min(5));
        Assert.Equal(2, Assert.IsType<RestaurantDefined>(Assert.Single(d.Events)).Revision);
        Assert.Equal(15m, changed.Profile!.PrepMinutes);
    }

    [Fact]
    public void A_restaurant_defined_closed_takes_no_orders_and_says_why()
    {
        var (s, _) = Given((Define(open: false), T0));
        var answer = s.TakesOrders();
        Assert.True(answer.Known);
        Assert.False(answer.Takes);
        Assert.Contains("closed", answer.Reason);
        Assert.Equal(Kitchen, answer.Location);
    }

    [Fact]
    public void An_unknown_restaurant_is_not_known_and_refuses_kitchen_commands()
    {
        var s = RestaurantState.Initial(Id);
        Assert.False(s.TakesOrders().Known);
        Assert.Equal(RestaurantRejectionCode.NotFound, When(s, new PauseRestaurant(Id, "break"), T0).Decision.Rejection?.Code);
        Assert.Equal(RestaurantRejectionCode.NotFound, When(s, Receive("o-1"), T0).Decision.Rejection?.Code);
        Assert.Equal(RestaurantRejectionCode.NotFound, When(s, Accept("o-1", 10), T0).Decision.Rejection?.Code);
    }

    [Fact]
    public void A_received_order_without_a_promise_is_promised_prep_estimate_plus_trip_at_bike_speed_plus_slack()
    {
        var (s, d) = Given((Define(prep: 12), T0), (Receive("o-1"), Min(1)));
        var queued = Assert.IsType<KitchenOrderQueued>(Assert.Single(d.Events));
        var trip = Geo.TravelTime(Geo.DistanceKm(Kitchen, Home), 15);
        Assert.Equal(Min(1) + TimeSpan.FromMinutes(12) + trip + TimeSpan.FromMinutes(10), queued.PromisedBy);
        Assert.True(queued.Promised);
        Assert.Equal(KitchenOrderStatus.Received, s.Orders["o-1"].Status);
        Assert.Empty(d.Effects);
    }

    [Fact]
    public void A_received_order_keeps_the_channels_promise_and_a_repeat_changes_nothing()
    {
        var promised = Min(40);
        var (s, d) = Given((Define(), T0), (Receive("o-1", promised), T0));
        Assert.Equal(promised, Assert.IsType<KitchenOrderQueued>(Assert.Single(d.Events)).PromisedBy);

        var (_, again) = When(s, Receive("o-1", Min(90)), Min(3));
        Assert.False(again.IsRejected);
        Assert.Empty(again.Events);
        Assert.Equal(promised, s.Orders["o-1"].PromisedBy);
    }

    [Fact]
    public void Accepting_makes_the_order_ready_after_its_preparation_and_asks_the_zone_and_tells_the_order()
    {
        var (s, d) = Given((Define(), T0), (Receive("o-1", Min(45)), T0), (Accept("o-1", 10), Min(2)));
        var accepted = Assert.IsType<KitchenOrderAccepted>(Assert.Single(d.Events));
        var trip = Geo.TravelTime(Geo.DistanceKm(Kitchen, Home), 15);
        Assert.Equal(Min(12), accepted.ReadyAt);
        Assert.Equal(Min(12) + trip, accepted.Eta);

        Assert.Equal(2, d.Effects.Length);
        var request = Assert.Single(d.Effects.OfType<RequestDelivery>());
        Assert.Equal(new RequestDelivery(Geo.Geohash(Kitchen, 5), "o-1", Id, Kitchen, Home, Min(12), Min(45), 2), request);
        var progress = Assert.Single(d.Effects.OfType<RecordDeliveryProgress>());
        Assert.Equal(DeliveryStage.KitchenAccepted, progress.Stage);
        Assert.Equal("o-1", progress.OrderId);
        Assert.Equal(Min(12) + trip, progress.Eta);
        Assert.Equal(s.Outbox().ToArray(), d.Effects.ToArray());
    }

    [Fact]
    public void Accepting_again_with_the_same_time_answers_as_before_and_with_another_time_is_a_conflict()
    {
        var (s, _) = Given((Define(), T0), (Receive("o-1"), T0), (Accept("o-1", 10), Min(2)));

        var (_, same) = When(s, Accept("o-1", 10), Min(4));
        Assert.False(same.IsRejected);
        Assert.Empty(same.Events);
        Assert.Empty(same.Effects);

        var (_, other) = When(s, Accept("o-1", 20), Min(4));
        Assert.Equal(RestaurantRejectionCode.Conflict, other.Rejection?.Code);
        Assert.Contains("prepMinutes 10", other.Rejection!.Message);
    }

    [Fact]
    public void A_rejected_order_cannot_be_accepted_and_an_accepted_one_cannot_be_rejected()
    {
        var (s, d) = Given((Define(), T0), (Receive("o-1"), T0), (Receive("o-2"), T0), (RejectOrder("o-1", "no basil"), Min(1)));
        var progress = Assert.IsType<RecordDeliveryProgress>(Assert.Single(d.Effects));
        Assert.Equal(DeliveryStage.KitchenRejected, progress.Stage);
        Assert.Equal("no basil", progress.Note);

        var accept = When(s, Accept("o-1", 10), Min(2)).Decision;
        Assert.Equal(RestaurantRejectionCode.Conflict, accept.Rejection?.Code);
        Assert.Contains("no basil", accept.Rejection!.Message);
        Assert.Empty(When(s, RejectOrder("o-1", "no basil"), Min(2)).Decision.Events);
        Assert.Equal(RestaurantRejectionCode.Conflict, When(s, RejectOrder("o-1", "closing early"), Min(2)).Decision.Rejection?.Code);

        var (accepted, _) = When(s, Accept("o-2", 10), Min(2));
        Assert.Equal(RestaurantRejectionCode.Conflict, When(accepted, RejectOrder("o-2"), Min(3)).Decision.Rejection?.Code);
    }

    [Fact]
    public void Accepting_or_rejecting_an_order_never_received_is_not_found()
    {
        var (s, _) = Given((Define(), T0));
        Assert.Equal(RestaurantRejectionCode.NotFound, When(s, Accept("o-9", 10), T0).Decision.Rejection?.Code);
        Assert.Equal(RestaurantRejectionCode.NotFound, When(s, RejectOrder("o-9"), T0).Decision.Rejection?.Code);
    }

    [Fact]
    public void The_outbox_keeps_what_was_not_acknowledged()
    {
        var (s, _) = Given((Define(), T0), (Receive("o-1"), T0), (Accept("o-1", 10), Min(1)));
        Assert.Equal(2, s.Outbox().Length);

        var (zoneAcked, _) = When(s, new AcknowledgeDeliveryRequest(Id, "o-1"), Min(2));
        Assert.IsType<RecordDeliveryProgress>(Assert.Single(zoneAcked.Outbox()));
        var (bothAcked, _) = When(zoneAcked, new AcknowledgeKitchenProgress(Id, "o-1"), Min(2));
        Assert.Empty(bothAcked.Outbox());
        Assert.Empty(When(bothAcked, new AcknowledgeKitchenProgress(Id, "o-1"), Min(3)).Decision.Events);
    }

    [Fact]
    public void A_pickup_estimate_from_the_zone_answers_the_delivery_request()
    {
        var (s, _) = Given((Define(), T0), (Receive("o-1"), T0), (Accept("o-1", 10), Min(1)));
        var (after, _) = When(s, Estimate("o-1", Min(14)), Min(2));
        Assert.IsType<RecordDeliveryProgress>(Assert.Single(after.Outbox()));
    }

    [Fact]
    public void The_queue_eta_runs_to_the_last_expected_pickup_from_estimates_then_ready_times_then_the_prep_estimate()
    {
        var (s, _) = Given(
            (Define(prep: 12), T0),
            (Receive("o-1"), T0),
            (Receive("o-2"), T0),
            (Receive("o-3"), T0),
            (Accept("o-2", 20), T0),
            (Accept("o-3", 5), T0),
            (Estimate("o-3", Min(25)), Min(1)));
        // o-1 not accepted: received + 12; o-2 ready at 20; o-3: the zone's estimate, 25.
        Assert.Equal(25m, s.QueueEtaMinutes(T0));
        Assert.Equal(15m, s.QueueEtaMinutes(Min(10)));

        var (collected, _) = When(s, Estimate("o-3", Min(24), collected: true), Min(2));
        Assert.Equal(KitchenOrderStatus.Collected, collected.Orders["o-3"].Status);
        Assert.Equal(20m, collected.QueueEtaMinutes(T0));
        Assert.Equal(0m, collected.QueueEtaMinutes(Min(30)));
    }

    [Fact]
    public void A_long_queue_pauses_the_restaurant_with_the_reason_and_a_short_one_resumes_it()
    {
        var (s, d) = Given((Define(prep: 12), T0), (Receive("o-1"), T0), (Accept("o-1", 52), T0));
        var pause = Assert.IsType<RestaurantPaused>(d.Events[^1]);
        Assert.False(pause.ByHand);
        Assert.Equal("queue ETA 52 min exceeds 45 min", pause.Reason);
        Assert.Equal(RestaurantStatus.Paused, s.Status);
        var answer = s.TakesOrders();
        Assert.False(answer.Takes);
        Assert.Equal("queue ETA 52 min exceeds 45 min", answer.Reason);

        // Between the limits nothing changes (ETA 40 > 30).
        var (between, check1) = When(s, new CheckKitchenQueue(Id, Min(12)), Min(12));
        Assert.Empty(check1.Events);
        Assert.Equal(RestaurantStatus.Paused, between.Status);
        // Below the resume limit (ETA 29) it resumes by itself.
        var (resumed, check2) = When(between, new CheckKitchenQueue(Id, Min(23)), Min(23));
        Assert.False(Assert.IsType<RestaurantResumed>(Assert.Single(check2.Events)).ByHand);
        Assert.Equal(RestaurantStatus.Open, resumed.Status);
    }

    [Fact]
    public void A_collection_that_shortens_the_queue_lifts_the_automatic_pause()
    {
        var (s, _) = Given((Define(), T0), (Receive("o-1"), T0), (Receive("o-2"), T0), (Accept("o-1", 10), T0), (Accept("o-2", 50), T0));
        Assert.Equal(RestaurantStatus.Paused, s.Status);
        var (after, d) = When(s, Estimate("o-2", Min(5), collected: true), Min(5));
        Assert.Contains(d.Events, e => e is RestaurantResumed { ByHand: false });
        Assert.Equal(RestaurantStatus.Open, after.Status);
    }

    [Fact]
    public void A_pause_by_hand_is_lifted_only_by_hand()
    {
        var (s, d) = Given((Define(), T0), (new PauseRestaurant(Id, "oven broken"), T0), (new CheckKitchenQueue(Id, Min(5)), Min(5)));
        Assert.Empty(d.Events);
        Assert.Equal(RestaurantStatus.Paused, s.Status);
        Assert.Equal("oven broken", s.PausedReason);

        var (resumed, r) = When(s, new ResumeRestaurant(Id), Min(6));
        Assert.True(Assert.IsType<RestaurantResumed>(Assert.Single(r.Events)).ByHand);
        Assert.Equal(RestaurantStatus.Open, resumed.Status);
        Assert.Empty(When(resumed, new ResumeRestaurant(Id), Min(7)).Decision.Events);
    }

    [Fact]
    public void Resuming_by_hand_does_not_lift_an_automatic_pause_while_the_queue_is_long()
    {
        var (s, _) = Given((Define(), T0), (Receive("o-1"), T0), (Accept("o-1", 60), T0), (new PauseRestaurant(Id, "busy"), T0), (new ResumeRestaurant(Id), Min(1)));
        Assert.Equal(RestaurantStatus.Paused, s.Status);
        Assert.StartsWith("queue ETA", s.PausedReason);
    }

    [Fact]
    public void Estimates_and_collections_of_orders_not_in_the_queue_change_nothing_and_are_answered()
    {
        var (s, _) = Given((Define(), T0), (Receive("o-1"), T0), (RejectOrder("o-1"), T0));
        Assert.Empty(When(s, Estimate("o-1", Min(5), collected: true), Min(1)).Decision.Events);
        Assert.False(When(s, Estimate("o-404", Min(5), collected: true), Min(1)).Decision.IsRejected);
    }

    [Fact]
    public void The_view_lists_the_queue_with_ready_times()
    {
        var (s, _) = Given((Define(), T0), (Receive("o-1"), T0), (Receive("o-2"), T0), (Accept("o-1", 10), T0), (RejectOrder("o-2"), T0));
        var view = s.ToView(T0);
        Assert.Equal(["o-1", "o-2"], view.Orders.Select(o => o.OrderId));
        Assert.Equal(Min(10), view.Orders[0].ReadyAt);
        Assert.Equal(KitchenOrderStatus.Rejected, view.Orders[1].Status);
        Assert.Equal(10m, view.QueueEtaMinutes);
    }

    [Fact]
    public void Finished_orders_are_forgotten_a_day_after_they_finished_once_they_owe_nothing()
    {
        var (s, _) = Given((Define(), T0), (Receive("o-1"), T0), (RejectOrder("o-1"), T0), (new AcknowledgeKitchenProgress(Id, "o-1"), T0),
            (Receive("o-2"), T0.AddHours(25)));
        Assert.False(s.Orders.ContainsKey("o-1"));
        Assert.True(s.Orders.ContainsKey("o-2"));
    }

    public static TheoryData<string?, double?, double?, decimal?, string[], string[]> BadDefinitions => new()
    {
        { null, 51.5, -0.1, 12m, [], ["name"] },
        { "  ", 51.5, -0.1, 12m, [], ["name"] },
        { new string('x', 201), 51.5, -0.1, 12m, [], ["name"] },
        { "Bad\nName", 51.5, -0.1, 12m, [], ["name"] },
        { "Pasta", null, null, 12m, [], ["latitude", "longitude"] },
        { "Pasta", 91, -0.1, 12m, [], ["latitude"] },
        { "Pasta", 51.5, -181, 12m, [], ["longitude"] },
        { "Pasta", double.NaN, -0.1, 12m, [], ["latitude"] },
        { "Pasta", 51.5, -0.1, null, [], ["prepMinutes"] },
        { "Pasta", 51.5, -0.1, 0m, [], ["prepMinutes"] },
        { "Pasta", 51.5, -0.1, -3m, [], ["prepMinutes"] },
        { "Pasta", 51.5, -0.1, 240.5m, [], ["prepMinutes"] },
        { "Pasta", 51.5, -0.1, 12m, ["ok-1", "not a sku"], ["menu[1]"] },
        { "Pasta", 51.5, -0.1, 12m, ["ok-1", "ok-1"], ["menu[1]"] },
        { "Pasta", 51.5, -0.1, 12m, [.. Enumerable.Range(0, 501).Select(i => $"sku-{i}")], ["menu"] },
        { null, null, null, null, [], ["latitude", "longitude", "name", "prepMinutes"] },
    };

    [Theory]
    [MemberData(nameof(BadDefinitions))]
    public void A_bad_definition_is_refused_naming_each_field_and_changes_nothing(string? name, double? lat, double? lon, decimal? prep, string[] menu, string[] fields)
    {
        var (s, _) = Given((Define(), T0));
        var location = lat is { } a && lon is { } o ? new GeoPoint(a, o) : null;
        var (after, d) = When(s, new DefineRestaurant(Id, name, location, prep, [.. menu]), Min(1));
        Assert.Equal(RestaurantRejectionCode.Invalid, d.Rejection?.Code);
        Assert.Equal(fields.Order(StringComparer.Ordinal), d.Rejection!.Errors.Select(e => e.Field).Distinct().Order(StringComparer.Ordinal));
        Assert.Empty(d.Events);
        Assert.Equal(s, after);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(241)]
    public void Accepting_with_a_bad_preparation_time_is_refused_naming_prep_minutes(int? prep)
    {
        var (s, _) = Given((Define(), T0), (Receive("o-1"), T0));
        var d = When(s, new AcceptKitchenOrder(Id, "o-1", prep), Min(1)).Decision;
        Assert.Equal("prepMinutes", Assert.Single(d.Rejection!.Errors).Field);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Rejecting_or_pausing_without_a_reason_is_refused_naming_reason(string? reason)
    {
        var (s, _) = Given((Define(), T0), (Receive("o-1"), T0));
        Assert.Equal("reason", Assert.Single(When(s, new RejectKitchenOrder(Id, "o-1", reason), Min(1)).Decision.Rejection!.Errors).Field);
        Assert.Equal("reason", Assert.Single(When(s, new PauseRestaurant(Id, reason), Min(1)).Decision.Rejection!.Errors).Field);
    }

    [Fact]
    public void A_kitchen_order_with_a_bad_drop_off_is_refused()
    {
        var (s, _) = Given((Define(), T0));
        Assert.Equal(RestaurantRejectionCode.Invalid, When(s, Receive("o-1", dropOff: new GeoPoint(100, 0)), T0).Decision.Rejection?.Code);
        Assert.Equal(RestaurantRejectionCode.Invalid, When(s, Receive("bad id"), T0).Decision.Rejection?.Code);
    }
}
