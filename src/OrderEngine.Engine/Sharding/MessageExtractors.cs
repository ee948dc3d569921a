using Akka.Cluster.Sharding;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Stock;

namespace OrderEngine.Engine.Sharding;

/// <summary>Routes order messages by order id. The shard count is fixed for a cluster's life: changing it re-homes every entity.</summary>
public sealed class OrderMessageExtractor(int shardCount) : HashCodeMessageExtractor(shardCount)
{
    public override string? EntityId(object message) => message switch
    {
        IOrderMessage m => m.OrderId,
        // A command carrying its sender's trace context goes to the entity of the command inside (the entity unwraps it).
        Telemetry.TracedCommand { Message: IOrderMessage m } => m.OrderId,
        _ => null,
    };
}

/// <summary>Routes stock messages by SKU.</summary>
public sealed class StockMessageExtractor(int shardCount) : HashCodeMessageExtractor(shardCount)
{
    public override string? EntityId(object message) => message switch
    {
        IStockMessage m => m.Sku,
        _ => null,
    };
}

/// <summary>Routes customer activity messages by customer id.</summary>
public sealed class CustomerMessageExtractor(int shardCount) : HashCodeMessageExtractor(shardCount)
{
    public override string? EntityId(object message) => message is Domain.Customers.ICustomerMessage m ? m.CustomerId : null;
}

/// <summary>Routes parcel messages by parcel id (derived from the tracking number).</summary>
public sealed class ParcelMessageExtractor(int shardCount) : HashCodeMessageExtractor(shardCount)
{
    public override string? EntityId(object message) => message is Domain.Shipments.IParcelMessage m ? m.ParcelId : null;
}

/// <summary>Routes return messages by the return's entity id (derived from its order and return id).</summary>
public sealed class ReturnMessageExtractor(int shardCount) : HashCodeMessageExtractor(shardCount)
{
    public override string? EntityId(object message) =>
        message is Domain.Returns.IReturnMessage m ? Domain.Returns.ReturnDecider.EntityIdOf(m.OrderId, m.ReturnId) : null;
}

/// <summary>Registry key for the return shard region (inject <c>IRequiredActor&lt;ReturnRegion&gt;</c>).</summary>
public sealed class ReturnRegion;

/// <summary>Registry key for the parcel shard region (inject <c>IRequiredActor&lt;ParcelRegion&gt;</c>).</summary>
public sealed class ParcelRegion;

/// <summary>Registry key for the customer activity shard region.</summary>
public sealed class CustomerRegion;

/// <summary>Registry key for the order shard region (inject <c>IRequiredActor&lt;OrderRegion&gt;</c>).</summary>
public sealed class OrderRegion;

/// <summary>Registry key for the stock shard region (inject <c>IRequiredActor&lt;StockRegion&gt;</c>).</summary>
public sealed class StockRegion;

/// <summary>Routes product messages by SKU.</summary>
public sealed class ProductMessageExtractor(int shardCount) : HashCodeMessageExtractor(shardCount)
{
    public override string? EntityId(object message) => message is Domain.Products.IProductMessage m ? m.Sku : null;
}

/// <summary>Routes every shipping rules message to the one rules entity.</summary>
public sealed class ShippingRulesMessageExtractor(int shardCount) : HashCodeMessageExtractor(shardCount)
{
    public override string? EntityId(object message) =>
        message is Domain.ShippingMethods.IShippingRulesMessage ? Shipping.ShippingRulesActor.EntityId : null;
}

/// <summary>Registry key for the product shard region (inject <c>IRequiredActor&lt;ProductRegion&gt;</c>).</summary>
public sealed class ProductRegion;

/// <summary>Registry key for the shipping rules shard region (one entity).</summary>
public sealed class ShippingRulesRegion;
/// <summary>Routes case messages by case id.</summary>
public sealed class CaseMessageExtractor(int shardCount) : HashCodeMessageExtractor(shardCount)
{
    public override string? EntityId(object message) => message is Domain.Cases.ICaseMessage m ? m.CaseId : null;
}

/// <summary>Registry key for the case shard region (inject <c>IRequiredActor&lt;CaseRegion&gt;</c>).</summary>
public sealed class CaseRegion;

/// <summary>Routes restaurant messages by restaurant id.</summary>
public sealed class RestaurantMessageExtractor(int shardCount) : HashCodeMessageExtractor(shardCount)
{
    public override string? EntityId(object message) => message is Domain.Dispatch.IRestaurantMessage m ? m.RestaurantId : null;
}

/// <summary>Registry key for the restaurant shard region (inject <c>IRequiredActor&lt;RestaurantRegion&gt;</c>).</summary>
public sealed class RestaurantRegion;

/// <summary>Routes delivery zone messages by zone id (a geohash cell).</summary>
public sealed class ZoneMessageExtractor(int shardCount) : HashCodeMessageExtractor(shardCount)
{
    public override string? EntityId(object message) => message is Domain.Dispatch.IZoneMessage m ? m.ZoneId : null;
}

/// <summary>Registry key for the delivery zone shard region (inject <c>IRequiredActor&lt;ZoneRegion&gt;</c>).</summary>
public sealed class ZoneRegion;

/// <summary>Routes courier messages by courier id.</summary>
public sealed class CourierMessageExtractor(int shardCount) : HashCodeMessageExtractor(shardCount)
{
    public override string? EntityId(object message) => message is Domain.Dispatch.Couriers.ICourierMessage m ? m.CourierId : null;
}

/// <summary>Registry key for the courier shard region (inject <c>IRequiredActor&lt;CourierRegion&gt;</c>).</summary>
public sealed class CourierRegion;
