using OrderEngine.Domain.Shipments;

namespace OrderEngine.Domain.Tests;

/// <summary>A parcel's tracking: events deduplicated, ordered by when they happened, and a journey that ends once.</summary>
public class ParcelDeciderTests
{
    private static readonly DateTimeOffset T0 = TestTime.T0;
    private const string Id = "p-1";

    private static ParcelState Apply(ParcelState s, IParcelCommand c, DateTimeOffset? now = null)
    {
        var d = ParcelDecider.Decide(s, c, now ?? T0);
        Assert.False(d.IsRejected, d.Rejection?.Message);
        return ParcelDecider.Fold(s, d.Events);
    }

    private static RecordTrackingUpdate Update(string eventId, ParcelStatus status, int hours, DateTimeOffset? eta = null, string source = "sandbox") =>
        new(Id, "JJD1", source, eventId, status, T0.AddHours(hours), eta, "Berlin", null);

    private static ParcelState Registered() => Apply(ParcelState.Initial(Id), new RegisterParcel(Id, "JJD1", "dhl", "o-1", "sh-1"));

    [Fact]
    public void A_redelivered_event_counts_once_but_the_same_id_from_another_source_is_its_own()
    {
        var s = Apply(Registered(), Update("e1", ParcelStatus.InTransit, 1));

        Assert.Empty(ParcelDecider.Decide(s, Update("e1", ParcelStatus.InTransit, 1), T0).Events);
        Assert.Single(ParcelDecider.Decide(s, Update("e1", ParcelStatus.InTransit, 1, source: "aftership"), T0).Events);
    }

    [Fact]
    public void Events_arriving_out_of_order_are_kept_in_the_order_they_happened()
    {
        var s = Apply(Apply(Registered(), Update("e2", ParcelStatus.OutForDelivery, 5, T0.AddHours(8))), Update("e1", ParcelStatus.InTransit, 1, T0.AddDays(1)));

        Assert.Equal(["e1", "e2"], s.Events.Select(e => e.EventId).ToArray());
        Assert.Equal(ParcelStatus.OutForDelivery, s.Status);
        Assert.Equal(T0.AddHours(8), s.EstimatedDelivery);
    }

    [Fact]
    public void A_journey_ends_once_and_its_orders_are_told_until_they_acknowledge()
    {
        var s = Apply(Registered(), Update("e1", ParcelStatus.Delivered, 3));
        s = Apply(s, Update("e2", ParcelStatus.InTransit, 4)); // a late scan after delivery

        Assert.Equal(ParcelStatus.Delivered, s.Status);
        Assert.Null(s.EstimatedDelivery);
        Assert.Equal([new ParcelOutcomeDue("o-1", "sh-1", ParcelStatus.Delivered, T0.AddHours(3))], s.OutcomesDue.ToArray());

        s = Apply(s, new AcknowledgeParcelOutcome(Id, "o-1", "sh-1", ParcelStatus.Delivered));
        Assert.Empty(s.OutcomesDue);
        Assert.Empty(ParcelDecider.Decide(s, new AcknowledgeParcelOutcome(Id, "o-1", "sh-1", ParcelStatus.Delivered), T0).Events);
    }

    [Fact]
    public void Tracking_that_arrives_before_the_shipment_is_kept_and_the_order_is_told_once_it_registers()
    {
        var s = Apply(ParcelState.Initial(Id), Update("e1", ParcelStatus.ReturnedToSender, 2));
        Assert.Empty(s.OutcomesDue);

        s = Apply(s, new RegisterParcel(Id, "JJD1", "dhl", "o-1", "sh-1"));

        Assert.Equal(ParcelStatus.ReturnedToSender, Assert.Single(s.OutcomesDue).Outcome);
        Assert.Empty(ParcelDecider.Decide(s, new RegisterParcel(Id, "JJD1", "dhl", "o-1", "sh-1"), T0).Events);
    }

    [Fact]
    public void A_parcel_carrying_shipments_of_two_orders_tells_both()
    {
        var s = Apply(Apply(Registered(), new RegisterParcel(Id, "JJD1", "dhl", "o-2", "sh-9")), Update("e1", ParcelStatus.Delivered, 3));

        Assert.Equal(["o-1", "o-2"], s.OutcomesDue.Select(d => d.OrderId).ToArray());
    }

    [Fact]
    public void A_parcel_keeps_a_bounded_history_but_never_drops_how_it_ended()
    {
        var s = Apply(Registered(), Update("final", ParcelStatus.Delivered, 0));
        for (var i = 0; i < ParcelDecider.MaxEvents + 10; i++) s = Apply(s, Update("e" + i, ParcelStatus.InTransit, i + 1));

        Assert.Equal(ParcelDecider.MaxEvents, s.Events.Length);
        Assert.Equal(ParcelStatus.Delivered, s.Status);
    }

    [Theory]
    [InlineData("", "JJD1")]
    [InlineData("e1", "")]
    public void A_tracking_update_without_an_event_id_or_tracking_number_is_refused(string eventId, string tracking)
    {
        var d = ParcelDecider.Decide(Registered(), Update("x", ParcelStatus.InTransit, 1) with { EventId = eventId, TrackingNumber = tracking }, T0);

        Assert.Equal(ParcelRejectionCode.Invalid, d.Rejection!.Code);
        Assert.Empty(d.Events);
    }
}
