using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests;

/// <summary>PUT and GET /api/products/{sku}.</summary>
public sealed class ProductApiTests(EngineFixture engine) : IClassFixture<EngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    private static readonly object Mug = new { name = "Mug", weightKg = 0.4m, dimensions = new { lengthCm = 12, widthCm = 10, heightCm = 9.5m }, hsCode = "691200" };

    private async Task<JsonElement> Define(string sku, object body)
    {
        using var response = await _client.PutAsJsonAsync($"/api/products/{sku}", body);
        await ExpectStatus(response, HttpStatusCode.OK);
        return await Body(response);
    }

    private async Task<JsonElement> Product(string sku)
    {
        using var response = await _client.GetAsync($"/api/products/{sku}");
        await ExpectStatus(response, HttpStatusCode.OK);
        return await Body(response);
    }

    [Fact]
    public async Task A_defined_product_is_read_back_and_returnable_by_default()
    {
        var sku = Sku("mug");
        var put = await Define(sku, Mug);

        var got = await Product(sku);
        Assert.Equal(put.ToString(), got.ToString());
        Assert.Equal("Mug", got.GetProperty("name").GetString());
        Assert.Equal(0.4m, got.GetProperty("weightKg").GetDecimal());
        Assert.Equal(9.5m, got.GetProperty("dimensions").GetProperty("heightCm").GetDecimal());
        Assert.True(got.GetProperty("returnable").GetBoolean());
        Assert.Equal(1, got.GetProperty("revision").GetInt64());
    }

    [Fact]
    public async Task Repeating_the_same_definition_changes_nothing_and_a_change_is_the_next_revision()
    {
        var sku = Sku("repeat");
        var first = await Define(sku, Mug);
        var again = await Define(sku, Mug);
        Assert.Equal(first.ToString(), again.ToString());

        var changed = await Define(sku, new { name = "Mug", weightKg = 0.5m, dimensions = new { lengthCm = 12, widthCm = 10, heightCm = 9.5m }, returnable = false });
        Assert.Equal(2, changed.GetProperty("revision").GetInt64());
        Assert.False(changed.GetProperty("returnable").GetBoolean());
    }

    [Fact]
    public async Task Reading_a_product_never_defined_is_a_404_problem()
    {
        using var response = await _client.GetAsync($"/api/products/{Sku("never")}");
        await AssertProblem(response, HttpStatusCode.NotFound, "not-found");
    }

    public static TheoryData<string, string[]> BadProducts => new()
    {
        { "{}", ["dimensions", "name", "weightKg"] },
        { """{"name":"","weightKg":0.4,"dimensions":{"lengthCm":1,"widthCm":1,"heightCm":1}}""", ["name"] },
        { """{"name":"Mug","weightKg":-1,"dimensions":{"lengthCm":1,"widthCm":1,"heightCm":1}}""", ["weightKg"] },
        { """{"name":"Mug","weightKg":0.0001,"dimensions":{"lengthCm":1,"widthCm":1,"heightCm":1}}""", ["weightKg"] },
        { """{"name":"Mug","weightKg":60000,"dimensions":{"lengthCm":1,"widthCm":1,"heightCm":1}}""", ["weightKg"] },
        { """{"name":"Mug","weightKg":0.4,"dimensions":{"lengthCm":0,"widthCm":1.25}}""", ["dimensions.heightCm", "dimensions.lengthCm", "dimensions.widthCm"] },
        { """{"name":"Mug","weightKg":0.4,"dimensions":{"lengthCm":1,"widthCm":1,"heightCm":1},"hsCode":"69.12"}""", ["hsCode"] },
        { """{"name":"Mug","weightKg":"heavy","dimensions":{"lengthCm":1,"widthCm":1,"heightCm":1}}""", [] },
        { """{"name":"Mug","weightKg":0.4,"dimensions":{"lengthCm":1,"widthCm":1,"heightCm":1},"returnable":"yes"}""", [] },
        { """{"name":"Mug","weightKg":0.4,""", [] },
        { "[1,2]", [] },
    };

    [Theory]
    [MemberData(nameof(BadProducts))]
    public async Task A_bad_definition_is_a_problem_and_changes_nothing(string body, string[] fields)
    {
        var sku = Sku("bad");
        var before = await Define(sku, Mug);

        using var response = await _client.PutAsync($"/api/products/{sku}", Json(body));

        if (fields.Length > 0) await AssertValidationProblem(response, fields);
        else await AssertProblem(response, HttpStatusCode.BadRequest, "malformed-request", "invalid");
        Assert.Equal(before.ToString(), (await Product(sku)).ToString());
    }

    [Fact]
    public async Task An_invalid_sku_in_the_path_is_a_problem()
    {
        using var response = await _client.PutAsJsonAsync("/api/products/-not-a-sku", Mug);
        await AssertValidationProblem(response, "sku");
    }
}
