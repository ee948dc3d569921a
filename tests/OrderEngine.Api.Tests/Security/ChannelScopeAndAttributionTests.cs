using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests.Security;

/// <summary>
/// A channel key acts for its own channel only (placing, reading), and operator actions are attributed to the caller's
/// credentials, not to the name a body gives.
/// </summary>
public sealed class ChannelScopeAndAttributionTests(EngineFixture engine) : IClassFixture<EngineFixture>
{
    private readonly HttpClient _admin = engine.Client;

    private HttpClient As(string roles, string? name = null) => TestCredentials.Send(engine.CreateAnonymousClient(), engine.Services, roles, name);

    private static object OrderOf(string channel, string sku) =>
        new { channel, customerId = "customer-1", currency = "EUR", lines = new[] { Line(sku, 1, 10m) } };

    [Fact]
    public async Task A_channel_key_places_and_reads_its_own_channels_orders_only()
    {
        var sku = Sku("scope");
        await _admin.SetStock(sku, 10);
        using var shopify = As("channel:shopify");
        using var amazon = As("channel:amazon");

        var otherId = "o" + Guid.NewGuid().ToString("N")[..12];
        using (var refused = await shopify.PostAsJsonAsync("/api/orders", new { id = otherId, channel = "amazon", customerId = "c", currency = "EUR", lines = new[] { Line(sku, 1, 10m) } }))
            await AssertProblem(refused, HttpStatusCode.Forbidden, "forbidden");
        // Nothing was placed: the order does not exist and no stock was reserved.
        using (var none = await _admin.GetAsync($"/api/orders/{otherId}"))
            Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        Assert.Equal(0, (await _admin.Stock(sku)).Reserved);

        using var placed = await shopify.PlaceOrder(NewKey(), OrderOf("shopify", sku));
        await ExpectStatus(placed, HttpStatusCode.Created);
        var id = (await Body(placed)).GetProperty("id").GetString()!;

        using (var own = await shopify.GetAsync($"/api/orders/{id}"))
            await ExpectStatus(own, HttpStatusCode.OK);
        using (var foreign = await amazon.GetAsync($"/api/orders/{id}"))
            Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        using (var staff = await As("reporting").GetAsync($"/api/orders/{id}"))
            await ExpectStatus(staff, HttpStatusCode.OK);
        // No operator function: cancelling its own order is not a channel's to do.
        using (var cancel = await shopify.PostAsJsonAsync($"/api/orders/{id}/cancel", new { reason = "x" }))
            Assert.Equal(HttpStatusCode.Forbidden, cancel.StatusCode);
        Assert.Equal("reserved", (await _admin.Order(id)).Status());
    }

    [Fact]
    public async Task An_operator_action_is_attributed_to_the_caller_not_to_the_body()
    {
        var sku = Sku("attr");
        using (var put = await _admin.PutAsJsonAsync($"/api/products/{sku}", new { name = "Mug", weightKg = 0.4m, dimensions = new { lengthCm = 12, widthCm = 10, heightCm = 10 } }))
            await ExpectStatus(put, HttpStatusCode.OK);
        await _admin.SetStock(sku, 10);
        using var placed = await _admin.PlaceOrder(NewKey(), new
        {
            channel = "web", customerId = "customer-1", currency = "EUR", lines = new[] { Line(sku, 2, 12.50m) },
            shippingAddress = new { name = "Ada Buyer", line1 = "1 Main St", city = "Boston", postalCode = "02108", country = "US" },
        });
        await ExpectStatus(placed, HttpStatusCode.Created);
        var id = (await Body(placed)).GetProperty("id").GetString()!;
        using (var paid = await _admin.Pay(id, 25m, "EUR", "psp-" + id))
            await ExpectStatus(paid, HttpStatusCode.OK);
        await Eventually(() => _admin.Order(id), o => o.Status() == "onHold", TimeSpan.FromSeconds(10), $"order {id} held");

        using var ann = As("operator", "ann");
        using var chosen = await ann.PostAsJsonAsync($"/api/orders/{id}/shipping", new { methodId = "standard", by = "mallory" });

        await ExpectStatus(chosen, HttpStatusCode.OK);
        Assert.Equal("key:ann", (await Body(chosen)).GetProperty("shippingMethod").GetProperty("chosenBy").GetString());
        var timeline = await _admin.GetFromJsonAsync<JsonElement>($"/api/orders/{id}/events");
        Assert.Contains(timeline.EnumerateArray(), e => e.GetProperty("by").GetString() == "operator:key:ann");
        Assert.DoesNotContain(timeline.EnumerateArray(), e => e.GetProperty("by").GetString()!.Contains("mallory", StringComparison.Ordinal));
    }
}
