using System.Collections.Immutable;

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

public sealed record OrderPlaced(
    string OrderId,
    string Channel,
    string CustomerId,
    string Currency,
    ImmutableArray<OrderLine> Lines,
    decimal Total,
    Address? ShippingAddress,
    DateTimeOffset ExpiresAt,
    DateTimeOffset At) : IOrderEvent;

public sealed record OrderReserved(string OrderId, DateTimeOffset At) : IOrderEvent;

public sealed record OrderRejected(string OrderId, ImmutableArray<LineRejection> Lines, DateTimeOffset At) : IOrderEvent;

public sealed record PaymentConfirmed(string OrderId, decimal Amount, string Currency, string Reference, DateTimeOffset At) : IOrderEvent;

public sealed record OrderCancelled(string OrderId, string Reason, DateTimeOffset At) : IOrderEvent;

public sealed record OrderExpired(string OrderId, DateTimeOffset At) : IOrderEvent;

/// <summary>Every stock entity acknowledged the commit (paid) or release (ended unpaid) of this order's lines.</summary>
public sealed record OrderStockSettled(string OrderId, DateTimeOffset At) : IOrderEvent;
