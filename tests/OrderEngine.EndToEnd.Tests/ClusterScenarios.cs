using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using OrderEngine.Testing;
using Xunit.Abstractions;

namespace OrderEngine.EndToEnd.Tests;

/// <summary>
/// Several engine processes in one cluster on one throwaway PostgreSQL: node roles, and the loss of a node (kill -9)
/// under a flash sale and marketplace load with clients that fail over to the other nodes with the same keys.
/// </summary>
public sealed class ClusterScenarios(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    private const int ShardCount = 30;

    /// <summary>
    /// Node 1 has the shards role, node 2 only api. Orders and stock set and placed through node 2 are served by node 1's
    /// entities and read back through both. Once node 1 has left (SIGTERM), node 2 is alone, Up, and serves no SKU and
    /// no order (it hosts proxies only, so its asks time out: 503), where a node with both roles would take the shards
    /// over; node 1 started again serves them once more, through node 2, with nothing lost.
    /// </summary>
    [PostgresFact]
    public async Task An_api_only_node_serves_orders_and_stock_hosted_on_a_shards_node_and_hosts_none_itself()
    {
        using var budget = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var ct = budget.Token;
        await using var bed = await ClusterTestBed.StartAsync(output, postgres.Server, 2, ct,
            roles: [["shards"], ["api"]],
            extra: new Dictionary<string, string> { ["OrderEngine__AskTimeout"] = "00:00:03" });
        await bed.RunAsync(async () =>
        {
            var api = bed.Api(1);
            await SetStockAsync(api, "roles-sku", 5, ct);
            var placed = await api.PlaceAsync("roles-order-1", new PlaceRequest("web", "c-1", EngineApi.Currency, [new("roles-sku", 2, 3.5m)]), ct);
            Assert.True(placed.Status == 201, placed.ToString());
            var id = placed.Order.Id;
            Assert.Equal("reserved", (await bed.Api(0).OrderAsync(id, ct)).Status);
            Assert.Equal((5L, 2L), await ReadUnits(bed.Api(0), "roles-sku", ct));
            Assert.Equal((5L, 2L), await ReadUnits(api, "roles-sku", ct));

            Assert.Equal(0, await bed.StopAsync(0));
            // Node 2 stays an Up member (a graceful leave downs nobody), yet no entity may start on it.
            var ready = await api.GetOrderAsync(id, ct);
            bed.Log($"api-only node alone: GET order -> {ready.Describe()}");
            Assert.Equal(503, ready.Status);
            var stock = await api.GetStockAsync("roles-sku", ct);
            Assert.Equal(503, stock.Status);

            await bed.RestartAsync(0, ct);
            await bed.WaitUntilServingAsync(ct);
            var again = await WaitForAsync(() => api.GetOrderAsync(id, ct), a => a.Status == 200, TimeSpan.FromSeconds(30), ct);
            Assert.Equal("reserved", again.Order.Status);
            Assert.Equal((5L, 2L), await ReadUnits(api, "roles-sku", ct));
        });
    }

    /// <summary>
    /// Three nodes with both roles; a flash sale (one hot SKU, 150 units, one unit per buyer) and marketplace orders
    /// (one to three lines over 20 SKUs) from clients spread over all nodes; kill -9 of node 3 in the middle. Every
    /// client retries a placement on the next node with the same Idempotency-Key on a lost connection, a 5xx, a 429 or a
    /// timeout. Afterwards, read through the survivors: every acknowledged order is there as acknowledged, no SKU is
    /// oversold, and every SKU's units are accounted for (reserved + sold = the units of its reserved orders, available =
    /// on hand - reserved - sold). The time until every shard of the order and stock regions serves again is measured
    /// with one probe entity per shard and logged; only a generous bound is asserted.
    /// </summary>
    [PostgresFact]
    public async Task Kill_9_of_one_of_three_nodes_under_load_loses_no_acknowledged_order_and_oversells_nothing()
    {
        using var budget = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        var ct = budget.Token;
        await using var bed = await ClusterTestBed.StartAsync(output, postgres.Server, 3, ct,
            extra: new Dictionary<string, string>
            {
                ["OrderEngine__Cluster__ShardCount"] = ShardCount.ToString(CultureInfo.InvariantCulture),
                ["OrderEngine__AskTimeout"] = "00:00:03",
            });
        await bed.RunAsync(async () =>
        {
            const string hot = "cl-hot";
            const long hotUnits = 150;
            var market = Enumerable.Range(0, 20).Select(i => $"cl-m{i:00}").ToList();
            var onHand = market.ToDictionary(s => s, _ => 100_000L);
            onHand[hot] = hotUnits;
            foreach (var (sku, units) in onHand) await SetStockAsync(bed.Api(0), sku, units, ct);

            var clients = bed.Nodes.Select(n => n.Process!.Http).ToList();
            var victim = 2;
            var survivors = clients.Take(2).ToList();
            var results = new ConcurrentBag<Placed>();
            var run = Stopwatch.StartNew();
            var runFor = TimeSpan.FromSeconds(24);
            var killAt = TimeSpan.FromSeconds(7);
            var killed = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);

            using var stopProbes = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var probes = ShardProbes(survivors, run, stopProbes.Token);

            var workers = Enumerable.Range(0, 12).Select(w => Task.Run(async () =>
            {
                var random = new Random(w);
                for (var n = 0; run.Elapsed < runFor; n++)
                {
                    var key = $"cl-w{w:00}-{n:0000}";
                    var lines = n % 3 == 0
                        ? new List<LineRequest> { new(hot, 1, 49m) }
                        : Enumerable.Range(0, random.Next(1, 4)).Select(i => new LineRequest(market[random.Next(market.Count)], random.Next(1, 4), 5m))
                            .DistinctBy(l => l.Sku).ToList();
                    var order = new PlaceRequest("web", $"cl-c{w}-{n}", EngineApi.Currency, lines);
                    results.Add(await PlaceWithFailoverAsync(clients, w, key, order, run, ct));
                }
            }, ct)).ToList();

            await Task.Delay(killAt, ct);
            var before = results.Count;
            bed.Kill(victim);
            var killTime = run.Elapsed;
            bed.Log($"killed node3 at {killTime.TotalSeconds:0.0} s with {before} placements answered");
            await Task.WhenAll(workers);
            bed.Log($"load over at {run.Elapsed.TotalSeconds:0.0} s: {results.Count} placements");
            await Task.Delay(TimeSpan.FromSeconds(2), ct);
            await stopProbes.CancelAsync();
            var outage = await probes;

            // Recovery: per shard, from the kill to the first probe sent after its last failure.
            var recovered = outage.Values.Where(v => v.LastFailure > killTime).Select(v => v.RecoveredAt - killTime).DefaultIfEmpty(TimeSpan.Zero).Max();
            var shardsHit = outage.Values.Count(v => v.LastFailure > killTime);
            bed.Log($"RECOVERY: every shard served again {recovered.TotalSeconds:0.0} s after the kill ({shardsHit} of {outage.Count} probed shards were out)");
            var longestPlacement = results.Max(r => r.Took);
            bed.Log($"placements: {results.Count(r => r.Status == 201)} reserved, {results.Count(r => r.Status == 409)} refused, " +
                $"{results.Count(r => r.Status == 0)} without a final answer, {results.Count(r => r.Attempts > 1)} retried; longest {longestPlacement.TotalSeconds:0.0} s");

            // A placement without a final answer (its deadline passed) is sent again with its key: it ends one way or the other.
            var final = new List<Placed>();
            foreach (var r in results)
            {
                final.Add(r.Status != 0 ? r : await PlaceWithFailoverAsync(survivors, 0, r.Key, r.Order, run, ct));
            }
            Assert.All(final, r => Assert.True(r.Status is 201 or 409, $"{r.Key}: {r.Last}"));
            Assert.True(final.Count(r => r.Status == 201 && r.Order.Lines[0].Sku == hot) <= hotUnits);

            // Every acknowledged order is there, read through a survivor, as it was acknowledged.
            var api = new EngineApi(survivors[0]);
            var lost = new ConcurrentBag<string>();
            await Parallel.ForEachAsync(final.Where(r => r.Status == 201), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (r, c) =>
            {
                var read = await api.GetOrderAsync(r.OrderId!, c);
                if (read.Status != 200 || read.Order.Status != "reserved") lost.Add($"{r.Key} ({r.OrderId}): {read.Describe()}");
            });
            Assert.True(lost.IsEmpty, $"{lost.Count} acknowledged orders lost or changed: {string.Join("; ", lost.Take(5))}");

            // Every unit accounted for: per SKU, reserved + sold = the units of its reserved orders; nothing oversold.
            var expected = onHand.Keys.ToDictionary(s => s, _ => 0L);
            foreach (var r in final.Where(r => r.Status == 201))
                foreach (var line in r.Order.Lines) expected[line.Sku] += line.Quantity;
            foreach (var (sku, units) in onHand)
            {
                var stock = await api.StockAsync(sku, ct);
                Assert.True(stock.Reserved + stock.Sold <= stock.OnHand, $"{sku} oversold: {stock}");
                Assert.Equal(units, stock.OnHand);
                Assert.Equal(expected[sku], stock.Reserved + stock.Sold);
                Assert.Equal(stock.OnHand - stock.Reserved - stock.Sold, stock.Available);
            }
            bed.Log($"checked: {final.Count(r => r.Status == 201)} acknowledged orders all present, hot SKU {expected[hot]} of {hotUnits} units held, none oversold");
            Assert.True(recovered < TimeSpan.FromSeconds(45), $"shards served again only {recovered.TotalSeconds:0.0} s after the kill");
        });
    }

    /// <summary>A placement's final answer (201, 409) or, past its deadline, none (status 0).</summary>
    private sealed record Placed(string Key, PlaceRequest Order, int Status, string? OrderId, int Attempts, TimeSpan Took, string Last);

    /// <summary>
    /// Places an order starting at node <paramref name="first"/> (mod count); on a lost connection, a timeout, a 5xx or a
    /// 429 it goes on to the next node with the same key, pausing briefly after each full round, for at most 40 s.
    /// </summary>
    private static async Task<Placed> PlaceWithFailoverAsync(IReadOnlyList<HttpClient> nodes, int first, string key, PlaceRequest order, Stopwatch clock, CancellationToken ct)
    {
        var started = clock.Elapsed;
        var last = "";
        for (var attempt = 1; ; attempt++)
        {
            var http = nodes[(first + attempt - 1) % nodes.Count];
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            var answer = await new EngineApi(http).PlaceAsync(key, order, timeout.Token);
            last = answer.Describe();
            if (answer.Status == 201) return new Placed(key, order, 201, answer.Order.Id, attempt, clock.Elapsed - started, last);
            if (answer.IsRejectedOrder) return new Placed(key, order, 409, answer.Problem.OrderId, attempt, clock.Elapsed - started, last);
            if (answer.Status is > 0 and < 500 and not 429) return new Placed(key, order, answer.Status, null, attempt, clock.Elapsed - started, last);
            if (clock.Elapsed - started > TimeSpan.FromSeconds(40)) return new Placed(key, order, 0, null, attempt, clock.Elapsed - started, last);
            if (attempt % nodes.Count == 0) await Task.Delay(200, ct);
        }
    }

    /// <summary>Per probed shard: the send time of its last failed probe and of the first success after it.</summary>
    private sealed record ShardOutage(TimeSpan LastFailure, TimeSpan RecoveredAt);

    /// <summary>
    /// One probe entity per shard of the stock and order regions (an unknown SKU / order: its entity answers 404), each
    /// read every 250 ms through the survivors with a 2 s timeout until stopped.
    /// </summary>
    private static async Task<Dictionary<string, ShardOutage>> ShardProbes(IReadOnlyList<HttpClient> survivors, Stopwatch clock, CancellationToken stop)
    {
        var probes = new List<(string Shard, string Path)>();
        foreach (var (region, path) in new[] { ("stock", "api/stock/"), ("order", "api/orders/") })
        {
            var seen = new HashSet<int>();
            for (var k = 0; seen.Count < ShardCount; k++)
            {
                var id = $"probe-{region}-{k}";
                if (seen.Add(Math.Abs(Akka.Util.MurmurHash.StringHash(id)) % ShardCount)) probes.Add(($"{region}/{seen.Count}", path + id));
            }
        }

        var outcome = new ConcurrentDictionary<string, ShardOutage>();
        await Task.WhenAll(probes.Select((p, i) => Task.Run(async () =>
        {
            var state = new ShardOutage(TimeSpan.Zero, TimeSpan.Zero);
            var failing = false;
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var sent = clock.Elapsed;
                var ok = false;
                try
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
                    timeout.CancelAfter(TimeSpan.FromSeconds(2));
                    using var response = await survivors[(i + n) % survivors.Count].GetAsync(p.Path, timeout.Token);
                    ok = (int)response.StatusCode is 200 or 404;
                }
                catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
                {
                    if (stop.IsCancellationRequested) break;
                }

                if (!ok) { state = state with { LastFailure = sent }; failing = true; }
                else if (failing) { state = state with { RecoveredAt = sent }; failing = false; }
                try { await Task.Delay(250, stop); } catch (OperationCanceledException) { break; }
            }

            outcome[p.Shard] = failing ? state with { RecoveredAt = clock.Elapsed } : state;
        }))).ConfigureAwait(false);
        return new Dictionary<string, ShardOutage>(outcome);
    }

    /// <summary>
    /// Sets a SKU's stock (version 1), trying again on a 503 or a lost answer for up to 30 s: the first requests of a new
    /// cluster on a loaded machine can wait out the ask timeout. A retry of a count that was applied is refused (same
    /// version), so success is the stock showing the count.
    /// </summary>
    private static async Task SetStockAsync(EngineApi api, string sku, long units, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var set = await api.SetStockAsync(sku, units, 1, ct);
            if (set.Status == 200) return;
            var read = await api.GetStockAsync(sku, ct);
            if (read.Status == 200 && read.Stock.OnHand == units) return;
            Assert.True(set.Status is 0 or 503 or 409 && clock.Elapsed < TimeSpan.FromSeconds(30), $"setting the stock of {sku}: {set}");
            await Task.Delay(250, ct);
        }
    }

    private static async Task<(long OnHand, long Held)> ReadUnits(EngineApi api, string sku, CancellationToken ct)
    {
        var stock = await api.StockAsync(sku, ct);
        return (stock.OnHand, stock.Reserved + stock.Sold);
    }

    private static async Task<Answer> WaitForAsync(Func<Task<Answer>> call, Func<Answer, bool> done, TimeSpan within, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var answer = await call();
            if (done(answer) || clock.Elapsed > within) return answer;
            await Task.Delay(250, ct);
        }
    }
}
