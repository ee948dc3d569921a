namespace OrderEngine.Domain.Shipments;

// A parcel is what a carrier tracks: one tracking number, its journey, and the order shipments it carries (usually one;
// a consolidated parcel carries shipments of several orders). Its entity is the single writer of its tracking history;
// when the journey ends (delivered, returned to sender) it tells each order whose shipment it carries, until the order
// acknowledged.

/// <summary>A message addressed to one parcel entity.</summary>
public interface IParcelMessage : IOrderEngineMessage
{
    string ParcelId { get; }
}

public interface IParcelCommand : IParcelMessage;

/// <summary>An order's shipment travels in this parcel (sent by the order after it recorded the shipment; idempotent).</summary>
public sealed record RegisterParcel(string ParcelId, string TrackingNumber, string Carrier, string OrderId, string ShipmentId) : IParcelCommand;

/// <summary>
/// A carrier reported a tracking event (a verified webhook). <paramref name="Source"/> is the carrier integration that
/// reported it; <paramref name="EventId"/> is unique per source, so a redelivered event counts once.
/// </summary>
public sealed record RecordTrackingUpdate(
    string ParcelId,
    string TrackingNumber,
    string Source,
    string EventId,
    ParcelStatus Status,
    DateTimeOffset OccurredAt,
    DateTimeOffset? EstimatedDelivery,
    string? Location,
    string? Description) : IParcelCommand;

/// <summary>The order acknowledged the parcel's outcome for its shipment: it is not told again.</summary>
public sealed record AcknowledgeParcelOutcome(string ParcelId, string OrderId, string ShipmentId, ParcelStatus Outcome) : IParcelCommand;

/// <summary>Asks for a parcel's current view.</summary>
public sealed record GetParcel(string ParcelId) : IParcelMessage;
