using System.Collections.Concurrent;
using System.Net;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrderEngine.Domain;
using OrderEngine.Domain.Orders;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Orders;
using OrderEngine.Engine.Sharding;
using OrderEngine.Engine.Stock;
using OrderEngine.Testing;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests;

/// <summary>
/// An engine that admits two placements of one SKU in flight at a time, and that holds the placements of the order ids
/// the test names until the test lets them through (so they stay in flight).
/// </summary>
public sealed class TwoPerSkuEngineFixture : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private readonly WebApplicationFactory<Program> _root = new();
    private WebApplicationFactory<Program>? _factory;

    public HttpClient Client { get; private set; } = null!;

    /// <summary>Order ids whose placement is held back; completing its source lets it reach its order entity.</summary>
    public ConcurrentDictionary<string, TaskCompletionSource> Holds { get; } = new(StringComparer.Ordinal);

    /// <summary>How many held placements reached the gate's order region.</summary>
    public int Reached => _reached;

    private int _reached;

    public async Task InitializeAsync()
    {
        _factory = _root.WithWebHostBuilder(b =>
        {
            OrderEngine.Api.Tests.Security.TestCredentials.Configure(b);
            b.UseSetting("OrderEngine:Persistence:SqlitePath", _directory.File("oe.db"));
            b.UseSetting("OrderEngine:Cluster:Port", "0");
            b.UseSetting("OrderEngine:Orders:MaxInFlightPerSku", "2");
            // Held placements wait for the test, however slow the machine.
            b.UseSetting("OrderEngine:AskTimeout", "00:01:00");
            b.ConfigureTestServices(services => services.AddSingleton(sp =>
            {
                var real = sp.GetRequiredService<ActorRegistry>();
                var system = sp.GetRequiredService<ActorSystem>();
                var registry = new ActorRegistry();
                registry.Register<OrderRegion>(system.ActorOf(Props.Create(() => new HoldingRegion(real.Get<OrderRegion>(), this))));
                registry.Register<StockRegion>(real.Get<StockRegion>());
                return new PlacementGate(registry, sp.GetRequiredService<SoldOutBoard>(), sp.GetRequiredService<IOptions<OrderEngineOptions>>());
            }));
        });
        Client = OrderEngine.Api.Tests.Security.TestCredentials.Send(_factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false }));
        await EngineFixture.WaitUntilReadyAsync(Client);
    }

    public async Task DisposeAsync()
    {
        foreach (var held in Holds.Values) held.TrySetResult();
        Client.Dispose();
        if (_factory is not null) await _factory.DisposeAsync();
        await _root.DisposeAsync();
        _directory.Dispose();
    }

    private sealed class HoldingRegion : ReceiveActor
    {
        public HoldingRegion(IActorRef region, TwoPerSkuEngineFixture fixture) =>
            ReceiveAny(message =>
            {
                if (message is PlaceOrder place && fixture.Holds.TryGetValue(place.OrderId, out var release))
                {
                    var sender = Sender;
                    Interlocked.Increment(ref fixture._reached);
                    release.Task.ContinueWith(_ => region.Tell(message, sender), TaskScheduler.Default);
                }
                else
                {
                    region.Forward(message);
                }
            });
    }
}

/// <summary>A flash sale's crowd beyond the in-flight limit of its SKU is refused 429 with Retry-After, and nothing changes.</summary>
public sealed class HotSkuAdmissionTests(TwoPerSkuEngineFixture engine) : IClassFixture<TwoPerSkuEngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    [Fact]
    public async Task Placements_beyond_the_in_flight_limit_of_a_sku_get_429_with_retry_after_and_change_nothing()
    {
        var sku = Sku("hot");
        await _client.SetStock(sku, 10);
        var keys = new[] { NewKey(), NewKey() };
        foreach (var k in keys) engine.Holds[Identifiers.OrderIdFromIdempotencyKey(k)] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pending = keys.Select(k => _client.PlaceOrder(k, OrderBody(Line(sku, 1, 1m)))).ToArray();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (engine.Reached < 2) { Assert.True(DateTime.UtcNow < deadline, "the two placements never reached the order region"); await Task.Delay(20); }

        var key = NewKey();
        using var refused = await _client.PlaceOrder(key, OrderBody(Line(sku, 1, 1m)));

        var problem = await AssertProblem(refused, (HttpStatusCode)429, "overloaded");
        Assert.Contains(sku, problem.Str("detail"));
        Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
        // Another SKU is not held back by the hot one.
        var other = Sku("other");
        await _client.SetStock(other, 1);
        using (var placed = await _client.PlaceOrder(NewKey(), OrderBody(Line(other, 1, 1m)))) await ExpectStatus(placed, HttpStatusCode.Created);
        Assert.Equal(new StockFigures(sku, 10, 0, 0, 10), await _client.Stock(sku));

        // Once the two in flight are answered, the same request is admitted.
        foreach (var k in keys) engine.Holds[Identifiers.OrderIdFromIdempotencyKey(k)].TrySetResult();
        foreach (var r in await Task.WhenAll(pending)) { await ExpectStatus(r, HttpStatusCode.Created); r.Dispose(); }
        using var retried = await _client.PlaceOrder(key, OrderBody(Line(sku, 1, 1m)));
        await ExpectStatus(retried, HttpStatusCode.Created);
        Assert.Equal(new StockFigures(sku, 10, 3, 0, 7), await _client.Stock(sku));
    }
}
