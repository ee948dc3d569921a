using OrderEngine.Engine.Orders;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrderEngine.Domain.Orders;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.PersonalData;
using OrderEngine.Engine.Sharding;
using OrderEngine.Ingestion.Channels;
using OrderEngine.Ingestion.Inbox;
using OrderEngine.Ingestion.Intake;
using OrderEngine.Ingestion.Reconciliation;

namespace OrderEngine.Ingestion;

/// <summary>Registers channel intake: the shared pipeline stage, quarantine, counters, webhooks, feeds, the inbox watcher and RabbitMQ consumers.</summary>
public static class IngestionHosting
{
    public static IServiceCollection AddOrderEngineIngestion(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ChannelOptions>().Bind(configuration.GetSection(ChannelOptions.Section));
        services.AddSingleton(sp => new QuarantineStore(
            sp.GetRequiredService<JournalDatabase>(),
            sp.GetRequiredService<CustomerKeyStore>(),
            // resolved on first use, when the schema (engine_secrets) exists
            () => sp.GetRequiredService<CustomerIdPseudonymizer>(),
            sp.GetRequiredService<IOptions<ChannelOptions>>().Value.QuarantineResolvedRetention));
        services.AddSingleton<IPersonalDataHolder>(sp => new QuarantineErasure(() => sp.GetRequiredService<CustomerIdPseudonymizer>()));
        services.AddHostedService<QuarantineSweep>();
        services.AddSingleton<ChannelStats>();
        services.AddHostedService<ChannelStatsFlusher>();
        services.AddSingleton(sp =>
        {
            var engine = sp.GetRequiredService<IOptions<OrderEngineOptions>>().Value;
            return engine.Orders.ToRules(engine.Review, engine.Payments);
        });
        services.AddSingleton(sp =>
        {
            var region = sp.GetRequiredService<IRequiredActor<OrderRegion>>();
            return new ChannelIntake(
                () => region.ActorRef,
                sp.GetRequiredService<QuarantineStore>(),
                sp.GetRequiredService<ChannelStats>(),
                sp.GetRequiredService<IOptions<OrderEngineOptions>>().Value.AskTimeout,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<ChannelIntake>>(),
                sp.GetRequiredService<PlacementGate>());
        });
        services.AddSingleton(sp => new FeedIntake(
            sp.GetRequiredService<ChannelIntake>(),
            sp.GetRequiredService<ActorSystem>(),
            sp.GetRequiredService<OrderRules>(),
            sp.GetRequiredService<IOptions<ChannelOptions>>().Value.Parallelism,
            sp.GetRequiredService<CustomerIdPseudonymizer>()));
        services.AddSingleton(sp =>
        {
            var channels = sp.GetRequiredService<IOptions<ChannelOptions>>().Value;
            var askTimeout = sp.GetRequiredService<IOptions<OrderEngineOptions>>().Value.AskTimeout;
            return new WebhookIntake(sp.GetRequiredService<ChannelIntake>(), sp.GetRequiredService<ActorSystem>(), channels.WebhookQueueSize, channels.Parallelism,
                askTimeout * 2);
        });
        services.AddSingleton(sp =>
        {
            var region = sp.GetRequiredService<IRequiredActor<OrderRegion>>();
            return new ChannelReconciliation(sp.GetRequiredService<JournalDatabase>(), () => region.ActorRef,
                sp.GetRequiredService<IOptions<OrderEngineOptions>>().Value.AskTimeout);
        });
        services.AddHostedService<InboxService>();
        services.AddHostedService<RabbitMq.RabbitMqIntake>();
        return services;
    }
}

/// <summary>Starts the inbox watcher when an inbox folder is configured.</summary>
internal sealed class InboxService(IServiceProvider services, IOptions<ChannelOptions> options, ILogger<InboxService> log) : IHostedService
{
    private IActorRef? _watcher;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var inbox = options.Value.Inbox;
        if (string.IsNullOrWhiteSpace(inbox.Path)) return Task.CompletedTask;
        var root = Path.GetFullPath(inbox.Path);
        Directory.CreateDirectory(root);
        var system = services.GetRequiredService<ActorSystem>();
        _watcher = system.ActorOf(InboxWatcher.Props(root, services.GetRequiredService<FeedIntake>(), inbox, services.GetRequiredService<TimeProvider>()), "channel-inbox");
        log.LogInformation("watching the inbox {Inbox} for channel feed files", root);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _watcher?.Tell(PoisonPill.Instance);
        return Task.CompletedTask;
    }
}
