using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using OrderEngine.LoadTests.Cli;
using OrderEngine.LoadTests.Core;
using OrderEngine.LoadTests.Reporting;
using OrderEngine.LoadTests.Scenarios;

namespace OrderEngine.LoadTests;

/// <summary>What the measured phase produced, for a scenario's summary.</summary>
public sealed class RunResult
{
    public required PhaseResult Measure { get; init; }
    public required Metrics Metrics { get; init; }
    public required ReconcileResult Reconcile { get; init; }
    public required IReadOnlyList<SkuFigures> Figures { get; init; }
    public required IReadOnlyList<CheckResult> Checks { get; init; }
}

/// <summary>The read-back figures and the checks so far; a scenario adds its own.</summary>
public sealed class VerificationContext(SkuCatalog catalog, IReadOnlyList<SkuFigures> figures, List<CheckResult> checks, ReconcileResult reconcile)
{
    public SkuCatalog Catalog { get; } = catalog;
    public IReadOnlyList<SkuFigures> Figures { get; } = figures;
    public List<CheckResult> Checks { get; } = checks;
    public ReconcileResult Reconcile { get; } = reconcile;

    public SkuFigures? Find(int sku) => Figures.FirstOrDefault(f => f.Index == sku);
}

/// <summary>
/// One run from start to end: engine ready? → stock set-up → warm-up → measured phase → ask again about uncertain
/// outcomes → invariant check → report. Exit code 0 when every check passed, 1 when one failed, 2 when the run
/// could not be made (no engine, set-up failed).
/// </summary>
public static class Runner
{
    public const int WarmSkuCount = 16;

    public static async Task<int> RunAsync(Scenario scenario, Args args, CancellationToken ct)
    {
        var run = scenario.Run;
        var startedUtc = DateTime.UtcNow;
        var report = new RunReport
        {
            Scenario = scenario.Name,
            RunId = run.RunId,
            Url = run.Url.ToString(),
            StartedAtUtc = startedUtc.ToString("O", CultureInfo.InvariantCulture),
            Mode = run.Mode == LoadMode.Closed ? "closed" : "open",
            Clients = run.Mode == LoadMode.Closed ? run.Clients : null,
            Rate = run.Mode == LoadMode.Open ? run.Rate : null,
            MaxInFlight = run.MaxInFlight,
            Options = new SortedDictionary<string, string>(args.All.ToDictionary(), StringComparer.Ordinal),
            Parameters = new SortedDictionary<string, string>(scenario.Parameters.ToDictionary(), StringComparer.Ordinal),
        };
        if (scenario.LoadDescription is { } load)
        {
            report.Mode = load;
            report.Clients = null;
            report.Rate = null;
        }
        var cpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
        var wallStart = Stopwatch.GetTimestamp();

        using var http = new EngineHttp(run.Url, run.Connections, run.Timeout);
        var (ready, detail) = await http.ReadyAsync(ct).ConfigureAwait(false);
        if (!ready)
        {
            Console.Error.WriteLine($"error: the engine at {run.Url} is not ready ({detail}); start it first, e.g. `dotnet run --project src/OrderEngine.Api -c Release`");
            return 2;
        }
        ProcessSampler? engine = null;
        if (run.EnginePid is { } pid)
        {
            engine = new ProcessSampler(pid);
            if (!engine.Exists) Console.Error.WriteLine($"warning: no process {pid}; engine memory and CPU are not sampled");
        }

        var catalog = scenario.Catalog;
        var warmSkus = new List<int>();
        if (run.Warmup > TimeSpan.Zero)
            for (var i = 0; i < WarmSkuCount; i++) warmSkus.Add(catalog.Add($"{run.RunId}-warm-{i}", 1_000_000_000));
        catalog.Freeze();

        // 1. Stock.
        if (!run.Quiet) Console.Error.WriteLine($"setup: putting {catalog.Count} SKUs in stock (prefix {run.RunId}-, {run.SetupParallelism} in parallel)");
        var setup = await StockSetup.RunAsync(http, catalog, run.SetupParallelism, run.Quiet, ct).ConfigureAwait(false);
        report.Setup = new SetupSummary
        {
            Skus = setup.Skus,
            Seconds = Math.Round(setup.Seconds, 3),
            SkusPerSecond = Math.Round(setup.SkusPerSecond, 1),
            Retries = setup.Retries,
            Failures = setup.Failures.Take(20).ToList(),
        };
        if (!run.Quiet) Console.Error.WriteLine($"setup: {setup.Skus} SKUs in {setup.Seconds:0.00}s ({setup.SkusPerSecond:0}/s), {setup.Retries} retries, {setup.Failures.Count} failed");
        if (setup.Failures.Count > 0)
        {
            foreach (var f in setup.Failures.Take(5)) Console.Error.WriteLine("setup failed: " + f);
            return 2;
        }

        var uncertain = new ConcurrentQueue<LoadRequest>();
        using var raw = run.Client == LoadClientKind.Raw && !scenario.DrivesItsOwnLoad ? new RawHttp(run.Url, run.Timeout) : null;
        var driver = new LoadDriver(run, (ILoadClient?)raw ?? http, catalog, uncertain, engine);

        // 2. Warm-up (not measured).
        if (run.Warmup > TimeSpan.Zero && !ct.IsCancellationRequested)
        {
            var warmMetrics = new Metrics();
            var warm = await driver.RunAsync(new PhasePlan
            {
                Name = "warmup",
                Sources = stream => new WarmupSource(http, catalog, warmSkus, run.RunId, stream, run.Seed),
                Metrics = warmMetrics,
                Duration = run.Warmup,
            }, ct).ConfigureAwait(false);
            report.Warmup = new PhaseSummary
            {
                Seconds = Math.Round(warm.Seconds, 3),
                Sent = warmMetrics.Sent,
                Accepted = warmMetrics.Count(OutcomeClass.Accepted),
                Refused = warmMetrics.Count(OutcomeClass.Refused),
                Errors = warmMetrics.Count(OutcomeClass.OtherStatus) + warmMetrics.Failed,
            };
        }

        // 3. The measured phase. The generator's CPU is counted over it alone (not the set-up, warm-up or checks), so
        // CPU per request says what the load itself costs the shared cores.
        var metrics = new Metrics();
        // The read side's lag behind the journal during the load (GET /api/projections, twice a second).
        await using var lagPoller = new ProjectionLagPoller(run.Url.ToString(), TimeSpan.FromMilliseconds(500));
        var cpuAtMeasure = Process.GetCurrentProcess().TotalProcessorTime;
        var measure = scenario.DrivesItsOwnLoad
            ? await scenario.MeasureAsync(new MeasureContext(http, metrics, engine), ct).ConfigureAwait(false)
            : await driver.RunAsync(new PhasePlan
        {
            Name = scenario.Name,
            Sources = stream => scenario.CreateSource(stream, http),
            Metrics = metrics,
            Duration = run.Duration,
            Count = run.Count,
            LoadFactor = scenario.LoadFactor,
            StopAtTicks = () => scenario.StopAtTicks,
            OnOutcome = scenario.OnOutcome,
        }, ct).ConfigureAwait(false);
        var cpuNow = Process.GetCurrentProcess().TotalProcessorTime;
        var cpuUsed = cpuNow - cpuAtStart;
        var cpuMeasured = cpuNow - cpuAtMeasure;
        report.MeasureStartedAtUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - (long)Stopwatch.GetElapsedTime(measure.StartTicks).TotalMilliseconds;

        var projectionLags = await lagPoller.FinishAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        report.ProjectionLag = [.. projectionLags];

        // 4. Orders whose outcome is unknown: ask again with the same key.
        var reconcile = await Reconciler.RunAsync(http, catalog, uncertain, run.ReconcileAttempts, run.ReconcileTimeout, scenario.OnResolved, CancellationToken.None).ConfigureAwait(false);

        // 5. Invariants, through the API, for every SKU any request named.
        var touched = catalog.TouchedSkus().ToList();
        if (!run.Quiet) Console.Error.WriteLine($"check: reading {touched.Count} touched SKUs back ({run.CheckParallelism} in parallel)");
        var (figures, checkSeconds, settledAfter) = await InvariantChecker.ReadAsync(http, catalog, touched, run.CheckParallelism, run.Settle, run.Quiet, CancellationToken.None).ConfigureAwait(false);
        if (settledAfter > 0 && !run.Quiet) Console.Error.WriteLine($"check: figures read again until {settledAfter:0.0}s after the run");
        var checks = InvariantRules.Summarize(figures);
        checks.Add(reconcile.Unresolved == 0
            ? new CheckResult("every order has a known outcome", true,
                reconcile.Uncertain == 0 ? "no timeouts, transport errors or 5xx" : $"{reconcile.Uncertain} uncertain orders resolved by asking again", [])
            : new CheckResult("every order has a known outcome", false,
                $"{reconcile.Unresolved} of {reconcile.Uncertain} orders still without a definitive answer after {run.ReconcileAttempts} attempts", []));
        var context = new VerificationContext(catalog, figures, checks, reconcile);
        scenario.Verify(context);

        // 6. Report.
        report.CheckedSkus = figures.Count;
        report.CheckSeconds = Math.Round(checkSeconds, 3);
        report.Checks = checks;
        report.Passed = checks.All(c => c.Passed);
        report.Reconcile = reconcile;
        FillMeasurements(report, measure, metrics);
        report.Generator = new GeneratorSummary
        {
            Client = !scenario.DrivesItsOwnLoad ? run.ClientLabel : scenario.Name == "feed" ? "duplex (feed)" : "httpclient (" + scenario.Name + ")",
            InlineSocketCompletions = InlineCompletions.Enabled,
            CpuSeconds = Math.Round(cpuUsed.TotalSeconds, 2),
            CpuPercentOfOneCore = Math.Round(cpuUsed.TotalSeconds / Stopwatch.GetElapsedTime(wallStart).TotalSeconds * 100, 1),
            MeasuredCpuSeconds = Math.Round(cpuMeasured.TotalSeconds, 3),
            MeasuredCpuPercentOfOneCore = Math.Round(cpuMeasured.TotalSeconds / Math.Max(measure.Seconds, 1e-9) * 100, 1),
            CpuMicrosPerRequest = metrics.Completed > 0 && !scenario.DrivesItsOwnLoad
                ? Math.Round(cpuMeasured.TotalSeconds * 1e6 / metrics.Completed, 1)
                : null,
        };
        report.Machine.LoadAverageAtEnd = MachineInfo.ReadLoadAverage();
        var result = new RunResult { Measure = measure, Metrics = metrics, Reconcile = reconcile, Figures = figures, Checks = checks };
        var windows = "";
        if (run.Window is { } window)
        {
            report.Windows = Windows.Analyze(report.Series, window, run.FlatTolerance);
            windows = Windows.Brief(report.Windows);
        }
        // 429s (too many placements of one SKU in flight) are counted in errors; named here so they are not taken for failures.
        var throttled = report.StatusCodes.GetValueOrDefault("429");
        report.Summary = scenario.Summarize(report, result) + (throttled > 0 ? $" throttled-429={throttled}" : "") + windows
            + ProjectionLagPoller.Brief(projectionLags, "read-orders", "read-stock") + GeneratorNote(report.Generator);

        var baseName = ReportWriter.BaseName(report, startedUtc);
        var (md, json, _) = ReportWriter.Write(run.ReportDir, baseName, report, catalog);
        foreach (var c in checks) Console.WriteLine(c.Line);
        Console.WriteLine(report.Summary);
        Console.Error.WriteLine($"report: {md}");
        Console.Error.WriteLine($"report: {json}");
        return report.Passed ? 0 : 1;
    }

    private static void FillMeasurements(RunReport report, PhaseResult measure, Metrics m)
    {
        report.DurationSeconds = Math.Round(measure.Seconds, 3);
        report.StopReason = measure.StopReason;
        report.Counts = new CountsSummary
        {
            Sent = m.Sent,
            NotSent = m.NotSent,
            Completed = m.Completed,
            Accepted = m.Count(OutcomeClass.Accepted),
            Refused = m.Count(OutcomeClass.Refused),
            RefusedInsufficientStock = m.Refusals(RefusalKind.InsufficientStock),
            RefusedUnknownSku = m.Refusals(RefusalKind.UnknownSku),
            RefusedOther = m.Refusals(RefusalKind.Other),
            OtherStatus = m.Count(OutcomeClass.OtherStatus),
            Timeouts = m.Count(OutcomeClass.Timeout),
            TransportErrors = m.Count(OutcomeClass.TransportError),
        };
        var seconds = Math.Max(measure.Seconds, 1e-9);
        report.Throughput["attempts_per_s"] = Math.Round(m.Completed / seconds, 1);
        report.Throughput["accepted_per_s"] = Math.Round(m.Count(OutcomeClass.Accepted) / seconds, 1);
        report.Latency =
        [
            LatencySummary.From("all", m.AllHistogram),
            LatencySummary.From("accepted (201)", m.Histogram(OutcomeClass.Accepted)),
            LatencySummary.From("refused (409)", m.Histogram(OutcomeClass.Refused)),
            LatencySummary.From("other status", m.Histogram(OutcomeClass.OtherStatus)),
            LatencySummary.From("timeout", m.Histogram(OutcomeClass.Timeout)),
            LatencySummary.From("transport error", m.Histogram(OutcomeClass.TransportError)),
        ];
        report.StatusCodes = m.StatusCounts();
        report.TransportErrors = m.TransportErrors();
        report.ErrorSamples = m.ErrorSamples();
        report.Series = m.Series.ToList();
    }

    /// <summary>
    /// The oversell verdict for a summary line, as pg-baseline prints it: "none", or FOUND naming the broken stock
    /// checks (oversold, negative available, reservations that do not match the accepted orders).
    /// </summary>
    public static string OversellVerdict(IEnumerable<CheckResult> checks)
    {
        var broken = checks
            .Where(c => !c.Passed)
            .Select(c => c.Name switch
            {
                InvariantRules.NoOversell => "oversold",
                InvariantRules.NoNegativeAvailable => "negative-available",
                InvariantRules.LedgerMatches => "taken!=accepted",
                FlashSale.NoOversellCheck => "flash-oversold",
                FlashSale.TakenMatchesCheck => "flash-taken!=201s",
                FlashSale.SoldMatchesCheck => "flash-201s!=min(units,attempts)",
                _ => null,
            })
            .OfType<string>()
            .ToList();
        return broken.Count == 0 ? "none" : "FOUND(" + string.Join(",", broken) + ")";
    }

    /// <summary>
    /// " client=raw gen-us/req=12.3 gen-cpu=8.1%": the generator's CPU per completed request over the measured phase,
    /// so a reader of the summary line sees whether the generator could have been the bound.
    /// </summary>
    private static string GeneratorNote(GeneratorSummary g) => g.CpuMicrosPerRequest is { } perRequest
        ? string.Create(CultureInfo.InvariantCulture, $" client={g.Client} gen-us/req={perRequest:0.0} gen-cpu={g.MeasuredCpuPercentOfOneCore:0.0}%")
        : "";

    /// <summary>" not-sent=N" when the open loop could not send every due request (in-flight cap), else "".</summary>
    public static string NotSentNote(Metrics m) => m.NotSent > 0 ? $" not-sent={m.NotSent}" : "";

    /// <summary>PASS when every check passed, else FAIL.</summary>
    public static string CheckVerdict(IEnumerable<CheckResult> checks) => checks.All(c => c.Passed) ? "PASS" : "FAIL";
}
