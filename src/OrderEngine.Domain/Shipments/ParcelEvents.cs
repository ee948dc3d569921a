namespace OrderEngine.Domain.Shipments;

/// <summary>A fact about one parcel, persisted in its entity's journal.</summary>
public interface IParcelEvent : IParcelMessage
{
    DateTimeOffset At { get; }
}

public sealed record ParcelRegistered(string ParcelId, string TrackingNumber, string Carrier, string OrderId, string ShipmentId, DateTimeOffset At) : IParcelEvent;

public sealed record TrackingUpdateRecorded(
    string ParcelId,
    string TrackingNumber,
    string Source,
    string EventId,
    ParcelStatus Status,
    DateTimeOffset OccurredAt,
    DateTimeOffset? EstimatedDelivery,
    string? Location,
    string? Description,
    DateTimeOffset At) : IParcelEvent;

public sealed record ParcelOutcomeAcknowledged(string ParcelId, string OrderId, string ShipmentId, ParcelStatus Outcome, DateTimeOffset At) : IParcelEvent;
