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

    /// <summary>Units that must still come back on hand: inspected restockable units, until the stock acknowledged them.</summary>
    public ImmutableArray<ReturnLine> UnitsToRestock =>
        Status is ReturnStatus.Inspected or ReturnStatus.Resolved && !Restocked
            ? Inspection.Where(l => l.Restockable > 0).Select(l => new ReturnLine(l.Sku, l.Restockable)).ToImmutableArray()
            : [];

    public ReturnView ToView() => new(OrderId, ReturnId, Status, Request?.Lines ?? [], Request?.Reason, Request?.Resolution ?? ReturnResolution.Refund,
        Request?.Replacement ?? [], Request?.Value ?? 0m, Request?.Currency, Carrier, TrackingNumber, Inspection, Restocked, Refunded, Credit,
        ExchangeOrderId, History);
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
    ImmutableArray<ReturnStep> History);

/// <summary>A return entity's answer.</summary>
public interface IReturnReply : IReturnMessage;

/// <summary>The command took effect (or had already: <paramref name="Repeat"/>); the return as it now stands.</summary>
public sealed record ReturnAccepted(string OrderId, string ReturnId, ReturnView View, bool Repeat = false) : IReturnReply;

/// <summary>The command was refused and changed nothing (the order's rejection codes are reused).</summary>
public sealed record ReturnRefused(string OrderId, string ReturnId, OrderRejection Rejection) : IReturnReply;
