using System.Collections.Concurrent;
using System.Diagnostics;

namespace OrderEngine.LoadTests.Core;

/// <summary>The engine's figures for one SKU next to what the client expects of it.</summary>
/// <param name="ExpectedOnHand">The count the tool set up.</param>
/// <param name="Accepted">Units of this SKU in orders the engine answered 201 (during the run or when asked again).</param>
/// <param name="Uncertain">Units in orders whose outcome stayed unknown.</param>
/// <param name="MayLeave">
/// Units that may have left stock since the set-up (a restaurant delivery's dishes leave with the courier who picked them
/// up, as a shipment's units do: onHand and sold both fall). 0 for every scenario but the restaurant rush.
/// </param>
public sealed record SkuFigures(int Index, string Sku, long ExpectedOnHand, long Accepted, long Uncertain, StockView? View, int Status, string? Error, long MayLeave = 0)
{
    public long Taken => View is null ? 0 : View.Reserved + View.Sold;

    /// <summary>Units that left stock (set up minus onHand), counted only up to what may have left.</summary>
    public long Departed => View is null || MayLeave == 0 ? 0 : Math.Clamp(ExpectedOnHand - View.OnHand, 0, MayLeave);

    /// <summary>What the accepted orders took: still held (reserved + sold) or gone with a courier.</summary>
    public long Consumed => Taken + Departed;
}

/// <summary>One named check over the run, with up to ten examples of what broke it.</summary>
public sealed record CheckResult(string Name, bool Passed, string Detail, IReadOnlyList<string> Examples)
{
    public string Line => $"{(Passed ? "PASS" : "FAIL")} {Name}: {Detail}";
}

/// <summary>The rules, as pure functions of one SKU's figures (tested by the selftest command).</summary>
public static class InvariantRules
{
    public const string Readable = "stock readable";
    public const string NoOversell = "no oversell";
    public const string NoNegativeAvailable = "no negative available";
    public const string OnHandAsSet = "onHand as set up";
    public const string LedgerMatches = "reserved + sold == accepted quantities";

    /// <summary>Every rule this SKU breaks, with a description naming the figures.</summary>
    public static IEnumerable<(string Rule, string Why)> Violations(SkuFigures f)
    {
        if (f.View is not { } v)
        {
            yield return (Readable, $"{f.Sku}: GET answered {(f.Status == 0 ? f.Error : "HTTP " + f.Status)}");
            yield break;
        }
        if (v.Reserved + v.Sold > v.OnHand)
            yield return (NoOversell, $"{f.Sku}: reserved {v.Reserved} + sold {v.Sold} = {v.Reserved + v.Sold} > onHand {v.OnHand}");
        if (v.Available < 0 || v.Reserved < 0 || v.Sold < 0 || v.Available != v.OnHand - v.Reserved - v.Sold)
            yield return (NoNegativeAvailable, $"{f.Sku}: onHand {v.OnHand} reserved {v.Reserved} sold {v.Sold} available {v.Available}");
        if (v.OnHand > f.ExpectedOnHand || v.OnHand < f.ExpectedOnHand - f.MayLeave)
            yield return (OnHandAsSet, $"{f.Sku}: onHand {v.OnHand}, set up with {f.ExpectedOnHand}" + (f.MayLeave > 0 ? $" (at most {f.MayLeave} may have left with couriers)" : ""));
        if (f.Uncertain == 0 ? f.Consumed != f.Accepted : f.Consumed < f.Accepted || f.Consumed > f.Accepted + f.Uncertain)
        {
            var expected = f.Uncertain == 0 ? $"{f.Accepted}" : $"{f.Accepted}..{f.Accepted + f.Uncertain} ({f.Uncertain} uncertain)";
            var left = f.Departed > 0 ? $" + left with couriers {f.Departed}" : "";
            yield return (LedgerMatches, $"{f.Sku}: engine reserved + sold{left} = {f.Consumed}, client accepted {expected}");
        }
    }

    /// <summary>Folds the per-SKU violations into one result per rule.</summary>
    public static List<CheckResult> Summarize(IReadOnlyCollection<SkuFigures> figures)
    {
        var byRule = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var f in figures)
            foreach (var (rule, why) in Violations(f))
            {
                if (!byRule.TryGetValue(rule, out var list)) byRule[rule] = list = [];
                list.Add(why);
            }
        var n = figures.Count;
        var accepted = figures.Sum(f => f.Accepted);
        var taken = figures.Sum(f => f.Consumed);
        var departed = figures.Sum(f => f.Departed);
        CheckResult Result(string rule, string passDetail)
        {
            if (!byRule.TryGetValue(rule, out var broken)) return new CheckResult(rule, true, passDetail, []);
            return new CheckResult(rule, false, $"{broken.Count} of {n} SKUs, e.g. {broken[0]}", broken.Take(10).ToList());
        }
        return
        [
            Result(Readable, $"{n} SKUs read"),
            Result(NoOversell, $"reserved + sold <= onHand for all {n} SKUs"),
            Result(NoNegativeAvailable, $"available = onHand - reserved - sold >= 0 for all {n} SKUs"),
            Result(OnHandAsSet, departed > 0 ? $"onHand as set up on all {n} SKUs, less the {departed} units that left with couriers" : $"onHand unchanged on all {n} SKUs"),
            Result(LedgerMatches, $"{n} SKUs, {taken} units taken{(departed > 0 ? $" ({departed} of them left with couriers)" : "")} = {accepted} units in accepted orders"),
        ];
    }
}

/// <summary>
/// Reads back every touched SKU with bounded parallelism and applies <see cref="InvariantRules"/>. A rejected order
/// releases the lines it did reserve after its 409 is sent, so SKUs whose figures do not match yet are read again
/// until they do or --settle passes; an oversell seen on any read stays a failure.
/// </summary>
public static class InvariantChecker
{
    public const int MaxUnreadable = 50;

    public static async Task<(List<SkuFigures> Figures, double Seconds, double SettledAfter)> ReadAsync(
        EngineHttp http, SkuCatalog catalog, IReadOnlyList<int> skus, int parallelism, TimeSpan settle, bool quiet, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var figures = new ConcurrentDictionary<int, SkuFigures>();
        var sticky = new ConcurrentDictionary<int, SkuFigures>(); // first oversell seen per SKU
        var pending = skus;
        var unreadable = 0;
        double settledAfter = 0;
        var round = 0;
        while (true)
        {
            var done = 0;
            using var progressCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var total = pending.Count;
            var progress = quiet || total < 5000 ? Task.CompletedTask : Task.Run(async () =>
            {
                using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
                try
                {
                    while (await timer.WaitForNextTickAsync(progressCts.Token).ConfigureAwait(false))
                        Console.Error.WriteLine($"[check {Stopwatch.GetElapsedTime(started).TotalSeconds,5:0.0}s] {Volatile.Read(ref done)}/{total} SKUs read");
                }
                catch (OperationCanceledException)
                {
                }
            }, CancellationToken.None);
            await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = ct }, async (sku, token) =>
            {
                // An engine that cannot answer this many reads is down: report the rest as not read instead of waiting on each.
                var f = Volatile.Read(ref unreadable) >= MaxUnreadable
                    ? new SkuFigures(sku, catalog.Name(sku), catalog.OnHand(sku), catalog.Accepted(sku), catalog.Uncertain(sku), null, 0,
                        $"not read: {MaxUnreadable} reads had already failed", catalog.MayLeave(sku))
                    : await ReadOneAsync(http, catalog, sku, token).ConfigureAwait(false);
                if (f.View is null) Interlocked.Increment(ref unreadable);
                figures[sku] = f;
                if (f.View is { } v && (v.Reserved + v.Sold > v.OnHand || v.Available < 0)) sticky.TryAdd(sku, f);
                Interlocked.Increment(ref done);
            }).ConfigureAwait(false);
            await progressCts.CancelAsync().ConfigureAwait(false);
            await progress.ConfigureAwait(false);

            var failing = pending.Where(s => InvariantRules.Violations(figures[s]).Any()).ToList();
            if (failing.Count == 0 || Volatile.Read(ref unreadable) >= MaxUnreadable) break;
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (elapsed >= settle) break;
            round++;
            if (!quiet) Console.Error.WriteLine($"check: {failing.Count} SKUs do not match yet; reading them again (round {round})");
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct).ConfigureAwait(false);
            settledAfter = Stopwatch.GetElapsedTime(started).TotalSeconds;
            pending = failing;
        }
        foreach (var (sku, f) in sticky) figures[sku] = f;
        var list = skus.Select(s => figures[s]).ToList();
        return (list, Stopwatch.GetElapsedTime(started).TotalSeconds, settledAfter);
    }

    private static async Task<SkuFigures> ReadOneAsync(EngineHttp http, SkuCatalog catalog, int sku, CancellationToken ct)
    {
        string? error = null;
        var status = 0;
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            try
            {
                var (view, s, body) = await http.GetStockAsync(catalog.Name(sku), ct).ConfigureAwait(false);
                if (view is not null)
                    return new SkuFigures(sku, catalog.Name(sku), catalog.OnHand(sku), catalog.Accepted(sku), catalog.Uncertain(sku), view, s, null, catalog.MayLeave(sku));
                status = s;
                error = body;
                if (s != 503) break;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                status = 0;
                error = e.GetType().Name + ": " + e.Message;
            }
            await Task.Delay(200 * attempt, ct).ConfigureAwait(false);
        }
        return new SkuFigures(sku, catalog.Name(sku), catalog.OnHand(sku), catalog.Accepted(sku), catalog.Uncertain(sku), null, status, error, catalog.MayLeave(sku));
    }
}
