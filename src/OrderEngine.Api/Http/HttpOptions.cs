namespace OrderEngine.Api.Http;

/// <summary>HTTP edge settings, bound from "OrderEngine:Http".</summary>
public sealed class HttpOptions
{
    public const string Section = "OrderEngine:Http";

    /// <summary>The largest request body accepted; a larger one is answered 413 before it is read.</summary>
    public long MaxRequestBodyBytes { get; set; } = 64 * 1024;

    /// <summary>The largest channel webhook body (a platform order with many lines is larger than an API order).</summary>
    public long MaxWebhookBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>The largest feed body (POST /api/channels/{channel}/feed); a feed is streamed, never held whole.</summary>
    public long MaxFeedBodyBytes { get; set; } = 4L * 1024 * 1024 * 1024;

    /// <summary>The largest reconciliation request (a channel's list of external ids for a period).</summary>
    public long MaxReconcileBodyBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>
    /// API requests in progress at once on this node; past it a request is answered 503 with Retry-After at once
    /// instead of queueing (the engine refuses overload rather than letting latency and memory grow).
    /// </summary>
    public int MaxConcurrentRequests { get; set; } = 1000;
}
