using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OrderEngine.Domain.ShippingMethods;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Products;
using OrderEngine.Engine.Sharding;

namespace OrderEngine.Engine.Shipping;

/// <summary>Shipping and products on a node: the configured rules (checked at start), the product and rules regions, and <see cref="ShippingQuotes"/>.</summary>
public static class ShippingHosting
{
    public const string Section = "OrderEngine:Shipping";

    /// <summary>
    /// Binds "OrderEngine:Shipping" and checks it when the host starts: rules with problems stop the start with every
    /// problem listed. With no section at all, <see cref="ShippingDefaults.Document"/> is used.
    /// </summary>
    public static IServiceCollection AddOrderEngineShipping(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ShippingRulesDocument>().Bind(configuration.GetSection(Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ShippingRulesDocument>, ConfiguredRulesValidator>());
        services.TryAddSingleton(sp =>
        {
            var registry = sp.GetRequiredService<ActorRegistry>();
            var options = sp.GetRequiredService<IOptions<OrderEngineOptions>>().Value;
            return new ShippingQuotes(registry.Get<ProductRegion>(), registry.Get<ShippingRulesRegion>(), options.AskTimeout,
                sp.GetRequiredService<TimeProvider>());
        });
        return services;
    }

    /// <summary>The rules the configuration gives (the defaults when it gives none).</summary>
    public static ShippingRules ConfiguredRules(IServiceProvider sp) => Configured(sp.GetRequiredService<IOptions<ShippingRulesDocument>>().Value);

    internal static ShippingRules Configured(ShippingRulesDocument document) =>
        (document.IsEmpty ? ShippingDefaults.Document() : document).ToRules();

    /// <summary>The product region (one entity per SKU) and the shipping rules region (one entity).</summary>
    public static AkkaConfigurationBuilder WithOrderEngineShipping(this AkkaConfigurationBuilder builder, IServiceProvider sp)
    {
        var options = sp.GetRequiredService<IOptions<OrderEngineOptions>>().Value;
        var clock = sp.GetRequiredService<TimeProvider>();
        var shardOptions = new ShardOptions
        {
            StateStoreMode = StateStoreMode.DData,
            RememberEntities = false,
            ShouldPassivateIdleEntities = false,
            HandOffStopMessage = StopEntity.Instance,
            Role = OrderEngine.Engine.Hosting.ClusterOptions.ShardsRole,
        };
        builder.WithShardRegion<ProductRegion>(
            "product",
            (_, _, _) => sku => ProductActor.Props(sku, options.EntityIdleTimeout, clock),
            new ProductMessageExtractor(options.Cluster.ShardCount),
            shardOptions);
        builder.WithShardRegion<ShippingRulesRegion>(
            "shipping-rules",
            (_, _, _) =>
            {
                // Read when the entity starts: the host's start has checked these rules by then.
                return _ => ShippingRulesActor.Props(ConfiguredRules(sp), options.EntityIdleTimeout, clock);
            },
            new ShippingRulesMessageExtractor(options.Cluster.ShardCount),
            shardOptions);
        return builder;
    }

    private sealed class ConfiguredRulesValidator : IValidateOptions<ShippingRulesDocument>
    {
        public ValidateOptionsResult Validate(string? name, ShippingRulesDocument options)
        {
            var errors = ShippingRulesValidator.Validate(Configured(options));
            return errors.IsEmpty
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail(errors.Select(e => $"{Section}: {e.Field}: {e.Message}"));
        }
    }
}
