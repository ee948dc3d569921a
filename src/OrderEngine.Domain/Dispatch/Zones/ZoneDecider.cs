using System.Collections.Immutable;
using OrderEngine.Domain.Dispatch.Couriers;
using OrderEngine.Domain.Orders;

namespace OrderEngine.Domain.Dispatch.Zones;

/// <summary>
/// A message the zone sends after its events are written: a <see cref="RecordDeliveryProgress"/> to an order or a
/// <see cref="RecordPickupEstimate"/> to a restaurant. <paramref name="NoticeId"/> is set for the ones kept in the
/// outbox until acknowledged; the others (pickup estimates) are best effort.
/// </summary>
public sealed record ZoneEffect(IOrderEngineMessage Message, string? NoticeId);

/// <summary>What the zone decided: the events to persist (or a rejection), whether the command was a repeat, and the messages to send after the write.</summary>
public sealed record ZoneDecision(Decision<IZoneEvent, ZoneRejection> Decision, bool Repeat, ImmutableArray<ZoneEffect> Effects)
{
    public static ZoneDecision Reject(ZoneRejectionCode code, string message, string? field = null) =>
        new(Decision<IZoneEvent, ZoneRejection>.Reject(new ZoneRejection(code, message, field)), false, []);
}

/// <summary>The rules of one delivery zone (see docs/dispatch.md).</summary>
public static class ZoneDecider
{
    /// <summary>Delivered or flagged deliveries kept (the latest), so a late repeat still answers as before.</summary>
    public const int MaxClosedKept = 1000;

    /// <summary>Up to this many waiting deliveries, a new request refreshes every waiting delivery's estimate at once; above, the tick does.</summary>
    public const int QueueRefreshLimit = 50;

    public static ZoneDecision Decide(ZoneState s, IZoneCommand command, DateTimeOffset now, ZoneRules rules)
    {
        if (command.ZoneId != s.ZoneId) return ZoneDecision.Reject(ZoneRejectionCode.Invalid, $"command for zone {command.ZoneId} reached zone {s.ZoneId}");
        var primary = command switch
        {
            ConfigureZone c => DecideConfigure(s, c, now),
            CourierOnline c => DecideOnline(s, c, now),
            CourierOffline c => DecideOffline(s, c, now),
            UpdateCourierPosition c => DecidePosition(s, c, now),
            RequestDelivery c => DecideRequest(s, c, now, rules.With(s.Settings)),
            AcceptOffer c => DecideAccept(s, c, now),
            DeclineOffer c => DecideDecline(s, c, now),
            ConfirmPickup c => DecidePickup(s, c, now),
            ConfirmDelivery c => DecideDelivery(s, c, now),
            DispatchTick => Decision<IZoneEvent, ZoneRejection>.AlreadyDone,
            AcknowledgeNotice c => s.Outbox.Any(n => n.NoticeId == c.NoticeId)
                ? Decision<IZoneEvent, ZoneRejection>.Accept(new NoticeAcknowledged(s.ZoneId, c.NoticeId, now))
                : Decision<IZoneEvent, ZoneRejection>.AlreadyDone,
            _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "unknown zone command"),
        };
        if (primary.IsRejected) return new ZoneDecision(primary, false, []);
        var after = Fold(s, primary.Events);
        var events = primary.Events;
        if (command is not AcknowledgeNotice)
        {
            var dispatched = Dispatch(after, now, rules.With(after.Settings));
            after = Fold(after, dispatched);
            events = events.AddRange(dispatched);
        }
        return new ZoneDecision(new Decision<IZoneEvent, ZoneRejection>(events, null), primary.Events.IsEmpty, EffectsOf(s, after, events, now, rules, refreshQueue: command is DispatchTick));
    }

    /// <summary>
    /// Expires the offers past their deadline, then offers each waiting delivery (in the policy's queue order) to the
    /// courier the policy chooses, if any can take it. Running it again at the same time offers nothing more.
    /// </summary>
    public static ImmutableArray<IZoneEvent> Dispatch(ZoneState s, DateTimeOffset now, ZoneRules rules)
    {
        var events = ImmutableArray.CreateBuilder<IZoneEvent>();
        foreach (var d in s.Deliveries.Values.Where(d => d.Status == DeliveryStatus.Offered && d.OfferExpiresAt <= now).ToList())
        {
            var expired = new OfferDeclined(s.ZoneId, d.OrderId, d.CourierId!, Expired: true, now);
            events.Add(expired);
            s = Evolve(s, expired);
        }
        // Only couriers with room can take anything: a rush with every courier full costs one pass over the couriers.
        bool HasRoom(ZoneState st, ZoneCourier c) =>
            c.Online && (rules.Policy == DispatchPolicy.Naive ? st.HeldCountOf(c.CourierId) == 0 : st.HeldCountOf(c.CourierId) < c.Capacity);
        var free = s.Couriers.Values.Where(c => HasRoom(s, c)).ToList();
        foreach (var d in free.Count == 0 ? [] : s.Queue(rules.Policy).ToList())
        {
            var option = rules.Policy == DispatchPolicy.Naive ? ZonePlanner.Naive(s, d, now, free) : ZonePlanner.EarliestPickup(s, d, now, rules, free);
            if (option is null) continue;
            var offered = new DeliveryOffered(s.ZoneId, d.OrderId, option.CourierId, now + rules.OfferTimeout, option.EstimatedPickup, option.Eta,
                option.BatchedWith, option.BatchedEta, now);
            events.Add(offered);
            s = Evolve(s, offered);
            if (!HasRoom(s, s.Couriers[option.CourierId])) free.RemoveAll(c => c.CourierId == option.CourierId);
            if (free.Count == 0) break;
        }
        return events.ToImmutable();
    }

    /// <summary>
    /// The messages to send once the events are written: each new outbox notice, and restaurants' pickup estimates: for
    /// each delivery offered, and — on the zone's tick (<paramref name="refreshQueue"/>) — for every waiting delivery,
    /// from the queue's estimates (so a restaurant sees its queue grow while couriers are short, at the tick's pace).
    /// </summary>
    public static ImmutableArray<ZoneEffect> EffectsOf(ZoneState before, ZoneState after, ImmutableArray<IZoneEvent> events, DateTimeOffset now, ZoneRules rules,
        bool refreshQueue = false)
    {
        if (events.IsEmpty && !refreshQueue) return [];
        var effects = ImmutableArray.CreateBuilder<ZoneEffect>();
        // New notices are the outbox's last ones (it is in creation order).
        var first = after.Outbox.Count;
        while (first > 0 && after.Outbox[first - 1].Sequence > before.Sequence) first--;
        for (var i = first; i < after.Outbox.Count; i++) effects.Add(new ZoneEffect(after.Outbox[i].ToMessage(), after.Outbox[i].NoticeId));
        var estimates = new Dictionary<string, RecordPickupEstimate>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            if (e is DeliveryOffered o && after.Deliveries.TryGetValue(o.OrderId, out var d) && d.IsHeld)
                estimates[o.OrderId] = new RecordPickupEstimate(d.RestaurantId, d.OrderId, o.EstimatedPickup, false);
        }
        if (events.OfType<DeliveryRequested>().Any(r => r.Eta is not null)) refreshQueue |= after.WaitingDeliveries <= QueueRefreshLimit;
        var queue = refreshQueue ? ZonePlanner.QueueEstimates(after, now, rules.With(after.Settings)) : ImmutableDictionary<string, (DateTimeOffset? Pickup, DateTimeOffset? Eta)>.Empty;
        foreach (var (orderId, estimate) in queue)
            if (estimate.Pickup is { } pickup && after.Deliveries.TryGetValue(orderId, out var d))
                estimates[orderId] = new RecordPickupEstimate(d.RestaurantId, orderId, pickup, false);
        foreach (var estimate in estimates.Values) effects.Add(new ZoneEffect(estimate, null));
        return effects.ToImmutable();
    }

    private static Decision<IZoneEvent, ZoneRejection> Accept(params IZoneEvent[] events) => Decision<IZoneEvent, ZoneRejection>.Accept(events);

    private static Decision<IZoneEvent, ZoneRejection> Reject(ZoneRejectionCode code, string message, string? field = null) =>
        Decision<IZoneEvent, ZoneRejection>.Reject(new ZoneRejection(code, message, field));

    private static Decision<IZoneEvent, ZoneRejection> Done => Decision<IZoneEvent, ZoneRejection>.AlreadyDone;

    /// <summary>What is wrong with zone settings (null: nothing).</summary>
    public static ZoneRejection? Problem(ConfigureZone c) =>
        c.Policy is { } p && !Enum.IsDefined(p) ? new(ZoneRejectionCode.Invalid, "policy must be earliest-pickup or naive", "policy")
        : c.OfferTimeoutSeconds is { } t && (!double.IsFinite(t) || t <= 0 || t > ZoneRules.MaxOfferTimeoutSeconds)
            ? new(ZoneRejectionCode.Invalid, $"offerTimeoutSeconds must be above 0 and at most {ZoneRules.MaxOfferTimeoutSeconds}", "offerTimeoutSeconds")
        : c.BatchMaxDelayMinutes is { } m && (!double.IsFinite(m) || m < 0 || m > ZoneRules.MaxBatchDelayMinutes)
            ? new(ZoneRejectionCode.Invalid, $"batchMaxDelayMinutes must be 0 to {ZoneRules.MaxBatchDelayMinutes}", "batchMaxDelayMinutes")
        : null;

    private static Decision<IZoneEvent, ZoneRejection> DecideConfigure(ZoneState s, ConfigureZone c, DateTimeOffset now)
    {
        if (Problem(c) is { } problem) return Decision<IZoneEvent, ZoneRejection>.Reject(problem);
        var current = s.Settings ?? new ZoneSettings(null, null, null);
        var next = new ZoneSettings(c.Policy ?? current.Policy, c.OfferTimeoutSeconds ?? current.OfferTimeoutSeconds, c.BatchMaxDelayMinutes ?? current.BatchMaxDelayMinutes);
        return next == s.Settings || (s.Settings is null && next == current)
            ? Done
            : Accept(new ZoneConfigured(s.ZoneId, next.Policy, next.OfferTimeoutSeconds, next.BatchMaxDelayMinutes, now));
    }

    private static ZoneRejection? PositionProblem(GeoPoint? p) =>
        p is null || !p.IsValid ? new(ZoneRejectionCode.Invalid, "latitude must be -90 to 90 and longitude -180 to 180", "latitude") : null;

    private static Decision<IZoneEvent, ZoneRejection> DecideOnline(ZoneState s, CourierOnline c, DateTimeOffset now)
    {
        if (PositionProblem(c.Position) is { } problem) return Decision<IZoneEvent, ZoneRejection>.Reject(problem);
        if (!Identifiers.IsValidEntityId(c.CourierId)) return Reject(ZoneRejectionCode.Invalid, "invalid courier id", "courierId");
        if (!double.IsFinite(c.SpeedKmh) || c.SpeedKmh <= 0) return Reject(ZoneRejectionCode.Invalid, "a courier's speed is above 0", "speedKmh");
        if (c.Capacity is < CourierRules.MinCapacity or > CourierRules.MaxCapacity)
            return Reject(ZoneRejectionCode.Invalid, $"capacity must be {CourierRules.MinCapacity} to {CourierRules.MaxCapacity}", "capacity");
        if (s.Couriers.TryGetValue(c.CourierId, out var known) && known.Online)
            // Already working here: the profile it joined with holds until it goes offline (its capacity cannot drop
            // below what it holds); only the position is news.
            return known.Position == c.Position ? Done : Accept(new CourierMoved(s.ZoneId, c.CourierId, c.Position, now));
        return Accept(new CourierJoined(s.ZoneId, c.CourierId, c.Name, c.Vehicle, c.SpeedKmh, c.Capacity, c.Position, now));
    }

    private static Decision<IZoneEvent, ZoneRejection> DecideOffline(ZoneState s, CourierOffline c, DateTimeOffset now)
    {
        if (!s.Couriers.TryGetValue(c.CourierId, out var known) || !known.Online) return Done;
        var held = s.HeldBy(c.CourierId);
        if (c.OnlyIfIdle && held.Any(d => d.Status != DeliveryStatus.Offered))
            return Reject(ZoneRejectionCode.Conflict, $"courier {c.CourierId} holds deliveries in zone {s.ZoneId}");
        var reason = c.OnlyIfIdle ? "the courier moved to another zone" : "the courier went offline";
        var events = held.Select(d => d.Status == DeliveryStatus.PickedUp
                ? (IZoneEvent)new DeliveryFlagged(s.ZoneId, d.OrderId, c.CourierId, "the courier went offline carrying it", now)
                : new CourierReleased(s.ZoneId, d.OrderId, c.CourierId, reason, now))
            .Append(new CourierLeft(s.ZoneId, c.CourierId, now));
        return Accept([.. events]);
    }

    private static Decision<IZoneEvent, ZoneRejection> DecidePosition(ZoneState s, UpdateCourierPosition c, DateTimeOffset now)
    {
        if (PositionProblem(c.Position) is { } problem) return Decision<IZoneEvent, ZoneRejection>.Reject(problem);
        if (!s.Couriers.TryGetValue(c.CourierId, out var known) || !known.Online)
            return Reject(ZoneRejectionCode.Conflict, $"courier {c.CourierId} is offline; it goes online first");
        return known.Position == c.Position ? Done : Accept(new CourierMoved(s.ZoneId, c.CourierId, c.Position, now));
    }

    /// <summary>What is wrong with a delivery request (null: nothing).</summary>
    public static ZoneRejection? Problem(RequestDelivery c) =>
        !Identifiers.IsValidEntityId(c.OrderId) ? new(ZoneRejectionCode.Invalid, "invalid order id", "orderId")
        : !Identifiers.IsValidEntityId(c.RestaurantId) ? new(ZoneRejectionCode.Invalid, "invalid restaurant id", "restaurantId")
        : c.Pickup is null || !c.Pickup.IsValid ? new(ZoneRejectionCode.Invalid, "the pickup point is not a valid coordinate", "pickup")
        : c.DropOff is null || !c.DropOff.IsValid ? new(ZoneRejectionCode.Invalid, "the drop-off point is not a valid coordinate", "dropOff")
        : c.Items < 0 ? new(ZoneRejectionCode.Invalid, "items is 0 or more", "items")
        : null;

    private static Decision<IZoneEvent, ZoneRejection> DecideRequest(ZoneState s, RequestDelivery c, DateTimeOffset now, ZoneRules rules)
    {
        if (Problem(c) is { } problem) return Decision<IZoneEvent, ZoneRejection>.Reject(problem);
        if (s.Deliveries.ContainsKey(c.OrderId)) return Done;
        var requested = new DeliveryRequested(s.ZoneId, c.OrderId, c.RestaurantId, c.Pickup, c.DropOff, c.ReadyAt, c.PromisedBy, c.Items, null, now, c.CustomerId);
        var eta = ZonePlanner.QueueEstimates(Evolve(s, requested), now, rules).GetValueOrDefault(c.OrderId).Eta;
        return Accept(requested with { Eta = eta });
    }

    /// <summary>Finds the courier and the delivery a courier command names, or the refusal.</summary>
    private static ZoneRejection? Find(ZoneState s, string courierId, string orderId, out ZoneDelivery d)
    {
        d = null!;
        if (!s.Couriers.ContainsKey(courierId)) return new(ZoneRejectionCode.NotFound, $"courier {courierId} is not in zone {s.ZoneId}");
        if (!s.Deliveries.TryGetValue(orderId, out d!)) return new(ZoneRejectionCode.NotFound, $"no delivery of order {orderId} in zone {s.ZoneId}");
        return null;
    }

    private static ZoneRejection NotYours(ZoneDelivery d, string courierId) =>
        d.TimedOut.Contains(courierId) ? new(ZoneRejectionCode.Conflict, $"the offer of order {d.OrderId} expired; it went to the next courier")
        : d.Declined.Contains(courierId) ? new(ZoneRejectionCode.Conflict, $"the offer of order {d.OrderId} was declined")
        : d.CourierId is not null ? new(ZoneRejectionCode.Conflict, $"order {d.OrderId} went to another courier")
        : new(ZoneRejectionCode.Conflict, $"order {d.OrderId} is not offered to courier {courierId}");

    private static Decision<IZoneEvent, ZoneRejection> DecideAccept(ZoneState s, AcceptOffer c, DateTimeOffset now)
    {
        if (Find(s, c.CourierId, c.OrderId, out var d) is { } missing) return Decision<IZoneEvent, ZoneRejection>.Reject(missing);
        if (d.CourierId != c.CourierId) return Decision<IZoneEvent, ZoneRejection>.Reject(NotYours(d, c.CourierId));
        return d.Status switch
        {
            DeliveryStatus.Offered when d.OfferExpiresAt > now => Accept(new OfferAccepted(s.ZoneId, d.OrderId, c.CourierId, now)),
            DeliveryStatus.Offered => Reject(ZoneRejectionCode.Conflict, $"the offer of order {d.OrderId} expired; it goes to the next courier"),
            _ => Done,
        };
    }

    private static Decision<IZoneEvent, ZoneRejection> DecideDecline(ZoneState s, DeclineOffer c, DateTimeOffset now)
    {
        if (Find(s, c.CourierId, c.OrderId, out var d) is { } missing) return Decision<IZoneEvent, ZoneRejection>.Reject(missing);
        if (d.CourierId == c.CourierId)
            return d.Status == DeliveryStatus.Offered
                ? Accept(new OfferDeclined(s.ZoneId, d.OrderId, c.CourierId, Expired: false, now))
                : Reject(ZoneRejectionCode.Conflict, $"order {d.OrderId} was accepted already; it is no longer an offer");
        return d.Excludes(c.CourierId) ? Done : Decision<IZoneEvent, ZoneRejection>.Reject(NotYours(d, c.CourierId));
    }

    private static Decision<IZoneEvent, ZoneRejection> DecidePickup(ZoneState s, ConfirmPickup c, DateTimeOffset now)
    {
        if (Find(s, c.CourierId, c.OrderId, out var d) is { } missing) return Decision<IZoneEvent, ZoneRejection>.Reject(missing);
        if (d.CourierId != c.CourierId) return Decision<IZoneEvent, ZoneRejection>.Reject(NotYours(d, c.CourierId));
        var courier = s.Couriers[c.CourierId];
        return d.Status switch
        {
            DeliveryStatus.Offered => Reject(ZoneRejectionCode.Conflict, $"order {d.OrderId} is only offered: accept the offer first"),
            DeliveryStatus.Assigned => Accept(new DeliveryPickedUp(s.ZoneId, d.OrderId, c.CourierId, now + ZonePlanner.Travel(d.Pickup, d.DropOff, courier.SpeedKmh), now)),
            DeliveryStatus.Flagged => Reject(ZoneRejectionCode.Conflict, $"order {d.OrderId} is flagged: it was picked up already"),
            _ => Done,
        };
    }

    private static Decision<IZoneEvent, ZoneRejection> DecideDelivery(ZoneState s, ConfirmDelivery c, DateTimeOffset now)
    {
        if (Find(s, c.CourierId, c.OrderId, out var d) is { } missing) return Decision<IZoneEvent, ZoneRejection>.Reject(missing);
        if (d.CourierId != c.CourierId) return Decision<IZoneEvent, ZoneRejection>.Reject(NotYours(d, c.CourierId));
        return d.Status switch
        {
            DeliveryStatus.Offered => Reject(ZoneRejectionCode.Conflict, $"order {d.OrderId} is only offered: accept it and pick it up first"),
            DeliveryStatus.Assigned => Reject(ZoneRejectionCode.Conflict, $"order {d.OrderId} was not picked up yet: pick it up first"),
            DeliveryStatus.PickedUp or DeliveryStatus.Flagged => Accept(new DeliveryDelivered(s.ZoneId, d.OrderId, c.CourierId, now)),
            _ => Done,
        };
    }

    public static ZoneState Evolve(ZoneState s, IZoneEvent e)
    {
        switch (e)
        {
            case ZoneConfigured x:
                return s with { Settings = new ZoneSettings(x.Policy, x.OfferTimeoutSeconds, x.BatchMaxDelayMinutes) };
            case CourierJoined x:
                return s with { Couriers = s.Couriers.SetItem(x.CourierId, new ZoneCourier(x.CourierId, x.Name, x.Vehicle, x.SpeedKmh, x.Capacity, x.Position, true)) };
            case CourierLeft x:
                return s.Couriers.TryGetValue(x.CourierId, out var left) ? s with { Couriers = s.Couriers.SetItem(x.CourierId, left with { Online = false }) } : s;
            case CourierMoved x:
                return s.Couriers.TryGetValue(x.CourierId, out var moved) ? s with { Couriers = s.Couriers.SetItem(x.CourierId, moved with { Position = x.Position }) } : s;
            case DeliveryRequested x:
            {
                var d = new ZoneDelivery(x.OrderId, x.RestaurantId, x.Pickup, x.DropOff, x.ReadyAt, x.PromisedBy, x.Items, x.At, DeliveryStatus.Waiting,
                    null, null, null, x.Eta, [], [], null, x.CustomerId);
                s = s with { Deliveries = s.Deliveries.SetItem(x.OrderId, d) };
                return Notice(s, NoticeKind.Order, d, DeliveryStage.AwaitingCourier, null, x.Eta, "waiting for a courier", x.At);
            }
            case DeliveryOffered x:
            {
                s = Update(s, x.OrderId, d => d with
                {
                    Status = DeliveryStatus.Offered, CourierId = x.CourierId, OfferExpiresAt = x.ExpiresAt, EstimatedPickup = x.EstimatedPickup, Eta = x.Eta,
                });
                return x.BatchedWith is { } first
                    ? Update(s, first, d => d with { Eta = x.BatchedEta ?? d.Eta, EstimatedPickup = d.EstimatedPickup > x.EstimatedPickup ? d.EstimatedPickup : x.EstimatedPickup })
                    : s;
            }
            case OfferAccepted x:
            {
                s = Update(s, x.OrderId, d => d with { Status = DeliveryStatus.Assigned, OfferExpiresAt = null });
                var d = s.Deliveries[x.OrderId];
                return Notice(s, NoticeKind.Order, d, DeliveryStage.CourierAssigned, x.CourierId, d.Eta, null, x.At);
            }
            case OfferDeclined x:
                return Update(s, x.OrderId, d => Unheld(d) with
                {
                    Declined = x.Expired ? d.Declined : d.Declined.Add(x.CourierId),
                    TimedOut = x.Expired ? d.TimedOut.Add(x.CourierId) : d.TimedOut,
                });
            case CourierReleased x:
            {
                var wasAssigned = s.Deliveries.TryGetValue(x.OrderId, out var before) && before.Status == DeliveryStatus.Assigned;
                s = Update(s, x.OrderId, Unheld);
                return wasAssigned ? Notice(s, NoticeKind.Order, s.Deliveries[x.OrderId], DeliveryStage.CourierReleased, x.CourierId, null, x.Reason, x.At) : s;
            }
            case DeliveryPickedUp x:
            {
                s = Update(s, x.OrderId, d => d with { Status = DeliveryStatus.PickedUp, Eta = x.Eta });
                var d = s.Deliveries[x.OrderId];
                s = Notice(s, NoticeKind.Order, d, DeliveryStage.PickedUp, x.CourierId, x.Eta, null, x.At);
                return Notice(s, NoticeKind.RestaurantCollected, d, DeliveryStage.PickedUp, x.CourierId, x.Eta, null, x.At);
            }
            case DeliveryDelivered x:
            {
                s = Update(s, x.OrderId, d => d with { Status = DeliveryStatus.Delivered, ClosedAt = x.At });
                return Prune(Notice(s, NoticeKind.Order, s.Deliveries[x.OrderId], DeliveryStage.Delivered, x.CourierId, x.At, null, x.At));
            }
            case DeliveryFlagged x:
            {
                s = Update(s, x.OrderId, d => d with { Status = DeliveryStatus.Flagged, ClosedAt = x.At });
                return Prune(Notice(s, NoticeKind.Order, s.Deliveries[x.OrderId], DeliveryStage.Flagged, x.CourierId, null, x.Reason, x.At));
            }
            case NoticeAcknowledged x:
                return s with { Outbox = s.Outbox.RemoveAll(n => n.NoticeId == x.NoticeId) };
            default:
                throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name, "unknown zone event");
        }
    }

    public static ZoneState Fold(ZoneState s, IEnumerable<IZoneEvent> events)
    {
        foreach (var e in events) s = Evolve(s, e);
        return s;
    }

    /// <summary>The id of the zone's <paramref name="sequence"/>th notice (also the StageId the order sees).</summary>
    public static string NoticeIdOf(string zoneId, long sequence) => $"zone-{zoneId}-{sequence}";

    private static ZoneDelivery Unheld(ZoneDelivery d) =>
        d with { Status = DeliveryStatus.Waiting, CourierId = null, OfferExpiresAt = null, EstimatedPickup = null };

    private static ZoneState Update(ZoneState s, string orderId, Func<ZoneDelivery, ZoneDelivery> change) =>
        s.Deliveries.TryGetValue(orderId, out var d) ? s with { Deliveries = s.Deliveries.SetItem(orderId, change(d)) } : s;

    private static ZoneState Notice(ZoneState s, NoticeKind kind, ZoneDelivery d, DeliveryStage stage, string? courierId, DateTimeOffset? eta, string? note, DateTimeOffset at)
    {
        var sequence = s.Sequence + 1;
        return s with
        {
            Sequence = sequence,
            Outbox = s.Outbox.Add(new ZoneNotice(NoticeIdOf(s.ZoneId, sequence), sequence, kind, d.OrderId, d.RestaurantId, stage, courierId, eta, note, at)),
        };
    }

    private static ZoneState Prune(ZoneState s)
    {
        var closed = s.Deliveries.Values.Where(d => d.IsClosed).ToList();
        if (closed.Count <= MaxClosedKept) return s;
        var oldest = closed.OrderBy(d => d.ClosedAt).ThenBy(d => d.OrderId, StringComparer.Ordinal).Take(closed.Count - MaxClosedKept).Select(d => d.OrderId);
        return s with { Deliveries = s.Deliveries.RemoveRange(oldest) };
    }
}
