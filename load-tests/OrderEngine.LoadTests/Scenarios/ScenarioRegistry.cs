using OrderEngine.LoadTests.Cli;

namespace OrderEngine.LoadTests.Scenarios;

/// <summary>A scenario's name, what it does, its default --duration, and how to make it (null: not implemented yet).</summary>
public sealed record ScenarioInfo(string Name, string Summary, TimeSpan DefaultDuration, Func<RunOptions, Args, Scenario>? Create, string Options);

/// <summary>The scenarios the tool knows. A new one is a <see cref="Scenario"/> subclass plus one line here.</summary>
public static class ScenarioRegistry
{
    public static readonly IReadOnlyList<ScenarioInfo> All =
    [
        new("flash-sale", "one hot SKU, one unit per order, until sold out + --after-sellout",
            TimeSpan.FromSeconds(60), (run, args) => new FlashSale(run, args),
            "--units 10000 --after-sellout 5s [--split-at 30s] [--address]   (--duration caps the run, default 60s; --address: orders carry a shipping address with personal data)"),
        new("marketplace", "many SKUs with ample stock, 1-3 lines per order, uniform or Zipf SKU choice",
            TimeSpan.FromSeconds(20), (run, args) => new Marketplace(run, args),
            "--skus 100000 --dist uniform|zipf --zipf-s 1.1 --stock 1000000 --max-lines 3 --max-qty 3"),
        new("restaurant-rush", "dispatch rush: restaurants, couriers moving on a map, Poisson orders rising to a peak; two zones (earliest-pickup vs naive) side by side",
            TimeSpan.FromSeconds(120), (run, args) => new RestaurantRush(run, args),
            "--restaurants 20 --couriers 30 --map-km 3 --peak-rate 3 [--base-rate] --time-scale 30 --offer-timeout 3 --reject-rate 0.03 --ignore-rate 0.1 --decline-rate 0.05\n" +
            "                   --center 48.8566,2.3522 [--twin-center] --zone-precision 5 --policies earliest-pickup,naive --drain 60s --menu 12 --portions 25 --prep-minutes 12\n" +
            "                   --vehicles bike=0.5,scooter=0.3,car=0.2 --courier-poll 500ms --kitchen-poll 500ms --react 600ms [--print-engine-env]"),
        new("feed", "bulk channel ingest: an N-order NDJSON feed streamed to POST /api/channels/{channel}/feed, then fed again (all duplicates)",
            TimeSpan.FromHours(24), (run, args) => new Feed(run, args),
            "--orders 100000 --feeds 1 --skus 10000 --max-lines 3 --max-qty 3 --shortage 0 --replay on|off --sample 1000 --chunk-kb 16"),
    ];

    public static ScenarioInfo? Find(string name) => All.FirstOrDefault(s => s.Name == name);
}
