using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using OrderEngine.Testing;

namespace OrderEngine.Api.Tests;

/// <summary>
/// One engine node per test class, hosted through WebApplicationFactory on a throwaway SQLite file; it is a one-node
/// cluster, so the fixture waits for /health/ready before any test runs.
/// </summary>
public class EngineFixture : IAsyncLifetime
{
    private static readonly TimeSpan ReadyWithin = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _directory = new();
    private readonly WebApplicationFactory<Program> _root = new();
    private WebApplicationFactory<Program>? _factory;

    public HttpClient Client { get; private set; } = null!;

    /// <summary>A client of the same engine that sends no credentials (for tests of anonymous access and of roles).</summary>
    public HttpClient CreateAnonymousClient() => _factory!.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    /// <summary>The engine's services, for a test that must send an entity what no endpoint sends (a carrier's delivery).</summary>
    public IServiceProvider Services => _factory!.Services;

    /// <summary>Settings on top of the per-class database and the free remoting port.</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>();

    /// <summary>Anything else a fixture needs of the host (services, a startup filter).</summary>
    protected virtual void ConfigureHost(IWebHostBuilder builder) { }

    public async Task InitializeAsync()
    {
        _factory = _root.WithWebHostBuilder(b =>
        {
            OrderEngine.Api.Tests.Security.TestCredentials.Configure(b);
            b.UseSetting("OrderEngine:Persistence:SqlitePath", _directory.File("oe.db"));
            b.UseSetting("OrderEngine:Cluster:Port", "0");
            foreach (var (key, value) in Settings) b.UseSetting(key, value);
            ConfigureHost(b);
        });
        Client = OrderEngine.Api.Tests.Security.TestCredentials.Send(_factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false }));
        await WaitUntilReadyAsync(Client);
    }

    /// <summary>Another client of the same engine, with its own cookies (none to start with) and no automatic redirects.</summary>
    public HttpClient NewClient() => _factory!.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    /// <summary>Polls /health/ready until the node answers 200 (a one-node cluster joins itself first).</summary>
    public static async Task WaitUntilReadyAsync(HttpClient client)
    {
        var deadline = DateTime.UtcNow + ReadyWithin;
        var last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            using var response = await client.GetAsync("/health/ready");
            if (response.StatusCode == HttpStatusCode.OK) return;
            last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            await Task.Delay(200);
        }
        throw new TimeoutException($"the engine did not become ready within {ReadyWithin.TotalSeconds} s; last /health/ready: {last}");
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_factory is not null) await _factory.DisposeAsync();
        await _root.DisposeAsync();
        _directory.Dispose();
    }
}

/// <summary>An engine whose orders hold their stock for two seconds only, to watch expiry happen.</summary>
public sealed class ShortHoldEngineFixture : EngineFixture
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["OrderEngine:Orders:HoldTime"] = "00:00:02",
    };
}
