namespace OrderEngine.Engine.Hosting;

/// <summary>
/// How a node finds the others, bound from "OrderEngine:Cluster:Discovery". <c>seed-nodes</c> (default): the fixed
/// <see cref="ClusterOptions.SeedNodes"/> list, or a cluster of one without it. <c>config</c> and <c>kubernetes</c>:
/// Akka.Management's cluster bootstrap, which asks discovery for the nodes' management endpoints, probes them, and
/// either joins the cluster they already form or, when none does and <see cref="RequiredContactPoints"/> nodes agree,
/// lets the one with the lowest address form it (no seed list to keep in step with the deployment). The contact points
/// are the nodes' HTTP servers: each serves the bootstrap route itself (see ManagementPort).
/// </summary>
public sealed class ClusterDiscoveryOptions
{
    public const string SeedNodes = "seed-nodes";
    public const string Config = "config";
    public const string Kubernetes = "kubernetes";

    /// <summary><c>seed-nodes</c> | <c>config</c> (a fixed list of management endpoints: bootstrap on one machine) | <c>kubernetes</c> (pods by label).</summary>
    public string Method { get; set; } = SeedNodes;

    /// <summary>The name bootstrap looks up: the config service's name, and <c>{0}</c> in <see cref="PodLabelSelector"/>.</summary>
    public string ServiceName { get; set; } = "orderengine";

    /// <summary>How many contact points must be found (and agree) before the first node forms a new cluster.</summary>
    public int RequiredContactPoints { get; set; } = 2;

    /// <summary>
    /// The port other nodes probe this node's bootstrap endpoint (<c>GET /bootstrap/seed-nodes</c>) on. The endpoint is
    /// served by the node's own HTTP server, so this is its HTTP port; when empty, the port the server listens on.
    /// </summary>
    public int? ManagementPort { get; set; }

    /// <summary>The address other nodes reach the bootstrap endpoint at (default: the cluster's public hostname, else its hostname).</summary>
    public string? ManagementHostname { get; set; }

    /// <summary>Method <c>config</c>: every node's management endpoint as <c>host:port</c> (the same list on every node).</summary>
    public string[] ConfigEndpoints { get; set; } = [];

    /// <summary>Method <c>kubernetes</c>: the label selector of the pods that form the cluster; <c>{0}</c> is <see cref="ServiceName"/>.</summary>
    public string PodLabelSelector { get; set; } = "app={0}";

    /// <summary>Method <c>kubernetes</c>: the pods' namespace (default: the namespace the pod runs in).</summary>
    public string? PodNamespace { get; set; }

    /// <summary>
    /// How long the contact points found must stay the same before a new cluster is formed (Akka.Management's default is
    /// 5 s; a shorter one speeds up a local bootstrap, a longer one guards against forming two clusters in a slow rollout).
    /// </summary>
    public TimeSpan? StableMargin { get; set; }

    /// <summary>True for the methods that start Akka.Management's cluster bootstrap instead of joining seed nodes.</summary>
    public bool UsesBootstrap => !string.Equals(Method, SeedNodes, StringComparison.OrdinalIgnoreCase);

    /// <summary>Every wrong discovery setting, named by its configuration key (empty when all are valid).</summary>
    public List<string> Errors(ClusterOptions cluster)
    {
        const string at = "OrderEngine:Cluster:Discovery:";
        var errors = new List<string>();
        var method = Method.ToLowerInvariant();
        if (method is not (SeedNodes or Config or Kubernetes))
            errors.Add($"{at}Method must be {SeedNodes}, {Config} or {Kubernetes} (was '{Method}')");
        if (UsesBootstrap && cluster.SeedNodes.Length > 0)
            errors.Add($"{at}Method {Method} finds the nodes itself: leave OrderEngine:Cluster:SeedNodes empty");
        if (method == Config && ConfigEndpoints.Length == 0)
            errors.Add($"{at}ConfigEndpoints must list every node's management endpoint (host:port) for Method config");
        if (RequiredContactPoints < 1) errors.Add($"{at}RequiredContactPoints must be at least 1");
        if (ManagementPort is < 1 or > 65535) errors.Add($"{at}ManagementPort must be between 1 and 65535");
        if (UsesBootstrap && string.IsNullOrWhiteSpace(ServiceName)) errors.Add($"{at}ServiceName must not be empty");
        return errors;
    }
}
