using System.Collections.Immutable;
using FsCheck;
using FsCheck.Xunit;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Payments;
using OrderEngine.Domain.Shipments;
using static OrderEngine.Domain.Tests.OrderTestKit;

namespace OrderEngine.Domain.Tests;

/// <summary>An order's shipments: never more than sold, delivery and return to sender, cash on delivery settled at the door.</summary>
public class FulfilmentDeciderTests
{
    // The test order: 2 x SKU-A at 9.99, 3 x SKU-B at 0.50 = 21.48 EUR.
    private static OrderState PaidAndSettled() => Apply(Paid(), new MarkStockSettled(OrderId), T0.AddMinutes(6));

    private static RecordShipment Ship(string id, params (string Sku, int Qty)[] lines) =>
        new(OrderId, id, [.. lines.Select(l => new ShipmentLine(l.Sku, l.Qty))], "dhl", "JJD-" + id);

    private static RecordParcelOutcome Outcome(string shipmentId, ParcelStatus status) => new(OrderId, shipmentId, status, T0.AddDays(2));

    private static OrderState CashOnDelivery()
    {
        var placed = (OrderPlaced)SingleEvent(When(Given(), Place() with { PaymentMethod = PaymentMethod.CashOnDelivery }));
        var decided = OrderDecider.DecidePlacement(placed, [new("SKU-A", true, null, null), new("SKU-B", true, null, null)], null, T0, Rules);
        return Given(decided.Placed!);
    }

    [Fact]
    public void A_shipment_of_a_paid_order_is_recorded_and_the_order_is_partly_then_fully_shipped()
    {
        var s = Apply(PaidAndSettled(), Ship("sh-1", ("SKU-A", 2)), T0.AddHours(1));
        Assert.Equal((Fulfilment.PartiallyShipped, OrderStatus.PartiallyShipped), (s.Fulfilment, s.ToView().Status));
        Assert.Equal(OrderStatus.Paid, s.Status); // the money status is unchanged
        Assert.Equal(FulfilmentDecider.ParcelIdOf("JJD-sh-1"), s.Shipments[0].ParcelId);
        Assert.Single(s.ShipmentsAwaitingDeparture);

        s = Apply(s, Ship("sh-2", ("SKU-B", 3)), T0.AddHours(2));
        Assert.Equal(OrderStatus.Shipped, s.ToView().Status);
        Assert.True(s.NothingLeftToShip);
    }

    [Fact]
    public void A_shipment_never_holds_more_than_was_sold_and_not_shipped()
    {
        var s = Apply(PaidAndSettled(), Ship("sh-1", ("SKU-A", 1)), T0.AddHours(1));

        var tooMany = Refused(When(s, Ship("sh-2", ("SKU-A", 2))), OrderRejectionCode.Invalid);
        Assert.Equal("lines[0].quantity", Assert.Single(tooMany.Errors).Field);
        Refused(When(s, Ship("sh-2", ("SKU-Z", 1))), OrderRejectionCode.Invalid);
        Refused(When(s, Ship("sh-2", ("SKU-B", 1), ("SKU-B", 1))), OrderRejectionCode.Invalid);
    }

    [Fact]
    public void Units_refunded_before_shipping_are_not_shipped_and_shipped_units_are_not_refunded_by_line()
    {
        var s = Apply(PaidAndSettled(), new RequestRefund(OrderId, "rf-1", null, [new RefundLine("SKU-B", 2)], "out of stock", "ops"), T0.AddHours(1));
        Assert.Equal(1, s.UnitsToShip("SKU-B"));
        Refused(When(s, Ship("sh-1", ("SKU-B", 2))), OrderRejectionCode.Invalid);

        s = Apply(s, Ship("sh-1", ("SKU-A", 2), ("SKU-B", 1)), T0.AddHours(2));
        Assert.True(s.NothingLeftToShip);
        var rejection = Refused(When(s, new RequestRefund(OrderId, "rf-2", null, [new RefundLine("SKU-A", 1)], "damaged", "ops")), OrderRejectionCode.Invalid);
        Assert.Contains("through a return or by amount", rejection.Errors[0].Message);
    }

    [Fact]
    public void A_repeated_shipment_changes_nothing_and_one_with_other_content_is_a_conflict()
    {
        var s = Apply(PaidAndSettled(), Ship("sh-1", ("SKU-A", 1)), T0.AddHours(1));

        Assert.Empty(When(s, Ship("sh-1", ("SKU-A", 1))).Events);
        Assert.Empty(When(s, Ship("sh-1", ("SKU-A", 1)) with { TrackingNumber = " jjd-sh-1 " }).Events);
        Refused(When(s, Ship("sh-1", ("SKU-A", 2))), OrderRejectionCode.IdempotencyConflict);
        Refused(When(s, Ship("sh-1", ("SKU-A", 1)) with { Carrier = "ups" }), OrderRejectionCode.IdempotencyConflict);
    }

    [Theory]
    [InlineData(OrderStatus.Reserved)]
    [InlineData(OrderStatus.Cancelled)]
    [InlineData(OrderStatus.Expired)]
    public void Only_a_paid_or_cash_on_delivery_order_ships(OrderStatus status)
    {
        Refused(When(InStatus(status), Ship("sh-1", ("SKU-A", 1))), OrderRejectionCode.InvalidState);
    }

    [Fact]
    public void A_bad_shipment_is_refused_naming_each_field()
    {
        var rejection = Refused(When(PaidAndSettled(), new RecordShipment(OrderId, "sh 1", [], "", "has space")), OrderRejectionCode.Invalid);

        Assert.Equal(["shipmentId", "carrier", "trackingNumber", "lines"], rejection.Errors.Select(e => e.Field).ToArray());
    }

    [Fact]
    public void Delivery_of_every_parcel_makes_the_order_delivered_and_a_repeat_or_late_report_changes_nothing()
    {
        var s = Apply(PaidAndSettled(), Ship("sh-1", ("SKU-A", 2), ("SKU-B", 3)), T0.AddHours(1));

        s = Apply(s, Outcome("sh-1", ParcelStatus.Delivered), T0.AddDays(2));

        Assert.Equal(OrderStatus.Delivered, s.ToView().Status);
        Assert.Equal(T0.AddDays(2), s.Shipments[0].DeliveredAt);
        Assert.Empty(When(s, Outcome("sh-1", ParcelStatus.Delivered)).Events);
        Assert.Empty(When(s, Outcome("sh-1", ParcelStatus.ReturnedToSender)).Events);
        Refused(When(s, Outcome("sh-9", ParcelStatus.Delivered)), OrderRejectionCode.NotFound);
    }

    [Fact]
    public void Cash_on_delivery_commits_its_units_when_it_ships_and_is_paid_when_delivered()
    {
        var s = CashOnDelivery();
        Assert.Equal(PendingStockAction.None, s.PendingStock);

        s = Apply(s, Ship("sh-1", ("SKU-A", 2), ("SKU-B", 3)), T0.AddHours(1));
        Assert.Equal(PendingStockAction.Commit, s.PendingStock);
        Assert.Empty(s.ShipmentsAwaitingDeparture); // the units leave once sold
        Refused(When(s, new CancelOrder(OrderId, "changed my mind")), OrderRejectionCode.InvalidState);
        s = Apply(s, new MarkStockSettled(OrderId), T0.AddHours(1));
        Assert.Single(s.ShipmentsAwaitingDeparture);

        var d = When(s, Outcome("sh-1", ParcelStatus.Delivered), T0.AddDays(2));
        var paid = Assert.IsType<PaymentConfirmed>(d.Events[1]);
        Assert.Equal((Total, FulfilmentDecider.CashOnDeliveryProvider, "cod:JJD-sh-1"), (paid.Amount, paid.Provider, paid.Reference));
        s = OrderDecider.Fold(s, d.Events);
        Assert.Equal((OrderStatus.Paid, OrderStatus.Delivered, true), (s.Status, s.ToView().Status, s.StockSettled));
        Assert.Equal(PendingStockAction.None, s.PendingStock);
    }

    [Fact]
    public void Cash_on_delivery_returned_to_sender_is_cancelled_and_its_units_come_back()
    {
        var s = Apply(Apply(CashOnDelivery(), Ship("sh-1", ("SKU-A", 2), ("SKU-B", 3)), T0.AddHours(1)), new MarkStockSettled(OrderId), T0.AddHours(1));
        s = Apply(s, new MarkShipmentMoved(OrderId, "sh-1", ShipmentMovement.Left), T0.AddHours(1));

        s = Apply(s, Outcome("sh-1", ParcelStatus.ReturnedToSender), T0.AddDays(5));

        Assert.Equal(OrderStatus.Cancelled, s.Status);
        Assert.Null(s.Payment);
        Assert.Equal(PendingStockAction.None, s.PendingStock); // nothing reserved is left to release
        Assert.Single(s.ShipmentsAwaitingReturn);
        s = Apply(s, new MarkShipmentMoved(OrderId, "sh-1", ShipmentMovement.Back), T0.AddDays(5));
        Assert.Empty(s.ShipmentsAwaitingReturn);
    }

    [Fact]
    public void A_paid_parcel_returned_to_sender_refunds_its_units_and_the_last_one_back_refunds_everything_left()
    {
        var s = Apply(PaidAndSettled(), Ship("sh-1", ("SKU-A", 1)), T0.AddHours(1));
        s = Apply(s, Ship("sh-2", ("SKU-A", 1), ("SKU-B", 3)), T0.AddHours(1));

        var first = Assert.IsType<RefundRequested>(When(s, Outcome("sh-1", ParcelStatus.ReturnedToSender), T0.AddDays(3)).Events[1]);
        Assert.Equal((9.99m, false), (first.Amount, first.Whole));
        s = Apply(s, Outcome("sh-1", ParcelStatus.ReturnedToSender), T0.AddDays(3));

        var last = Assert.IsType<RefundRequested>(When(s, Outcome("sh-2", ParcelStatus.ReturnedToSender), T0.AddDays(4)).Events[1]);
        Assert.Equal((Total - 9.99m, true), (last.Amount, last.Whole));
    }

    [Fact]
    public void A_delivered_parcel_and_one_returned_settle_cash_on_delivery_for_what_was_delivered()
    {
        var s = Apply(Apply(CashOnDelivery(), Ship("sh-1", ("SKU-A", 2)), T0.AddHours(1)), Ship("sh-2", ("SKU-B", 3)), T0.AddHours(1));

        s = Apply(s, Outcome("sh-2", ParcelStatus.ReturnedToSender), T0.AddDays(3));
        Assert.Null(s.Payment); // one parcel is still on its way
        var d = When(s, Outcome("sh-1", ParcelStatus.Delivered), T0.AddDays(4));

        Assert.Equal(19.98m, Assert.IsType<PaymentConfirmed>(d.Events[1]).Amount);
    }

    // ---- invariants over random sequences ------------------------------------------------------------------------

    [Property(MaxTest = 300)]
    public void Shipments_never_hold_more_than_was_sold_and_not_refunded_and_repeats_change_nothing(NonEmptyArray<PositiveInt> steps)
    {
        var s = PaidAndSettled();
        var n = 0;
        foreach (var step in steps.Get)
        {
            var v = step.Get;
            IOrderCommand command = (v % 5) switch
            {
                0 => new RequestRefund(OrderId, "rf-" + n, null, [new RefundLine(v % 2 == 0 ? "SKU-A" : "SKU-B", v % 3 + 1)], "r", "ops"),
                1 => Outcome("sh-" + (v % (n + 1)), v % 2 == 0 ? ParcelStatus.Delivered : ParcelStatus.ReturnedToSender),
                _ => Ship("sh-" + n, (v % 2 == 0 ? "SKU-A" : "SKU-B", v % 4 + 1)),
            };
            n++;
            var d = When(s, command, T0.AddHours(n));
            if (d.IsRejected) Assert.Empty(d.Events);
            s = OrderDecider.Fold(s, d.Events);
            foreach (var sku in new[] { "SKU-A", "SKU-B" })
            {
                var ordered = s.Placement!.Lines.Where(l => l.Sku == sku).Sum(l => l.Quantity);
                Assert.True(s.ShippedUnits(sku) + s.UnitsRefundedOrRestocked(sku) <= ordered, $"{sku} over-shipped after {command}");
            }
            Assert.True(s.Refunds.Where(r => r.Status != RefundStatus.Failed).Sum(r => r.Amount) <= s.Payment!.Amount, $"over-refunded after {command}");
            Assert.Empty(When(s, command, T0.AddHours(n)).Events); // the same command again changes nothing
        }
    }
}
