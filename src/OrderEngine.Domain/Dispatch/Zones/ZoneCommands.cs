using OrderEngine.Domain.Dispatch.Couriers;

namespace OrderEngine.Domain.Dispatch.Zones;

// A zone (a geohash cell) is the dispatch unit and the single writer of assignments: it holds its couriers and its
// deliveries, offers each delivery to one courier at a time, and tells orders and restaurants what happens.
// RequestDelivery (from the restaurant) is in DispatchContracts.cs; the courier commands come from the courier entity,
// which knows the courier's profile and zone.

/// <summary>Sets the zone's own dispatch settings (each null: keep the current one). Idempotent.</summary>
public sealed record ConfigureZone(string ZoneId, DispatchPolicy? Policy, double? OfferTimeoutSeconds, double? BatchMaxDelayMinutes) : IZoneCommand;

/// <summary>A courier starts working in this zone at <paramref name="Position"/> (or reports its position again if it already is).</summary>
public sealed record CourierOnline(string ZoneId, string CourierId, string? Name, Vehicle Vehicle, double SpeedKmh, int Capacity, GeoPoint Position) : IZoneCommand;

/// <summary>
/// A courier stops working here. Not yet picked-up deliveries go back to waiting, carried ones are flagged.
/// <paramref name="OnlyIfIdle"/>: the courier is moving to another zone, which only happens while it holds nothing;
/// a courier that holds something is refused and stays.
/// </summary>
public sealed record CourierOffline(string ZoneId, string CourierId, bool OnlyIfIdle = false) : IZoneCommand;

/// <summary>An online courier's new position.</summary>
public sealed record UpdateCourierPosition(string ZoneId, string CourierId, GeoPoint Position) : IZoneCommand;

/// <summary>A courier accepts the offer of a delivery (idempotent; refused once the offer expired or went elsewhere).</summary>
public sealed record AcceptOffer(string ZoneId, string CourierId, string OrderId) : IZoneCommand;

/// <summary>A courier declines an offer: it goes to the next courier, never back to this one (idempotent).</summary>
public sealed record DeclineOffer(string ZoneId, string CourierId, string OrderId) : IZoneCommand;

/// <summary>The courier picked the delivery up at the restaurant (idempotent; only after accepting).</summary>
public sealed record ConfirmPickup(string ZoneId, string CourierId, string OrderId) : IZoneCommand;

/// <summary>The courier delivered it to the customer (idempotent; only after the pickup).</summary>
public sealed record ConfirmDelivery(string ZoneId, string CourierId, string OrderId) : IZoneCommand;

/// <summary>The zone's clock: expires offers past their deadline and (re)runs assignment. Sent by the zone to itself.</summary>
public sealed record DispatchTick(string ZoneId) : IZoneCommand;

/// <summary>An order or restaurant acknowledged a notice of the zone's outbox: it is not sent again.</summary>
public sealed record AcknowledgeNotice(string ZoneId, string NoticeId) : IZoneCommand;

/// <summary>Asks for the zone's view.</summary>
public sealed record GetZone(string ZoneId) : IZoneMessage;

/// <summary>Asks for one courier's view as the zone holds it (answered with a CourierAccepted or CourierRefused).</summary>
public sealed record GetZoneCourier(string ZoneId, string CourierId) : IZoneMessage;
