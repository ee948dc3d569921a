using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static OrderEngine.Api.Tests.Api;
using static OrderEngine.Api.Tests.ChannelTestKit;

namespace OrderEngine.Api.Tests.Security;

/// <summary>
/// Cancel, stock writes and quarantine retries are attributed to the caller's credentials (a stored key named "ann"
/// is key:ann), shown in the order's timeline, the SKU's last change and the quarantine listing; a body naming someone
/// else is ignored.
/// </summary>
public sealed class OperatorAttributionTests(EngineFixture engine) : IClassFixture<EngineFixture>
{
    private readonly HttpClient _admin = engine.Client;

    private HttpClient As(string roles, string name) => TestCredentials.Send(engine.CreateAnonymousClient(), engine.Services, roles, name);

    [Fact]
    public async Task A_cancel_is_attributed_to_the_callers_key_in_the_timeline_not_to_the_body()
    {
        var sku = Sku("attr-cancel");
        await _admin.SetStock(sku, 10);
        var (id, _) = await _admin.PlaceReservedOrder(Line(sku, 1, 10m));
        using var ann = As("operator", "ann");

        using var cancelled = await ann.PostAsJsonAsync($"/api/orders/{id}/cancel", new { reason = "changed my mind", by = "mallory", @operator = "mallory" });

        await ExpectStatus(cancelled, HttpStatusCode.OK);
        Assert.Equal("cancelled", (await Body(cancelled)).Status());
        var timeline = (await _admin.GetFromJsonAsync<JsonElement>($"/api/orders/{id}/events")).EnumerateArray().ToList();
        var entry = Assert.Single(timeline, e => e.GetProperty("type").GetString() == "order.cancelled");
        Assert.Equal("key:ann", entry.GetProperty("by").GetString());
        Assert.DoesNotContain(timeline, e => e.GetRawText().Contains("mallory", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Setting_and_adjusting_stock_is_attributed_to_the_callers_key_in_the_stock_view_not_to_the_body()
    {
        var sku = Sku("attr-stock");
        using var ann = As("warehouse", "ann");
        using var bob = As("warehouse", "bob");

        using var set = await ann.PutAsJsonAsync($"/api/stock/{sku}", new { onHand = 10, version = 1, by = "mallory" });
        await ExpectStatus(set, HttpStatusCode.OK);
        var afterSet = (await Body(set)).GetProperty("lastChange");
        Assert.Equal("key:ann", afterSet.GetProperty("by").GetString());
        Assert.Equal("on hand set to 10 (version 1)", afterSet.GetProperty("summary").GetString());

        using var adjusted = await bob.PostAsJsonAsync($"/api/stock/{sku}/adjustments",
            new { delta = -2, reason = "damaged", note = "dropped", adjustmentId = "adj-" + Guid.NewGuid().ToString("N")[..8], by = "mallory" });
        await ExpectStatus(adjusted, HttpStatusCode.OK);
        Assert.Equal("key:bob", (await Body(adjusted)).GetProperty("lastChange").GetProperty("by").GetString());

        var read = await _admin.GetFromJsonAsync<JsonElement>($"/api/stock/{sku}");
        Assert.Equal(8, read.GetProperty("onHand").GetInt64());
        var last = read.GetProperty("lastChange");
        Assert.Equal("key:bob", last.GetProperty("by").GetString());
        Assert.StartsWith("on hand adjusted by -2 (damaged", last.GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.String, last.GetProperty("at").ValueKind);
        Assert.DoesNotContain("mallory", read.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_other_warehouse_writes_are_attributed_to_the_callers_key()
    {
        var sku = Sku("attr-settings");
        await _admin.SetStock(sku, 10);
        using var ann = As("warehouse", "ann");

        (string Path, object Body, string Summary)[] writes =
        [
            ($"/api/stock/{sku}/limit", new { perCustomer = 2, by = "mallory" }, "purchase limit set to 2 per customer"),
            ($"/api/stock/{sku}/alert", new { below = 3, by = "mallory" }, "low-stock threshold set to 3"),
            ($"/api/stock/{sku}/replenishment", new { leadTimeDays = 5, by = "mallory" }, "replenishment settings set"),
        ];
        foreach (var (path, body, summary) in writes)
        {
            using var response = await ann.PutAsJsonAsync(path, body);
            await ExpectStatus(response, HttpStatusCode.OK);
            var read = await _admin.GetFromJsonAsync<JsonElement>($"/api/stock/{sku}");
            Assert.Equal("key:ann", read.GetProperty("lastChange").GetProperty("by").GetString());
            Assert.Equal(summary, read.GetProperty("lastChange").GetProperty("summary").GetString());
        }
    }

    [Fact]
    public async Task A_quarantine_retry_is_attributed_to_the_callers_key_in_the_quarantine_listing()
    {
        var channel = "q-attr-" + Guid.NewGuid().ToString("N")[..8];
        var sku = Sku("attr-q");
        await _admin.SetStock(sku, 10);
        var line = NdjsonRecord("a-1", channel, sku, 0, 2.00m); // quantity 0: quarantined
        var fed = Assert.Single((await _admin.Feed(channel, Ndjson(line))).Records);
        Assert.Equal("quarantined", fed.Outcome());
        var id = fed.Str("quarantineId");
        Assert.Null(Assert.Single(await _admin.Quarantine(channel)).OptStr("retriedBy"));
        using var ann = As("operator", "ann");
        using var bob = As("operator", "bob");

        // Retried as stored, still refused: it stays in quarantine, with who tried.
        using (var refused = await ann.PostAsJsonAsync($"/api/channels/{channel}/quarantine/{id}/retry", new { payload = (string?)null, by = "mallory" }))
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var tried = Assert.Single(await _admin.Quarantine(channel));
        Assert.Equal("key:ann", tried.Str("retriedBy"));
        Assert.Equal(JsonValueKind.String, tried.GetProperty("retriedAt").ValueKind);

        // Retried corrected by someone else: taken in, resolved, and the listing names the last one who retried it.
        using (var taken = await bob.PostAsJsonAsync($"/api/channels/{channel}/quarantine/{id}/retry",
                   new { payload = line.Replace("\"quantity\":0", "\"quantity\":1", StringComparison.Ordinal), by = "mallory" }))
            await ExpectStatus(taken, HttpStatusCode.OK);
        var resolved = Assert.Single(await _admin.Quarantine(channel, includeResolved: true));
        Assert.Equal("key:bob", resolved.Str("retriedBy"));
        Assert.Equal(resolved.GetProperty("resolvedAt").GetDateTimeOffset(), resolved.GetProperty("retriedAt").GetDateTimeOffset());
        Assert.DoesNotContain("mallory", resolved.GetRawText(), StringComparison.Ordinal);
    }
}
