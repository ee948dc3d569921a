namespace OrderEngine.Domain.Dispatch.Couriers;

// A courier entity keeps the courier's profile (name, vehicle, capacity, speed) and the zone it works in; everything
// about its deliveries (offers, assignments, status, position) is decided by that zone, the single writer of
// assignments. The courier entity turns these commands into zone commands and forwards them; the zone answers the
// caller directly with a CourierAccepted or CourierRefused.

/// <summary>A message addressed to one courier entity.</summary>
public interface ICourierMessage : IOrderEngineMessage
{
    string CourierId { get; }
}

public interface ICourierCommand : ICourierMessage;

/// <summary>Defines or changes a courier (idempotent). <paramref name="Capacity"/> null: the vehicle's default.</summary>
public sealed record DefineCourier(string CourierId, string? Name, Vehicle Vehicle, int? Capacity) : ICourierCommand;

/// <summary>The courier starts working at <paramref name="Position"/>: it joins that point's zone.</summary>
public sealed record GoOnline(string CourierId, GeoPoint Position) : ICourierCommand;

/// <summary>The courier stops working: deliveries it has not picked up go back to waiting, the ones it carries are flagged.</summary>
public sealed record GoOffline(string CourierId) : ICourierCommand;

/// <summary>The courier is at <paramref name="Position"/>; while it holds nothing, a position in another cell moves it to that zone.</summary>
public sealed record ReportPosition(string CourierId, GeoPoint Position, DateTimeOffset? At) : ICourierCommand;

/// <summary>What a courier can say about a delivery it was offered or holds.</summary>
public enum CourierAction
{
    AcceptOffer,
    DeclineOffer,
    PickUp,
    Deliver,
}

/// <summary>The courier accepts or declines an offer, or reports a pickup or a delivery (idempotent).</summary>
public sealed record ActOnDelivery(string CourierId, string OrderId, CourierAction Action) : ICourierCommand;

/// <summary>Asks for the courier's view (profile, status, offers and deliveries).</summary>
public sealed record GetCourier(string CourierId) : ICourierMessage;
