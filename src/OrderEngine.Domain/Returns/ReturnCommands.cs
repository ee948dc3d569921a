using System.Collections.Immutable;
using OrderEngine.Domain.Orders;

namespace OrderEngine.Domain.Returns;

/// <summary>A message addressed to one return entity: a return is named by its order and the client's return id.</summary>
public interface IReturnMessage : IOrderEngineMessage
{
    string OrderId { get; }
    string ReturnId { get; }
}

/// <summary>A command the return entity decides on.</summary>
public interface IReturnCommand : IReturnMessage;

/// <summary>What the customer wants for the returned goods.</summary>
public enum ReturnResolution
{
    /// <summary>The returned units' price back, through the payment's provider.</summary>
    Refund,
    /// <summary>A replacement order (see <see cref="RequestReturn.Replacement"/>), paid by the returned units' value.</summary>
    Exchange,
}

/// <summary>
/// Asks to return delivered units of an order. For an exchange, <paramref name="Replacement"/> holds the lines of the
/// replacement order at their unit prices. The return id is the client's: a repeat with the same content changes nothing.
/// </summary>
public sealed record RequestReturn(
    string OrderId,
    string ReturnId,
    ImmutableArray<ReturnLine> Lines,
    string Reason,
    ReturnResolution Resolution,
    ImmutableArray<OrderLineRequest> Replacement) : IReturnCommand;

/// <summary>The order accepted the return's units (<see cref="RegisterReturn"/>): the entity records the request (internal).</summary>
public sealed record ConfirmReturnRequest(string OrderId, string ReturnId, RequestReturn Request, decimal Value, string Currency) : IReturnCommand;

/// <summary>An operator approves a requested return: the customer may send the goods.</summary>
public sealed record ApproveReturn(string OrderId, string ReturnId, string By) : IReturnCommand;

/// <summary>An operator rejects a requested return: its units are given back to the order.</summary>
public sealed record RejectReturn(string OrderId, string ReturnId, string By, string Reason) : IReturnCommand;

/// <summary>The customer sent the goods with a carrier: the return is in transit.</summary>
public sealed record RecordReturnShipment(string OrderId, string ReturnId, string Carrier, string TrackingNumber) : IReturnCommand;

/// <summary>The warehouse received the returned goods.</summary>
public sealed record MarkReturnReceived(string OrderId, string ReturnId, string By) : IReturnCommand;

/// <summary>The inspection's verdict on one returned line: how many of its units can be sold again, how many cannot.</summary>
public sealed record InspectedLine(string Sku, int Restockable, int NotRestockable);

/// <summary>The warehouse inspected the returned goods: every returned line judged, unit by unit.</summary>
public sealed record InspectReturn(string OrderId, string ReturnId, ImmutableArray<InspectedLine> Lines, string By) : IReturnCommand;

/// <summary>Records that every stock entity took the restockable units back on hand (internal).</summary>
public sealed record MarkReturnRestocked(string OrderId, string ReturnId) : IReturnCommand;

/// <summary>Resolves an inspected return as requested: refund, or exchange (the replacement order is placed).</summary>
public sealed record ResolveReturn(string OrderId, string ReturnId, string By) : IReturnCommand;

/// <summary>The order paid the return out, and for an exchange the replacement order was placed (internal).</summary>
public sealed record ConfirmReturnResolved(string OrderId, string ReturnId, decimal Refunded, decimal Credit, string? ExchangeOrderId) : IReturnCommand;

/// <summary>Asks for a return's current view.</summary>
public sealed record GetReturn(string OrderId, string ReturnId) : IReturnMessage;

/// <summary>
/// An exchange's replacement order reports its outcome to its return: the difference was paid (<paramref name="Paid"/>,
/// <paramref name="AmountPaid"/>), or the replacement ended unpaid and the credit must go back to the original payment.
/// Sent until acknowledged; a repeat changes nothing (the lapse's credit refund is asked of the order again until done).
/// </summary>
public sealed record RecordExchangeOutcome(string OrderId, string ReturnId, string ExchangeOrderId, bool Paid, decimal AmountPaid) : IReturnCommand;

/// <summary>The original order refunded the lapsed exchange's credit (<see cref="RefundExchangeCredit"/>; internal).</summary>
public sealed record ConfirmExchangeCreditRefunded(string OrderId, string ReturnId, decimal Refunded) : IReturnCommand;
