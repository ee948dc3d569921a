using System.Collections.Immutable;
using OrderEngine.Domain.Orders;

namespace OrderEngine.Domain.Tests;

public class OrderDeadlinesTests
{
    private static readonly DateTimeOffset T = TestTime.T0;
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

    [Fact]
    public void A_placed_order_is_tracked_with_its_hold_and_must_finish_reserving_within_the_grace()
    {
        var placed = new OrderPlaced("o1", "web", "c", "EUR", ImmutableArray.Create(new OrderLine("A", 1, 1m, 1m)), 1m, null, T.AddMinutes(15), T);
        Assert.Equal(new OrderDeadlines.Track("o1", T.AddMinutes(15), T + Grace), OrderDeadlines.Of(placed, Grace));
    }

    [Fact]
    public void A_placement_written_reserved_is_next_due_when_its_hold_ends()
    {
        var placed = new OrderPlaced("o1", "web", "c", "EUR", ImmutableArray.Create(new OrderLine("A", 1, 1m, 1m)), 1m, null, T.AddMinutes(15), T,
            Outcome: new PlacementOutcome(OrderStatus.Reserved, [], null, T.AddSeconds(1)));
        Assert.Equal(new OrderDeadlines.Track("o1", T.AddMinutes(15), T.AddMinutes(15)), OrderDeadlines.Of(placed, Grace));
    }

    [Fact]
    public void A_placement_written_on_hold_is_due_at_its_review_deadline_and_a_cash_on_delivery_one_owes_nothing()
    {
        var placed = new OrderPlaced("o1", "web", "c", "EUR", ImmutableArray.Create(new OrderLine("A", 1, 1m, 1m)), 1m, null, T.AddMinutes(15), T);
        var held = placed with { Outcome = new PlacementOutcome(OrderStatus.OnHold, ["blocked"], T.AddHours(24), T) };
        var confirmed = placed with { Outcome = new PlacementOutcome(OrderStatus.Confirmed, [], null, T) };

        Assert.Equal(new OrderDeadlines.Track("o1", T.AddHours(24), T.AddHours(24)), OrderDeadlines.Of(held, Grace));
        Assert.Equal(new OrderDeadlines.Forget("o1"), OrderDeadlines.Of(confirmed, Grace));
    }

    [Fact]
    public void A_reserved_order_is_next_due_when_its_hold_ends()
    {
        Assert.Equal(new OrderDeadlines.DueAtHoldEnd("o1"), OrderDeadlines.Of(new OrderReserved("o1", T), Grace));
    }

    [Fact]
    public void Paid_rejected_cancelled_and_expired_orders_owe_a_stock_step_within_the_grace()
    {
        IOrderEvent[] events =
        [
            new PaymentConfirmed("o1", 1m, "EUR", "p", T),
            new OrderRejected("o1", [], T),
            new OrderCancelled("o1", "x", T),
            new OrderExpired("o1", T),
        ];
        Assert.All(events, e => Assert.Equal(new OrderDeadlines.DueBy("o1", T + Grace), OrderDeadlines.Of(e, Grace)));
    }

    [Fact]
    public void A_settled_order_is_forgotten()
    {
        Assert.Equal(new OrderDeadlines.Forget("o1"), OrderDeadlines.Of(new OrderStockSettled("o1", T), Grace));
    }
}
