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
/// selling (requests completed up to the last sale) and, separately, of the refusals after the sell-out.
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
        _afterSellout = args.Duration("after-sellout", TimeSpan.FromSeconds(3));
        _sku = Catalog.Add($"{run.RunId}-flash", _units);
    }

    public override string Name => "flash-sale";

    public override IReadOnlyDictionary<string, string> Parameters => new Dictionary<string, string>
    {
        ["units"] = _units.ToString(CultureInfo.InvariantCulture),
        ["after-sellout"] = ParameterFormat.Of(_afterSellout),
        ["sku"] = Catalog.Name(_sku),
    };

    public override IRequestSource CreateSource(int stream, EngineHttp http) => new Source(this, http, stream);

    private sealed class Source : OrderSource
    {
        private readonly byte[] _body;
        private readonly OrderLine[] _lines;

        public Source(FlashSale sale, EngineHttp http, int stream)
            : base(http, sale.Run.RunId, "f", stream, sale.Run.Seed, "flash")
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
        report.Throughput["units_per_s"] = Math.Round(unitsPerSecond, 1);

        var errors = result.Metrics.Count(OutcomeClass.OtherStatus) + result.Metrics.Failed;
        return string.Create(inv,
            $"orderengine flash-sale {Run.LoadLabel} units={_units}: sold={AcceptedTotal} units/s={unitsPerSecond:0} attempts/s={attemptsPerSecond:0} " +
            $"errors={errors}{Runner.NotSentNote(result.Metrics)} oversell={Runner.OversellVerdict(result.Checks)} check={Runner.CheckVerdict(result.Checks)} latency(while selling): {whileSelling.Brief()} " +
            $"rejections(after sell-out): {afterSellout.Brief()}");
    }
}
