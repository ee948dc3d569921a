using System.Collections.Immutable;

namespace OrderEngine.Domain.Shipments;

/// <summary>An order shipment the parcel carries, and the outcome the order acknowledged (null: none yet).</summary>
public sealed record ParcelShipment(string OrderId, string ShipmentId, ParcelStatus? Acknowledged);

/// <summary>One tracking event as the carrier reported it.</summary>
public sealed record TrackingEvent(string Source, string EventId, ParcelStatus Status, DateTimeOffset OccurredAt, DateTimeOffset? EstimatedDelivery, string? Location, string? Description);

/// <summary>What an order owes to hear: the parcel's journey ended with <paramref name="Outcome"/> at <paramref name="OccurredAt"/>.</summary>
public sealed record ParcelOutcomeDue(string OrderId, string ShipmentId, ParcelStatus Outcome, DateTimeOffset OccurredAt);

/// <summary>
/// A parcel: its tracking number, the carrier the shipment named, the shipments it carries, and its tracking events
/// (the latest <see cref="ParcelDecider.MaxEvents"/>, newest last by when they happened).
/// </summary>
public sealed record ParcelState(
    string ParcelId,
    string? TrackingNumber,
    string? Carrier,
    ImmutableArray<ParcelShipment> Shipments,
    ImmutableArray<TrackingEvent> Events)
{
    public static ParcelState Initial(string parcelId) => new(parcelId, null, null, [], []);

    public bool Exists => TrackingNumber is not null;

    /// <summary>
    /// Where the parcel stands: the journey's end once one was reported (the earliest such event: a parcel is delivered
    /// or returned once), otherwise the latest event by when it happened; label created before any event.
    /// </summary>
    public ParcelStatus Status => Final?.Status ?? (Events.IsEmpty ? ParcelStatus.LabelCreated : Events[^1].Status);

    /// <summary>The event that ended the journey, if one did.</summary>
    public TrackingEvent? Final => Events.FirstOrDefault(e => e.Status.IsFinal());

    /// <summary>The carrier's latest estimate of delivery (none once the journey ended).</summary>
    public DateTimeOffset? EstimatedDelivery => Final is not null ? null : Events.LastOrDefault(e => e.EstimatedDelivery is not null)?.EstimatedDelivery;

    /// <summary>The orders that still have to hear how the journey ended.</summary>
    public IEnumerable<ParcelOutcomeDue> OutcomesDue => Final is { } final
        ? Shipments.Where(s => s.Acknowledged != final.Status).Select(s => new ParcelOutcomeDue(s.OrderId, s.ShipmentId, final.Status, final.OccurredAt))
        : [];

    public bool HasSeen(string source, string eventId) => Events.Any(e => e.Source == source && e.EventId == eventId);

    public ParcelView ToView() => new(ParcelId, TrackingNumber, Carrier, Status, EstimatedDelivery, Final?.OccurredAt, Shipments, Events);
}

/// <summary>A parcel as shown to clients.</summary>
public sealed record ParcelView(
    string ParcelId,
    string? TrackingNumber,
    string? Carrier,
    ParcelStatus Status,
    DateTimeOffset? EstimatedDelivery,
    DateTimeOffset? EndedAt,
    ImmutableArray<ParcelShipment> Shipments,
    ImmutableArray<TrackingEvent> Events);
