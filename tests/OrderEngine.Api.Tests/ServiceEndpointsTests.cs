using System.Net;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests;

/// <summary>The OpenAPI document and the health endpoints.</summary>
public sealed class ServiceEndpointsTests(EngineFixture engine) : IClassFixture<EngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    [Fact]
    public async Task The_OpenAPI_document_is_served_and_lists_the_order_and_stock_paths()
    {
        using var response = await _client.GetAsync("/openapi/v1.json");

        await ExpectStatus(response, HttpStatusCode.OK);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var paths = (await Body(response)).GetProperty("paths");
        var names = paths.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.True(paths.TryGetProperty("/api/orders", out var orders), $"no /api/orders in {string.Join(", ", names)}");
        Assert.True(orders.TryGetProperty("post", out _), "/api/orders has no post operation");
        Assert.True(paths.TryGetProperty("/api/stock/{sku}", out var stock), $"no /api/stock/{{sku}} in {string.Join(", ", names)}");
        Assert.True(stock.TryGetProperty("get", out _), "/api/stock/{sku} has no get operation");
        Assert.True(stock.TryGetProperty("put", out _), "/api/stock/{sku} has no put operation");
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task Health_endpoints_answer_200_on_a_running_node(string path)
    {
        using var response = await _client.GetAsync(path);

        await ExpectStatus(response, HttpStatusCode.OK);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_unknown_route_is_a_404_problem()
    {
        using var response = await _client.GetAsync("/api/nothing-here");

        // No detail is required here: there is nothing more to say about a path that does not exist.
        await AssertProblem(response, HttpStatusCode.NotFound, requireDetail: false, "not-found");
    }
}
