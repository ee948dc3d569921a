using System.Collections.Immutable;
using OrderEngine.Domain.Dispatch.Couriers;
using OrderEngine.Domain.Orders;

namespace OrderEngine.Domain.Dispatch.Zones;

/// <summary>Where a delivery stands in its zone.</summary>
public enum DeliveryStatus
{
    Waiting,
    Offered,
    Assigned,
    PickedUp,
    Delivered,
    Flagged,
}

/// <summary>A courier as its zone knows it.</summary>
public sealed record ZoneCourier(string CourierId, string? Name, Vehicle Vehicle, double SpeedKmh, int Capacity, GeoPoint Position, bool Online);

/// <summary>
/// A delivery of the zone. <paramref name="CourierId"/> is the one courier that holds it (offered, assigned or picked
/// up); <paramref name="Declined"/> and <paramref name="TimedOut"/> are the couriers it is never offered to again.
/// <paramref name="CustomerId"/> is the order's customer, whose key seals the drop-off point at rest.
/// </summary>
public sealed record ZoneDelivery(
    string OrderId,
    string RestaurantId,
    GeoPoint Pickup,
    GeoPoint DropOff,
    DateTimeOffset ReadyAt,
    DateTimeOffset PromisedBy,
    int Items,
    DateTimeOffset RequestedAt,
    DeliveryStatus Status,
    string? CourierId,
    DateTimeOffset? OfferExpiresAt,
    DateTimeOffset? EstimatedPickup,
    DateTimeOffset? Eta,
    ImmutableArray<string> Declined,
    ImmutableArray<string> TimedOut,
    DateTimeOffset? ClosedAt,
    string? CustomerId = null)
{
    /// <summary>Held by a courier: offered to it, assigned to it, or in its bag.</summary>
    public bool IsHeld => Status is DeliveryStatus.Offered or DeliveryStatus.Assigned or DeliveryStatus.PickedUp;

    public bool IsClosed => Status is DeliveryStatus.Delivered or DeliveryStatus.Flagged;

    public bool Excludes(string courierId) => Declined.Contains(courierId) || TimedOut.Contains(courierId);
}

/// <summary>Who a notice of the outbox goes to.</summary>
public enum NoticeKind
{
    /// <summary>A <see cref="RecordDeliveryProgress"/> to the order.</summary>
    Order,
    /// <summary>A <see cref="RecordPickupEstimate"/> with Collected = true to the restaurant.</summary>
    RestaurantCollected,
}

/// <summary>
/// A notification the zone owes an order or a restaurant, kept until acknowledged (so it survives restarts).
/// <paramref name="NoticeId"/> is unique in the zone and doubles as the order's StageId.
/// </summary>
public sealed record ZoneNotice(
    string NoticeId,
    long Sequence,
    NoticeKind Kind,
    string OrderId,
    string RestaurantId,
    DeliveryStage Stage,
    string? CourierId,
    DateTimeOffset? Eta,
    string? Note,
    DateTimeOffset At)
{
    public IOrderEngineMessage ToMessage() => Kind == NoticeKind.Order
        ? new RecordDeliveryProgress(OrderId, NoticeId, Stage, CourierId, Eta, Note, At)
        : new RecordPickupEstimate(RestaurantId, OrderId, At, Collected: true);
}

/// <summary>
/// A delivery zone: its settings, its couriers, its deliveries (open ones, and the latest
/// <see cref="ZoneDecider.MaxClosedKept"/> closed ones so repeats still answer), and its outbox of notices.
/// </summary>
public sealed record ZoneState(
    string ZoneId,
    ZoneSettings? Settings,
    ImmutableSortedDictionary<string, ZoneCourier> Couriers,
    ImmutableSortedDictionary<string, ZoneDelivery> Deliveries,
    long Sequence,
    ImmutableList<ZoneNotice> Outbox)
{
    public static ZoneState Initial(string zoneId) => new(zoneId, null,
        ImmutableSortedDictionary.Create<string, ZoneCourier>(StringComparer.Ordinal),
        ImmutableSortedDictionary.Create<string, ZoneDelivery>(StringComparer.Ordinal), 0, []);

    // Which courier holds what, computed once per version of the deliveries (a `with` copies this field, but a change
    // of the deliveries makes a new dictionary, so a copied index is recognised as stale and rebuilt).
    private (ImmutableSortedDictionary<string, ZoneDelivery> Of, Dictionary<string, ZoneDelivery[]> Held)? _index;

    private Dictionary<string, ZoneDelivery[]> HeldIndex()
    {
        if (_index is { } index && ReferenceEquals(index.Of, Deliveries)) return index.Held;
        var held = Deliveries.Values.Where(d => d.IsHeld)
            .GroupBy(d => d.CourierId!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(d => d.Eta).ThenBy(d => d.OrderId, StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
        _index = (Deliveries, held);
        return held;
    }

    /// <summary>The deliveries a courier holds (offered, assigned, picked up), in the order it will serve them (by ETA).</summary>
    public IReadOnlyList<ZoneDelivery> HeldBy(string courierId) => HeldIndex().TryGetValue(courierId, out var held) ? held : [];

    /// <summary>Deliveries a courier has accepted and not yet delivered.</summary>
    public int LoadOf(string courierId) => HeldBy(courierId).Count(d => d.Status is DeliveryStatus.Assigned or DeliveryStatus.PickedUp);

    public int HeldCountOf(string courierId) => HeldBy(courierId).Count;

    public CourierStatus StatusOf(ZoneCourier c)
    {
        if (!c.Online) return CourierStatus.Offline;
        var held = HeldBy(c.CourierId).Where(d => d.Status is DeliveryStatus.Assigned or DeliveryStatus.PickedUp).ToList();
        if (held.Any(d => d.Status == DeliveryStatus.PickedUp)) return CourierStatus.Delivering;
        if (held.Count == 0) return CourierStatus.Available;
        return held.Any(d => Geo.DistanceKm(c.Position, d.Pickup) <= ZoneRules.AtRestaurantKm) ? CourierStatus.AtRestaurant : CourierStatus.Assigned;
    }

    /// <summary>Waiting deliveries in the order the policy serves them.</summary>
    public IEnumerable<ZoneDelivery> Queue(DispatchPolicy policy)
    {
        var waiting = Deliveries.Values.Where(d => d.Status == DeliveryStatus.Waiting);
        return policy == DispatchPolicy.Naive
            ? waiting.OrderBy(d => d.RequestedAt).ThenBy(d => d.OrderId, StringComparer.Ordinal)
            : waiting.OrderBy(d => d.PromisedBy).ThenBy(d => d.ReadyAt).ThenBy(d => d.OrderId, StringComparer.Ordinal);
    }

    public int AvailableCouriers => Couriers.Values.Count(c => StatusOf(c) == CourierStatus.Available);

    public int WaitingDeliveries => Deliveries.Values.Count(d => d.Status == DeliveryStatus.Waiting);

    /// <summary>The surge signal: waiting deliveries per available courier.</summary>
    public double Surge => WaitingDeliveries / (double)Math.Max(1, AvailableCouriers);

    /// <summary>The earliest offer deadline (the zone's next tick is due then).</summary>
    public DateTimeOffset? NextOfferExpiry => Deliveries.Values.Where(d => d.Status == DeliveryStatus.Offered).Min(d => d.OfferExpiresAt);

    public ZoneView ToView(ZoneRules rules, DateTimeOffset now)
    {
        var effective = rules.With(Settings);
        var queue = ZonePlanner.QueueEstimates(this, now, effective);
        ZoneDeliveryView V(ZoneDelivery d) => new(d.OrderId, d.RestaurantId, d.Status, d.CourierId, d.PromisedBy, d.ReadyAt,
            d.Status == DeliveryStatus.Waiting ? queue.GetValueOrDefault(d.OrderId).Pickup : d.EstimatedPickup,
            d.Status == DeliveryStatus.Waiting ? queue.GetValueOrDefault(d.OrderId).Eta : d.Eta, d.OfferExpiresAt);
        ImmutableArray<ZoneDeliveryView> With(DeliveryStatus status) =>
            [.. Deliveries.Values.Where(d => d.Status == status).OrderBy(d => d.PromisedBy).ThenBy(d => d.OrderId, StringComparer.Ordinal).Select(V)];
        return new ZoneView(
            ZoneId,
            effective.Policy.Name(),
            effective.OfferTimeout.TotalSeconds,
            effective.BatchMaxDelay.TotalMinutes,
            [.. Couriers.Values.Select(c => new ZoneCourierView(c.CourierId, StatusOf(c), c.Position, LoadOf(c.CourierId), c.Capacity))],
            [.. Queue(effective.Policy).Select(V)],
            With(DeliveryStatus.Offered),
            With(DeliveryStatus.Assigned),
            With(DeliveryStatus.PickedUp),
            With(DeliveryStatus.Flagged),
            AvailableCouriers,
            WaitingDeliveries,
            Surge);
    }

    /// <summary>One courier as the zone holds it.</summary>
    public CourierView? CourierViewOf(string courierId)
    {
        if (!Couriers.TryGetValue(courierId, out var c)) return null;
        var held = HeldBy(courierId);
        return new CourierView(c.CourierId, c.Name, c.Vehicle, c.Capacity, StatusOf(c), ZoneId, c.Position,
            [.. held.Where(d => d.Status == DeliveryStatus.Offered).Select(d => new CourierOfferView(d.OrderId, d.RestaurantId, d.OfferExpiresAt!.Value, d.EstimatedPickup, d.Eta))],
            [.. held.Where(d => d.Status != DeliveryStatus.Offered).Select(d => new CourierDeliveryView(d.OrderId, d.RestaurantId,
                d.Status == DeliveryStatus.PickedUp ? "pickedUp" : "assigned", d.Pickup, d.DropOff, d.Eta))]);
    }
}

/// <summary>A courier in the zone's view.</summary>
public sealed record ZoneCourierView(string CourierId, CourierStatus Status, GeoPoint Position, int Load, int Capacity);

/// <summary>A delivery in the zone's view; <paramref name="Eta"/> is at the customer (for a waiting one, the queue's estimate).</summary>
public sealed record ZoneDeliveryView(
    string OrderId,
    string RestaurantId,
    DeliveryStatus Status,
    string? CourierId,
    DateTimeOffset PromisedBy,
    DateTimeOffset ReadyAt,
    DateTimeOffset? EstimatedPickup,
    DateTimeOffset? Eta,
    DateTimeOffset? OfferExpiresAt);

/// <summary>A zone as shown to clients.</summary>
public sealed record ZoneView(
    string ZoneId,
    string Policy,
    double OfferTimeoutSeconds,
    double BatchMaxDelayMinutes,
    ImmutableArray<ZoneCourierView> Couriers,
    ImmutableArray<ZoneDeliveryView> Waiting,
    ImmutableArray<ZoneDeliveryView> Offered,
    ImmutableArray<ZoneDeliveryView> Assigned,
    ImmutableArray<ZoneDeliveryView> PickedUp,
    ImmutableArray<ZoneDeliveryView> Flagged,
    int AvailableCouriers,
    int WaitingDeliveries,
    double Surge);

public enum ZoneRejectionCode
{
    Invalid,
    NotFound,
    Conflict,
}

public sealed record ZoneRejection(ZoneRejectionCode Code, string Message, string? Field = null);

/// <summary>A zone's answer to a zone command or query (courier commands are answered with courier replies).</summary>
public interface IZoneReply : IZoneMessage;

public sealed record ZoneAccepted(string ZoneId, ZoneView View, bool Repeat = false) : IZoneReply;

public sealed record ZoneRefused(string ZoneId, ZoneRejection Rejection) : IZoneReply;
