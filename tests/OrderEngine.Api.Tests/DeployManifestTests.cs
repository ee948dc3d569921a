using System.Collections;
using System.Reflection;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OrderEngine.Engine.Hosting;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;

namespace OrderEngine.Api.Tests;

/// <summary>
/// deploy/k8s, docker-compose.yml and deploy/Dockerfile checked against the code, since no cluster or container engine
/// runs here: every OrderEngine__ variable binds to a real option, probes hit the real health endpoints, ports agree,
/// every referenced ConfigMap, Secret and service exists, and selectors select the engine's pods.
/// </summary>
public sealed class DeployManifestTests(EngineFixture engine) : IClassFixture<EngineFixture>
{
    private static readonly string Root = FindRoot();
    private static readonly string K8s = Path.Combine(Root, "deploy", "k8s");

    [Fact]
    public void Kustomization_lists_every_manifest_and_each_kind_the_deployment_needs()
    {
        var files = Kustomization();
        Assert.Equal(Directory.GetFiles(K8s, "*.yaml").Select(Path.GetFileName).Where(f => f != "kustomization.yaml").Order(),
            files.Order());
        var kinds = AllDocuments().Select(d => Str(d, "kind")).ToHashSet();
        foreach (var kind in new[] { "ServiceAccount", "Role", "RoleBinding", "ConfigMap", "Secret", "Service", "Deployment", "PodDisruptionBudget" })
            Assert.Contains(kind, kinds);
    }

    [Fact]
    public void Every_engine_variable_of_the_pods_binds_to_a_real_option_and_the_discovery_settings_are_valid()
    {
        var env = PodEnvironment(includeSecret: true);
        foreach (var name in env.Keys) AssertBinds(name, "deploy/k8s");
        Assert.Contains(env.Keys, k => k.StartsWith("OrderEngine__Persistence__ConnectionString", StringComparison.Ordinal));

        // Bound as the engine binds it: the discovery settings are valid and say what the manifests rely on.
        var options = Bind(env.ToDictionary(e => e.Key, e => (string?)(e.Value ?? "10.0.0.7")));
        Assert.Empty(options.Cluster.Discovery.Errors(options.Cluster));
        Assert.Equal(ClusterDiscoveryOptions.Kubernetes, options.Cluster.Discovery.Method);
        Assert.Equal(PersistenceProvider.PostgreSql, options.Persistence.Provider);
        Assert.Empty(options.Cluster.SeedNodes);
    }

    [Fact]
    public void Probes_ports_and_the_bootstrap_contact_port_agree_with_the_container_and_the_service()
    {
        var container = Container();
        var ports = Seq(container, "ports").Cast<YamlMappingNode>().ToDictionary(p => Str(p, "name"), p => int.Parse(Str(p, "containerPort")));
        var env = PodEnvironment(includeSecret: true);

        // The HTTP server listens on the port named http, and bootstrap probes the same port.
        Assert.Equal(ports["http"], new Uri(env["Urls"]!.Replace("0.0.0.0", "localhost", StringComparison.Ordinal)).Port);
        Assert.Equal(ports["http"], int.Parse(env["OrderEngine__Cluster__Discovery__ManagementPort"]!));
        Assert.Equal(ClusterBootstrapHosting.ContactPortName, "http");
        Assert.Equal(ports["remoting"], int.Parse(env["OrderEngine__Cluster__Port"]!));

        var endpoints = engine.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/')).ToHashSet();
        foreach (var (probe, path) in new[] { ("readinessProbe", "/health/ready"), ("livenessProbe", "/health/live"), ("startupProbe", "/health/live") })
        {
            var get = Map(Map(container, probe), "httpGet");
            Assert.Equal(path, Str(get, "path"));
            Assert.Contains(Str(get, "path"), endpoints);
            Assert.True(ports.ContainsKey(Str(get, "port")), $"{probe} names port {Str(get, "port")}, which the container does not have");
        }

        var service = Single("Service");
        foreach (var port in Seq(Map(service, "spec"), "ports").Cast<YamlMappingNode>())
            Assert.True(ports.ContainsKey(Str(port, "targetPort")), $"the Service targets port {Str(port, "targetPort")}, which the container does not have");
    }

    [Fact]
    public void Referenced_config_maps_secrets_and_service_account_exist_and_the_role_may_list_pods()
    {
        var pod = PodSpec();
        foreach (var from in Seq(Container(), "envFrom").Cast<YamlMappingNode>())
        {
            if (from.Children.ContainsKey("configMapRef")) Assert.NotNull(Named("ConfigMap", Str(Map(from, "configMapRef"), "name")));
            if (from.Children.ContainsKey("secretRef")) Assert.NotNull(Named("Secret", Str(Map(from, "secretRef"), "name")));
        }
        var account = Str(pod, "serviceAccountName");
        Assert.NotNull(Named("ServiceAccount", account));

        var binding = Single("RoleBinding");
        Assert.Contains(Seq(binding, "subjects").Cast<YamlMappingNode>(), s => Str(s, "kind") == "ServiceAccount" && Str(s, "name") == account);
        var role = Named("Role", Str(Map(binding, "roleRef"), "name"));
        Assert.NotNull(role);
        Assert.Contains(Seq(role, "rules").Cast<YamlMappingNode>(), r =>
            Seq(r, "resources").Any(x => x.ToString() == "pods") && Seq(r, "verbs").Any(x => x.ToString() == "list"));
    }

    [Fact]
    public void Selectors_the_disruption_budget_and_discovery_all_select_the_deployments_pods()
    {
        var deployment = Single("Deployment");
        var podLabels = Labels(Map(Map(Map(deployment, "spec"), "template"), "metadata"));
        Assert.True(Subset(MatchLabels(Map(deployment, "spec")), podLabels), "the Deployment's selector does not match its own pods");
        Assert.True(Subset(Labels(Map(Single("Service"), "spec"), "selector"), podLabels), "the Service selects other pods");
        var pdb = Map(Single("PodDisruptionBudget"), "spec");
        Assert.True(Subset(MatchLabels(pdb), podLabels), "the PodDisruptionBudget selects other pods");
        Assert.Equal("1", Str(pdb, "maxUnavailable"));
        Assert.Equal(3, int.Parse(Str(Map(deployment, "spec"), "replicas")));

        var options = Bind(PodEnvironment(includeSecret: true).ToDictionary(e => e.Key, e => (string?)(e.Value ?? "10.0.0.7")));
        var selector = string.Format(System.Globalization.CultureInfo.InvariantCulture, options.Cluster.Discovery.PodLabelSelector, options.Cluster.Discovery.ServiceName);
        var wanted = selector.Split(',').Select(p => p.Split('=')).ToDictionary(p => p[0].Trim(), p => p[1].Trim());
        Assert.True(Subset(wanted, podLabels), $"discovery looks for pods labelled {selector}, which the Deployment's pods are not");
    }

    [Fact]
    public void The_grace_period_covers_the_pre_stop_pause_the_requests_in_flight_and_the_shard_hand_off()
    {
        var pod = PodSpec();
        var grace = int.Parse(Str(pod, "terminationGracePeriodSeconds"));
        var preStop = Seq(Map(Map(Map(Container(), "lifecycle"), "preStop"), "exec"), "command").Select(c => c.ToString()).ToArray();
        Assert.Equal("sleep", preStop[0]);
        var askTimeout = new OrderEngineOptions().AskTimeout.TotalSeconds;
        // pause + the slowest request in flight + the cluster leave and hand-off (Akka's phases time out at 10 s each).
        Assert.True(grace >= int.Parse(preStop[1]) + askTimeout + 20, $"terminationGracePeriodSeconds {grace} is too short");
    }

    [Fact]
    public void Docker_compose_nodes_bind_real_options_name_real_seed_services_and_the_images_ports()
    {
        // What the file says, checked against the code (ComposeConfigTests has Compose itself read it); merge keys resolved.
        using var reader = new StreamReader(Path.Combine(Root, "docker-compose.yml"));
        var compose = (IDictionary)new DeserializerBuilder().Build().Deserialize(new MergingParser(new Parser(reader)))!;
        var services = (IDictionary)compose["services"]!;
        var image = DockerfileEnvironment();
        var urlsPort = new Uri(image["Urls"].Replace("0.0.0.0", "localhost", StringComparison.Ordinal)).Port;
        var remotingPort = int.Parse(image["OrderEngine__Cluster__Port"]);
        foreach (var name in image.Keys) AssertBinds(name, "deploy/Dockerfile");

        var nodes = services.Keys.Cast<string>().Where(s => ((IDictionary)services[s]!).Contains("build")).ToList();
        Assert.Equal(3, nodes.Count);
        foreach (var node in nodes)
        {
            var service = (IDictionary)services[node]!;
            var env = ((IDictionary<object, object>)service["environment"]!).ToDictionary(e => (string)e.Key, e => e.Value?.ToString());
            foreach (var key in env.Keys) AssertBinds(key, $"docker-compose.yml {node}");
            foreach (var target in ((IDictionary)service["depends_on"]!).Keys.Cast<string>())
                Assert.True(services.Contains(target), $"{node} depends on {target}, which is no service");
            foreach (var seed in env.Where(e => e.Key.StartsWith("OrderEngine__Cluster__SeedNodes__", StringComparison.Ordinal)).Select(e => new Uri(e.Value!)))
            {
                Assert.True(nodes.Contains(seed.Host), $"{node}'s seed node {seed} names no engine service");
                Assert.Equal(remotingPort, seed.Port);
                Assert.Equal(new ClusterOptions().SystemName, seed.UserInfo);
            }
            Assert.Equal(node, env["OrderEngine__Cluster__PublicHostname"]);
            var published = ((IEnumerable)service["ports"]!).Cast<object>().Select(p => p.ToString()!).Single();
            Assert.Equal(urlsPort, int.Parse(published.Split(':')[^1]));
            var options = Bind(env.ToDictionary(e => e.Key, e => e.Value));
            Assert.Empty(options.Cluster.Discovery.Errors(options.Cluster));
        }
    }

    /// <summary>
    /// An OrderEngine__A__B variable must name a property path of OrderEngineOptions or of another options class bound to
    /// a section under OrderEngine (HttpOptions at OrderEngine:Http...); anything else the engine would silently ignore.
    /// </summary>
    private static void AssertBinds(string name, string where)
    {
        if (!name.StartsWith("OrderEngine__", StringComparison.Ordinal))
        {
            Assert.True(name is "Urls" || name.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || name.StartsWith("DOTNET_", StringComparison.Ordinal)
                || name.StartsWith("Logging__", StringComparison.Ordinal), $"{where}: {name} is no setting the engine reads");
            return;
        }
        var path = name.Split("__")[1..];
        Assert.True(Resolves(path), $"{where}: {name} binds to no option (OrderEngine:{string.Join(':', path)})");
    }

    private static bool Resolves(string[] path)
    {
        if (Walk(typeof(OrderEngineOptions), path)) return true;
        foreach (var (section, type) in Sections())
        {
            var prefix = section.Split(':')[1..];
            if (path.Length > prefix.Length && path.Take(prefix.Length).SequenceEqual(prefix, StringComparer.OrdinalIgnoreCase)
                && Walk(type, path[prefix.Length..])) return true;
        }
        return false;
    }

    private static bool Walk(Type type, ReadOnlySpan<string> path)
    {
        if (path.Length == 0) return IsScalar(type);
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (IsScalar(underlying)) return false;
        if (underlying.IsArray) return int.TryParse(path[0], out _) && Walk(underlying.GetElementType()!, path[1..]);
        if (underlying.IsGenericType && underlying.GetGenericTypeDefinition() is var generic)
        {
            if (generic == typeof(List<>) || generic == typeof(IList<>) || generic == typeof(IReadOnlyList<>))
                return int.TryParse(path[0], out _) && Walk(underlying.GetGenericArguments()[0], path[1..]);
            if (generic == typeof(Dictionary<,>) || generic == typeof(IDictionary<,>) || generic == typeof(IReadOnlyDictionary<,>))
                return Walk(underlying.GetGenericArguments()[1], path[1..]);
        }
        var property = underlying.GetProperty(path[0], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
        return property is not null && (property.CanWrite || !IsScalar(property.PropertyType)) && Walk(property.PropertyType, path[1..]);
    }

    private static bool IsScalar(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || t == typeof(TimeSpan) || t == typeof(DateTime)
            || t == typeof(DateTimeOffset) || t == typeof(Uri) || t == typeof(TimeOnly) || t == typeof(DateOnly);
    }

    /// <summary>Every options class with a <c>Section</c> constant under OrderEngine, in the engine's assemblies.</summary>
    private static IEnumerable<(string Section, Type Type)> Sections() =>
        new[] { typeof(OrderEngineOptions).Assembly, typeof(Program).Assembly, typeof(OrderEngine.Ingestion.IngestionHosting).Assembly }
            .SelectMany(a => a.GetTypes())
            .Select(t => (Type: t, Field: t.GetField("Section", BindingFlags.Public | BindingFlags.Static)))
            .Where(x => x.Field is { IsLiteral: true } && x.Field.GetRawConstantValue() is string s && s.StartsWith("OrderEngine:", StringComparison.Ordinal))
            .Select(x => ((string)x.Field!.GetRawConstantValue()!, x.Type));

    private static OrderEngineOptions Bind(IDictionary<string, string?> env)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(env.Select(e => new KeyValuePair<string, string?>(e.Key.Replace("__", ":", StringComparison.Ordinal), e.Value)))
            .Build();
        return configuration.GetSection(OrderEngineOptions.Section).Get<OrderEngineOptions>() ?? new OrderEngineOptions();
    }

    private static Dictionary<string, string?> PodEnvironment(bool includeSecret)
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, value) in ((YamlMappingNode)Single("ConfigMap")["data"]).Children) env[key.ToString()] = value.ToString();
        if (includeSecret)
            foreach (var (key, value) in ((YamlMappingNode)Single("Secret")["stringData"]).Children) env[key.ToString()] = value.ToString();
        foreach (var item in Seq(Container(), "env").Cast<YamlMappingNode>())
            env[Str(item, "name")] = item.Children.ContainsKey("value") ? Str(item, "value") : null; // valueFrom: known only in the pod
        return env;
    }

    private static Dictionary<string, string> DockerfileEnvironment()
    {
        var text = File.ReadAllText(Path.Combine(Root, "deploy", "Dockerfile")).Replace("\\\n", " ", StringComparison.Ordinal);
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n').Where(l => l.StartsWith("ENV ", StringComparison.Ordinal)))
            foreach (var pair in line[4..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
                env[pair.Split('=')[0]] = pair[(pair.IndexOf('=') + 1)..];
        return env;
    }

    private static List<string> Kustomization()
    {
        var doc = Load(Path.Combine(K8s, "kustomization.yaml")).Single();
        return Seq(doc, "resources").Select(r => r.ToString()).ToList();
    }

    private static IEnumerable<YamlMappingNode> AllDocuments() => Kustomization().SelectMany(f => Load(Path.Combine(K8s, f)));

    private static List<YamlMappingNode> Load(string file)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(file)) stream.Load(reader);
        return stream.Documents.Select(d => (YamlMappingNode)d.RootNode).ToList();
    }

    private static YamlMappingNode Single(string kind) => Assert.Single(AllDocuments(), d => Str(d, "kind") == kind);

    private static YamlMappingNode? Named(string kind, string name) =>
        AllDocuments().SingleOrDefault(d => Str(d, "kind") == kind && Str(Map(d, "metadata"), "name") == name);

    private static YamlMappingNode PodSpec() => Map(Map(Map(Single("Deployment"), "spec"), "template"), "spec");

    private static YamlMappingNode Container() => (YamlMappingNode)Assert.Single(Seq(PodSpec(), "containers"));

    private static YamlMappingNode Map(YamlMappingNode node, string key) => (YamlMappingNode)node[key];

    private static IEnumerable<YamlNode> Seq(YamlMappingNode node, string key) => (YamlSequenceNode)node[key];

    private static string Str(YamlMappingNode node, string key) => ((YamlScalarNode)node[key]).Value!;

    private static Dictionary<string, string> Labels(YamlMappingNode node, string key = "labels") =>
        ((YamlMappingNode)node[key]).Children.ToDictionary(c => c.Key.ToString(), c => c.Value.ToString());

    private static Dictionary<string, string> MatchLabels(YamlMappingNode spec) => Labels(Map(spec, "selector"), "matchLabels");

    private static bool Subset(Dictionary<string, string> selector, Dictionary<string, string> labels) =>
        selector.Count > 0 && selector.All(s => labels.TryGetValue(s.Key, out var v) && v == s.Value);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "OrderEngine.sln"))) return dir.FullName;
        throw new InvalidOperationException("no OrderEngine.sln above the test assembly");
    }
}
