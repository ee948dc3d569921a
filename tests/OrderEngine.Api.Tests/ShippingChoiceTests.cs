using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests;

/// <summary>
/// A paid order gets its shipping method with the reason it was chosen; one no method can ship is held, naming why,
/// until an operator chooses a method (POST /api/orders/{id}/shipping).
/// </summary>
public sealed class ShippingChoiceTests(EngineFixture engine) : IClassFixture<EngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    private static object Berlin => new { name = "Ada Buyer", line1 = "Unter den Linden 1", city = "Berlin", postalCode = "10117", country = "DE" };
    private static object Boston => new { name = "Ada Buyer", line1 = "1 Main St", city = "Boston", postalCode = "02108", country = "US" };

    /// <summary>A defined product (0.4 kg) with stock, and a paid order of 2 of it to <paramref name="address"/>.</summary>
    private async Task<(string Sku, string OrderId)> PaidOrderTo(string name, object address)
    {
        var sku = Sku(name);
        using (var put = await _client.PutAsJsonAsync($"/api/products/{sku}", new { name = "Mug", weightKg = 0.4m, dimensions = new { lengthCm = 12, widthCm = 10, heightCm = 10 } }))
            await ExpectStatus(put, HttpStatusCode.OK);
        await _client.SetStock(sku, 10);
        using var placed = await _client.PlaceOrder(NewKey(), new
        {
            channel = "web", customerId = "customer-1", currency = "EUR", lines = new[] { Line(sku, 2, 12.50m) }, shippingAddress = address,
        });
        await ExpectStatus(placed, HttpStatusCode.Created);
        var id = (await Body(placed)).GetProperty("id").GetString()!;
        using var paid = await _client.Pay(id, 25m, "EUR", "psp-" + id);
        await ExpectStatus(paid, HttpStatusCode.OK);
        return (sku, id);
    }

    private Task<JsonElement> OrderEventually(string id, Func<JsonElement, bool> condition) =>
        Eventually(() => _client.Order(id), condition, TimeSpan.FromSeconds(10), $"order {id}");

    private static bool HasMethod(JsonElement o) =>
        o.TryGetProperty("shippingMethod", out var m) && m.ValueKind == JsonValueKind.Object;

    [Fact]
    public async Task A_paid_order_gets_its_shipping_method_with_the_reason()
    {
        var (_, id) = await PaidOrderTo("choice", Berlin);

        var order = await OrderEventually(id, HasMethod);

        var method = order.GetProperty("shippingMethod");
        Assert.False(string.IsNullOrEmpty(method.GetProperty("methodId").GetString()));
        Assert.False(string.IsNullOrEmpty(method.GetProperty("reason").GetString()));
        Assert.Equal("paid", order.Status());
        // The same method GET /shipping-options chooses.
        var options = await _client.GetFromJsonAsync<JsonElement>($"/api/orders/{id}/shipping-options");
        Assert.Equal(options.GetProperty("choice").GetProperty("methodId").GetString(), method.GetProperty("methodId").GetString());
    }

    [Fact]
    public async Task An_order_no_method_can_ship_is_held_naming_why_until_an_operator_chooses_one()
    {
        var (sku, id) = await PaidOrderTo("choice-held", Boston);

        var held = await OrderEventually(id, o => o.Status() == "onHold");
        Assert.Contains(held.GetProperty("holdReasons").EnumerateArray(), r => r.GetString()!.StartsWith("shipping: ", StringComparison.Ordinal));
        using (var ship = await _client.PostAsJsonAsync($"/api/orders/{id}/shipments",
                   new { shipmentId = "sh-1", carrier = "dhl", trackingNumber = "T" + id[..8], lines = new[] { new { sku, quantity = 2 } } }))
            await AssertProblem(ship, HttpStatusCode.Conflict, "invalid-state");

        // Who chose it is the caller's credentials (the body's by is ignored).
        using var ann = OrderEngine.Api.Tests.Security.TestCredentials.Send(engine.CreateAnonymousClient(), engine.Services, "operator", "ann");
        using var chosen = await ann.PostAsJsonAsync($"/api/orders/{id}/shipping", new { methodId = "standard", by = "someone else", note = "customer pays the difference" });

        await ExpectStatus(chosen, HttpStatusCode.OK);
        var order = await Body(chosen);
        Assert.Equal("paid", order.Status());
        Assert.Equal(("standard", "key:ann"), (order.GetProperty("shippingMethod").GetProperty("methodId").GetString(), order.GetProperty("shippingMethod").GetProperty("chosenBy").GetString()));
        Assert.Empty(order.GetProperty("holdReasons").EnumerateArray());
        using var shipped = await _client.PostAsJsonAsync($"/api/orders/{id}/shipments",
            new { shipmentId = "sh-1", carrier = "dhl", trackingNumber = "T" + id[..8], lines = new[] { new { sku, quantity = 2 } } });
        await ExpectStatus(shipped, HttpStatusCode.Created);
    }

    public static TheoryData<string, string, string> BadOverrides => new()
    {
        { "no method", """{"by":"ann"}""", "methodId" },
        { "unknown method", """{"methodId":"teleport","by":"ann"}""", "methodId" },
        { "overlong note", """{"methodId":"standard","by":"ann","note":"NOTE"}""", "note" },
    };

    [Theory]
    [MemberData(nameof(BadOverrides))]
    public async Task A_bad_shipping_choice_is_a_validation_problem_and_changes_nothing(string _, string body, string field)
    {
        var (_, id) = await PaidOrderTo("choice-bad", Boston);
        var before = await OrderEventually(id, o => o.Status() == "onHold" && o.GetProperty("stockSettled").GetBoolean());

        using var response = await _client.PostAsync($"/api/orders/{id}/shipping", Json(body.Replace("NOTE", new string('n', 501))));

        await AssertValidationProblem(response, field);
        Assert.Equal(JsonSerializer.Serialize(before), JsonSerializer.Serialize(await _client.Order(id)));
    }

    [Fact]
    public async Task An_order_without_an_address_gets_no_method_and_is_not_held()
    {
        var sku = Sku("choice-pickup");
        await _client.SetStock(sku, 10);
        var (id, _) = await _client.PlaceReservedOrder(Line(sku, 1, 5m));
        using var paid = await _client.Pay(id, 5m, "EUR", "psp-" + id);
        await ExpectStatus(paid, HttpStatusCode.OK);

        await Task.Delay(500);

        var order = await _client.Order(id);
        Assert.Equal("paid", order.Status());
        Assert.False(HasMethod(order));
    }
}
