using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Payments;
using static OrderEngine.Domain.Tests.OrderTestKit;

namespace OrderEngine.Domain.Tests;

/// <summary>
/// Helpers for payments, review and refunds on top of <see cref="OrderTestKit"/>: rules with a review and an anomaly
/// policy, provider payments, refunds, and the states along those paths (built through the decider itself).
/// </summary>
internal static class PaymentTestKit
{
    public const string Blocked = "cust-blocked";

    public const string Provider = "stripe";

    /// <summary>A review that holds orders of <see cref="Blocked"/> for 30 minutes; nothing else.</summary>
    public static readonly ReviewRules Review = ReviewRules.None with { BlockedCustomers = [Blocked], ReviewWithin = TimeSpan.FromMinutes(30) };

    public static OrderRules RulesWith(ReviewRules? review = null, AnomalyPolicy policy = AnomalyPolicy.Refund) =>
        OrderRules.Default with { Review = review ?? Review, OnPaymentAnomaly = policy };

    /// <summary>15 minutes hold, the review above, anomalous payments refunded.</summary>
    public static readonly OrderRules Refunding = RulesWith();

    /// <summary>As <see cref="Refunding"/>, but an anomalous payment of a live order holds the order instead.</summary>
    public static readonly OrderRules Holding = RulesWith(policy: AnomalyPolicy.Hold);

    /// <summary>When the reservation of the kit's orders completes.</summary>
    public static readonly DateTimeOffset ReservedAt = T0.AddSeconds(1);

    /// <summary>The review deadline of an order held at <see cref="ReservedAt"/> under <see cref="Review"/>.</summary>
    public static readonly DateTimeOffset ReviewBy = ReservedAt + TimeSpan.FromMinutes(30);

    public static Decision<IOrderEvent, OrderRejection> Decide(OrderState state, IOrderCommand command, DateTimeOffset now, OrderRules? rules = null) =>
        OrderDecider.Decide(state, command, now, rules ?? Refunding);

    /// <summary>Decides and evolves, failing the test if the command is refused.</summary>
    public static OrderState Then(this OrderState state, IOrderCommand command, DateTimeOffset now, OrderRules? rules = null)
    {
        var d = Decide(state, command, now, rules);
        Assert.False(d.IsRejected, $"expected {command} to be accepted, got {d.Rejection}");
        return OrderDecider.Fold(state, d.Events);
    }

    public static OrderState After(this OrderState state, Decision<IOrderEvent, OrderRejection> d) => OrderDecider.Fold(state, d.Events);

    public static RecordProviderPayment ProviderPay(string eventId = "evt-1", string paymentId = "psp-1", decimal amount = Total, string currency = "EUR",
        string provider = Provider) => new(OrderId, provider, eventId, paymentId, amount, currency);

    public static RequestRefund Refund(string refundId = "rf-1", decimal? amount = null, params RefundLine[] lines) =>
        new(OrderId, refundId, amount, [.. lines], "customer asked", "operator:ann");

    public static RecordRefundOutcome RefundOk(string refundId = "rf-1", string? eventId = null) => new(OrderId, refundId, true, "re_" + refundId, null, eventId);

    public static RecordRefundOutcome RefundKo(string refundId = "rf-1", string? reason = "card closed", string? eventId = null) =>
        new(OrderId, refundId, false, null, reason, eventId);

    public static ReviewOrder Approve(string reason = "looks fine") => new(OrderId, true, reason, "ann");

    public static ReviewOrder RejectReview(string reason = "fraud") => new(OrderId, false, reason, "ann");

    // ---- states -------------------------------------------------------------------------------------------------

    public static OrderState PlacedWith(PaymentMethod method = PaymentMethod.Card, string customer = "cust-1", OrderRules? rules = null) =>
        Given().Then(Place() with { PaymentMethod = method, CustomerId = customer }, T0, rules);

    /// <summary>Every line reserved, review passed: awaiting payment until <see cref="OrderTestKit.ExpiresAt"/>.</summary>
    public static OrderState ReservedOrder(OrderRules? rules = null) => PlacedWith(rules: rules).Then(AllReserved(), ReservedAt, rules);

    /// <summary>Held by the review (blocked customer) until <see cref="ReviewBy"/>, unpaid.</summary>
    public static OrderState Held(PaymentMethod method = PaymentMethod.Card, OrderRules? rules = null) =>
        PlacedWith(method, Blocked, rules).Then(AllReserved(), ReservedAt, rules);

    /// <summary>Held, then paid by the provider at minute 2: still on hold.</summary>
    public static OrderState HeldPaid(OrderRules? rules = null) => Held(rules: rules).Then(ProviderPay(), T0.AddMinutes(2), rules);

    /// <summary>Cash on delivery, every line reserved: confirmed without payment.</summary>
    public static OrderState CashOnDeliveryConfirmed() => PlacedWith(PaymentMethod.CashOnDelivery).Then(AllReserved(), ReservedAt);

    /// <summary>Paid through the provider (event evt-1, payment psp-1) at minute 5.</summary>
    public static OrderState PaidByProvider(OrderRules? rules = null) => ReservedOrder(rules).Then(ProviderPay(), T0.AddMinutes(5), rules);

    /// <summary>Paid through the provider and its stock committed at minute 6: lines may be refunded.</summary>
    public static OrderState PaidSettled() => PaidByProvider().Then(new MarkStockSettled(OrderId), T0.AddMinutes(6));

    public static FieldError SingleFieldError(Decision<IOrderEvent, OrderRejection> d)
    {
        var r = Refused(d, OrderRejectionCode.Invalid);
        return Assert.Single(r.Errors);
    }
}
