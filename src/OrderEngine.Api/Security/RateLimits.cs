using System.Globalization;
using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using OrderEngine.Api.Http;

namespace OrderEngine.Api.Security;

/// <summary>One token bucket: <see cref="Rate"/> requests per <see cref="Period"/>, up to <see cref="Burst"/> at once. Rate 0 = off.</summary>
public sealed class RateLimitBucket
{
    public int Rate { get; set; }
    public int Burst { get; set; }
    public TimeSpan Period { get; set; } = TimeSpan.FromSeconds(1);

    public bool IsOff => Rate <= 0 || Period <= TimeSpan.Zero;

    public RateLimitBucket() { }

    public RateLimitBucket(int rate, int burst, TimeSpan period) => (Rate, Burst, Period) = (rate, burst, period);

    /// <summary>The limiter options of a partition of this bucket (a cached delegate: the limiter asks per request).</summary>
    internal Func<string, TokenBucketRateLimiterOptions> LimiterOptionsOf => _limiterOptionsOf ??= _ => ToLimiterOptions();

    private Func<string, TokenBucketRateLimiterOptions>? _limiterOptionsOf;

    public TokenBucketRateLimiterOptions ToLimiterOptions() => new()
    {
        TokensPerPeriod = Rate,
        TokenLimit = Math.Max(Burst, Rate),
        ReplenishmentPeriod = Period,
        QueueLimit = 0,
        // The partitioned limiter replenishes all its partitions from one timer (and drops idle ones).
        AutoReplenishment = false,
    };

    public string Describe() =>
        $"{Rate} per {(Period == TimeSpan.FromSeconds(1) ? "second" : Period == TimeSpan.FromMinutes(1) ? "minute" : Period.ToString())}, up to {Math.Max(Burst, Rate)} at once";
}

/// <summary>Abuse bounds, bound from "OrderEngine:Security:RateLimits" (docs/security.md, "Abuse").</summary>
public sealed class RateLimitOptions
{
    public const string Section = "OrderEngine:Security:RateLimits";

    /// <summary>Per key (or JWT subject) holding a <c>channel:{name}</c> or the <c>admin</c> role: order intake, bulk tools.</summary>
    public RateLimitBucket Channel { get; set; } = new(1000, 5000, TimeSpan.FromSeconds(1));

    /// <summary>Per key (or JWT subject) of every other role: operators, warehouse, reporting, couriers, restaurants.</summary>
    public RateLimitBucket Key { get; set; } = new(100, 500, TimeSpan.FromSeconds(1));

    /// <summary>Per client IP, for requests that carry no credentials (they are refused 401 when security is on). Off by default.</summary>
    public RateLimitBucket Anonymous { get; set; } = new(0, 0, TimeSpan.FromSeconds(1));

    /// <summary>Order placements per customer (the order's customerId), e.g. 5 per minute in a flash sale. Off by default.</summary>
    public RateLimitBucket PlacementsPerCustomer { get; set; } = new(0, 0, TimeSpan.FromMinutes(1));

    /// <summary>Order placements per client IP. Off by default: behind a proxy that is not trusted, every buyer has the proxy's IP.</summary>
    public RateLimitBucket PlacementsPerIp { get; set; } = new(0, 0, TimeSpan.FromMinutes(1));

    /// <summary>
    /// Proxies (IP addresses or CIDR networks) whose X-Forwarded-For is believed. Empty (default): the client IP is the
    /// connection's, and X-Forwarded-For is ignored.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];
}

/// <summary>
/// Per-key rate limits (429 + Retry-After, <c>urn:orderengine:problem:rate-limited</c>), chained after the node's
/// overload gate in the ASP.NET Core rate limiter, and the trusted-proxy handling that gives the client IP.
/// </summary>
public static class RateLimits
{
    public const string ApiKeyHeader = "X-Api-Key";

    /// <summary>Route patterns of the signed webhooks: their signature is their authentication, and providers burst.</summary>
    private static readonly HashSet<string> SignedWebhooks = new(StringComparer.OrdinalIgnoreCase)
    {
        "/api/payments/{provider}/webhook",
        "/api/carriers/{carrier}/webhook",
        "/api/channels/shopify/{shop}/orders",
        "/api/channels/woocommerce/{store}/orders",
    };

    public static IServiceCollection AddOrderEngineRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RateLimitOptions>().Bind(configuration.GetSection(RateLimitOptions.Section));
        services.AddSingleton<PlacementLimits>();
        var proxies = configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>()?.TrustedProxies ?? [];
        services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
            // Only the configured proxies are believed (the framework's default trusts loopback).
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var proxy in proxies)
            {
                if (System.Net.IPNetwork.TryParse(proxy, out var network)) o.KnownIPNetworks.Add(network);
                else if (IPAddress.TryParse(proxy, out var address)) o.KnownProxies.Add(address);
                else throw new InvalidOperationException($"{RateLimitOptions.Section}:TrustedProxies: '{proxy}' is neither an IP address nor a CIDR network");
            }
        });
        return services;
    }

    /// <summary>X-Forwarded-For from the trusted proxies only, and only when some are configured.</summary>
    public static WebApplication UseOrderEngineForwardedHeaders(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<RateLimitOptions>>().Value.TrustedProxies.Count > 0) app.UseForwardedHeaders();
        return app;
    }

    /// <summary>
    /// Chains the per-key token buckets after the limiter already configured (the overload gate): a request refused by the
    /// gate (503) takes no token from its key, and a request refused by its key (429) frees its place at once.
    /// </summary>
    public static void AddPerKeyLimits(RateLimiterOptions o)
    {
        var overloadGate = o.GlobalLimiter;
        var onOverloaded = o.OnRejected;
        var perKey = PartitionedRateLimiter.Create<HttpContext, string>(Partition);
        o.GlobalLimiter = overloadGate is null ? perKey : PartitionedRateLimiter.CreateChained(overloadGate, perKey);
        o.OnRejected = (context, ct) =>
            context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
                ? new ValueTask(WriteRateLimitedAsync(context.HttpContext, retryAfter, $"this client may send {Bucket(context.HttpContext).Describe()}"))
                : onOverloaded?.Invoke(context, ct) ?? ValueTask.CompletedTask;
    }

    private static RateLimitPartition<string> Partition(HttpContext http)
    {
        if (!http.Request.Path.StartsWithSegments("/api") || IsExempt(http.GetEndpoint())) return RateLimitPartition.GetNoLimiter("");
        var (bucket, key) = Classify(http);
        if (bucket.IsOff) return RateLimitPartition.GetNoLimiter("");
        // The class is part of the partition key, so each partition's options are those of its class.
        return RateLimitPartition.GetTokenBucketLimiter(key, bucket.LimiterOptionsOf);
    }

    /// <summary>A route pattern of a signed webhook (exempt from the per-key limits).</summary>
    public static bool IsSignedWebhook(string routePattern) => SignedWebhooks.Contains(routePattern);

    private static bool IsExempt(Endpoint? endpoint) =>
        endpoint is not null && (endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null
            || endpoint is RouteEndpoint { RoutePattern.RawText: { } pattern } && SignedWebhooks.Contains(pattern));

    private static RateLimitBucket Bucket(HttpContext http) => Classify(http).Bucket;

    /// <summary>
    /// The principal's key id (or JWT subject) when authenticated; else a hash of the X-Api-Key header (never the key
    /// itself: partition keys live in memory and could reach a dump) or of the bearer token; else the client IP.
    /// </summary>
    internal static (RateLimitBucket Bucket, string Key) Classify(HttpContext http)
    {
        var options = http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
        var user = http.User;
        // This engine's principals carry their partition, worked out once per key lookup.
        if (user is EnginePrincipal { Identity.IsAuthenticated: true } engine)
            return (engine.RateLimitPartition[0] == 'c' ? options.Channel : options.Key, engine.RateLimitPartition);
        if (user.Identity?.IsAuthenticated == true && user.FindFirst(ClaimTypes.NameIdentifier)?.Value is { Length: > 0 } id)
        {
            var channel = user.FindAll(ClaimTypes.Role).Any(r => r.Value == "admin" || r.Value.StartsWith("channel:", StringComparison.Ordinal));
            return channel ? (options.Channel, "c|id:" + id) : (options.Key, "k|id:" + id);
        }
        if (http.Request.Headers[ApiKeyHeader] is [{ Length: > 0 } apiKey])
            return (options.Key, "k|key:" + KeyHash(apiKey));
        // A bearer token not (yet) authenticated here: per token, hashed like a key.
        if (http.Request.Headers.Authorization is [{ Length: > 7 } authorization] && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return (options.Key, "k|bearer:" + KeyHash(authorization));
        return (options.Anonymous, "a|ip:" + ClientIp(http));
    }

    /// <summary>The client IP: the connection's, or X-Forwarded-For's when the connection is a trusted proxy.</summary>
    public static string ClientIp(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    private static string KeyHash(string key)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), hash);
        return Convert.ToHexString(hash[..16]);
    }

    /// <summary>Writes 429 with Retry-After (whole seconds, at least 1) and the rate-limited problem.</summary>
    public static Task WriteRateLimitedAsync(HttpContext http, TimeSpan retryAfter, string detail)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = RateLimitedProblem(seconds, detail),
        }).AsTask();
    }

    public static ProblemDetails RateLimitedProblem(int retryAfterSeconds, string detail) => new()
    {
        Status = StatusCodes.Status429TooManyRequests,
        Type = Problems.TypeOf("RateLimited"),
        Title = "Too many requests",
        Detail = $"{detail}; retry after {retryAfterSeconds} s",
        Extensions = { ["retryAfter"] = retryAfterSeconds },
    };
}

/// <summary>
/// Flash-sale placement limits: per customer (the order's customerId, read from the body the endpoint parses anyway) and
/// per client IP. Checked in the placement endpoint once the order's id is known, so a retry of an order already placed
/// is answered instead of refused.
/// </summary>
public sealed class PlacementLimits : IDisposable
{
    private readonly PartitionedRateLimiter<string> _perIp;
    private readonly PartitionedRateLimiter<string> _perCustomer;
    private readonly IOptions<RateLimitOptions> _options;

    public PlacementLimits(IOptions<RateLimitOptions> options)
    {
        _options = options;
        _perIp = PartitionedRateLimiter.Create<string, string>(ip =>
            options.Value.PlacementsPerIp is { IsOff: false } b
                ? RateLimitPartition.GetTokenBucketLimiter(ip, _ => b.ToLimiterOptions())
                : RateLimitPartition.GetNoLimiter(""));
        _perCustomer = PartitionedRateLimiter.Create<string, string>(customer =>
            options.Value.PlacementsPerCustomer is { IsOff: false } b
                ? RateLimitPartition.GetTokenBucketLimiter(customer, _ => b.ToLimiterOptions())
                : RateLimitPartition.GetNoLimiter(""));
    }

    public bool IsOff => _options.Value.PlacementsPerCustomer.IsOff && _options.Value.PlacementsPerIp.IsOff;

    /// <summary>
    /// Takes one placement from the client IP's bucket, then from the customer's; null when allowed, else how long to wait
    /// and why. A customer id that cannot be valid (empty, over 256 characters) is left to the order's validation.
    /// </summary>
    public (TimeSpan RetryAfter, string Detail)? TryAcquire(string? customerId, string ip)
    {
        if (IsOff) return null;
        using (var lease = _perIp.AttemptAcquire(ip))
            if (!lease.IsAcquired)
                return (RetryAfterOf(lease), $"this address may place {_options.Value.PlacementsPerIp.Describe()}");
        if (customerId is not { Length: > 0 and <= 256 }) return null;
        using (var lease = _perCustomer.AttemptAcquire(customerId))
            if (!lease.IsAcquired)
                return (RetryAfterOf(lease), $"customer {customerId} may place {_options.Value.PlacementsPerCustomer.Describe()}");
        return null;
    }

    private static TimeSpan RetryAfterOf(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);

    public void Dispose()
    {
        _perIp.Dispose();
        _perCustomer.Dispose();
    }
}
