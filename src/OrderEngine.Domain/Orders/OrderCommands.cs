using System.Collections.Immutable;
using OrderEngine.Domain.Payments;

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
    string? Phone)
{
    /// <summary>Without the personal fields (name, street lines, phone): a record prints every field, and this one may reach a log line.</summary>
    public override string ToString() => $"Address {{ City = {City}, Region = {Region}, PostalCode = {PostalCode}, Country = {Country} }}";
}

/// <summary>
/// Places an order: reserve every line, review it, then await payment. Repeating the same placement is answered with
/// the same order. <see cref="ExternalId"/> is the selling channel's own id of the order, when it has one. An order the
/// channel already charged carries that payment (<see cref="PaidAtChannel"/>): it is paid on arrival and never expires.
/// <see cref="PlacedAt"/> is when the channel says the order was placed (the engine keeps its own receipt time beside it).
/// A SKU may be on several lines (at different prices, say); its stock is reserved once, for all of them.
/// <see cref="HoldFor"/> replaces the rules' hold time for this order (an exchange's replacement waits days for its
/// difference, not minutes); <see cref="ExchangeOf"/> names the return whose replacement this order is. Neither is
/// offered to channels: the returns lifecycle sets them.
/// </summary>
public sealed record PlaceOrder(
    string OrderId,
    string Channel,
    string CustomerId,
    string Currency,
    ImmutableArray<OrderLineRequest> Lines,
    Address? ShippingAddress,
    PaymentMethod PaymentMethod = PaymentMethod.Card,
    OrderCharges? Charges = null,
    string? ExternalId = null,
    ChannelPayment? PaidAtChannel = null,
    DateTimeOffset? PlacedAt = null,
    TimeSpan? HoldFor = null,
    ExchangeLink? ExchangeOf = null,
    DeliveryRequest? Delivery = null) : IOrderCommand;

/// <summary>
/// A payment the selling channel collected itself before it sent the order (a marketplace, or a shop's own checkout):
/// the channel is its provider. <paramref name="Method"/> is how the customer paid at the channel (its gateway);
/// an amount below the order's total is a partial payment.
/// </summary>
public sealed record ChannelPayment(string Method, decimal Amount, string Currency, string Reference);

/// <summary>
/// What an order costs besides its lines, as the selling channel computed it: shipping, tax not included in the
/// prices, and an order-level discount. The engine's total is lines + shipping + tax − discount.
/// <paramref name="DiscountReason"/> says what the discount is when the engine set it (an exchange's credit).
/// </summary>
public sealed record OrderCharges(decimal Shipping, decimal Tax, decimal Discount, string? DiscountReason = null)
{
    public static readonly OrderCharges None = new(0m, 0m, 0m);
}

/// <summary>An operator (or a channel that settles payments itself) confirms the order's total was paid; amount and currency must match exactly.</summary>
public sealed record ConfirmPayment(string OrderId, decimal Amount, string Currency, string Reference) : IOrderCommand;

/// <summary>
/// A payment provider reports a captured payment (a verified webhook). Unlike <see cref="ConfirmPayment"/> it is never
/// refused for not fitting the order: the money is already taken, so a misfit is recorded as an anomaly and refunded or held.
/// </summary>
public sealed record RecordProviderPayment(string OrderId, string Provider, string EventId, string PaymentId, decimal Amount, string Currency) : IOrderCommand;

/// <summary>
/// The outcome of a refund at its provider (from the provider's answer or from its webhook). <paramref name="RecordedBy"/>
/// names the person who records it by hand, which only a refund carried out at a selling channel allows (the channel
/// holds the money; nothing in the engine can ask it).
/// </summary>
public sealed record RecordRefundOutcome(string OrderId, string RefundId, bool Succeeded, string? ProviderRefundId, string? FailureReason, string? EventId = null,
    string? RecordedBy = null) : IOrderCommand;

/// <summary>Cancels an order that is not paid yet and releases its stock.</summary>
public sealed record CancelOrder(string OrderId, string Reason, string By = "customer") : IOrderCommand;

/// <summary>An operator's decision on an order held for review: approve lets it proceed, reject cancels it.</summary>
public sealed record ReviewOrder(string OrderId, bool Approve, string Reason, string Operator) : IOrderCommand;

/// <summary>One line (or part of one) to refund.</summary>
public sealed record RefundLine(string Sku, int Quantity);

/// <summary>
/// Refunds part or all of what was paid: given lines (their price, and their units back on sale when not shipped),
/// or an amount, or neither (everything still refundable). The refund id makes a retry count once. By default it
/// refunds the order's payment; <paramref name="PaymentReference"/> names another captured payment (an anomaly).
/// </summary>
public sealed record RequestRefund(
    string OrderId,
    string RefundId,
    decimal? Amount,
    ImmutableArray<RefundLine> Lines,
    string Reason,
    string By,
    string? PaymentReference = null) : IOrderCommand;

/// <summary>Asks for an order's current view.</summary>
public sealed record GetOrder(string OrderId) : IOrderMessage;

/// <summary>Sent by a stock entity when an order's reservation has passed its expiry: the order says what becomes of it.</summary>
public sealed record ReservationDue(string OrderId, string Sku) : IOrderCommand;

/// <summary>
/// The stock entities' answers for every line of a placed order, once all have answered, and — when the velocity
/// rule is on — how many orders the customer placed within the rule's window.
/// </summary>
public sealed record CompleteReservation(string OrderId, ImmutableArray<LineReservationOutcome> Outcomes, int? RecentOrdersOfCustomer = null) : IOrderCommand;

/// <summary>One line's reservation result; a refusal carries its reason.</summary>
public sealed record LineReservationOutcome(string Sku, bool Reserved, string? Code, string? Reason);

/// <summary>Starts an order's entity to do what it still owes (sent for orders whose next step is overdue).</summary>
public sealed record WakeOrder(string OrderId) : IOrderCommand;

/// <summary>Ends an unpaid order whose hold time (or review deadline) has passed.</summary>
public sealed record ExpireOrder(string OrderId) : IOrderCommand;

/// <summary>Records that every stock entity acknowledged the commit or release the order's status calls for.</summary>
public sealed record MarkStockSettled(string OrderId) : IOrderCommand;

/// <summary>Records that every stock entity put a refund's units back on sale.</summary>
public sealed record MarkRefundRestocked(string OrderId, string RefundId) : IOrderCommand;
