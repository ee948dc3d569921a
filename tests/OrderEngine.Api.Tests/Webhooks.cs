using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests;

/// <summary>
/// Sandbox webhooks built and signed by the tests themselves (HMAC-SHA256 over "t.body", as the sandbox documents it),
/// independent of the engine's own signing code; plus order helpers for payments, anomalies, refunds and review.
/// </summary>
public static class Webhooks
{
    public const string Secret = "sandbox-test-secret-5b1e0c";
    public const string SignatureHeader = "Sandbox-Signature";

    /// <summary>The signature tolerance the payment fixtures configure.</summary>
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    public static string NewEventId() => "evt_" + Guid.NewGuid().ToString("N");

    public static string NewPaymentId() => "pay_" + Guid.NewGuid().ToString("N")[..16];

    public static string Money(decimal amount) => amount.ToString(CultureInfo.InvariantCulture);

    /// <summary>The Sandbox-Signature header value for a body sent at <paramref name="at"/>.</summary>
    public static string Sign(string body, DateTimeOffset at, string secret = Secret)
    {
        var t = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(t + "." + body));
        return $"t={t},v1={Convert.ToHexStringLower(mac)}";
    }

    public static string Captured(string orderId, decimal amount, string currency = "EUR", string? paymentId = null, string? eventId = null) =>
        JsonSerializer.Serialize(new
        {
            id = eventId ?? NewEventId(),
            type = "payment.captured",
            data = new { orderId, paymentId = paymentId ?? NewPaymentId(), amount = Money(amount), currency },
        });

    public static string RefundSucceeded(string orderId, string refundId, string providerRefundId, string? eventId = null) =>
        JsonSerializer.Serialize(new
        {
            id = eventId ?? NewEventId(),
            type = "refund.succeeded",
            data = new { orderId, refundId, providerRefundId },
        });

    public static string RefundFailed(string orderId, string refundId, string reason, string? eventId = null) =>
        JsonSerializer.Serialize(new
        {
            id = eventId ?? NewEventId(),
            type = "refund.failed",
            data = new { orderId, refundId, reason },
        });

    /// <summary>Posts a raw body with the given Sandbox-Signature header value (none when null).</summary>
    public static Task<HttpResponseMessage> PostWebhook(this HttpClient client, string body, string? signature, string provider = "sandbox")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/payments/{provider}/webhook")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (signature is not null) request.Headers.TryAddWithoutValidation(SignatureHeader, signature);
        return client.SendAsync(request);
    }

    /// <summary>Posts a body signed now with the right secret.</summary>
    public static Task<HttpResponseMessage> PostSigned(this HttpClient client, string body, string provider = "sandbox") =>
        client.PostWebhook(body, Sign(body, DateTimeOffset.UtcNow), provider);

    /// <summary>Delivers a signed webhook that must be answered 200; returns the answer.</summary>
    public static async Task<JsonElement> Deliver(this HttpClient client, string body)
    {
        using var response = await client.PostSigned(body);
        await ExpectStatus(response, HttpStatusCode.OK);
        return await Body(response);
    }

    /// <summary>Pays an order's exact total by a signed sandbox webhook; returns the payment id.</summary>
    public static async Task<string> PayByWebhook(this HttpClient client, string orderId, decimal amount, string currency = "EUR")
    {
        var paymentId = NewPaymentId();
        var answer = await client.Deliver(Captured(orderId, amount, currency, paymentId));
        Assert.Equal("payment accepted", answer.GetProperty("outcome").GetString());
        return paymentId;
    }

    // ---- reading an order ----

    public static JsonElement? Payment(this JsonElement order) =>
        order.TryGetProperty("payment", out var p) && p.ValueKind == JsonValueKind.Object ? p : null;

    public static JsonElement[] Anomalies(this JsonElement order) => order.GetProperty("anomalies").EnumerateArray().ToArray();

    public static JsonElement[] Refunds(this JsonElement order) => order.GetProperty("refunds").EnumerateArray().ToArray();

    public static string[] HoldReasons(this JsonElement order) =>
        order.GetProperty("holdReasons").EnumerateArray().Select(r => r.GetString()!).ToArray();

    public static string Str(this JsonElement e, string name) => e.GetProperty(name).GetString()!;

    public static decimal Dec(this JsonElement e, string name) => e.GetProperty(name).GetDecimal();

    public static bool StockSettled(this JsonElement order) => order.GetProperty("stockSettled").GetBoolean();

    public static Task<JsonElement> OrderEventually(this HttpClient client, string id, Func<JsonElement, bool> condition, TimeSpan? within = null) =>
        Eventually(() => client.Order(id), condition, within ?? TimeSpan.FromSeconds(10), $"order {id}");

    /// <summary>Waits until the order owes its stock nothing and no refund is waiting for its provider.</summary>
    public static Task<JsonElement> SettledOrder(this HttpClient client, string id) =>
        client.OrderEventually(id, o => o.StockSettled() && o.Refunds().All(r => r.Str("status") != "requested"));

    /// <summary>The order and its SKU's stock as they stand, to show later that a refused request changed nothing.</summary>
    public static async Task<(string Order, StockFigures Stock)> Snapshot(this HttpClient client, string orderId, string sku) =>
        ((await client.Order(orderId)).GetRawText(), await client.Stock(sku));

    public static async Task AssertUnchanged(this HttpClient client, (string Order, StockFigures Stock) before, string orderId, string sku)
    {
        Assert.Equal(before.Order, (await client.Order(orderId)).GetRawText());
        Assert.Equal(before.Stock, await client.Stock(sku));
    }

    // ---- review and refunds ----

    public static Task<HttpResponseMessage> Review(this HttpClient client, string id, string? decision, string? operatorName = "alice", string? reason = null) =>
        client.PostAsJsonAsync($"/api/orders/{id}/review", new Dictionary<string, string?>
        {
            ["decision"] = decision,
            ["reason"] = reason,
            ["operator"] = operatorName,
        });

    public static Task<HttpResponseMessage> Refund(this HttpClient client, string id, object body, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/orders/{id}/refunds") { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null) request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        return client.SendAsync(request);
    }

    /// <summary>Asks for a refund that must be answered 202; returns the order as answered.</summary>
    public static async Task<JsonElement> RefundAccepted(this HttpClient client, string id, object body, string? idempotencyKey = null)
    {
        using var response = await client.Refund(id, body, idempotencyKey);
        await ExpectStatus(response, HttpStatusCode.Accepted);
        return await Body(response);
    }
}
