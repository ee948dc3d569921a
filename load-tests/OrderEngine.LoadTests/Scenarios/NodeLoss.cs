using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrderEngine.LoadTests.Cli;

namespace OrderEngine.LoadTests.Scenarios;

/// <summary>
/// node-loss: a flash sale (one hot SKU, one unit per buyer) and marketplace orders (one to three lines over many SKUs)
/// sent round-robin to several engine nodes, each placement failing over to the next node with the same Idempotency-Key
/// on a lost connection, a timeout, a 5xx or a 429; one node killed with SIGKILL (by pid) in the middle. Reports the
/// recovery time (the longest window in which some shard of the order or stock region did not serve, from one probe
/// entity per shard read through the surviving nodes), the acknowledged orders lost, and the units oversold or
/// unaccounted for. docs/cluster.md has its figures.
/// </summary>
public static class NodeLoss
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static void PrintUsage() => Console.Error.WriteLine("""
        ... -- node-loss --urls URL1,URL2,URL3 --kill-pid PID --victim I [options]
          --urls                 the nodes' HTTP URLs (deploy/local-cluster.sh status lists them)
          --kill-pid PID         the engine process to kill with SIGKILL; --victim I (1-based) is its URL among --urls
          --kill-after 8s        when to kill it;  --duration 30s  how long the load runs
          --clients 16           closed-loop clients (each: one placement at a time, failing over across the nodes)
          --hot-units 300        units of the flash sale's SKU (a third of the placements ask for one)
          --market-skus 40       marketplace SKUs (100000 units each)
          --shards 100           the engines' OrderEngine:Cluster:ShardCount (one probe entity per shard)
          --timeout 5s           per request;  --run-id ID  SKU and key prefix (default nl<MMddHHmmss>)
        """);

    public static async Task<int> RunAsync(Args options, CancellationToken ct)
    {
        if (options.Has("help"))
        {
            PrintUsage();
            return 0;
        }
        var urls = (options.Raw("urls") ?? throw new UsageException("--urls is required")).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var killPid = options.Int("kill-pid", 0, 0);
        var victim = options.Int("victim", 0, 0, urls.Length) - 1;
        var killAfter = options.Duration("kill-after", TimeSpan.FromSeconds(8));
        var duration = options.Duration("duration", TimeSpan.FromSeconds(30));
        var clients = options.Int("clients", 16, 1, 1024);
        var hotUnits = options.Long("hot-units", 300, 1);
        var marketCount = options.Int("market-skus", 40, 1, 10_000);
        var shards = options.Int("shards", 100, 1, 100_000);
        var timeout = options.Duration("timeout", TimeSpan.FromSeconds(5));
        var runId = options.String("run-id", "nl" + DateTime.UtcNow.ToString("MMddHHmmss", CultureInfo.InvariantCulture));
        options.RejectUnknown();
        if (killPid > 0 && victim < 0) throw new UsageException("--kill-pid needs --victim I: which of --urls it serves");

        using var http = Core.EngineKey.Authorize(new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(2), MaxConnectionsPerServer = 256 })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        });
        var nodes = urls.Select(u => new Uri(u.EndsWith('/') ? u : u + "/")).ToList();
        var survivors = nodes.Where((_, i) => i != victim).ToList();
        var hot = $"{runId}-hot";
        var market = Enumerable.Range(0, marketCount).Select(i => $"{runId}-m{i:000}").ToList();
        var onHand = market.ToDictionary(s => s, _ => 100_000L);
        onHand[hot] = hotUnits;
        foreach (var (sku, units) in onHand)
        {
            var set = await SendAsync(http, nodes[0], HttpMethod.Put, $"api/stock/{sku}", new { onHand = units, version = 1 }, null, TimeSpan.FromSeconds(30), ct);
            if (set.Status != 200) throw new InvalidOperationException($"setting the stock of {sku} failed: {set.Status} {set.Body}");
        }
        Console.WriteLine($"node-loss: {nodes.Count} nodes, {clients} clients, {duration.TotalSeconds:0} s, hot SKU {hot} with {hotUnits} units, {marketCount} marketplace SKUs; " +
            (killPid > 0 ? $"SIGKILL to pid {killPid} ({urls[victim]}) at {killAfter.TotalSeconds:0.0} s" : "no kill"));

        var clock = Stopwatch.StartNew();
        using var stopProbes = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var probes = ProbeShardsAsync(http, survivors, shards, clock, stopProbes.Token);
        var results = new ConcurrentBag<Placed>();
        var workers = Enumerable.Range(0, clients).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            for (var n = 0; clock.Elapsed < duration && !ct.IsCancellationRequested; n++)
            {
                var lines = n % 3 == 0
                    ? [new Line(hot, 1, 49m)]
                    : Enumerable.Range(0, random.Next(1, 4)).Select(_ => new Line(market[random.Next(market.Count)], random.Next(1, 4), 5m)).DistinctBy(l => l.Sku).ToList();
                var order = new Order("web", $"{runId}-c{w}-{n}", "EUR", lines);
                results.Add(await PlaceAsync(http, nodes, w, $"{runId}-w{w:000}-{n:000000}", order, timeout, clock, ct));
            }
        }, ct)).ToList();

        TimeSpan? killedAt = null;
        if (killPid > 0)
        {
            await Task.Delay(killAfter, ct);
            using var process = Process.GetProcessById(killPid);
            process.Kill(); // SIGKILL on Linux
            killedAt = clock.Elapsed;
            Console.WriteLine($"  {killedAt.Value.TotalSeconds,5:0.0} s  SIGKILL to pid {killPid} with {results.Count} placements answered");
        }
        await Task.WhenAll(workers);
        var loadTime = clock.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(2), ct);
        await stopProbes.CancelAsync();
        var outages = await probes;

        // A placement without a final answer is sent again with its key, through the survivors, until it has one.
        var final = new List<Placed>();
        foreach (var r in results) final.Add(r.Status is 201 or 409 ? r : await PlaceAsync(http, survivors, 0, r.Key, r.Order, timeout, clock, ct, TimeSpan.FromSeconds(60)));

        var lost = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(final.Where(r => r.Status == 201), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct }, async (r, c) =>
        {
            var read = await SendAsync(http, survivors[0], HttpMethod.Get, $"api/orders/{r.OrderId}", null, null, TimeSpan.FromSeconds(30), c);
            if (read.Status != 200 || !read.Body.Contains("\"status\":\"reserved\"", StringComparison.Ordinal)) lost.Add($"{r.Key}: {read.Status} {read.Body}");
        });
        var expected = onHand.Keys.ToDictionary(s => s, _ => 0L);
        foreach (var r in final.Where(r => r.Status == 201))
            foreach (var line in r.Order.Lines) expected[line.Sku] += line.Quantity;
        long oversold = 0, unaccounted = 0, hotHeld = 0;
        foreach (var sku in onHand.Keys)
        {
            var read = await SendAsync(http, survivors[0], HttpMethod.Get, $"api/stock/{sku}", null, null, TimeSpan.FromSeconds(30), ct);
            var stock = JsonSerializer.Deserialize<Stock>(read.Body, Json) ?? throw new InvalidOperationException($"stock of {sku}: {read.Status} {read.Body}");
            oversold += Math.Max(0, stock.Reserved + stock.Sold - stock.OnHand);
            unaccounted += Math.Abs(stock.Reserved + stock.Sold - expected[sku]) + Math.Abs(stock.OnHand - stock.Reserved - stock.Sold - stock.Available);
            if (sku == hot) hotHeld = stock.Reserved + stock.Sold;
        }

        var hit = outages.Where(o => killedAt is { } k && o.LastFailure > k).ToList();
        var recovery = hit.Count == 0 ? TimeSpan.Zero : hit.Max(o => o.RecoveredAt) - killedAt!.Value;
        var reserved = final.Count(r => r.Status == 201);
        Console.WriteLine($"""

            | figure | value |
            |---|---|
            | placements (first answers) | {results.Count} in {loadTime.TotalSeconds:0.0} s ({results.Count / loadTime.TotalSeconds:0} /s) |
            | reserved / refused / other | {reserved} / {final.Count(r => r.Status == 409)} / {final.Count(r => r.Status is not (201 or 409))} |
            | placements that failed over at least once | {results.Count(r => r.Attempts > 1)} |
            | longest placement (with its retries) | {results.Max(r => r.Took).TotalSeconds:0.0} s |
            | recovery: kill to every shard serving again | {recovery.TotalSeconds:0.0} s ({hit.Count} of {outages.Count} probed shards were out) |
            | acknowledged orders lost | {lost.Count} |
            | units oversold | {oversold} |
            | units unaccounted for | {unaccounted} |
            | hot SKU held | {hotHeld} of {hotUnits} |
            """);
        foreach (var l in lost.Take(5)) Console.WriteLine($"  lost: {l}");
        return lost.IsEmpty && oversold == 0 && unaccounted == 0 ? 0 : 1;
    }

    private sealed record Line(string Sku, int Quantity, decimal UnitPrice);

    private sealed record Order(string Channel, string CustomerId, string Currency, List<Line> Lines);

    private sealed record Stock(string Sku, long OnHand, long Reserved, long Sold, long Available);

    private sealed record Placed(string Key, Order Order, int Status, string? OrderId, int Attempts, TimeSpan Took);

    private sealed record Answer(int Status, string Body);

    private sealed record Outage(TimeSpan LastFailure, TimeSpan RecoveredAt);

    private static async Task<Placed> PlaceAsync(HttpClient http, IReadOnlyList<Uri> nodes, int first, string key, Order order, TimeSpan timeout,
        Stopwatch clock, CancellationToken ct, TimeSpan? giveUpAfter = null)
    {
        var started = clock.Elapsed;
        for (var attempt = 1; ; attempt++)
        {
            var answer = await SendAsync(http, nodes[(first + attempt - 1) % nodes.Count], HttpMethod.Post, "api/orders", order, key, timeout, ct);
            if (answer.Status == 201) return new Placed(key, order, 201, JsonDocument.Parse(answer.Body).RootElement.GetProperty("id").GetString(), attempt, clock.Elapsed - started);
            if (answer.Status == 409 && answer.Body.Contains("\"orderId\"", StringComparison.Ordinal)) return new Placed(key, order, 409, null, attempt, clock.Elapsed - started);
            if (answer.Status is > 0 and < 500 and not 429 || clock.Elapsed - started > (giveUpAfter ?? TimeSpan.FromSeconds(40)))
                return new Placed(key, order, answer.Status, null, attempt, clock.Elapsed - started);
            if (attempt % nodes.Count == 0) await Task.Delay(200, ct);
        }
    }

    private static async Task<Answer> SendAsync(HttpClient http, Uri node, HttpMethod method, string path, object? body, string? key, TimeSpan? timeout, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, new Uri(node, path));
        if (body is not null) request.Content = JsonContent.Create(body, body.GetType(), options: Json);
        if (key is not null) request.Headers.Add("Idempotency-Key", key);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (timeout is { } t) cancel.CancelAfter(t);
        try
        {
            using var response = await http.SendAsync(request, cancel.Token);
            return new Answer((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancel.Token));
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return new Answer(0, ex.Message);
        }
    }

    /// <summary>One probe entity per shard of the stock and order regions (unknown ids: the entity answers 404), read every 250 ms.</summary>
    private static async Task<List<Outage>> ProbeShardsAsync(HttpClient http, IReadOnlyList<Uri> nodes, int shards, Stopwatch clock, CancellationToken stop)
    {
        var paths = new List<string>();
        foreach (var (region, path) in new[] { ("stock", "api/stock/"), ("order", "api/orders/") })
        {
            var seen = new HashSet<int>();
            for (var k = 0; seen.Count < shards; k++)
            {
                var id = $"probe-{region}-{k}";
                // As Akka's HashCodeMessageExtractor homes an entity: |murmur(id)| mod shard count.
                if (seen.Add(Math.Abs(Akka.Util.MurmurHash.StringHash(id)) % shards)) paths.Add(path + id);
            }
        }
        var outages = await Task.WhenAll(paths.Select((p, i) => Task.Run(async () =>
        {
            var state = new Outage(TimeSpan.Zero, TimeSpan.Zero);
            var failing = false;
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var sent = clock.Elapsed;
                Answer answer;
                try
                {
                    answer = await SendAsync(http, nodes[(i + n) % nodes.Count], HttpMethod.Get, p, null, null, TimeSpan.FromSeconds(2), stop);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    break;
                }
                if (stop.IsCancellationRequested) break;
                var ok = answer.Status is (int)HttpStatusCode.OK or (int)HttpStatusCode.NotFound;
                if (!ok) { state = state with { LastFailure = sent }; failing = true; }
                else if (failing) { state = state with { RecoveredAt = sent }; failing = false; }
                try { await Task.Delay(250, stop); } catch (OperationCanceledException) { break; }
            }
            return failing ? state with { RecoveredAt = clock.Elapsed } : state;
        }, CancellationToken.None)));
        return outages.ToList();
    }
}
