using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Payments;
using static OrderEngine.Domain.Tests.OrderTestKit;
using static OrderEngine.Domain.Tests.PaymentTestKit;

namespace OrderEngine.Domain.Tests;

/// <summary>Payment methods, operator and provider payments, and what becomes of a payment that does not fit its order.</summary>
public class PaymentDeciderTests
{
    private static readonly DateTimeOffset Min5 = T0.AddMinutes(5);

    // ---------------------------------------------------------------- payment method

    [Theory]
    [InlineData(PaymentMethod.Card)]
    [InlineData(PaymentMethod.BankTransfer)]
    [InlineData(PaymentMethod.Alipay)]
    [InlineData(PaymentMethod.WeChatPay)]
    [InlineData(PaymentMethod.CashOnDelivery)]
    [InlineData(PaymentMethod.GiftCard)]
    public void An_order_carries_its_payment_method(PaymentMethod method)
    {
        var e = Assert.IsType<OrderPlaced>(SingleEvent(Decide(Given(), Place() with { PaymentMethod = method }, T0)));

        Assert.Equal(method, e.PaymentMethod);
        Assert.Equal(method, Given(e).PaymentMethod);
        Assert.Equal(method, Given(e).ToView().PaymentMethod);
    }

    [Fact]
    public void An_order_placed_without_a_payment_method_is_paid_by_card()
    {
        Assert.Equal(PaymentMethod.Card, Place().PaymentMethod);
        Assert.Equal(PaymentMethod.Card, Assert.IsType<OrderPlaced>(SingleEvent(Decide(Given(), Place(), T0))).PaymentMethod);
    }

    [Fact]
    public void An_unknown_payment_method_is_invalid_naming_the_field()
    {
        var error = SingleFieldError(Decide(Given(), Place() with { PaymentMethod = (PaymentMethod)42 }, T0));

        Assert.Equal("paymentMethod", error.Field);
    }

    [Fact]
    public void Placing_the_same_id_with_another_payment_method_is_an_idempotency_conflict()
    {
        Refused(Decide(Placed(), Place() with { PaymentMethod = PaymentMethod.Alipay }, T0.AddSeconds(1)), OrderRejectionCode.IdempotencyConflict);
        NoOp(Decide(PlacedWith(PaymentMethod.Alipay), Place() with { PaymentMethod = PaymentMethod.Alipay }, T0.AddSeconds(1)));
    }

    [Fact]
    public void A_reserved_cash_on_delivery_order_is_confirmed_without_payment()
    {
        var d = Decide(PlacedWith(PaymentMethod.CashOnDelivery), AllReserved(), ReservedAt);

        Assert.Equal(new OrderConfirmed(OrderId, ReservedAt), SingleEvent(d));
        var s = PlacedWith(PaymentMethod.CashOnDelivery).After(d);
        Assert.Equal(OrderStatus.Confirmed, s.Status);
        Assert.Null(s.Payment);
        Assert.Equal(new StatusChange(OrderStatus.Confirmed, ReservedAt, "cash on delivery", "system"), s.History[^1]);
    }

    [Theory]
    [InlineData(PaymentMethod.Card)]
    [InlineData(PaymentMethod.BankTransfer)]
    [InlineData(PaymentMethod.Alipay)]
    [InlineData(PaymentMethod.WeChatPay)]
    [InlineData(PaymentMethod.GiftCard)]
    public void A_reserved_order_paid_online_awaits_its_payment(PaymentMethod method)
    {
        Assert.Equal(new OrderReserved(OrderId, ReservedAt), SingleEvent(Decide(PlacedWith(method), AllReserved(), ReservedAt)));
    }

    [Fact]
    public void A_confirmed_cash_on_delivery_order_keeps_its_reservation()
    {
        // The issue: "once reserved it is Confirmed (keeps its reservation until delivery)"; OrderDeadlines forgets a
        // confirmed order and the entity extends its reservations when they fall due: nothing is to be committed yet.
        Assert.Equal(PendingStockAction.None, CashOnDeliveryConfirmed().PendingStock);
    }

    [Fact]
    public void A_confirmed_cash_on_delivery_order_cannot_be_paid_online()
    {
        var r = Refused(Decide(CashOnDeliveryConfirmed(), Pay(), Min5), OrderRejectionCode.InvalidState);
        Assert.Contains("cash on delivery", r.Message);
    }

    [Fact]
    public void A_confirmed_cash_on_delivery_order_can_be_cancelled()
    {
        var d = Decide(CashOnDeliveryConfirmed(), new CancelOrder(OrderId, "not home"), Min5);

        Assert.Equal(new OrderCancelled(OrderId, "not home", Min5, "customer"), SingleEvent(d));
        Assert.Equal(OrderStatus.Cancelled, CashOnDeliveryConfirmed().After(d).Status);
    }

    [Fact]
    public void A_confirmed_cash_on_delivery_order_does_not_expire()
    {
        NoOp(Decide(CashOnDeliveryConfirmed(), new ExpireOrder(OrderId), ExpiresAt.AddDays(3)));
    }

    // ---------------------------------------------------------------- ConfirmPayment field errors

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public void An_operator_payment_without_a_reference_names_the_reference_field(string reference)
    {
        Assert.Equal("reference", SingleFieldError(Decide(ReservedOrder(), Pay(reference), Min5)).Field);
    }

    [Fact]
    public void An_operator_payment_in_an_unknown_currency_names_the_currency_field()
    {
        Assert.Equal("currency", SingleFieldError(Decide(ReservedOrder(), Pay(currency: "EURO"), Min5)).Field);
    }

    [Fact]
    public void An_operator_payment_of_a_held_order_pays_it_but_keeps_it_on_hold()
    {
        var d = Decide(Held(), Pay(), T0.AddMinutes(2));

        Assert.Equal(new PaymentConfirmed(OrderId, Total, "EUR", "pay-1", T0.AddMinutes(2)), SingleEvent(d));
        var s = Held().After(d);
        Assert.Equal(OrderStatus.OnHold, s.Status);
        Assert.Equal(new PaymentRecord(Total, "EUR", "pay-1", T0.AddMinutes(2)), s.Payment);
        Assert.Equal(new StatusChange(OrderStatus.OnHold, T0.AddMinutes(2), "paid while on hold", "operator"), s.History[^1]);
        Assert.Equal(PendingStockAction.None, s.PendingStock);
    }

    // ---------------------------------------------------------------- RecordProviderPayment: accepted

    [Fact]
    public void A_provider_payment_of_exactly_the_total_pays_the_order()
    {
        var d = Decide(ReservedOrder(), ProviderPay(), Min5);

        Assert.Equal(new PaymentConfirmed(OrderId, Total, "EUR", "psp-1", Min5, Provider, "evt-1"), SingleEvent(d));
        var s = ReservedOrder().After(d);
        Assert.Equal(OrderStatus.Paid, s.Status);
        Assert.Equal(new PaymentRecord(Total, "EUR", "psp-1", Min5, Provider), s.Payment);
        Assert.True(s.HasSeen(Provider, "evt-1"));
        Assert.False(s.HasSeen("adyen", "evt-1"));
        Assert.Equal(new StatusChange(OrderStatus.Paid, Min5, null, "provider:" + Provider), s.History[^1]);
        Assert.Equal(PendingStockAction.Commit, s.PendingStock);
    }

    [Fact]
    public void A_provider_payment_of_a_held_order_pays_it_but_keeps_it_on_hold()
    {
        var s = HeldPaid();

        Assert.Equal(OrderStatus.OnHold, s.Status);
        Assert.Equal(new PaymentRecord(Total, "EUR", "psp-1", T0.AddMinutes(2), Provider), s.Payment);
        Assert.Equal(PendingStockAction.None, s.PendingStock);
    }

    [Fact]
    public void A_repeated_provider_event_changes_nothing_even_with_another_body()
    {
        var paid = PaidByProvider();

        NoOp(Decide(paid, ProviderPay(), T0.AddMinutes(6)));
        NoOp(Decide(paid, ProviderPay(paymentId: "psp-2", amount: 1m), T0.AddMinutes(6)));
        NoOp(Decide(paid, ProviderPay(), ExpiresAt.AddDays(2)));
    }

    [Fact]
    public void A_repeated_event_of_an_anomalous_payment_changes_nothing()
    {
        var s = ReservedOrder().Then(ProviderPay(amount: 1m), Min5);

        NoOp(Decide(s, ProviderPay(amount: 1m), T0.AddMinutes(6)));
    }

    [Fact]
    public void The_same_payment_delivered_again_under_a_new_event_id_changes_nothing()
    {
        NoOp(Decide(PaidByProvider(), ProviderPay(eventId: "evt-2"), T0.AddMinutes(6)));
        var anomalous = ReservedOrder().Then(ProviderPay(amount: 1m), Min5);
        NoOp(Decide(anomalous, ProviderPay(eventId: "evt-2", amount: 1m), T0.AddMinutes(6)));
    }

    [Fact]
    public void A_provider_payment_for_an_order_still_reserving_is_refused_so_the_provider_delivers_it_again()
    {
        var r = Refused(Decide(Placed(), ProviderPay(), T0.AddSeconds(1)), OrderRejectionCode.InvalidState);
        Assert.Contains("again", r.Message);

        // The event was not remembered: delivered again once the order is reserved, it pays the order.
        Assert.IsType<PaymentConfirmed>(SingleEvent(Decide(ReservedOrder(), ProviderPay(), T0.AddSeconds(2))));
    }

    [Fact]
    public void A_provider_payment_for_an_unknown_order_is_refused_as_not_found()
    {
        Refused(Decide(Given(), ProviderPay(), T0), OrderRejectionCode.NotFound);
    }

    [Theory]
    [InlineData("provider", "")]
    [InlineData("provider", "   ")]
    [InlineData("provider", "129")]
    [InlineData("eventId", "")]
    [InlineData("eventId", "129")]
    [InlineData("paymentId", "")]
    [InlineData("paymentId", "129")]
    public void A_provider_payment_without_its_ids_names_the_missing_field(string field, string value)
    {
        var v = value == "129" ? new string('x', 129) : value;
        var c = field switch
        {
            "provider" => ProviderPay() with { Provider = v },
            "eventId" => ProviderPay() with { EventId = v },
            _ => ProviderPay() with { PaymentId = v },
        };

        Assert.Equal(field, SingleFieldError(Decide(ReservedOrder(), c, Min5)).Field);
        Assert.IsType<PaymentConfirmed>(SingleEvent(Decide(ReservedOrder(), ProviderPay() with { PaymentId = new string('x', 128) }, Min5)));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-21.48")]
    public void A_provider_payment_of_nothing_names_the_amount_field(string amount)
    {
        var c = ProviderPay(amount: decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal("amount", SingleFieldError(Decide(ReservedOrder(), c, Min5)).Field);
    }

    // ---------------------------------------------------------------- RecordProviderPayment: anomalies, refunded

    private static void AssertRefundedAnomaly(OrderState before, RecordProviderPayment c, DateTimeOffset now, string reasonPart, OrderRules? rules = null)
    {
        var d = Decide(before, c, now, rules);
        Assert.False(d.IsRejected, $"expected an anomaly, got {d.Rejection}");
        Assert.Equal(2, d.Events.Length);
        var anomaly = Assert.IsType<PaymentAnomalyRecorded>(d.Events[0]);
        Assert.Equal((OrderId, c.Provider, c.EventId, c.PaymentId, c.Amount, c.Currency, now), (anomaly.OrderId, anomaly.Provider, anomaly.EventId, anomaly.PaymentId, anomaly.Amount, anomaly.Currency, anomaly.At));
        Assert.Contains(reasonPart, anomaly.Reason);
        var refund = Assert.IsType<RefundRequested>(d.Events[1]);
        Assert.Equal((OrderId, OrderDecider.AutomaticRefundId(c.Provider, c.PaymentId), c.PaymentId, c.Provider, c.Amount, c.Currency, "payment anomaly: " + anomaly.Reason, "system", now),
            (refund.OrderId, refund.RefundId, refund.PaymentReference, refund.Provider, refund.Amount, refund.Currency, refund.Reason, refund.By, refund.At));
        Assert.True(refund.Lines.IsDefaultOrEmpty);

        var after = before.After(d);
        Assert.Equal(before.Status, after.Status);
        Assert.Equal(before.Payment, after.Payment);
        Assert.Equal(new PaymentAnomaly(c.Provider, c.PaymentId, c.Amount, c.Currency, anomaly.Reason, now), after.Anomalies[^1]);
        Assert.True(after.HasSeen(c.Provider, c.EventId));
        var record = Assert.Single(after.Refunds, r => r.RefundId == refund.RefundId);
        Assert.Equal(RefundStatus.Requested, record.Status);
        Assert.Contains(record, after.RefundsAwaitingProvider);
    }

    [Theory]
    [InlineData("21.47")]
    [InlineData("21.49")]
    [InlineData("42.96")]
    public void A_provider_payment_of_another_amount_is_an_anomaly_and_is_refunded(string amount)
    {
        var c = ProviderPay(amount: decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture));

        AssertRefundedAnomaly(ReservedOrder(), c, Min5, "differs from the order total");
    }

    [Fact]
    public void A_provider_payment_in_another_currency_is_an_anomaly_and_is_refunded()
    {
        AssertRefundedAnomaly(ReservedOrder(), ProviderPay(currency: "USD"), Min5, "currency USD differs");
    }

    [Fact]
    public void An_anomalous_payment_leaves_the_order_payable()
    {
        var s = ReservedOrder().Then(ProviderPay(eventId: "evt-1", paymentId: "psp-1", amount: 1m), Min5);

        Assert.Equal(OrderStatus.Reserved, s.Status);
        Assert.Null(s.Payment);
        Assert.IsType<PaymentConfirmed>(SingleEvent(Decide(s, ProviderPay(eventId: "evt-2", paymentId: "psp-2"), T0.AddMinutes(6))));
    }

    [Fact]
    public void A_second_provider_payment_of_a_paid_order_is_an_anomaly_and_is_refunded()
    {
        AssertRefundedAnomaly(PaidByProvider(), ProviderPay(eventId: "evt-2", paymentId: "psp-2"), T0.AddMinutes(6), "second payment");
    }

    [Fact]
    public void A_provider_payment_after_an_operator_payment_is_a_second_payment()
    {
        AssertRefundedAnomaly(Reserved().Then(Pay(), Min5), ProviderPay(), T0.AddMinutes(6), "already paid (reference pay-1)");
    }

    [Theory]
    [InlineData(OrderStatus.Cancelled)]
    [InlineData(OrderStatus.Expired)]
    [InlineData(OrderStatus.Rejected)]
    public void A_provider_payment_for_an_ended_order_is_an_anomaly_and_is_refunded(OrderStatus status)
    {
        AssertRefundedAnomaly(InStatus(status), ProviderPay(), ExpiresAt.AddMinutes(5), "the order is " + status.ToString().ToLowerInvariant());
    }

    [Theory]
    [InlineData(OrderStatus.Cancelled)]
    [InlineData(OrderStatus.Expired)]
    [InlineData(OrderStatus.Rejected)]
    public void A_provider_payment_for_an_ended_order_is_refunded_even_when_anomalies_hold_orders(OrderStatus status)
    {
        AssertRefundedAnomaly(InStatus(status), ProviderPay(), ExpiresAt.AddMinutes(5), "the order is", Holding);
    }

    [Fact]
    public void A_second_payment_of_a_paid_order_is_refunded_even_when_anomalies_hold_orders()
    {
        AssertRefundedAnomaly(PaidByProvider(Holding), ProviderPay(eventId: "evt-2", paymentId: "psp-2"), T0.AddMinutes(6), "second payment", Holding);
    }

    [Fact]
    public void A_provider_payment_after_the_hold_ended_is_an_anomaly_and_is_refunded()
    {
        // Not expired yet (ExpireOrder has not run), but past its hold: the payment came too late.
        AssertRefundedAnomaly(ReservedOrder(), ProviderPay(), ExpiresAt, "hold ended");
    }

    [Fact]
    public void A_provider_payment_for_a_cash_on_delivery_order_is_an_anomaly_and_is_refunded()
    {
        AssertRefundedAnomaly(CashOnDeliveryConfirmed(), ProviderPay(), Min5, "cash on delivery");
    }

    [Fact]
    public void A_provider_payment_for_a_refunded_order_is_an_anomaly_and_is_refunded()
    {
        var refunded = PaidByProvider().Then(Refund(), T0.AddMinutes(6)).Then(RefundOk(), T0.AddMinutes(7));
        Assert.Equal(OrderStatus.Refunded, refunded.Status);

        AssertRefundedAnomaly(refunded, ProviderPay(eventId: "evt-2", paymentId: "psp-2"), T0.AddMinutes(8), "second payment");
    }

    [Fact]
    public void Anomalous_payments_of_two_providers_get_distinct_automatic_refunds()
    {
        var s = ReservedOrder()
            .Then(ProviderPay(eventId: "evt-1", paymentId: "p-9", amount: 1m, provider: "stripe"), Min5)
            .Then(ProviderPay(eventId: "evt-2", paymentId: "p-9", amount: 2m, provider: "adyen"), Min5);

        Assert.Equal(2, s.Anomalies.Length);
        Assert.Equal(2, s.Refunds.Select(r => r.RefundId).Distinct().Count());
        Assert.Equal([1m, 2m], s.Refunds.Select(r => r.Amount));
    }

    [Fact]
    public void The_automatic_refund_id_is_a_stable_valid_entity_id_per_provider_and_payment()
    {
        var id = OrderDecider.AutomaticRefundId("stripe", "psp-1");

        Assert.True(Identifiers.IsValidEntityId(id));
        Assert.Equal(id, OrderDecider.AutomaticRefundId("stripe", "psp-1"));
        Assert.NotEqual(id, OrderDecider.AutomaticRefundId("adyen", "psp-1"));
        Assert.NotEqual(id, OrderDecider.AutomaticRefundId("stripe", "psp-2"));
    }

    // ---------------------------------------------------------------- RecordProviderPayment: anomalies, held

    [Fact]
    public void When_anomalies_hold_orders_a_wrong_payment_of_a_reserved_order_holds_it_instead_of_refunding()
    {
        var c = ProviderPay(amount: 1m);
        var d = Decide(ReservedOrder(Holding), c, Min5, Holding);

        Assert.False(d.IsRejected);
        Assert.Equal(2, d.Events.Length);
        var anomaly = Assert.IsType<PaymentAnomalyRecorded>(d.Events[0]);
        var held = Assert.IsType<OrderHeld>(d.Events[1]);
        Assert.Equal(["payment anomaly: " + anomaly.Reason], held.Reasons.ToArray());
        Assert.Equal(Min5 + Holding.ReviewRules.ReviewWithin, held.ReviewBy);

        var s = ReservedOrder(Holding).After(d);
        Assert.Equal(OrderStatus.OnHold, s.Status);
        Assert.Null(s.Payment);
        Assert.Empty(s.Refunds);
        Assert.Equal(Min5 + Holding.ReviewRules.ReviewWithin, s.ExpiresAt);
        Assert.Single(s.Anomalies);
    }

    [Fact]
    public void When_anomalies_hold_orders_a_late_payment_of_a_reserved_order_holds_it_for_review()
    {
        var d = Decide(ReservedOrder(Holding), ProviderPay(), ExpiresAt.AddMinutes(1), Holding);

        Assert.Equal([typeof(PaymentAnomalyRecorded), typeof(OrderHeld)], d.Events.Select(e => e.GetType()));
        Assert.Equal(OrderStatus.OnHold, ReservedOrder(Holding).After(d).Status);
    }

    [Fact]
    public void When_anomalies_hold_orders_a_wrong_payment_of_an_order_already_on_hold_is_only_recorded()
    {
        var d = Decide(Held(rules: Holding), ProviderPay(currency: "USD"), T0.AddMinutes(2), Holding);

        var anomaly = Assert.IsType<PaymentAnomalyRecorded>(SingleEvent(d));
        Assert.Contains("currency", anomaly.Reason);
        var s = Held(rules: Holding).After(d);
        Assert.Equal(OrderStatus.OnHold, s.Status);
        Assert.Equal(ReviewBy, s.ExpiresAt);
        Assert.Empty(s.Refunds);
    }

    [Fact]
    public void A_payment_held_as_an_anomaly_is_refunded_when_the_order_is_rejected_in_review()
    {
        var held = ReservedOrder(Holding).Then(ProviderPay(amount: 30m), Min5, Holding);
        Assert.Equal(OrderStatus.OnHold, held.Status);

        var d = Decide(held, RejectReview(), T0.AddMinutes(10), Holding);

        var refund = Assert.Single(d.Events.OfType<RefundRequested>());
        Assert.Equal(("psp-1", Provider, 30m), (refund.PaymentReference, refund.Provider, refund.Amount));
    }

    [Fact]
    public void A_payment_held_as_an_anomaly_is_refunded_when_the_order_expires_unreviewed()
    {
        var held = ReservedOrder(Holding).Then(ProviderPay(amount: 30m), Min5, Holding);

        var d = Decide(held, new ExpireOrder(OrderId), held.ExpiresAt, Holding);

        Assert.Contains(d.Events, e => e is OrderExpired);
        var refund = Assert.Single(d.Events.OfType<RefundRequested>());
        Assert.Equal(("psp-1", 30m), (refund.PaymentReference, refund.Amount));
    }

    [Fact]
    public void A_payment_held_as_an_anomaly_is_refunded_when_the_held_order_is_cancelled()
    {
        var held = ReservedOrder(Holding).Then(ProviderPay(amount: 30m), Min5, Holding);

        var d = Decide(held, new CancelOrder(OrderId, "too slow"), T0.AddMinutes(10), Holding);

        Assert.Equal([typeof(OrderCancelled), typeof(RefundRequested)], d.Events.Select(e => e.GetType()));
        var refund = (RefundRequested)d.Events[1];
        Assert.Equal(("psp-1", Provider, 30m), (refund.PaymentReference, refund.Provider, refund.Amount));
    }

    [Fact]
    public void A_held_order_with_its_payment_and_an_anomalous_one_gives_both_back_when_rejected()
    {
        // A wrong payment holds the order (nothing refunded yet), then the right one pays it while it waits.
        var held = ReservedOrder(Holding).Then(ProviderPay(eventId: "evt-2", paymentId: "ad-1", amount: 30m, provider: "adyen"), T0.AddMinutes(2), Holding)
            .Then(ProviderPay(), T0.AddMinutes(3), Holding);
        Assert.Equal((OrderStatus.OnHold, 0), (held.Status, held.Refunds.Length));
        Assert.NotNull(held.Payment);

        var d = Decide(held, RejectReview(), T0.AddMinutes(4), Holding);

        Assert.Equal([typeof(OrderCancelled), typeof(RefundRequested), typeof(RefundRequested)], d.Events.Select(e => e.GetType()));
        Assert.Equal([("psp-1", Provider, Total), ("ad-1", "adyen", 30m)], d.Events.OfType<RefundRequested>().Select(r => (r.PaymentReference, r.Provider!, r.Amount)));
        Assert.Equal(2, held.After(d).Refunds.Select(r => r.RefundId).Distinct().Count());
    }

    [Fact]
    public void An_anomalous_payment_whose_refund_failed_is_refunded_again_under_a_new_id_when_the_order_ends()
    {
        var s = ReservedOrder().Then(ProviderPay(amount: 1m), Min5);
        var first = Assert.Single(s.Refunds);
        s = s.Then(RefundKo(first.RefundId), T0.AddMinutes(6));

        var d = Decide(s, new CancelOrder(OrderId, "changed my mind"), T0.AddMinutes(7));

        var again = Assert.Single(d.Events.OfType<RefundRequested>());
        Assert.Equal(("psp-1", Provider, 1m), (again.PaymentReference, again.Provider, again.Amount));
        Assert.NotEqual(first.RefundId, again.RefundId);
        Assert.True(Identifiers.IsValidEntityId(again.RefundId));
    }

    // ---------------------------------------------------------------- payment identity

    [Fact]
    public void Refunding_another_providers_anomalous_payment_with_the_same_id_leaves_the_accepted_payment_refundable()
    {
        var paid = PaidByProvider(); // stripe, psp-1, 21.48
        var s = paid.Then(ProviderPay(eventId: "evt-2", paymentId: "psp-1", provider: "adyen"), T0.AddMinutes(6));
        var automatic = Assert.Single(s.Refunds);
        Assert.Equal("adyen", automatic.Provider);

        Assert.Equal(Total, s.Refundable); // nothing of the customer's stripe payment was refunded

        var settled = s.Then(RefundOk(automatic.RefundId), T0.AddMinutes(7));
        Assert.Equal(OrderStatus.Paid, settled.Status);
        Assert.Equal(Total, settled.Refundable);
    }

    [Fact]
    public void Rejecting_a_held_paid_order_refunds_its_payment_even_after_an_anomaly_with_the_same_reference()
    {
        // The operator recorded the payment as pay-1; a provider then reports its own payment pay-1 (another payment).
        var s = Held().Then(Pay(), T0.AddMinutes(2)).Then(ProviderPay(paymentId: "pay-1", amount: 30m), T0.AddMinutes(3));

        var d = Decide(s, RejectReview(), T0.AddMinutes(4));

        var refunds = s.After(d).Refunds.Where(r => r.Provider is null && r.PaymentReference == "pay-1").ToList();
        Assert.Equal(Total, refunds.Sum(r => r.Amount));
    }

    [Fact]
    public void An_event_id_seen_from_one_provider_does_not_hide_another_providers_payment()
    {
        var paid = PaidByProvider(); // stripe evt-1

        var d = Decide(paid, ProviderPay(eventId: "evt-1", paymentId: "ad-7", provider: "adyen"), T0.AddMinutes(6));

        Assert.Contains(d.Events, e => e is PaymentAnomalyRecorded);
        Assert.Contains(d.Events, e => e is RefundRequested);
        NoOp(Decide(paid.After(d), ProviderPay(eventId: "evt-1", paymentId: "ad-7", provider: "adyen"), T0.AddMinutes(7))); // its own repeat is one
    }

    [Fact]
    public void A_refund_event_id_seen_from_one_provider_does_not_hide_another_providers_refund_outcome()
    {
        // The accepted stripe payment is refunded in part, an adyen payment (anomalous) in full; both answer by webhook.
        var s = PaidByProvider().Then(Refund("rf-1", 5m), T0.AddMinutes(6))
            .Then(ProviderPay(eventId: "evt-2", paymentId: "ad-7", amount: 3m, provider: "adyen"), T0.AddMinutes(6));
        var adyenRefund = Assert.Single(s.Refunds, r => r.Provider == "adyen").RefundId;
        s = s.Then(RefundOk("rf-1", eventId: "whk-1"), T0.AddMinutes(7));

        var d = Decide(s, RefundOk(adyenRefund, eventId: "whk-1"), T0.AddMinutes(8));

        Assert.IsType<RefundSucceeded>(SingleEvent(d));
        Assert.True(s.After(d).HasSeen("adyen", "whk-1"));
    }
}
