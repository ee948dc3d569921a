using System.Globalization;
using OrderEngine.LoadTests.Cli;
using OrderEngine.LoadTests.Core;
using OrderEngine.LoadTests.Reporting;

namespace OrderEngine.LoadTests.Scenarios;

/// <summary>
/// A marketplace peak, like pg-baseline's marketplace_uniform / marketplace_zipf: --skus SKUs (100,000) with ample
/// stock, each order 1-3 lines of quantity 1-3, SKUs drawn uniformly or Zipf(--zipf-s). A SKU drawn twice for one
/// order gets one line with the summed quantity (the engine refuses duplicate lines; the units asked are the same
/// as the baseline's). Reports accepted orders/s.
/// </summary>
public sealed class Marketplace : Scenario
{
    private readonly int _skus;
    private readonly string _dist;
    private readonly double _zipfS;
    private readonly long _stock;
    private readonly int _maxLines;
    private readonly int _maxQuantity;
    private readonly int _firstSku;
    private readonly ZipfSampler _sampler;

    public Marketplace(RunOptions run, Args args) : base(run)
    {
        _skus = args.Int("skus", 100_000, 1, 10_000_000);
        _dist = args.String("dist", "uniform");
        if (_dist is not ("uniform" or "zipf")) throw new UsageException("--dist: uniform or zipf");
        _zipfS = args.Double("zipf-s", 1.1, 0.01, 10);
        _stock = args.Long("stock", 1_000_000, 1, 1_000_000_000_000);
        _maxLines = args.Int("max-lines", 3, 1, 100);
        _maxQuantity = args.Int("max-qty", 3, 1, 10_000);
        _sampler = new ZipfSampler(_skus, _dist == "zipf" ? _zipfS : 0);
        _firstSku = Catalog.Count;
        for (var i = 1; i <= _skus; i++) Catalog.Add($"{run.RunId}-m{i.ToString(CultureInfo.InvariantCulture)}", _stock);
    }

    public override string Name => "marketplace";

    public override IReadOnlyDictionary<string, string> Parameters => new Dictionary<string, string>
    {
        ["skus"] = _skus.ToString(CultureInfo.InvariantCulture),
        ["dist"] = _dist,
        ["zipf-s"] = _dist == "zipf" ? ParameterFormat.Of(_zipfS) : "-",
        ["stock"] = _stock.ToString(CultureInfo.InvariantCulture),
        ["lines"] = $"1-{_maxLines}",
        ["qty"] = $"1-{_maxQuantity}",
        ["hottest SKU share"] = ParameterFormat.Of(Math.Round(_sampler.Probability(0), 5)),
    };

    public override IRequestSource CreateSource(int stream, EngineHttp http) => new Source(this, http, stream);

    private sealed class Source(Marketplace m, EngineHttp http, int stream)
        : OrderSource(http, m.Run.RunId, "m", stream, m.Run.Seed, "marketplace")
    {
        private readonly OrderLine[] _lines = new OrderLine[m._maxLines];

        public override LoadRequest Next()
        {
            var wanted = Random.Next(1, m._maxLines + 1);
            var n = 0;
            for (var i = 0; i < wanted; i++)
                n = AddLine(_lines, n, m._firstSku + m._sampler.Next(Random), Random.Next(1, m._maxQuantity + 1));
            return Order(_lines.AsSpan(0, n), m.Catalog);
        }
    }

    public override string Summarize(RunReport report, RunResult result)
    {
        var m = result.Metrics;
        var seconds = Math.Max(result.Measure.Seconds, 1e-9);
        var ordersPerSecond = m.Count(OutcomeClass.Accepted) / seconds;
        var attemptsPerSecond = m.Completed / seconds;
        var touched = result.Figures.Count(f => f.Index >= _firstSku && f.Index < _firstSku + _skus);
        report.Figures["orders_per_s"] = Math.Round(ordersPerSecond, 1);
        report.Figures["skus_touched"] = touched;
        report.Figures["units_accepted"] = result.Figures.Where(f => f.Index >= _firstSku).Sum(f => f.Accepted);
        var all = LatencySummary.From("all", m.AllHistogram);
        var errors = m.Count(OutcomeClass.OtherStatus) + m.Failed;
        return string.Create(CultureInfo.InvariantCulture,
            $"orderengine marketplace dist={_dist}{(_dist == "zipf" ? "(" + ParameterFormat.Of(_zipfS) + ")" : "")} skus={_skus} {Run.LoadLabel} " +
            $"seconds={seconds:0.#}: orders/s={ordersPerSecond:0} attempts/s={attemptsPerSecond:0} refused={m.Count(OutcomeClass.Refused)} " +
            $"errors={errors}{Runner.NotSentNote(m)} oversell={Runner.OversellVerdict(result.Checks)} check={Runner.CheckVerdict(result.Checks)} latency: {all.Brief()}");
    }
}
