namespace OrderEngine.Domain.Orders;

/// <summary>Who caused an order event and what it means in a sentence, for the order's timeline.</summary>
public static class OrderTimeline
{
    /// <summary>Who: customer, channel, provider, operator or system (with a name where one is known).</summary>
    public static string CausedBy(IOrderEvent e) => e switch
    {
        OrderPlaced x => "channel:" + x.Channel,
        PaymentConfirmed x => x.Provider is null ? "operator" : "provider:" + x.Provider,
        PaymentAnomalyRecorded x => "provider:" + x.Provider,
        OrderCancelled x => x.By ?? "customer",
        OrderApproved x => "operator:" + x.Operator,
        RefundRequested x => x.By,
        ShipmentRecorded => "warehouse",
        ShippingMethodChosen x => x.Choice.ChosenBy is { } by ? "operator:" + by : "system",
        ShipmentDelivered or ShipmentReturnedToSender => "carrier",
        KitchenNotified x => "restaurant:" + x.RestaurantId,
        DeliveryProgressRecorded x => x.Stage is DeliveryStage.KitchenAccepted or DeliveryStage.KitchenRejected ? "restaurant"
            : x.CourierId is { } courier ? "courier:" + courier : "dispatch",
        ReturnRegistered x => "return:" + x.ReturnId,
        ReturnReleased x => "return:" + x.ReturnId,
        ReturnSettled x => "return:" + x.ReturnId,
        RefundSucceeded x => RefundOutcomeBy(x.Provider, x.EventId),
        RefundFailed x => RefundOutcomeBy(x.Provider, x.EventId),
        _ => "system",
    };

    // Named as payments name their provider ("provider:sandbox"); a journal of an earlier version did not record it.
    private static string RefundOutcomeBy(string? provider, string? eventId) =>
        (provider is null ? "provider" : "provider:" + provider) + (eventId is null ? "" : " (webhook)");

    public static string Summary(IOrderEvent e) => e switch
    {
        OrderPlaced x => $"placed: {x.Lines.Length} line(s), total {x.Total} {x.Currency}, {x.PaymentMethod}" + x.Outcome switch
        {
            null => "",
            { Status: OrderStatus.Reserved } => "; every line reserved; awaiting payment",
            { Status: OrderStatus.Confirmed } => "; every line reserved; cash on delivery",
            { Status: OrderStatus.Paid } => $"; every line reserved; paid at the channel ({x.PaidAtChannel?.Amount} {x.Currency}, {x.PaidAtChannel?.Method})",
            { Status: OrderStatus.OnHold } o => "; every line reserved; held for review: " + string.Join("; ", o.HoldReasons),
            { } o => "; " + o.Status.ToString().ToLowerInvariant(),
        },
        OrderReserved => "every line reserved; awaiting payment",
        OrderConfirmed => "every line reserved; cash on delivery",
        OrderHeld x => "held for review: " + string.Join("; ", x.Reasons),
        OrderApproved x => "approved in review" + (string.IsNullOrWhiteSpace(x.Reason) ? "" : ": " + x.Reason),
        OrderRejected x => "rejected: " + string.Join("; ", x.Lines.Select(l => $"{l.Sku}: {l.Reason}")),
        PaymentConfirmed x => $"paid {x.Amount} {x.Currency} (reference {x.Reference})",
        PaymentAnomalyRecorded x => $"payment {x.PaymentId} of {x.Amount} {x.Currency} not accepted: {x.Reason}",
        OrderCancelled x => "cancelled: " + x.Reason,
        OrderExpired => "expired: not paid or reviewed in time",
        OrderStockSettled => "stock settled",
        RefundRequested x => $"refund {x.RefundId} of {x.Amount} {x.Currency} requested: {x.Reason}",
        RefundSucceeded x => $"refund {x.RefundId} succeeded" + (x.ProviderRefundId is null ? "" : $" ({x.ProviderRefundId})"),
        RefundFailed x => $"refund {x.RefundId} failed: {x.Reason}",
        RefundRestocked x => $"units of refund {x.RefundId} back on sale",
        ShipmentRecorded x => $"shipment {x.ShipmentId} left with {x.Carrier}, tracking {x.TrackingNumber}: "
            + string.Join(", ", x.Lines.Select(l => $"{l.Quantity} x {l.Sku}")),
        ShippingMethodChosen { Choice.IsNone: true } x => "held: no shipping method is eligible: " + x.Choice.Reason,
        ShippingMethodChosen x => $"shipping method {x.Choice.MethodId}: {x.Choice.Reason}",
        ShipmentMoved { Movement: ShipmentMovement.Left } x => $"units of shipment {x.ShipmentId} left stock",
        ShipmentMoved x => $"units of shipment {x.ShipmentId} back on hand",
        ShipmentDelivered x => $"shipment {x.ShipmentId} delivered at {x.DeliveredAt:O}",
        KitchenNotified x => $"sent to the kitchen of restaurant {x.RestaurantId}",
        DeliveryProgressRecorded x => DeliveryDecider.Describe(x),
        DeliveryLeftStock => "units of the delivery left stock",
        ShipmentReturnedToSender x => $"shipment {x.ShipmentId} returned to sender at {x.ReturnedAt:O}",
        ReturnRegistered x => $"return {x.ReturnId} holds " + string.Join(", ", x.Lines.Select(l => $"{l.Quantity} x {l.Sku}")) + $" (value {x.Value})",
        ReturnReleased x => $"return {x.ReturnId} rejected: its units are returnable again",
        ReturnSettled { ExchangeOrderId: null } x => $"return {x.ReturnId} refunded {x.Refunded}",
        ReturnSettled x => $"return {x.ReturnId} exchanged for order {x.ExchangeOrderId}: credit {x.Credit}, refunded {x.Refunded}",
        _ => e.GetType().Name,
    };
}

/// <summary>One entry of an order's timeline.</summary>
public sealed record TimelineEntry(long SequenceNr, string Type, DateTimeOffset At, string By, string Summary, object Event);
