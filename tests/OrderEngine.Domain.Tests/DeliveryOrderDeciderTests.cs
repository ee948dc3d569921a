using OrderEngine.Domain.Dispatch;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Payments;
using static OrderEngine.Domain.Tests.DeliveryOrderTestKit;
using static OrderEngine.Domain.Tests.OrderTestKit;

namespace OrderEngine.Domain.Tests;

public class DeliveryOrderDeciderTests
{
    [Fact]
    public void A_delivery_placement_keeps_its_restaurant_drop_off_and_promise()
    {
        var placed = Assert.IsType<OrderPlaced>(SingleEvent(When(Given(), PlaceDelivery())));
        Assert.Equal(Request, placed.Delivery);
        var s = OrderDecider.Evolve(Given(), placed);
        Assert.Equal(RestaurantId, s.Delivery!.RestaurantId);
        Assert.Equal(DropOff, s.Delivery.DropOff);
        Assert.Equal(OrderDeliveryStatus.AwaitingKitchen, s.ToView().Delivery!.Status);
    }

    public static TheoryData<string, DeliveryRequest, PaymentMethod> BadDeliveries => new()
    {
        { "delivery.restaurantId", Request with { RestaurantId = "" }, PaymentMethod.Card },
        { "delivery.restaurantId", Request with { RestaurantId = "has space" }, PaymentMethod.Card },
        { "delivery.dropOff", Request with { DropOff = null! }, PaymentMethod.Card },
        { "delivery.dropOff", Request with { DropOff = new GeoPoint(91, 0) }, PaymentMethod.Card },
        { "delivery.dropOff", Request with { DropOff = new GeoPoint(0, double.NaN) }, PaymentMethod.Card },
        { "delivery.promisedBy", Request with { PromisedBy = T0.AddMinutes(-6) }, PaymentMethod.Card },
        { "paymentMethod", Request, PaymentMethod.BankTransfer },
    };

    [Theory]
    [MemberData(nameof(BadDeliveries))]
    public void An_invalid_delivery_is_refused_naming_its_field(string field, DeliveryRequest delivery, PaymentMethod method)
    {
        var rejection = Refused(When(Given(), PlaceDelivery(method, delivery)), OrderRejectionCode.Invalid);
        Assert.Contains(rejection.Errors, e => e.Field == field);
    }

    [Fact]
    public void A_promise_a_moment_in_the_past_is_accepted_within_the_tolerance()
    {
        var placed = Assert.IsType<OrderPlaced>(SingleEvent(When(Given(), PlaceDelivery(delivery: Request with { PromisedBy = T0.AddMinutes(-2) }))));
        Assert.Equal(T0.AddMinutes(-2), placed.Delivery!.PromisedBy);
    }

    [Fact]
    public void A_retry_of_a_placed_order_is_answered_with_it_after_its_promise_passed()
    {
        var s = DeliveryReserved();
        NoOp(When(s, PlaceDelivery(), T0.AddHours(2)));
        Refused(When(Given(), PlaceDelivery(), T0.AddHours(2)), OrderRejectionCode.Invalid);
    }

    [Fact]
    public void Repeating_a_placement_with_another_delivery_is_an_idempotency_conflict()
    {
        var s = DeliveryReserved();
        NoOp(When(s, PlaceDelivery()));
        Refused(When(s, PlaceDelivery(delivery: Request with { RestaurantId = "r-2" })), OrderRejectionCode.IdempotencyConflict);
        Refused(When(s, Place()), OrderRejectionCode.IdempotencyConflict);
    }

    [Fact]
    public void A_delivery_order_owes_its_kitchen_once_paid_or_confirmed_until_the_restaurant_answers()
    {
        Assert.False(DeliveryDecider.OwesKitchenNotice(DeliveryReserved()));
        Assert.True(DeliveryDecider.OwesKitchenNotice(DeliveryPaid()));
        Assert.True(DeliveryDecider.OwesKitchenNotice(DeliveryCod()));
        var notice = DeliveryDecider.KitchenOrder(DeliveryPaid(), T0.AddMinutes(1));
        Assert.Equal((RestaurantId, OrderId, DropOff, Request.PromisedBy, 5), (notice.RestaurantId, notice.OrderId, notice.DropOff, notice.PromisedBy, notice.Items));

        var notified = WithKitchen(DeliveryPaid());
        Assert.False(DeliveryDecider.OwesKitchenNotice(notified));
        Assert.Equal(OrderDeliveryStatus.AtKitchen, notified.ToView().Delivery!.Status);
        NoOp(When(notified, new MarkKitchenNotified(OrderId, RestaurantId)));
        Assert.Contains(notified.History, h => h.Reason is { } r && r.Contains("sent to the kitchen of restaurant r-1"));
    }

    [Fact]
    public void Settling_stock_while_the_kitchen_notice_is_owed_keeps_the_order_tracked()
    {
        var settled = Assert.IsType<OrderStockSettled>(SingleEvent(When(DeliveryPaid(), new MarkStockSettled(OrderId))));
        Assert.True(settled.DeliveryWorkOwed);
        Assert.IsType<OrderDeadlines.DueBy>(OrderDeadlines.Of(settled, TimeSpan.FromMinutes(1)));
        var afterNotice = Assert.IsType<OrderStockSettled>(SingleEvent(When(WithKitchen(DeliveryPaid()), new MarkStockSettled(OrderId))));
        Assert.False(afterNotice.DeliveryWorkOwed);
        Assert.IsType<OrderDeadlines.Forget>(OrderDeadlines.Of(afterNotice, TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public void A_cash_on_delivery_delivery_placement_stays_tracked_until_its_kitchen_has_it()
    {
        var placed = DeliveryCod().Placement! with { Outcome = new PlacementOutcome(OrderStatus.Confirmed, [], null, T0) };
        Assert.IsType<OrderDeadlines.DueBy>(OrderDeadlines.Of(placed, TimeSpan.FromMinutes(1)));
        Assert.IsType<OrderDeadlines.Forget>(OrderDeadlines.Of(placed with { Delivery = null }, TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public void A_stage_is_recorded_once_per_stage_id_with_a_history_entry_naming_it_and_its_eta()
    {
        var s = Apply(WithKitchen(DeliveryPaid()), Stage("k-1", DeliveryStage.KitchenAccepted, 3, etaMinute: 40), T0.AddMinutes(3));
        var view = s.ToView().Delivery!;
        Assert.Equal(OrderDeliveryStatus.Preparing, view.Status);
        Assert.Equal(T0.AddMinutes(40), view.Eta);
        var entry = s.History[^1];
        Assert.Contains("the kitchen accepted the order", entry.Reason);
        Assert.Contains(T0.AddMinutes(40).ToString("O"), entry.Reason);
        Assert.Equal("restaurant:r-1", entry.By);

        NoOp(When(s, Stage("k-1", DeliveryStage.KitchenAccepted, 3, etaMinute: 40)));
        Refused(When(s, Stage("k-1", DeliveryStage.PickedUp, 3)), OrderRejectionCode.IdempotencyConflict);
    }

    [Fact]
    public void A_stage_reported_late_does_not_move_the_delivery_back()
    {
        var s = WithKitchen(DeliveryPaid());
        s = Apply(s, Stage("z-1", DeliveryStage.AwaitingCourier, 5, etaMinute: 42));
        s = Apply(s, Stage("k-1", DeliveryStage.KitchenAccepted, 3, etaMinute: 40));
        var view = s.ToView().Delivery!;
        Assert.Equal(OrderDeliveryStatus.AwaitingCourier, view.Status);
        Assert.Equal(T0.AddMinutes(42), view.Eta);
        Assert.Equal(2, view.Steps.Length);
    }

    [Fact]
    public void A_courier_who_releases_the_delivery_no_longer_holds_it_and_the_next_one_does()
    {
        var s = WithKitchen(DeliveryPaid());
        s = Apply(s, Stage("z-1", DeliveryStage.CourierAssigned, 5, "c-1", 30));
        Assert.Equal("c-1", s.ToView().Delivery!.CourierId);
        s = Apply(s, Stage("z-2", DeliveryStage.CourierReleased, 6, "c-1", 35));
        Assert.Null(s.ToView().Delivery!.CourierId);
        Assert.Equal(OrderDeliveryStatus.AwaitingCourier, s.ToView().Delivery!.Status);
        s = Apply(s, Stage("z-3", DeliveryStage.CourierAssigned, 7, "c-2", 36));
        Assert.Equal(("c-2", OrderDeliveryStatus.CourierAssigned), (s.ToView().Delivery!.CourierId, s.ToView().Delivery!.Status));
        Assert.Equal("courier:c-2", s.History[^1].By);
    }

    [Fact]
    public void A_kitchen_rejection_of_a_paid_order_cancels_it_and_refunds_all_it_captured_with_its_units()
    {
        var s = Apply(WithKitchen(DeliveryPaid()), new MarkStockSettled(OrderId)); // its units are sold
        var d = When(s, Stage("k-1", DeliveryStage.KitchenRejected, 4, note: "out of basil"), T0.AddMinutes(4));
        Assert.False(d.IsRejected);
        var cancelled = Assert.Single(d.Events.OfType<OrderCancelled>());
        Assert.Equal("restaurant:r-1", cancelled.By);
        Assert.Contains("out of basil", cancelled.Reason);
        var refund = Assert.Single(d.Events.OfType<RefundRequested>());
        Assert.Equal((Total, "EUR", true), (refund.Amount, refund.Currency, refund.Whole));
        Assert.Equal([new RefundLine("SKU-A", 2), new RefundLine("SKU-B", 3)], refund.Lines.ToArray());

        var after = OrderDecider.Fold(s, d.Events);
        Assert.Equal(OrderStatus.Cancelled, after.Status);
        Assert.Equal(OrderDeliveryStatus.Rejected, after.ToView().Delivery!.Status);
        Assert.Equal(0m, after.Refundable);
        // The units were sold: nothing to release; they come back on sale once the money went back.
        Assert.Equal(PendingStockAction.None, after.PendingStock);
        Assert.Empty(after.RefundsAwaitingRestock);
        after = Apply(after, new RecordRefundOutcome(OrderId, refund.RefundId, true, "re-1", null));
        Assert.Single(after.RefundsAwaitingRestock);
        Assert.Equal(OrderStatus.Cancelled, after.Status);

        NoOp(When(after, Stage("k-1", DeliveryStage.KitchenRejected, 4, note: "out of basil")));
    }

    [Fact]
    public void A_kitchen_rejection_while_the_commit_is_under_way_finishes_the_commit_before_restocking()
    {
        var s = Apply(WithKitchen(DeliveryPaid()), Stage("k-1", DeliveryStage.KitchenRejected, 4));
        Assert.Equal(PendingStockAction.Commit, s.PendingStock);
        var refund = s.Refunds.Single();
        s = Apply(s, new RecordRefundOutcome(OrderId, refund.RefundId, true, "re-1", null));
        Assert.Empty(s.RefundsAwaitingRestock);
        s = Apply(s, new MarkStockSettled(OrderId));
        Assert.Equal(PendingStockAction.None, s.PendingStock);
        Assert.Single(s.RefundsAwaitingRestock);
    }

    [Fact]
    public void A_kitchen_rejection_of_a_cash_on_delivery_order_cancels_it_and_releases_its_stock_without_a_refund()
    {
        var s = Apply(WithKitchen(DeliveryCod()), Stage("k-1", DeliveryStage.KitchenRejected, 4));
        Assert.Equal(OrderStatus.Cancelled, s.Status);
        Assert.Empty(s.Refunds);
        Assert.Equal(PendingStockAction.Release, s.PendingStock);
    }

    [Fact]
    public void A_kitchen_cannot_reject_an_order_its_courier_picked_up()
    {
        var s = Apply(WithKitchen(DeliveryPaid()), Stage("z-1", DeliveryStage.PickedUp, 20, "c-1", 35));
        Refused(When(s, Stage("k-1", DeliveryStage.KitchenRejected, 21)), OrderRejectionCode.InvalidState);
    }

    [Fact]
    public void Delivering_a_cash_on_delivery_order_settles_its_total_and_the_order_shows_delivered()
    {
        var s = Apply(WithKitchen(DeliveryCod()), Stage("z-1", DeliveryStage.PickedUp, 20, "c-1", 35));
        Assert.Equal((OrderStatus.Shipped, Fulfilment.Shipped), (s.ToView().Status, s.ToView().Fulfilment));
        var d = When(s, Stage("z-2", DeliveryStage.Delivered, 33, "c-1"), T0.AddMinutes(33));
        var payment = Assert.Single(d.Events.OfType<PaymentConfirmed>());
        Assert.Equal((Total, FulfilmentDecider.CashOnDeliveryProvider), (payment.Amount, payment.Provider));
        s = OrderDecider.Fold(s, d.Events);
        Assert.Equal(OrderStatus.Delivered, s.ToView().Status);
        Assert.Equal(OrderDeliveryStatus.Delivered, s.ToView().Delivery!.Status);
        Assert.Equal(PendingStockAction.Commit, s.PendingStock); // sold now
        NoOp(When(s, Stage("z-2", DeliveryStage.Delivered, 33, "c-1")));
    }

    [Fact]
    public void A_paid_delivery_shows_delivered_without_a_second_payment()
    {
        var d = When(WithKitchen(DeliveryPaid()), Stage("z-2", DeliveryStage.Delivered, 33, "c-1"));
        Assert.DoesNotContain(d.Events, e => e is PaymentConfirmed);
        var s = OrderDecider.Fold(WithKitchen(DeliveryPaid()), d.Events);
        Assert.Equal((OrderStatus.Delivered, Fulfilment.Delivered), (s.ToView().Status, s.ToView().Fulfilment));
    }

    [Fact]
    public void A_picked_up_delivery_is_refunded_by_amount_not_by_line_so_eaten_dishes_do_not_go_back_on_sale()
    {
        var s = Apply(WithKitchen(DeliveryPaid()), new MarkStockSettled(OrderId));
        Assert.False(When(s, new RequestRefund(OrderId, "rf-line", null, [new RefundLine("SKU-B", 1)], "cold", "operator")).IsRejected);
        s = Apply(s, Stage("z-1", DeliveryStage.PickedUp, 20, "c-1", 35));

        var byLine = Refused(When(s, new RequestRefund(OrderId, "rf-line", null, [new RefundLine("SKU-A", 1)], "cold", "operator")), OrderRejectionCode.Invalid);
        Assert.Equal("lines[0].quantity", byLine.Errors.Single().Field);
        var byAmount = When(s, new RequestRefund(OrderId, "rf-amount", 5m, [], "cold", "operator"));
        Assert.Equal(5m, Assert.IsType<RefundRequested>(SingleEvent(byAmount)).Amount);
    }

    [Fact]
    public void The_units_a_courier_took_leave_stock_once_sold_and_once_only()
    {
        var s = Apply(WithKitchen(DeliveryPaid()), new MarkStockSettled(OrderId));
        Assert.False(s.DeliveryAwaitingDeparture);
        s = Apply(s, Stage("z-1", DeliveryStage.PickedUp, 20, "c-1", 35));
        Assert.True(s.DeliveryAwaitingDeparture);
        Assert.Equal([new SkuQuantity("SKU-A", 2), new SkuQuantity("SKU-B", 3)], s.DeliveryDepartures.ToArray());
        s = Apply(s, new MarkDeliveryLeftStock(OrderId));
        Assert.False(s.DeliveryAwaitingDeparture);
        NoOp(When(s, new MarkDeliveryLeftStock(OrderId)));
    }

    [Fact]
    public void A_cash_on_delivery_order_picked_up_leaves_stock_after_it_is_paid_at_the_door()
    {
        var s = Apply(WithKitchen(DeliveryCod()), Stage("z-1", DeliveryStage.PickedUp, 20, "c-1", 35));
        Assert.False(s.DeliveryAwaitingDeparture); // reserved, not sold yet
        NoOp(When(s, new MarkDeliveryLeftStock(OrderId)));
        s = Apply(s, Stage("z-2", DeliveryStage.Delivered, 30, "c-1"));
        Assert.Equal(PendingStockAction.Commit, s.PendingStock);
        Assert.False(s.DeliveryAwaitingDeparture);
        var settled = Assert.IsType<OrderStockSettled>(SingleEvent(When(s, new MarkStockSettled(OrderId))));
        Assert.True(settled.DeliveryWorkOwed);
        s = OrderDecider.Evolve(s, settled);
        Assert.True(s.DeliveryAwaitingDeparture);
    }

    [Fact]
    public void A_flagged_delivery_is_visible_in_the_view_and_the_history()
    {
        var s = Apply(WithKitchen(DeliveryPaid()), Stage("z-1", DeliveryStage.PickedUp, 20, "c-1", 35));
        s = Apply(s, Stage("z-2", DeliveryStage.Flagged, 25, "c-1", note: "courier went offline after pickup"));
        Assert.Equal(OrderDeliveryStatus.Flagged, s.ToView().Delivery!.Status);
        Assert.Contains("flagged for attention; courier went offline after pickup", s.History[^1].Reason);
    }

    [Fact]
    public void Progress_for_an_order_that_is_no_delivery_or_never_went_to_its_kitchen_is_refused()
    {
        Refused(When(OrderTestKit.Paid(), Stage("z-1", DeliveryStage.PickedUp, 20, "c-1")), OrderRejectionCode.InvalidState);
        Refused(When(DeliveryReserved(), Stage("z-1", DeliveryStage.PickedUp, 20, "c-1")), OrderRejectionCode.InvalidState);
        Refused(When(Given(), Stage("z-1", DeliveryStage.PickedUp, 20, "c-1")), OrderRejectionCode.NotFound);
        Refused(When(DeliveryPaid(), Stage("", DeliveryStage.PickedUp, 20)), OrderRejectionCode.Invalid);
        Refused(When(DeliveryPaid(), Stage("z-1", (DeliveryStage)99, 20)), OrderRejectionCode.Invalid);
    }

    [Fact]
    public void A_cash_on_delivery_order_with_the_kitchen_is_ended_by_the_restaurant_not_cancelled()
    {
        Refused(When(WithKitchen(DeliveryCod()), new CancelOrder(OrderId, "changed my mind")), OrderRejectionCode.InvalidState);
        Assert.False(When(DeliveryCod(), new CancelOrder(OrderId, "changed my mind")).IsRejected);
    }

    [Fact]
    public void A_delivery_order_ships_nothing_and_asks_for_no_shipping_method()
    {
        var s = DeliveryPaid() with { }; // no address in the kit; give it one to be sure the delivery is what stops the quote
        s = s with { Placement = s.Placement! with { ShippingAddress = Shipping } };
        Assert.False(s.NeedsShippingMethod);
        Refused(When(s, new RecordShipment(OrderId, "sh-1", [new ShipmentLine("SKU-A", 1)], "DHL", "T1")), OrderRejectionCode.InvalidState);
    }

    [Fact]
    public void The_timeline_names_who_reported_each_stage()
    {
        var e = new DeliveryProgressRecorded(OrderId, "z-1", DeliveryStage.PickedUp, "c-1", T0.AddMinutes(30), null, T0, T0);
        Assert.Equal("courier:c-1", OrderTimeline.CausedBy(e));
        Assert.StartsWith("delivery: picked up by courier c-1", OrderTimeline.Summary(e));
        Assert.Equal("restaurant:r-1", OrderTimeline.CausedBy(new KitchenNotified(OrderId, RestaurantId, T0)));
    }
}
