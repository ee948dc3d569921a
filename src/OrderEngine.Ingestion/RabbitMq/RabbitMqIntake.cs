using System.Text.RegularExpressions;
using Akka;
using Akka.Actor;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrderEngine.Engine.PersonalData;
using OrderEngine.Domain;
using OrderEngine.Domain.Orders;
using OrderEngine.Ingestion.Channels;
using OrderEngine.Ingestion.Intake;

namespace OrderEngine.Ingestion.RabbitMq;

/// <summary>
/// The RabbitMQ source of channel intake: one <see cref="RabbitMqQueueConsumer"/> per configured queue
/// (<c>OrderEngine:Channels:RabbitMq</c>), started with the node and drained when it stops. Does nothing when no broker
/// URI is configured. Starting never waits for the broker: consumers connect, and reconnect, on their own.
/// </summary>
public sealed partial class RabbitMqIntake(IServiceProvider services, IOptions<ChannelOptions> options, ILogger<RabbitMqIntake> log) : IHostedService
{
    private readonly List<IActorRef> _consumers = [];
    private ActorSystem? _system;
    private Task? _drained;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var channels = options.Value;
        var rabbit = channels.RabbitMq;
        if (string.IsNullOrWhiteSpace(rabbit.Uri)) return Task.CompletedTask;
        if (!TryBroker(rabbit.Uri, out var broker, out var endpoint))
        {
            log.LogError("OrderEngine:Channels:RabbitMq:Uri is not an amqp:// or amqps:// URI; RabbitMQ intake is off");
            return Task.CompletedTask;
        }
        if (rabbit.Queues.Count == 0)
        {
            log.LogWarning("RabbitMQ intake has a broker ({Broker}) but no queues (OrderEngine:Channels:RabbitMq:Queues); nothing is consumed", endpoint);
            return Task.CompletedTask;
        }
        var prefetch = rabbit.Prefetch;
        if (prefetch == 0)
        {
            // 0 means "no limit" to the broker, which would end the back-pressure.
            prefetch = new RabbitMqOptions().Prefetch;
            log.LogWarning("OrderEngine:Channels:RabbitMq:Prefetch 0 would let the broker deliver without limit; {Prefetch} is used", prefetch);
        }
        var parallelism = Math.Max(1, channels.Parallelism);
        var system = services.GetRequiredService<ActorSystem>();
        var intake = services.GetRequiredService<ChannelIntake>();
        var rules = services.GetRequiredService<OrderRules>();
        var customerIds = services.GetRequiredService<CustomerIdPseudonymizer>();
        for (var i = 0; i < rabbit.Queues.Count; i++)
        {
            var queue = rabbit.Queues[i];
            if (Problem(queue, rules) is { } problem)
            {
                log.LogError("OrderEngine:Channels:RabbitMq:Queues:{Index}: {Problem}; this queue is not consumed", i, problem);
                continue;
            }
            var settings = new RabbitMqQueueConsumer.Settings(broker, endpoint, queue, prefetch, parallelism);
            _consumers.Add(system.ActorOf(RabbitMqQueueConsumer.Props(settings, intake, rules, customerIds), $"rabbitmq-intake-{i}-{ActorNameUnsafe().Replace(queue.Queue, "_")}"));
        }
        // The node's coordinated shutdown (which Akka.Hosting starts as soon as the host begins to stop, before StopAsync
        // here) drains the consumers first, while the order shards still answer.
        _system = system;
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, "rabbitmq-intake-drain", async () =>
        {
            await DrainAsync();
            return Done.Instance;
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => DrainAsync().WaitAsync(cancellationToken);

    /// <summary>Drains every consumer once: each stops taking messages and settles those in flight, so a restart redelivers as little as possible.</summary>
    private Task DrainAsync()
    {
        lock (_consumers) return _drained ??= DrainAllAsync();
    }

    private async Task DrainAllAsync()
    {
        if (_system is null || _system.WhenTerminated.IsCompleted) return;
        await Task.WhenAll(_consumers.Select(async consumer =>
        {
            try
            {
                await consumer.Ask<RabbitMqQueueConsumer.Drained>(RabbitMqQueueConsumer.Drain.Instance, RabbitMqQueueConsumer.DrainTimeout + TimeSpan.FromSeconds(1));
            }
            catch (Exception e)
            {
                log.LogWarning("a RabbitMQ consumer did not drain ({Reason}); its unacknowledged messages are redelivered", e.GetBaseException().Message);
            }
            _system.Stop(consumer);
        }));
    }

    /// <summary>Why a queue's settings cannot be consumed, or null.</summary>
    internal static string? Problem(QueueOptions queue, OrderRules rules)
    {
        if (string.IsNullOrWhiteSpace(queue.Queue)) return "Queue is empty";
        if (!Identifiers.IsValidChannel(queue.Channel)) return $"Channel '{queue.Channel}' is not a channel name ({Identifiers.ChannelRule})";
        if (!RecordFormats.IsKnown(queue.Format)) return $"Format '{queue.Format}' is not a record format this node reads (ndjson, csv, shopify:{{shop}}, woocommerce:{{store}}, ...)";
        try
        {
            // A platform format names its shop or store; an empty one is a configuration error, found here rather than per message.
            RecordFormats.Read(queue.Format, "{}", rules);
        }
        catch (ArgumentException e)
        {
            return $"Format '{queue.Format}': {e.Message}";
        }
        return null;
    }

    /// <summary>The broker URI, and how to name it in logs: scheme, host, port and vhost, never the credentials.</summary>
    internal static bool TryBroker(string uri, out Uri broker, out string endpoint)
    {
        endpoint = "";
        if (!Uri.TryCreate(uri.Trim(), UriKind.Absolute, out broker!) || broker.Scheme is not ("amqp" or "amqps")) return false;
        endpoint = $"{broker.Scheme}://{broker.Host}:{(broker.IsDefaultPort || broker.Port < 0 ? (broker.Scheme == "amqps" ? 5671 : 5672) : broker.Port)}{broker.AbsolutePath}";
        return true;
    }

    [GeneratedRegex("[^A-Za-z0-9_.-]")]
    private static partial Regex ActorNameUnsafe();
}
