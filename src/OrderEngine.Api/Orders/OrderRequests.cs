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
    AddressBody? ShippingAddress);

/// <summary>One requested line.</summary>
public sealed record OrderLineBody(string? Sku, int Quantity, decimal UnitPrice);

/// <summary>A postal address; country is ISO 3166-1 alpha-2.</summary>
public sealed record AddressBody(string? Name, string? Line1, string? Line2, string? City, string? Region, string? PostalCode, string? Country, string? Phone);

/// <summary>The body of POST /api/orders/{id}/payment.</summary>
public sealed record PaymentRequest(decimal Amount, string? Currency, string? Reference);

/// <summary>The optional body of POST /api/orders/{id}/cancel.</summary>
public sealed record CancelRequest(string? Reason);
