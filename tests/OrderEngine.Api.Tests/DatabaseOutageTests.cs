using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OrderEngine.Engine.Database;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests;

/// <summary>An engine whose database monitor probes only at start, so a test decides what it sees.</summary>
public sealed class QuietMonitorEngineFixture : EngineFixture
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["OrderEngine:Database:ProbeInterval"] = "01:00:00",
        ["OrderEngine:Database:RetryAfter"] = "00:00:02",
    };
}

/// <summary>While the node sees its database away, writes are refused 503 with Retry-After at once and readiness is false.</summary>
public sealed class DatabaseOutageTests(QuietMonitorEngineFixture engine) : IClassFixture<QuietMonitorEngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    [Fact]
    public async Task While_the_database_is_away_writes_are_refused_503_with_retry_after_reads_from_memory_answer_and_readiness_is_false()
    {
        var monitor = engine.Services.GetRequiredService<DatabaseMonitor>();
        var sku = Sku("outage");
        await _client.SetStock(sku, 10);
        Assert.Equal(new StockFigures(sku, 10, 0, 0, 10), await _client.Stock(sku));

        monitor.Report("test: the database does not answer");
        try
        {
            var key = NewKey();
            using (var refused = await _client.PlaceOrder(key, OrderBody(Line(sku, 1, 1m))))
            {
                await AssertProblem(refused, HttpStatusCode.ServiceUnavailable, "database-unavailable");
                Assert.Equal(TimeSpan.FromSeconds(2), refused.Headers.RetryAfter?.Delta);
            }
            using (var ready = await _client.GetAsync("/health/ready"))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            }
            using (var live = await _client.GetAsync("/health/live"))
            {
                Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            }
            // The SKU's entity is awake: its figures come from memory, unchanged by the refused placement.
            Assert.Equal(new StockFigures(sku, 10, 0, 0, 10), await _client.Stock(sku));

            monitor.Report(null);
            using var placed = await _client.PlaceOrder(key, OrderBody(Line(sku, 1, 1m)));
            await ExpectStatus(placed, HttpStatusCode.Created);
            using var readyAgain = await _client.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.OK, readyAgain.StatusCode);
            Assert.Equal(new StockFigures(sku, 10, 1, 0, 9), await _client.Stock(sku));
        }
        finally
        {
            monitor.Report(null);
        }
    }
}
