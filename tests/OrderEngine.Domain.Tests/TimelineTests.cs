using System.Collections.Immutable;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Payments;
using static OrderEngine.Domain.Tests.OrderTestKit;

namespace OrderEngine.Domain.Tests;

/// <summary>Who caused each order event and how the timeline says it in a sentence.</summary>
public class TimelineTests
{
    private static readonly DateTimeOffset At = T0.AddMinutes(3);

    /// <summary>One event of every type, with what the timeline must say of it.</summary>
    private static readonly ImmutableArray<(IOrderEvent Event, string By, string Summary)> Cases =
    [
        (new OrderPlaced(OrderId, "web", "cust-1", "EUR", [new OrderLine("SKU-A", 2, 9.99m, 19.98m), new OrderLine("SKU-B", 3, 0.50m, 1.50m)], Total, null,
            ExpiresAt, T0, PaymentMethod.Alipay), "channel:web", "placed: 2 line(s), total 21.48 EUR, Alipay"),
        (new OrderReserved(OrderId, At), "system", "every line reserved; awaiting payment"),
        (new OrderConfirmed(OrderId, At), "system", "every line reserved; cash on delivery"),
        (new OrderHeld(OrderId, ["customer c is on the block list", "shipping country ZZ is not served"], At.AddHours(1), At), "system",
            "held for review: customer c is on the block list; shipping country ZZ is not served"),
        (new OrderApproved(OrderId, "ann", "known customer", At.AddMinutes(15), At), "operator:ann", "approved in review: known customer"),
        (new OrderRejected(OrderId, [new LineRejection("SKU-B", "InsufficientStock", "requested 3, available 1")], At), "system",
            "rejected: SKU-B: requested 3, available 1"),
        (new PaymentConfirmed(OrderId, Total, "EUR", "psp-1", At, "stripe", "evt-1"), "provider:stripe", "paid 21.48 EUR (reference psp-1)"),
        (new PaymentAnomalyRecorded(OrderId, "stripe", "evt-2", "psp-2", 30m, "EUR", "amount 30 differs from the order total 21.48", At), "provider:stripe",
            "payment psp-2 of 30 EUR not accepted: amount 30 differs from the order total 21.48"),
        (new OrderCancelled(OrderId, "fraud", At, "operator:ann"), "operator:ann", "cancelled: fraud"),
        (new OrderExpired(OrderId, At), "system", "expired: not paid or reviewed in time"),
        (new OrderStockSettled(OrderId, At), "system", "stock settled"),
        (new RefundRequested(OrderId, "rf-1", "psp-1", "stripe", 5m, "EUR", [], "damaged", "operator:ann", At), "operator:ann",
            "refund rf-1 of 5 EUR requested: damaged"),
        (new RefundSucceeded(OrderId, "rf-1", "re_1", At), "provider", "refund rf-1 succeeded (re_1)"),
        (new RefundFailed(OrderId, "rf-1", "card closed", At), "provider", "refund rf-1 failed: card closed"),
        (new RefundRestocked(OrderId, "rf-1", At), "system", "units of refund rf-1 back on sale"),
        (new ShipmentRecorded(OrderId, "sh-1", [new ShipmentLine("SKU-A", 2)], "dhl", "JJD01", "p1", At), "warehouse",
            "shipment sh-1 left with dhl, tracking JJD01: 2 x SKU-A"),
        (new ShipmentMoved(OrderId, "sh-1", ShipmentMovement.Left, At), "system", "units of shipment sh-1 left stock"),
        (new ShipmentDelivered(OrderId, "sh-1", T0, At), "carrier", "shipment sh-1 delivered at 2025-03-01T12:00:00.0000000+00:00"),
        (new ShipmentReturnedToSender(OrderId, "sh-1", T0, At), "carrier", "shipment sh-1 returned to sender at 2025-03-01T12:00:00.0000000+00:00"),
        (new ShippingMethodChosen(OrderId, new ShippingMethods.ShippingChoice("standard", ShippingMethods.ShippingKind.Standard, "DHL", 4.90m, "EUR", null, null,
            "cheapest eligible", "ann"), At), "operator:ann", "shipping method standard: cheapest eligible"),
        (new KitchenNotified(OrderId, "r-1", At), "restaurant:r-1", "sent to the kitchen of restaurant r-1"),
        (new DeliveryLeftStock(OrderId, At), "system", "units of the delivery left stock"),
        (new DeliveryProgressRecorded(OrderId, "k-1", DeliveryStage.KitchenAccepted, null, T0, "ready in 12 min", At, At), "restaurant",
            "delivery: the kitchen accepted the order; ETA 2025-03-01T12:00:00.0000000+00:00; ready in 12 min (stage k-1)"),
        (new ReturnRegistered(OrderId, "rma-1", [new ReturnLine("SKU-A", 2)], 19.98m, At), "return:rma-1", "return rma-1 holds 2 x SKU-A (value 19.98)"),
        (new ReturnReleased(OrderId, "rma-1", At), "return:rma-1", "return rma-1 rejected: its units are returnable again"),
        (new ReturnSettled(OrderId, "rma-1", 7.98m, "r-1", 12m, "x-1", "ex-1", At), "return:rma-1", "return rma-1 exchanged for order ex-1: credit 12, refunded 7.98"),
    ];

    public static TheoryData<string> EventTypes() => [.. Cases.Select(c => c.Event.GetType().Name)];

    private static (IOrderEvent Event, string By, string Summary) Case(string type) => Cases.Single(c => c.Event.GetType().Name == type);

    [Fact]
    public void Every_order_event_type_has_a_timeline_case()
    {
        var types = typeof(IOrderEvent).Assembly.GetTypes()
            .Where(t => typeof(IOrderEvent).IsAssignableFrom(t) && t is { IsClass: true, IsAbstract: false })
            .Select(t => t.Name).Order();

        Assert.Equal(types, Cases.Select(c => c.Event.GetType().Name).Order());
    }

    [Theory]
    [MemberData(nameof(EventTypes))]
    public void Each_event_says_who_caused_it(string type)
    {
        var (e, by, _) = Case(type);

        Assert.Equal(by, OrderTimeline.CausedBy(e));
    }

    [Theory]
    [MemberData(nameof(EventTypes))]
    public void Each_event_has_its_own_summary(string type)
    {
        var (e, _, summary) = Case(type);

        Assert.Equal(summary, OrderTimeline.Summary(e));
        Assert.NotEqual(type, OrderTimeline.Summary(e));
    }

    [Fact]
    public void An_operator_payment_is_caused_by_the_operator()
    {
        Assert.Equal("operator", OrderTimeline.CausedBy(new PaymentConfirmed(OrderId, Total, "EUR", "pay-1", At)));
    }

    [Fact]
    public void A_cancellation_without_who_is_caused_by_the_customer()
    {
        Assert.Equal("customer", OrderTimeline.CausedBy(new OrderCancelled(OrderId, "changed my mind", At)));
    }

    [Fact]
    public void A_refund_outcome_from_a_webhook_says_so()
    {
        Assert.Equal("provider (webhook)", OrderTimeline.CausedBy(new RefundSucceeded(OrderId, "rf-1", "re_1", At, "evt-9")));
        Assert.Equal("provider (webhook)", OrderTimeline.CausedBy(new RefundFailed(OrderId, "rf-1", "card closed", At, "evt-9")));
    }

    [Fact]
    public void An_automatic_refund_is_caused_by_the_system()
    {
        var s = PaymentTestKit.ReservedOrder().Then(PaymentTestKit.ProviderPay(amount: 1m), T0.AddMinutes(5));
        var requested = new RefundRequested(OrderId, s.Refunds[0].RefundId, "psp-1", "stripe", 1m, "EUR", [], s.Refunds[0].Reason, s.Refunds[0].By, At);

        Assert.Equal("system", OrderTimeline.CausedBy(requested));
    }

    [Fact]
    public void An_approval_without_a_reason_and_a_refund_without_a_provider_id_say_no_more()
    {
        Assert.Equal("approved in review", OrderTimeline.Summary(new OrderApproved(OrderId, "ann", "", At, At)));
        Assert.Equal("refund rf-1 succeeded", OrderTimeline.Summary(new RefundSucceeded(OrderId, "rf-1", null, At)));
    }

    [Fact]
    public void An_unknown_event_is_summarised_by_its_type_and_caused_by_the_system()
    {
        var e = new SomethingElse(OrderId, At);

        Assert.Equal(("system", nameof(SomethingElse)), (OrderTimeline.CausedBy(e), OrderTimeline.Summary(e)));
    }

    private sealed record SomethingElse(string OrderId, DateTimeOffset At) : IOrderEvent;

    [Fact]
    public void The_order_history_names_who_moved_it()
    {
        var s = PaymentTestKit.HeldPaid().Then(PaymentTestKit.Approve(), T0.AddMinutes(10)).Then(PaymentTestKit.Refund(), T0.AddMinutes(11))
            .Then(PaymentTestKit.RefundOk(), T0.AddMinutes(12));

        Assert.Equal(
            [
                (OrderStatus.Placed, "channel:web"),
                (OrderStatus.OnHold, "system"),
                (OrderStatus.OnHold, "provider:stripe"),
                (OrderStatus.Paid, "operator:ann"),
                (OrderStatus.Refunded, "system"),
            ],
            s.History.Select(h => (h.Status, h.By!)).ToArray());
    }
}
