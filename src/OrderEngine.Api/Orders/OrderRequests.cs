using OrderEngine.Domain.Payments;

namespace OrderEngine.Api.Orders;

/// <summary>The body of POST /api/orders. Totals are never taken from the client.</summary>
/// <param name="Id">A client-chosen order id; otherwise it is derived from (channel, externalId), else from the Idempotency-Key header.</param>
public sealed record PlaceOrderRequest(
    string? Id,
    string? ExternalId,
    string? Channel,
    string? CustomerId,
    string? Currency,
    List<OrderLineBody?>? Lines,
    AddressBody? ShippingAddress,
    PaymentMethod? PaymentMethod = null,
    ChargesBody? Charges = null);

/// <summary>Charges besides the lines: shipping, tax not included in prices, an order-level discount.</summary>
public sealed record ChargesBody(decimal Shipping, decimal Tax, decimal Discount);

/// <summary>One requested line.</summary>
public sealed record OrderLineBody(string? Sku, int Quantity, decimal UnitPrice);

/// <summary>A postal address; country is ISO 3166-1 alpha-2.</summary>
public sealed record AddressBody(string? Name, string? Line1, string? Line2, string? City, string? Region, string? PostalCode, string? Country, string? Phone);

/// <summary>The body of POST /api/orders/{id}/payment.</summary>
public sealed record PaymentRequest(decimal Amount, string? Currency, string? Reference);

/// <summary>The optional body of POST /api/orders/{id}/cancel.</summary>
public sealed record CancelRequest(string? Reason);

/// <summary>The body of POST /api/orders/{id}/review: an operator's decision on a held order.</summary>
public sealed record ReviewRequest(string? Decision, string? Reason, string? Operator);

/// <summary>The body of POST /api/orders/{id}/refunds: lines, or an amount, or neither (all that is left).</summary>
public sealed record RefundRequestBody(string? RefundId, decimal? Amount, List<RefundLineBody?>? Lines, string? Reason, string? By, string? PaymentReference = null);

/// <summary>A line to refund.</summary>
public sealed record RefundLineBody(string? Sku, int Quantity);
