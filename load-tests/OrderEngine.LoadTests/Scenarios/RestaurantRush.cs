using System.Globalization;
using OrderEngine.LoadTests.Cli;
using OrderEngine.LoadTests.Core;
using OrderEngine.LoadTests.Reporting;

namespace OrderEngine.LoadTests.Scenarios;

/// <summary>
/// A lunch rush across --outlets restaurants, each with a menu of about --menu dishes (SKUs) and limited portions
/// of each (about --portions). Orders are small (1 to --max-lines dishes of one outlet, 1 to --max-qty portions
/// each) and come in waves: every --wave the full load runs for --burst, then drops to --trough of it (fewer
/// active clients in the closed loop, a lower rate in the open loop). Busy outlets and popular dishes follow Zipf
/// laws (--outlet-s, --dish-s), so popular dishes run out and later orders for them are refused (409).
/// </summary>
public sealed class RestaurantRush : Scenario
{
    private readonly int _outlets;
    private readonly int _menu;
    private readonly int _portions;
    private readonly int _maxLines;
    private readonly int _maxQuantity;
    private readonly TimeSpan _wave;
    private readonly TimeSpan _burst;
    private readonly double _trough;
    private readonly double _outletS;
    private readonly double _dishS;
    private readonly int[][] _menus; // outlet → its dishes' SKU indexes, most popular first
    private readonly ZipfSampler _outletSampler;
    private readonly Dictionary<int, ZipfSampler> _dishSamplers = [];
    private readonly int _firstSku;
    private readonly int _skuCount;

    public RestaurantRush(RunOptions run, Args args) : base(run)
    {
        _outlets = args.Int("outlets", 200, 1, 1_000_000);
        _menu = args.Int("menu", 30, 1, 1_000);
        _portions = args.Int("portions", 40, 1, 1_000_000);
        _maxLines = args.Int("max-lines", 4, 1, 100);
        _maxQuantity = args.Int("max-qty", 2, 1, 1_000);
        _wave = args.Duration("wave", TimeSpan.FromSeconds(10));
        _burst = args.Duration("burst", TimeSpan.FromSeconds(3));
        _trough = args.Double("trough", 0.15, 0.001, 1);
        _outletS = args.Double("outlet-s", 0.6, 0, 10);
        _dishS = args.Double("dish-s", 1.0, 0, 10);
        if (_wave <= TimeSpan.Zero || _burst <= TimeSpan.Zero || _burst > _wave) throw new UsageException("need 0 < --burst <= --wave");

        // The menus and portions are drawn from the seed, so a run can be repeated exactly.
        var random = new Random(run.Seed);
        _menus = new int[_outlets][];
        _firstSku = Catalog.Count;
        for (var o = 0; o < _outlets; o++)
        {
            var size = Math.Max(1, _menu + random.Next(-_menu / 6, _menu / 6 + 1));
            var dishes = new int[size];
            for (var d = 0; d < size; d++)
            {
                var portions = Math.Max(1, random.Next(_portions / 2, _portions * 3 / 2 + 1));
                dishes[d] = Catalog.Add($"{run.RunId}-r{o.ToString(CultureInfo.InvariantCulture)}-{d.ToString(CultureInfo.InvariantCulture)}", portions);
            }
            _menus[o] = dishes;
            if (!_dishSamplers.ContainsKey(size)) _dishSamplers[size] = new ZipfSampler(size, _dishS);
        }
        _skuCount = Catalog.Count - _firstSku;
        _outletSampler = new ZipfSampler(_outlets, _outletS);
    }

    public override string Name => "restaurant-rush";

    public override IReadOnlyDictionary<string, string> Parameters => new Dictionary<string, string>
    {
        ["outlets"] = _outlets.ToString(CultureInfo.InvariantCulture),
        ["menu"] = $"~{_menu} dishes per outlet ({_skuCount} SKUs)",
        ["portions"] = $"~{_portions} per dish ({Enumerable.Range(_firstSku, _skuCount).Sum(Catalog.OnHand)} in all)",
        ["lines"] = $"1-{_maxLines}",
        ["qty"] = $"1-{_maxQuantity}",
        ["wave"] = $"{ParameterFormat.Of(_burst)} at full load every {ParameterFormat.Of(_wave)}, {ParameterFormat.Of(_trough)} of it in between",
        ["outlet-s"] = ParameterFormat.Of(_outletS),
        ["dish-s"] = ParameterFormat.Of(_dishS),
    };

    public override double LoadFactor(TimeSpan sinceStart) =>
        sinceStart.Ticks % _wave.Ticks < _burst.Ticks ? 1.0 : _trough;

    public override IRequestSource CreateSource(int stream, EngineHttp http) => new Source(this, http, stream);

    private sealed class Source(RestaurantRush r, EngineHttp http, int stream)
        : OrderSource(http, r.Run.RunId, "r", stream, r.Run.Seed, "restaurant")
    {
        private readonly OrderLine[] _lines = new OrderLine[r._maxLines];

        public override LoadRequest Next()
        {
            var menu = r._menus[r._outletSampler.Next(Random)];
            var dishes = r._dishSamplers[menu.Length];
            var wanted = Random.Next(1, r._maxLines + 1);
            var n = 0;
            for (var i = 0; i < wanted; i++) n = AddLine(_lines, n, menu[dishes.Next(Random)], Random.Next(1, r._maxQuantity + 1));
            return Order(_lines.AsSpan(0, n), r.Catalog);
        }
    }

    public override string Summarize(RunReport report, RunResult result)
    {
        var m = result.Metrics;
        var seconds = Math.Max(result.Measure.Seconds, 1e-9);
        var accepted = m.Count(OutcomeClass.Accepted);
        var refused = m.Count(OutcomeClass.Refused);
        var ordersPerSecond = accepted / seconds;
        var attemptsPerSecond = m.Completed / seconds;
        var refusedShare = m.Completed > 0 ? 100.0 * refused / m.Completed : 0;
        var peak = m.Series.Where(s => s.Span >= 0.5).Select(s => s.Accepted / s.Span).DefaultIfEmpty(0).Max();
        var dishes = result.Figures.Where(f => f.Index >= _firstSku && f.Index < _firstSku + _skuCount).ToList();
        var soldOut = dishes.Count(f => f.View is { Available: 0 });
        report.Figures["orders_per_s"] = Math.Round(ordersPerSecond, 1);
        report.Figures["peak_orders_per_s"] = Math.Round(peak, 1);
        report.Figures["refused_percent"] = Math.Round(refusedShare, 2);
        report.Figures["dishes_ordered"] = dishes.Count;
        report.Figures["dishes_sold_out"] = soldOut;
        report.Figures["portions_accepted"] = dishes.Sum(f => f.Accepted);
        var all = LatencySummary.From("all", m.AllHistogram);
        var errors = m.Count(OutcomeClass.OtherStatus) + m.Failed;
        return string.Create(CultureInfo.InvariantCulture,
            $"orderengine restaurant-rush outlets={_outlets} {Run.LoadLabel} seconds={seconds:0.#}: orders/s={ordersPerSecond:0} " +
            $"peak-orders/s={peak:0} attempts/s={attemptsPerSecond:0} refused={refused}({refusedShare:0.0}%) sold-out-dishes={soldOut} " +
            $"errors={errors}{Runner.NotSentNote(m)} oversell={Runner.OversellVerdict(result.Checks)} check={Runner.CheckVerdict(result.Checks)} latency: {all.Brief()}");
    }
}
