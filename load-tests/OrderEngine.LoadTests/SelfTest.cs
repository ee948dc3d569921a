using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using OrderEngine.LoadTests.Cli;
using OrderEngine.LoadTests.Core;
using OrderEngine.LoadTests.Reporting;
using OrderEngine.LoadTests.Scenarios;
using OrderEngine.LoadTests.Scenarios.Rush;

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
        static SkuFigures Left(long setUp, long onHand, long reserved, long sold, long accepted, long mayLeave) =>
            new(0, "s-1", setUp, accepted, 0, new StockView("s-1", onHand, reserved, sold, onHand - reserved - sold, 1), 200, null, mayLeave);
        Expect("units that left with a courier (onHand and sold down by them) pass both rules", Rules(Left(100, 97, 2, 0, 5, 3)).Length == 0);
        Expect("...but more units gone than may have left fails 'onHand as set up'", Rules(Left(100, 95, 2, 0, 5, 3)).SequenceEqual([InvariantRules.OnHandAsSet]));
        Expect("...and units that left without an accepted order behind them fail the ledger", Rules(Left(100, 97, 2, 0, 2, 3)).SequenceEqual([InvariantRules.LedgerMatches]));
        Expect("without units allowed to leave, a lower onHand is not counted as taken", Rules(Left(100, 97, 2, 0, 5, 0)).SequenceEqual([InvariantRules.OnHandAsSet, InvariantRules.LedgerMatches]));
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

        foreach (var (name, ok) in RushCases()) Expect("rush: " + name, ok);

        Console.WriteLine($"{passed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    /// <summary>
    /// The restaurant rush's pure parts: geohash cells, movement toward a point at a speed, the order rate profile and
    /// its Poisson stream, the time-scaled engine settings, and the dispatch invariant checker on hand-made end states
    /// that break one rule each.
    /// </summary>
    private static IEnumerable<(string Name, bool Ok)> RushCases()
    {
        static bool Near(double a, double b, double tolerance) => Math.Abs(a - b) <= tolerance;
        var paris = new MapPoint(48.8566, 2.3522);
        yield return ("geohash of a known point (57.64911,10.40744) is u4pruydqqvj; Paris at 5 is u09tv",
            RushGeo.Geohash(new MapPoint(57.64911, 10.40744), 11) == "u4pruydqqvj" && RushGeo.Geohash(paris, 5) == "u09tv");
        var cell = RushGeo.Cell(paris, 5);
        var corners = new[] { (-1.5, -1.5), (-1.5, 1.5), (1.5, -1.5), (1.5, 1.5) }.Select(c => RushGeo.Geohash(RushGeo.Offset(cell.Centre, c.Item1, c.Item2), 5)).Distinct().ToList();
        yield return ($"a 3 km square centred on its geohash-5 cell ({cell.WidthKm:0.00} x {cell.HeightKm:0.00} km) lies in that one cell",
            corners.SequenceEqual([cell.Hash]));
        var twin = RushGeo.Cell(new MapPoint(paris.Latitude, paris.Longitude + 3), 5);
        yield return ("the twin city is another cell on the same row (same latitude: the same layout in km)", twin.Hash != cell.Hash && Near(twin.Centre.Latitude, cell.Centre.Latitude, 1e-12));
        var offset = RushGeo.Offset(paris, 1, 2);
        yield return ("a point 1 km east and 2 km north is sqrt(5) km away", Near(RushGeo.DistanceKm(paris, offset), Math.Sqrt(5), Math.Sqrt(5) * 0.005));

        var a = paris;
        var b = RushGeo.Offset(paris, 1, 0);
        var (p1, arrived1) = RushGeo.MoveToward(a, b, RushGeo.KmIn(450, 2)); // 0.25 km in 2 s at 450 km/h
        yield return ("moving 2 s at 450 km/h toward a point 1 km away covers 0.25 km on the line and does not arrive",
            !arrived1 && Near(RushGeo.DistanceKm(a, p1), 0.25, 0.001) && Near(RushGeo.DistanceKm(p1, b), 0.75, 0.001));
        var (p2, arrived2) = RushGeo.MoveToward(p1, b, RushGeo.KmIn(450, 10));
        yield return ("moving farther than the target stops exactly on it", arrived2 && p2 == b);
        var (p3, arrived3) = RushGeo.MoveToward(a, b, 0);
        yield return ("no time, no movement", !arrived3 && p3 == a);
        var steps = 0;
        var at = a;
        for (var arrived = false; !arrived && steps < 10_000; steps++) (at, arrived) = RushGeo.MoveToward(at, b, RushGeo.KmIn(450, 0.1));
        yield return ($"1 km at 450 km/h in 0.1 s steps takes 8 s (took {steps} steps)", steps is 80 or 81);
        var diagonal = RushGeo.Offset(paris, 3, -4); // 5 km away
        var (p4, _) = RushGeo.MoveToward(paris, diagonal, 1);
        yield return ("a move stays on the straight line (1 km along a 5 km diagonal leaves 4 km)", Near(RushGeo.DistanceKm(p4, diagonal), 4, 0.01) && Near(RushGeo.DistanceKm(paris, p4), 1, 0.01));

        var profile = new RateProfile(4, 40, TimeSpan.FromSeconds(100));
        yield return ("rate profile: base at the ends, peak at the middle, linear between, zero outside",
            profile.RateAt(0) == 4 && profile.RateAt(50) == 40 && profile.RateAt(100) == 4 && Near(profile.RateAt(25), 22, 1e-9) && Near(profile.RateAt(75), 22, 1e-9)
            && profile.RateAt(-1) == 0 && profile.RateAt(101) == 0 && Near(profile.ExpectedCount, 2200, 1e-9));
        var stream = profile.Arrivals(new Random(7));
        var thirds = new[] { stream.Count(t => t < 100 / 3.0), stream.Count(t => t >= 100 / 3.0 && t < 200 / 3.0), stream.Count(t => t >= 200 / 3.0) };
        // Expected per third: the area under the rate over it, 533, 1133, 533 (sd ~23, ~34).
        yield return ($"Poisson stream: {stream.Count} arrivals (expected 2200), thirds {thirds[0]}/{thirds[1]}/{thirds[2]} (expected 533/1133/533), sorted, within the run",
            Math.Abs(stream.Count - 2200) < 200 && Math.Abs(thirds[0] - 533) < 100 && Math.Abs(thirds[1] - 1133) < 140 && Math.Abs(thirds[2] - 533) < 100
            && stream.SequenceEqual(stream.Order()) && stream.All(t => t is >= 0 and <= 100));
        yield return ("Poisson stream: the same seed gives the same stream, another seed another", profile.Arrivals(new Random(7)).SequenceEqual(stream) && !profile.Arrivals(new Random(8)).SequenceEqual(stream));
        var flat = new RateProfile(10, 10, TimeSpan.FromSeconds(200)).Arrivals(new Random(3));
        var gaps = flat.Zip(flat.Skip(1), (x, y) => y - x).ToList();
        yield return ($"Poisson stream at a flat 10/s: mean gap {gaps.Average():0.000}s (0.1), gaps spread like an exponential's (sd {Math.Sqrt(gaps.Select(g => (g - gaps.Average()) * (g - gaps.Average())).Average()):0.000})",
            Near(gaps.Average(), 0.1, 0.01) && Near(Math.Sqrt(gaps.Select(g => (g - gaps.Average()) * (g - gaps.Average())).Average()), 0.1, 0.015));

        var env = new TimeScale(30).EngineEnvironment(3, 5).ToDictionary(e => e.Name, e => e.Value);
        yield return ("time scale 30: bike 450 km/h, car 900, promise slack 10/30 min, batching 5/30, offer timeout as given",
            env["OrderEngine__Dispatch__Vehicles__bike__SpeedKmh"] == "450" && env["OrderEngine__Dispatch__Vehicles__car__SpeedKmh"] == "900"
            && env["OrderEngine__Dispatch__PromiseSlackMinutes"] == "0.333333" && env["OrderEngine__Dispatch__BatchMaxDelayMinutes"] == "0.166667"
            && env["OrderEngine__Dispatch__OfferTimeoutSeconds"] == "3" && env["OrderEngine__Dispatch__ZonePrecision"] == "5");
        yield return ("percentiles (nearest rank) and the shared decision draw",
            Percentiles.Of(Enumerable.Range(1, 100).Select(i => (double)i).ToList(), 50) == 50 && Percentiles.Of(Enumerable.Range(1, 100).Select(i => (double)i).ToList(), 99) == 99
            && Percentiles.Of([], 50) is null && Draw.Unit(42, 1, 2, 3) == Draw.Unit(42, 1, 2, 3) && Draw.Unit(42, 1, 2, 3) != Draw.Unit(42, 1, 2, 4)
            && Near(Enumerable.Range(0, 20_000).Average(i => Draw.Unit(5, i)), 0.5, 0.01) && Enumerable.Range(0, 20_000).All(i => Draw.Unit(5, i) is >= 0 and < 1));

        // The invariant checker: a consistent end state, then one broken rule at a time.
        CourierSnapshot K(string id, int capacity, params (string Order, string Status)[] held) => new(id, capacity, held.Select(h => new HeldDelivery(h.Order, h.Status)).ToList());
        ZoneSnapshot Z(IReadOnlyList<ZoneCourier>? couriers = null, IReadOnlyList<string>? waiting = null, IReadOnlyList<ZoneAssignment>? assigned = null) =>
            new("u09tv", couriers ?? [new ZoneCourier("k1", 1, 2), new ZoneCourier("k2", 1, 2)], waiting ?? ["o3"], ["o4"], assigned ?? [new ZoneAssignment("o1", "k1"), new ZoneAssignment("o2", "k2")]);
        var couriers = new[] { K("k1", 2, ("o1", "assigned")), K("k2", 2, ("o2", "pickedUp")) };
        var paid = new List<PaidOrder>
        {
            new("o1", "paid", "assigned", false), new("o2", "paid", "pickedUp", false), new("o3", "paid", "awaitingCourier", false),
            new("o4", "paid", "awaitingCourier", false), new("o5", "paid", "delivered", false), new("o6", "refunded", "kitchenRejected", true),
        };
        static string[] Broken(List<CheckResult> checks) => checks.Where(c => !c.Passed).Select(c => c.Name).ToArray();
        var good = RushInvariants.Check("", couriers, [Z()], paid);
        var fates = RushInvariants.Classify(couriers, [Z()], paid);
        yield return ("invariants: a consistent end state passes all three, each order classified",
            Broken(good).Length == 0 && good.Count == 3 && fates["o1"] == PaidOrderFate.Assigned && fates["o3"] == PaidOrderFate.Queued && fates["o4"] == PaidOrderFate.Queued
            && fates["o5"] == PaidOrderFate.Delivered && fates["o6"] == PaidOrderFate.Refunded);
        yield return ("invariants: an order two couriers hold fails 'no order held by two couriers' only",
            Broken(RushInvariants.Check("", [K("k1", 2, ("o1", "assigned")), K("k2", 2, ("o2", "pickedUp"), ("o1", "assigned"))], [Z()], paid)).SequenceEqual([RushInvariants.SingleHolder]));
        yield return ("invariants: a zone naming another holder than the courier's own view fails it too",
            Broken(RushInvariants.Check("", couriers, [Z(assigned: [new ZoneAssignment("o1", "k1"), new ZoneAssignment("o2", "k1")])], paid)).SequenceEqual([RushInvariants.SingleHolder]));
        yield return ("invariants: a courier holding more than its capacity fails 'no courier over capacity' only",
            Broken(RushInvariants.Check("", [K("k1", 1, ("o1", "assigned"), ("o3", "assigned")), K("k2", 2, ("o2", "pickedUp"))], [Z()], paid)).SequenceEqual([RushInvariants.Capacity]));
        yield return ("invariants: a zone showing a load over capacity fails it too",
            Broken(RushInvariants.Check("", couriers, [Z(couriers: [new ZoneCourier("k1", 3, 2)])], paid)).SequenceEqual([RushInvariants.Capacity]));
        var lost = paid.Append(new PaidOrder("o7", "paid", "awaitingCourier", false)).ToList();
        var lostCheck = RushInvariants.Check("", couriers, [Z()], lost);
        yield return ("invariants: a paid order nobody holds, not waiting, not delivered, not refunded fails 'every paid order ...' only, naming it",
            Broken(lostCheck).SequenceEqual([RushInvariants.Accounted]) && lostCheck.Single(c => !c.Passed).Examples[0].StartsWith("o7", StringComparison.Ordinal));
        var flaggedZone = Z() with { Flagged = ["o7"] };
        yield return ("invariants: an order the zone flagged (courier offline after pickup) is accounted for, as flagged",
            Broken(RushInvariants.Check("", couriers, [flaggedZone], lost)).Length == 0 && RushInvariants.Classify(couriers, [flaggedZone], lost)["o7"] == PaidOrderFate.Flagged);
        yield return ("invariants: a picked-up delivery the zone lists under another courier is a double holding",
            Broken(RushInvariants.Check("", couriers, [Z(assigned: [new ZoneAssignment("o1", "k1"), new ZoneAssignment("o2", "k3")])], paid)).SequenceEqual([RushInvariants.SingleHolder]));
        yield return ("invariants: a cancelled order without a refund is not 'refunded'",
            Broken(RushInvariants.Check("", couriers, [Z()], paid.Append(new PaidOrder("o8", "cancelled", null, false)).ToList())).SequenceEqual([RushInvariants.Accounted]));
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
