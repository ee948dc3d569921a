using System.Collections.Immutable;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Payments;
using static OrderEngine.Domain.Tests.OrderTestKit;
using static OrderEngine.Domain.Tests.PaymentTestKit;

namespace OrderEngine.Domain.Tests;

/// <summary>The automatic review on placement, the operator's review decision, and the review deadline.</summary>
public class ReviewDeciderTests
{
    private static readonly TimeSpan ReviewWithin = TimeSpan.FromMinutes(30);

    private static OrderRules With(ReviewRules review) => RulesWith(review with { ReviewWithin = ReviewWithin });

    /// <summary>Places the kit's order (or a variant) under <paramref name="rules"/> and completes its reservation.</summary>
    private static Decision<IOrderEvent, OrderRejection> Complete(OrderRules rules, Func<PlaceOrder, PlaceOrder>? vary = null, int? recentOrders = null,
        CompleteReservation? outcomes = null)
    {
        var placed = Given().Then((vary ?? (p => p))(Place()), T0, rules);
        return Decide(placed, (outcomes ?? AllReserved()) with { RecentOrdersOfCustomer = recentOrders }, ReservedAt, rules);
    }

    private static OrderHeld HeldBy(Decision<IOrderEvent, OrderRejection> d) => Assert.IsType<OrderHeld>(SingleEvent(d));

    // ---------------------------------------------------------------- the rules

    [Fact]
    public void An_order_above_the_threshold_of_its_currency_is_held()
    {
        var rules = With(ReviewRules.None with { HoldAboveTotal = ImmutableDictionary<string, decimal>.Empty.Add("EUR", 20m) });

        var held = HeldBy(Complete(rules));

        Assert.Equal(["total 21.48 EUR is above the review threshold of 20 EUR"], held.Reasons.ToArray());
        Assert.Equal(ReservedAt + ReviewWithin, held.ReviewBy);
    }

    [Fact]
    public void An_order_at_the_threshold_or_in_a_currency_without_one_is_not_held()
    {
        var rules = With(ReviewRules.None with { HoldAboveTotal = ImmutableDictionary<string, decimal>.Empty.Add("EUR", Total).Add("USD", 1m) });

        Assert.IsType<OrderReserved>(SingleEvent(Complete(rules)));
        var otherCurrency = With(ReviewRules.None with { HoldAboveTotal = ImmutableDictionary<string, decimal>.Empty.Add("USD", 1m) });
        Assert.IsType<OrderReserved>(SingleEvent(Complete(otherCurrency)));
    }

    [Fact]
    public void An_order_to_a_country_not_served_is_held()
    {
        var rules = With(ReviewRules.None with { ServedCountries = ["FR", "AT"] });

        Assert.Equal(["shipping country DE is not served"], HeldBy(Complete(rules)).Reasons.ToArray());
        Assert.IsType<OrderReserved>(SingleEvent(Complete(rules, p => p with { ShippingAddress = Shipping with { Country = "AT" } })));
    }

    [Fact]
    public void Without_served_countries_every_country_is_served()
    {
        Assert.IsType<OrderReserved>(SingleEvent(Complete(With(ReviewRules.None with { ServedCountries = [] }), p => p with { ShippingAddress = Shipping with { Country = "ZZ" } })));
    }

    [Theory]
    [InlineData("name")]
    [InlineData("line1")]
    [InlineData("city")]
    [InlineData("postalCode")]
    [InlineData("country")]
    public void An_order_with_an_incomplete_address_is_held_naming_what_is_missing(string part)
    {
        var rules = With(ReviewRules.None with { RequireCompleteAddress = true });
        var address = part switch
        {
            "name" => Shipping with { Name = " " },
            "line1" => Shipping with { Line1 = null },
            "city" => Shipping with { City = "" },
            "postalCode" => Shipping with { PostalCode = null },
            _ => Shipping with { Country = null },
        };

        Assert.Equal([$"incomplete shipping address: {part} missing"], HeldBy(Complete(rules, p => p with { ShippingAddress = address })).Reasons.ToArray());
    }

    [Fact]
    public void An_order_without_an_address_is_held_when_the_address_must_be_complete()
    {
        var rules = With(ReviewRules.None with { RequireCompleteAddress = true });

        Assert.Equal(["incomplete shipping address: name, line1, city, postalCode, country missing"],
            HeldBy(Complete(rules, p => p with { ShippingAddress = null })).Reasons.ToArray());
        Assert.IsType<OrderReserved>(SingleEvent(Complete(rules))); // line2, region and phone are optional
    }

    [Fact]
    public void An_order_of_a_blocked_customer_is_held()
    {
        var rules = With(ReviewRules.None with { BlockedCustomers = ["cust-9"] });

        Assert.Equal(["customer cust-9 is on the block list"], HeldBy(Complete(rules, p => p with { CustomerId = "cust-9" })).Reasons.ToArray());
        Assert.IsType<OrderReserved>(SingleEvent(Complete(rules)));
    }

    [Fact]
    public void A_customer_with_too_many_recent_orders_is_held()
    {
        var rules = With(ReviewRules.None with { MaxOrdersPerCustomer = 3, OrdersWindow = TimeSpan.FromHours(1) });

        var held = HeldBy(Complete(rules, recentOrders: 4));

        var reason = Assert.Single(held.Reasons.ToArray());
        Assert.Contains("cust-1 placed 4 orders within 01:00:00; more than 3", reason);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(1)]
    [InlineData(null)]
    public void A_customer_within_the_order_limit_or_not_counted_is_not_held(int? recentOrders)
    {
        var rules = With(ReviewRules.None with { MaxOrdersPerCustomer = 3 });

        Assert.IsType<OrderReserved>(SingleEvent(Complete(rules, recentOrders: recentOrders)));
    }

    [Fact]
    public void Without_an_order_limit_the_count_does_not_matter()
    {
        Assert.IsType<OrderReserved>(SingleEvent(Complete(With(ReviewRules.None), recentOrders: 1000)));
    }

    [Fact]
    public void Every_failed_rule_is_a_reason()
    {
        var rules = With(new ReviewRules(
            ImmutableDictionary<string, decimal>.Empty.Add("EUR", 1m), ["FR"], true, ["cust-1"], 2, TimeSpan.FromHours(1), ReviewWithin));

        var held = HeldBy(Complete(rules, p => p with { ShippingAddress = Shipping with { City = null } }, recentOrders: 5));

        Assert.Equal(5, held.Reasons.Length);
        Assert.Collection(held.Reasons,
            r => Assert.StartsWith("total", r),
            r => Assert.StartsWith("shipping country", r),
            r => Assert.StartsWith("incomplete shipping address: city", r),
            r => Assert.Contains("block list", r),
            r => Assert.Contains("placed 5 orders", r));
    }

    [Fact]
    public void A_refused_line_rejects_the_order_before_any_review()
    {
        var d = Complete(With(ReviewRules.None with { BlockedCustomers = ["cust-1"] }), outcomes: SecondRefused());

        Assert.IsType<OrderRejected>(SingleEvent(d));
    }

    [Fact]
    public void A_held_order_keeps_its_reservation_until_its_review_deadline()
    {
        var s = Held();

        Assert.Equal(OrderStatus.OnHold, s.Status);
        Assert.Equal(["customer cust-blocked is on the block list"], s.HoldReasons.ToArray());
        Assert.Equal(ReviewBy, s.ExpiresAt);
        Assert.Equal(PendingStockAction.None, s.PendingStock);
        Assert.Equal(new StatusChange(OrderStatus.OnHold, ReservedAt, "customer cust-blocked is on the block list", "system"), s.History[^1]);
        Assert.Equal(ReviewBy, s.ToView().ExpiresAt);
    }

    [Fact]
    public void A_review_deadline_sooner_than_the_hold_does_not_shorten_it()
    {
        var rules = RulesWith(Review with { ReviewWithin = TimeSpan.FromMinutes(5) });

        var s = Held(rules: rules);

        Assert.Equal(ExpiresAt, s.ExpiresAt);
    }

    [Fact]
    public void A_held_order_is_due_at_its_review_deadline()
    {
        var held = new OrderHeld(OrderId, ["x"], ReviewBy, ReservedAt);

        Assert.Equal(new OrderDeadlines.DueBy(OrderId, ReviewBy), OrderDeadlines.Of(held, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void A_confirmed_cash_on_delivery_order_is_not_tracked_by_deadlines()
    {
        Assert.Equal(new OrderDeadlines.Forget(OrderId), OrderDeadlines.Of(new OrderConfirmed(OrderId, ReservedAt), TimeSpan.FromSeconds(10)));
    }

    // ---------------------------------------------------------------- ReviewOrder

    [Fact]
    public void Approving_a_held_order_lets_it_await_payment_with_a_new_hold()
    {
        var now = T0.AddMinutes(20);
        var d = Decide(Held(), Approve("known customer"), now);

        Assert.Equal(new OrderApproved(OrderId, "ann", "known customer", now + Refunding.HoldTime, now), SingleEvent(d));
        var s = Held().After(d);
        Assert.Equal(OrderStatus.Reserved, s.Status);
        Assert.Empty(s.HoldReasons.ToArray());
        Assert.Equal(now + Refunding.HoldTime, s.ExpiresAt);
        Assert.Equal(new StatusChange(OrderStatus.Reserved, now, "known customer", "operator:ann"), s.History[^1]);
        Assert.IsType<PaymentConfirmed>(SingleEvent(Decide(s, Pay(), now + Refunding.HoldTime - TimeSpan.FromTicks(1))));
    }

    [Fact]
    public void Approving_without_a_reason_is_recorded_as_approved_in_review()
    {
        var s = Held().Then(new ReviewOrder(OrderId, true, null!, "ann"), T0.AddMinutes(3));

        Assert.Equal("approved in review", s.History[^1].Reason);
        Assert.Equal("", Assert.IsType<OrderApproved>(SingleEvent(Decide(Held(), new ReviewOrder(OrderId, true, null!, "ann"), T0.AddMinutes(3)))).Reason);
    }

    [Fact]
    public void Approving_a_held_order_that_was_paid_meanwhile_makes_it_paid()
    {
        var s = HeldPaid().Then(Approve(), T0.AddMinutes(20));

        Assert.Equal(OrderStatus.Paid, s.Status);
        Assert.Equal(PendingStockAction.Commit, s.PendingStock);
        Assert.Equal("psp-1", s.Payment!.Reference);
    }

    [Fact]
    public void Approving_a_held_cash_on_delivery_order_confirms_it()
    {
        var s = Held(PaymentMethod.CashOnDelivery).Then(Approve(), T0.AddMinutes(20));

        Assert.Equal(OrderStatus.Confirmed, s.Status);
        Assert.Null(s.Payment);
    }

    /// <summary>A held order whose payment was refunded while it waited: journals of a version that took refund requests on hold.</summary>
    private static OrderState HeldPaidRefunded(decimal amount, bool succeeded = true)
    {
        IOrderEvent[] refund = [new RefundRequested(OrderId, "rf-1", "psp-1", Provider, amount, "EUR", [], "customer asked", "operator:ann", T0.AddMinutes(3))];
        return OrderDecider.Fold(HeldPaid(), succeeded ? [.. refund, new RefundSucceeded(OrderId, "rf-1", "re_1", T0.AddMinutes(4))] : refund);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Approving_a_held_order_whose_payment_was_refunded_in_full_does_not_make_it_paid(bool succeeded)
    {
        var refunded = HeldPaidRefunded(Total, succeeded);
        Assert.Equal((OrderStatus.OnHold, 0m), (refunded.Status, refunded.Refundable));

        var r = Refused(Decide(refunded, Approve(), T0.AddMinutes(5)), OrderRejectionCode.InvalidState);
        Assert.Contains("refunded in full", r.Message);

        // Rejecting it ends it, with nothing more to refund.
        Assert.Equal(new OrderCancelled(OrderId, "fraud", T0.AddMinutes(5), "operator:ann", RejectedBy: "ann"), SingleEvent(Decide(refunded, RejectReview(), T0.AddMinutes(5))));
    }

    [Fact]
    public void Approving_a_held_order_whose_payment_was_refunded_in_part_makes_it_paid()
    {
        var s = HeldPaidRefunded(5m).Then(Approve(), T0.AddMinutes(5));

        Assert.Equal((OrderStatus.Paid, Total - 5m), (s.Status, s.Refundable));
    }

    [Fact]
    public void Rejecting_an_unpaid_held_order_cancels_it_without_refund()
    {
        var now = T0.AddMinutes(20);
        var d = Decide(Held(), RejectReview("stolen card"), now);

        Assert.Equal(new OrderCancelled(OrderId, "stolen card", now, "operator:ann", RejectedBy: "ann"), SingleEvent(d));
        var s = Held().After(d);
        Assert.Equal(OrderStatus.Cancelled, s.Status);
        Assert.Equal(PendingStockAction.Release, s.PendingStock);
        Assert.Empty(s.Refunds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData(null)]
    public void Rejecting_without_a_reason_says_rejected_in_review(string? reason)
    {
        var e = Assert.IsType<OrderCancelled>(SingleEvent(Decide(Held(), new ReviewOrder(OrderId, false, reason!, "ann"), T0.AddMinutes(3))));

        Assert.Equal("rejected in review", e.Reason);
    }

    [Fact]
    public void Rejecting_a_held_order_that_was_paid_cancels_it_and_refunds_the_payment()
    {
        var now = T0.AddMinutes(20);
        var d = Decide(HeldPaid(), RejectReview(), now);

        Assert.Equal(2, d.Events.Length);
        Assert.Equal(new OrderCancelled(OrderId, "fraud", now, "operator:ann", RejectedBy: "ann"), d.Events[0]);
        var refund = Assert.IsType<RefundRequested>(d.Events[1]);
        Assert.Equal((OrderDecider.AutomaticRefundId(Provider, "psp-1"), "psp-1", Provider, Total, "EUR", "order rejected in review", "operator:ann", now),
            (refund.RefundId, refund.PaymentReference, refund.Provider, refund.Amount, refund.Currency, refund.Reason, refund.By, refund.At));
        Assert.True(refund.Lines.IsDefaultOrEmpty);
        var s = HeldPaid().After(d);
        Assert.Equal(OrderStatus.Cancelled, s.Status);
        Assert.Equal(0m, s.Refundable);
    }

    [Fact]
    public void Rejecting_a_held_order_refunds_only_what_was_not_refunded_yet()
    {
        // Paid while held, then a wrong payment of another provider, refunded at once (anomalies are refunded).
        var s = HeldPaid().Then(ProviderPay(eventId: "evt-2", paymentId: "ad-1", amount: 30m, provider: "adyen"), T0.AddMinutes(3));
        var automatic = Assert.Single(s.Refunds);
        Assert.Equal(("ad-1", "adyen", 30m), (automatic.PaymentReference, automatic.Provider, automatic.Amount));

        var refund = Assert.Single(Decide(s, RejectReview(), T0.AddMinutes(4)).Events.OfType<RefundRequested>());

        Assert.Equal(("psp-1", Provider, Total), (refund.PaymentReference, refund.Provider, refund.Amount));
    }

    [Fact]
    public void Rejecting_a_held_order_refunds_again_what_a_failed_refund_did_not_give_back()
    {
        var s = HeldPaid().Then(ProviderPay(eventId: "evt-2", paymentId: "ad-1", amount: 30m, provider: "adyen"), T0.AddMinutes(3));
        s = s.Then(RefundKo(Assert.Single(s.Refunds).RefundId), T0.AddMinutes(4));

        var refunds = Decide(s, RejectReview(), T0.AddMinutes(5)).Events.OfType<RefundRequested>().ToList();

        Assert.Equal([("psp-1", Provider, Total), ("ad-1", "adyen", 30m)], refunds.Select(r => (r.PaymentReference, r.Provider!, r.Amount)));
        Assert.DoesNotContain(refunds, r => s.Refunds.Any(x => x.RefundId == r.RefundId)); // a new refund, under an id of its own
    }

    [Fact]
    public void Rejecting_a_held_order_partly_refunded_while_held_refunds_the_rest()
    {
        var refund = Assert.Single(Decide(HeldPaidRefunded(5m), RejectReview(), T0.AddMinutes(5)).Events.OfType<RefundRequested>());

        Assert.Equal(Total - 5m, refund.Amount);
    }

    [Fact]
    public void Rejecting_an_operator_paid_held_order_refunds_through_the_manual_provider_id()
    {
        var s = Held().Then(Pay(), T0.AddMinutes(2));

        var refund = Assert.Single(Decide(s, RejectReview(), T0.AddMinutes(4)).Events.OfType<RefundRequested>());

        Assert.Equal((OrderDecider.AutomaticRefundId("manual", "pay-1"), "pay-1", (string?)null), (refund.RefundId, refund.PaymentReference, refund.Provider));
    }

    [Theory]
    [InlineData(OrderStatus.Placed)]
    [InlineData(OrderStatus.Reserved)]
    [InlineData(OrderStatus.Paid)]
    [InlineData(OrderStatus.Rejected)]
    [InlineData(OrderStatus.Cancelled)]
    [InlineData(OrderStatus.Expired)]
    public void Reviewing_an_order_that_is_not_on_hold_is_refused_as_invalid_state(OrderStatus status)
    {
        var r = Refused(Decide(InStatus(status), Approve(), T0.AddMinutes(20)), OrderRejectionCode.InvalidState);
        Assert.Contains("not on hold", r.Message);
        Refused(Decide(InStatus(status), RejectReview(), T0.AddMinutes(20)), OrderRejectionCode.InvalidState);
    }

    [Fact]
    public void Reviewing_an_unknown_order_is_refused_as_not_found()
    {
        Refused(Decide(Given(), Approve(), T0), OrderRejectionCode.NotFound);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    [InlineData("65")]
    public void A_review_without_an_operator_names_the_operator_field(string? @operator)
    {
        var op = @operator == "65" ? new string('o', 65) : @operator;

        Assert.Equal("operator", SingleFieldError(Decide(Held(), new ReviewOrder(OrderId, true, "ok", op!), T0.AddMinutes(3))).Field);
        Assert.IsType<OrderApproved>(SingleEvent(Decide(Held(), new ReviewOrder(OrderId, true, "ok", new string('o', 64)), T0.AddMinutes(3))));
    }

    [Fact]
    public void A_review_reason_over_500_characters_names_the_reason_field()
    {
        Assert.Equal("reason", SingleFieldError(Decide(Held(), new ReviewOrder(OrderId, false, new string('r', 501), "ann"), T0.AddMinutes(3))).Field);
    }

    [Fact]
    public void Repeating_a_review_decision_adds_nothing()
    {
        var approved = Held().Then(Approve(), T0.AddMinutes(3));
        Assert.Empty(Decide(approved, Approve(), T0.AddMinutes(3)).Events);
        var rejected = Held().Then(RejectReview(), T0.AddMinutes(3));
        Assert.Empty(Decide(rejected, RejectReview(), T0.AddMinutes(3)).Events);
    }

    [Fact]
    public void Repeating_a_review_decision_is_answered_as_before()
    {
        var approved = Held().Then(Approve(), T0.AddMinutes(3));
        NoOp(Decide(approved, Approve(), T0.AddMinutes(3)));
        NoOp(Decide(approved.Then(Pay(), T0.AddMinutes(4)), Approve(), T0.AddMinutes(5))); // also once it moved on
        var rejected = Held().Then(RejectReview(), T0.AddMinutes(3));
        NoOp(Decide(rejected, RejectReview(), T0.AddMinutes(3)));
        NoOp(Decide(HeldPaid().Then(RejectReview(), T0.AddMinutes(3)), RejectReview(), T0.AddMinutes(4))); // no second refund
    }

    [Fact]
    public void A_review_decision_contradicting_the_one_taken_is_refused()
    {
        var approved = Held().Then(Approve(), T0.AddMinutes(3));
        var r = Refused(Decide(approved, RejectReview(), T0.AddMinutes(4)), OrderRejectionCode.InvalidState);
        Assert.Contains("already approved", r.Message);

        var rejected = Held().Then(RejectReview(), T0.AddMinutes(3));
        Assert.Contains("already rejected", Refused(Decide(rejected, Approve(), T0.AddMinutes(4)), OrderRejectionCode.InvalidState).Message);
    }

    [Fact]
    public void A_held_order_that_ended_without_a_review_decision_is_not_reviewed_afterwards()
    {
        var cancelled = Held().Then(new CancelOrder(OrderId, "too slow"), T0.AddMinutes(3));
        Refused(Decide(cancelled, RejectReview(), T0.AddMinutes(4)), OrderRejectionCode.InvalidState);
        Refused(Decide(cancelled, Approve(), T0.AddMinutes(4)), OrderRejectionCode.InvalidState);

        var expired = Held().Then(new ExpireOrder(OrderId), ReviewBy);
        Refused(Decide(expired, Approve(), ReviewBy.AddMinutes(1)), OrderRejectionCode.InvalidState);
    }

    // ---------------------------------------------------------------- the review deadline

    [Fact]
    public void A_held_order_not_reviewed_in_time_expires()
    {
        var d = Decide(Held(), new ExpireOrder(OrderId), ReviewBy);

        Assert.Equal(new OrderExpired(OrderId, ReviewBy), SingleEvent(d));
        var s = Held().After(d);
        Assert.Equal(OrderStatus.Expired, s.Status);
        Assert.Equal(PendingStockAction.Release, s.PendingStock);
    }

    [Fact]
    public void A_held_order_does_not_expire_before_its_review_deadline()
    {
        NoOp(Decide(Held(), new ExpireOrder(OrderId), ReviewBy.AddTicks(-1)));
        NoOp(Decide(Held(), new ExpireOrder(OrderId), ExpiresAt.AddMinutes(1))); // past the ordinary hold, within the review
    }

    [Fact]
    public void A_held_paid_order_not_reviewed_in_time_expires_and_refunds_its_payment()
    {
        var d = Decide(HeldPaid(), new ExpireOrder(OrderId), ReviewBy);

        Assert.Equal(2, d.Events.Length);
        Assert.Equal(new OrderExpired(OrderId, ReviewBy), d.Events[0]);
        var refund = Assert.IsType<RefundRequested>(d.Events[1]);
        Assert.Equal(("psp-1", Total, "system"), (refund.PaymentReference, refund.Amount, refund.By));
    }

    [Fact]
    public void An_approved_order_expires_at_its_new_hold()
    {
        var approvedAt = T0.AddMinutes(20);
        var s = Held().Then(Approve(), approvedAt);

        NoOp(Decide(s, new ExpireOrder(OrderId), approvedAt + Refunding.HoldTime - TimeSpan.FromTicks(1)));
        Assert.IsType<OrderExpired>(SingleEvent(Decide(s, new ExpireOrder(OrderId), approvedAt + Refunding.HoldTime)));
    }

    [Fact]
    public void Cancelling_a_held_paid_order_cancels_it_and_refunds_the_payment()
    {
        var d = Decide(HeldPaid(), new CancelOrder(OrderId, "too slow"), T0.AddMinutes(3));

        Assert.Equal([typeof(OrderCancelled), typeof(RefundRequested)], d.Events.Select(e => e.GetType()));
        var refund = (RefundRequested)d.Events[1];
        Assert.Equal((Total, "order cancelled: too slow", "customer"), (refund.Amount, refund.Reason, refund.By));
    }

    [Fact]
    public void A_payment_of_a_held_order_after_its_review_deadline_is_refused_as_expired()
    {
        Refused(Decide(Held(), Pay(), ReviewBy), OrderRejectionCode.HoldExpired);
    }
}
