using System.Net;
using System.Text;
using System.Text.Json;

namespace OrderEngine.EndToEnd.Tests;

/// <summary>
/// The read side through the real engine process: orders placed and paid, the engine killed with kill -9 before the
/// lists were read, then search, the sales report, a low-stock alert raised and cleared, and a rebuild of the orders
/// read model that gives the same report. Each event reaches the read tables once, restart or not.
/// </summary>
public abstract partial class EngineScenarios
{
    protected async Task TheReadSideListsReportsAndAlertsWhatTheEntitiesWroteAcrossKillNineAsync()
    {
        await using var bed = await NewTestBedAsync(LongHold);
        await bed.RunAsync(async () =>
        {
            using var budget = new CancellationTokenSource(TestBudget);
            var ct = budget.Token;
            var engine = await bed.StartEngineAsync(ct);
            var api = new EngineApi(engine.Http);
            Assert.Equal(200, (await api.SetStockAsync("rs-a", 10, 1, ct)).Status);
            Assert.Equal(200, (await api.SetStockAsync("rs-b", 10, 1, ct)).Status);
            await ExpectOkAsync(engine.Http.PutAsync("api/stock/rs-a/alert", JsonBody(new { below = 5 }), ct), ct);

            var orders = new (string Id, string Customer, LineRequest[] Lines, bool Pay)[]
            {
                ("rs-o1", "rs-c1", [new("rs-a", 3, 2.00m)], true),
                ("rs-o2", "rs-c2", [new("rs-a", 3, 2.00m), new("rs-b", 1, 5.00m)], true),
                ("rs-o3", "rs-c1", [new("rs-b", 2, 5.00m)], false),
            };
            var ids = new Dictionary<string, string>();
            foreach (var (key, customer, lines, pay) in orders)
            {
                var request = new PlaceRequest("web", customer, EngineApi.Currency, lines);
                var placed = await api.PlaceAsync(key, request, ct);
                Assert.True(placed.Status == 201, placed.ToString());
                ids[key] = placed.Order.Id;
                if (pay) Assert.Equal(200, (await api.PayAsync(placed.Order.Id, request.Total, "psp-" + key, ct)).Status);
            }

            engine.Kill();
            engine = await bed.StartEngineAsync(ct);
            api = new EngineApi(engine.Http);

            // Search: by SKU, and by customer; only what was placed, each once.
            await EventuallyReadAsync(engine.Http, "api/orders?sku=rs-a", doc =>
                Ids(doc).SetEquals([ids["rs-o1"], ids["rs-o2"]]), ct);
            await EventuallyReadAsync(engine.Http, "api/orders?customerId=rs-c1", doc =>
                Ids(doc).SetEquals([ids["rs-o1"], ids["rs-o3"]]), ct);

            // Sales by SKU: the two paid orders only (rs-o3 was never paid), in exact decimals.
            var sales = await EventuallyReadAsync(engine.Http, $"api/reports/sales?groupBy=sku&currency={EngineApi.Currency}", doc =>
                Row(doc, "rs-a") is { } a && a.GetProperty("units").GetInt64() == 6 && Row(doc, "rs-b") is { } b && b.GetProperty("units").GetInt64() == 1, ct);
            Assert.Equal(12.00m, Row(sales, "rs-a")!.Value.GetProperty("revenue").GetDecimal());
            Assert.Equal(2, Row(sales, "rs-a")!.Value.GetProperty("orders").GetInt64());
            Assert.Equal(5.00m, Row(sales, "rs-b")!.Value.GetProperty("revenue").GetDecimal());

            // rs-a fell to 4 available, below its own threshold of 5: one open alert, which clears when stock comes in.
            await EventuallyReadAsync(engine.Http, "api/alerts?sku=rs-a", doc =>
                doc.GetProperty("alerts").EnumerateArray().Any(a => a.GetProperty("sku").GetString() == "rs-a"
                    && a.GetProperty("threshold").GetInt64() == 5 && a.GetProperty("available").GetInt64() == 4), ct);
            Assert.Equal(200, (await api.SetStockAsync("rs-a", 20, 2, ct)).Status);
            await EventuallyReadAsync(engine.Http, "api/alerts?sku=rs-a", doc => doc.GetProperty("alerts").GetArrayLength() == 0, ct);

            // A rebuild of the orders read model reads the journal again and gives the same report.
            await EventuallyReadAsync(engine.Http, "api/projections", doc =>
                doc.EnumerateArray().All(p => p.GetProperty("lagEvents").GetInt64() == 0), ct);
            var before = sales.GetRawText();
            using (var rebuild = await engine.Http.PostAsync("api/projections/read-orders/rebuild", null, ct))
                Assert.True(rebuild.StatusCode == HttpStatusCode.Accepted, await rebuild.Content.ReadAsStringAsync(ct));
            await EventuallyReadAsync(engine.Http, $"api/reports/sales?groupBy=sku&currency={EngineApi.Currency}", doc =>
                doc.GetRawText() == before, ct);
        });
    }

    private static HashSet<string> Ids(JsonElement doc) =>
        doc.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("orderId").GetString()!).ToHashSet();

    private static JsonElement? Row(JsonElement doc, string key)
    {
        foreach (var row in doc.GetProperty("rows").EnumerateArray())
            if (row.GetProperty("key").GetString() == key) return row;
        return null;
    }

    private static async Task<JsonElement> EventuallyReadAsync(HttpClient http, string url, Func<JsonElement, bool> done, CancellationToken ct)
    {
        while (true)
        {
            using var response = await http.GetAsync(url, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url}: {(int)response.StatusCode} {body}");
            var doc = JsonDocument.Parse(body).RootElement.Clone();
            if (done(doc)) return doc;
            await Task.Delay(200, ct);
        }
    }

    private static async Task ExpectOkAsync(Task<HttpResponseMessage> send, CancellationToken ct)
    {
        using var r = await send;
        Assert.True(r.StatusCode == HttpStatusCode.OK, $"{r.RequestMessage?.Method} {r.RequestMessage?.RequestUri}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync(ct)}");
    }

}
