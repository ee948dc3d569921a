using System.Collections.Immutable;

namespace OrderEngine.Domain.Dispatch.Restaurants;

// A restaurant is one entity: its profile (where it is, how long it usually takes to cook, its menu, open or closed),
// its pause (by hand, or automatic when its queue grows too long) and its kitchen queue: the paid delivery orders it
// received, which the kitchen accepts or rejects, until the zone's courier collects them. What it owes the zone
// (RequestDelivery) and the order (RecordDeliveryProgress) stays in its state until acknowledged, so a restart resends
// it. The messages shared with the order and the zone are in ../DispatchContracts.cs (ReceiveKitchenOrder,
// RecordPickupEstimate, CheckRestaurantTakesOrders).

/// <summary>
/// Defines or replaces a restaurant's profile (an upsert). Fields the caller left out arrive as null and are refused with
/// a field error; repeating the same definition changes nothing. <paramref name="PrepMinutes"/> is the usual preparation
/// time, a decimal (a load run shrinks minutes).
/// </summary>
public sealed record DefineRestaurant(
    string RestaurantId,
    string? Name,
    GeoPoint? Location,
    decimal? PrepMinutes,
    ImmutableArray<string> Menu,
    bool Open = true) : IRestaurantCommand;

/// <summary>Pauses the restaurant by hand: it takes no new orders until resumed by hand. Repeating it changes nothing.</summary>
public sealed record PauseRestaurant(string RestaurantId, string? Reason) : IRestaurantCommand;

/// <summary>Lifts a pause made by hand (an automatic pause lifts itself when the queue clears).</summary>
public sealed record ResumeRestaurant(string RestaurantId) : IRestaurantCommand;

/// <summary>The kitchen accepts an order it received and says how long it takes to prepare (idempotent on the same value).</summary>
public sealed record AcceptKitchenOrder(string RestaurantId, string OrderId, decimal? PrepMinutes) : IRestaurantCommand;

/// <summary>The kitchen rejects an order it received (idempotent on the same reason): the order is cancelled and refunded.</summary>
public sealed record RejectKitchenOrder(string RestaurantId, string OrderId, string? Reason) : IRestaurantCommand;

/// <summary>
/// The periodic look at the kitchen queue as of <paramref name="Now"/>: time passing shortens the queue's ETA, which may
/// lift an automatic pause (or, with estimates that moved, set one).
/// </summary>
public sealed record CheckKitchenQueue(string RestaurantId, DateTimeOffset Now) : IRestaurantCommand;

/// <summary>The zone answered a <see cref="RequestDelivery"/>: it is not sent again.</summary>
public sealed record AcknowledgeDeliveryRequest(string RestaurantId, string OrderId) : IRestaurantCommand;

/// <summary>The order answered the kitchen's <see cref="Orders.RecordDeliveryProgress"/> (accepted or refused it): it is not sent again.</summary>
public sealed record AcknowledgeKitchenProgress(string RestaurantId, string OrderId) : IRestaurantCommand;

/// <summary>Asks for the restaurant's current view (its queue ETA as of when it is asked).</summary>
public sealed record GetRestaurant(string RestaurantId) : IRestaurantMessage;
