using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OrderEngine.Engine.Telemetry;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests.Telemetry;

/// <summary>/metrics after placing, refusing and paying orders: OrderEngine's counters move by exactly what happened.</summary>
[Collection(TelemetryCollection.Name)]
public sealed class MetricsTests(EngineFixture engine) : IClassFixture<EngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    private const string Placed = "orderengine_orders_placed_total";
    private const string Refused = "orderengine_orders_refused_total";
    private const string Paid = "orderengine_orders_paid_total";
    private const string Made = "orderengine_reservations_made_total";
    private const string Ended = "orderengine_reservations_ended_total";

    [Fact]
    public async Task Placing_refusing_and_paying_orders_moves_the_order_and_reservation_counters_by_as_much()
    {
        var sku = Sku("metrics");
        await _client.SetStock(sku, 5);
        var before = await _client.MetricsText();

        var (first, _) = await _client.PlaceReservedOrder(Line(sku, 2, 5m));
        await _client.PlaceReservedOrder(Line(sku, 2, 5m));
        // Only one unit is left: refused, naming the line.
        using (var tooMany = await _client.PlaceOrder(NewKey(), OrderBody(Line(sku, 3, 5m))))
            await AssertProblem(tooMany, HttpStatusCode.Conflict, "lines-not-reserved", "LinesNotReserved");
        // Invalid: refused by the order's own validation.
        using (var invalid = await _client.PlaceOrder(NewKey(), OrderBody(Line(sku, 0, 5m))))
            Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        using (var pay = await _client.Pay(first, 10m, "EUR", "psp-metrics"))
            await ExpectStatus(pay, HttpStatusCode.OK);
        await _client.StockEventually(sku, s => s.Sold == 2);

        // The exporter caches a scrape for a moment: read until the figures settle, then compare exactly.
        var after = await Eventually(() => _client.MetricsText(),
            text => Scrape.Sum(text, Ended, ("how", "committed")) - Scrape.Sum(before, Ended, ("how", "committed")) >= 1
                    && Scrape.Sum(text, Paid) - Scrape.Sum(before, Paid) >= 1,
            TimeSpan.FromSeconds(10), "the scraped counters");

        double Delta(string metric, params (string, string)[] labels) => Scrape.Sum(after, metric, labels) - Scrape.Sum(before, metric, labels);
        Assert.Equal(2, Delta(Placed));
        Assert.Equal(1, Delta(Refused, ("reason", "LinesNotReserved")));
        Assert.Equal(1, Delta(Refused, ("reason", "Invalid")));
        Assert.Equal(2, Delta(Refused));
        Assert.Equal(1, Delta(Paid));
        // Two reservations written; the refused placement's reservation of 3 was refused by stock, so never made.
        Assert.Equal(2, Delta(Made));
        Assert.Equal(1, Delta(Ended, ("how", "committed")));
    }

    [Fact]
    public async Task Cancelling_an_order_counts_its_reservation_as_released()
    {
        var sku = Sku("metrics-cancel");
        await _client.SetStock(sku, 5);
        var before = await _client.MetricsText();
        var (id, _) = await _client.PlaceReservedOrder(Line(sku, 1, 5m));
        using (var cancel = await _client.Cancel(id)) await ExpectStatus(cancel, HttpStatusCode.OK);
        await _client.StockEventually(sku, s => s.Reserved == 0);

        var after = await Eventually(() => _client.MetricsText(),
            text => Scrape.Sum(text, Ended, ("how", "released")) - Scrape.Sum(before, Ended, ("how", "released")) >= 1,
            TimeSpan.FromSeconds(10), "the released reservations counter");
        Assert.Equal(1, Scrape.Sum(after, Ended, ("how", "released")) - Scrape.Sum(before, Ended, ("how", "released")));
        Assert.Equal(1, Scrape.Sum(after, Placed) - Scrape.Sum(before, Placed));
    }

    [Fact]
    public async Task The_shards_entities_and_projection_lag_gauges_are_scraped_per_region_and_projection()
    {
        var sku = Sku("metrics-gauges");
        await _client.SetStock(sku, 5);
        await _client.PlaceReservedOrder(Line(sku, 1, 5m));
        var collector = engine.Services.GetServices<IHostedService>().OfType<ClusterStatsCollector>().Single();
        await collector.RefreshAsync(CancellationToken.None);

        var text = await Eventually(() => _client.MetricsText(),
            t => Scrape.Sum(t, "orderengine_sharding_entities", ("region", "order")) >= 1,
            TimeSpan.FromSeconds(10), "the sharding gauges");
        Assert.True(Scrape.Sum(text, "orderengine_sharding_shards", ("region", "order")) >= 1, "an order shard is hosted here");
        Assert.True(Scrape.Sum(text, "orderengine_sharding_shards", ("region", "stock")) >= 1, "a stock shard is hosted here");
        Assert.True(Scrape.Sum(text, "orderengine_sharding_entities", ("region", "stock")) >= 1, "the SKU's entity is alive");
        Assert.True(Scrape.Has(text, "orderengine_projection_lag_events", ("projection", "order-deadlines")), "the orders projection's lag is reported");
        Assert.True(Scrape.Has(text, "orderengine_projection_lag_seconds"), "the lag in seconds is reported");
        // Request rate and latency per endpoint, by route template rather than raw path.
        Assert.True(Scrape.Has(text, "http_server_request_duration_seconds_count", ("http_route", "/api/orders/")), "POST /api/orders is measured by its route");
    }
}
