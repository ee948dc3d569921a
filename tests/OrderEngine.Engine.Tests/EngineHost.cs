using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Sharding;

namespace OrderEngine.Engine.Tests;

/// <summary>A whole engine node as the API hosts it (Akka.Hosting, one-node cluster, shard regions, SQL journal), without HTTP.</summary>
internal sealed class EngineHost : IAsyncDisposable
{
    private readonly IHost _host;

    private EngineHost(IHost host)
    {
        _host = host;
        var registry = host.Services.GetRequiredService<ActorRegistry>();
        System = host.Services.GetRequiredService<ActorSystem>();
        Orders = registry.Get<OrderRegion>();
        Stock = registry.Get<StockRegion>();
    }

    public ActorSystem System { get; }
    public IServiceProvider Services => _host.Services;
    public IActorRef Orders { get; }
    public IActorRef Stock { get; }

    public static async Task<EngineHost> StartAsync(IDictionary<string, string?> settings, Action<AkkaConfigurationBuilder>? configure = null,
        Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddFilter(_ => false);
        builder.Configuration.AddInMemoryCollection(settings);
        services?.Invoke(builder.Services);
        builder.Services.AddOrderEngine(builder.Configuration, configure is null ? null : (b, _) => configure(b));
        var host = builder.Build();
        await host.StartAsync();
        var engine = new EngineHost(host);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Cluster.Get(engine.System).SelfMember.Status != MemberStatus.Up)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the node did not become an Up cluster member");
            await Task.Delay(50);
        }
        return engine;
    }

    public static Dictionary<string, string?> Sqlite(string path) => new()
    {
        ["OrderEngine:Persistence:Provider"] = "Sqlite",
        ["OrderEngine:Persistence:SqlitePath"] = path,
        ["OrderEngine:Cluster:Port"] = "0",
    };

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(TimeSpan.FromSeconds(20));
        _host.Dispose();
    }
}
