using Akka.Actor;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OrderEngine.Api.Http;

namespace OrderEngine.Api.Health;

/// <summary>
/// Whether this node is on its way out (SIGTERM, or a coordinated shutdown the cluster started, e.g. after downing).
/// From that moment it is not ready, and new API requests are answered 503 with Retry-After and Connection: close, so a
/// load balancer or client takes them to another node instead of waiting on one whose shards are being handed off.
/// Requests already in progress finish: the web server stops before the actor system (ASP.NET Core stops hosted
/// services in reverse order and registers its server last), so they still reach their entities.
/// </summary>
public sealed class NodeLeaving
{
    private volatile string? _reason;

    public bool IsLeaving => _reason is not null;

    /// <summary>Why the node is leaving (null while it is not).</summary>
    public string? Reason => _reason;

    public void Mark(string reason) => Interlocked.CompareExchange(ref _reason, reason, null);
}

/// <summary>Marks the node as leaving as soon as the host starts stopping or Akka's coordinated shutdown begins.</summary>
internal sealed class NodeLeavingWatcher(NodeLeaving leaving, IHostApplicationLifetime lifetime, ActorSystem system, ILogger<NodeLeavingWatcher> log) : IHostedService
{
    public Task StartAsync(CancellationToken ct)
    {
        // ApplicationStopping runs before any hosted service stops: the flag is up before the server stops listening.
        lifetime.ApplicationStopping.Register(() => Mark("the host is stopping"));
        // A shutdown that starts inside Akka (this node was downed or left the cluster) stops the host only after the
        // actor system has terminated: the server is still up meanwhile, and must stop taking work at once.
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, "orderengine-not-ready", () =>
        {
            Mark("the actor system is shutting down");
            return Task.FromResult(Akka.Done.Instance);
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;

    private void Mark(string reason)
    {
        if (leaving.IsLeaving) return;
        leaving.Mark(reason);
        log.LogInformation("node is leaving ({Reason}): not ready, new requests are answered 503", reason);
    }
}

/// <summary>Readiness: false from the moment the node starts leaving.</summary>
internal sealed class NodeLeavingCheck(NodeLeaving leaving) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default) =>
        Task.FromResult(leaving.Reason is { } reason
            ? HealthCheckResult.Unhealthy($"node is leaving: {reason}")
            : HealthCheckResult.Healthy("node is not leaving"));
}

/// <summary>Answers new API requests 503 + Retry-After (RFC 9457) while the node leaves; everything else passes.</summary>
internal sealed class NodeLeavingMiddleware(RequestDelegate next, NodeLeaving leaving)
{
    public async Task InvokeAsync(HttpContext http)
    {
        if (!leaving.IsLeaving || !http.Request.Path.StartsWithSegments("/api"))
        {
            await next(http);
            return;
        }

        http.Response.Headers.RetryAfter = "1";
        // The client's pooled connection to this node is of no more use: close it, so its retry opens one elsewhere.
        http.Response.Headers.Connection = "close";
        ProblemHttpResult problem = Problems.Of(StatusCodes.Status503ServiceUnavailable, "NodeLeaving", "This node is shutting down",
            "this node is leaving the cluster; retry the same request (same Idempotency-Key) on another node, or here after the Retry-After delay");
        await problem.ExecuteAsync(http);
    }
}

/// <summary>Registration of the leaving flag, its readiness check and its middleware.</summary>
public static class NodeLeavingSetup
{
    public static IServiceCollection AddOrderEngineLeaving(this IServiceCollection services)
    {
        services.AddSingleton<NodeLeaving>();
        services.AddHostedService<NodeLeavingWatcher>();
        services.AddHealthChecks().AddCheck<NodeLeavingCheck>("leaving", tags: ["ready"]);
        return services;
    }

    public static WebApplication UseOrderEngineLeaving(this WebApplication app)
    {
        app.UseMiddleware<NodeLeavingMiddleware>();
        return app;
    }
}
