using System.Collections.Immutable;

namespace OrderEngine.Domain.Dispatch.Couriers;

public enum CourierRejectionCode
{
    Invalid,
    NotFound,
    Conflict,
}

public sealed record CourierRejection(CourierRejectionCode Code, string Message, string? Field = null);

/// <summary>An answer to a courier command or query (from the courier entity, or from its zone for what the zone decides).</summary>
public interface ICourierReply : ICourierMessage;

/// <param name="Repeat">The command had been applied already: nothing changed.</param>
public sealed record CourierAccepted(string CourierId, CourierView View, bool Repeat = false) : ICourierReply;

public sealed record CourierRefused(string CourierId, CourierRejection Rejection) : ICourierReply;

/// <summary>Where a courier stands in its zone.</summary>
public enum CourierStatus
{
    Offline,
    Available,
    Assigned,
    AtRestaurant,
    Delivering,
}

/// <summary>An offer waiting for the courier's answer.</summary>
public sealed record CourierOfferView(string OrderId, string RestaurantId, DateTimeOffset ExpiresAt, DateTimeOffset? EstimatedPickup, DateTimeOffset? Eta);

/// <summary>A delivery the courier holds: assigned (to pick up) or picked up (to deliver).</summary>
public sealed record CourierDeliveryView(string OrderId, string RestaurantId, string Status, GeoPoint Pickup, GeoPoint DropOff, DateTimeOffset? Eta);

/// <summary>A courier as shown to clients.</summary>
public sealed record CourierView(
    string CourierId,
    string? Name,
    Vehicle Vehicle,
    int Capacity,
    CourierStatus Status,
    string? ZoneId,
    GeoPoint? Position,
    ImmutableArray<CourierOfferView> Offers,
    ImmutableArray<CourierDeliveryView> Deliveries)
{
    /// <summary>The view of a courier its zone does not hold (never online yet).</summary>
    public static CourierView Unplaced(CourierState s) => new(s.CourierId, s.Name, s.Vehicle, s.Capacity, CourierStatus.Offline, s.ZoneId, null, [], []);
}
