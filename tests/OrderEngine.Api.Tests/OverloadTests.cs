using System.Net;
using System.Net.Http.Headers;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests;

/// <summary>An engine that admits two API requests at a time.</summary>
public sealed class TwoAtATimeEngineFixture : EngineFixture
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["OrderEngine:Http:MaxConcurrentRequests"] = "2",
    };
}

/// <summary>Past its capacity the engine answers 503 with Retry-After at once, and changes nothing.</summary>
public sealed class OverloadTests(TwoAtATimeEngineFixture engine) : IClassFixture<TwoAtATimeEngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    [Fact]
    public async Task A_request_beyond_the_concurrency_limit_is_refused_with_503_and_retry_after_and_changes_nothing()
    {
        var sku = Sku("overload");
        await _client.SetStock(sku, 10);
        // Two placements whose bodies are still being sent hold both places.
        var held = new[] { new HoldingContent(), new HoldingContent() };
        var pending = held.Select(c => _client.PlaceOrder(NewKey(), c)).ToArray();
        await Task.WhenAll(held.Select(c => c.Started.Task));
        await BothPlacesTaken(sku);

        var key = NewKey();
        using var refused = await _client.PlaceOrder(key, OrderBody(Line(sku, 1, 1m)));

        await AssertProblem(refused, HttpStatusCode.ServiceUnavailable, "overloaded");
        Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
        foreach (var c in held) c.Release.SetResult();
        foreach (var r in await Task.WhenAll(pending)) r.Dispose();
        Assert.Equal(new StockFigures(sku, 10, 0, 0, 10), await _client.Stock(sku));

        // Once the places are free, the same request is admitted.
        using var retried = await _client.PlaceOrder(key, OrderBody(Line(sku, 1, 1m)));
        await ExpectStatus(retried, HttpStatusCode.Created);
    }

    [Fact]
    public async Task Health_endpoints_are_not_counted_against_the_limit()
    {
        var held = new[] { new HoldingContent(), new HoldingContent() };
        var pending = held.Select(c => _client.PlaceOrder(NewKey(), c)).ToArray();
        await Task.WhenAll(held.Select(c => c.Started.Task));

        using var ready = await _client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        foreach (var c in held) c.Release.SetResult();
        foreach (var r in await Task.WhenAll(pending)) r.Dispose();
    }

    /// <summary>Waits until a read is refused, i.e. the held requests have reached the engine and hold their places.</summary>
    private async Task BothPlacesTaken(string sku)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            using var probe = await _client.GetAsync($"/api/stock/{sku}");
            if (probe.StatusCode == HttpStatusCode.ServiceUnavailable) return;
            Assert.True(DateTime.UtcNow < deadline, "the held requests never took the two places");
            await Task.Delay(20);
        }
    }

    /// <summary>A JSON body that starts sending, then waits to be released before it sends the rest.</summary>
    private sealed class HoldingContent : HttpContent
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public HoldingContent() => Headers.ContentType = new MediaTypeHeaderValue("application/json");

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync("{\"channel\":\"web\","u8.ToArray());
            await stream.FlushAsync();
            Started.TrySetResult();
            await Release.Task;
            await stream.WriteAsync("\"customerId\":\"c\",\"currency\":\"EUR\",\"lines\":[]}"u8.ToArray());
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
