using System.Collections.Immutable;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Payments;
using static OrderEngine.Domain.Tests.OrderTestKit;

namespace OrderEngine.Domain.Tests;

/// <summary>A placement is reserved first and written once, with what it became; a refused one places nothing.</summary>
public sealed class PlacementDeciderTests
{
    private static readonly DateTimeOffset Reserved1s = T0.AddSeconds(1);

    private static OrderPlaced Pending(PlaceOrder? place = null) => (OrderPlaced)SingleEvent(When(Given(), place ?? Place()));

    private static ImmutableArray<LineReservationOutcome> AllLines(bool bReserved = true) =>
        [new("SKU-A", true, null, null), bReserved ? new("SKU-B", true, null, null) : new("SKU-B", false, "InsufficientStock", "requested 3, available 1")];

    [Fact]
    public void Every_line_reserved_gives_one_placement_event_carrying_the_reserved_outcome()
    {
        var d = OrderDecider.DecidePlacement(Pending(), AllLines(), null, Reserved1s, Rules);

        Assert.Null(d.Refusal);
        Assert.Empty(d.Release);
        var placed = Assert.IsType<OrderPlaced>(d.Placed);
        Assert.Equal((OrderStatus.Reserved, (DateTimeOffset?)null, Reserved1s), (placed.Outcome!.Status, placed.Outcome.ReviewBy, placed.Outcome.At));
        Assert.Empty(placed.Outcome.HoldReasons);
        var state = Given(placed);
        Assert.Equal(OrderStatus.Reserved, state.Status);
        Assert.Equal(ExpiresAt, state.ExpiresAt);
        Assert.Equal([OrderStatus.Placed, OrderStatus.Reserved], state.History.Select(h => h.Status));
        Assert.Equal(PendingStockAction.None, state.PendingStock);
    }

    [Fact]
    public void The_one_event_folds_to_the_same_order_as_an_earlier_versions_placement_and_outcome()
    {
        var one = Given(OrderDecider.DecidePlacement(Pending(), AllLines(), null, Reserved1s, Rules).Placed!);
        var two = Apply(Apply(Given(), Place()), AllReserved(), Reserved1s);

        // Records holding immutable arrays compare them by reference: compare their serialized form.
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(two.ToView()), System.Text.Json.JsonSerializer.Serialize(one.ToView()));
        Assert.Equal(two.History.ToArray(), one.History.ToArray());
    }

    [Fact]
    public void A_refused_line_places_no_order_names_the_refused_lines_and_gives_back_the_reserved_ones()
    {
        var d = OrderDecider.DecidePlacement(Pending(), AllLines(bReserved: false), null, Reserved1s, Rules);

        Assert.Null(d.Placed);
        Assert.Equal(OrderRejectionCode.LinesNotReserved, d.Refusal!.Code);
        Assert.Equal([new LineRejection("SKU-B", "InsufficientStock", "requested 3, available 1")], d.Refusal.Lines.ToArray());
        Assert.Equal(["SKU-A"], d.Release.ToArray());
    }

    [Fact]
    public void Every_line_refused_gives_nothing_back()
    {
        var d = OrderDecider.DecidePlacement(Pending(),
            [new("SKU-A", false, "UnknownSku", "not stocked"), new("SKU-B", false, null, null)], null, Reserved1s, Rules);

        Assert.Empty(d.Release);
        Assert.Equal(["UnknownSku", "Refused"], d.Refusal!.Lines.Select(l => l.Code));
        Assert.Equal("the line could not be reserved", d.Refusal.Lines[1].Reason);
    }

    [Fact]
    public void Cash_on_delivery_is_confirmed_in_the_same_event()
    {
        var pending = Pending(Place() with { PaymentMethod = PaymentMethod.CashOnDelivery });
        var placed = OrderDecider.DecidePlacement(pending, AllLines(), null, Reserved1s, Rules).Placed!;

        Assert.Equal(OrderStatus.Confirmed, placed.Outcome!.Status);
        Assert.Equal(OrderStatus.Confirmed, Given(placed).Status);
    }

    [Fact]
    public void A_review_hold_is_carried_with_its_reasons_and_review_deadline()
    {
        var rules = Rules with { Review = Rules.ReviewRules with { BlockedCustomers = ImmutableHashSet.Create("cust-1") } };
        var placed = OrderDecider.DecidePlacement(Pending(), AllLines(), null, Reserved1s, rules).Placed!;

        Assert.Equal(OrderStatus.OnHold, placed.Outcome!.Status);
        Assert.NotEmpty(placed.Outcome.HoldReasons);
        var state = Given(placed);
        Assert.Equal(OrderStatus.OnHold, state.Status);
        Assert.Equal(placed.Outcome.HoldReasons, state.HoldReasons);
        Assert.Equal(Reserved1s + rules.ReviewRules.ReviewWithin, state.ExpiresAt);
    }

    [Fact]
    public void The_velocity_rule_counts_the_customers_recent_orders()
    {
        var rules = Rules with { Review = Rules.ReviewRules with { MaxOrdersPerCustomer = 2 } };

        Assert.Equal(OrderStatus.Reserved, OrderDecider.DecidePlacement(Pending(), AllLines(), 2, Reserved1s, rules).Placed!.Outcome!.Status);
        Assert.Equal(OrderStatus.OnHold, OrderDecider.DecidePlacement(Pending(), AllLines(), 3, Reserved1s, rules).Placed!.Outcome!.Status);
    }

    [Fact]
    public void A_placement_without_an_outcome_for_every_line_throws()
    {
        Assert.Throws<ArgumentException>(() => OrderDecider.DecidePlacement(Pending(), [new("SKU-A", true, null, null)], null, Reserved1s, Rules));
    }

    [Fact]
    public void A_written_placement_answers_its_repeat_as_done()
    {
        var state = Given(OrderDecider.DecidePlacement(Pending(), AllLines(), null, Reserved1s, Rules).Placed!);

        Assert.Empty(When(state, Place()).Events);
        Assert.False(When(state, Place()).IsRejected);
        Refused(When(state, Place() with { CustomerId = "someone-else" }), OrderRejectionCode.IdempotencyConflict);
    }

    [Fact]
    public void The_timeline_tells_the_placement_and_its_outcome_in_one_entry()
    {
        var placed = OrderDecider.DecidePlacement(Pending(), AllLines(), null, Reserved1s, Rules).Placed!;

        Assert.Equal("placed: 2 line(s), total 21.48 EUR, Card; every line reserved; awaiting payment", OrderTimeline.Summary(placed));
    }
}
