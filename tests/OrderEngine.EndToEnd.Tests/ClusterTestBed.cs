using System.Diagnostics;
using System.Globalization;
using OrderEngine.Testing;
using Xunit.Abstractions;

namespace OrderEngine.EndToEnd.Tests;

/// <summary>One node of a <see cref="ClusterTestBed"/>: its fixed Akka remoting port and roles, and its current process (null while down).</summary>
public sealed class ClusterNode(int index, int remotingPort, IReadOnlyList<string> roles)
{
    public int Index { get; } = index;

    /// <summary>The Akka remoting port, kept across restarts (the other nodes know it as a seed node).</summary>
    public int RemotingPort { get; } = remotingPort;

    /// <summary>OrderEngine:Cluster:Roles of this node (empty: api and shards).</summary>
    public IReadOnlyList<string> Roles { get; } = roles;

    public string Address => $"akka.tcp://orderengine@127.0.0.1:{RemotingPort}";

    /// <summary>The running process, or null once killed or stopped.</summary>
    public EngineProcess? Process { get; internal set; }

    public string Name => $"node{Index + 1}";
}

/// <summary>
/// N engine processes in one Akka cluster on one PostgreSQL database: fixed remoting ports on 127.0.0.1, every node a
/// seed node, a temp working directory each. A node can be killed (SIGKILL), stopped (SIGTERM) and started again (a new
/// process on the same remoting port). Disposing kills whatever still runs; a failure raised inside
/// <see cref="RunAsync"/> is rethrown with the tail of every engine's output.
/// </summary>
public sealed class ClusterTestBed : IAsyncDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly TempDirectory _directory;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<EngineProcess> _all = [];
    private readonly IReadOnlyDictionary<string, string> _extra;
    private readonly string _connectionString;
    private readonly TimeSpan _holdTime;

    private ClusterTestBed(ITestOutputHelper output, string connectionString, TimeSpan holdTime, IReadOnlyList<IReadOnlyList<string>> roles, IReadOnlyDictionary<string, string> extra)
    {
        _output = output;
        _directory = new TempDirectory();
        _connectionString = connectionString;
        _holdTime = holdTime;
        _extra = extra;
        Nodes = roles.Select((r, i) => new ClusterNode(i, FreePort.Next(), r)).ToList();
    }

    public IReadOnlyList<ClusterNode> Nodes { get; }

    /// <summary>The nodes whose process runs.</summary>
    public IEnumerable<ClusterNode> Running => Nodes.Where(n => n.Process is { HasExited: false });

    /// <summary>
    /// A fresh database on <paramref name="server"/> and <paramref name="nodes"/> nodes (roles per node, or none), all
    /// started: the first alone (it forms the cluster), then the others at once.
    /// </summary>
    public static async Task<ClusterTestBed> StartAsync(
        ITestOutputHelper output, PostgresServer server, int nodes, CancellationToken ct,
        TimeSpan? holdTime = null, IReadOnlyList<IReadOnlyList<string>>? roles = null, IReadOnlyDictionary<string, string>? extra = null)
    {
        var connectionString = await server.CreateDatabaseAsync("cluster_" + Guid.NewGuid().ToString("N"), ct).ConfigureAwait(false);
        var bed = new ClusterTestBed(output, connectionString, holdTime ?? TimeSpan.FromMinutes(30),
            roles ?? Enumerable.Range(0, nodes).Select(_ => (IReadOnlyList<string>)[]).ToList(), extra ?? new Dictionary<string, string>());
        try
        {
            await bed.StartNodeAsync(0, ct).ConfigureAwait(false);
            await Task.WhenAll(bed.Nodes.Skip(1).Select(n => bed.StartNodeAsync(n.Index, ct))).ConfigureAwait(false);
            await bed.WaitUntilServingAsync(ct).ConfigureAwait(false);
            return bed;
        }
        catch (Exception ex)
        {
            var tails = string.Concat(bed._all.Select(e => e.Tail(60)));
            await bed.DisposeAsync().ConfigureAwait(false);
            if (tails.Length == 0) throw;
            throw new EngineTestFailure($"{ex.GetType().Name}: {ex.Message.Split('\n', 2)[0].TrimEnd()} (while starting the cluster){tails}", ex);
        }
    }

    /// <summary>Starts node <paramref name="index"/> (again) and waits until it is an Up member with a journal (/health/ready).</summary>
    public async Task<EngineProcess> StartNodeAsync(int index, CancellationToken ct)
    {
        var node = Nodes[index];
        var env = new Dictionary<string, string>(_extra)
        {
            ["OrderEngine__Cluster__Port"] = node.RemotingPort.ToString(CultureInfo.InvariantCulture),
            ["OrderEngine__Cluster__Hostname"] = "127.0.0.1",
        };
        // Every node is a seed node, in the same order everywhere: the first forms the cluster when no other answers
        // (at the first start), and any node started again joins whichever seed nodes answer.
        var seeds = Nodes;
        for (var i = 0; i < seeds.Count; i++) env[$"OrderEngine__Cluster__SeedNodes__{i}"] = seeds[i].Address;
        for (var i = 0; i < node.Roles.Count; i++) env[$"OrderEngine__Cluster__Roles__{i}"] = node.Roles[i];
        var directory = Path.Combine(_directory.Path, node.Name);
        Directory.CreateDirectory(directory);
        var settings = new EngineSettings("PostgreSql", null, _connectionString, _holdTime, directory) { Extra = env };
        var started = Stopwatch.StartNew();
        var process = await EngineProcess.StartAsync(settings, node.Name, ct).ConfigureAwait(false);
        lock (_all) _all.Add(process);
        node.Process = process;
        Log($"{node.Name} (pid {process.Pid}, remoting {node.RemotingPort}, roles [{string.Join(",", node.Roles)}]) ready on {process.BaseAddress} after {started.Elapsed.TotalSeconds:0.0} s");
        return process;
    }

    /// <summary>
    /// Waits (at most 60 s) until every running node answers a stock and an order read from an entity (200 or 404): a
    /// ready node is an Up member, but the first requests of a new cluster also wait for the shard coordinator to start
    /// and for each region to register with it.
    /// </summary>
    public async Task WaitUntilServingAsync(CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        foreach (var node in Running.ToList())
        {
            foreach (var path in new[] { "api/stock/warm-up-sku", "api/orders/warm-up-order" })
            {
                var last = "";
                while (true)
                {
                    try
                    {
                        using var response = await node.Process!.Http.GetAsync(path, ct).ConfigureAwait(false);
                        if ((int)response.StatusCode is 200 or 404) break;
                        last = response.StatusCode.ToString();
                    }
                    catch (HttpRequestException ex)
                    {
                        last = ex.Message;
                    }

                    if (clock.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException($"{node.Name} does not serve {path} (last: {last})");
                    await Task.Delay(200, ct).ConfigureAwait(false);
                }
            }
        }

        Log($"every node serves after {clock.Elapsed.TotalSeconds:0.0} s more");
    }

    /// <summary>SIGKILL to node <paramref name="index"/>: nothing of its shutdown runs, its cluster peers learn of it only by missing heartbeats.</summary>
    public void Kill(int index)
    {
        var node = Nodes[index];
        var process = node.Process ?? throw new InvalidOperationException($"{node.Name} is not running");
        process.Kill();
        node.Process = null;
        Log($"{node.Name} (pid {process.Pid}) killed with SIGKILL");
    }

    /// <summary>SIGTERM to node <paramref name="index"/>; returns its exit code.</summary>
    public async Task<int> StopAsync(int index)
    {
        var node = Nodes[index];
        var process = node.Process ?? throw new InvalidOperationException($"{node.Name} is not running");
        var code = await process.StopAsync().ConfigureAwait(false);
        node.Process = null;
        Log($"{node.Name} (pid {process.Pid}) exited with code {code} after SIGTERM");
        return code;
    }

    /// <summary>Starts a node that was killed or stopped again, on the same remoting port.</summary>
    public Task<EngineProcess> RestartAsync(int index, CancellationToken ct) => StartNodeAsync(index, ct);

    /// <summary>A client for node <paramref name="index"/>'s HTTP API.</summary>
    public EngineApi Api(int index) => new((Nodes[index].Process ?? throw new InvalidOperationException($"{Nodes[index].Name} is not running")).Http);

    /// <summary>Writes a timestamped line to the test's output.</summary>
    public void Log(string message) => _output.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:0.000} s] {message}");

    /// <summary>Runs the test body; a failure is rethrown with the tails of the engines' outputs in its message.</summary>
    public Task RunAsync(Func<Task> body) => EngineProcesses.RunShowingOutputAsync(body, _all, 60);

    public async ValueTask DisposeAsync() => await EngineProcesses.DisposeAllAsync(_all, _directory).ConfigureAwait(false);
}
