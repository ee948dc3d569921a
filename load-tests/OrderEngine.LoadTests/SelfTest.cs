using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using OrderEngine.LoadTests.Cli;
using OrderEngine.LoadTests.Core;
using OrderEngine.LoadTests.Reporting;
using OrderEngine.LoadTests.Scenarios;

namespace OrderEngine.LoadTests;

/// <summary>
/// `selftest`: the checker's rules and the generator's helpers on made-up figures, no engine needed. It proves the
/// invariant check can fail: each broken case must be reported by exactly the rule it breaks. It also feeds the raw
/// client canned answers from a local socket (framings the engine may use) and the window verdict made-up series.
/// </summary>
public static class SelfTest
{
    public static int Run()
    {
        var passed = 0;
        var failed = 0;
        void Expect(string name, bool ok)
        {
            Console.WriteLine($"{(ok ? "PASS" : "FAIL")} selftest: {name}");
            if (ok) passed++;
            else failed++;
        }
        static SkuFigures Sku(long onHand, long reserved, long sold, long accepted, long uncertain = 0, long? available = null, long? setUp = null) =>
            new(0, "s-1", setUp ?? onHand, accepted, uncertain,
                new StockView("s-1", onHand, reserved, sold, available ?? onHand - reserved - sold, 1), 200, null);
        static string[] Rules(SkuFigures f) => InvariantRules.Violations(f).Select(v => v.Rule).ToArray();

        Expect("consistent SKU passes every rule", Rules(Sku(100, 30, 20, 50)).Length == 0);
        Expect("oversold SKU (reserved + sold > onHand) fails 'no oversell'",
            Rules(Sku(100, 60, 50, 110, available: 0)).SequenceEqual([InvariantRules.NoOversell, InvariantRules.NoNegativeAvailable]));
        Expect("negative available fails 'no negative available'",
            Rules(Sku(100, 60, 50, 110)).Contains(InvariantRules.NoNegativeAvailable));
        Expect("available that is not onHand - reserved - sold fails", Rules(Sku(100, 10, 0, 10, available: 95)).SequenceEqual([InvariantRules.NoNegativeAvailable]));
        Expect("more units taken than accepted fails the ledger", Rules(Sku(100, 5, 0, 3)).SequenceEqual([InvariantRules.LedgerMatches]));
        Expect("fewer units taken than accepted fails the ledger", Rules(Sku(100, 2, 0, 3)).SequenceEqual([InvariantRules.LedgerMatches]));
        Expect("uncertain units widen the ledger's range", Rules(Sku(100, 5, 0, 3, uncertain: 2)).Length == 0);
        Expect("...but not beyond it", Rules(Sku(100, 6, 0, 3, uncertain: 2)).SequenceEqual([InvariantRules.LedgerMatches]));
        Expect("a changed onHand fails 'onHand as set up'", Rules(Sku(120, 0, 0, 0, setUp: 100)).SequenceEqual([InvariantRules.OnHandAsSet]));
        Expect("an unreadable SKU fails 'stock readable'",
            Rules(new SkuFigures(0, "s-1", 100, 0, 0, null, 404, "not found")).SequenceEqual([InvariantRules.Readable]));
        var summary = InvariantRules.Summarize([Sku(100, 30, 20, 50), Sku(100, 5, 0, 3)]);
        Expect("the summary fails exactly the broken rule",
            summary.Where(c => !c.Passed).Select(c => c.Name).SequenceEqual([InvariantRules.LedgerMatches]) && summary.Count(c => c.Passed) == 4);

        static bool AllPass(IEnumerable<CheckResult> checks) => checks.All(c => c.Passed);
        Expect("flash: sold out exactly passes", AllPass(FlashSale.CheckTotals(10, 10, 50, Sku(10, 10, 0, 10))));
        Expect("flash: fewer attempts than units passes", AllPass(FlashSale.CheckTotals(10, 4, 4, Sku(10, 4, 0, 4))));
        Expect("flash: one unit too many fails 'no oversell'",
            FlashSale.CheckTotals(10, 11, 50, Sku(10, 11, 0, 11, available: 0)).Where(c => !c.Passed).Select(c => c.Name)
                .SequenceEqual(["flash: no oversell", "flash: 201 answers == min(units, attempts)"]));
        Expect("flash: a 201 without a unit taken fails",
            FlashSale.CheckTotals(10, 10, 50, Sku(10, 9, 0, 10)).Where(c => !c.Passed).Select(c => c.Name).SequenceEqual(["flash: units taken == 201 answers"]));
        Expect("flash: refusals while units were left fail",
            FlashSale.CheckTotals(10, 9, 50, Sku(10, 9, 0, 9)).Where(c => !c.Passed).Select(c => c.Name).SequenceEqual(["flash: 201 answers == min(units, attempts)"]));

        var uniform = new ZipfSampler(4, 0);
        Expect("uniform sampler: equal probabilities", Enumerable.Range(0, 4).All(k => Math.Abs(uniform.Probability(k) - 0.25) < 1e-12));
        var zipf = new ZipfSampler(100_000, 1.1);
        var random = new Random(1);
        var hits = new int[3];
        for (var i = 0; i < 200_000; i++)
        {
            var k = zipf.Next(random);
            if (k < 3) hits[k]++;
        }
        Expect($"zipf(1.1) sampler: rank 0 drawn {hits[0] / 2000.0:0.0}% vs {zipf.Probability(0) * 100:0.0}% expected, more than rank 1 and 2",
            Math.Abs(hits[0] / 200_000.0 - zipf.Probability(0)) < 0.005 && hits[0] > hits[1] && hits[1] > hits[2]);
        Expect("durations parse", Args.ParseDuration("d", "20s") == TimeSpan.FromSeconds(20) && Args.ParseDuration("d", "500ms") == TimeSpan.FromMilliseconds(500)
            && Args.ParseDuration("d", "2m") == TimeSpan.FromMinutes(2) && Args.ParseDuration("d", "3") == TimeSpan.FromSeconds(3));

        Expect("classifier: 201 accepted, 409 sold out / unknown SKU / other, 400 other status",
            ResponseClassifier.Classify(201, default, 0, 1).Class == OutcomeClass.Accepted
            && ResponseClassifier.Classify(409, "{\"code\":\"InsufficientStock\"}"u8, 0, 1) is { Class: OutcomeClass.Refused, Refusal: RefusalKind.InsufficientStock, Error: null }
            && ResponseClassifier.Classify(409, "{\"code\":\"UnknownSku\"}"u8, 0, 1).Refusal == RefusalKind.UnknownSku
            && ResponseClassifier.Classify(409, "{}"u8, 0, 1) is { Refusal: RefusalKind.Other, Error: "{}" }
            && ResponseClassifier.Classify(400, "bad"u8, 0, 1) is { Class: OutcomeClass.OtherStatus, Status: 400 });

        foreach (var (name, ok) in RawClientCases()) Expect("raw client: " + name, ok);

        static SecondRow Second(double t, long accepted, double rss) => new(t, 1, accepted, accepted, 0, 0, 0, 0, 0, 1, 2, 3, rss, 50, 5);
        static List<SecondRow> Series(Func<int, long> accepted, Func<int, double> rss) =>
            Enumerable.Range(1, 30).Select(t => Second(t, accepted(t), rss(t))).ToList();
        var flat = Windows.Analyze(Series(_ => 100, _ => 500), TimeSpan.FromSeconds(10), 0.10);
        Expect("windows: a steady run is flat", flat.Flat == true && flat.Rows.Count == 3 && flat.Rows.All(r => r.AcceptedVsFirst == 1));
        var slower = Windows.Analyze(Series(t => t > 20 ? 85 : 100, _ => 500), TimeSpan.FromSeconds(10), 0.10);
        Expect("windows: 15% fewer orders/s in the last window is not flat", slower.Flat == false && slower.Verdict.Contains("window 3 accepted/s 0.85x", StringComparison.Ordinal));
        var growing = Windows.Analyze(Series(_ => 100, t => 500 + 5 * t), TimeSpan.FromSeconds(10), 0.10);
        Expect("windows: memory growing by a quarter is not flat", growing.Flat == false && growing.Verdict.Contains("RSS", StringComparison.Ordinal));
        var shortRun = Windows.Analyze(Series(_ => 100, _ => 500).Take(12).ToList(), TimeSpan.FromSeconds(10), 0.10);
        Expect("windows: one full window is no verdict", shortRun.Flat is null);

        Console.WriteLine($"{passed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    /// <summary>
    /// The raw client against a local socket that answers with canned bytes, each answer in several small writes (so
    /// the parser meets every framing split across reads): chunked with an extension and a trailer, Content-Length,
    /// an interim 100 Continue, a body running to the connection's close, a large body (only the start is kept),
    /// answers on one kept-alive connection, a server that closes an idle kept-alive connection, and a timeout.
    /// </summary>
    private static IEnumerable<(string Name, bool Ok)> RawClientCases()
    {
        var problem = "{\"type\":\"x\",\"lines\":[{\"code\":\"InsufficientStock\"}]}";
        var big = new string('x', 100_000);
        var answers = new Queue<(string Reply, bool Close, int DelayMs)>(
        [
            ($"HTTP/1.1 409 Conflict\r\ntransfer-encoding: chunked\r\n\r\n{problem.Length - 10:x};ext=1\r\n{problem[..^10]}\r\n{10:x}\r\n{problem[^10..]}\r\n0\r\nX-Trailer: 1\r\n\r\n", false, 0),
            ("HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}", false, 0),
            ("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nCONTENT-LENGTH: 0\r\n\r\n", false, 0),
            ($"HTTP/1.1 200 OK\r\nContent-Length: {big.Length}\r\n\r\n{big}", false, 0),
            ("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\nbusy", true, 0),
            ("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", true, 0),
            ("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", false, 0),
            ("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", false, 3000), // 3x the client's 1 s timeout: no race on a busy machine
        ]);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var server = Task.Run(async () =>
        {
            while (answers.Count > 0)
            {
                using var socket = await listener.AcceptSocketAsync().ConfigureAwait(false);
                var buffer = new byte[64 * 1024];
                while (answers.Count > 0)
                {
                    // One request: its head, then its Content-Length body.
                    var got = 0;
                    int headEnd;
                    while ((headEnd = buffer.AsSpan(0, got).IndexOf("\r\n\r\n"u8)) < 0)
                    {
                        var n = await socket.ReceiveAsync(buffer.AsMemory(got), SocketFlags.None).ConfigureAwait(false);
                        if (n == 0) break;
                        got += n;
                    }
                    if (headEnd < 0) break; // the client closed this connection
                    var head = Encoding.ASCII.GetString(buffer, 0, headEnd);
                    var length = int.Parse(head.Split("\r\n").First(l => l.StartsWith("Content-Length:", StringComparison.Ordinal))[15..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
                    while (got < headEnd + 4 + length) got += await socket.ReceiveAsync(buffer.AsMemory(got), SocketFlags.None).ConfigureAwait(false);
                    var (reply, close, delay) = answers.Dequeue();
                    if (delay > 0) await Task.Delay(delay).ConfigureAwait(false);
                    var bytes = Encoding.ASCII.GetBytes(reply);
                    for (var at = 0; at < bytes.Length; at += 7)
                    {
                        try
                        {
                            await socket.SendAsync(bytes.AsMemory(at, Math.Min(7, bytes.Length - at)), SocketFlags.None).ConfigureAwait(false);
                        }
                        catch (SocketException)
                        {
                            break; // the client gave up on this answer (the timeout case)
                        }
                        if (at % 700 == 0) await Task.Yield();
                    }
                    if (close) break;
                }
            }
        });
        using var raw = new RawHttp(new Uri($"http://127.0.0.1:{port}"), TimeSpan.FromSeconds(1));
        var request = new LoadRequest(HttpMethod.Post, new Uri($"http://127.0.0.1:{port}/api/orders"), "{\"a\":1}"u8.ToArray(), "key-1", []);
        Outcome Send() => raw.SendAsync(request, Stopwatch.GetTimestamp()).GetAwaiter().GetResult();
        var results = new List<(string, bool)>();
        var o = Send();
        results.Add(("chunked 409 with an extension and a trailer: sold out", o is { Class: OutcomeClass.Refused, Refusal: RefusalKind.InsufficientStock }));
        o = Send();
        results.Add(("Content-Length 201, same connection", o.Class == OutcomeClass.Accepted && raw.OpenConnections == 1));
        o = Send();
        results.Add(("100 Continue, then 201", o.Class == OutcomeClass.Accepted));
        o = Send();
        results.Add(("a 100 KB body is read to its end (only the start kept)", o is { Class: OutcomeClass.OtherStatus, Status: 200 } && o.Error?.Length == 600));
        o = Send();
        results.Add(("503 with Connection: close: other status, connection dropped", o is { Status: 503, Error: "busy" } && raw.OpenConnections == 0));
        o = Send();
        results.Add(("a new connection after the close", o.Class == OutcomeClass.Accepted));
        o = Send();
        results.Add(("the server closed the idle connection: sent again on a new one", o.Class == OutcomeClass.Accepted));
        o = Send();
        results.Add(("no answer within --timeout: timeout", o.Class == OutcomeClass.Timeout && raw.OpenConnections == 0));
        listener.Stop();
        try
        {
            server.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
        return results;
    }
}
