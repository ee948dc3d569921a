using Microsoft.Extensions.Diagnostics.HealthChecks;
using OrderEngine.Engine.Database;

namespace OrderEngine.Api.Health;

/// <summary>Readiness: the database answered the monitor's last probe. Reads the monitor's state only, so it never waits on the database.</summary>
internal sealed class DatabaseHealthCheck(DatabaseMonitor monitor) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default) =>
        Task.FromResult(monitor.IsAvailable
            ? HealthCheckResult.Healthy($"the database answers (probed every {monitor.Options.ProbeInterval.TotalMilliseconds:0} ms)")
            : HealthCheckResult.Unhealthy($"the database has not answered for {monitor.Since.TotalSeconds:0.0} s: {monitor.LastFailure}"));
}
