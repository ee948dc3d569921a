using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using static OrderEngine.Api.Tests.Api;

using OrderEngine.Api.Tests.Security;

namespace OrderEngine.Api.Tests;

/// <summary>
/// The test server has no client address; this filter gives each request the one in its X-Test-Remote header as the
/// connection's address, before any of the engine's middleware runs. Without the header: 127.0.0.1, or a random
/// address of its own (so the test's set-up requests never share a client's bucket).
/// </summary>
internal sealed class TestRemoteAddress(bool randomByDefault) : IStartupFilter
{
    public const string Header = "X-Test-Remote";

    private string Default() => randomByDefault ? $"10.{Random.Shared.Next(256)}.{Random.Shared.Next(256)}.{Random.Shared.Next(1, 255)}" : "127.0.0.1";

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((http, nextStep) =>
        {
            http.Connection.RemoteIpAddress = IPAddress.Parse(http.Request.Headers[Header] is [{ } remote] ? remote : Default());
            return nextStep(http);
        });
        next(app);
    };

    public static void AddTo(IWebHostBuilder builder, bool randomByDefault) =>
        builder.ConfigureServices(s => s.AddSingleton<IStartupFilter>(new TestRemoteAddress(randomByDefault)));
}

/// <summary>Per-key buckets of 2 requests, one more every 2 s; clients without credentials 3 per IP.</summary>
public sealed class RateLimitedEngineFixture : EngineFixture
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["OrderEngine:Security:RateLimits:Key:Rate"] = "1",
        ["OrderEngine:Security:RateLimits:Key:Burst"] = "2",
        ["OrderEngine:Security:RateLimits:Key:Period"] = "00:00:02",
        ["OrderEngine:Security:RateLimits:Channel:Rate"] = "1",
        ["OrderEngine:Security:RateLimits:Channel:Burst"] = "2",
        ["OrderEngine:Security:RateLimits:Channel:Period"] = "00:00:02",
        ["OrderEngine:Security:RateLimits:Anonymous:Rate"] = "1",
        ["OrderEngine:Security:RateLimits:Anonymous:Burst"] = "3",
        ["OrderEngine:Security:RateLimits:Anonymous:Period"] = "00:00:02",
    };

    protected override void ConfigureHost(IWebHostBuilder builder) => TestRemoteAddress.AddTo(builder, randomByDefault: true);
}

/// <summary>Per-key limits: 429 + Retry-After problem, other keys unaffected, the bucket refills.</summary>
public sealed class PerKeyRateLimitTests(RateLimitedEngineFixture engine) : IClassFixture<RateLimitedEngineFixture>
{
    private readonly HttpClient _client = engine.CreateAnonymousClient();

    /// <summary>A stored key of its own (its own bucket): operator is limited by the Key bucket, a channel by the Channel bucket.</summary>
    private string ApiKey(string roles = "operator") => TestCredentials.KeyFor(engine.Services, roles, "rl-" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>A client with a fresh admin key (a fresh Channel bucket) for a test's set-up and checks.</summary>
    private HttpClient Admin() => TestCredentials.Send(engine.CreateAnonymousClient(), engine.Services, "admin", "rl-admin-" + Guid.NewGuid().ToString("N")[..12]);

    private Task<HttpResponseMessage> Get(string path, string? apiKey = null, string? remote = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (apiKey is not null) request.Headers.Add("X-Api-Key", apiKey);
        if (remote is not null) request.Headers.Add(TestRemoteAddress.Header, remote);
        return _client.SendAsync(request);
    }

    [Fact]
    public async Task A_key_past_its_burst_gets_429_with_retry_after_and_a_problem_another_key_does_not_and_the_bucket_refills()
    {
        var key = ApiKey();
        var path = $"/api/stock/{Sku("limited")}";
        for (var i = 0; i < 2; i++)
        {
            using var admitted = await Get(path, key);
            Assert.Equal(HttpStatusCode.NotFound, admitted.StatusCode);
        }

        using var refused = await Get(path, key);

        var problem = await AssertProblem(refused, HttpStatusCode.TooManyRequests, "rate-limited");
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
        Assert.Equal((int)retryAfter.Value.TotalSeconds, problem.GetProperty("retryAfter").GetInt32());
        Assert.DoesNotContain(key, problem.ToString());

        // Another key has its own bucket.
        using (var other = await Get(path, ApiKey())) Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);

        // After Retry-After the key has a token again (the partitioned limiter replenishes on its 100 ms beat).
        await Task.Delay(retryAfter.Value);
        var status = await Eventually(async () =>
        {
            using var again = await Get(path, key);
            return again.StatusCode;
        }, s => s != HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(5), "the key's bucket to refill");
        Assert.Equal(HttpStatusCode.NotFound, status);
    }

    [Fact]
    public async Task A_refused_placement_changes_nothing()
    {
        var sku = Sku("limited-place");
        var admin = Admin();
        await admin.SetStock(sku, 10);
        var key = ApiKey("channel:web");
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 3 && refused is null; i++)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders") { Content = JsonContent.Create(OrderBody(Line(sku, 1, 1m))) };
            request.Headers.Add("X-Api-Key", key);
            var response = await _client.SendAsync(request);
            if (response.StatusCode == HttpStatusCode.TooManyRequests) refused = response;
            else await ExpectStatus(response, HttpStatusCode.Created);
        }

        Assert.NotNull(refused);
        await AssertProblem(refused, HttpStatusCode.TooManyRequests, "rate-limited");
        Assert.Equal(new StockFigures(sku, 10, 2, 0, 8), await admin.Stock(sku));
    }

    [Fact]
    public async Task Without_credentials_the_client_ip_is_the_partition()
    {
        // Unauthenticated requests pass the limiter (on the client IP's bucket) before authorization answers 401.
        var path = $"/api/stock/{Sku("anon")}";
        for (var i = 0; i < 3; i++)
        {
            using var admitted = await Get(path, remote: "192.0.2.1");
            Assert.Equal(HttpStatusCode.Unauthorized, admitted.StatusCode);
        }
        using var refused = await Get(path, remote: "192.0.2.1");
        await AssertProblem(refused, HttpStatusCode.TooManyRequests, "rate-limited");

        using var otherIp = await Get(path, remote: "192.0.2.2");
        Assert.Equal(HttpStatusCode.Unauthorized, otherIp.StatusCode);
        // A key sent from the same address is counted on its own.
        using var withKey = await Get(path, ApiKey(), remote: "192.0.2.1");
        Assert.Equal(HttpStatusCode.NotFound, withKey.StatusCode);
    }

    [Fact]
    public async Task Health_and_the_signed_webhooks_are_not_limited_per_client()
    {
        const string remote = "192.0.2.9";
        for (var i = 0; i < 5; i++)
        {
            using var ready = await Get("/health/ready", remote: remote);
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }
        for (var i = 0; i < 5; i++)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/payments/sandbox/webhook") { Content = Json("{}") };
            request.Headers.Add(TestRemoteAddress.Header, remote);
            using var webhook = await _client.SendAsync(request);
            // Its signature is its authentication (none configured here: 404 unknown provider), never a 429.
            Assert.NotEqual(HttpStatusCode.TooManyRequests, webhook.StatusCode);
        }
    }
}

/// <summary>
/// Flash-sale placement limits: 2 placements per customer and 3 per client IP every 3 s; 127.0.0.1 is a trusted proxy,
/// so its X-Forwarded-For names the client.
/// </summary>
public sealed class PlacementLimitedEngineFixture : EngineFixture
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["OrderEngine:Security:RateLimits:PlacementsPerCustomer:Rate"] = "2",
        ["OrderEngine:Security:RateLimits:PlacementsPerCustomer:Burst"] = "2",
        ["OrderEngine:Security:RateLimits:PlacementsPerCustomer:Period"] = "00:00:03",
        ["OrderEngine:Security:RateLimits:PlacementsPerIp:Rate"] = "3",
        ["OrderEngine:Security:RateLimits:PlacementsPerIp:Burst"] = "3",
        ["OrderEngine:Security:RateLimits:PlacementsPerIp:Period"] = "00:00:03",
        ["OrderEngine:Security:RateLimits:TrustedProxies:0"] = "127.0.0.1",
    };

    protected override void ConfigureHost(IWebHostBuilder builder) => TestRemoteAddress.AddTo(builder, randomByDefault: false);
}

public sealed class PlacementLimitTests(PlacementLimitedEngineFixture engine) : IClassFixture<PlacementLimitedEngineFixture>
{
    private readonly HttpClient _client = engine.Client;
    private static int _ip;

    /// <summary>A client address of its own (so the per-IP limit stays out of a per-customer test).</summary>
    private static string FreshIp() => $"198.18.{Interlocked.Increment(ref _ip) / 250}.{_ip % 250 + 1}";

    private Task<HttpResponseMessage> Place(string sku, string customer, string? forwardedFor = null, string? remote = null, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders")
        {
            Content = JsonContent.Create(new { channel = "web", customerId = customer, currency = "EUR", lines = new[] { Line(sku, 1, 1m) } }),
        };
        request.Headers.Add("Idempotency-Key", idempotencyKey ?? NewKey());
        if (forwardedFor is not null) request.Headers.Add("X-Forwarded-For", forwardedFor);
        if (remote is not null) request.Headers.Add(TestRemoteAddress.Header, remote);
        return _client.SendAsync(request);
    }

    [Fact]
    public async Task A_customer_past_its_placements_gets_429_other_customers_do_not_and_the_limit_refills()
    {
        var sku = Sku("flash");
        await _client.SetStock(sku, 100);
        var customer = "cust-" + Guid.NewGuid().ToString("N")[..8];
        for (var i = 0; i < 2; i++)
        {
            using var placed = await Place(sku, customer, FreshIp());
            await ExpectStatus(placed, HttpStatusCode.Created);
        }

        using var refused = await Place(sku, customer, FreshIp());

        var problem = await AssertProblem(refused, HttpStatusCode.TooManyRequests, "rate-limited");
        Assert.Contains(customer, problem.GetProperty("detail").GetString());
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3));
        Assert.Equal(2, (await _client.Stock(sku)).Reserved);
        using (var other = await Place(sku, "cust-other-" + Guid.NewGuid().ToString("N")[..8], FreshIp()))
            await ExpectStatus(other, HttpStatusCode.Created);

        await Task.Delay(retryAfter.Value);
        var status = await Eventually(async () =>
        {
            using var again = await Place(sku, customer, FreshIp());
            return again.StatusCode;
        }, s => s != HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(5), "the customer's placements to refill");
        Assert.Equal(HttpStatusCode.Created, status);
    }

    [Fact]
    public async Task A_client_ip_past_its_placements_gets_429_another_ip_does_not()
    {
        var sku = Sku("flash-ip");
        await _client.SetStock(sku, 100);
        var ip = FreshIp();
        for (var i = 0; i < 3; i++)
        {
            using var placed = await Place(sku, "cust-" + Guid.NewGuid().ToString("N")[..8], ip);
            await ExpectStatus(placed, HttpStatusCode.Created);
        }

        using var refused = await Place(sku, "cust-" + Guid.NewGuid().ToString("N")[..8], ip);

        var problem = await AssertProblem(refused, HttpStatusCode.TooManyRequests, "rate-limited");
        Assert.Contains("address", problem.GetProperty("detail").GetString());
        Assert.NotNull(refused.Headers.RetryAfter?.Delta);
        Assert.Equal(3, (await _client.Stock(sku)).Reserved);
        using var otherIp = await Place(sku, "cust-" + Guid.NewGuid().ToString("N")[..8], FreshIp());
        await ExpectStatus(otherIp, HttpStatusCode.Created);
    }

    [Fact]
    public async Task X_forwarded_for_from_an_untrusted_address_is_ignored()
    {
        var sku = Sku("flash-xff");
        await _client.SetStock(sku, 100);
        const string untrusted = "203.0.113.50";
        for (var i = 0; i < 3; i++)
        {
            using var placed = await Place(sku, "cust-" + Guid.NewGuid().ToString("N")[..8], FreshIp(), remote: untrusted);
            await ExpectStatus(placed, HttpStatusCode.Created);
        }

        // A new X-Forwarded-For each time does not give the untrusted client a new bucket.
        using var refused = await Place(sku, "cust-" + Guid.NewGuid().ToString("N")[..8], FreshIp(), remote: untrusted);

        await AssertProblem(refused, HttpStatusCode.TooManyRequests, "rate-limited");
    }

    [Fact]
    public async Task A_retry_of_an_acknowledged_placement_is_answered_even_past_the_limit()
    {
        var sku = Sku("flash-retry");
        await _client.SetStock(sku, 100);
        var customer = "cust-" + Guid.NewGuid().ToString("N")[..8];
        var first = NewKey();
        using var placed = await Place(sku, customer, FreshIp(), idempotencyKey: first);
        await ExpectStatus(placed, HttpStatusCode.Created);
        var orderId = (await Body(placed)).GetProperty("id").GetString();
        using (var second = await Place(sku, customer, FreshIp())) await ExpectStatus(second, HttpStatusCode.Created);
        using (var over = await Place(sku, customer, FreshIp())) await AssertProblem(over, HttpStatusCode.TooManyRequests, "rate-limited");

        // The client did not hear the first answer and sends the same placement again: it gets the order, not a 429.
        using var retried = await Place(sku, customer, FreshIp(), idempotencyKey: first);

        await ExpectStatus(retried, HttpStatusCode.Created);
        Assert.Equal(orderId, (await Body(retried)).GetProperty("id").GetString());
        Assert.Equal(2, (await _client.Stock(sku)).Reserved);
    }
}

/// <summary>Every limit set to 0: off.</summary>
public sealed class RateLimitsOffEngineFixture : EngineFixture
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["OrderEngine:Security:RateLimits:Key:Rate"] = "0",
        ["OrderEngine:Security:RateLimits:Channel:Rate"] = "0",
        ["OrderEngine:Security:RateLimits:Anonymous:Rate"] = "0",
        ["OrderEngine:Security:RateLimits:PlacementsPerCustomer:Rate"] = "0",
        ["OrderEngine:Security:RateLimits:PlacementsPerIp:Rate"] = "0",
    };
}

public sealed class RateLimitsOffTests(RateLimitsOffEngineFixture engine) : IClassFixture<RateLimitsOffEngineFixture>
{
    [Fact]
    public async Task Limits_set_to_0_refuse_nothing()
    {
        var client = engine.CreateAnonymousClient();
        var sku = Sku("unlimited");
        await engine.Client.SetStock(sku, 100);
        var key = TestCredentials.KeyFor(engine.Services, "channel:web", "unlimited-web");
        for (var i = 0; i < 30; i++)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders")
            {
                Content = JsonContent.Create(new { channel = "web", customerId = "one-customer", currency = "EUR", lines = new[] { Line(sku, 1, 1m) } }),
            };
            request.Headers.Add("X-Api-Key", key);
            using var response = await client.SendAsync(request);
            await ExpectStatus(response, HttpStatusCode.Created);
        }
        Assert.Equal(30, (await engine.Client.Stock(sku)).Reserved);
    }
}
