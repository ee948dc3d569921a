using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OrderEngine.Engine.Hosting;

namespace OrderEngine.Engine.Webhooks;

/// <summary>The cluster singleton that owns the webhook projection and dispatcher, so one node fills and sends the outbox.</summary>
public sealed class WebhookKeeper : ActorBase
{
    public WebhookKeeper(WebhookStore store, IHttpClientFactory http, WebhookOptions options, TimeProvider clock)
    {
        Context.ActorOf(WebhookProjection.Props(store, clock), "projection");
        // stock.low: Context.ActorOf(WebhookProjection.Props(store, clock, "stock-low", "webhooks-stock"), "stock-projection");
        Context.ActorOf(WebhookDispatcher.Props(store, http, options, clock, new Random()), "dispatcher");
    }

    public static Props Props(WebhookStore store, IHttpClientFactory http, WebhookOptions options, TimeProvider clock) =>
        Akka.Actor.Props.Create(() => new WebhookKeeper(store, http, options, clock));

    protected override bool Receive(object message) => false;
}

/// <summary>Registration of outbound webhooks: the store, the HTTP client, options checked on start, and the singleton.</summary>
public static class WebhookHosting
{
    public static IServiceCollection AddOrderEngineWebhooks(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => new WebhookStore(sp.GetRequiredService<JournalDatabase>()));
        services.AddHttpClient(WebhookDispatcher.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
        services.AddOptions<OrderEngineOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OrderEngineOptions>, WebhookOptionsValidator>());
        return services;
    }

    public static AkkaConfigurationBuilder WithOrderEngineWebhooks(this AkkaConfigurationBuilder builder, OrderEngineOptions options, TimeProvider clock) =>
        builder.WithSingleton<WebhookKeeper>(
            "webhooks",
            (_, _, resolver) => WebhookKeeper.Props(
                resolver.GetService<WebhookStore>(), resolver.GetService<IHttpClientFactory>(), options.Webhooks, clock),
            new ClusterSingletonOptions(),
            createProxyToo: false);
}

/// <summary>Names every wrong webhook setting when the node starts (instead of failing on first use).</summary>
internal sealed class WebhookOptionsValidator : IValidateOptions<OrderEngineOptions>
{
    public ValidateOptionsResult Validate(string? name, OrderEngineOptions options) =>
        options.Webhooks.Errors() is { Count: > 0 } errors ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
}
