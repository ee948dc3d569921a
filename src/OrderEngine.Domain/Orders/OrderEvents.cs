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
/// one is a journal written by an earlier version, whose outcome follows as its own event.
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
    PlacementOutcome? Outcome = null) : IOrderEvent;

/// <summary>
/// What a placement became once every line was reserved: <see cref="OrderStatus.Reserved"/> (awaiting payment),
/// <see cref="OrderStatus.Confirmed"/> (cash on delivery) or <see cref="OrderStatus.OnHold"/> (held for review until
/// <paramref name="ReviewBy"/>, for <paramref name="HoldReasons"/>), decided at <paramref name="At"/>.
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

/// <summary>Every stock entity acknowledged the commit (paid, confirmed) or release (ended) of this order's lines.</summary>
public sealed record OrderStockSettled(string OrderId, DateTimeOffset At) : IOrderEvent;

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

public sealed record RefundSucceeded(string OrderId, string RefundId, string? ProviderRefundId, DateTimeOffset At, string? EventId = null) : IOrderEvent;

public sealed record RefundFailed(string OrderId, string RefundId, string Reason, DateTimeOffset At, string? EventId = null) : IOrderEvent;

/// <summary>A refund's unshipped units are back on sale.</summary>
public sealed record RefundRestocked(string OrderId, string RefundId, DateTimeOffset At) : IOrderEvent;
