using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using OrderEngine.Testing;
using Xunit.Abstractions;

namespace OrderEngine.EndToEnd.Tests;

/// <summary>
/// Three nodes on one throwaway PostgreSQL that find each other by Akka.Management cluster bootstrap (discovery method
/// config: a fixed list of the nodes' HTTP endpoints, no seed nodes), then a rolling restart under placement load:
/// SIGTERM hands each node's shards off and exits 0, and clients that retry on 503 or a lost connection against another
/// node with the same Idempotency-Key see no failure, lose no acknowledged order and oversell nothing.
/// </summary>
public sealed class RollingRestartScenarios(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    private const int Nodes = 3;

    [PostgresFact]
    public async Task Three_nodes_form_one_cluster_by_bootstrap_and_a_rolling_restart_under_load_fails_no_request()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        var ct = timeout.Token;
        using var directory = new TempDirectory();
        var connectionString = await postgres.Server.CreateDatabaseAsync("rolling_" + Guid.NewGuid().ToString("N"), ct);
        var ports = Enumerable.Range(0, Nodes).Select(_ => FreePort.Next()).ToArray();
        var settings = new EngineSettings("PostgreSql", null, connectionString, TimeSpan.FromMinutes(15), directory.Path)
        {
            Extra = Bootstrap(ports),
        };
        var nodes = new EngineProcess?[Nodes];
        try
        {
            // One at a time up to a listening HTTP server: the schema is prepared before that, and three nodes preparing it
            // at once on an empty PostgreSQL collide (CREATE TABLE IF NOT EXISTS races: duplicate pg_type, exit 134).
            for (var i = 0; i < Nodes; i++)
            {
                nodes[i] = EngineProcess.Launch(settings, $"node{i + 1}", ports[i]);
                await WaitLiveAsync(nodes[i]!, ct);
            }
            await Task.WhenAll(nodes.Select(n => n!.WaitReadyAsync(ct)));
            await AssertEveryNodeSeesUpMembersAsync(nodes!, Nodes, ct);

            // Stock on one node; an order placed on each node reads back on every other one.
            var apis = nodes.Select(n => new EngineApi(n!.Http)).ToArray();
            const string sku = "rolling-sku";
            const long onHand = 400;
            var set = await apis[0].SetStockAsync(sku, onHand, 1, ct);
            Assert.True(set.Status is >= 200 and < 300, set.ToString());
            for (var i = 0; i < Nodes; i++)
            {
                var key = $"probe-{i}-{Guid.NewGuid():N}";
                var placed = await apis[i].PlaceAsync(key, Order(sku), ct);
                Assert.True(placed.Status is 200 or 201, placed.ToString());
                var id = placed.Order.Id;
                foreach (var other in apis) Assert.Equal(id, (await other.OrderAsync(id, ct)).Id);
            }

            // Steady placement load over all three nodes while each node in turn is stopped with SIGTERM and started again.
            var acknowledged = new ConcurrentDictionary<string, string>();
            var failures = new ConcurrentQueue<string>();
            var retries = 0;
            var soldOut = 0;
            using var stopLoad = new CancellationTokenSource();
            var load = Enumerable.Range(0, 6).Select(worker => Task.Run(async () =>
            {
                var n = 0;
                while (!stopLoad.IsCancellationRequested)
                {
                    var key = $"load-{worker}-{n++}-{Guid.NewGuid():N}";
                    var outcome = await PlaceWithRetriesAsync(nodes, worker, key, Order(sku), () => Interlocked.Increment(ref retries), ct);
                    if (outcome.Status is 200 or 201) acknowledged[key] = outcome.Order.Id;
                    else if (outcome.Status == 409) Interlocked.Increment(ref soldOut);
                    else failures.Enqueue($"{key}: {outcome}");
                    await Task.Delay(20, ct);
                }
            }, ct)).ToArray();

            await Task.Delay(TimeSpan.FromSeconds(2), ct);
            var report = new List<string>();
            for (var i = 0; i < Nodes; i++)
            {
                var clock = Stopwatch.StartNew();
                var code = await nodes[i]!.StopAsync();
                var stopped = clock.Elapsed;
                Assert.True(code == 0, $"node{i + 1} exited {code} after SIGTERM.{nodes[i]!.Tail(60)}");
                await nodes[i]!.DisposeAsync();
                nodes[i] = EngineProcess.Launch(settings, $"node{i + 1}-restarted", ports[i]);
                await nodes[i]!.WaitReadyAsync(ct);
                report.Add($"node{i + 1}: SIGTERM to exit 0 (leave and shard hand-off) in {stopped.TotalSeconds:0.0} s, ready again after {clock.Elapsed.TotalSeconds:0.0} s");
            }
            await Task.Delay(TimeSpan.FromSeconds(2), ct);
            await stopLoad.CancelAsync();
            await Task.WhenAll(load);
            await AssertEveryNodeSeesUpMembersAsync(nodes!, Nodes, ct);

            output.WriteLine(string.Join(Environment.NewLine, report));
            output.WriteLine($"{acknowledged.Count} placements acknowledged, {soldOut} refused as sold out, {retries} retries, {failures.Count} failed");
            Assert.True(failures.IsEmpty, "requests failed beyond client retries:" + Environment.NewLine + string.Join(Environment.NewLine, failures.Take(10)));
            Assert.True(acknowledged.Count > 50, $"only {acknowledged.Count} placements were acknowledged under the restarts");

            // Every acknowledged order is there, with its unit reserved; nothing is oversold.
            foreach (var (key, id) in acknowledged)
            {
                var order = await new EngineApi(nodes[0]!.Http).GetOrderAsync(id, ct);
                Assert.True(order.Status == 200, $"acknowledged order {id} ({key}) is gone: {order}");
            }
            var stock = await new EngineApi(nodes[1]!.Http).StockAsync(sku, ct);
            Assert.True(stock.Reserved + stock.Sold <= stock.OnHand, $"oversold: {stock}");
            Assert.Equal(acknowledged.Count + Nodes, stock.Reserved + stock.Sold);
        }
        finally
        {
            foreach (var node in nodes)
                if (node is not null) await node.DisposeAsync();
        }
    }

    private static async Task WaitLiveAsync(EngineProcess node, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + EngineProcess.ReadyTimeout;
        while (DateTime.UtcNow < deadline && !node.HasExited)
        {
            try
            {
                using var response = await node.Http.GetAsync("health/live", ct);
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100, ct);
        }
    }

    private static Dictionary<string, string> Bootstrap(int[] ports)
    {
        var env = new Dictionary<string, string>
        {
            ["OrderEngine__Cluster__Discovery__Method"] = "config",
            ["OrderEngine__Cluster__Discovery__RequiredContactPoints"] = Nodes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["OrderEngine__Cluster__Discovery__StableMargin"] = "00:00:01",
        };
        for (var i = 0; i < ports.Length; i++) env[$"OrderEngine__Cluster__Discovery__ConfigEndpoints__{i}"] = $"127.0.0.1:{ports[i]}";
        return env;
    }

    private static PlaceRequest Order(string sku) => new("web", "customer-1", EngineApi.Currency, [new LineRequest(sku, 1, 10m)]);

    /// <summary>A client's placement: on 503 or a lost connection, the same request (same key) goes to the next node.</summary>
    private static async Task<Answer> PlaceWithRetriesAsync(EngineProcess?[] nodes, int start, string key, PlaceRequest order, Action retried, CancellationToken ct)
    {
        Answer last = null!;
        for (var attempt = 0; attempt < 30; attempt++)
        {
            var node = nodes[(start + attempt) % nodes.Length];
            if (node is null || node.HasExited)
            {
                retried();
                await Task.Delay(100, ct);
                continue;
            }
            try
            {
                last = await new EngineApi(node.Http).PlaceAsync(key, order, ct);
            }
            catch (ObjectDisposedException)
            {
                retried();
                continue;
            }
            if (last.Answered && last.Status != 503) return last;
            retried();
            await Task.Delay(100, ct);
        }
        return last;
    }

    private async Task AssertEveryNodeSeesUpMembersAsync(EngineProcess[] nodes, int expected, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        foreach (var node in nodes)
        {
            while (true)
            {
                using var response = await node.Http.GetAsync("bootstrap/seed-nodes", ct);
                var body = await response.Content.ReadAsStringAsync(ct);
                var up = response.IsSuccessStatusCode
                    ? JsonDocument.Parse(body).RootElement.GetProperty("Nodes").EnumerateArray().Count(m => m.GetProperty("Status").GetInt32() == 1)
                    : 0;
                if (up == expected) break;
                Assert.True(DateTime.UtcNow < deadline, $"{node.Name} sees {up} Up members, not {expected}: {body}");
                await Task.Delay(200, ct);
            }
        }
        output.WriteLine($"every node sees {expected} Up members");
    }
}
