using OrderEngine.Domain.Orders;
using static OrderEngine.Domain.Tests.OrderTestKit;

namespace OrderEngine.Domain.Tests;

/// <summary>A cancellation names who cancelled: in its event, the order's history and the timeline.</summary>
public class CancelAttributionTests
{
    [Fact]
    public void A_cancellation_is_attributed_to_who_cancelled_in_its_event_history_and_timeline()
    {
        var d = When(Reserved(), new CancelOrder(OrderId, "changed my mind", "key:ann"), T0.AddMinutes(5));

        var cancelled = Assert.IsType<OrderCancelled>(Assert.Single(d.Events));
        Assert.Equal("key:ann", cancelled.By);
        Assert.Equal("key:ann", OrderTimeline.CausedBy(cancelled));
        var state = OrderDecider.Fold(Reserved(), d.Events);
        Assert.Equal("key:ann", state.History[^1].By);
    }

    [Fact]
    public void A_cancellation_recorded_without_a_name_is_the_customers()
    {
        Assert.Equal("customer", OrderTimeline.CausedBy(new OrderCancelled(OrderId, "changed my mind", T0)));
    }
}
