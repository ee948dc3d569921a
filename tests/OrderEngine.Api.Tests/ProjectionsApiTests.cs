using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.ReadSide;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests;

/// <summary>GET /api/projections and POST /api/projections/{name}/rebuild, with the read tables the read side builds.</summary>
public sealed class ProjectionsApiTests(EngineFixture engine) : IClassFixture<EngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    private sealed record Progress(string Name, long Offset, long LagEvents, double LagSeconds, bool Rebuildable);

    private async Task<Dictionary<string, Progress>> ProjectionsAsync()
    {
        using var response = await _client.GetAsync("/api/projections");
        await ExpectStatus(response, HttpStatusCode.OK);
        return (await Body(response)).EnumerateArray()
            .Select(p => new Progress(p.GetProperty("name").GetString()!, p.GetProperty("offset").GetInt64(), p.GetProperty("lagEvents").GetInt64(),
                p.GetProperty("lagSeconds").GetDouble(), p.GetProperty("rebuildable").GetBoolean()))
            .ToDictionary(p => p.Name);
    }

    /// <summary>Waits until both read-side projections have applied the whole journal.</summary>
    private Task<Dictionary<string, Progress>> CaughtUpAsync() =>
        Eventually(ProjectionsAsync, p => p["read-orders"].LagEvents == 0 && p["read-stock"].LagEvents == 0, TimeSpan.FromSeconds(20),
            "the read side catching up");

    /// <summary>The read tables once they stop changing (the order sagas' last events may still be on their way).</summary>
    private async Task<SortedDictionary<string, List<string>>> SettledTablesAsync()
    {
        var database = engine.Services.GetRequiredService<JournalDatabase>();
        var last = "";
        return await Eventually(async () =>
        {
            await Task.Delay(300);
            await CaughtUpAsync();
            var dump = await ReadTableDump.DumpAsync(database);
            var text = JsonSerializer.Serialize(dump);
            var stable = text == last;
            last = text;
            return (dump, stable);
        }, d => d.stable, TimeSpan.FromSeconds(20), "the read tables settling").ContinueWith(t => t.Result.dump);
    }

    [Fact]
    public async Task Every_projection_is_listed_with_its_offset_lag_and_whether_it_can_be_rebuilt()
    {
        var sku = Sku("proj-list");
        await _client.SetStock(sku, 5);

        var projections = await CaughtUpAsync();

        Assert.Superset(new HashSet<string> { "read-orders", "read-stock", "order-deadlines", "cases", "webhooks" }, projections.Keys.ToHashSet());
        Assert.True(projections["read-stock"].Rebuildable);
        Assert.True(projections["read-orders"].Rebuildable);
        Assert.False(projections["webhooks"].Rebuildable);
        Assert.True(projections["read-stock"].Offset > 0);
        Assert.Equal(0, projections["read-stock"].LagSeconds);
    }

    [Fact]
    public async Task Orders_and_stock_reach_the_read_tables_and_a_rebuild_gives_identical_tables()
    {
        var sku = Sku("proj-rebuild");
        await _client.SetStock(sku, 20);
        var (paid, _) = await _client.PlaceReservedOrder(Line(sku, 2, 3.10m));
        var (cancelled, _) = await _client.PlaceReservedOrder(Line(sku, 1, 3.10m));
        var (reserved, _) = await _client.PlaceReservedOrder(Line(sku, 4, 3.10m));
        using (var pay = await _client.Pay(paid, 6.20m, "EUR", "psp-proj")) await ExpectStatus(pay, HttpStatusCode.OK);
        using (var cancel = await _client.Cancel(cancelled)) await ExpectStatus(cancel, HttpStatusCode.OK);
        await _client.StockEventually(sku, s => s.Sold == 2 && s.Reserved == 4);

        var before = await SettledTablesAsync();
        var status = before["read_orders"].Select(r => r.Split('|')).ToDictionary(c => c[0], c => c[6]);
        Assert.Equal(("paid", "cancelled", "reserved"), (status[paid], status[cancelled], status[reserved]));
        var stock = Assert.Single(before["stock_levels"], r => r.StartsWith(sku + "|")).Split('|');
        Assert.Equal(["20", "4", "2", "14"], stock[1..5]);
        Assert.Contains(before["sales_by_sku"], r => r.Contains($"|{sku}|EUR|1|2|62000|0|0"));

        foreach (var name in new[] { "read-orders", "read-stock" })
        {
            using var response = await _client.PostAsync($"/api/projections/{name}/rebuild", null);
            await ExpectStatus(response, HttpStatusCode.Accepted);
            var body = await Body(response);
            Assert.Equal((name, "rebuilding"), (body.GetProperty("name").GetString(), body.GetProperty("status").GetString()));
        }

        Assert.Equal(before, await SettledTablesAsync());
    }

    [Theory]
    [InlineData("no-such-projection")]
    [InlineData("READ-ORDERS")]
    [InlineData("%20")]
    [InlineData("a%2Fb")]
    public async Task Rebuilding_an_unknown_projection_is_a_404_problem(string name)
    {
        using var response = await _client.PostAsync($"/api/projections/{name}/rebuild", null);

        await AssertProblem(response, HttpStatusCode.NotFound, "no-such-projection");
    }

    [Fact]
    public async Task Rebuilding_the_webhook_outbox_is_refused_with_a_409_problem()
    {
        using var response = await _client.PostAsync("/api/projections/webhooks/rebuild", null);

        await AssertProblem(response, HttpStatusCode.Conflict, "not-rebuildable");
    }

    [Fact]
    public async Task Rebuilding_with_a_wrong_method_or_path_is_not_a_server_error()
    {
        using var get = await _client.GetAsync("/api/projections/read-orders/rebuild");
        Assert.True((int)get.StatusCode is 404 or 405, $"got {(int)get.StatusCode}");
    }
}
