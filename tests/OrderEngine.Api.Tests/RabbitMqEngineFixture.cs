using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrderEngine.Domain.Orders;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Sharding;
using OrderEngine.Ingestion.Intake;
using OrderEngine.Testing;
using RabbitMQ.Client;

namespace OrderEngine.Api.Tests;

/// <summary>
/// A throwaway RabbitMQ broker with one durable queue per scenario, and one engine node (WebApplicationFactory, throwaway
/// SQLite) consuming them through OrderEngine:Channels:RabbitMq. The node's intake reaches the order shards through an
/// <see cref="IntakeGate"/>, which answers "did not answer in time" for the order ids a test holds, so the
/// engine-unavailable path is driven deterministically rather than by racing a timeout.
/// </summary>
/// <remarks>
/// Without rabbitmq-server nothing is started and the tests skip (<see cref="RabbitMqFactAttribute"/>), except under
/// CI=true, where starting fails and so do the tests.
/// </remarks>
public sealed class RabbitMqEngineFixture : IAsyncLifetime
{
    /// <summary>The queues the node consumes: each scenario has its own queue and channel, so counters and queue depths are its own.</summary>
    public static readonly IReadOnlyList<(string Queue, string Channel, string Format)> Queues =
    [
        ("orders.accepted", "rmq-accepted", "ndjson"),
        ("orders.redelivered", "rmq-redelivered", "ndjson"),
        ("orders.poison", "rmq-poison", "ndjson"),
        ("orders.held", "rmq-held", "ndjson"),
        ("orders.several", "rmq-several", "ndjson"),
        ("orders.reconnect", "rmq-reconnect", "ndjson"),
        // Not declared by the fixture: the test declares it while the node keeps looking for it.
        ("orders.late", "rmq-late", "ndjson"),
    ];

    /// <summary>The queues the fixture declares before the node starts.</summary>
    public static IEnumerable<string> Declared => Queues.Select(q => q.Queue).Where(q => q != "orders.late");

    private readonly TempDirectory _directory = new();
    private readonly SemaphoreSlim _publishing = new(1, 1);
    private RabbitMqServer? _broker;
    private WebApplicationFactory<Program>? _root;
    private WebApplicationFactory<Program>? _factory;
    private IConnection? _publisher;
    private IChannel? _publish;

    public RabbitMqServer Broker => _broker ?? throw new InvalidOperationException(RabbitMqAvailability.SkipReason() ?? "the broker is not started");

    public HttpClient Client { get; private set; } = null!;

    public IntakeGate Gate { get; } = new();

    public async Task InitializeAsync()
    {
        if (RabbitMqAvailability.SkipReason() is { } missing)
        {
            if (RabbitMqAvailability.MustRun) throw new InvalidOperationException($"{missing}. CI=true, so RabbitMQ tests must run, not skip.");
            return;
        }
        _broker = await RabbitMqServer.StartAsync();
        var channel = await PublishChannelAsync();
        foreach (var queue in Declared) await Declare(queue);

        _root = new WebApplicationFactory<Program>();
        _factory = _root.WithWebHostBuilder(b =>
        {
            OrderEngine.Api.Tests.Security.TestCredentials.Configure(b);
            b.UseSetting("OrderEngine:Persistence:SqlitePath", _directory.File("oe.db"));
            b.UseSetting("OrderEngine:Cluster:Port", "0");
            b.UseSetting("OrderEngine:Channels:RabbitMq:Uri", _broker.Uri.ToString());
            b.UseSetting("OrderEngine:Channels:RabbitMq:Prefetch", "8");
            for (var i = 0; i < Queues.Count; i++)
            {
                var prefix = $"OrderEngine:Channels:RabbitMq:Queues:{i.ToString(CultureInfo.InvariantCulture)}:";
                b.UseSetting(prefix + "Queue", Queues[i].Queue);
                b.UseSetting(prefix + "Channel", Queues[i].Channel);
                b.UseSetting(prefix + "Format", Queues[i].Format);
            }
            b.ConfigureTestServices(services => services.AddSingleton(sp =>
            {
                var region = sp.GetRequiredService<IRequiredActor<OrderRegion>>();
                var system = sp.GetRequiredService<ActorSystem>();
                var gated = new Lazy<IActorRef>(() => system.ActorOf(Props.Create(() => new GatedRegion(region.ActorRef, Gate)), "test-intake-gate"));
                return new ChannelIntake(
                    () => gated.Value,
                    sp.GetRequiredService<QuarantineStore>(),
                    sp.GetRequiredService<ChannelStats>(),
                    sp.GetRequiredService<IOptions<OrderEngineOptions>>().Value.AskTimeout,
                    sp.GetRequiredService<TimeProvider>(),
                    sp.GetRequiredService<ILogger<ChannelIntake>>());
            }));
        });
        Client = OrderEngine.Api.Tests.Security.TestCredentials.Send(_factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false }));
        await EngineFixture.WaitUntilReadyAsync(Client);
    }

    /// <summary>Declares a durable queue, as an operator would.</summary>
    public async Task Declare(string queue)
    {
        await _publishing.WaitAsync();
        try
        {
            await (await PublishChannelAsync()).QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        }
        finally
        {
            _publishing.Release();
        }
    }

    /// <summary>Publishes one persistent message to a queue (default exchange) and waits for the broker's confirm.</summary>
    public Task Publish(string queue, string body) => Publish(queue, Encoding.UTF8.GetBytes(body));

    public async Task Publish(string queue, byte[] body)
    {
        await _publishing.WaitAsync();
        try
        {
            var channel = await PublishChannelAsync();
            await channel.BasicPublishAsync("", queue, mandatory: true, new BasicProperties { Persistent = true, ContentType = "application/json" }, body);
        }
        finally
        {
            _publishing.Release();
        }
    }

    /// <summary>Ready plus unacknowledged messages of a queue, as the broker counts them.</summary>
    public async Task<(long Ready, long Unacked)> Depth(string queue) =>
        (await Broker.QueueCountsAsync()).TryGetValue(queue, out var counts) ? counts : throw new InvalidOperationException($"no queue {queue} on the broker");

    private async Task<IChannel> PublishChannelAsync()
    {
        // A test may close every connection on the broker; the publisher then opens a new one.
        if (_publish is { IsOpen: true }) return _publish;
        if (_publisher is not null) await _publisher.DisposeAsync();
        _publisher = await new ConnectionFactory { Uri = Broker.Uri, ClientProvidedName = "test publisher" }.CreateConnectionAsync();
        _publish = await _publisher.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        return _publish;
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_factory is not null) await _factory.DisposeAsync();
        if (_root is not null) await _root.DisposeAsync();
        try
        {
            if (_publisher is not null) await _publisher.DisposeAsync();
        }
        catch (Exception)
        {
            // The broker goes next anyway.
        }
        if (_broker is not null) await _broker.DisposeAsync();
        _directory.Dispose();
    }

    /// <summary>Stands between the intake and the order shards: forwards everything but the placements of held orders.</summary>
    private sealed class GatedRegion : ReceiveActor
    {
        public GatedRegion(IActorRef region, IntakeGate gate) =>
            ReceiveAny(message =>
            {
                if (message is PlaceOrder place && gate.Refuse(place.OrderId))
                    // What an Ask sees when the entity does not answer within its timeout.
                    Sender.Tell(new Status.Failure(new AskTimeoutException($"order {place.OrderId} is held by the test")));
                else
                    region.Forward(message);
            });
    }
}

/// <summary>The order ids whose placement the engine "does not answer in time", and how often each was refused.</summary>
public sealed class IntakeGate
{
    private readonly ConcurrentDictionary<string, bool> _held = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _refusals = new(StringComparer.Ordinal);

    public void Hold(string orderId) => _held[orderId] = true;

    public void Release(string orderId) => _held.TryRemove(orderId, out _);

    /// <summary>How many times the placement of this order reached the gate while held.</summary>
    public int Refusals(string orderId) => _refusals.GetValueOrDefault(orderId);

    internal bool Refuse(string orderId)
    {
        if (!_held.ContainsKey(orderId)) return false;
        _refusals.AddOrUpdate(orderId, 1, (_, n) => n + 1);
        return true;
    }
}
