using System.Collections.Immutable;
using OrderEngine.Domain.Orders;

namespace OrderEngine.Domain.Returns;

/// <summary>An event of one return.</summary>
public interface IReturnEvent : IReturnMessage
{
    DateTimeOffset At { get; }
}

/// <summary>A return was requested and the order holds its units; <paramref name="Value"/> is their price.</summary>
public sealed record ReturnRequested(
    string OrderId,
    string ReturnId,
    ImmutableArray<ReturnLine> Lines,
    string Reason,
    ReturnResolution Resolution,
    ImmutableArray<OrderLineRequest> Replacement,
    decimal Value,
    string Currency,
    DateTimeOffset At) : IReturnEvent;

/// <summary>An operator approved the return.</summary>
public sealed record ReturnApproved(string OrderId, string ReturnId, string By, DateTimeOffset At) : IReturnEvent;

/// <summary>An operator rejected the return; the order gave its units back.</summary>
public sealed record ReturnRejected(string OrderId, string ReturnId, string By, string Reason, DateTimeOffset At) : IReturnEvent;

/// <summary>The goods are on their way back.</summary>
public sealed record ReturnShipped(string OrderId, string ReturnId, string Carrier, string TrackingNumber, DateTimeOffset At) : IReturnEvent;

/// <summary>The goods arrived at the warehouse.</summary>
public sealed record ReturnReceived(string OrderId, string ReturnId, string By, DateTimeOffset At) : IReturnEvent;

/// <summary>The goods were inspected: per line, restockable units and not.</summary>
public sealed record ReturnInspected(string OrderId, string ReturnId, ImmutableArray<InspectedLine> Lines, string By, DateTimeOffset At) : IReturnEvent;

/// <summary>The restockable units are back on hand.</summary>
public sealed record ReturnRestocked(string OrderId, string ReturnId, DateTimeOffset At) : IReturnEvent;

/// <summary>
/// The return was paid out: refunded, or exchanged for the replacement order (credit), any rest refunded. When the
/// replacement costs more than the credit, <paramref name="DifferenceDue"/> is what the customer pays on it.
/// </summary>
public sealed record ReturnResolved(string OrderId, string ReturnId, decimal Refunded, decimal Credit, string? ExchangeOrderId, string By, DateTimeOffset At,
    decimal DifferenceDue = 0m) : IReturnEvent;

/// <summary>The exchange's replacement was paid: the credit and <paramref name="Paid"/> (the difference) settle it.</summary>
public sealed record ReturnExchangeSettled(string OrderId, string ReturnId, string ExchangeOrderId, decimal Credit, decimal Paid, DateTimeOffset At) : IReturnEvent;

/// <summary>The exchange's replacement ended without its difference paid: the credit is owed back to the original payment.</summary>
public sealed record ReturnExchangeLapsed(string OrderId, string ReturnId, string ExchangeOrderId, DateTimeOffset At) : IReturnEvent;

/// <summary>The original order refunded the lapsed exchange's credit (<paramref name="Refunded"/>) through the payment's provider.</summary>
public sealed record ReturnCreditRefunded(string OrderId, string ReturnId, decimal Refunded, DateTimeOffset At) : IReturnEvent;
