using System.Text.Json;
using System.Text.Json.Serialization;
using OrderEngine.Api.Http;
using OrderEngine.Api.Reports;
using OrderEngine.Domain;
using OrderEngine.Domain.Orders;
using OrderEngine.Engine.PersonalData;
using OrderEngine.Engine.Reports;
using OrderEngine.Api.Security;

namespace OrderEngine.Api.Orders;

/// <summary>One order in a search answer; absent values are written as null so every item has the same fields.</summary>
public sealed record OrderSearchItemView(
    string OrderId,
    string Channel,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? ExternalId,
    string CustomerId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Country,
    string Currency,
    string Status,
    decimal Total,
    decimal Refunded,
    int Units,
    string PaymentMethod,
    DateTimeOffset PlacedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] DateTimeOffset? PaidAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] DateTimeOffset? ShippedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] DateTimeOffset? DeliveredAt);

/// <summary>A page of the search, newest first; nextCursor (null on the last page) asks for the page after it.</summary>
public sealed record OrderSearchView(
    IReadOnlyList<OrderSearchItemView> Items,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? NextCursor);

/// <summary>GET /api/orders: the order search over the read tables (eventually consistent; one order is read from its entity at /api/orders/{id}).</summary>
public static class OrderSearchEndpoints
{
    /// <summary>The statuses as the API shows them (camelCase), each mapped to itself.</summary>
    public static readonly IReadOnlyDictionary<string, string> Statuses = Enum.GetValues<OrderStatus>()
        .Where(s => s != OrderStatus.None)
        .Select(s => JsonNamingPolicy.CamelCase.ConvertName(s.ToString()))
        .ToDictionary(s => s, s => s, StringComparer.Ordinal);

    public static readonly string[] Parameters = ["status", "channel", "customerId", "sku", "from", "to", "limit", "cursor"];

    public static WebApplication MapOrderSearchApi(this WebApplication app)
    {
        app.MapGet("/api/orders", SearchAsync).WithTags("orders")
            .WithSummary("Search orders newest first (placed_at, then order id, descending), filtered by status, channel, customerId, sku and a placedAt range [from, to); keyset pages of limit (1-500, default 50) through nextCursor")
            .Produces<OrderSearchView>().ProducesProblem(400).ProducesProblem(406)
            .WithName("searchOrders").WithAccess()
            .WithDescription("Searches orders newest first over the read tables (eventually consistent), by status, channel, customerId, sku and a placedAt range [from, to); keyset pages of limit (1-500, default 50) through nextCursor. A customerId that is an email finds the orders of its pseudonymous id (\"email:\" + a keyed digest, the id an order placed with that email as customerId gets) and those taken in before pseudonymous ids under the email itself. Read-only.");
        return app;
    }

    private static async Task<IResult> SearchAsync(HttpContext http, OrderSearchStore store, CustomerIdPseudonymizer customerIds, CancellationToken ct)
    {
        if (ResponseFormats.Choose(http.Request, csvAllowed: false) is null) return ResponseFormats.NotAcceptable(http.Request, csvAllowed: false);
        var q = new QueryReader(http.Request.Query, Parameters);
        var status = q.Raw("status") is { } s ? Statuses.ContainsKey(s) ? s : Invalid(q, "status", $"'{s}' is not one of {string.Join(", ", Statuses.Keys)}") : null;
        var channel = q.String("channel", Identifiers.IsValidChannel, Identifiers.ChannelRule);
        var customer = q.String("customerId", c => CustomerEmails.IsEmail(c) || (c.Length <= 128 && !c.Any(char.IsControl)), "at most 128 printable characters, or an email");
        var sku = q.String("sku", Identifiers.IsValidEntityId, Identifiers.EntityIdRule);
        var from = q.Instant("from");
        var to = q.Instant("to");
        var limit = q.Int("limit", 1, OrderSearchQuery.MaxLimit) ?? OrderSearchQuery.DefaultLimit;
        OrderSearchKey? after = null;
        if (q.Raw("cursor") is { } cursor && (after = OrderSearchKey.Decode(cursor)) is null)
            q.Add("cursor", "is not a cursor this search gave (pass nextCursor from the previous page unchanged)");
        if (from is { } f && to is { } t && f > t) q.Add("from", "is after to (from is inclusive, to exclusive)");
        if (q.HasErrors) return q.Problem();
        var query = new OrderSearchQuery(status, channel, customer, sku, from, to, limit, after);
        // An email finds the orders of its pseudonymous id, and those taken in before pseudonymous ids under the email itself.
        var page = customer is null ? await store.SearchAsync(query, ct) : await store.SearchAnyCustomerAsync(query, CustomerEmails.LookupIds(customer, customerIds), ct);
        return TypedResults.Ok(new OrderSearchView(
            page.Items.Select(i => new OrderSearchItemView(i.OrderId, i.Channel, i.ExternalId, i.CustomerId, i.Country, i.Currency, i.Status,
                i.Total, i.Refunded, i.Units, i.PaymentMethod, i.PlacedAt, i.PaidAt, i.ShippedAt, i.DeliveredAt)).ToList(),
            page.Next?.Encode()));
    }

    private static string? Invalid(QueryReader q, string name, string message)
    {
        q.Add(name, message);
        return null;
    }
}
