using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OrderEngine.Engine.Hosting;

namespace OrderEngine.Api.Health;

/// <summary>Liveness (the process answers) and readiness (this node is an Up cluster member and the journal answers).</summary>
public static class HealthEndpoints
{
    public static IServiceCollection AddOrderEngineHealth(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<ClusterMemberCheck>("cluster", tags: ["ready"])
            .AddCheck<JournalCheck>("journal", tags: ["ready"]);
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        return services;
    }

    public static WebApplication MapHealthApi(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).WithTags("health").AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") }).WithTags("health").AllowAnonymous();
        return app;
    }

    private sealed class ClusterMemberCheck(ActorSystem system) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
        {
            var status = Cluster.Get(system).SelfMember.Status;
            return Task.FromResult(status == MemberStatus.Up
                ? HealthCheckResult.Healthy("member is up")
                : HealthCheckResult.Unhealthy($"member is {status}"));
        }
    }

    private sealed class JournalCheck(JournalDatabase database) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default) =>
            await database.PingAsync(ct)
                ? HealthCheckResult.Healthy($"{database.Provider} answers")
                : HealthCheckResult.Unhealthy($"{database.Provider} does not answer");
    }
}
