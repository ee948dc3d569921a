using System.Collections.Immutable;

namespace OrderEngine.Domain.Dispatch.Restaurants;

/// <summary>A fact about one restaurant, persisted in its entity's journal.</summary>
public interface IRestaurantEvent : IRestaurantMessage
{
    DateTimeOffset At { get; }
}

/// <summary>
/// The restaurant's whole profile as of <paramref name="Revision"/> (1 for the first definition). <paramref name="ZoneId"/>
/// is the delivery zone its location fell in when defined (the zone precision may change later; orders already
/// accepted keep the zone they were sent to).
/// </summary>
public sealed record RestaurantDefined(
    string RestaurantId,
    string Name,
    GeoPoint Location,
    string ZoneId,
    decimal PrepMinutes,
    ImmutableArray<string> Menu,
    bool Open,
    long Revision,
    DateTimeOffset At) : IRestaurantEvent;

/// <summary>The restaurant stopped taking orders: by hand, or automatically (<paramref name="ByHand"/> false) because its queue's ETA passed the limit.</summary>
public sealed record RestaurantPaused(string RestaurantId, string Reason, bool ByHand, DateTimeOffset At) : IRestaurantEvent;

/// <summary>A pause was lifted: by hand, or automatically because the queue's ETA fell below the resume limit.</summary>
public sealed record RestaurantResumed(string RestaurantId, bool ByHand, DateTimeOffset At) : IRestaurantEvent;

/// <summary>
/// A paid delivery order joined the kitchen queue. <paramref name="PromisedBy"/> is the channel's promise, or the one
/// the restaurant made (<paramref name="Promised"/> true): received + preparation estimate + trip + slack.
/// </summary>
public sealed record KitchenOrderQueued(
    string RestaurantId,
    string OrderId,
    GeoPoint DropOff,
    DateTimeOffset PromisedBy,
    bool Promised,
    int Items,
    DateTimeOffset At,
    string? CustomerId = null) : IRestaurantEvent;

/// <summary>
/// The kitchen accepted the order: it is ready at <paramref name="ReadyAt"/>, and the customer can expect it at
/// <paramref name="Eta"/> (ready + the trip at bike speed). The delivery is asked of <paramref name="ZoneId"/>.
/// </summary>
public sealed record KitchenOrderAccepted(
    string RestaurantId,
    string OrderId,
    decimal PrepMinutes,
    DateTimeOffset ReadyAt,
    DateTimeOffset Eta,
    string ZoneId,
    DateTimeOffset At) : IRestaurantEvent;

/// <summary>The kitchen rejected the order; the order is told, and cancels and refunds it.</summary>
public sealed record KitchenOrderRejected(string RestaurantId, string OrderId, string Reason, DateTimeOffset At) : IRestaurantEvent;

/// <summary>The zone now expects the order to be picked up at <paramref name="EstimatedPickup"/>.</summary>
public sealed record PickupEstimated(string RestaurantId, string OrderId, DateTimeOffset EstimatedPickup, DateTimeOffset At) : IRestaurantEvent;

/// <summary>A courier collected the order: it left the kitchen queue.</summary>
public sealed record KitchenOrderCollected(string RestaurantId, string OrderId, DateTimeOffset CollectedAt, DateTimeOffset At) : IRestaurantEvent;

/// <summary>The zone has the delivery request of the order.</summary>
public sealed record DeliveryRequestAcknowledged(string RestaurantId, string OrderId, DateTimeOffset At) : IRestaurantEvent;

/// <summary>The order answered the kitchen's progress report (accepted or rejected).</summary>
public sealed record KitchenProgressAcknowledged(string RestaurantId, string OrderId, DateTimeOffset At) : IRestaurantEvent;
