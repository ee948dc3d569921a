using Akka.Discovery.Config.Hosting;
using Akka.Discovery.KubernetesApi;
using Akka.Hosting;
using Akka.Management.Cluster.Bootstrap;

namespace OrderEngine.Engine.Hosting;

/// <summary>
/// Akka.Management cluster bootstrap (OrderEngine:Cluster:Discovery): the discovery method that lists the nodes'
/// contact points, and the bootstrap that probes them and joins or forms the cluster. Bootstrap is started by the HTTP
/// host once it listens (OrderEngine.Api's ClusterBootstrapEndpoints), because the contact point it probes on every
/// node is that node's HTTP server: Akka.Management's own HTTP server runs on Ceen.Httpd 0.9.9, and only 0.9.10 can be
/// restored here, whose changed ListenAsync makes Akka.Management fail at start (MissingMethodException).
/// </summary>
public static class ClusterBootstrapHosting
{
    /// <summary>The Kubernetes container port name bootstrap probes on each pod (deploy/k8s names the HTTP port so).</summary>
    public const string ContactPortName = "http";

    /// <summary>Adds discovery and bootstrap settings when the method asks for them; with seed nodes it adds nothing.</summary>
    public static AkkaConfigurationBuilder WithOrderEngineDiscovery(this AkkaConfigurationBuilder builder, ClusterOptions cluster)
    {
        var discovery = cluster.Discovery;
        var errors = discovery.Errors(cluster);
        if (errors.Count > 0)
            throw new InvalidOperationException("Cluster discovery is misconfigured: " + string.Join("; ", errors));
        if (!discovery.UsesBootstrap) return builder;

        var kubernetes = string.Equals(discovery.Method, ClusterDiscoveryOptions.Kubernetes, StringComparison.OrdinalIgnoreCase);
        string method;
        if (kubernetes)
        {
            builder.WithKubernetesDiscovery(new KubernetesDiscoveryOptions
            {
                PodLabelSelector = discovery.PodLabelSelector,
                PodNamespace = discovery.PodNamespace,
            });
            method = "kubernetes-api";
        }
        else
        {
            builder.WithConfigDiscovery(new ConfigServiceDiscoveryOptions
            {
                Services = [new Service { Name = discovery.ServiceName, Endpoints = discovery.ConfigEndpoints }],
            });
            method = "config";
        }

        builder.WithClusterBootstrap(bootstrap =>
        {
            var contact = bootstrap.ContactPointDiscovery;
            contact.ServiceName = discovery.ServiceName;
            contact.DiscoveryMethod = method;
            contact.PortName = kubernetes ? ContactPortName : null;
            contact.RequiredContactPointsNr = discovery.RequiredContactPoints;
            contact.StableMargin = discovery.StableMargin;
            // Every contact point found is probed on the port discovery gives (each local node has its own); one found
            // without a port (a pod IP alone) on the configured one.
            bootstrap.ContactPoint.FilterOnFallbackPort = false;
            if (discovery.ManagementPort is { } port) bootstrap.ContactPoint.FallbackPort = port;
        }, autoStart: false);
        return builder;
    }
}
