using System.Collections.Immutable;
using OrderEngine.Domain.Payments;

namespace OrderEngine.Domain.Orders;

/// <summary>A line as shown to clients, with the reason it was refused if it was, and how many of its units were refunded.</summary>
public sealed record OrderLineView(string Sku, int Quantity, decimal UnitPrice, decimal LineTotal, string? RejectionCode, string? RejectionReason, int RefundedQuantity = 0);

/// <summary>An order as shown to clients (the HTTP API's order body).</summary>
public sealed record OrderView(
    string Id,
    OrderStatus Status,
    string Channel,
    string CustomerId,
    string Currency,
    ImmutableArray<OrderLineView> Lines,
    decimal Total,
    Address? ShippingAddress,
    DateTimeOffset PlacedAt,
    DateTimeOffset ExpiresAt,
    PaymentRecord? Payment,
    bool StockSettled,
    ImmutableArray<StatusChange> History,
    PaymentMethod PaymentMethod,
    ImmutableArray<string> HoldReasons,
    ImmutableArray<PaymentAnomaly> Anomalies,
    ImmutableArray<RefundRecord> Refunds,
    decimal Refundable,
    OrderCharges? Charges,
    string? ExternalId,
    DateTimeOffset ReceivedAt,
    Fulfilment Fulfilment,
    ImmutableArray<ShipmentRecord> Shipments,
    ShippingMethods.ShippingChoice? ShippingMethod = null)
{
    /// <summary>The order's returns: units held, value, how each was paid out.</summary>
    public ImmutableArray<OrderReturnRecord> Returns { get; init; } = [];

    /// <summary>A restaurant delivery order's delivery: stage, courier, ETA, promise and every stage recorded (null otherwise).</summary>
    public DeliveryView? Delivery { get; init; }

    public static OrderView From(OrderState s)
    {
        var p = s.Placement ?? throw new InvalidOperationException($"order {s.OrderId} was never placed");
        // A SKU on several lines has its refunded units counted against its lines in order, as they were priced. Most
        // views (every placement's answer) have no refund: no bookkeeping for them.
        var refundedLeft = s.Refunds.IsDefaultOrEmpty ? null : new Dictionary<string, int>(StringComparer.Ordinal);
        var lines = p.Lines.Select(l =>
        {
            var r = s.Rejections.FirstOrDefault(x => x.Sku == l.Sku);
            var refunded = 0;
            if (refundedLeft is not null)
            {
                var left = refundedLeft.TryGetValue(l.Sku, out var n) ? n : s.RefundedUnits(l.Sku);
                refunded = Math.Min(left, l.Quantity);
                refundedLeft[l.Sku] = left - refunded;
            }
            return new OrderLineView(l.Sku, l.Quantity, l.UnitPrice, l.LineTotal, r?.Code, r?.Reason, refunded);
        }).ToImmutableArray();
        // PlacedAt is the channel's own order time where it gave one; ReceivedAt is when the engine took the order in.
        return new OrderView(s.OrderId, s.ViewStatus, p.Channel, p.CustomerId, p.Currency, lines, p.Total, p.ShippingAddress,
            p.PlacedAt ?? p.At, s.ExpiresAt, s.Payment, s.StockSettled, s.History, p.PaymentMethod,
            s.ShippingHeld ? s.HoldReasons.Add("shipping: " + s.ShippingMethod!.Reason) : s.HoldReasons, s.Anomalies, s.Refunds, s.Refundable,
            p.Charges, p.ExternalId, p.At, s.Fulfilment, s.Shipments, s.ShippingMethod) { Returns = s.Returns, Delivery = s.Delivery?.ToView() };
    }
}
