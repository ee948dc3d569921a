using System.Collections.Immutable;
using FsCheck;
using FsCheck.Xunit;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Returns;
using OrderEngine.Domain.Shipments;
using static OrderEngine.Domain.Tests.OrderTestKit;

namespace OrderEngine.Domain.Tests;

/// <summary>Returns: the order holds only delivered units and pays out no more than captured; the return's own steps.</summary>
public class ReturnDeciderTests
{
    // The test order: 2 x SKU-A at 9.99, 3 x SKU-B at 0.50 = 21.48 EUR, paid; SKU-A delivered at T0 + 2 days, SKU-B shipped, not delivered.
    private static readonly DateTimeOffset DeliveredAt = T0.AddDays(2);

    private static OrderState Delivered()
    {
        var s = Apply(Paid(), new MarkStockSettled(OrderId), T0.AddMinutes(6));
        s = Apply(s, new RecordShipment(OrderId, "sh-1", [new ShipmentLine("SKU-A", 2)], "dhl", "JJD-1"), T0.AddHours(1));
        s = Apply(s, new RecordShipment(OrderId, "sh-2", [new ShipmentLine("SKU-B", 3)], "dhl", "JJD-2"), T0.AddHours(1));
        return Apply(s, new RecordParcelOutcome(OrderId, "sh-1", ParcelStatus.Delivered, DeliveredAt), DeliveredAt);
    }

    private static RegisterReturn Register(string id, params (string Sku, int Qty)[] lines) =>
        new(OrderId, id, [.. lines.Select(l => new ReturnLine(l.Sku, l.Qty))], ReturnRules.DefaultWindowDays);

    private static readonly DateTimeOffset Later = DeliveredAt.AddDays(3);

    [Fact]
    public void A_return_holds_delivered_units_priced_as_refunds_price_them()
    {
        var s = Apply(Delivered(), Register("r-1", ("SKU-A", 2)), Later);
        var r = Assert.Single(s.Returns);
        Assert.Equal(19.98m, r.Value);
        Assert.Equal(2, OrderReturnsDecider.ReturnedUnits(s, "SKU-A"));
        Assert.Equal(s.Returns, s.ToView().Returns);
    }

    [Fact]
    public void Units_not_delivered_or_beyond_those_delivered_are_not_returned()
    {
        var s = Delivered();
        Assert.Equal("lines[0].quantity", Refused(When(s, Register("r-1", ("SKU-B", 1)), Later), OrderRejectionCode.Invalid).Errors[0].Field);
        Refused(When(s, Register("r-1", ("SKU-A", 3)), Later), OrderRejectionCode.Invalid);
        Refused(When(s, Register("r-1", ("SKU-Z", 1)), Later), OrderRejectionCode.Invalid);
        Refused(When(s, Register("r-1", ("SKU-A", 1), ("SKU-A", 1)), Later), OrderRejectionCode.Invalid);
        Refused(When(s, Register("r-1", ("SKU-A", 0)), Later), OrderRejectionCode.Invalid);
    }

    [Fact]
    public void Units_in_one_return_are_not_returned_again_until_it_is_rejected()
    {
        var s = Apply(Delivered(), Register("r-1", ("SKU-A", 2)), Later);
        Refused(When(s, Register("r-2", ("SKU-A", 1)), Later), OrderRejectionCode.Invalid);

        s = Apply(s, new ReleaseReturn(OrderId, "r-1"), Later);
        s = Apply(s, Register("r-2", ("SKU-A", 1)), Later);
        Assert.Equal(1, OrderReturnsDecider.ReturnedUnits(s, "SKU-A"));
        Refused(When(s, Register("r-1", ("SKU-A", 2)), Later), OrderRejectionCode.InvalidState); // a rejected return id is not reused
    }

    [Fact]
    public void A_return_after_the_window_since_delivery_is_refused()
    {
        var s = Delivered();
        Apply(s, Register("r-1", ("SKU-A", 1)), DeliveredAt.AddDays(30));
        var late = Refused(When(s, Register("r-1", ("SKU-A", 1)), DeliveredAt.AddDays(30).AddMinutes(1)), OrderRejectionCode.Invalid);
        Assert.Contains("return window has closed", late.Errors[0].Message);
    }

    [Fact]
    public void An_unpaid_order_has_nothing_to_return()
    {
        Refused(When(Reserved(), Register("r-1", ("SKU-A", 1)), Later), OrderRejectionCode.InvalidState);
        Refused(When(Given(), Register("r-1", ("SKU-A", 1)), Later), OrderRejectionCode.NotFound);
    }

    [Fact]
    public void A_repeated_registration_changes_nothing_and_one_with_other_lines_is_a_conflict()
    {
        var s = Apply(Delivered(), Register("r-1", ("SKU-A", 1)), Later);
        NoOp(When(s, Register("r-1", ("SKU-A", 1)), Later));
        Refused(When(s, Register("r-1", ("SKU-A", 2)), Later), OrderRejectionCode.IdempotencyConflict);
    }

    [Fact]
    public void Settling_a_refund_return_refunds_its_value_through_the_payment_once()
    {
        var s = Apply(Delivered(), Register("r-1", ("SKU-A", 1)), Later);
        var d = When(s, new SettleReturn(OrderId, "r-1", null, null), Later);
        var refund = Assert.IsType<RefundRequested>(d.Events[0]);
        Assert.Equal((9.99m, "pay-1", "return r-1", OrderReturnsDecider.RefundIdOf(OrderId, "r-1")), (refund.Amount, refund.PaymentReference, refund.Reason, refund.RefundId));
        Assert.True(refund.Lines.IsEmpty); // shipped units come back through the return, not the refund
        s = OrderDecider.Fold(s, d.Events);
        Assert.Equal(Total - 9.99m, s.Refundable);
        Assert.True(Assert.Single(s.Returns).Settled);
        NoOp(When(s, new SettleReturn(OrderId, "r-1", null, null), Later));
    }

    [Fact]
    public void A_return_never_refunds_more_than_is_left_of_the_payment()
    {
        var s = Apply(Delivered(), new RequestRefund(OrderId, "rf-1", 15m, [], "goodwill", "ops"), Later);
        s = Apply(s, Register("r-1", ("SKU-A", 2)), Later);
        s = Apply(s, new SettleReturn(OrderId, "r-1", null, null), Later);
        Assert.Equal(6.48m, s.Returns[0].Refunded);
        Assert.Equal(0m, s.Refundable);
    }

    [Fact]
    public void An_exchange_moves_the_value_to_the_replacement_as_a_credit_and_refunds_the_rest()
    {
        var s = Apply(Delivered(), Register("r-1", ("SKU-A", 2)), Later);
        s = Apply(s, new SettleReturn(OrderId, "r-1", "ex-1", 12m), Later);
        var r = s.Returns[0];
        Assert.Equal((12m, 7.98m, "ex-1"), (r.Credit, r.Refunded, r.ExchangeOrderId));
        var credit = s.Refunds.Single(x => x.RefundId == OrderReturnsDecider.CreditIdOf(OrderId, "r-1"));
        Assert.Equal((RefundStatus.Succeeded, 12m), (credit.Status, credit.Amount)); // settled: no provider is called for it
        Assert.Equal(Total - 19.98m, s.Refundable);
        Refused(When(s, new SettleReturn(OrderId, "r-1", null, null), Later), OrderRejectionCode.IdempotencyConflict);
    }

    [Fact]
    public void An_exchange_costing_more_takes_the_whole_value_as_credit_and_refunds_nothing()
    {
        var s = Apply(Delivered(), Register("r-1", ("SKU-A", 1)), Later);
        var d = When(s, new SettleReturn(OrderId, "r-1", "ex-1", 30m), Later);
        Assert.IsType<ReturnSettled>(Assert.Single(d.Events));
        s = OrderDecider.Fold(s, d.Events);
        Assert.Equal((9.99m, 0m), (s.Returns[0].Credit, s.Returns[0].Refunded));
    }

    // ---- the return's own steps ----------------------------------------------------------------------------------

    private static readonly ReturnRules RulesOfReturns = new(30, new NonReturnableSkus(["SKU-H"]));

    private static RequestReturn Request(ReturnResolution resolution = ReturnResolution.Refund, params (string Sku, int Qty)[] lines) =>
        new(OrderId, "r-1", [.. (lines.Length == 0 ? [("SKU-A", 2)] : lines).Select(l => new ReturnLine(l.Sku, l.Qty))], "too small", resolution,
            resolution == ReturnResolution.Exchange ? [new OrderLineRequest("SKU-A2", 2, 9.99m)] : []);

    private static ReturnState R(params IReturnEvent[] events) => ReturnDecider.Fold(ReturnState.Initial(OrderId, "r-1"), events);

    private static Decision<IReturnEvent, OrderRejection> Do(ReturnState s, IReturnCommand c) => ReturnDecider.Decide(s, c, Later, RulesOfReturns);

    private static ReturnState Step(ReturnState s, IReturnCommand c)
    {
        var d = Do(s, c);
        Assert.False(d.IsRejected, $"expected {c} to be accepted, got {d.Rejection}");
        return ReturnDecider.Fold(s, d.Events);
    }

    private static ReturnState Requested(ReturnResolution resolution = ReturnResolution.Refund) =>
        Step(R(), new ConfirmReturnRequest(OrderId, "r-1", Request(resolution), 19.98m, "EUR"));

    private static InspectReturn Inspect(int restockable, int not) => new(OrderId, "r-1", [new InspectedLine("SKU-A", restockable, not)], "wh-1");

    [Fact]
    public void A_return_goes_from_requested_to_approved_in_transit_received_and_inspected()
    {
        var s = Step(Requested(), new ApproveReturn(OrderId, "r-1", "ops"));
        s = Step(s, new RecordReturnShipment(OrderId, "r-1", "dhl", "RET-1"));
        Assert.Equal(ReturnStatus.InTransit, s.Status);
        s = Step(s, new MarkReturnReceived(OrderId, "r-1", "wh-1"));
        s = Step(s, Inspect(1, 1));
        Assert.Equal(ReturnStatus.Inspected, s.Status);
        Assert.Equal([new ReturnLine("SKU-A", 1)], s.UnitsToRestock.ToArray());
        s = Step(s, new MarkReturnRestocked(OrderId, "r-1"));
        Assert.True(s.UnitsToRestock.IsEmpty);
        Assert.Empty(Do(s, new ResolveReturn(OrderId, "r-1", "ops")).Events); // paid out at the order first, by the entity
        s = Step(s, new ConfirmReturnResolved(OrderId, "r-1", 19.98m, 0m, null));
        Assert.Equal((ReturnStatus.Resolved, 19.98m), (s.Status, s.Refunded));
        Assert.Equal(7, s.History.Length);
    }

    [Fact]
    public void Steps_out_of_order_are_refused()
    {
        var s = Requested();
        Assert.Equal(OrderRejectionCode.InvalidState, Do(s, new RecordReturnShipment(OrderId, "r-1", "dhl", "RET-1")).Rejection?.Code);
        Assert.Equal(OrderRejectionCode.InvalidState, Do(s, new MarkReturnReceived(OrderId, "r-1", "wh")).Rejection?.Code);
        Assert.Equal(OrderRejectionCode.InvalidState, Do(s, new ResolveReturn(OrderId, "r-1", "ops")).Rejection?.Code);
        var rejected = Step(s, new RejectReturn(OrderId, "r-1", "ops", "worn"));
        Assert.Equal(OrderRejectionCode.InvalidState, Do(rejected, new ApproveReturn(OrderId, "r-1", "ops")).Rejection?.Code);
        Assert.Empty(Do(rejected, new RejectReturn(OrderId, "r-1", "ops", "worn")).Events);
        Assert.Equal(OrderRejectionCode.NotFound, Do(R(), new ApproveReturn(OrderId, "r-1", "ops")).Rejection?.Code);
        var approved = Step(s, new ApproveReturn(OrderId, "r-1", "ops"));
        Assert.Equal(OrderRejectionCode.InvalidState, Do(approved, new RejectReturn(OrderId, "r-1", "ops", "late")).Rejection?.Code);
        Assert.Equal(OrderRejectionCode.InvalidState, Do(approved, Inspect(2, 0)).Rejection?.Code);
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    [InlineData(-1, 3)]
    public void An_inspection_judges_every_returned_unit_exactly_once(int restockable, int not)
    {
        var s = Step(Step(Requested(), new ApproveReturn(OrderId, "r-1", "ops")), new MarkReturnReceived(OrderId, "r-1", "wh"));
        Assert.Equal(OrderRejectionCode.Invalid, Do(s, Inspect(restockable, not)).Rejection?.Code);
        Assert.Equal(OrderRejectionCode.Invalid, Do(s, new InspectReturn(OrderId, "r-1", [new InspectedLine("SKU-B", 2, 0)], "wh")).Rejection?.Code);
    }

    [Fact]
    public void Requests_of_non_returnable_products_or_exchanges_without_replacement_are_invalid()
    {
        var s = R();
        Assert.Equal("lines[0].sku", ReturnDecider.Validate(s, Request(ReturnResolution.Refund, ("SKU-H", 1)), RulesOfReturns)!.Errors[0].Field);
        Assert.Equal("replacement", ReturnDecider.Validate(s, Request(ReturnResolution.Exchange) with { Replacement = [] }, RulesOfReturns)!.Errors[0].Field);
        Assert.Equal("replacement", ReturnDecider.Validate(s, Request() with { Replacement = [new("SKU-A", 1, 1m)] }, RulesOfReturns)!.Errors[0].Field);
        Assert.Equal("resolution", ReturnDecider.Validate(s, Request() with { Resolution = (ReturnResolution)(-1) }, RulesOfReturns)!.Errors[0].Field);
        Assert.Equal("reason", ReturnDecider.Validate(s, Request() with { Reason = " " }, RulesOfReturns)!.Errors[0].Field);
        Assert.Null(ReturnDecider.Validate(s, Request(ReturnResolution.Exchange), RulesOfReturns));
    }

    [Fact]
    public void A_repeated_request_changes_nothing_and_one_with_other_content_is_a_conflict()
    {
        var s = Requested();
        Assert.Empty(Do(s, Request()).Events);
        Assert.False(Do(s, Request()).IsRejected);
        Assert.Equal(OrderRejectionCode.IdempotencyConflict, Do(s, Request(ReturnResolution.Refund, ("SKU-A", 1))).Rejection?.Code);
    }

    // ---- invariants over random sequences ------------------------------------------------------------------------

    [Property(MaxTest = 300)]
    public void Never_more_returned_than_delivered_nor_refunded_than_captured_across_refunds_returns_and_exchanges_and_repeats_change_nothing(
        NonEmptyArray<PositiveInt> steps)
    {
        // SKU-A delivered; SKU-B shipped, its parcel's outcome one of the random steps.
        var s = Delivered();
        var n = 0;
        foreach (var step in steps.Get)
        {
            var v = step.Get;
            var sku = v % 2 == 0 ? "SKU-A" : "SKU-B";
            var returnId = "r-" + v % (n + 1);
            IOrderCommand command = (v % 7) switch
            {
                0 => new RequestRefund(OrderId, "rf-" + n, v % 5 + 0.25m, [], "goodwill", "ops"),
                1 => new RecordParcelOutcome(OrderId, "sh-2", v % 5 == 0 ? ParcelStatus.ReturnedToSender : ParcelStatus.Delivered, Later),
                2 => new RequestRefund(OrderId, "rf-" + n, v % 11 + 0.5m, [], "goodwill", "ops"),
                3 => new RegisterReturn(OrderId, "r-" + n, [new ReturnLine(sku, v % 3 + 1)], 30),
                4 => new ReleaseReturn(OrderId, returnId),
                5 => new SettleReturn(OrderId, returnId, "ex-" + returnId, v % 13),
                _ => new SettleReturn(OrderId, returnId, null, null),
            };
            n++;
            var now = Later.AddHours(n);
            var d = When(s, command, now);
            if (d.IsRejected) Assert.Empty(d.Events);
            s = OrderDecider.Fold(s, d.Events);
            foreach (var k in new[] { "SKU-A", "SKU-B" })
                Assert.True(OrderReturnsDecider.ReturnedUnits(s, k) <= OrderReturnsDecider.DeliveredUnits(s, k), $"{k} returned beyond delivered after {command}");
            Assert.True(s.Refunds.Where(r => r.Status != RefundStatus.Failed).Sum(r => r.Amount) <= s.Payment!.Amount, $"over-refunded after {command}");
            Assert.True(s.Returns.All(r => r.Refunded + r.Credit <= r.Value), $"a return paid out more than its value after {command}");
            Assert.Empty(When(s, command, now).Events); // the same command again changes nothing
        }
    }

    [Property(MaxTest = 200)]
    public void An_exchange_conserves_units_every_returned_unit_is_restocked_or_not_and_the_replacement_is_what_was_asked(
        PositiveInt returned, NonNegativeInt restockable, NonNegativeInt notRestockable, PositiveInt replacementUnits)
    {
        var q = returned.Get % 5 + 1;
        var request = Request(ReturnResolution.Exchange, ("SKU-A", q)) with { Replacement = [new OrderLineRequest("SKU-A2", replacementUnits.Get % 4 + 1, 7.5m)] };
        var s = Step(R(), new ConfirmReturnRequest(OrderId, "r-1", request, q * 9.99m, "EUR"));
        s = Step(Step(s, new ApproveReturn(OrderId, "r-1", "ops")), new MarkReturnReceived(OrderId, "r-1", "wh"));
        var (r, nr) = (restockable.Get % (q + 2), notRestockable.Get % (q + 2));
        var d = Do(s, Inspect(r, nr));
        Assert.Equal(r + nr == q, !d.IsRejected);
        if (d.IsRejected) return;
        s = ReturnDecider.Fold(s, d.Events);
        Assert.Equal(r, s.UnitsToRestock.Sum(l => l.Quantity));
        Assert.Equal(q, s.Inspection.Sum(l => l.Restockable + l.NotRestockable));
        Assert.Empty(Do(s, Inspect(r, nr)).Events); // a repeat changes nothing

        var view = Apply(Delivered(), Register("r-1", ("SKU-A", 2))).ToView();
        var credit = Math.Min(q * 9.99m, ReturnDecider.ReplacementTotal(s));
        var replacement = ReturnDecider.ReplacementOrder(s, view, credit, RulesOfReturns);
        Assert.Equal(request.Replacement, replacement.Lines);
        // The credit pays it, whole (paid at once) or in part (its discount, the difference due): never both, never beyond its price.
        Assert.Equal(credit, (replacement.PaidAtChannel?.Amount ?? 0m) + (replacement.Charges?.Discount ?? 0m));
        Assert.True(replacement.PaidAtChannel is null || replacement.Charges is null);
        Assert.Equal(replacement.PaidAtChannel is null ? ReturnDecider.ReplacementTotal(s) - credit : ReturnDecider.ReplacementTotal(s), OrderDecider.TotalOf(replacement));
        Assert.Equal((view.Channel, view.CustomerId, view.Currency), (replacement.Channel, replacement.CustomerId, replacement.Currency));
        Assert.Empty(OrderDecider.Validate(replacement, Rules));
    }
}
