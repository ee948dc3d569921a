using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Akka.Management.Cluster.Bootstrap;
using Akka.Management.Cluster.Bootstrap.ContactPoint;
using Akka.Management.Dsl;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using OrderEngine.Engine.Hosting;

namespace OrderEngine.Api.Bootstrap;

/// <summary>
/// The node's side of Akka.Management cluster bootstrap (OrderEngine:Cluster:Discovery:Method config or kubernetes):
/// <c>GET /bootstrap/seed-nodes</c>, the contact point other nodes probe, answered by this HTTP server in Akka.Management's
/// own format; and the start of the bootstrap once the server listens, with this node's contact point
/// (see <see cref="ClusterBootstrapHosting"/> for why the route is not served by Akka.Management's HTTP server).
/// </summary>
public static class ClusterBootstrapEndpoints
{
    /// <summary>The route bootstrap probes on every contact point (Akka.Management's path).</summary>
    public const string SeedNodesPath = "/bootstrap/seed-nodes";

    public static IServiceCollection AddOrderEngineBootstrap(this IServiceCollection services)
    {
        services.AddHostedService<BootstrapStarter>();
        return services;
    }

    public static WebApplication MapClusterBootstrapApi(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<OrderEngineOptions>>().Value.Cluster.Discovery.UsesBootstrap) return app;
        app.MapGet(SeedNodesPath, (ActorSystem system) =>
        {
            var cluster = Akka.Cluster.Cluster.Get(system);
            // A node on its way out is no contact point: joining through it would fail. A node that has not joined yet
            // (its own status reads Removed until then) answers with no members: that is what lets the lowest one form the cluster.
            if (cluster.SelfMember.Status is MemberStatus.Down or MemberStatus.Exiting or MemberStatus.Leaving)
                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
            var state = cluster.State;
            var members = state.Members
                .Where(m => !state.Unreachable.Contains(m))
                .Where(m => m.Status is MemberStatus.Up or MemberStatus.WeaklyUp or MemberStatus.Joining)
                .Select(m => new HttpBootstrapJsonProtocol.ClusterMember(m.UniqueAddress.Address, m.UniqueAddress.Uid, m.Status, m.Roles))
                .ToImmutableList();
            // Newtonsoft, as the probing side (Akka.Management's HttpContactPointBootstrap) reads it.
            var json = Newtonsoft.Json.JsonConvert.SerializeObject(new HttpBootstrapJsonProtocol.SeedNodes(cluster.SelfMember.UniqueAddress.Address, members));
            return Results.Text(json, "application/json");
        }).ExcludeFromDescription().AllowAnonymous();
        return app;
    }

    /// <summary>Starts the bootstrap once the HTTP server listens, so this node's own contact point answers when probed.</summary>
    private sealed class BootstrapStarter(
        IOptions<OrderEngineOptions> options,
        IHostApplicationLifetime lifetime,
        IServer server,
        ActorSystem system,
        ILogger<BootstrapStarter> log) : IHostedService
    {
        public Task StartAsync(CancellationToken ct)
        {
            var cluster = options.Value.Cluster;
            if (!cluster.Discovery.UsesBootstrap) return Task.CompletedTask;
            lifetime.ApplicationStarted.Register(() => _ = StartBootstrapAsync(cluster));
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken ct) => Task.CompletedTask;

        private async Task StartBootstrapAsync(ClusterOptions cluster)
        {
            try
            {
                var self = SelfContactPoint(cluster);
                log.LogInformation("cluster bootstrap ({Method}, service {Service}) starts; this node's contact point is {ContactPoint}",
                    cluster.Discovery.Method, cluster.Discovery.ServiceName, self);
                var bootstrap = ClusterBootstrap.Get(system);
                // Routes() is how Akka.Management hands bootstrap its own contact point; the routes it returns are not used.
                bootstrap.Routes(ManagementRouteProviderSettings.Create(self, true));
                await bootstrap.Start();
            }
            catch (Exception e)
            {
                log.LogCritical(e, "cluster bootstrap could not start; the node stops");
                lifetime.StopApplication();
            }
        }

        private Uri SelfContactPoint(ClusterOptions cluster)
        {
            var host = cluster.Discovery.ManagementHostname ?? cluster.PublicHostname ?? cluster.Hostname;
            var port = cluster.Discovery.ManagementPort
                ?? server.Features.Get<IServerAddressesFeature>()?.Addresses.Select(a => new Uri(a.Replace("*", "localhost", StringComparison.Ordinal).Replace("+", "localhost", StringComparison.Ordinal)).Port).FirstOrDefault()
                ?? throw new InvalidOperationException("the HTTP server's port is unknown: set OrderEngine:Cluster:Discovery:ManagementPort");
            return new Uri($"http://{host}:{port}/");
        }
    }
}
