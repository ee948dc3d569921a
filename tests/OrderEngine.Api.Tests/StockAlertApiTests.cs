using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Stock;
using OrderEngine.Testing;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests;

/// <summary>
/// Low-stock alerts and replenishment over HTTP: PUT /api/stock/{sku}/alert and /replenishment, GET /api/alerts,
/// GET /api/replenishment, and stock.low sent to a webhook subscriber once. The sales the rate of sale and the velocity
/// are measured from are written to the read-side contract's sales_by_sku table directly.
/// </summary>
public sealed class StockAlertApiTests(WebhookEngineFixture engine) : IClassFixture<WebhookEngineFixture>, IAsyncLifetime
{
    private readonly HttpClient _client = engine.Client;

    private JournalDatabase Database => engine.Services.GetRequiredService<JournalDatabase>();

    private static int Today => StockAlertStore.DayOf(DateTimeOffset.UtcNow);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task Sale(int day, string sku, int units)
    {
        await using var connection = await Database.OpenAsync(CancellationToken.None);
        await ContractReadTables.SaleAsync(connection, day, sku, "EUR", units);
    }

    private async Task Level(string sku, long onHand)
    {
        await using var connection = await Database.OpenAsync(CancellationToken.None);
        await ContractReadTables.LevelAsync(connection, sku, onHand, 0, 0);
    }

    private Task<HttpResponseMessage> PutAlert(string sku, object body) => _client.PutAsJsonAsync($"/api/stock/{sku}/alert", body);

    private async Task<List<JsonElement>> Alerts(string query)
    {
        using var response = await _client.GetAsync("/api/alerts" + query);
        await ExpectStatus(response, HttpStatusCode.OK);
        return [.. (await Body(response)).GetProperty("alerts").EnumerateArray()];
    }

    private async Task SellReserved(string sku, int count)
    {
        for (var i = 0; i < count; i++) await _client.PlaceReservedOrder(Line(sku, 1, 2m));
    }

    [Fact]
    public async Task A_threshold_is_set_shown_in_the_stock_view_and_the_alert_listed_once_then_gone_after_replenishment()
    {
        var sku = Sku("alert");
        await _client.SetStock(sku, 20);
        using (var put = await PutAlert(sku, new { below = 5 }))
        {
            await ExpectStatus(put, HttpStatusCode.OK);
            var view = await Body(put);
            Assert.Equal((5, false), (view.GetProperty("lowStockBelow").GetInt64(), view.GetProperty("lowStock").GetBoolean()));
        }
        using (var get = await _client.GetAsync($"/api/stock/{sku}")) Assert.Equal(5, (await Body(get)).GetProperty("lowStockBelow").GetInt64());
        await Sale(Today - 1, sku, 14); // 14 units in the 7-day window: 2 a day

        await SellReserved(sku, 16);

        var alert = Assert.Single(await Eventually(() => Alerts($"?sku={sku}"), a => a.Count == 1 && a[0].GetProperty("available").GetInt64() == 4,
            TimeSpan.FromSeconds(15), "one open alert"));
        Assert.Equal("open", alert.GetProperty("state").GetString());
        Assert.Equal((4, 5), (alert.GetProperty("availableWhenRaised").GetInt64(), alert.GetProperty("threshold").GetInt64()));
        Assert.Equal(2m, alert.GetProperty("unitsSoldPerDay").GetDecimal());
        Assert.Equal(2m, alert.GetProperty("daysOfCover").GetDecimal());
        Assert.Contains(await Alerts(""), a => a.GetProperty("sku").GetString() == sku);
        using (var get = await _client.GetAsync($"/api/stock/{sku}")) Assert.True((await Body(get)).GetProperty("lowStock").GetBoolean());

        using (var adjusted = await _client.Adjust(sku, 10, "received", "adj-" + sku)) await ExpectStatus(adjusted, HttpStatusCode.OK);

        await Eventually(() => Alerts($"?sku={sku}"), a => a.Count == 0, TimeSpan.FromSeconds(15), "no open alert after replenishment");
        var cleared = Assert.Single(await Alerts($"?sku={sku}&state=all"));
        Assert.Equal("cleared", cleared.GetProperty("state").GetString());
        Assert.True(cleared.TryGetProperty("clearedAt", out _));
    }

    [Fact]
    public async Task Stock_low_is_delivered_once_to_a_subscriber_however_many_sales_follow()
    {
        await using var subscriber = new WebhookSubscriber();
        var subscription = await subscriber.SubscribeAsync(_client, "stock.low", "stock.low-cleared");
        var sku = Sku("wh-low");
        await _client.SetStock(sku, 13);
        using (var put = await PutAlert(sku, new { below = 10 })) await ExpectStatus(put, HttpStatusCode.OK);

        await SellReserved(sku, 8); // 12 … 5 available: below 10 from the fourth sale on
        using (var adjusted = await _client.Adjust(sku, 20, "received", "adj-" + sku)) await ExpectStatus(adjusted, HttpStatusCode.OK);

        bool Of(ReceivedWebhook r, string type) => r.Type == type && r.Data.GetProperty("sku").GetString() == sku;
        await subscriber.EventuallyAsync(r => r.Any(w => Of(w, "stock.low-cleared")) && r.Any(w => Of(w, "stock.low")), "stock.low and stock.low-cleared");
        // Everything before the clearing in the journal is in the outbox by now; wait until none of it is still pending.
        await Eventually(async () =>
        {
            using var response = await _client.GetAsync($"/api/webhooks/deliveries?subscriptionId={subscription}&status=pending");
            return (await Body(response)).GetProperty("deliveries").GetArrayLength();
        }, n => n == 0, TimeSpan.FromSeconds(15), "no pending delivery");

        var low = Assert.Single(subscriber.Received, r => Of(r, "stock.low"));
        Assert.True(low.SignatureValid);
        Assert.Equal((9, 10), (low.Data.GetProperty("available").GetInt64(), low.Data.GetProperty("threshold").GetInt64()));
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(low.Body).RootElement.GetProperty("orderId").ValueKind);
        var cleared = Assert.Single(subscriber.Received, r => Of(r, "stock.low-cleared"));
        Assert.Equal(25, cleared.Data.GetProperty("available").GetInt64());
    }

    [Fact]
    public async Task Replenishment_gives_velocity_safety_stock_reorder_point_and_quantity_fewest_days_of_cover_first()
    {
        var weekly = Sku("repl-weekly");
        var unstocked = Sku("repl-unstocked");
        var idle = Sku("repl-idle");
        await _client.SetStock(weekly, 100);
        await _client.SetStock(idle, 7);
        using (var put = await _client.PutAsJsonAsync($"/api/stock/{weekly}/replenishment", new { leadTimeDays = 4, serviceLevel = 0.95m, reviewDays = 7 }))
        {
            await ExpectStatus(put, HttpStatusCode.OK);
            Assert.Equal(4, (await Body(put)).GetProperty("replenishment").GetProperty("leadTimeDays").GetInt32());
        }
        await Level(weekly, 100);
        await Level(idle, 7);
        // A week ending 2020-03-07 (a day no other test sells on): 10, 12, 8, 10, 10, 14, 6 units.
        var last = new DateOnly(2020, 3, 7).DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;
        long[] week = [10, 12, 8, 10, 10, 14, 6];
        for (var i = 0; i < 7; i++) await Sale(last - 6 + i, weekly, (int)week[i]);
        await Sale(last, unstocked, 3);

        var report = await Eventually(async () =>
        {
            using var response = await _client.GetAsync("/api/replenishment?window=7&asOf=2020-03-07&limit=1000");
            await ExpectStatus(response, HttpStatusCode.OK);
            return await Body(response);
        }, r => r.GetProperty("items").EnumerateArray().Any(i => i.GetProperty("sku").GetString() == weekly && i.GetProperty("leadTimeDays").GetInt32() == 4),
            TimeSpan.FromSeconds(10), "the report with the SKU's own settings (projected from its stock events)");

        Assert.Equal(("2020-03-01", "2020-03-07", 7), (report.GetProperty("from").GetString(), report.GetProperty("to").GetString(), report.GetProperty("window").GetInt32()));
        var items = report.GetProperty("items").EnumerateArray().ToList();
        var withSales = items.Where(i => i.TryGetProperty("daysOfCover", out _)).Select(i => i.GetProperty("sku").GetString()).ToList();
        Assert.Equal([unstocked, weekly], withSales.Where(s => s == unstocked || s == weekly));
        Assert.True(items.FindIndex(i => i.GetProperty("sku").GetString() == weekly) < items.FindIndex(i => i.GetProperty("sku").GetString() == idle),
            "a SKU without sales comes after the SKUs with sales");

        // By hand (docs/reports.md): velocity 10/day, σ = √(40/6) = 2.582; safety = ⌈1.645 × 2.582 × √4⌉ = 9;
        // reorder point = 10 × 4 + 9 = 49; suggested = 49 + 10 × 7 − 100 = 19; cover = 100 / 10 = 10 days.
        var w = items.Single(i => i.GetProperty("sku").GetString() == weekly);
        Assert.Equal((true, 100L, 70L), (w.GetProperty("stocked").GetBoolean(), w.GetProperty("available").GetInt64(), w.GetProperty("unitsSold").GetInt64()));
        Assert.Equal((10m, 2.582, 4, 7, 0.95m), (w.GetProperty("velocity").GetDecimal(), Math.Round(w.GetProperty("dailyStdDev").GetDouble(), 3),
            w.GetProperty("leadTimeDays").GetInt32(), w.GetProperty("reviewDays").GetInt32(), w.GetProperty("serviceLevel").GetDecimal()));
        Assert.Equal((9L, 49L, 19L, 10m, false), (w.GetProperty("safetyStock").GetInt64(), w.GetProperty("reorderPoint").GetInt64(),
            w.GetProperty("suggestedQuantity").GetInt64(), w.GetProperty("daysOfCover").GetDecimal(), w.GetProperty("reorder").GetBoolean()));

        // Not stocked: nothing available, so it is ordered at once; the defaults apply (7 days lead and review).
        var u = items.Single(i => i.GetProperty("sku").GetString() == unstocked);
        Assert.Equal((false, 0L, 0m, 7, true), (u.GetProperty("stocked").GetBoolean(), u.GetProperty("available").GetInt64(),
            u.GetProperty("daysOfCover").GetDecimal(), u.GetProperty("leadTimeDays").GetInt32(), u.GetProperty("reorder").GetBoolean()));

        using var one = await _client.GetAsync($"/api/replenishment?sku={idle}&window=7&asOf=2020-03-07");
        var only = Assert.Single((await Body(one)).GetProperty("items").EnumerateArray());
        Assert.Equal((0m, 0L, 0L), (only.GetProperty("velocity").GetDecimal(), only.GetProperty("reorderPoint").GetInt64(), only.GetProperty("suggestedQuantity").GetInt64()));
        Assert.False(only.TryGetProperty("daysOfCover", out _));
    }

    /// <summary>A bad request and the fields its validation problem must name (none: any problem of the accepted types).</summary>
    public sealed record Case(string Name, HttpMethod Method, string Path, string? Body, HttpStatusCode Status, string[] Types, string[]? Fields = null);

    private static IEnumerable<Case> Corpus(string sku)
    {
        Case PutAlertCase(string name, string body, params string[] fields) =>
            new(name, HttpMethod.Put, $"/api/stock/{sku}/alert", body, HttpStatusCode.BadRequest, ["invalid"], fields.Length == 0 ? null : fields);
        Case MalformedAlert(string name, string body) =>
            new(name, HttpMethod.Put, $"/api/stock/{sku}/alert", body, HttpStatusCode.BadRequest, ["malformed-request", "invalid"]);
        Case PutSettings(string name, string body, params string[] fields) =>
            new(name, HttpMethod.Put, $"/api/stock/{sku}/replenishment", body, HttpStatusCode.BadRequest, ["invalid"], fields);
        Case MalformedSettings(string name, string body) =>
            new(name, HttpMethod.Put, $"/api/stock/{sku}/replenishment", body, HttpStatusCode.BadRequest, ["malformed-request", "invalid"]);
        Case Get(string name, string path, params string[] fields) => new(name, HttpMethod.Get, path, null, HttpStatusCode.BadRequest, ["invalid"], fields);

        return
        [
            PutAlertCase("no threshold", "{}", "below"),
            PutAlertCase("a null threshold", """{"below":null}""", "below"),
            PutAlertCase("a negative threshold", """{"below":-1}"""),
            PutAlertCase("a threshold over the largest count", """{"below":1000000000001}"""),
            MalformedAlert("a fractional threshold", """{"below":1.5}"""),
            MalformedAlert("a threshold as a string", """{"below":"5"}"""),
            MalformedAlert("a threshold beyond a long", """{"below":1e30}"""),
            MalformedAlert("truncated JSON", """{"below":"""),
            MalformedAlert("an empty body", ""),
            MalformedAlert("a JSON array", "[5]"),
            new("an invalid SKU in the path", HttpMethod.Put, "/api/stock/bad!sku/alert", """{"below":5}""", HttpStatusCode.BadRequest, ["invalid"], ["sku"]),
            new("an unknown SKU", HttpMethod.Put, "/api/stock/never-stocked-xyz/alert", """{"below":5}""", HttpStatusCode.NotFound, ["unknown-sku"]),
            PutSettings("a negative lead time", """{"leadTimeDays":-1}""", "leadTimeDays"),
            PutSettings("a lead time over a year", """{"leadTimeDays":366}""", "leadTimeDays"),
            PutSettings("a service level of 1", """{"serviceLevel":1}""", "serviceLevel"),
            PutSettings("a service level below one half", """{"serviceLevel":0.3}""", "serviceLevel"),
            PutSettings("a service level with five decimals", """{"serviceLevel":0.95001}""", "serviceLevel"),
            PutSettings("a negative safety stock", """{"safetyStock":-5}""", "safetyStock"),
            PutSettings("both a service level and a safety stock", """{"serviceLevel":0.95,"safetyStock":5}""", "safetyStock"),
            PutSettings("a negative review period", """{"reviewDays":-1}""", "reviewDays"),
            PutSettings("everything wrong", """{"leadTimeDays":-1,"serviceLevel":2,"reviewDays":999}""", "leadTimeDays", "serviceLevel", "reviewDays"),
            MalformedSettings("a lead time as a string", """{"leadTimeDays":"7"}"""),
            MalformedSettings("a fractional lead time", """{"leadTimeDays":2.5}"""),
            MalformedSettings("a JSON null body", "null"),
            new("settings for an unknown SKU", HttpMethod.Put, "/api/stock/never-stocked-xyz/replenishment", """{"leadTimeDays":3}""", HttpStatusCode.NotFound, ["unknown-sku"]),
            Get("alerts of an invalid SKU", "/api/alerts?sku=bad!sku", "sku"),
            Get("alerts of an empty SKU", "/api/alerts?sku=", "sku"),
            Get("alerts in an unknown state", "/api/alerts?state=closed", "state"),
            Get("alerts in state OPEN", "/api/alerts?state=OPEN", "state"),
            Get("alerts with limit 0", "/api/alerts?limit=0", "limit"),
            Get("alerts with a negative limit", "/api/alerts?limit=-1", "limit"),
            Get("alerts with a limit too large", "/api/alerts?limit=1001", "limit"),
            Get("alerts with a limit that is no number", "/api/alerts?limit=many", "limit"),
            Get("alerts with a limit beyond an int", "/api/alerts?limit=99999999999", "limit"),
            Get("replenishment over 0 days", "/api/replenishment?window=0", "window"),
            Get("replenishment over more than a year", "/api/replenishment?window=367", "window"),
            Get("replenishment over a window that is no number", "/api/replenishment?window=4w", "window"),
            Get("replenishment over a fractional window", "/api/replenishment?window=7.5", "window"),
            Get("replenishment as of an impossible date", "/api/replenishment?asOf=2026-13-01", "asOf"),
            Get("replenishment as of a word", "/api/replenishment?asOf=yesterday", "asOf"),
            Get("replenishment as of a time", "/api/replenishment?asOf=2026-01-01T00:00:00Z", "asOf"),
            Get("replenishment as of before 1970", "/api/replenishment?asOf=1969-12-31", "asOf"),
            Get("replenishment of an invalid SKU", "/api/replenishment?sku=bad!sku", "sku"),
            Get("replenishment with limit 0", "/api/replenishment?limit=0", "limit"),
            Get("replenishment with everything wrong", "/api/replenishment?window=-3&asOf=x&limit=x&sku=%20", "window", "asOf", "limit", "sku"),
            new("deleting the alerts", HttpMethod.Delete, "/api/alerts", null, HttpStatusCode.MethodNotAllowed, ["method-not-allowed"]),
        ];
    }

    [Fact]
    public async Task Every_bad_request_is_a_problem_and_changes_neither_the_stock_nor_the_alerts()
    {
        var sku = Sku("alert-bad");
        await _client.SetStock(sku, 3);
        using (var put = await PutAlert(sku, new { below = 5 })) await ExpectStatus(put, HttpStatusCode.OK);
        using (var put = await _client.PutAsJsonAsync($"/api/stock/{sku}/replenishment", new { leadTimeDays = 2 })) await ExpectStatus(put, HttpStatusCode.OK);
        await Eventually(() => Alerts($"?sku={sku}"), a => a.Count == 1, TimeSpan.FromSeconds(15), "the alert");
        async Task<string> State()
        {
            using var stock = await _client.GetAsync($"/api/stock/{sku}");
            return await stock.Content.ReadAsStringAsync() + "\n" + JsonSerializer.Serialize(await Alerts($"?sku={sku}&state=all"));
        }
        var before = await State();

        foreach (var c in Corpus(sku))
        {
            using var request = new HttpRequestMessage(c.Method, c.Path) { Content = c.Body is null ? null : Json(c.Body) };
            using var response = await _client.SendAsync(request);
            try
            {
                if (c.Fields is { } fields) await AssertValidationProblem(response, fields);
                else await AssertProblem(response, c.Status, requireDetail: true, c.Types);
            }
            catch (Exception e)
            {
                Assert.Fail($"{c.Name}: {e.Message}");
            }
            Assert.True(before == await State(), $"{c.Name} changed the stock or its alert");
        }
    }
}
