using System.Collections.Concurrent;
using System.Diagnostics;
using OrderEngine.Testing;
using Xunit.Abstractions;

namespace OrderEngine.EndToEnd.Tests;

/// <summary>
/// A database outage under load, on one node on PostgreSQL: steady placements from a few clients, PostgreSQL stopped for
/// about 10 s and started again on the same port and data. During the outage every answer is quick and is a success or a
/// 503 with Retry-After (never a 500, never a hang); readiness goes false and comes back; placements succeed again soon
/// after the return; afterwards every acknowledged order is there and no unit is sold twice.
/// </summary>
public sealed class DatabaseOutageScenarios(ITestOutputHelper output)
{
    private static readonly TimeSpan TestBudget = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(10);
    // Generous for a loaded 2-core machine (measured: a few hundred ms at most when it is not loaded); well under the
    // 10 s ask timeout that every request used to wait out.
    private static readonly TimeSpan SlowestAllowed = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan RecoveryAllowed = TimeSpan.FromSeconds(15);
    private const int Clients = 4;
    private const long OnHand = 100_000;

    private sealed record Attempt(string Key, TimeSpan StartedAt, TimeSpan Took, Answer Answer);

    [PostgresFact]
    public async Task A_database_outage_under_load_is_answered_503_fast_and_placements_resume_with_nothing_lost()
    {
        using var budget = new CancellationTokenSource(TestBudget);
        var ct = budget.Token;
        await using var postgres = await PostgresServer.StartAsync(ct);
        using var directory = new TempDirectory();
        var settings = new EngineSettings("PostgreSql", null, postgres.ConnectionString, TimeSpan.FromMinutes(10), directory.Path);
        await using var engine = await EngineProcess.StartAsync(settings, "outage", ct);
        try
        {
            var api = new EngineApi(engine.Http);
            var sku = "outage-" + Guid.NewGuid().ToString("N")[..8];
            // The first request of a fresh node starts its shards and entities: on a busy machine it may be answered 503.
            var set = await api.SetStockAsync(sku, OnHand, 1, ct);
            for (var i = 0; i < 5 && set.Status == 503; i++) set = await api.SetStockAsync(sku, OnHand, 1, ct);
            Assert.True(set.Status == 200, set.ToString());

            var clock = Stopwatch.StartNew();
            var attempts = new ConcurrentQueue<Attempt>();
            var acknowledged = new ConcurrentDictionary<string, string>(); // key -> order id
            var readiness = new ConcurrentQueue<(TimeSpan At, int Status)>();
            using var stopLoad = new CancellationTokenSource();
            var run = Guid.NewGuid().ToString("N")[..8];

            async Task PlaceLoop(int client)
            {
                for (var n = 0; !stopLoad.IsCancellationRequested; n++)
                {
                    var key = $"outage-{run}-{client}-{n}";
                    var order = new PlaceRequest("web", $"customer-{client}", EngineApi.Currency, [new(sku, 1, 1.00m)]);
                    // A 503 is retried with the same key until it is answered otherwise (or the load stops).
                    while (true)
                    {
                        var started = clock.Elapsed;
                        var answer = await api.PlaceAsync(key, order, ct);
                        attempts.Enqueue(new Attempt(key, started, clock.Elapsed - started, answer));
                        if (answer.Status is 200 or 201)
                        {
                            acknowledged[key] = answer.Order.Id;
                            break;
                        }
                        if (answer.Status != 503 || stopLoad.IsCancellationRequested) break;
                        await Task.Delay(100, ct);
                    }
                }
            }

            async Task ReadinessLoop()
            {
                while (!stopLoad.IsCancellationRequested)
                {
                    var at = clock.Elapsed;
                    try
                    {
                        using var response = await engine.Http.GetAsync("health/ready", ct);
                        readiness.Enqueue((at, (int)response.StatusCode));
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
                    {
                        readiness.Enqueue((at, 0));
                    }
                    await Task.Delay(200, ct);
                }
            }

            var load = Enumerable.Range(0, Clients).Select(c => Task.Run(() => PlaceLoop(c), ct)).Append(Task.Run(ReadinessLoop, ct)).ToArray();

            await Task.Delay(TimeSpan.FromSeconds(3), ct);
            Assert.False(attempts.IsEmpty, "no placement was answered before the outage");
            var stoppedAt = clock.Elapsed;
            await postgres.StopAsync(ct);
            var stopDone = clock.Elapsed;
            await Task.Delay(Outage - (stopDone - stoppedAt), ct);
            var restartAt = clock.Elapsed;
            await postgres.StartAgainAsync(ct);
            var backAt = clock.Elapsed; // pg_ctl -w: the server accepts connections from here on

            // Keep the load on until placements succeed again and a few seconds beyond (or the generous bound passes).
            TimeSpan? firstSuccess = null;
            while (clock.Elapsed - backAt < RecoveryAllowed + TimeSpan.FromSeconds(2))
            {
                firstSuccess ??= attempts.Where(a => a.StartedAt >= backAt && a.Answer.Status is 200 or 201).Select(a => (TimeSpan?)(a.StartedAt + a.Took)).Min();
                if (firstSuccess is { } s && clock.Elapsed - s > TimeSpan.FromSeconds(3)) break;
                await Task.Delay(200, ct);
            }
            await stopLoad.CancelAsync();
            await Task.WhenAll(load);

            var all = attempts.ToArray();
            var outage = all.Where(a => a.StartedAt >= stoppedAt && a.StartedAt < backAt).ToArray();
            var latencies = outage.Select(a => a.Took.TotalMilliseconds).Order().ToArray();
            var recovery = firstSuccess is { } f ? f - backAt : (TimeSpan?)null;
            output.WriteLine($"placements: {all.Length} answers, {acknowledged.Count} acknowledged; stop took {(stopDone - stoppedAt).TotalMilliseconds:0} ms, database away {(backAt - stoppedAt).TotalSeconds:0.0} s (pg_ctl start took {(backAt - restartAt).TotalMilliseconds:0} ms)");
            output.WriteLine($"during the outage: {outage.Length} answers ({outage.Count(a => a.Answer.Status == 503)} × 503, {outage.Count(a => a.Answer.Status is 200 or 201)} × 2xx), latency p50 {Percentile(latencies, 0.5):0} ms, p99 {Percentile(latencies, 0.99):0} ms, max {latencies.LastOrDefault():0} ms");
            output.WriteLine($"first successful placement {(recovery is { } r ? $"{r.TotalSeconds:0.00} s" : "never")} after the database accepted connections again");
            output.WriteLine("slowest answers during the outage: " + string.Join("; ", outage.OrderByDescending(a => a.Took).Take(5)
                .Select(a => $"{a.Answer.Status} in {a.Took.TotalMilliseconds:0} ms, sent at {(a.StartedAt - stoppedAt).TotalSeconds:+0.00} s")));
            var readyStates = readiness.ToArray();
            output.WriteLine($"readiness: {string.Join(", ", Transitions(readyStates).Select(t => $"{t.Status} at {(t.At - stoppedAt).TotalSeconds:+0.0;-0.0} s"))} (relative to the stop)");

            // Every answer is a success, a sold-out/refusal 409, or a 503 that says when to retry; no transport error, no 500.
            var bad = all.Where(a => a.Answer.Status is not (200 or 201 or 409 or 503) || (a.Answer.Status == 503 && string.IsNullOrEmpty(a.Answer.RetryAfter))).ToArray();
            Assert.True(bad.Length == 0, $"{bad.Length} unexpected answers, e.g. {string.Join(Environment.NewLine, bad.Take(5).Select(b => b.Key + ": " + b.Answer.Describe()))}{engine.Tail(60)}");
            Assert.True(outage.Any(a => a.Answer.Status == 503), "no request was refused during the outage");
            var slow = outage.Where(a => a.Took > SlowestAllowed).ToArray();
            Assert.True(slow.Length == 0, slow.Length == 0 ? "" : $"{slow.Length} answers during the outage took longer than {SlowestAllowed.TotalSeconds} s, slowest {slow.Max(a => a.Took).TotalSeconds:0.0} s");

            // Readiness: false during the outage, true again after it.
            Assert.Contains(readyStates, r => r.At >= stoppedAt && r.At < backAt && r.Status != 200);
            Assert.Contains(readyStates, r => r.At > backAt && r.Status == 200);
            Assert.Equal(200, (await engine.Http.GetAsync("health/ready", ct)).StatusCode is var code ? (int)code : 0);

            Assert.True(recovery is { } rec && rec <= RecoveryAllowed,
                $"placements did not succeed again within {RecoveryAllowed.TotalSeconds} s of the database's return{engine.Tail(60)}");

            // Nothing acknowledged is lost; nothing is held twice.
            foreach (var (key, id) in acknowledged)
            {
                var read = await api.GetOrderAsync(id, ct);
                Assert.True(read.Status == 200, $"acknowledged order {id} ({key}) is not readable: {read}");
            }
            // The read side resumes by itself: every projection catches up with the journal.
            var lagLimit = clock.Elapsed + TimeSpan.FromSeconds(30);
            string lastLag = "";
            while (true)
            {
                using var response = await engine.Http.GetAsync("api/projections", ct);
                lastLag = await response.Content.ReadAsStringAsync(ct);
                if (response.IsSuccessStatusCode)
                {
                    using var json = System.Text.Json.JsonDocument.Parse(lastLag);
                    if (json.RootElement.EnumerateArray().All(p => p.GetProperty("lagEvents").GetInt64() == 0)) break;
                }
                Assert.True(clock.Elapsed < lagLimit, $"the projections did not catch up within 30 s after the outage: {lastLag}");
                await Task.Delay(250, ct);
            }
            output.WriteLine($"projections caught up {(clock.Elapsed - backAt).TotalSeconds:0.0} s after the database's return: {lastLag}");

            var stock = await api.StockAsync(sku, ct);
            output.WriteLine($"stock after: {stock}");
            Assert.True(stock.Reserved + stock.Sold <= stock.OnHand, $"oversold: {stock}");
            Assert.True(stock.Reserved + stock.Sold >= acknowledged.Count, $"{acknowledged.Count} acknowledged orders but only {stock.Reserved + stock.Sold} units held: {stock}");
        }
        catch (Exception) when (!engine.HasExited)
        {
            output.WriteLine(engine.Tail(120));
            throw;
        }
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static IEnumerable<(TimeSpan At, int Status)> Transitions((TimeSpan At, int Status)[] states)
    {
        int? last = null;
        foreach (var s in states)
        {
            if (s.Status != last) yield return s;
            last = s.Status;
        }
    }
}
