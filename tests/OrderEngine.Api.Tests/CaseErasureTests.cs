using System.Net;
using System.Net.Http.Json;
using static OrderEngine.Api.Tests.Api;
using static OrderEngine.Api.Tests.Webhooks;

namespace OrderEngine.Api.Tests;

/// <summary>Crypto-shredding of complaint cases through HTTP: an erased customer's case texts read "[erased]", another's are intact.</summary>
public sealed class CaseErasureTests(EngineFixture engine) : IClassFixture<EngineFixture>
{
    private const string Erased = "[erased]";
    private readonly HttpClient _client = engine.Client;

    private async Task<string> OrderOf(string customerId, string sku)
    {
        using var response = await _client.PlaceOrder(NewKey(), new
        {
            channel = "web", customerId, currency = "EUR", lines = new[] { Line(sku, 1, 5m) },
            shippingAddress = new { name = customerId + " Person", line1 = "1 Some Street", city = "Lyon", postalCode = "69001", country = "FR" },
        });
        await ExpectStatus(response, HttpStatusCode.Created);
        return (await Body(response)).GetProperty("id").GetString()!;
    }

    private async Task<string> CaseWithMessage(string orderId, string description, string name, string text)
    {
        var caseId = CaseApi.NewCaseId();
        using (var opened = await _client.OpenCase(orderId, new { caseId, type = "damaged", description, openedBy = name }))
            await ExpectStatus(opened, HttpStatusCode.Created);
        using (var message = await _client.PostAsJsonAsync($"/api/cases/{caseId}/messages", new { messageId = "m-1", author = "customer", name, text }))
            await ExpectStatus(message, HttpStatusCode.OK);
        return caseId;
    }

    [Fact]
    public async Task Crypto_shredding_erases_one_customers_case_description_and_messages_and_leaves_another_customers_case_intact()
    {
        var sku = Sku("case-erase");
        await _client.SetStock(sku, 10);
        var (ada, bob) = ("c-ada-" + Guid.NewGuid().ToString("N")[..8], "c-bob-" + Guid.NewGuid().ToString("N")[..8]);
        var adaOrder = await OrderOf(ada, sku);
        var bobOrder = await OrderOf(bob, sku);
        var adaCase = await CaseWithMessage(adaOrder, "my parcel was soaked through", "Ada Lovelace", "call me on +44 20 7946 0001");
        var bobCase = await CaseWithMessage(bobOrder, "the mug came chipped", "Bob Babbage", "I am home after six");
        Assert.Equal("call me on +44 20 7946 0001", Assert.Single((await _client.Case(adaCase)).GetProperty("messages").EnumerateArray()).Str("text"));

        using (var erase = await _client.DeleteAsync($"/api/customers/{ada}/personal-data"))
            await ExpectStatus(erase, HttpStatusCode.OK);

        var erased = await _client.Case(adaCase);
        Assert.Equal((Erased, Erased), (erased.Str("description"), erased.Str("openedBy")));
        var message = Assert.Single(erased.GetProperty("messages").EnumerateArray());
        Assert.Equal((Erased, Erased, "customer"), (message.Str("name"), message.Str("text"), message.Str("author")));
        Assert.Equal(("open", adaOrder, "damaged"), (erased.Str("status"), erased.Str("orderId"), erased.Str("type")));
        foreach (var value in new[] { "soaked", "Ada Lovelace", "7946" }) Assert.DoesNotContain(value, erased.GetRawText(), StringComparison.Ordinal);
        // A repeat of the erased message is no longer the same message: its content is gone.
        using (var repeat = await _client.PostAsJsonAsync($"/api/cases/{adaCase}/messages",
                   new { messageId = "m-1", author = "customer", name = "Ada Lovelace", text = "call me on +44 20 7946 0001" }))
            await AssertProblem(repeat, HttpStatusCode.Conflict, "idempotency-conflict");
        // A message after the erasure is new data under a new key: it reads, the erased ones stay erased.
        using (var later = await _client.PostAsJsonAsync($"/api/cases/{adaCase}/messages",
                   new { messageId = "m-2", author = "operator", name = "key:alice", text = "we have your refund in hand" }))
            await ExpectStatus(later, HttpStatusCode.OK);
        var afterLater = (await _client.Case(adaCase)).GetProperty("messages").EnumerateArray().Select(m => m.Str("text")).ToArray();
        Assert.Equal([Erased, "we have your refund in hand"], afterLater);

        var intact = await _client.Case(bobCase);
        Assert.Equal(("the mug came chipped", "Bob Babbage"), (intact.Str("description"), intact.Str("openedBy")));
        Assert.Equal(("Bob Babbage", "I am home after six"),
            (Assert.Single(intact.GetProperty("messages").EnumerateArray()).Str("name"), intact.GetProperty("messages")[0].Str("text")));
    }
}
