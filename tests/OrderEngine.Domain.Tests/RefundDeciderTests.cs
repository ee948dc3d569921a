using OrderEngine.Domain.Orders;
using static OrderEngine.Domain.Tests.OrderTestKit;
using static OrderEngine.Domain.Tests.PaymentTestKit;

namespace OrderEngine.Domain.Tests;

/// <summary>Refunds: how much, of what, once per refund id, their outcome at the provider, and their units back on sale.</summary>
public class RefundDeciderTests
{
    private static readonly DateTimeOffset Min10 = T0.AddMinutes(10);

    private static RefundRequested Requested(Decision<IOrderEvent, OrderRejection> d) => Assert.IsType<RefundRequested>(SingleEvent(d));

    // ---------------------------------------------------------------- RequestRefund: how much

    [Fact]
    public void A_refund_without_lines_or_amount_refunds_everything_still_refundable()
    {
        var d = Decide(PaidByProvider(), Refund(), Min10);

        var e = Requested(d);
        Assert.Equal((OrderId, "rf-1", "psp-1", Provider, Total, "EUR", "customer asked", "operator:ann", Min10),
            (e.OrderId, e.RefundId, e.PaymentReference, e.Provider, e.Amount, e.Currency, e.Reason, e.By, e.At));
        Assert.True(e.Lines.IsEmpty);
        var s = PaidByProvider().After(d);
        Assert.Equal(OrderStatus.Paid, s.Status);
        Assert.Equal(0m, s.Refundable);
        var record = Assert.Single(s.Refunds);
        Assert.Equal(RefundStatus.Requested, record.Status);
        Assert.Equal([record], s.RefundsAwaitingProvider);
        Assert.Empty(s.RefundsAwaitingRestock);
    }

    [Fact]
    public void A_refund_of_an_amount_refunds_that_amount()
    {
        var s = PaidByProvider().Then(Refund("rf-1", 5m), Min10);

        Assert.Equal(5m, Assert.Single(s.Refunds).Amount);
        Assert.Equal(Total - 5m, s.Refundable);
        Assert.Equal(Total - 5m, s.ToView().Refundable);
    }

    [Fact]
    public void A_whole_refund_after_a_partial_one_refunds_the_rest()
    {
        var s = PaidByProvider().Then(Refund("rf-1", 5m), Min10);

        Assert.Equal(Total - 5m, Requested(Decide(s, Refund("rf-2"), Min10)).Amount);
    }

    [Fact]
    public void A_refund_of_an_operator_payment_has_no_provider()
    {
        var e = Requested(Decide(Paid(), Refund(), Min10));

        Assert.Equal(("pay-1", (string?)null), (e.PaymentReference, e.Provider));
    }

    [Fact]
    public void A_refund_of_more_than_what_is_left_is_refused_as_too_large()
    {
        var s = PaidByProvider().Then(Refund("rf-1", 20m), Min10);

        var r = Refused(Decide(s, Refund("rf-2", 1.49m), Min10), OrderRejectionCode.RefundTooLarge);
        Assert.Contains("1.48", r.Message);
        Assert.Equal(1.48m, Requested(Decide(s, Refund("rf-2", 1.48m), Min10)).Amount);
        Refused(Decide(PaidByProvider(), Refund("rf-1", Total + 0.01m), Min10), OrderRejectionCode.RefundTooLarge);
    }

    [Fact]
    public void Nothing_more_is_refunded_once_everything_was_requested()
    {
        var s = PaidByProvider().Then(Refund("rf-1"), Min10);

        Refused(Decide(s, Refund("rf-2"), Min10), OrderRejectionCode.RefundTooLarge);
        Refused(Decide(s, Refund("rf-2", 0.01m), Min10), OrderRejectionCode.RefundTooLarge);
        Refused(Decide(s.Then(new MarkStockSettled(OrderId), Min10), Refund("rf-2", null, new RefundLine("SKU-B", 1)), Min10), OrderRejectionCode.RefundTooLarge);
    }

    [Fact]
    public void A_pending_refund_counts_against_what_is_left_and_a_failed_one_does_not()
    {
        var pending = PaidByProvider().Then(Refund("rf-1", 20m), Min10);
        Refused(Decide(pending, Refund("rf-2", 5m), Min10), OrderRejectionCode.RefundTooLarge);

        var failed = pending.Then(RefundKo("rf-1"), Min10);
        Assert.Equal(Total, failed.Refundable);
        Assert.Equal(Total, Requested(Decide(failed, Refund("rf-2"), Min10)).Amount);

        var succeeded = pending.Then(RefundOk("rf-1"), Min10);
        Assert.Equal(1.48m, succeeded.Refundable);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("1.001")]
    public void An_amount_that_is_not_positive_or_has_too_many_decimals_names_the_amount_field(string amount)
    {
        var d = Decide(PaidByProvider(), Refund("rf-1", decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture)), Min10);

        Assert.Equal("amount", SingleFieldError(d).Field);
    }

    [Fact]
    public void Lines_and_an_amount_together_name_the_amount_field()
    {
        Assert.Equal("amount", SingleFieldError(Decide(PaidSettled(), Refund("rf-1", 5m, new RefundLine("SKU-A", 1)), Min10)).Field);
    }

    // ---------------------------------------------------------------- RequestRefund: lines

    [Fact]
    public void A_refund_of_lines_refunds_their_price_and_puts_their_units_back_on_sale_once_it_succeeded()
    {
        var d = Decide(PaidSettled(), Refund("rf-1", null, new RefundLine("SKU-A", 1), new RefundLine("SKU-B", 2)), Min10);

        var e = Requested(d);
        Assert.Equal(9.99m + 2 * 0.50m, e.Amount);
        Assert.Equal([new RefundLine("SKU-A", 1), new RefundLine("SKU-B", 2)], e.Lines.ToArray());
        var s = PaidSettled().After(d);
        Assert.Empty(s.RefundsAwaitingRestock); // not while the provider has not given the money back
        Assert.False(Assert.Single(s.Refunds).Restocked);
        Assert.Equal(1, s.RefundedUnits("SKU-A"));
        Assert.Equal([1, 2], s.ToView().Lines.Select(l => l.RefundedQuantity));

        var succeeded = s.Then(RefundOk("rf-1"), Min10.AddMinutes(1));
        var record = Assert.Single(succeeded.RefundsAwaitingRestock);
        Assert.Equal("rf-1", record.RefundId);
        Assert.False(record.Restocked);
    }

    [Fact]
    public void A_refund_of_lines_needs_the_stock_settled()
    {
        var r = Refused(Decide(PaidByProvider(), Refund("rf-1", null, new RefundLine("SKU-A", 1)), Min10), OrderRejectionCode.InvalidState);
        Assert.Contains("stock", r.Message);
        Refused(Decide(HeldPaid(), Refund("rf-1", null, new RefundLine("SKU-A", 1)), Min10), OrderRejectionCode.InvalidState);
    }

    [Fact]
    public void A_line_not_on_the_order_names_its_sku()
    {
        var d = Decide(PaidSettled(), Refund("rf-1", null, new RefundLine("SKU-A", 1), new RefundLine("SKU-Z", 1)), Min10);

        Assert.Equal("lines[1].sku", SingleFieldError(d).Field);
    }

    [Fact]
    public void A_line_given_twice_names_the_second()
    {
        var d = Decide(PaidSettled(), Refund("rf-1", null, new RefundLine("SKU-A", 1), new RefundLine("SKU-A", 1)), Min10);

        Assert.Equal("lines[1].sku", SingleFieldError(d).Field);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(3)]
    public void A_line_quantity_outside_the_units_not_refunded_yet_names_its_quantity(int quantity)
    {
        var d = Decide(PaidSettled(), Refund("rf-1", null, new RefundLine("SKU-B", 1), new RefundLine("SKU-A", quantity)), Min10);

        Assert.Equal("lines[1].quantity", SingleFieldError(d).Field);
    }

    [Fact]
    public void Units_already_refunded_cannot_be_refunded_again_unless_their_refund_failed()
    {
        var s = PaidSettled().Then(Refund("rf-1", null, new RefundLine("SKU-A", 1)), Min10);

        Assert.Equal("lines[0].quantity", SingleFieldError(Decide(s, Refund("rf-2", null, new RefundLine("SKU-A", 2)), Min10)).Field);
        Assert.Equal(9.99m, Requested(Decide(s, Refund("rf-2", null, new RefundLine("SKU-A", 1)), Min10)).Amount);

        var failed = s.Then(RefundKo("rf-1"), Min10);
        Assert.Equal(0, failed.RefundedUnits("SKU-A"));
        Assert.Empty(failed.RefundsAwaitingRestock);
        Assert.Equal(19.98m, Requested(Decide(failed, Refund("rf-2", null, new RefundLine("SKU-A", 2)), Min10)).Amount);
    }

    [Fact]
    public void A_refund_of_lines_is_bounded_by_what_is_left_to_refund()
    {
        var s = PaidSettled().Then(Refund("rf-1", 15m), Min10);

        Refused(Decide(s, Refund("rf-2", null, new RefundLine("SKU-A", 1)), Min10), OrderRejectionCode.RefundTooLarge);
        Assert.Equal(1.50m, Requested(Decide(s, Refund("rf-2", null, new RefundLine("SKU-B", 3)), Min10)).Amount);
    }

    [Fact]
    public void A_line_refund_of_an_order_whose_stock_was_released_is_refused_and_its_money_is_refunded_by_amount()
    {
        // Paid while on hold, rejected in review: its stock is released and its automatic refund fails.
        var s = HeldPaid().Then(RejectReview(), T0.AddMinutes(3));
        var automatic = Assert.Single(s.Refunds);
        s = s.Then(RefundKo(automatic.RefundId), T0.AddMinutes(4)).Then(new MarkStockSettled(OrderId), T0.AddMinutes(5));
        Assert.Equal((OrderStatus.Cancelled, true, Total), (s.Status, s.StockSettled, s.Refundable));

        // Its units were released, never sold: a line refund would put back on sale units the order never bought.
        var r = Refused(Decide(s, Refund("rf-2", null, new RefundLine("SKU-A", 2)), Min10), OrderRejectionCode.InvalidState);
        Assert.Contains("released", r.Message);

        var refunded = s.Then(Refund("rf-2", 19.98m), Min10).Then(Refund("rf-3"), Min10).Then(RefundOk("rf-2"), Min10).Then(RefundOk("rf-3"), Min10);
        Assert.Equal(0m, refunded.Refundable);
        Assert.Empty(refunded.RefundsAwaitingRestock);
        Assert.Equal(OrderStatus.Cancelled, refunded.Status);
    }

    [Fact]
    public void A_line_refund_of_an_expired_order_is_refused()
    {
        var s = HeldPaid().Then(new ExpireOrder(OrderId), ReviewBy).Then(new MarkStockSettled(OrderId), ReviewBy.AddMinutes(1));
        Assert.Equal((OrderStatus.Expired, true), (s.Status, s.StockSettled));

        Refused(Decide(s, Refund("rf-2", null, new RefundLine("SKU-B", 1)), ReviewBy.AddMinutes(2)), OrderRejectionCode.InvalidState);
    }

    [Fact]
    public void Units_already_put_back_on_sale_are_not_put_back_again_after_their_refund_failed()
    {
        // A journal written by an earlier version, which put a line refund's units back on sale at its request: the two
        // units are on sale again, then the provider refuses the refund.
        var s = OrderDecider.Fold(PaidSettled(),
        [
            new RefundRequested(OrderId, "rf-1", "psp-1", Provider, 19.98m, "EUR", [new RefundLine("SKU-A", 2)], "customer asked", "operator:ann", Min10),
            new RefundRestocked(OrderId, "rf-1", Min10),
            new RefundFailed(OrderId, "rf-1", "card closed", Min10.AddMinutes(1)),
        ]);
        Assert.Equal((Total, 0), (s.Refundable, s.RefundedUnits("SKU-A")));

        // Those units are no longer the order's: a line refund cannot name them again ...
        var d = Decide(s, Refund("rf-2", null, new RefundLine("SKU-A", 2)), Min10.AddMinutes(2));
        Assert.Equal("lines[0].quantity", SingleFieldError(d).Field);
        Assert.Equal("lines[0].quantity", SingleFieldError(Decide(s, Refund("rf-2", null, new RefundLine("SKU-A", 1)), Min10.AddMinutes(2))).Field);

        // ... their money is refunded by amount, and nothing is put back on sale twice.
        var after = s.Then(Refund("rf-2", 19.98m), Min10.AddMinutes(2)).Then(RefundOk("rf-2"), Min10.AddMinutes(3))
            .Then(Refund("rf-3", null, new RefundLine("SKU-B", 3)), Min10.AddMinutes(3)).Then(RefundOk("rf-3"), Min10.AddMinutes(4));
        Assert.Equal("rf-3", Assert.Single(after.RefundsAwaitingRestock).RefundId);
        var restocked = after.Refunds.Where(r => r.Restocked || after.RefundsAwaitingRestock.Contains(r))
            .SelectMany(r => r.Lines.IsDefault ? [] : r.Lines).Where(l => l.Sku == "SKU-A").Sum(l => l.Quantity);
        Assert.Equal(2, restocked);
    }

    // ---------------------------------------------------------------- RequestRefund: once per id, and who may ask

    [Fact]
    public void Repeating_a_refund_with_the_same_id_and_request_changes_nothing()
    {
        var whole = PaidByProvider().Then(Refund("rf-1"), Min10);
        NoOp(Decide(whole, Refund("rf-1"), Min10.AddMinutes(1)));
        NoOp(Decide(whole.Then(RefundOk("rf-1"), Min10), Refund("rf-1"), Min10.AddMinutes(1)));

        var amount = PaidByProvider().Then(Refund("rf-1", 5m), Min10);
        NoOp(Decide(amount, Refund("rf-1", 5m), Min10.AddMinutes(1)));
        NoOp(Decide(amount.Then(RefundKo("rf-1"), Min10), Refund("rf-1", 5m), Min10.AddMinutes(1))); // not asked again after it failed

        var lines = PaidSettled().Then(Refund("rf-1", null, new RefundLine("SKU-A", 1)), Min10);
        NoOp(Decide(lines, Refund("rf-1", null, new RefundLine("SKU-A", 1)), Min10.AddMinutes(1)));
    }

    [Fact]
    public void Reusing_a_refund_id_for_another_request_is_an_idempotency_conflict()
    {
        var amount = PaidSettled().Then(Refund("rf-1", 5m), Min10);
        Refused(Decide(amount, Refund("rf-1", 6m), Min10), OrderRejectionCode.IdempotencyConflict);
        Refused(Decide(amount, Refund("rf-1", null, new RefundLine("SKU-B", 1)), Min10), OrderRejectionCode.IdempotencyConflict);

        var lines = PaidSettled().Then(Refund("rf-1", null, new RefundLine("SKU-A", 1)), Min10);
        Refused(Decide(lines, Refund("rf-1", null, new RefundLine("SKU-A", 2)), Min10), OrderRejectionCode.IdempotencyConflict);
        Refused(Decide(lines, Refund("rf-1", null, new RefundLine("SKU-B", 1)), Min10), OrderRejectionCode.IdempotencyConflict);
        Refused(Decide(lines, Refund("rf-1"), Min10), OrderRejectionCode.IdempotencyConflict);
    }

    [Fact]
    public void Refunding_an_unpaid_order_is_refused_as_invalid_state()
    {
        var r = Refused(Decide(ReservedOrder(), Refund(), Min10), OrderRejectionCode.InvalidState);
        Assert.Contains("no payment", r.Message);
        Refused(Decide(CashOnDeliveryConfirmed(), Refund(), Min10), OrderRejectionCode.InvalidState);
    }

    [Fact]
    public void Refunding_an_unknown_order_is_refused_as_not_found()
    {
        Refused(Decide(Given(), Refund(), Min10), OrderRejectionCode.NotFound);
    }

    [Theory]
    [InlineData("")]
    [InlineData("rf 1")]
    [InlineData("-rf")]
    public void A_malformed_refund_id_names_the_refund_id_field(string refundId)
    {
        Assert.Equal("refundId", SingleFieldError(Decide(PaidByProvider(), Refund(refundId), Min10)).Field);
    }

    [Fact]
    public void A_refund_reason_over_500_characters_names_the_reason_field()
    {
        Assert.Equal("reason", SingleFieldError(Decide(PaidByProvider(), Refund() with { Reason = new string('r', 501) }, Min10)).Field);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData(null)]
    [InlineData("101")]
    public void A_refund_without_who_asks_names_the_by_field(string? by)
    {
        var who = by == "101" ? new string('b', 101) : by;

        Assert.Equal("by", SingleFieldError(Decide(PaidByProvider(), Refund() with { By = who! }, Min10)).Field);
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    public void A_refund_without_a_reason_is_recorded_as_refund(string? reason)
    {
        Assert.Equal("refund", Requested(Decide(PaidByProvider(), Refund() with { Reason = reason! }, Min10)).Reason);
    }

    [Fact]
    public void A_held_order_paid_meanwhile_is_not_refunded_before_its_review()
    {
        // The operator reviews it first: rejecting it refunds its payment, approving it keeps it.
        var r = Refused(Decide(HeldPaid(), Refund("rf-1", 5m), Min10), OrderRejectionCode.InvalidState);
        Assert.Contains("on hold", r.Message);
        Refused(Decide(HeldPaid(), Refund("rf-1"), Min10), OrderRejectionCode.InvalidState);
        Refused(Decide(HeldPaid(), Refund("rf-1", null, new RefundLine("SKU-A", 1)), Min10), OrderRejectionCode.InvalidState);
    }

    [Fact]
    public void A_payment_held_as_an_anomaly_is_not_refunded_by_request_before_the_review()
    {
        var held = ReservedOrder(Holding).Then(ProviderPay(amount: 30m), Min10, Holding);

        Refused(Decide(held, Refund("rf-1", 5m) with { PaymentReference = "psp-1" }, Min10, Holding), OrderRejectionCode.InvalidState);

        // Once approved, the operator gives it back by naming it.
        var approved = held.Then(Approve(), Min10.AddMinutes(1), Holding);
        var e = Requested(Decide(approved, Refund("rf-1") with { PaymentReference = "psp-1" }, Min10.AddMinutes(2), Holding));
        Assert.Equal(("psp-1", Provider, 30m), (e.PaymentReference, e.Provider, e.Amount));
    }

    // ---------------------------------------------------------------- RecordRefundOutcome

    [Fact]
    public void A_successful_refund_is_recorded_with_the_providers_id()
    {
        var s = PaidByProvider().Then(Refund("rf-1", 5m), Min10);

        var d = Decide(s, RefundOk("rf-1", "evt-r1"), Min10.AddMinutes(1));

        Assert.Equal(new RefundSucceeded(OrderId, "rf-1", "re_rf-1", Min10.AddMinutes(1), "evt-r1", Provider), SingleEvent(d));
        var after = s.After(d);
        var record = Assert.Single(after.Refunds);
        Assert.Equal((RefundStatus.Succeeded, "re_rf-1"), (record.Status, record.ProviderRefundId));
        Assert.Empty(after.RefundsAwaitingProvider);
        Assert.True(after.HasSeen(Provider, "evt-r1"));
        Assert.Equal(OrderStatus.Paid, after.Status);
    }

    [Fact]
    public void A_failed_refund_is_recorded_with_its_reason()
    {
        var s = PaidByProvider().Then(Refund("rf-1", 5m), Min10);

        Assert.Equal(new RefundFailed(OrderId, "rf-1", "card closed", Min10, Provider: Provider), SingleEvent(Decide(s, RefundKo("rf-1"), Min10)));
        var record = Assert.Single(s.Then(RefundKo("rf-1"), Min10).Refunds);
        Assert.Equal((RefundStatus.Failed, "card closed"), (record.Status, record.FailureReason));
        Assert.Equal("refused by the provider", Assert.IsType<RefundFailed>(SingleEvent(Decide(s, RefundKo("rf-1", " "), Min10))).Reason);
    }

    [Fact]
    public void A_repeated_or_late_refund_outcome_changes_nothing()
    {
        var s = PaidByProvider().Then(Refund("rf-1", 5m), Min10);

        var succeeded = s.Then(RefundOk("rf-1"), Min10);
        NoOp(Decide(succeeded, RefundOk("rf-1"), Min10.AddMinutes(1)));
        NoOp(Decide(succeeded, RefundKo("rf-1"), Min10.AddMinutes(1)));

        var failed = s.Then(RefundKo("rf-1"), Min10);
        NoOp(Decide(failed, RefundKo("rf-1", "other"), Min10.AddMinutes(1)));
        NoOp(Decide(failed, RefundOk("rf-1"), Min10.AddMinutes(1)));
    }

    [Fact]
    public void A_repeated_refund_webhook_event_changes_nothing()
    {
        var s = PaidByProvider().Then(Refund("rf-1", 5m), Min10).Then(Refund("rf-2", 5m), Min10).Then(RefundOk("rf-1", "evt-r"), Min10);

        NoOp(Decide(s, RefundKo("rf-2", eventId: "evt-r"), Min10.AddMinutes(1)));
        Assert.IsType<RefundFailed>(SingleEvent(Decide(s, RefundKo("rf-2", eventId: "evt-r2"), Min10.AddMinutes(1))));
    }

    [Fact]
    public void An_outcome_for_an_unknown_refund_is_refused_as_not_found()
    {
        Refused(Decide(PaidByProvider(), RefundOk("rf-9"), Min10), OrderRejectionCode.NotFound);
        Refused(Decide(Given(), RefundOk("rf-9"), Min10), OrderRejectionCode.NotFound);
    }

    [Fact]
    public void A_paid_order_refunded_in_full_becomes_refunded()
    {
        var s = PaidByProvider().Then(Refund("rf-1"), Min10);

        var after = s.Then(RefundOk("rf-1"), Min10.AddMinutes(1));

        Assert.Equal(OrderStatus.Refunded, after.Status);
        Assert.Equal(new StatusChange(OrderStatus.Refunded, Min10.AddMinutes(1), "refunded in full", "system"), after.History[^1]);
        Assert.Equal(PendingStockAction.Commit, after.PendingStock); // its units were paid for: they are still committed
    }

    [Fact]
    public void A_paid_order_refunded_in_parts_becomes_refunded_when_the_last_part_succeeds()
    {
        var s = PaidSettled().Then(Refund("rf-1", null, new RefundLine("SKU-A", 2)), Min10).Then(Refund("rf-2", 1.50m), Min10);

        var first = s.Then(RefundOk("rf-2"), Min10);
        Assert.Equal(OrderStatus.Paid, first.Status);
        var both = first.Then(RefundOk("rf-1"), Min10);
        Assert.Equal(OrderStatus.Refunded, both.Status);
        Assert.Equal(PendingStockAction.None, both.PendingStock);
    }

    [Fact]
    public void A_paid_order_is_not_refunded_while_part_of_it_is_pending_or_after_a_part_failed()
    {
        var s = PaidByProvider().Then(Refund("rf-1", 20m), Min10).Then(Refund("rf-2", 1.48m), Min10);

        Assert.Equal(OrderStatus.Paid, s.Then(RefundOk("rf-1"), Min10).Status);
        Assert.Equal(OrderStatus.Paid, s.Then(RefundOk("rf-1"), Min10).Then(RefundKo("rf-2"), Min10).Status);
        Assert.Equal(OrderStatus.Paid, PaidByProvider().Then(Refund("rf-1"), Min10).Then(RefundKo("rf-1"), Min10).Status);
    }

    [Fact]
    public void A_refunded_order_has_nothing_left_to_refund()
    {
        var s = PaidByProvider().Then(Refund("rf-1"), Min10).Then(RefundOk("rf-1"), Min10);

        Refused(Decide(s, Refund("rf-2", 0.01m), Min10), OrderRejectionCode.RefundTooLarge);
        Refused(Decide(s, new CancelOrder(OrderId, "x"), Min10), OrderRejectionCode.InvalidState);
    }

    [Fact]
    public void The_refund_of_a_cancelled_order_leaves_it_cancelled()
    {
        var s = HeldPaid().Then(RejectReview(), T0.AddMinutes(3));

        var after = s.Then(RefundOk(Assert.Single(s.Refunds).RefundId), T0.AddMinutes(4));

        Assert.Equal(OrderStatus.Cancelled, after.Status);
    }

    // ---------------------------------------------------------------- MarkRefundRestocked

    [Fact]
    public void Marking_a_line_refund_restocked_records_it_once()
    {
        var requested = PaidSettled().Then(Refund("rf-1", null, new RefundLine("SKU-B", 2)), Min10);
        NoOp(Decide(requested, new MarkRefundRestocked(OrderId, "rf-1"), Min10)); // not before the money went back
        var s = requested.Then(RefundOk("rf-1"), Min10);

        var d = Decide(s, new MarkRefundRestocked(OrderId, "rf-1"), Min10.AddMinutes(1));

        Assert.Equal(new RefundRestocked(OrderId, "rf-1", Min10.AddMinutes(1)), SingleEvent(d));
        var after = s.After(d);
        Assert.Empty(after.RefundsAwaitingRestock);
        Assert.True(Assert.Single(after.Refunds).Restocked);
        NoOp(Decide(after, new MarkRefundRestocked(OrderId, "rf-1"), Min10.AddMinutes(2)));
    }

    [Fact]
    public void A_refund_without_lines_or_that_failed_or_that_is_unknown_owes_no_restock()
    {
        var amount = PaidSettled().Then(Refund("rf-1", 5m), Min10);
        Assert.Empty(amount.RefundsAwaitingRestock);
        NoOp(Decide(amount, new MarkRefundRestocked(OrderId, "rf-1"), Min10));
        NoOp(Decide(amount, new MarkRefundRestocked(OrderId, "rf-9"), Min10));

        var failed = PaidSettled().Then(Refund("rf-1", null, new RefundLine("SKU-B", 2)), Min10).Then(RefundKo("rf-1"), Min10);
        Assert.Empty(failed.RefundsAwaitingRestock);
        NoOp(Decide(failed, new MarkRefundRestocked(OrderId, "rf-1"), Min10));
    }

    [Fact]
    public void A_succeeded_line_refund_still_owes_its_restock()
    {
        var s = PaidSettled().Then(Refund("rf-1", null, new RefundLine("SKU-B", 2)), Min10).Then(RefundOk("rf-1"), Min10);

        Assert.Equal("rf-1", Assert.Single(s.RefundsAwaitingRestock).RefundId);
    }
}
