using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests;

/// <summary>GET /api/orders/{id}/shipping-options with the default rules (a warehouse in Berlin).</summary>
public sealed class ShippingOptionsApiTests(EngineFixture engine) : IClassFixture<EngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    private async Task<string> PlaceTo(object address, string currency = "EUR", params (string Sku, int Qty, decimal Price)[] lines)
    {
        foreach (var l in lines) await _client.SetStock(l.Sku, 100);
        using var response = await _client.PlaceOrder(NewKey(), new
        {
            channel = "web",
            customerId = "customer-1",
            currency,
            lines = lines.Select(l => Line(l.Sku, l.Qty, l.Price)).ToArray(),
            shippingAddress = address,
        });
        await ExpectStatus(response, HttpStatusCode.Created);
        return (await Body(response)).GetProperty("id").GetString()!;
    }

    private async Task<JsonElement> Options(string orderId)
    {
        using var response = await _client.GetAsync($"/api/orders/{orderId}/shipping-options");
        await ExpectStatus(response, HttpStatusCode.OK);
        return await Body(response);
    }

    private static JsonElement Option(JsonElement options, string id) =>
        options.GetProperty("options").EnumerateArray().Single(o => o.GetProperty("methodId").GetString() == id);

    private static readonly object Munich = new { name = "Bo", line1 = "Marienplatz 1", city = "München", postalCode = "80331", country = "DE" };

    [Fact]
    public async Task A_placed_order_lists_every_method_with_cost_dates_and_the_choice()
    {
        var sku = Sku("mug");
        using (var put = await _client.PutAsJsonAsync($"/api/products/{sku}", new { name = "Mug", weightKg = 0.4m, dimensions = new { lengthCm = 12, widthCm = 10, heightCm = 10 } }))
            await ExpectStatus(put, HttpStatusCode.OK);
        var orderId = await PlaceTo(Munich, "EUR", (sku, 2, 12.50m));

        var options = await Options(orderId);

        Assert.Equal(orderId, options.GetProperty("orderId").GetString());
        Assert.Equal(["same-day", "express", "standard", "freight"],
            options.GetProperty("options").EnumerateArray().Select(o => o.GetProperty("methodId").GetString()!).ToArray());
        var standard = Option(options, "standard");
        Assert.True(standard.GetProperty("eligible").GetBoolean());
        Assert.Equal(4.90m, standard.GetProperty("cost").GetDecimal());
        Assert.Equal(0.8m, standard.GetProperty("chargeableWeightKg").GetDecimal());
        Assert.True(DateOnly.TryParse(standard.GetProperty("earliestDelivery").GetString(), out var earliest));
        Assert.True(DateOnly.TryParse(standard.GetProperty("latestDelivery").GetString(), out var latest));
        Assert.True(earliest <= latest);
        Assert.True(Option(options, "express").GetProperty("eligible").GetBoolean());
        Assert.False(Option(options, "same-day").GetProperty("eligible").GetBoolean());
        Assert.Contains("under the 30 kg minimum", Option(options, "freight").GetProperty("reasons")[0].GetString());

        var choice = options.GetProperty("choice");
        Assert.Equal("standard", choice.GetProperty("methodId").GetString());
        Assert.Equal(4.90m, choice.GetProperty("cost").GetDecimal());
        Assert.StartsWith("cheapest eligible: standard", choice.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task An_order_with_a_product_never_defined_has_no_eligible_method_and_says_which()
    {
        var sku = Sku("ghost");
        var orderId = await PlaceTo(Munich, "EUR", (sku, 1, 10m));

        var choice = (await Options(orderId)).GetProperty("choice");

        Assert.False(choice.TryGetProperty("methodId", out _));
        Assert.Contains($"no product definition (weight, dimensions) for {sku}", choice.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Shipping_options_of_an_order_that_does_not_exist_are_a_404_problem()
    {
        using var response = await _client.GetAsync("/api/orders/no-such-order/shipping-options");
        await AssertProblem(response, HttpStatusCode.NotFound, "not-found");
    }
}

/// <summary>GET and PUT /api/shipping/rules (each class has its own engine: the rules are one for the whole cluster).</summary>
public sealed class ShippingRulesApiTests(EngineFixture engine) : IClassFixture<EngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    private async Task<JsonElement> Rules()
    {
        using var response = await _client.GetAsync("/api/shipping/rules");
        await ExpectStatus(response, HttpStatusCode.OK);
        return await Body(response);
    }

    [Fact]
    public async Task Rules_set_through_the_api_are_read_back_and_a_repeat_changes_nothing()
    {
        var current = JsonNode.Parse((await Rules()).GetProperty("rules").GetRawText())!;
        current["methods"]![2]!["freeShippingFrom"]![0]!["amount"] = 75;
        var request = new HttpRequestMessage(HttpMethod.Put, "/api/shipping/rules") { Content = Json(current.ToJsonString()) };
        request.Headers.Add("X-Operator", "alice");

        using var put = await _client.SendAsync(request);
        await ExpectStatus(put, HttpStatusCode.OK);
        var set = await Body(put);
        Assert.Equal("api", set.GetProperty("source").GetString());
        Assert.Equal("key:bootstrap", set.GetProperty("by").GetString()); // the caller, not X-Operator
        var version = set.GetProperty("version").GetInt64();
        Assert.True(version >= 1);
        Assert.Equal(75m, set.GetProperty("rules").GetProperty("methods")[2].GetProperty("freeShippingFrom")[0].GetProperty("amount").GetDecimal());

        using var again = await _client.PutAsync("/api/shipping/rules", Json(current.ToJsonString()));
        await ExpectStatus(again, HttpStatusCode.OK);
        Assert.Equal(version, (await Body(again)).GetProperty("version").GetInt64());
        Assert.Equal(version, (await Rules()).GetProperty("version").GetInt64());
    }

    public static TheoryData<string, string[]> BadRules => new()
    {
        { "{}", ["methods", "warehouse.city", "warehouse.country"] },
        {
            """{"warehouse":{"country":"de","city":"Berlin","timeZone":"Europe/Nowhere"},"zones":[{"id":"de","countries":["DE"]},{"id":"x"}],"methods":[{"id":"m","kind":"standard","carrier":"DHL","zones":["de","moon"],"rates":[{"currency":"EUR","brackets":[{"upToKg":5,"price":4.999}],"base":1,"perKg":1}],"delivery":{"minBusinessDays":3,"maxBusinessDays":1}}]}""",
            ["methods[0].delivery.maxBusinessDays", "methods[0].rates[0]", "methods[0].zones[1]", "warehouse.country", "warehouse.timeZone", "zones[1]"]
        },
        {
            """{"warehouse":{"country":"DE","city":"Berlin"},"zones":[{"id":"de","countries":["DE"]}],"methods":[{"id":"m","kind":"sameDay","carrier":"K","zones":["de"],"rates":[{"currency":"EUR","brackets":[{"upToKg":5,"price":-1},{"upToKg":2,"price":1}]}],"delivery":{"minBusinessDays":1,"maxBusinessDays":1}}]}""",
            ["methods[0].delivery", "methods[0].rates[0].brackets[0].price", "methods[0].rates[0].brackets[1].upToKg"]
        },
        { """{"warehouse":{"country":"DE","city":"Berlin"},"methods":[{"id":"m","kind":"rocket"}]}""", [] },
        { """{"warehouse":""", [] },
        { """{"methods":5}""", [] },
    };

    [Theory]
    [MemberData(nameof(BadRules))]
    public async Task Bad_rules_are_a_problem_naming_every_field_and_change_nothing(string body, string[] fields)
    {
        var before = await Rules();

        using var response = await _client.PutAsync("/api/shipping/rules", Json(body));

        if (fields.Length > 0) await AssertValidationProblem(response, fields);
        else await AssertProblem(response, HttpStatusCode.BadRequest, "malformed-request", "invalid");
        var after = await Rules();
        Assert.Equal(before.GetProperty("version").GetInt64(), after.GetProperty("version").GetInt64());
        Assert.Equal(before.GetProperty("rules").ToString(), after.GetProperty("rules").ToString());
    }
}

/// <summary>GET /api/shipping/rules on an engine whose rules were never set: the configuration's (appsettings.json).</summary>
public sealed class ShippingConfiguredRulesApiTests(EngineFixture engine) : IClassFixture<EngineFixture>
{
    [Fact]
    public async Task The_configured_rules_are_in_force_until_rules_are_set()
    {
        using var response = await engine.Client.GetAsync("/api/shipping/rules");
        await ExpectStatus(response, HttpStatusCode.OK);
        var rules = await Body(response);
        Assert.Equal("configuration", rules.GetProperty("source").GetString());
        Assert.Equal(0, rules.GetProperty("version").GetInt64());
        Assert.Equal("Berlin", rules.GetProperty("rules").GetProperty("warehouse").GetProperty("city").GetString());
        Assert.Equal(["same-day", "express", "standard", "freight"],
            rules.GetProperty("rules").GetProperty("methods").EnumerateArray().Select(m => m.GetProperty("id").GetString()!).ToArray());
    }
}
