using System.Collections.Immutable;

namespace OrderEngine.Domain.Orders;

/// <summary>A message addressed to one order entity.</summary>
public interface IOrderMessage : IOrderEngineMessage
{
    string OrderId { get; }
}

/// <summary>A command the order entity decides on.</summary>
public interface IOrderCommand : IOrderMessage;

/// <summary>One line as the client asks for it; the engine computes the line total itself.</summary>
public sealed record OrderLineRequest(string Sku, int Quantity, decimal UnitPrice);

/// <summary>A postal address; country is an ISO 3166-1 alpha-2 code.</summary>
public sealed record Address(
    string? Name,
    string? Line1,
    string? Line2,
    string? City,
    string? Region,
    string? PostalCode,
    string? Country,
    string? Phone);

/// <summary>Places an order: reserve every line, then await payment. Repeating the same placement is answered with the same order.</summary>
public sealed record PlaceOrder(
    string OrderId,
    string Channel,
    string CustomerId,
    string Currency,
    ImmutableArray<OrderLineRequest> Lines,
    Address? ShippingAddress) : IOrderCommand;

/// <summary>Confirms that the order's total was paid; amount and currency must match the order exactly.</summary>
public sealed record ConfirmPayment(string OrderId, decimal Amount, string Currency, string Reference) : IOrderCommand;

/// <summary>Cancels an order that is not paid yet and releases its stock.</summary>
public sealed record CancelOrder(string OrderId, string Reason) : IOrderCommand;

/// <summary>Asks for an order's current view.</summary>
public sealed record GetOrder(string OrderId) : IOrderMessage;

/// <summary>Sent by a stock entity when an order's reservation has passed its expiry: the order says what becomes of it.</summary>
public sealed record ReservationDue(string OrderId, string Sku) : IOrderCommand;

/// <summary>The stock entities' answers for every line of a placed order, once all have answered.</summary>
public sealed record CompleteReservation(string OrderId, ImmutableArray<LineReservationOutcome> Outcomes) : IOrderCommand;

/// <summary>One line's reservation result; a refusal carries its reason.</summary>
public sealed record LineReservationOutcome(string Sku, bool Reserved, string? Code, string? Reason);

/// <summary>Starts an order's entity to do what it still owes (sent for orders whose next step is overdue).</summary>
public sealed record WakeOrder(string OrderId) : IOrderCommand;

/// <summary>Ends an unpaid order whose hold time has passed.</summary>
public sealed record ExpireOrder(string OrderId) : IOrderCommand;

/// <summary>Records that every stock entity acknowledged the commit or release the order's status calls for.</summary>
public sealed record MarkStockSettled(string OrderId) : IOrderCommand;
