using FsCheck;
using FsCheck.Xunit;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Returns;
using OrderEngine.Domain.Shipments;
using static OrderEngine.Domain.Tests.OrderTestKit;

namespace OrderEngine.Domain.Tests;

/// <summary>
/// An exchange whose replacement costs more than the credit: the replacement awaits the difference (not shippable, not
/// paid until then), tells its return whether it was paid or lapsed, and a lapsed credit goes back to the original payment once.
/// </summary>
public class ExchangeDifferenceTests
{
    private static readonly DateTimeOffset DeliveredAt = T0.AddDays(2);
    private static readonly DateTimeOffset Later = DeliveredAt.AddDays(3);
    private static readonly ReturnRules ReturnRules = ReturnRules.Default with { DifferenceDueWithin = TimeSpan.FromDays(7) };

    // ---- the original order ----------------------------------------------------------------------------------------

    /// <summary>The test order (21.48 EUR, paid), SKU-A (2 x 9.99) delivered, SKU-B shipped and not delivered.</summary>
    private static OrderState Delivered()
    {
        var s = Apply(Paid(), new MarkStockSettled(OrderId), T0.AddMinutes(6));
        s = Apply(s, new RecordShipment(OrderId, "sh-1", [new ShipmentLine("SKU-A", 2)], "dhl", "JJD-1"), T0.AddHours(1));
        s = Apply(s, new RecordShipment(OrderId, "sh-2", [new ShipmentLine("SKU-B", 3)], "dhl", "JJD-2"), T0.AddHours(1));
        return Apply(s, new RecordParcelOutcome(OrderId, "sh-1", ParcelStatus.Delivered, DeliveredAt), DeliveredAt);
    }

    /// <summary>One unit of SKU-A (9.99) returned and exchanged for a replacement of 30: the whole 9.99 is credit, 20.01 due.</summary>
    private static OrderState Exchanged(string returnId = "r-1", string exchangeId = "ex-1")
    {
        var s = Apply(Delivered(), new RegisterReturn(OrderId, returnId, [new ReturnLine("SKU-A", 1)], 30), Later);
        return Apply(s, new SettleReturn(OrderId, returnId, exchangeId, 30m), Later);
    }

    private static decimal Counted(OrderState s) => s.Refunds.Where(r => r.Status != RefundStatus.Failed).Sum(r => r.Amount);

    [Fact]
    public void A_lapsed_exchange_credit_is_refunded_through_the_payment_once_and_stops_counting_as_credit()
    {
        var s = Exchanged();
        Assert.Equal(Total - 9.99m, s.Refundable);

        var d = When(s, new RefundExchangeCredit(OrderId, "r-1", "ex-1"), Later.AddDays(8));
        var lapsed = Assert.IsType<ExchangeCreditLapsed>(d.Events[0]);
        var refund = Assert.IsType<RefundRequested>(d.Events[1]);
        Assert.Equal((9.99m, "pay-1", OrderReturnsDecider.LapsedCreditRefundIdOf(OrderId, "r-1")), (refund.Amount, refund.PaymentReference, refund.RefundId));
        Assert.Equal(lapsed.RefundId, refund.RefundId);
        s = OrderDecider.Fold(s, d.Events);

        var credit = s.Refunds.Single(r => r.RefundId == OrderReturnsDecider.CreditIdOf(OrderId, "r-1"));
        Assert.Equal(RefundStatus.Failed, credit.Status); // no longer counts: the money goes back as the refund instead
        Assert.Contains("lapsed", credit.FailureReason);
        Assert.True(s.Returns.Single().CreditRefunded);
        Assert.Equal(Total - 9.99m, s.Refundable); // the same 9.99 counts once: as the refund now, not as the credit
        Assert.Equal(9.99m, Counted(s));
        NoOp(When(s, new RefundExchangeCredit(OrderId, "r-1", "ex-1"), Later.AddDays(9)));

        // The provider's answer settles it like any refund.
        s = Apply(s, new RecordRefundOutcome(OrderId, refund.RefundId, true, "re_1", null), Later.AddDays(9));
        Assert.Equal(Total - 9.99m, s.Refundable);
    }

    [Fact]
    public void A_credit_is_given_back_only_for_the_exchange_that_took_it()
    {
        var s = Exchanged();
        Refused(When(s, new RefundExchangeCredit(OrderId, "r-1", "ex-other"), Later), OrderRejectionCode.Invalid);
        Refused(When(s, new RefundExchangeCredit(OrderId, "r-9", "ex-1"), Later), OrderRejectionCode.NotFound);
        var refundReturn = Apply(Apply(Delivered(), new RegisterReturn(OrderId, "r-2", [new ReturnLine("SKU-A", 1)], 30), Later),
            new SettleReturn(OrderId, "r-2", null, null), Later);
        Refused(When(refundReturn, new RefundExchangeCredit(OrderId, "r-2", "ex-1"), Later), OrderRejectionCode.InvalidState);
        var unsettled = Apply(Delivered(), new RegisterReturn(OrderId, "r-3", [new ReturnLine("SKU-A", 1)], 30), Later);
        Refused(When(unsettled, new RefundExchangeCredit(OrderId, "r-3", "ex-1"), Later), OrderRejectionCode.InvalidState);
    }

    // ---- the replacement order -------------------------------------------------------------------------------------

    private const string ExchangeId = "ex-1";

    private static PlaceOrder Replacement(TimeSpan? holdFor = null) => new(ExchangeId, "web", "cust-1", "EUR",
        [new OrderLineRequest("SKU-C", 1, 30m)], Shipping, Charges: new OrderCharges(0m, 0m, 9.99m, "exchange credit of return r-1 of order o-1"),
        ExternalId: "exchange:r-1", HoldFor: holdFor ?? TimeSpan.FromDays(7), ExchangeOf: new ExchangeLink(OrderId, "r-1"));

    private static Decision<IOrderEvent, OrderRejection> On(OrderState s, IOrderCommand c, DateTimeOffset now, OrderRules? rules = null) =>
        OrderDecider.Decide(s, c, now, rules ?? Rules);

    private static OrderState Do(OrderState s, IOrderCommand c, DateTimeOffset now, OrderRules? rules = null)
    {
        var d = On(s, c, now, rules);
        Assert.False(d.IsRejected, $"expected {c} to be accepted, got {d.Rejection}");
        return OrderDecider.Fold(s, d.Events);
    }

    /// <summary>The replacement placed and reserved at <see cref="Later"/>: 30 less the 9.99 credit, 20.01 due.</summary>
    private static OrderState ReplacementReserved(OrderRules? rules = null)
    {
        var s = Do(OrderState.Initial(ExchangeId), Replacement(), Later, rules);
        return Do(s, new CompleteReservation(ExchangeId, [new("SKU-C", true, null, null)]), Later.AddSeconds(1), rules);
    }

    [Fact]
    public void A_replacement_costing_more_awaits_the_difference_for_its_own_hold_and_is_neither_paid_nor_shippable_until_then()
    {
        var s = ReplacementReserved();
        Assert.Equal(OrderStatus.Reserved, s.Status);
        Assert.Equal(20.01m, s.Placement!.Total);
        Assert.Equal(Later.AddDays(7), s.ExpiresAt); // not the rules' 15 minutes
        Assert.Null(s.Payment);
        Assert.Equal("exchange credit of return r-1 of order o-1", s.ToView().Charges!.DiscountReason);
        Refused(On(s, new RecordShipment(ExchangeId, "sh-1", [new ShipmentLine("SKU-C", 1)], "dhl", "JJD-9"), Later.AddHours(1)), OrderRejectionCode.InvalidState);
        Assert.Null(OrderReturnsDecider.ExchangeOutcomeOf(s)); // nothing to tell its return yet
        Refused(On(s, new ConfirmPayment(ExchangeId, 30m, "EUR", "pay-9"), Later.AddHours(1)), OrderRejectionCode.PaymentMismatch);

        // The provider's webhook for the difference pays it just as well.
        Assert.IsType<PaymentConfirmed>(Assert.Single(On(s, new RecordProviderPayment(ExchangeId, "sandbox", "evt-9", "pi-9", 20.01m, "EUR"), Later.AddDays(5)).Events));

        // Still payable on day 6 (a normal order would have expired long ago); the difference pays it.
        s = Do(s, new ConfirmPayment(ExchangeId, 20.01m, "EUR", "pay-9"), Later.AddDays(6));
        Assert.Equal(OrderStatus.Paid, s.Status);
        Assert.Equal(20.01m, s.Refundable); // its refunds are capped at what was paid for it
        Assert.Equal(new ExchangeOutcome(new ExchangeLink(OrderId, "r-1"), ExchangeId, true, 20.01m), OrderReturnsDecider.ExchangeOutcomeOf(s));
        var shipped = Do(s, new RecordShipment(ExchangeId, "sh-1", [new ShipmentLine("SKU-C", 1)], "dhl", "JJD-9"), Later.AddDays(6));
        Assert.Single(shipped.Shipments);

        s = Do(s, new MarkExchangeOutcomeReported(ExchangeId), Later.AddDays(6));
        Assert.Null(OrderReturnsDecider.ExchangeOutcomeOf(s)); // told once
        Assert.Empty(On(s, new MarkExchangeOutcomeReported(ExchangeId), Later.AddDays(6)).Events);
    }

    [Fact]
    public void A_replacement_left_unpaid_expires_at_the_end_of_its_own_hold_and_reports_the_lapse()
    {
        var s = ReplacementReserved();
        Assert.Empty(On(s, new ExpireOrder(ExchangeId), Later.AddDays(7).AddSeconds(-1)).Events);
        s = Do(s, new ExpireOrder(ExchangeId), Later.AddDays(7).AddSeconds(1));
        Assert.Equal(OrderStatus.Expired, s.Status);
        Assert.Equal(new ExchangeOutcome(new ExchangeLink(OrderId, "r-1"), ExchangeId, false, 0m), OrderReturnsDecider.ExchangeOutcomeOf(s));
        // A payment that arrives late is not the replacement's: it is an anomaly, refunded.
        var late = On(s, new RecordProviderPayment(ExchangeId, "sandbox", "evt-1", "pi-1", 20.01m, "EUR"), Later.AddDays(8));
        Assert.Contains(late.Events, e => e is RefundRequested);

        var cancelled = Do(ReplacementReserved(), new CancelOrder(ExchangeId, "changed my mind"), Later.AddDays(1));
        Assert.False(OrderReturnsDecider.ExchangeOutcomeOf(cancelled)!.Paid);
    }

    [Fact]
    public void A_replacement_held_for_review_keeps_its_own_hold_once_approved()
    {
        var review = ReviewRules.None with { HoldAboveTotal = System.Collections.Immutable.ImmutableDictionary<string, decimal>.Empty.Add("EUR", 10m) };
        var rules = Rules with { Review = review };
        var s = ReplacementReserved(rules);
        Assert.Equal(OrderStatus.OnHold, s.Status);
        s = Do(s, new ReviewOrder(ExchangeId, true, "known customer", "ops"), Later.AddHours(2), rules);
        Assert.Equal((OrderStatus.Reserved, Later.AddHours(2).AddDays(7)), (s.Status, s.ExpiresAt));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-60)]
    [InlineData(31 * 24 * 3600)]
    public void An_absurd_hold_of_its_own_is_refused_field_by_field(int seconds)
    {
        var d = On(OrderState.Initial(ExchangeId), Replacement(TimeSpan.FromSeconds(seconds)), Later);
        Assert.Equal("holdFor", Assert.Single(Refused(d, OrderRejectionCode.Invalid).Errors).Field);
        var self = On(OrderState.Initial(ExchangeId), Replacement() with { ExchangeOf = new ExchangeLink(ExchangeId, "r-1") }, Later);
        Assert.Equal("exchangeOf", Assert.Single(Refused(self, OrderRejectionCode.Invalid).Errors).Field);
    }

    [Fact]
    public void The_return_places_a_replacement_costing_more_with_the_credit_as_discount_and_one_covered_by_it_paid()
    {
        var original = Exchanged().ToView();
        var s = InspectedExchange(30m);
        var more = ReturnDecider.ReplacementOrder(s, original, 9.99m, ReturnRules);
        Assert.Null(more.PaidAtChannel);
        Assert.Equal((9.99m, 20.01m), (more.Charges!.Discount, OrderDecider.TotalOf(more)));
        Assert.Equal((TimeSpan.FromDays(7), new ExchangeLink(OrderId, "r-1")), (more.HoldFor!.Value, more.ExchangeOf));
        Assert.Empty(OrderDecider.Validate(more, Rules));

        var covered = ReturnDecider.ReplacementOrder(InspectedExchange(9.99m), original, 9.99m, ReturnRules);
        Assert.Equal(9.99m, covered.PaidAtChannel!.Amount);
        Assert.Null(covered.ExchangeOf); // nothing to wait for, nothing to report
    }

    // ---- the return's side -----------------------------------------------------------------------------------------

    private static ReturnState InspectedExchange(decimal replacementPrice)
    {
        var request = new RequestReturn(OrderId, "r-1", [new ReturnLine("SKU-A", 1)], "wrong colour", ReturnResolution.Exchange,
            [new OrderLineRequest("SKU-C", 1, replacementPrice)]);
        var s = ReturnState.Initial(OrderId, "r-1");
        foreach (var c in new IReturnCommand[]
                 {
                     new ConfirmReturnRequest(OrderId, "r-1", request, 9.99m, "EUR"), new ApproveReturn(OrderId, "r-1", "ops"),
                     new MarkReturnReceived(OrderId, "r-1", "wh"), new InspectReturn(OrderId, "r-1", [new InspectedLine("SKU-A", 1, 0)], "wh"),
                 })
            s = Step(s, c);
        return s;
    }

    private static ReturnState Step(ReturnState s, IReturnCommand c)
    {
        var d = ReturnDecider.Decide(s, c, Later, ReturnRules);
        Assert.False(d.IsRejected, $"expected {c} to be accepted, got {d.Rejection}");
        return ReturnDecider.Fold(s, d.Events);
    }

    private static ReturnState ResolvedWithDifference() => Step(InspectedExchange(30m), new ConfirmReturnResolved(OrderId, "r-1", 0m, 9.99m, ExchangeId));

    [Fact]
    public void A_paid_difference_settles_the_exchange_and_the_return_says_so()
    {
        var s = ResolvedWithDifference();
        Assert.Equal((ExchangeStatus.DifferenceDue, 20.01m), (s.Exchange, s.DifferenceDue));
        Assert.Contains("difference 20.01 due", s.History[^1].Note);

        s = Step(s, new RecordExchangeOutcome(OrderId, "r-1", ExchangeId, true, 20.01m));
        Assert.Equal((ExchangeStatus.Settled, 20.01m, 9.99m, 0m), (s.Exchange, s.DifferencePaid, s.Credit, s.Refunded));
        Assert.Equal("exchange settled: credit 9.99, paid 20.01", s.History[^1].Note);
        Assert.False(s.CreditRefundOwed);
        Assert.Equal(ExchangeStatus.Settled, s.ToView().Exchange);

        Assert.Empty(ReturnDecider.Decide(s, new RecordExchangeOutcome(OrderId, "r-1", ExchangeId, true, 20.01m), Later, ReturnRules).Events);
        Assert.Equal(OrderRejectionCode.IdempotencyConflict,
            ReturnDecider.Decide(s, new RecordExchangeOutcome(OrderId, "r-1", ExchangeId, false, 0m), Later, ReturnRules).Rejection?.Code);
    }

    [Fact]
    public void A_lapsed_exchange_is_resolved_as_refunded_once_the_original_order_gave_the_credit_back()
    {
        var s = Step(ResolvedWithDifference(), new RecordExchangeOutcome(OrderId, "r-1", ExchangeId, false, 0m));
        Assert.Equal(ExchangeStatus.Lapsed, s.Exchange);
        Assert.True(s.CreditRefundOwed);
        Assert.Empty(ReturnDecider.Decide(s, new RecordExchangeOutcome(OrderId, "r-1", ExchangeId, false, 0m), Later, ReturnRules).Events);

        s = Step(s, new ConfirmExchangeCreditRefunded(OrderId, "r-1", 9.99m));
        Assert.Equal((9.99m, 0m, false), (s.Refunded, s.Credit, s.CreditRefundOwed));
        Assert.StartsWith("resolved as refunded after the exchange lapsed", s.History[^1].Note);
        Assert.Empty(ReturnDecider.Decide(s, new ConfirmExchangeCreditRefunded(OrderId, "r-1", 9.99m), Later, ReturnRules).Events);
        Assert.Equal(OrderRejectionCode.IdempotencyConflict,
            ReturnDecider.Decide(s, new RecordExchangeOutcome(OrderId, "r-1", ExchangeId, true, 20.01m), Later, ReturnRules).Rejection?.Code);
    }

    [Fact]
    public void An_outcome_for_another_order_or_before_resolution_changes_nothing()
    {
        Assert.Equal(OrderRejectionCode.InvalidState,
            ReturnDecider.Decide(InspectedExchange(30m), new RecordExchangeOutcome(OrderId, "r-1", ExchangeId, true, 20.01m), Later, ReturnRules).Rejection?.Code);
        Assert.Equal(OrderRejectionCode.Invalid,
            ReturnDecider.Decide(ResolvedWithDifference(), new RecordExchangeOutcome(OrderId, "r-1", "ex-other", false, 0m), Later, ReturnRules).Rejection?.Code);
    }

    // ---- invariants over random sequences --------------------------------------------------------------------------

    [Property(MaxTest = 300)]
    public void Never_more_refunded_than_captured_and_each_credit_used_once_across_refunds_returns_exchanges_and_lapsed_credits(NonEmptyArray<PositiveInt> steps)
    {
        var s = Delivered();
        s = Apply(s, new RecordParcelOutcome(OrderId, "sh-2", ParcelStatus.Delivered, DeliveredAt), DeliveredAt);
        // One exchange whose replacement costs more is there from the start; the steps add refunds, returns, exchanges and lapses.
        s = Apply(s, new RegisterReturn(OrderId, "r-x", [new ReturnLine("SKU-A", 1)], 30), Later);
        s = Apply(s, new SettleReturn(OrderId, "r-x", "ex-r-x", 30m), Later);
        var n = 0;
        foreach (var step in steps.Get)
        {
            var v = step.Get;
            var sku = v % 2 == 0 ? "SKU-A" : "SKU-B";
            var returnId = s.Returns.IsEmpty ? "r-0" : s.Returns[v / 8 % s.Returns.Length].ReturnId;
            var requested = s.Refunds.Where(r => r.Status == RefundStatus.Requested).Select(r => r.RefundId).ToList();
            IOrderCommand command = (v % 8) switch
            {
                0 => new RequestRefund(OrderId, "rf-" + n, v % 7 + 0.25m, [], "goodwill", "ops"),
                1 => new RegisterReturn(OrderId, "r-" + n, [new ReturnLine(sku, v % 2 + 1)], 30),
                2 => new SettleReturn(OrderId, returnId, "ex-" + returnId, v % 29),
                3 => new SettleReturn(OrderId, returnId, null, null),
                4 or 5 => new RefundExchangeCredit(OrderId, returnId, "ex-" + returnId),
                6 when requested.Count > 0 => new RecordRefundOutcome(OrderId, requested[v % requested.Count], v % 3 != 0, "re-" + n, "declined"),
                _ => new RequestRefund(OrderId, "rf-" + n, null, [], "rest", "ops"),
            };
            n++;
            var now = Later.AddHours(n);
            var d = When(s, command, now);
            if (d.IsRejected) Assert.Empty(d.Events);
            s = OrderDecider.Fold(s, d.Events);

            Assert.True(Counted(s) <= s.Payment!.Amount, $"over-refunded after {command}");
            Assert.True(s.Refundable >= 0, $"negative refundable after {command}");
            foreach (var r in s.Returns.Where(r => r.ExchangeOrderId is not null && r.Credit > 0))
            {
                var credit = s.Refunds.Single(x => x.RefundId == OrderReturnsDecider.CreditIdOf(OrderId, r.ReturnId));
                var lapsedRefund = s.Refunds.SingleOrDefault(x => x.RefundId == OrderReturnsDecider.LapsedCreditRefundIdOf(OrderId, r.ReturnId));
                // Used once: still the replacement's (counted as credit, nothing refunded for it) or given back (not counted, refunded once).
                if (r.CreditRefunded)
                {
                    Assert.Equal(RefundStatus.Failed, credit.Status);
                    Assert.True(lapsedRefund is null || lapsedRefund.Amount <= r.Credit, $"credit of {r.ReturnId} refunded beyond itself after {command}");
                }
                else
                {
                    Assert.Equal(RefundStatus.Succeeded, credit.Status);
                    Assert.Null(lapsedRefund);
                }
            }
            Assert.Empty(When(s, command, now).Events); // the same command again changes nothing
        }
    }
}
