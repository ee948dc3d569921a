using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;
using OrderEngine.Domain.Payments;

namespace OrderEngine.Api.Orders;

/// <summary>
/// The body of POST /api/orders. Totals are never taken from the client. Strict like the channel feeds: a field the body
/// does not have (at any level) is refused naming it, since a misspelt optional field ("paymentMetod") would otherwise
/// be dropped silently and change the order (card instead of cash on delivery).
/// </summary>
/// <param name="Id">A client-chosen order id; otherwise it is derived from (channel, externalId), else from the Idempotency-Key header.</param>
public sealed record PlaceOrderRequest(
    string? Id,
    string? ExternalId,
    string? Channel,
    [property: Description(PlaceOrderRequest.CustomerIdDescription)] string? CustomerId,
    string? Currency,
    List<OrderLineBody?>? Lines,
    AddressBody? ShippingAddress,
    PaymentMethod? PaymentMethod = null,
    ChargesBody? Charges = null,
    DeliveryBody? Delivery = null)
{
    /// <summary>What the API reference says of customerId (the order keeps an email's pseudonym, never the email).</summary>
    public const string CustomerIdDescription =
        "The customer: 1-128 characters. An email address (up to 254 characters) is replaced by its pseudonymous id, "
        + "\"email:\" + a keyed digest of the email trimmed and lower-cased, before anything is stored: the answer's customerId "
        + "is that id (the same GET /api/customers/id-of gives), and the email is kept nowhere.";

    /// <summary>The names the body has, as a client writes them; names match case-insensitively.</summary>
    public const string Fields = "id, externalId, channel, customerId, currency, lines, shippingAddress, paymentMethod, charges, delivery";

    /// <summary>Members of the body that match no field, kept only to be refused.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; init; }

    /// <summary>Every unknown field, by its JSON path, with the fields allowed where it stands; empty when there is none.</summary>
    public Dictionary<string, string[]> UnknownFields()
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        UnknownField.Add(errors, "", Unknown, Fields);
        for (var i = 0; i < (Lines?.Count ?? 0); i++) UnknownField.Add(errors, $"lines[{i}].", Lines![i]?.Unknown, OrderLineBody.Fields);
        UnknownField.Add(errors, "shippingAddress.", ShippingAddress?.Unknown, AddressBody.Fields);
        UnknownField.Add(errors, "charges.", Charges?.Unknown, ChargesBody.Fields);
        UnknownField.Add(errors, "delivery.", Delivery?.Unknown, DeliveryBody.Fields);
        UnknownField.Add(errors, "delivery.dropOff.", Delivery?.DropOff?.Unknown, GeoPointBody.Fields);
        return errors;
    }
}

/// <summary>Charges besides the lines: shipping, tax not included in prices, an order-level discount.</summary>
public sealed record ChargesBody(decimal Shipping, decimal Tax, decimal Discount)
{
    public const string Fields = "shipping, tax, discount";

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; init; }
}

/// <summary>
/// A restaurant delivery: the restaurant that cooks the order, where it goes, and the time promised to the customer
/// (optional: the restaurant promises one from its estimates otherwise).
/// </summary>
public sealed record DeliveryBody(string? RestaurantId, GeoPointBody? DropOff, DateTimeOffset? PromisedBy)
{
    public const string Fields = "restaurantId, dropOff, promisedBy";

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; init; }
}

/// <summary>A point on the map, WGS 84 degrees.</summary>
public sealed record GeoPointBody(double? Latitude, double? Longitude)
{
    public const string Fields = "latitude, longitude";

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; init; }
}

/// <summary>One requested line.</summary>
public sealed record OrderLineBody(string? Sku, int Quantity, decimal UnitPrice)
{
    public const string Fields = "sku, quantity, unitPrice";

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; init; }
}

/// <summary>A postal address; country is ISO 3166-1 alpha-2.</summary>
public sealed record AddressBody(string? Name, string? Line1, string? Line2, string? City, string? Region, string? PostalCode, string? Country, string? Phone)
{
    public const string Fields = "name, line1, line2, city, region, postalCode, country, phone";

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; init; }
}

internal static class UnknownField
{
    public static void Add(Dictionary<string, string[]> errors, string prefix, Dictionary<string, JsonElement>? unknown, string fields)
    {
        if (unknown is null) return;
        foreach (var name in unknown.Keys) errors[prefix + name] = [$"unknown field; the fields here are {fields}"];
    }
}

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
