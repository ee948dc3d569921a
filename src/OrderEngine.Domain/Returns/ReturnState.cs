using System.Collections.Immutable;
using OrderEngine.Domain.Orders;

namespace OrderEngine.Domain.Returns;

/// <summary>Where a return stands: requested, then approved or rejected, in transit, received, inspected, resolved.</summary>
public enum ReturnStatus
{
    None,
    Requested,
    Approved,
    Rejected,
    InTransit,
    Received,
    Inspected,
    Resolved,
}

/// <summary>
/// Where an exchange's replacement stands with its money: covered by the credit, waiting for the customer to pay the
/// difference, settled (credit and difference paid), or lapsed unpaid (the credit is refunded to the original payment).
/// </summary>
public enum ExchangeStatus
{
    None,
    Covered,
    DifferenceDue,
    Settled,
    Lapsed,
}

/// <summary>One step of a return's life, with who took it.</summary>
public sealed record ReturnStep(ReturnStatus Status, DateTimeOffset At, string? By, string? Note);

/// <summary>The state of one return.</summary>
public sealed record ReturnState(
    string OrderId,
    string ReturnId,
    ReturnStatus Status,
    ReturnRequested? Request,
    string? Carrier,
    string? TrackingNumber,
    ImmutableArray<InspectedLine> Inspection,
    bool Restocked,
    decimal Refunded,
    decimal Credit,
    string? ExchangeOrderId,
    ImmutableArray<ReturnStep> History)
{
    public static ReturnState Initial(string orderId, string returnId) =>
        new(orderId, returnId, ReturnStatus.None, null, null, null, [], false, 0m, 0m, null, []);

    public bool Exists => Status != ReturnStatus.None;

    /// <summary>Where the exchange's replacement stands with its money (none for a refund, or before resolution).</summary>
    public ExchangeStatus Exchange { get; init; }

    /// <summary>What the replacement costs beyond the credit, due from the customer.</summary>
    public decimal DifferenceDue { get; init; }

    /// <summary>What the customer paid on the replacement (its difference).</summary>
    public decimal DifferencePaid { get; init; }

    /// <summary>The lapsed exchange's credit was refunded to the original payment.</summary>
    public bool CreditRefunded { get; init; }

    /// <summary>The lapsed exchange's credit must still be refunded at the original order.</summary>
    public bool CreditRefundOwed => Exchange == ExchangeStatus.Lapsed && !CreditRefunded && Credit > 0;

    /// <summary>Units that must still come back on hand: inspected restockable units, until the stock acknowledged them.</summary>
    public ImmutableArray<ReturnLine> UnitsToRestock =>
        Status is ReturnStatus.Inspected or ReturnStatus.Resolved && !Restocked
            ? Inspection.Where(l => l.Restockable > 0).Select(l => new ReturnLine(l.Sku, l.Restockable)).ToImmutableArray()
            : [];

    public ReturnView ToView() => new(OrderId, ReturnId, Status, Request?.Lines ?? [], Request?.Reason, Request?.Resolution ?? ReturnResolution.Refund,
        Request?.Replacement ?? [], Request?.Value ?? 0m, Request?.Currency, Carrier, TrackingNumber, Inspection, Restocked, Refunded, Credit,
        ExchangeOrderId, History, Exchange, DifferenceDue, DifferencePaid);
}

/// <summary>A return as shown to clients.</summary>
public sealed record ReturnView(
    string OrderId,
    string ReturnId,
    ReturnStatus Status,
    ImmutableArray<ReturnLine> Lines,
    string? Reason,
    ReturnResolution Resolution,
    ImmutableArray<OrderLineRequest> Replacement,
    decimal Value,
    string? Currency,
    string? Carrier,
    string? TrackingNumber,
    ImmutableArray<InspectedLine> Inspection,
    bool Restocked,
    decimal Refunded,
    decimal Credit,
    string? ExchangeOrderId,
    ImmutableArray<ReturnStep> History,
    ExchangeStatus Exchange = ExchangeStatus.None,
    decimal DifferenceDue = 0m,
    decimal DifferencePaid = 0m);

/// <summary>A return entity's answer.</summary>
public interface IReturnReply : IReturnMessage;

/// <summary>The command took effect (or had already: <paramref name="Repeat"/>); the return as it now stands.</summary>
public sealed record ReturnAccepted(string OrderId, string ReturnId, ReturnView View, bool Repeat = false) : IReturnReply;

/// <summary>The command was refused and changed nothing (the order's rejection codes are reused).</summary>
public sealed record ReturnRefused(string OrderId, string ReturnId, OrderRejection Rejection) : IReturnReply;
