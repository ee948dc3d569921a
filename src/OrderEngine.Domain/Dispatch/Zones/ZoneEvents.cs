using OrderEngine.Domain.Dispatch.Couriers;

namespace OrderEngine.Domain.Dispatch.Zones;

/// <summary>A fact about one zone, persisted in its entity's journal.</summary>
public interface IZoneEvent : IZoneMessage
{
    DateTimeOffset At { get; }
}

public sealed record ZoneConfigured(string ZoneId, DispatchPolicy? Policy, double? OfferTimeoutSeconds, double? BatchMaxDelayMinutes, DateTimeOffset At) : IZoneEvent;

public sealed record CourierJoined(string ZoneId, string CourierId, string? Name, Vehicle Vehicle, double SpeedKmh, int Capacity, GeoPoint Position, DateTimeOffset At) : IZoneEvent;

/// <summary>The courier went offline or moved to another zone (it held nothing accepted by then: see the release events before it).</summary>
public sealed record CourierLeft(string ZoneId, string CourierId, DateTimeOffset At) : IZoneEvent;

public sealed record CourierMoved(string ZoneId, string CourierId, GeoPoint Position, DateTimeOffset At) : IZoneEvent;

/// <summary>A delivery joined the zone's queue; <paramref name="Eta"/> is the queue's estimate at the customer (null: no courier online).</summary>
public sealed record DeliveryRequested(
    string ZoneId,
    string OrderId,
    string RestaurantId,
    GeoPoint Pickup,
    GeoPoint DropOff,
    DateTimeOffset ReadyAt,
    DateTimeOffset PromisedBy,
    int Items,
    DateTimeOffset? Eta,
    DateTimeOffset At,
    string? CustomerId = null) : IZoneEvent;

/// <summary>
/// The delivery is offered to a courier until <paramref name="ExpiresAt"/>. <paramref name="BatchedWith"/> names the
/// delivery of the same restaurant it rides with, whose ETA becomes <paramref name="BatchedEta"/>.
/// </summary>
public sealed record DeliveryOffered(
    string ZoneId,
    string OrderId,
    string CourierId,
    DateTimeOffset ExpiresAt,
    DateTimeOffset EstimatedPickup,
    DateTimeOffset Eta,
    string? BatchedWith,
    DateTimeOffset? BatchedEta,
    DateTimeOffset At) : IZoneEvent;

public sealed record OfferAccepted(string ZoneId, string OrderId, string CourierId, DateTimeOffset At) : IZoneEvent;

/// <summary>The courier declined the offer, or let it expire (<paramref name="Expired"/>): it waits again, never for that courier.</summary>
public sealed record OfferDeclined(string ZoneId, string OrderId, string CourierId, bool Expired, DateTimeOffset At) : IZoneEvent;

/// <summary>The courier gave the delivery up before the pickup (it went offline): it waits for another courier.</summary>
public sealed record CourierReleased(string ZoneId, string OrderId, string CourierId, string Reason, DateTimeOffset At) : IZoneEvent;

public sealed record DeliveryPickedUp(string ZoneId, string OrderId, string CourierId, DateTimeOffset Eta, DateTimeOffset At) : IZoneEvent;

public sealed record DeliveryDelivered(string ZoneId, string OrderId, string CourierId, DateTimeOffset At) : IZoneEvent;

/// <summary>The courier went offline carrying the delivery: a person must look.</summary>
public sealed record DeliveryFlagged(string ZoneId, string OrderId, string CourierId, string Reason, DateTimeOffset At) : IZoneEvent;

public sealed record NoticeAcknowledged(string ZoneId, string NoticeId, DateTimeOffset At) : IZoneEvent;
