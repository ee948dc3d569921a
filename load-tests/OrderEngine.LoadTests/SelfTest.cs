using OrderEngine.LoadTests.Cli;
using OrderEngine.LoadTests.Core;
using OrderEngine.LoadTests.Scenarios;

namespace OrderEngine.LoadTests;

/// <summary>
/// `selftest`: the checker's rules and the generator's helpers on made-up figures, no engine needed. It proves the
/// invariant check can fail: each broken case must be reported by exactly the rule it breaks.
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

        Console.WriteLine($"{passed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }
}
