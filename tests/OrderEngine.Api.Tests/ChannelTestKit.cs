using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrderEngine.Domain;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests;

/// <summary>
/// Calls of the channel intake API (webhooks, feeds, counters, quarantine, reconciliation), the channel fixtures copied
/// into TestData, and webhook signatures computed by the tests themselves with the platforms' documented algorithm
/// (base64 of HMAC-SHA256 over the raw body), independent of the engine's own verification code.
/// </summary>
public static class ChannelTestKit
{
    public const string ShopifySignatureHeader = "X-Shopify-Hmac-Sha256";
    public const string ShopifyTopicHeader = "X-Shopify-Topic";
    public const string WooSignatureHeader = "X-WC-Webhook-Signature";
    public const string WooTopicHeader = "X-WC-Webhook-Topic";

    // ---- fixtures ----

    /// <summary>A fixture's bytes exactly as published (TestData/channels, see its README).</summary>
    public static byte[] FixtureBytes(string path) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "TestData", "channels", path));

    public static JsonNode FixtureNode(string path) => JsonNode.Parse(FixtureBytes(path))!;

    /// <summary>The first vector of a signature fixture: secret, raw body and the published header value.</summary>
    public static (string Secret, string Body, string Header) SignatureVector(string path)
    {
        var v = FixtureNode(path)["vectors"]![0]!;
        return ((string)v["secret"]!, (string)v["raw_body"]!, (string)v["expected_header_value"]!);
    }

    /// <summary>base64(HMAC-SHA256(secret, body bytes)): the header value Shopify and WooCommerce send.</summary>
    public static string Sign(string secret, byte[] body) => Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>The order id the engine derives for a channel's external id.</summary>
    public static string OrderIdOf(string channel, string externalId) => Identifiers.OrderIdFromExternal(channel, externalId);

    // ---- webhooks ----

    public static Task<HttpResponseMessage> PostShopify(this HttpClient client, string shop, byte[] body, string? signature, string? topic = "orders/create") =>
        client.PostWebhook($"/api/channels/shopify/{shop}/orders", body, ShopifySignatureHeader, signature, ShopifyTopicHeader, topic);

    public static Task<HttpResponseMessage> PostWooCommerce(this HttpClient client, string store, byte[] body, string? signature, string? topic = "order.created") =>
        client.PostWebhook($"/api/channels/woocommerce/{store}/orders", body, WooSignatureHeader, signature, WooTopicHeader, topic);

    private static Task<HttpResponseMessage> PostWebhook(this HttpClient client, string path, byte[] body, string signatureHeader, string? signature, string topicHeader, string? topic)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        if (signature is not null) request.Headers.TryAddWithoutValidation(signatureHeader, signature);
        if (topic is not null) request.Headers.TryAddWithoutValidation(topicHeader, topic);
        return client.SendAsync(request);
    }

    /// <summary>The one order outcome of a webhook answered 200.</summary>
    public static async Task<JsonElement> WebhookOutcome(HttpResponseMessage response)
    {
        await ExpectStatus(response, HttpStatusCode.OK);
        return Assert.Single((await Body(response)).GetProperty("orders").EnumerateArray());
    }

    // ---- feeds ----

    /// <summary>One canonical NDJSON feed line (the POST /api/orders body plus externalId).</summary>
    public static string NdjsonRecord(string externalId, string channel, string sku, int quantity, decimal unitPrice,
        string customerId = "customer-1", string currency = "EUR", decimal shipping = 0m) =>
        JsonSerializer.Serialize(new
        {
            externalId,
            channel,
            customerId,
            currency,
            lines = new[] { new { sku, quantity, unitPrice } },
            charges = new { shipping, tax = 0m, discount = 0m },
        });

    public static string Ndjson(params string[] lines) => string.Join("\n", lines) + "\n";

    public static Task<HttpResponseMessage> PostFeed(this HttpClient client, string channel, string body, string contentType)
    {
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return client.PostAsync($"/api/channels/{channel}/feed", content);
    }

    /// <summary>Posts a feed that must be answered 200 and reads the NDJSON answer: one line per record, then the summary.</summary>
    public static async Task<FeedAnswer> Feed(this HttpClient client, string channel, string body, string contentType = "application/x-ndjson")
    {
        using var response = await client.PostFeed(channel, body, contentType);
        await ExpectStatus(response, HttpStatusCode.OK);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.EndsWith("\n", text);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        Assert.NotEmpty(lines);
        var summary = lines[^1];
        Assert.True(summary.TryGetProperty("summary", out var s), $"the last line is not the summary: {summary}");
        var records = lines.Take(lines.Count - 1).ToList();
        Assert.All(records, r => Assert.False(r.TryGetProperty("summary", out _), $"a summary before the last line: {text}"));
        return new FeedAnswer(records, s);
    }

    public static string Outcome(this JsonElement outcome) => outcome.GetProperty("outcome").GetString()!;

    /// <summary>
    /// The order is paid (its history says so and its payment is recorded), whether or not it is also held because no
    /// shipping method serves it: the default shipping rules serve Germany and the EU, and these fixtures ship elsewhere.
    /// </summary>
    public static async Task<JsonElement> PaidOrderEventually(this HttpClient client, string id)
    {
        var order = await Api.Eventually(() => client.Order(id), o => o.TryGetProperty("shippingMethod", out _), TimeSpan.FromSeconds(10), $"order {id} with its shipping choice");
        Assert.Contains(order.GetProperty("history").EnumerateArray(), h => h.GetProperty("status").GetString() == "paid");
        Assert.True(order.TryGetProperty("payment", out _), "the order has no payment");
        // Held for shipping, naming why, or paid and ready to ship.
        Assert.True(order.Status() == "paid" || order.GetProperty("holdReasons").EnumerateArray().Any(r => r.GetString()!.StartsWith("shipping: ", StringComparison.Ordinal)),
            order.GetRawText());
        return order;
    }

    public static string? OptStr(this JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static long Long(this JsonElement e, string name) => e.GetProperty(name).GetInt64();

    // ---- counters ----

    /// <summary>GET /api/channels as a map from channel to counters.</summary>
    public static async Task<Dictionary<string, ChannelCounters>> Counters(this HttpClient client)
    {
        using var response = await client.GetAsync("/api/channels");
        await ExpectStatus(response, HttpStatusCode.OK);
        return (await Body(response)).GetProperty("channels").EnumerateArray()
            .Select(ChannelCounters.From)
            .ToDictionary(c => c.Channel);
    }

    public static async Task<ChannelCounters> Counters(this HttpClient client, string channel) =>
        (await client.Counters()).GetValueOrDefault(channel) ?? new ChannelCounters(channel, 0, 0, 0, 0, 0, null);

    // ---- quarantine ----

    public static Task<HttpResponseMessage> GetQuarantine(this HttpClient client, string channel, string query = "") =>
        client.GetAsync($"/api/channels/{channel}/quarantine{query}");

    /// <summary>The channel's quarantined records (unresolved only unless asked), newest first.</summary>
    public static async Task<List<JsonElement>> Quarantine(this HttpClient client, string channel, bool includeResolved = false)
    {
        using var response = await client.GetQuarantine(channel, includeResolved ? "?includeResolved=true" : "");
        await ExpectStatus(response, HttpStatusCode.OK);
        var body = await Body(response);
        Assert.Equal(channel, body.Str("channel"));
        return body.GetProperty("records").EnumerateArray().ToList();
    }

    /// <summary>Retries a quarantined record: as stored (no body) or with a corrected payload.</summary>
    public static Task<HttpResponseMessage> Retry(this HttpClient client, string channel, string id, string? payload = null) =>
        payload is null
            ? client.PostAsync($"/api/channels/{channel}/quarantine/{id}/retry", null)
            : client.PostAsJsonAsync($"/api/channels/{channel}/quarantine/{id}/retry", new { payload });

    // ---- reconciliation ----

    public static Task<HttpResponseMessage> PostReconcile(this HttpClient client, string channel, object body) =>
        client.PostAsJsonAsync($"/api/channels/{channel}/reconcile", body);

    public static async Task<JsonElement> Reconcile(this HttpClient client, string channel, DateTimeOffset from, DateTimeOffset to, params string[] externalIds)
    {
        using var response = await client.PostReconcile(channel, new { from, to, externalIds });
        await ExpectStatus(response, HttpStatusCode.OK);
        return await Body(response);
    }

    public static string[] Strings(this JsonElement e, string name) => e.GetProperty(name).EnumerateArray().Select(x => x.GetString()!).ToArray();
}

/// <summary>A feed's answer: the per-record lines in feed order and the summary line's object.</summary>
public sealed record FeedAnswer(List<JsonElement> Records, JsonElement Summary)
{
    public string[] Outcomes => Records.Select(r => r.Outcome()).ToArray();

    /// <summary>The summary's counts: records, accepted, duplicates, quarantined, unavailable.</summary>
    public (long Records, long Accepted, long Duplicates, long Quarantined, long Unavailable) Counts =>
        (Summary.Long("records"), Summary.Long("accepted"), Summary.Long("duplicates"), Summary.Long("quarantined"), Summary.Long("unavailable"));

    /// <summary>Records taken but refused for stock (no order, nothing held).</summary>
    public long Refused => Summary.Long("refused");
}

/// <summary>One channel of GET /api/channels.</summary>
public sealed record ChannelCounters(string Channel, long Received, long Accepted, long Duplicates, long Refused, long Quarantined, DateTimeOffset? LastSeen)
{
    public static ChannelCounters From(JsonElement e) => new(
        e.Str("channel"), e.Long("received"), e.Long("accepted"), e.Long("duplicates"), e.Long("refused"), e.Long("quarantined"),
        e.TryGetProperty("lastSeen", out var seen) && seen.ValueKind == JsonValueKind.String ? seen.GetDateTimeOffset() : null);
}
