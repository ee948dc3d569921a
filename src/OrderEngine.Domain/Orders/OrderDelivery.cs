using OrderEngine.Domain.Dispatch;

namespace OrderEngine.Domain.Orders;

// A restaurant delivery order: placed for a restaurant with a drop-off point. Once it is paid (or confirmed, cash on
// delivery) the order tells the restaurant (ReceiveKitchenOrder) until it answered; the kitchen and then the zone's
// dispatch report each step back here (RecordDeliveryProgress), which keeps the order's delivery ETA and timeline.

/// <summary>
/// What makes an order a restaurant delivery: the restaurant that cooks it, where it goes, and — when the channel
/// promised one — the time the customer was promised (otherwise the engine promises one from its estimates).
/// </summary>
public sealed record DeliveryRequest(string RestaurantId, GeoPoint DropOff, DateTimeOffset? PromisedBy = null);

/// <summary>A stage of a restaurant delivery, as the kitchen or the zone reports it to the order.</summary>
public enum DeliveryStage
{
    /// <summary>The kitchen accepted the order and gave its preparation time.</summary>
    KitchenAccepted,
    /// <summary>The kitchen rejected the order: it is cancelled and its payment refunded.</summary>
    KitchenRejected,
    /// <summary>Waiting for a courier (queued by promised time).</summary>
    AwaitingCourier,
    /// <summary>A courier accepted the delivery.</summary>
    CourierAssigned,
    /// <summary>The courier gave it up (or went offline) before pickup; it waits for another courier.</summary>
    CourierReleased,
    /// <summary>The courier picked it up at the restaurant.</summary>
    PickedUp,
    /// <summary>Delivered to the customer.</summary>
    Delivered,
    /// <summary>Something needs a person: the courier went offline after pickup.</summary>
    Flagged,
}

/// <summary>
/// The kitchen or the zone reports a delivery stage with the current ETA at the customer. <paramref name="StageId"/> is
/// unique per step occurrence (the reporter's own id: a repeat with the same id changes nothing), so a step that
/// happens twice (a second courier assigned after the first dropped out) is recorded twice.
/// </summary>
public sealed record RecordDeliveryProgress(
    string OrderId,
    string StageId,
    DeliveryStage Stage,
    string? CourierId,
    DateTimeOffset? Eta,
    string? Note,
    DateTimeOffset At) : IOrderCommand;
