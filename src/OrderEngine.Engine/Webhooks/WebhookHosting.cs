using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Projections;

namespace OrderEngine.Engine.Webhooks;

/// <summary>Registration of outbound webhooks: the store, its outbox projection, the HTTP client, options checked on start, and the dispatcher singleton.</summary>
public static class WebhookHosting
{
    public static IServiceCollection AddOrderEngineWebhooks(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => new WebhookStore(sp.GetRequiredService<JournalDatabase>()));
        services.AddSingleton<IProjection>(sp => new WebhookOutboxProjection(sp.GetRequiredService<WebhookStore>(), sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.AddHttpClient(WebhookDispatcher.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
        services.AddOptions<OrderEngineOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OrderEngineOptions>, WebhookOptionsValidator>());
        return services;
    }

    public static AkkaConfigurationBuilder WithOrderEngineWebhooks(this AkkaConfigurationBuilder builder, OrderEngineOptions options, TimeProvider clock) =>
        !options.Cluster.HostsShards ? builder : builder.WithSingleton<WebhookDispatcher>(
            "webhooks",
            (_, _, resolver) => WebhookDispatcher.Props(
                resolver.GetService<WebhookStore>(), resolver.GetService<IHttpClientFactory>(), options.Webhooks, clock, new Random()),
            new ClusterSingletonOptions { Role = OrderEngine.Engine.Hosting.ClusterOptions.ShardsRole },
            createProxyToo: false);
}

/// <summary>Names every wrong webhook setting when the node starts (instead of failing on first use).</summary>
internal sealed class WebhookOptionsValidator : IValidateOptions<OrderEngineOptions>
{
    public ValidateOptionsResult Validate(string? name, OrderEngineOptions options) =>
        options.Webhooks.Errors() is { Count: > 0 } errors ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
}
