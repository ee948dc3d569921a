using System.Text.Json;
using System.Threading.RateLimiting;
using System.Text.Json.Serialization;
using Akka.Actor;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace OrderEngine.Api.Http;

/// <summary>The HTTP edge: JSON settings, problem details for every error, request size limits, OpenAPI.</summary>
public static class HttpSetup
{
    public static IServiceCollection AddOrderEngineHttp(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HttpOptions>().Bind(configuration.GetSection(HttpOptions.Section));
        services.ConfigureHttpJsonOptions(o => ConfigureJson(o.SerializerOptions));
        // Binding failures (malformed JSON, wrong types, missing body) throw, so one handler turns them into problem details.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            ctx.ProblemDetails.Instance ??= ctx.HttpContext.Request.Path;
            if (ctx.ProblemDetails.Status == 413 && ctx.ProblemDetails.Detail is null)
            {
                var http = ctx.HttpContext.RequestServices.GetRequiredService<IOptions<HttpOptions>>().Value;
                var limit = ctx.HttpContext.GetEndpoint()?.Metadata.GetMetadata<BodyLimit>()?.Bytes(http) ?? http.MaxRequestBodyBytes;
                ctx.ProblemDetails.Detail = $"the request body is larger than {limit} bytes";
            }
            // Framework-written problems (status code pages, binding failures) carry RFC links as their type;
            // give them the same stable types and a detail as the engine's own problems.
            if (ctx.ProblemDetails.Status is { } status && !(ctx.ProblemDetails.Type ?? "").StartsWith("urn:orderengine:", StringComparison.Ordinal))
            {
                var (code, detail) = status switch
                {
                    400 => ("MalformedRequest", "the request could not be read"),
                    404 => ("NotFound", $"nothing is served at {ctx.HttpContext.Request.Path}"),
                    405 => ("MethodNotAllowed", $"{ctx.HttpContext.Request.Method} is not allowed on {ctx.HttpContext.Request.Path}"),
                    413 => ("PayloadTooLarge", null),
                    415 => ("UnsupportedMediaType", "send the body as application/json"),
                    500 => ("InternalError", "an unexpected error occurred; it was logged"),
                    _ => (null, null),
                };
                if (code is not null)
                {
                    ctx.ProblemDetails.Type = Problems.TypeOf(code);
                    ctx.ProblemDetails.Detail ??= detail;
                }
            }
        });
        services.AddExceptionHandler<RequestExceptionHandler>();
        services.AddOpenApi();
        services.AddRateLimiter(o =>
        {
            static int Limit(HttpContext http) => http.RequestServices.GetRequiredService<IOptions<HttpOptions>>().Value.MaxConcurrentRequests;
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                http.Request.Path.StartsWithSegments("/api")
                    ? RateLimitPartition.GetConcurrencyLimiter("api", _ => new ConcurrencyLimiterOptions { PermitLimit = Limit(http), QueueLimit = 0 })
                    : RateLimitPartition.GetNoLimiter("other"));
            o.OnRejected = async (context, ct) =>
            {
                var http = context.HttpContext;
                http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                http.Response.Headers.RetryAfter = "1";
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = StatusCodes.Status503ServiceUnavailable,
                        Type = Problems.TypeOf("Overloaded"),
                        Title = "The engine is at capacity",
                        Detail = $"{Limit(http)} requests are already in progress on this node; retry after the Retry-After delay (retrying the same request is safe)",
                    },
                });
            };
            // Per-key limits (429), chained after the overload gate above (docs/security.md, "Abuse").
            OrderEngine.Api.Security.RateLimits.AddPerKeyLimits(o);
        });
        OrderEngine.Api.Security.RateLimits.AddOrderEngineRateLimits(services, configuration);
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(k =>
            k.Limits.MaxRequestBodySize = configuration.GetSection(HttpOptions.Section).Get<HttpOptions>()?.MaxRequestBodyBytes ?? new HttpOptions().MaxRequestBodyBytes);
        return services;
    }

    public static void ConfigureJson(JsonSerializerOptions o)
    {
        o.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        o.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        o.NumberHandling = JsonNumberHandling.Strict;
    }

    public static WebApplication UseOrderEngineHttp(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        OrderEngine.Api.Security.RateLimits.UseOrderEngineForwardedHeaders(app);
        // Who is calling, how much they may (the overload gate and the per-key limits), what they may: before the database gate.
        OrderEngine.Api.Security.AuthenticationSetup.UseOrderEngineAuthentication(app);
        app.UseMiddleware<DatabaseGateMiddleware>();
        return app;
    }
}

/// <summary>Turns request-reading failures and entity time-outs into problem details instead of 500s.</summary>
internal sealed class RequestExceptionHandler(IProblemDetailsService problems, ILogger<RequestExceptionHandler> log) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        ProblemDetails problem;
        switch (exception)
        {
            case BadHttpRequestException bad:
                problem = new ProblemDetails
                {
                    Status = bad.StatusCode,
                    Type = Problems.TypeOf(bad.StatusCode switch
                    {
                        413 => "PayloadTooLarge",
                        415 => "UnsupportedMediaType",
                        _ => "MalformedRequest",
                    }),
                    Title = bad.StatusCode == 413 ? "The request body is too large" : "The request could not be read",
                    Detail = Describe(bad),
                };
                break;
            case AskTimeoutException:
                // The entity did not answer in time (overload or a slow journal): the client should retry the same request.
                http.Response.Headers.RetryAfter = "1";
                problem = new ProblemDetails
                {
                    Status = StatusCodes.Status503ServiceUnavailable,
                    Type = Problems.TypeOf("Unavailable"),
                    Title = "Try again shortly",
                    Detail = "the engine did not answer in time; retrying the same request (same Idempotency-Key) is safe",
                };
                log.LogWarning("entity ask timed out on {Path}", http.Request.Path);
                break;
            case var unavailable when OrderEngine.Engine.Database.DatabaseFailures.IsUnavailable(unavailable):
                // The database is away (seen by the monitor, a refused connection, an open breaker): the request did not
                // complete, and the same request can be sent again once Retry-After has passed.
                var monitor = http.RequestServices.GetService<OrderEngine.Engine.Database.DatabaseMonitor>();
                http.Response.Headers.RetryAfter = monitor?.Options.RetryAfterHeader ?? "1";
                problem = DatabaseGateMiddleware.DatabaseUnavailableProblem(
                    "the database is unavailable; retrying the same request (same Idempotency-Key) is safe");
                log.LogWarning("database unavailable on {Path}: {Reason}", http.Request.Path, unavailable.GetBaseException().Message);
                break;
            default:
                return false;
        }
        http.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem, Exception = exception });
    }

    private static string Describe(BadHttpRequestException bad)
    {
        if (bad.InnerException is JsonException json)
        {
            var at = string.IsNullOrEmpty(json.Path) ? "" : $" at {json.Path}";
            // System.Text.Json names .NET types ("could not be converted to System.Int32"); clients need the field and the fault.
            var message = json.Message.Contains("could not be converted", StringComparison.Ordinal)
                ? "the value has the wrong type or is out of range"
                : FirstSentence(json.Message);
            return $"malformed JSON{at}: {message}";
        }
        return bad.Message;
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}

/// <summary>Endpoint metadata: this endpoint takes bodies up to a limit of its own (a feed, a reconciliation list) instead of the default.</summary>
public sealed record BodyLimit(Func<HttpOptions, long> Bytes);

/// <summary>Refuses request bodies above the configured size, whether announced by Content-Length or streamed.</summary>
internal sealed class RequestBodyLimitMiddleware(RequestDelegate next, IOptions<HttpOptions> options)
{
    public async Task InvokeAsync(HttpContext http)
    {
        var limit = http.GetEndpoint()?.Metadata.GetMetadata<BodyLimit>()?.Bytes(options.Value) ?? options.Value.MaxRequestBodyBytes;
        if (http.Request.ContentLength > limit)
            throw new BadHttpRequestException($"the request body has {http.Request.ContentLength} bytes; at most {limit} are accepted", StatusCodes.Status413PayloadTooLarge);
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature) feature.MaxRequestBodySize = limit;
        if (http.Request.ContentLength is null && http.Request.Body.CanRead) http.Request.Body = new LimitedReadStream(http.Request.Body, limit);
        await next(http);
    }

    /// <summary>Counts bytes as they are read and fails once the limit is passed (bodies without Content-Length).</summary>
    private sealed class LimitedReadStream(Stream inner, long limit) : Stream
    {
        private long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
            Count(await inner.ReadAsync(buffer, ct));

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            Count(await inner.ReadAsync(buffer.AsMemory(offset, count), ct));

        private int Count(int n)
        {
            _read += n;
            if (_read > limit)
                throw new BadHttpRequestException($"the request body is larger than {limit} bytes", StatusCodes.Status413PayloadTooLarge);
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
