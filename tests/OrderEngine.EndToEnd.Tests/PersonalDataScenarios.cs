using System.Net;
using System.Text;
using System.Text.Json;

namespace OrderEngine.EndToEnd.Tests;

/// <summary>
/// Crypto-shredding through the real engine process: customers A and B order with addresses, A's personal data is
/// erased, and A's order then reads without its name, street or phone (order, timeline) while B's is intact, stock and
/// reports are unchanged and the erasure is audited; the same holds after a kill -9 restart and a rebuild of every
/// projection from the journal.
/// </summary>
public abstract partial class EngineScenarios
{
    private static readonly string[] AdaPersonal = ["Ada Lovelace", "12 Analytical Row", "+44 20 7946 0001"];
    private static readonly string[] BobPersonal = ["Bob Babbage", "7 Difference Lane", "+33 1 2345 6789"];

    protected async Task CryptoShreddingErasesOneCustomerEverywhereAcrossRestartAndRebuildAsync()
    {
        await using var bed = await NewTestBedAsync(LongHold);
        await bed.RunAsync(async () =>
        {
            using var budget = new CancellationTokenSource(TestBudget);
            var ct = budget.Token;
            var engine = await bed.StartEngineAsync(ct);
            var api = new EngineApi(engine.Http);
            Assert.Equal(200, (await api.SetStockAsync("pd-a", 10, 1, ct)).Status);

            var ada = await PlaceWithAddressAsync(engine.Http, "pd-o-ada", "pd-ada", new
            {
                name = "Ada Lovelace", line1 = "12 Analytical Row", line2 = "Flat 3", city = "London", postalCode = "N1 9GU", country = "GB",
                phone = "+44 20 7946 0001",
            }, ct);
            var bob = await PlaceWithAddressAsync(engine.Http, "pd-o-bob", "pd-bob", new
            {
                name = "Bob Babbage", line1 = "7 Difference Lane", city = "Paris", postalCode = "75001", country = "FR", phone = "+33 1 2345 6789",
            }, ct);
            Assert.Equal(200, (await api.PayAsync(ada, 2 * 5.00m, "psp-pd-ada", ct)).Status);
            Assert.Equal(200, (await api.PayAsync(bob, 5.00m, "psp-pd-bob", ct)).Status);
            var reportUrl = $"api/reports/sales?groupBy=country&currency={EngineApi.Currency}";
            var report = await EventuallyReadAsync(engine.Http, reportUrl, doc => Row(doc, "GB") is not null && Row(doc, "FR") is not null, ct);
            var adaBefore = JsonDocument.Parse(await GetTextAsync(engine.Http, $"api/orders/{ada}", ct)).RootElement;
            Assert.Equal("Ada Lovelace", adaBefore.GetProperty("shippingAddress").GetProperty("name").GetString());
            var adaStatus = adaBefore.GetProperty("status").GetString()!;
            // A complaint case on each order, with a customer's message: their texts go with the customer's key.
            await OpenCaseWithMessageAsync(engine.Http, "pd-case-ada", ada, AdaCaseTexts, ct);
            await OpenCaseWithMessageAsync(engine.Http, "pd-case-bob", bob, BobCaseTexts, ct);

            using (var erase = await engine.Http.DeleteAsync("api/customers/pd-ada/personal-data", ct))
            {
                var body = await erase.Content.ReadAsStringAsync(ct);
                Assert.True(erase.StatusCode == HttpStatusCode.OK, body);
                Assert.Equal(1, JsonDocument.Parse(body).RootElement.GetProperty("keysDestroyed").GetInt32());
            }
            using (var bad = await engine.Http.DeleteAsync($"api/customers/{new string('x', 200)}/personal-data", ct))
            {
                Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
                Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
            }

            await AssertErasedAsync(engine.Http, ada, adaStatus, bob, report, ct);
            // Nothing personal in the node's log.
            foreach (var value in AdaPersonal.Concat(BobPersonal).Concat(AdaCaseTexts).Concat(BobCaseTexts)) Assert.Empty(engine.OutputLinesContaining(value));

            // A restart (kill -9) and a rebuild of every projection from the journal: the same.
            engine.Kill();
            engine = await bed.StartEngineAsync(ct);
            await AssertErasedAsync(engine.Http, ada, adaStatus, bob, report, ct);
            var projections = await EventuallyReadAsync(engine.Http, "api/projections", doc => doc.GetArrayLength() > 0, ct);
            var rebuilt = 0;
            foreach (var projection in projections.EnumerateArray().Where(p => p.GetProperty("rebuildable").GetBoolean()))
            {
                using var rebuild = await engine.Http.PostAsync($"api/projections/{projection.GetProperty("name").GetString()}/rebuild", null, ct);
                Assert.True(rebuild.StatusCode == HttpStatusCode.Accepted, await rebuild.Content.ReadAsStringAsync(ct));
                rebuilt++;
            }
            Assert.True(rebuilt > 0);
            await EventuallyReadAsync(engine.Http, "api/projections", doc => doc.EnumerateArray().All(p => p.GetProperty("lagEvents").GetInt64() == 0), ct);
            await AssertErasedAsync(engine.Http, ada, adaStatus, bob, report, ct);
            // Stock: both payments sold their units, erasure or not.
            await EventuallyReadAsync(engine.Http, "api/stock/pd-a", doc =>
                doc.GetProperty("onHand").GetInt64() == 10 && doc.GetProperty("sold").GetInt64() == 3 && doc.GetProperty("reserved").GetInt64() == 0, ct);
        });
    }

    private static async Task AssertErasedAsync(HttpClient http, string ada, string adaStatus, string bob, JsonElement reportBefore, CancellationToken ct)
    {
        await AssertCasesErasedAsync(http, ct);
        foreach (var url in new[] { $"api/orders/{ada}", $"api/orders/{ada}/events", $"api/orders?customerId=pd-ada" })
        {
            var text = await GetTextAsync(http, url, ct);
            foreach (var value in AdaPersonal) Assert.DoesNotContain(value, text, StringComparison.Ordinal);
        }
        var order = JsonDocument.Parse(await GetTextAsync(http, $"api/orders/{ada}", ct)).RootElement;
        var address = order.GetProperty("shippingAddress");
        Assert.Equal("[erased]", address.GetProperty("name").GetString());
        Assert.Equal("[erased]", address.GetProperty("phone").GetString());
        Assert.Equal("London", address.GetProperty("city").GetString());
        Assert.Equal("GB", address.GetProperty("country").GetString());
        Assert.Equal(adaStatus, order.GetProperty("status").GetString());
        Assert.Equal(10.00m, order.GetProperty("total").GetDecimal());
        Assert.Contains("[erased]", await GetTextAsync(http, $"api/orders/{ada}/events", ct), StringComparison.Ordinal);

        foreach (var url in new[] { $"api/orders/{bob}", $"api/orders/{bob}/events" })
        {
            var text = await GetTextAsync(http, url, ct);
            foreach (var value in BobPersonal) Assert.Contains(value, text, StringComparison.Ordinal);
        }

        // Reports by country are the same as before the erasure; the erasure is audited.
        var reportUrl = $"api/reports/sales?groupBy=country&currency={EngineApi.Currency}";
        await EventuallyReadAsync(http, reportUrl, doc => doc.GetProperty("rows").GetRawText() == reportBefore.GetProperty("rows").GetRawText(), ct);
        var status = JsonDocument.Parse(await GetTextAsync(http, "api/customers/pd-ada/personal-data", ct)).RootElement;
        Assert.False(status.GetProperty("held").GetBoolean());
        var erasure = Assert.Single(status.GetProperty("erasures").EnumerateArray());
        Assert.Equal(1, erasure.GetProperty("keysDestroyed").GetInt32());
        Assert.False(string.IsNullOrEmpty(erasure.GetProperty("erasedBy").GetString()));
        Assert.True(JsonDocument.Parse(await GetTextAsync(http, "api/customers/pd-bob/personal-data", ct)).RootElement.GetProperty("held").GetBoolean());
    }

    // Description, opened by, message author, message text.
    private static readonly string[] AdaCaseTexts = ["Ada's parcel was soaked through", "Ada herself", "Ada L.", "ring Ada on 020 7946 0002"];
    private static readonly string[] BobCaseTexts = ["Bob's mug came chipped", "Bob himself", "Bob B.", "Bob is home after six"];

    private static async Task OpenCaseWithMessageAsync(HttpClient http, string caseId, string orderId, string[] texts, CancellationToken ct)
    {
        using (var open = await http.PostAsync($"api/orders/{orderId}/cases", JsonBody(new { caseId, type = "damaged", description = texts[0], openedBy = texts[1] }), ct))
            Assert.True(open.StatusCode == HttpStatusCode.Created, await open.Content.ReadAsStringAsync(ct));
        using var message = await http.PostAsync($"api/cases/{caseId}/messages", JsonBody(new { messageId = "m-1", author = "customer", name = texts[2], text = texts[3] }), ct);
        Assert.True(message.StatusCode == HttpStatusCode.OK, await message.Content.ReadAsStringAsync(ct));
    }

    /// <summary>Ada's case reads "[erased]" for its description, opener and message; Bob's reads as written.</summary>
    private static async Task AssertCasesErasedAsync(HttpClient http, CancellationToken ct)
    {
        var adaText = await GetTextAsync(http, "api/cases/pd-case-ada", ct);
        foreach (var value in AdaCaseTexts) Assert.DoesNotContain(value, adaText, StringComparison.Ordinal);
        var adaCase = JsonDocument.Parse(adaText).RootElement;
        Assert.Equal("[erased]", adaCase.GetProperty("description").GetString());
        Assert.Equal("[erased]", adaCase.GetProperty("openedBy").GetString());
        var message = Assert.Single(adaCase.GetProperty("messages").EnumerateArray());
        Assert.Equal(("[erased]", "[erased]"), (message.GetProperty("name").GetString(), message.GetProperty("text").GetString()));
        Assert.Equal("open", adaCase.GetProperty("status").GetString());
        var bobText = await GetTextAsync(http, "api/cases/pd-case-bob", ct);
        foreach (var value in BobCaseTexts) Assert.Contains(value, bobText, StringComparison.Ordinal);
        // The cases list (the read table) holds no text of either.
        var list = (await EventuallyReadAsync(http, "api/cases?limit=500", doc => doc.GetRawText().Contains("pd-case-bob", StringComparison.Ordinal), ct)).GetRawText();
        Assert.Contains("pd-case-ada", list, StringComparison.Ordinal);
        foreach (var value in AdaCaseTexts.Concat(BobCaseTexts)) Assert.DoesNotContain(value, list, StringComparison.Ordinal);
    }

    private static async Task<string> PlaceWithAddressAsync(HttpClient http, string key, string customer, object address, CancellationToken ct)
    {
        var quantity = customer == "pd-ada" ? 2 : 1;
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/orders")
        {
            Content = new StringContent(JsonSerializer.Serialize(new
            {
                channel = "web", customerId = customer, currency = EngineApi.Currency,
                lines = new[] { new { sku = "pd-a", quantity, unitPrice = 5.00m } }, shippingAddress = address,
            }), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", key);
        using var response = await http.SendAsync(request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    private static async Task<string> GetTextAsync(HttpClient http, string url, CancellationToken ct)
    {
        using var response = await http.GetAsync(url, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url}: {(int)response.StatusCode} {body}");
        return body;
    }
}
