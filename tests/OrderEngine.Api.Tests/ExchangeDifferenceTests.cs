using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Shipments;
using OrderEngine.Engine.Sharding;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests;

/// <summary>The sandbox provider with an exchange's difference due within three seconds, to let a replacement lapse.</summary>
public sealed class SandboxShortDifferenceEngineFixture : SandboxEngineFixture
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(Sandbox("Succeeded"))
    {
        ["OrderEngine:Returns:DifferenceDueWithin"] = "00:00:03",
    };
}

/// <summary>Walks an exchange whose replacement costs more than the returned goods through HTTP, as a merchant's tools would.</summary>
internal static class ExchangeWalk
{
    /// <summary>
    /// An order of 2 x A at 4.25 (8.50 EUR) paid by the provider's webhook, shipped and delivered; one unit of A returned
    /// and exchanged for 1 x C at 10.00: the 4.25 is the credit, 5.75 is due. Answers the order id, C and the resolved return.
    /// </summary>
    public static async Task<(string Id, string C, JsonElement Resolved)> ExchangedForMore(HttpClient client, IServiceProvider services, string name)
    {
        var (a, c) = (Sku(name + "-a"), Sku(name + "-c"));
        await client.SetStock(a, 10);
        await client.SetStock(c, 10);
        var (id, _) = await client.PlaceReservedOrder(Line(a, 2, 4.25m));
        await client.PayByWebhook(id, 8.50m);
        await client.SettledOrder(id);
        using (var shipped = await client.PostAsJsonAsync($"/api/orders/{id}/shipments",
                   new { shipmentId = "sh-1", carrier = "dhl", trackingNumber = "JJD" + id[..12], lines = new[] { new { sku = a, quantity = 2 } } }))
            await ExpectStatus(shipped, HttpStatusCode.Created);
        // The parcel's delivery is told to the order as the parcel entity does on a carrier's report.
        var orders = services.GetRequiredService<IRequiredActor<OrderRegion>>().ActorRef;
        Assert.IsType<OrderAccepted>(await orders.Ask<IOrderReply>(new RecordParcelOutcome(id, "sh-1", ParcelStatus.Delivered, DateTimeOffset.UtcNow), TimeSpan.FromSeconds(10)));

        using (var requested = await client.PostAsJsonAsync($"/api/orders/{id}/returns", new
               {
                   returnId = "rma-2", reason = "wrong colour", resolution = "exchange",
                   lines = new[] { new { sku = a, quantity = 1 } }, replacement = new[] { new { sku = c, quantity = 1, unitPrice = 10.00m } },
               }))
            await ExpectStatus(requested, HttpStatusCode.Created);
        await Step(client, id, "approve", new { by = "ops-anna" });
        await Step(client, id, "receive", new { by = "warehouse-1" });
        await Step(client, id, "inspect", new { by = "warehouse-1", lines = new[] { new { sku = a, restockable = 1, notRestockable = 0 } } });
        var resolved = await Step(client, id, "resolve", new { by = "ops-anna" });
        Assert.Equal(("resolved", 4.25m, 0m), (resolved.Str("status"), resolved.Dec("credit"), resolved.Dec("refunded")));
        Assert.Equal(("differenceDue", 5.75m), (resolved.Str("exchange"), resolved.Dec("differenceDue")));
        return (id, c, resolved);
    }

    public static async Task<JsonElement> Step(HttpClient client, string id, string step, object body)
    {
        using var response = await client.PostAsJsonAsync($"/api/orders/{id}/returns/rma-2/{step}", body);
        await ExpectStatus(response, HttpStatusCode.OK);
        return await Body(response);
    }

    public static async Task<JsonElement> Return(HttpClient client, string id)
    {
        using var response = await client.GetAsync($"/api/orders/{id}/returns/rma-2");
        await ExpectStatus(response, HttpStatusCode.OK);
        return await Body(response);
    }
}

/// <summary>The replacement waits for the difference, is paid through the ordinary payment call, and the return says the exchange is settled.</summary>
public sealed class ExchangeDifferenceTests(SandboxEngineFixture engine) : IClassFixture<SandboxEngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    [Fact]
    public async Task A_replacement_costing_more_awaits_the_difference_and_paying_it_through_the_payment_call_settles_the_exchange()
    {
        var (id, c, resolved) = await ExchangeWalk.ExchangedForMore(_client, engine.Services, "dx");
        var replacementId = resolved.Str("exchangeOrderId");

        // The replacement holds its unit, costs the difference, and is neither paid nor shippable.
        var replacement = await _client.Order(replacementId);
        Assert.Equal(("reserved", 5.75m), (replacement.Status(), replacement.Dec("total")));
        Assert.Equal((4.25m, $"exchange credit of return rma-2 of order {id}"),
            (replacement.GetProperty("charges").Dec("discount"), replacement.GetProperty("charges").Str("discountReason")));
        Assert.Null(replacement.Payment());
        Assert.True(replacement.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddDays(6));
        Assert.Equal(1, (await _client.Stock(c)).Reserved);
        using (var early = await _client.PostAsJsonAsync($"/api/orders/{replacementId}/shipments",
                   new { shipmentId = "sh-1", carrier = "dhl", trackingNumber = "JJDX" + id[..8], lines = new[] { new { sku = c, quantity = 1 } } }))
            await AssertProblem(early, HttpStatusCode.Conflict, "invalid-state");
        using (var whole = await _client.Pay(replacementId, 10.00m, "EUR", "pay-whole"))
            await AssertProblem(whole, HttpStatusCode.UnprocessableEntity, "payment-mismatch");

        using (var paid = await _client.Pay(replacementId, 5.75m, "EUR", "pay-diff-1"))
        {
            await ExpectStatus(paid, HttpStatusCode.OK);
            Assert.Equal("paid", (await Body(paid)).Status());
        }
        await _client.StockEventually(c, s => s.Sold == 1);

        var settled = await Eventually(() => ExchangeWalk.Return(_client, id), r => r.Str("exchange") == "settled", TimeSpan.FromSeconds(10), "return rma-2");
        Assert.Equal(5.75m, settled.Dec("differencePaid"));
        Assert.Contains(settled.GetProperty("history").EnumerateArray(), h => h.TryGetProperty("note", out var note) && note.GetString() == "exchange settled: credit 4.25, paid 5.75");
        // The credit stays the replacement's: the original refunds nothing for it, and 4.25 is left of its payment.
        var original = await _client.Order(id);
        Assert.Equal(4.25m, original.Dec("refundable"));
        Assert.Equal("succeeded", Assert.Single(original.Refunds()).Str("status"));
    }
}

/// <summary>An unpaid replacement lapses at the end of its hold: the credit goes back through the original order's provider.</summary>
public sealed class ExchangeLapseTests(SandboxShortDifferenceEngineFixture engine) : IClassFixture<SandboxShortDifferenceEngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    [Fact]
    public async Task A_replacement_left_unpaid_expires_and_the_return_is_resolved_as_refunded_through_the_original_payment()
    {
        var (id, c, resolved) = await ExchangeWalk.ExchangedForMore(_client, engine.Services, "dxl");
        var replacementId = resolved.Str("exchangeOrderId");

        await _client.OrderEventually(replacementId, o => o.Status() == "expired");
        await _client.StockEventually(c, s => s.Reserved == 0);
        var lapsed = await Eventually(() => ExchangeWalk.Return(_client, id), r => r.Dec("refunded") == 4.25m, TimeSpan.FromSeconds(15), "return rma-2");
        Assert.Equal(("lapsed", 0m), (lapsed.Str("exchange"), lapsed.Dec("credit")));

        var original = await _client.OrderEventually(id, o => o.Refunds().All(r => r.Str("status") != "requested") && o.Refunds().Length == 2);
        var refund = original.Refunds().Single(r => r.Str("status") == "succeeded");
        Assert.Equal((4.25m, "sandbox"), (refund.Dec("amount"), refund.Str("provider")));
        var credit = original.Refunds().Single(r => r.Str("status") == "failed"); // the credit entry: no longer counted
        Assert.Equal(4.25m, credit.Dec("amount"));
        Assert.Contains("lapsed", credit.Str("failureReason"));
        Assert.Equal(4.25m, original.Dec("refundable"));

        // Paying the lapsed replacement now changes nothing of it: it stays expired.
        using var late = await _client.Pay(replacementId, 5.75m, "EUR", "pay-late");
        await AssertProblem(late, HttpStatusCode.Conflict, "invalid-state", "hold-expired");
        Assert.Equal("expired", (await _client.Order(replacementId)).Status());
    }
}
