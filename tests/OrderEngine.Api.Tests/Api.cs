using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace OrderEngine.Api.Tests;

/// <summary>Calls and assertions shared by the API tests: stock and order requests, problem-details checks, polling.</summary>
public static class Api
{
    public const string ProblemType = "urn:orderengine:problem:";

    /// <summary>A SKU no other test uses (tests in a class share one engine).</summary>
    public static string Sku(string name) => $"{name}-{Guid.NewGuid().ToString("N")[..8]}";

    public static string NewKey() => "key-" + Guid.NewGuid().ToString("N");

    public static StringContent Json(string raw) => new(raw, Encoding.UTF8, "application/json");

    public static async Task<JsonElement> Body(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    // ---- stock ----

    public static Task<HttpResponseMessage> PutStock(this HttpClient client, string sku, long onHand, long version) =>
        client.PutAsJsonAsync($"/api/stock/{sku}", new { onHand, version });

    public static async Task SetStock(this HttpClient client, string sku, long onHand, long version = 1)
    {
        using var response = await client.PutStock(sku, onHand, version);
        await ExpectStatus(response, HttpStatusCode.OK);
    }

    public static Task<HttpResponseMessage> Adjust(this HttpClient client, string sku, long delta, string reason, string adjustmentId) =>
        client.PostAsJsonAsync($"/api/stock/{sku}/adjustments", new { delta, reason, adjustmentId });

    /// <summary>The stock view of a SKU, which must exist.</summary>
    public static async Task<StockFigures> Stock(this HttpClient client, string sku)
    {
        using var response = await client.GetAsync($"/api/stock/{sku}");
        await ExpectStatus(response, HttpStatusCode.OK);
        return StockFigures.From(await Body(response));
    }

    /// <summary>Polls the stock view until it satisfies the condition (an eventually-consistent effect of the order saga).</summary>
    public static Task<StockFigures> StockEventually(this HttpClient client, string sku, Func<StockFigures, bool> condition, TimeSpan? within = null) =>
        Eventually(() => client.Stock(sku), condition, within ?? TimeSpan.FromSeconds(5), $"stock of {sku}");

    // ---- orders ----

    public static object Line(string sku, int quantity, decimal unitPrice) => new { sku, quantity, unitPrice };

    public static object OrderBody(params object[] lines) =>
        new { channel = "web", customerId = "customer-1", currency = "EUR", lines };

    public static Task<HttpResponseMessage> PlaceOrder(this HttpClient client, string? idempotencyKey, object body) =>
        client.PlaceOrder(idempotencyKey, JsonContent.Create(body));

    public static Task<HttpResponseMessage> PlaceOrder(this HttpClient client, string? idempotencyKey, HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders") { Content = content };
        if (idempotencyKey is not null) request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        return client.SendAsync(request);
    }

    /// <summary>Places an order that must come back 201 reserved; returns its id and body.</summary>
    public static async Task<(string Id, JsonElement Order)> PlaceReservedOrder(this HttpClient client, params object[] lines)
    {
        using var response = await client.PlaceOrder(NewKey(), OrderBody(lines));
        await ExpectStatus(response, HttpStatusCode.Created);
        var order = await Body(response);
        Assert.Equal("reserved", order.GetProperty("status").GetString());
        return (order.GetProperty("id").GetString()!, order);
    }

    public static async Task<JsonElement> Order(this HttpClient client, string id)
    {
        using var response = await client.GetAsync($"/api/orders/{id}");
        await ExpectStatus(response, HttpStatusCode.OK);
        return await Body(response);
    }

    public static async Task AssertNoOrder(this HttpClient client, string id)
    {
        using var response = await client.GetAsync($"/api/orders/{id}");
        await AssertProblem(response, HttpStatusCode.NotFound, "not-found");
    }

    public static Task<HttpResponseMessage> Pay(this HttpClient client, string id, decimal amount, string currency, string reference) =>
        client.PostAsJsonAsync($"/api/orders/{id}/payment", new { amount, currency, reference });

    public static Task<HttpResponseMessage> Cancel(this HttpClient client, string id, string? reason = "changed my mind") =>
        reason is null
            ? client.PostAsync($"/api/orders/{id}/cancel", null)
            : client.PostAsJsonAsync($"/api/orders/{id}/cancel", new { reason });

    public static string Status(this JsonElement order) => order.GetProperty("status").GetString()!;

    // ---- assertions ----

    public static async Task ExpectStatus(HttpResponseMessage response, HttpStatusCode expected)
    {
        if (response.StatusCode != expected)
            Assert.Fail($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: expected {(int)expected}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Asserts an RFC 9457 answer: status, media type, type URI, status member and a detail.</summary>
    public static Task<JsonElement> AssertProblem(HttpResponseMessage response, HttpStatusCode status, params string[] acceptedTypes) =>
        AssertProblem(response, status, requireDetail: true, acceptedTypes);

    public static async Task<JsonElement> AssertProblem(HttpResponseMessage response, HttpStatusCode status, bool requireDetail, params string[] acceptedTypes)
    {
        await ExpectStatus(response, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await Body(response);
        var type = problem.GetProperty("type").GetString();
        Assert.True(acceptedTypes.Any(t => ProblemType + t == type),
            $"problem type {type} is not one of [{string.Join(", ", acceptedTypes.Select(t => ProblemType + t))}]; body: {problem}");
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.True(problem.TryGetProperty("title", out var title) && !string.IsNullOrWhiteSpace(title.GetString()), $"no title: {problem}");
        if (requireDetail)
            Assert.True(problem.TryGetProperty("detail", out var detail) && !string.IsNullOrWhiteSpace(detail.GetString()), $"no detail: {problem}");
        return problem;
    }

    /// <summary>Asserts a 400 validation problem whose errors name exactly these fields, each with a message.</summary>
    public static async Task<JsonElement> AssertValidationProblem(HttpResponseMessage response, params string[] fields)
    {
        var problem = await AssertProblem(response, HttpStatusCode.BadRequest, "invalid");
        var errors = problem.GetProperty("errors");
        Assert.Equal(JsonValueKind.Object, errors.ValueKind);
        Assert.Equal(fields.Order(StringComparer.Ordinal), errors.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        foreach (var field in fields)
        {
            var messages = errors.GetProperty(field);
            Assert.True(messages.GetArrayLength() > 0, $"no message for {field}");
            Assert.All(messages.EnumerateArray(), m => Assert.False(string.IsNullOrWhiteSpace(m.GetString())));
        }
        return problem;
    }

    /// <summary>Reads until the condition holds or the deadline passes; fails naming the last value seen.</summary>
    public static async Task<T> Eventually<T>(Func<Task<T>> read, Func<T, bool> condition, TimeSpan within, string what)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var value = await read();
            if (condition(value)) return value;
            if (DateTime.UtcNow >= deadline) Assert.Fail($"{what} did not reach the expected state within {within.TotalSeconds} s; last seen: {value}");
            await Task.Delay(50);
        }
    }
}

/// <summary>The figures of GET /api/stock/{sku}.</summary>
public sealed record StockFigures(string Sku, long OnHand, long Reserved, long Sold, long Available)
{
    public static StockFigures From(JsonElement e) => new(
        e.GetProperty("sku").GetString()!,
        e.GetProperty("onHand").GetInt64(),
        e.GetProperty("reserved").GetInt64(),
        e.GetProperty("sold").GetInt64(),
        e.GetProperty("available").GetInt64());
}
