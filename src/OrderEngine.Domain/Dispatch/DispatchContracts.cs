using System.Text.Json.Serialization;
using OrderEngine.Domain.Orders;

namespace OrderEngine.Domain.Dispatch;

// Restaurant delivery dispatch: restaurants (kitchens) take paid delivery orders, accept or reject them, and hand the
// accepted ones to their delivery zone; the zone (a geohash cell, the dispatch unit) assigns couriers. This file holds
// the messages that cross from the order lifecycle into dispatch; each lifecycle's own commands, events, state and
// decider live beside it (Restaurants/, Couriers/, Zones/), and what dispatch tells the order is in
// Orders/OrderDelivery.cs.

/// <summary>A point on the map (WGS 84 degrees).</summary>
public sealed record GeoPoint(double Latitude, double Longitude)
{
    /// <summary>Whether both coordinates are finite and within range (derived: never written).</summary>
    [JsonIgnore]
    public bool IsValid => double.IsFinite(Latitude) && double.IsFinite(Longitude)
        && Latitude is >= -90 and <= 90 && Longitude is >= -180 and <= 180;
}

/// <summary>A message addressed to one restaurant entity.</summary>
public interface IRestaurantMessage : IOrderEngineMessage
{
    string RestaurantId { get; }
}

public interface IRestaurantCommand : IRestaurantMessage;

/// <summary>
/// A paid (or cash-on-delivery confirmed) delivery order joins the restaurant's kitchen queue. Sent by the order, with
/// timer-driven retries, until the restaurant answers <see cref="KitchenOrderReceived"/>; idempotent on the order id.
/// <paramref name="PromisedBy"/> is the channel's promise, when it made one; otherwise the restaurant promises one from
/// its preparation estimate and the trip. <paramref name="CustomerId"/> is the order's customer, whose key seals the
/// drop-off point at rest (null: sent by a version before it was carried).
/// </summary>
public sealed record ReceiveKitchenOrder(
    string RestaurantId,
    string OrderId,
    GeoPoint DropOff,
    DateTimeOffset? PromisedBy,
    int Items,
    DateTimeOffset At,
    string? CustomerId = null) : IRestaurantCommand;

/// <summary>The restaurant has the order in its queue (the answer to every <see cref="ReceiveKitchenOrder"/>, repeats included).</summary>
public sealed record KitchenOrderReceived(string RestaurantId, string OrderId) : IOrderEngineMessage;

/// <summary>Asks whether the restaurant takes new delivery orders now (asked before a delivery order is placed).</summary>
public sealed record CheckRestaurantTakesOrders(string RestaurantId) : IRestaurantMessage;

/// <summary>
/// The answer to <see cref="CheckRestaurantTakesOrders"/>: <paramref name="Known"/> false for a restaurant never
/// defined; <paramref name="Takes"/> false with <paramref name="Reason"/> when closed or paused (by hand, or
/// automatically because its queue's ETA passed the limit).
/// </summary>
public sealed record RestaurantTakesOrders(string RestaurantId, bool Known, bool Takes, string? Reason, GeoPoint? Location) : IOrderEngineMessage;

/// <summary>A message addressed to one delivery zone entity (the dispatch unit; its id is a geohash cell).</summary>
public interface IZoneMessage : IOrderEngineMessage
{
    string ZoneId { get; }
}

public interface IZoneCommand : IZoneMessage;

/// <summary>
/// The kitchen accepted an order: the restaurant asks its zone for a courier. Sent by the restaurant, with retries,
/// until the zone answers <see cref="DeliveryRequestReceived"/>; idempotent on the order id. The food is ready at
/// <paramref name="ReadyAt"/>; the customer was promised it by <paramref name="PromisedBy"/>. <paramref name="CustomerId"/>
/// is the order's customer, whose key seals the drop-off point at rest (null: not known to the restaurant).
/// </summary>
public sealed record RequestDelivery(
    string ZoneId,
    string OrderId,
    string RestaurantId,
    GeoPoint Pickup,
    GeoPoint DropOff,
    DateTimeOffset ReadyAt,
    DateTimeOffset PromisedBy,
    int Items,
    string? CustomerId = null) : IZoneCommand;

/// <summary>The zone has the delivery (the answer to every <see cref="RequestDelivery"/>, repeats included).</summary>
public sealed record DeliveryRequestReceived(string ZoneId, string OrderId) : IOrderEngineMessage;

/// <summary>
/// The zone tells a restaurant when it now expects an order to be picked up (its queue ETA, which pauses and resumes
/// it, comes from these), and that it was (<paramref name="Collected"/>). Estimates are sent as they change, best
/// effort; a collection is sent with retries until <see cref="PickupEstimateRecorded"/>.
/// </summary>
public sealed record RecordPickupEstimate(string RestaurantId, string OrderId, DateTimeOffset EstimatedPickup, bool Collected) : IRestaurantCommand;

/// <summary>The answer to <see cref="RecordPickupEstimate"/>.</summary>
public sealed record PickupEstimateRecorded(string RestaurantId, string OrderId) : IOrderEngineMessage;
