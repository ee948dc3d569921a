using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrderEngine.Api.Health;

namespace OrderEngine.Api.Tests;

/// <summary>
/// A node that is leaving (SIGTERM, or a shutdown the cluster started) stops being ready and answers new API requests
/// 503 + Retry-After as a problem, closing the connection, so clients retry on another node; health stays answerable.
/// </summary>
public sealed class NodeLeavingTests(EngineFixture engine) : IClassFixture<EngineFixture>
{
    [Fact]
    public async Task A_leaving_node_is_not_ready_and_answers_new_api_requests_503_with_retry_after()
    {
        using (var before = await engine.Client.GetAsync("/api/stock/leaving-sku"))
            Assert.NotEqual(HttpStatusCode.ServiceUnavailable, before.StatusCode);

        engine.Services.GetRequiredService<NodeLeaving>().Mark("test");

        using var ready = await engine.Client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        using var live = await engine.Client.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);

        using var refused = await engine.Client.PostAsync("/api/orders", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
        Assert.True(refused.Headers.ConnectionClose);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
        Assert.Equal("urn:orderengine:problem:node-leaving", problem.RootElement.GetProperty("type").GetString());
        Assert.Equal(503, problem.RootElement.GetProperty("status").GetInt32());
    }
}
