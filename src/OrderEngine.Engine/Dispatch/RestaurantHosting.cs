using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Sharding;

namespace OrderEngine.Engine.Dispatch;

/// <summary>Restaurants on a node: their settings (checked at start) and their shard region.</summary>
public static class RestaurantHosting
{
    /// <summary>Binds <see cref="KitchenOptions"/> from "OrderEngine:Dispatch"; settings with problems stop the start, each listed.</summary>
    public static IServiceCollection AddOrderEngineRestaurants(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<KitchenOptions>()
            .Configure(o => KitchenOptions.Bind(o, configuration))
            .Validate(o => !o.Problems().Any(), "OrderEngine:Dispatch has invalid restaurant settings")
            .ValidateOnStart();
        return services;
    }

    /// <summary>
    /// The restaurant region. Its entities tell the order region, and the zone region, which they look up in the
    /// registry each time they send (see <see cref="RestaurantCollaborators"/>), so this does not depend on the order
    /// in which the zones are registered.
    /// </summary>
    public static AkkaConfigurationBuilder WithOrderEngineRestaurants(this AkkaConfigurationBuilder builder, IServiceProvider sp)
    {
        var options = sp.GetRequiredService<IOptions<OrderEngineOptions>>().Value;
        var kitchen = sp.GetRequiredService<IOptions<KitchenOptions>>().Value;
        if (kitchen.Problems().ToList() is { Count: > 0 } problems) throw new OptionsValidationException(nameof(KitchenOptions), typeof(KitchenOptions), problems);
        var clock = sp.GetRequiredService<TimeProvider>();
        var rules = kitchen.ToRules();
        builder.WithShardRegion<RestaurantRegion>(
            "restaurant",
            (_, registry, resolver) =>
            {
                RestaurantCollaborators? with = null;
                return restaurantId =>
                {
                    with ??= new RestaurantCollaborators(registry.Get<OrderRegion>(), () => registry.TryGet<ZoneRegion>(out var zones) ? zones : null, rules)
                    {
                        SnapshotEvery = options.Persistence.SnapshotEvery,
                        PersonalData = resolver.GetService<OrderEngine.Engine.PersonalData.CustomerKeyStore>(),
                    };
                    return RestaurantActor.Props(restaurantId, with, options.EntityIdleTimeout, kitchen.KitchenQueueCheckInterval,
                        kitchen.KitchenRetryInterval, kitchen.KitchenMaxRetryInterval, clock);
                };
            },
            new RestaurantMessageExtractor(options.Cluster.ShardCount),
            new ShardOptions
            {
                StateStoreMode = StateStoreMode.DData,
                RememberEntities = false,
                ShouldPassivateIdleEntities = false,
                HandOffStopMessage = StopEntity.Instance,
                Role = OrderEngine.Engine.Hosting.ClusterOptions.ShardsRole,
            });
        return builder;
    }
}
