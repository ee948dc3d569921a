using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace OrderEngine.EndToEnd.Tests;

/// <summary>One requested order line, as the HTTP API takes it.</summary>
public sealed record LineRequest(string Sku, int Quantity, decimal UnitPrice);

/// <summary>The body of POST /api/orders (no id: the order id comes from the Idempotency-Key header).</summary>
public sealed record PlaceRequest(string Channel, string CustomerId, string Currency, IReadOnlyList<LineRequest> Lines)
{
    /// <summary>What the engine will price the order at (never sent: POST /api/orders refuses fields it does not take).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public decimal Total => Lines.Sum(l => l.Quantity * l.UnitPrice);
}

/// <summary>A line of an order as the engine shows it.</summary>
public sealed record OrderLineDto(string Sku, int Quantity, decimal UnitPrice, decimal LineTotal, string? RejectionCode, string? RejectionReason);

/// <summary>One entry of an order's status history.</summary>
public sealed record StatusChangeDto(string Status, DateTimeOffset At, string? Reason);

/// <summary>A confirmed payment as the engine shows it.</summary>
public sealed record PaymentDto(decimal Amount, string Currency, string Reference, DateTimeOffset At);

/// <summary>An order as the engine shows it (statuses in camel case: placed, reserved, paid, rejected, cancelled, expired).</summary>
public sealed record OrderDto(
    string Id,
    string Status,
    string Channel,
    string CustomerId,
    string Currency,
    List<OrderLineDto> Lines,
    decimal Total,
    DateTimeOffset PlacedAt,
    DateTimeOffset ExpiresAt,
    PaymentDto? Payment,
    bool StockSettled,
    List<StatusChangeDto> History);

/// <summary>A SKU's stock figures.</summary>
public sealed record StockDto(string Sku, long OnHand, long Reserved, long Sold, long Available, long Version);

/// <summary>A refused line named in a 409 problem.</summary>
public sealed record ProblemLineDto(string Sku, string? Code, string? Reason);

/// <summary>RFC 9457 problem details with the engine's extensions.</summary>
public sealed record ProblemDto(string? Type, string? Title, int? Status, string? Detail, string? OrderId, List<ProblemLineDto>? Lines);

/// <summary>What an HTTP call got: a status and body, or (Status 0) no answer at all (connection refused/reset, timeout).</summary>
public sealed record Answer(string Request, int Status, string Body, string? Location, string? RetryAfter, string? TransportError)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public bool Answered => Status != 0;

    public OrderDto Order => Read<OrderDto>();

    public StockDto Stock => Read<StockDto>();

    public ProblemDto Problem => Read<ProblemDto>();

    /// <summary>
    /// True for the 409 of a placement whose lines could not all be reserved: the order exists, rejected, and the problem
    /// names it (orderId) and its refused lines. Recognised by shape, not by the problem's type URI.
    /// </summary>
    public bool IsRejectedOrder
    {
        get
        {
            if (Status != 409)
            {
                return false;
            }

            try
            {
                return Problem is { OrderId.Length: > 0, Lines.Count: > 0 };
            }
            catch (InvalidOperationException)
            {
                return false;
            }
        }
    }

    public T Read<T>()
    {
        try
        {
            return JsonSerializer.Deserialize<T>(Body, Json) ?? throw new InvalidOperationException("null body");
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw new InvalidOperationException($"{Request} answered {Describe()}, which is not a {typeof(T).Name}: {ex.Message}", ex);
        }
    }

    public string Describe() => Answered ? $"{Status} {Body}" : $"no answer ({TransportError})";

    public override string ToString() => $"{Request} -> {Describe()}";
}

/// <summary>The engine's HTTP API as the tests use it. Every call returns an <see cref="Answer"/>; none throws on a status or a lost connection.</summary>
public sealed class EngineApi(HttpClient http)
{
    public const string Currency = "EUR";

    public Task<Answer> SetStockAsync(string sku, long onHand, long version, CancellationToken ct) =>
        SendAsync(HttpMethod.Put, $"api/stock/{sku}", new { onHand, version }, null, ct);

    public Task<Answer> GetStockAsync(string sku, CancellationToken ct) => SendAsync(HttpMethod.Get, $"api/stock/{sku}", null, null, ct);

    public Task<Answer> PlaceAsync(string idempotencyKey, PlaceRequest order, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, "api/orders", order, idempotencyKey, ct);

    public Task<Answer> GetOrderAsync(string id, CancellationToken ct) => SendAsync(HttpMethod.Get, $"api/orders/{id}", null, null, ct);

    public Task<Answer> PayAsync(string id, decimal amount, string reference, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"api/orders/{id}/payment", new { amount, currency = Currency, reference }, null, ct);

    public Task<Answer> CancelAsync(string id, string reason, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"api/orders/{id}/cancel", new { reason }, null, ct);

    /// <summary>A stock read that must succeed.</summary>
    public async Task<StockDto> StockAsync(string sku, CancellationToken ct)
    {
        var answer = await GetStockAsync(sku, ct).ConfigureAwait(false);
        return answer.Status == 200 ? answer.Stock : throw new InvalidOperationException($"reading stock failed: {answer}");
    }

    /// <summary>An order read that must succeed.</summary>
    public async Task<OrderDto> OrderAsync(string id, CancellationToken ct)
    {
        var answer = await GetOrderAsync(id, ct).ConfigureAwait(false);
        return answer.Status == 200 ? answer.Order : throw new InvalidOperationException($"reading order {id} failed: {answer}");
    }

    private async Task<Answer> SendAsync(HttpMethod method, string path, object? body, string? idempotencyKey, CancellationToken ct)
    {
        var label = $"{method} /{path}" + (idempotencyKey is null ? "" : $" [Idempotency-Key {idempotencyKey}]");
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: Answer.Json);
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        try
        {
            using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            return new Answer(
                label,
                (int)response.StatusCode,
                text,
                response.Headers.Location?.ToString(),
                response.Headers.RetryAfter?.ToString(),
                null);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            // Connection refused or reset (the engine was killed), or the client timed out: the request may or may not have taken effect.
            var reason = new StringBuilder(ex.GetType().Name).Append(": ").Append(ex.Message);
            if (ex.InnerException is { } inner)
            {
                reason.Append(" <- ").Append(inner.GetType().Name).Append(": ").Append(inner.Message);
            }

            return new Answer(label, 0, "", null, null, reason.ToString());
        }
    }
}
