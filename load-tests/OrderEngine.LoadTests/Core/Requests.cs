namespace OrderEngine.LoadTests.Core;

/// <summary>One requested line: a SKU (by its index in the run's <see cref="SkuCatalog"/>) and a quantity.</summary>
public readonly record struct OrderLine(int Sku, int Quantity);

/// <summary>
/// One request the generator sends. The body is preformatted UTF-8 JSON; the lines are kept next to it so the
/// generator can account accepted quantities per SKU without ever parsing a response.
/// </summary>
public sealed class LoadRequest(HttpMethod method, Uri uri, byte[] body, string? idempotencyKey, OrderLine[] lines)
{
    public HttpMethod Method { get; } = method;
    public Uri Uri { get; } = uri;
    public byte[] Body { get; } = body;
    public string? IdempotencyKey { get; } = idempotencyKey;
    public OrderLine[] Lines { get; } = lines;
}

/// <summary>What became of a request, as seen by the client.</summary>
public enum OutcomeClass : byte
{
    /// <summary>201: the order is reserved.</summary>
    Accepted,

    /// <summary>409: the order was refused (typically stock could not be reserved).</summary>
    Refused,

    /// <summary>Any other HTTP status (400, 422, 5xx, ...).</summary>
    OtherStatus,

    /// <summary>No answer within the client timeout.</summary>
    Timeout,

    /// <summary>The connection failed (refused, reset, closed early).</summary>
    TransportError,
}

/// <summary>Why a 409 refused an order, read from its problem body without deserializing it.</summary>
public enum RefusalKind : byte
{
    None,
    InsufficientStock,
    UnknownSku,
    Other,
}

/// <summary>The outcome of one request with its timestamps (Stopwatch ticks).</summary>
/// <param name="StartTicks">When the request was sent (closed loop) or was meant to be sent (open loop).</param>
public readonly record struct Outcome(OutcomeClass Class, int Status, RefusalKind Refusal, long StartTicks, long EndTicks, string? Error)
{
    public long LatencyMicros => Math.Max(1, (long)((EndTicks - StartTicks) * (1_000_000.0 / System.Diagnostics.Stopwatch.Frequency)));

    /// <summary>
    /// True when the client knows for sure whether the order exists: 201 and 409 say so, and so do the 4xx answers
    /// that change nothing (invalid input; 429, a placement refused at once because too many of the SKU's are in
    /// flight). A timeout, a transport error or a 5xx leaves it open: the order may have been placed, so the generator
    /// asks again with the same Idempotency-Key after the run.
    /// </summary>
    public bool IsDefinitive => Class is OutcomeClass.Accepted or OutcomeClass.Refused
        || (Class == OutcomeClass.OtherStatus && Status is 400 or 404 or 413 or 415 or 422 or 429);
}

/// <summary>
/// Makes the requests of one stream: one closed-loop client, or the single open-loop pacer. A source is used by one
/// thread at a time, so it may keep buffers and a random generator without locks.
/// </summary>
public interface IRequestSource
{
    LoadRequest Next();
}
