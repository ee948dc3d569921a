using System.Collections.Immutable;

namespace OrderEngine.Domain.Shipments;

/// <summary>The rules of one parcel.</summary>
public static class ParcelDecider
{
    /// <summary>The most tracking events a parcel keeps (the oldest go first, but never the one that ended the journey).</summary>
    public const int MaxEvents = 200;

    public static Decision<IParcelEvent, ParcelRejection> Decide(ParcelState s, IParcelCommand command, DateTimeOffset now) =>
        command.ParcelId != s.ParcelId
            ? Reject(ParcelRejectionCode.Invalid, $"command for parcel {command.ParcelId} reached the entity of parcel {s.ParcelId}")
            : command switch
            {
                RegisterParcel c => DecideRegister(s, c, now),
                RecordTrackingUpdate c => DecideUpdate(s, c, now),
                AcknowledgeParcelOutcome c => s.Shipments.Any(x => x.OrderId == c.OrderId && x.ShipmentId == c.ShipmentId && x.Acknowledged != c.Outcome)
                    ? Accept(new ParcelOutcomeAcknowledged(s.ParcelId, c.OrderId, c.ShipmentId, c.Outcome, now))
                    : Decision<IParcelEvent, ParcelRejection>.AlreadyDone,
                _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "unknown parcel command"),
            };

    private static Decision<IParcelEvent, ParcelRejection> DecideRegister(ParcelState s, RegisterParcel c, DateTimeOffset now)
    {
        if (s.Shipments.Any(x => x.OrderId == c.OrderId && x.ShipmentId == c.ShipmentId)) return Decision<IParcelEvent, ParcelRejection>.AlreadyDone;
        return Accept(new ParcelRegistered(s.ParcelId, c.TrackingNumber, c.Carrier, c.OrderId, c.ShipmentId, now));
    }

    /// <summary>What is wrong with a tracking update (null: nothing), checked before anything is recorded.</summary>
    public static string? Problem(RecordTrackingUpdate c) =>
        string.IsNullOrWhiteSpace(c.EventId) || c.EventId.Length > 128 ? "an event id is required (at most 128 characters)"
        : string.IsNullOrWhiteSpace(c.TrackingNumber) || c.TrackingNumber.Length > 64 ? "a tracking number is required (at most 64 characters)"
        : !Enum.IsDefined(c.Status) ? "unknown parcel status"
        : c.Location is { Length: > 200 } || c.Description is { Length: > 500 } ? "location is at most 200 and description at most 500 characters"
        : null;

    private static Decision<IParcelEvent, ParcelRejection> DecideUpdate(ParcelState s, RecordTrackingUpdate c, DateTimeOffset now)
    {
        if (Problem(c) is { } problem) return Reject(ParcelRejectionCode.Invalid, problem);
        if (s.HasSeen(c.Source, c.EventId)) return Decision<IParcelEvent, ParcelRejection>.AlreadyDone;
        return Accept(new TrackingUpdateRecorded(s.ParcelId, c.TrackingNumber, c.Source, c.EventId, c.Status, c.OccurredAt, c.EstimatedDelivery,
            c.Location, c.Description, now));
    }

    public static ParcelState Evolve(ParcelState s, IParcelEvent e) => e switch
    {
        ParcelRegistered x => s with
        {
            TrackingNumber = x.TrackingNumber,
            Carrier = x.Carrier,
            Shipments = s.Shipments.Add(new ParcelShipment(x.OrderId, x.ShipmentId, null)),
        },
        TrackingUpdateRecorded x => s with
        {
            TrackingNumber = s.TrackingNumber ?? x.TrackingNumber,
            Events = Bounded(Insert(s.Events, new TrackingEvent(x.Source, x.EventId, x.Status, x.OccurredAt, x.EstimatedDelivery, x.Location, x.Description))),
        },
        ParcelOutcomeAcknowledged x => s with
        {
            Shipments = s.Shipments.Select(p => p.OrderId == x.OrderId && p.ShipmentId == x.ShipmentId ? p with { Acknowledged = x.Outcome } : p).ToImmutableArray(),
        },
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name, "unknown parcel event"),
    };

    /// <summary>Keeps events ordered by when they happened (carriers deliver them out of order); ties keep arrival order.</summary>
    private static ImmutableArray<TrackingEvent> Insert(ImmutableArray<TrackingEvent> events, TrackingEvent e)
    {
        var i = events.Length;
        while (i > 0 && events[i - 1].OccurredAt > e.OccurredAt) i--;
        return events.Insert(i, e);
    }

    private static ImmutableArray<TrackingEvent> Bounded(ImmutableArray<TrackingEvent> events)
    {
        while (events.Length > MaxEvents)
        {
            var drop = events.FindIndex(e => !e.Status.IsFinal());
            events = events.RemoveAt(drop < 0 ? 0 : drop);
        }
        return events;
    }

    public static ParcelState Fold(ParcelState s, IEnumerable<IParcelEvent> events)
    {
        foreach (var e in events) s = Evolve(s, e);
        return s;
    }

    private static Decision<IParcelEvent, ParcelRejection> Accept(IParcelEvent e) => Decision<IParcelEvent, ParcelRejection>.Accept(e);

    private static Decision<IParcelEvent, ParcelRejection> Reject(ParcelRejectionCode code, string message) =>
        Decision<IParcelEvent, ParcelRejection>.Reject(new ParcelRejection(code, message));
}

internal static class ImmutableArrayExtensions
{
    public static int FindIndex<T>(this ImmutableArray<T> items, Func<T, bool> match)
    {
        for (var i = 0; i < items.Length; i++)
            if (match(items[i])) return i;
        return -1;
    }
}
