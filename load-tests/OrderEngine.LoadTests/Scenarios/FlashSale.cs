using System.Diagnostics;
using System.Globalization;
using OrderEngine.LoadTests.Cli;
using OrderEngine.LoadTests.Core;
using OrderEngine.LoadTests.Reporting;

namespace OrderEngine.LoadTests.Scenarios;

/// <summary>
/// One hot SKU with --units units; every request is an order for one unit with a fresh Idempotency-Key. The run
/// goes on until the SKU is sold out plus --after-sellout of further attempts (or --duration, whichever is first).
/// Like pg-baseline's flash_* scenarios: units/s over the selling window (first to last sale), latency while
/// selling (requests completed up to the last sale) and, separately, the refusals after the sell-out: their rate
/// (the crowd that keeps knocking once the last unit is gone) and latency. With --split-at T it also compares the
/// units/s of the first T seconds with those after T (a cold engine's first seconds against its steady rate).
/// </summary>
public sealed class FlashSale : Scenario
{
    public const string UnitsKey = "units";
    public const string AcceptedTotalKey = "accepted_total";
    public const string AttemptsKey = "attempts_resolved";
    public const string NoOversellCheck = "flash: no oversell";
    public const string TakenMatchesCheck = "flash: units taken == 201 answers";
    public const string SoldMatchesCheck = "flash: 201 answers == min(units, attempts)";

    private readonly long _units;
    private readonly TimeSpan _afterSellout;
    private readonly TimeSpan? _splitAt;
    private readonly bool _address;
    private readonly int _sku;
    private readonly RequestLog _log = new();
    private long _accepted;
    private long _refused;
    private long _soldOutTicks;
    private long _reconciledAccepted;
    private long _reconciledRefused;

    public FlashSale(RunOptions run, Args args) : base(run)
    {
        _units = args.Long("units", 10_000, 1, 1_000_000_000);
        // 5 s of refusals after the last sale: enough completions for a stable rate even at tens of thousands per second.
        _afterSellout = args.Duration("after-sellout", TimeSpan.FromSeconds(5));
        _splitAt = args.Duration("split-at");
        if (_splitAt is { } split && split <= TimeSpan.Zero) throw new UsageException("--split-at must be positive");
        // Every order with a shipping address (name, street, phone: personal data sealed per customer at rest).
        _address = args.Flag("address");
        _sku = Catalog.Add($"{run.RunId}-flash", _units);
    }

    public override string Name => "flash-sale";

    public override IReadOnlyDictionary<string, string> Parameters => new Dictionary<string, string>
    {
        ["units"] = _units.ToString(CultureInfo.InvariantCulture),
        ["after-sellout"] = ParameterFormat.Of(_afterSellout),
        ["split-at"] = _splitAt is { } split ? ParameterFormat.Of(split) : "-",
        ["address"] = _address ? "yes" : "no",
        ["sku"] = Catalog.Name(_sku),
    };

    public override IRequestSource CreateSource(int stream, EngineHttp http) => new Source(this, http, stream);

    private sealed class Source : OrderSource
    {
        private readonly byte[] _body;
        private readonly OrderLine[] _lines;

        public Source(FlashSale sale, EngineHttp http, int stream)
            : base(http, sale.Run.RunId, "f", stream, sale.Run.Seed, "flash", sale._address)
        {
            // Every order of a client is the same body (one unit at 9.99); only the Idempotency-Key differs.
            _lines = [new OrderLine(sale._sku, 1)];
            _body = Bodies.Write(CustomerId, _lines, [999], sale.Catalog);
        }

        public override LoadRequest Next() => new(HttpMethod.Post, OrdersUri, _body, NextKey(), _lines);
    }

    public override void OnOutcome(LoadRequest request, Outcome outcome)
    {
        _log.Add(outcome);
        switch (outcome.Class)
        {
            case OutcomeClass.Accepted:
                if (Interlocked.Increment(ref _accepted) >= _units) MarkSoldOut(outcome.EndTicks);
                break;
            case OutcomeClass.Refused:
                Interlocked.Increment(ref _refused);
                if (outcome.Refusal == RefusalKind.InsufficientStock) MarkSoldOut(outcome.EndTicks);
                break;
        }
    }

    private void MarkSoldOut(long ticks) => Interlocked.CompareExchange(ref _soldOutTicks, ticks, 0);

    public override long? StopAtTicks
    {
        get
        {
            var soldOut = Interlocked.Read(ref _soldOutTicks);
            return soldOut == 0 ? null : soldOut + (long)(_afterSellout.TotalSeconds * Stopwatch.Frequency);
        }
    }

    public override void OnResolved(LoadRequest request, Outcome outcome)
    {
        if (outcome.Class == OutcomeClass.Accepted) Interlocked.Increment(ref _reconciledAccepted);
        else if (outcome.Class == OutcomeClass.Refused) Interlocked.Increment(ref _reconciledRefused);
    }

    private long AcceptedTotal => Interlocked.Read(ref _accepted) + Interlocked.Read(ref _reconciledAccepted);

    private long Attempts => AcceptedTotal + Interlocked.Read(ref _refused) + Interlocked.Read(ref _reconciledRefused);

    public override void Verify(VerificationContext context)
    {
        if (context.Find(_sku) is { } figures) context.Checks.AddRange(CheckTotals(_units, AcceptedTotal, Attempts, figures));
        else context.Checks.Add(new CheckResult("flash: sale SKU read back", false, "no request reached the sale SKU", []));
    }

    /// <summary>The flash sale's own invariants; also used by `verify` on a finished run's figures.</summary>
    public static IEnumerable<CheckResult> CheckTotals(long units, long accepted201, long attempts, SkuFigures f)
    {
        var taken = f.Taken;
        yield return new CheckResult(NoOversellCheck, f.View is not null && taken <= units && f.View.OnHand == units,
            $"units taken (reserved + sold) {taken} of {units}" + (f.View is { } v && v.OnHand != units ? $", onHand is {v.OnHand}" : ""), []);
        yield return new CheckResult(TakenMatchesCheck, taken == accepted201,
            $"units taken {taken}, 201 answers {accepted201}", []);
        var expected = Math.Min(units, attempts);
        yield return new CheckResult(SoldMatchesCheck, accepted201 == expected,
            $"201 answers {accepted201}, min(units {units}, attempts {attempts}) = {expected}", []);
    }

    public override string Summarize(RunReport report, RunResult result)
    {
        var inv = CultureInfo.InvariantCulture;
        var entries = _log.Entries().ToList();
        var sales = entries.Where(e => e.Class == OutcomeClass.Accepted).ToList();
        var first = sales.Count > 0 ? sales.Min(e => e.EndTicks) : 0;
        var last = sales.Count > 0 ? sales.Max(e => e.EndTicks) : 0;
        var window = (last - first) / (double)Stopwatch.Frequency;
        var sold = sales.Count;
        var unitsPerSecond = window > 0 ? sold / window : 0;

        // pg-baseline's split: requests completed up to the last sale were made while the sale was open.
        var selling = Metrics.NewHistogram();
        var sellingAccepted = Metrics.NewHistogram();
        var after = Metrics.NewHistogram();
        var afterRefused = Metrics.NewHistogram();
        foreach (var e in entries)
        {
            var micros = Math.Min(e.LatencyMicros, Metrics.HighestMicros);
            if (sales.Count > 0 && e.EndTicks <= last)
            {
                selling.RecordValue(micros);
                if (e.Class == OutcomeClass.Accepted) sellingAccepted.RecordValue(micros);
            }
            else
            {
                after.RecordValue(micros);
                if (e.Class == OutcomeClass.Refused) afterRefused.RecordValue(micros);
            }
        }
        var whileSelling = LatencySummary.From("while selling (all completed up to the last sale)", selling);
        var afterSellout = LatencySummary.From("after sell-out: refused (409)", afterRefused);
        report.PhaseLatency =
        [
            whileSelling,
            LatencySummary.From("while selling: accepted (201)", sellingAccepted),
            LatencySummary.From("after sell-out (all)", after),
            afterSellout,
        ];

        // Refusals after the sell-out: those completed after the last sale, over the time from the last sale to the
        // last completion (the run's end); the rate the engine turns the crowd away at once nothing is left.
        var lastCompletion = entries.Count > 0 ? entries.Max(e => e.EndTicks) : 0;
        var refusalWindow = sales.Count > 0 ? (lastCompletion - last) / (double)Stopwatch.Frequency : 0;
        var refusalsPerSecond = refusalWindow > 0 ? afterRefused.TotalCount / refusalWindow : 0;

        var attemptsPerSecond = result.Metrics.Completed / Math.Max(result.Measure.Seconds, 1e-9);
        report.Figures[UnitsKey] = _units;
        report.Figures["sold_during_run"] = sold;
        report.Figures["sold_on_reconcile"] = Interlocked.Read(ref _reconciledAccepted);
        report.Figures[AcceptedTotalKey] = AcceptedTotal;
        report.Figures[AttemptsKey] = Attempts;
        report.Figures["selling_window_s"] = Math.Round(window, 3);
        report.Figures["sold_out"] = Interlocked.Read(ref _soldOutTicks) != 0 ? 1 : 0;
        var soldOutAt = Interlocked.Read(ref _soldOutTicks);
        if (soldOutAt != 0) report.Figures["sold_out_at_s"] = Math.Round((soldOutAt - result.Measure.StartTicks) / (double)Stopwatch.Frequency, 3);
        report.Figures["refusal_window_s"] = Math.Round(refusalWindow, 3);
        report.Throughput["units_per_s"] = Math.Round(unitsPerSecond, 1);
        report.Throughput["refusals_after_sellout_per_s"] = Math.Round(refusalsPerSecond, 1);
        var split = SplitNote(report, result, sales, last, lastCompletion);

        var errors = result.Metrics.Count(OutcomeClass.OtherStatus) + result.Metrics.Failed;
        return string.Create(inv,
            $"orderengine flash-sale {Run.LoadLabel} units={_units}: sold={AcceptedTotal} units/s={unitsPerSecond:0} attempts/s={attemptsPerSecond:0} " +
            $"errors={errors}{Runner.NotSentNote(result.Metrics)} oversell={Runner.OversellVerdict(result.Checks)} check={Runner.CheckVerdict(result.Checks)} latency(while selling): {whileSelling.Brief()} " +
            $"rejections(after sell-out): refusals/s={refusalsPerSecond:0} over={refusalWindow:0.0}s {afterSellout.Brief()}{split}");
    }

    /// <summary>
    /// With --split-at T: units/s over the first T seconds of the measured phase against units/s from T to the end of
    /// selling (the last sale, or the run's end while units were left), and their ratio. Empty without --split-at.
    /// </summary>
    private string SplitNote(RunReport report, RunResult result, List<RequestLog.Entry> sales, long lastSale, long lastCompletion)
    {
        if (_splitAt is not { } split) return "";
        var inv = CultureInfo.InvariantCulture;
        var start = result.Measure.StartTicks;
        var splitTicks = start + (long)(split.TotalSeconds * Stopwatch.Frequency);
        var soldOut = Interlocked.Read(ref _soldOutTicks) != 0;
        var end = soldOut ? lastSale : lastCompletion;
        var earlySeconds = (Math.Min(splitTicks, end) - start) / (double)Stopwatch.Frequency;
        var steadySeconds = (end - splitTicks) / (double)Stopwatch.Frequency;
        var early = sales.Count(e => e.EndTicks < splitTicks);
        var steady = sales.Count(e => e.EndTicks >= splitTicks);
        var earlyRate = earlySeconds > 0 ? early / earlySeconds : 0;
        var steadyRate = steadySeconds > 0 ? steady / steadySeconds : 0;
        report.Figures["split_at_s"] = split.TotalSeconds;
        report.Throughput["early_units_per_s"] = Math.Round(earlyRate, 1);
        if (steadySeconds < 1)
        {
            // Sold out before (or just after) the split: there is no steady part to compare with.
            Console.Error.WriteLine($"warning: the sale ended {-steadySeconds:0.0}s before --split-at {split.TotalSeconds:0}s; give more --units for an early/steady ratio");
            return string.Create(inv, $" split-at={split.TotalSeconds:0}s: early-units/s={earlyRate:0} steady-units/s=n/a early/steady=n/a");
        }
        var ratio = steadyRate > 0 ? earlyRate / steadyRate : 0;
        report.Throughput["steady_units_per_s"] = Math.Round(steadyRate, 1);
        report.Figures["early_over_steady"] = Math.Round(ratio, 3);
        return string.Create(inv,
            $" split-at={split.TotalSeconds:0}s: early-units/s={earlyRate:0} steady-units/s={steadyRate:0} early/steady={ratio:0.00} steady-seconds={steadySeconds:0.0}");
    }
}
