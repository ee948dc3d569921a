using System.Collections.Immutable;
using OrderEngine.Domain.Payments;

namespace OrderEngine.Domain.Orders;

/// <summary>A fact about one order, persisted in its entity's journal.</summary>
public interface IOrderEvent : IOrderMessage
{
    DateTimeOffset At { get; }
}

/// <summary>A priced order line; the line total is computed by the engine.</summary>
public sealed record OrderLine(string Sku, int Quantity, decimal UnitPrice, decimal LineTotal);

/// <summary>Why one line could not be reserved.</summary>
public sealed record LineRejection(string Sku, string Code, string Reason);

/// <summary>
/// The order was placed. Since one journal write records a placement together with its reservation, a placement
/// carries its <paramref name="Outcome"/> (what the order became once every line was reserved); a placement without
/// one is a journal written by an earlier version, whose outcome follows as its own event. <paramref name="At"/> is when
/// the engine received it, <paramref name="PlacedAt"/> when the channel says it was placed; <paramref name="PaidAtChannel"/>
/// is the payment the channel collected before sending it.
/// </summary>
public sealed record OrderPlaced(
    string OrderId,
    string Channel,
    string CustomerId,
    string Currency,
    ImmutableArray<OrderLine> Lines,
    decimal Total,
    Address? ShippingAddress,
    DateTimeOffset ExpiresAt,
    DateTimeOffset At,
    PaymentMethod PaymentMethod = PaymentMethod.Card,
    OrderCharges? Charges = null,
    string? ExternalId = null,
    PlacementOutcome? Outcome = null,
    ChannelPayment? PaidAtChannel = null,
    DateTimeOffset? PlacedAt = null,
    DeliveryRequest? Delivery = null) : IOrderEvent
{
    /// <summary>The payment provider a channel-collected payment is recorded under: the channel itself.</summary>
    public static string ChannelProvider(string channel) => "channel:" + channel;
}

/// <summary>How many units of one SKU an order holds, over all its lines of that SKU.</summary>
public sealed record SkuQuantity(string Sku, int Quantity);

public static class OrderLines
{
    /// <summary>The units per SKU, in the order the SKUs first appear: what is reserved, committed and released.</summary>
    public static ImmutableArray<SkuQuantity> PerSku(ImmutableArray<OrderLine> lines)
    {
        if (lines.Length == 1) return [new SkuQuantity(lines[0].Sku, lines[0].Quantity)];
        var result = new List<SkuQuantity>(lines.Length);
        foreach (var l in lines)
        {
            var i = result.FindIndex(x => x.Sku == l.Sku);
            if (i < 0) result.Add(new SkuQuantity(l.Sku, l.Quantity));
            else result[i] = result[i] with { Quantity = result[i].Quantity + l.Quantity };
        }
        return [.. result];
    }
}

/// <summary>
/// What a placement became once every line was reserved: <see cref="OrderStatus.Reserved"/> (awaiting payment),
/// <see cref="OrderStatus.Paid"/> (paid at the channel), <see cref="OrderStatus.Confirmed"/> (cash on delivery) or
/// <see cref="OrderStatus.OnHold"/> (held for review until <paramref name="ReviewBy"/>, for <paramref name="HoldReasons"/>),
/// decided at <paramref name="At"/>.
/// </summary>
public sealed record PlacementOutcome(OrderStatus Status, ImmutableArray<string> HoldReasons, DateTimeOffset? ReviewBy, DateTimeOffset At);

/// <summary>Every line is reserved and the review passed: the order awaits payment until its hold ends.</summary>
public sealed record OrderReserved(string OrderId, DateTimeOffset At) : IOrderEvent;

/// <summary>Every line is reserved, cash on delivery: the order proceeds without online payment.</summary>
public sealed record OrderConfirmed(string OrderId, DateTimeOffset At) : IOrderEvent;

/// <summary>The automatic review held the order for a person: its stock stays reserved until <paramref name="ReviewBy"/>.</summary>
public sealed record OrderHeld(string OrderId, ImmutableArray<string> Reasons, DateTimeOffset ReviewBy, DateTimeOffset At) : IOrderEvent;

/// <summary>An operator let a held order proceed; an unpaid one now awaits payment until <paramref name="ExpiresAt"/>.</summary>
public sealed record OrderApproved(string OrderId, string Operator, string Reason, DateTimeOffset ExpiresAt, DateTimeOffset At) : IOrderEvent;

public sealed record OrderRejected(string OrderId, ImmutableArray<LineRejection> Lines, DateTimeOffset At) : IOrderEvent;

/// <summary>The order's total was paid. <paramref name="Provider"/> is null for a payment confirmed by an operator.</summary>
public sealed record PaymentConfirmed(
    string OrderId,
    decimal Amount,
    string Currency,
    string Reference,
    DateTimeOffset At,
    string? Provider = null,
    string? EventId = null) : IOrderEvent;

/// <summary>A captured payment that does not fit the order; it is refunded or the order held, per the anomaly policy.</summary>
public sealed record PaymentAnomalyRecorded(
    string OrderId,
    string Provider,
    string EventId,
    string PaymentId,
    decimal Amount,
    string Currency,
    string Reason,
    DateTimeOffset At) : IOrderEvent;

/// <param name="RejectedBy">The operator who rejected the order in review, when that is how it ended.</param>
public sealed record OrderCancelled(string OrderId, string Reason, DateTimeOffset At, string? By = null, string? RejectedBy = null) : IOrderEvent;

public sealed record OrderExpired(string OrderId, DateTimeOffset At) : IOrderEvent;

/// <summary>
/// Every stock entity acknowledged the commit (paid, confirmed) or release (ended) of this order's lines.
/// <paramref name="DeliveryWorkOwed"/>: a delivery order still has to tell its restaurant, or to take its picked-up units
/// off stock, so the deadline waker keeps it (absent in journals of earlier versions).
/// </summary>
public sealed record OrderStockSettled(string OrderId, DateTimeOffset At, bool DeliveryWorkOwed = false) : IOrderEvent;

/// <summary>A refund was asked of the payment's provider.</summary>
public sealed record RefundRequested(
    string OrderId,
    string RefundId,
    string PaymentReference,
    string? Provider,
    decimal Amount,
    string Currency,
    ImmutableArray<RefundLine> Lines,
    string Reason,
    string By,
    DateTimeOffset At,
    bool Whole = false) : IOrderEvent;

/// <param name="Provider">The provider that settled the refund (the refund's own; absent in journals of earlier versions).</param>
public sealed record RefundSucceeded(string OrderId, string RefundId, string? ProviderRefundId, DateTimeOffset At, string? EventId = null, string? Provider = null) : IOrderEvent;

/// <param name="Provider">The provider that refused the refund (the refund's own; absent in journals of earlier versions).</param>
public sealed record RefundFailed(string OrderId, string RefundId, string Reason, DateTimeOffset At, string? EventId = null, string? Provider = null) : IOrderEvent;

/// <summary>A refund's unshipped units are back on sale.</summary>
public sealed record RefundRestocked(string OrderId, string RefundId, DateTimeOffset At) : IOrderEvent;
