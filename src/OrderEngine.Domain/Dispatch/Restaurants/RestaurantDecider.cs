using System.Collections.Immutable;
using OrderEngine.Domain.Orders;

namespace OrderEngine.Domain.Dispatch.Restaurants;

/// <summary>
/// What a restaurant answers to a command: the events to persist (possibly none), or a rejection that changes nothing;
/// and <see cref="Effects"/>, the messages those events newly owe the zone and the order (they stay in the state's
/// outbox, see <see cref="RestaurantState.Outbox"/>, until acknowledged).
/// </summary>
public readonly record struct RestaurantDecision(Decision<IRestaurantEvent, RestaurantRejection> Decision, ImmutableArray<IOrderEngineMessage> Effects)
{
    public ImmutableArray<IRestaurantEvent> Events => Decision.Events;
    public RestaurantRejection? Rejection => Decision.Rejection;
    public bool IsRejected => Decision.IsRejected;
}

/// <summary>The rules of one restaurant and its kitchen queue.</summary>
public static class RestaurantDecider
{
    public const int MaxNameLength = 200;
    public const int MaxMenuItems = 500;
    public const decimal MaxPrepMinutes = 240m;
    public const int MaxReasonLength = 500;

    public static RestaurantDecision Decide(RestaurantState s, IRestaurantCommand command, DateTimeOffset now, RestaurantRules rules)
    {
        var decision = command.RestaurantId != s.RestaurantId
            ? Reject(RestaurantRejectionCode.Invalid, $"command for restaurant {command.RestaurantId} reached the entity of restaurant {s.RestaurantId}")
            : command switch
            {
                DefineRestaurant c => DecideDefine(s, c, now, rules),
                PauseRestaurant c => DecidePause(s, c, now),
                ResumeRestaurant => Known(s) ?? (s.HandPauseReason is null ? Done : Accept(new RestaurantResumed(s.RestaurantId, true, now))),
                ReceiveKitchenOrder c => DecideReceive(s, c, now, rules),
                AcceptKitchenOrder c => DecideAccept(s, c, now, rules),
                RejectKitchenOrder c => DecideReject(s, c, now),
                RecordPickupEstimate c => DecideEstimate(s, c, now),
                CheckKitchenQueue => Done,
                AcknowledgeDeliveryRequest c => s.Orders.TryGetValue(c.OrderId, out var o) && o.Status == KitchenOrderStatus.Accepted && !o.DeliveryRequestAcked
                    ? Accept(new DeliveryRequestAcknowledged(s.RestaurantId, c.OrderId, now))
                    : Done,
                AcknowledgeKitchenProgress c => s.Orders.TryGetValue(c.OrderId, out var o) && o.DecidedAt is not null && !o.ProgressAcked
                    ? Accept(new KitchenProgressAcknowledged(s.RestaurantId, c.OrderId, now))
                    : Done,
                _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "unknown restaurant command"),
            };
        if (decision.IsRejected) return new RestaurantDecision(decision, []);
        // The queue's ETA is looked at after anything that changed the restaurant, and on the periodic check (time passing
        // shortens it); a repeat changed nothing and looks at nothing.
        var events = decision.Events;
        if (!events.IsEmpty || command is CheckKitchenQueue)
        {
            var at = command is CheckKitchenQueue check ? check.Now : now;
            var after = Fold(s, events);
            if (AutoPause(after, at, rules) is { } pause) events = events.Add(pause);
        }
        return new RestaurantDecision(new Decision<IRestaurantEvent, RestaurantRejection>(events, null), NewEffects(s, events));
    }

    /// <summary>
    /// The automatic pause's hysteresis: pause when the queue ETA is above the pause limit, lift the pause when it is
    /// below the resume limit, nothing in between (so a queue hovering at one limit does not flap).
    /// </summary>
    public static IRestaurantEvent? AutoPause(RestaurantState s, DateTimeOffset now, RestaurantRules rules)
    {
        if (!s.Exists) return null;
        var eta = s.QueueEtaMinutes(now);
        var resumeBelow = Math.Min(rules.ResumeBelowQueueEtaMinutes, rules.PauseAboveQueueEtaMinutes);
        if (s.AutoPauseReason is null && eta > rules.PauseAboveQueueEtaMinutes)
            return new RestaurantPaused(s.RestaurantId,
                $"queue ETA {RestaurantState.Format(Math.Ceiling(eta * 10) / 10)} min exceeds {RestaurantState.Format(rules.PauseAboveQueueEtaMinutes)} min", false, now);
        if (s.AutoPauseReason is not null && eta < resumeBelow)
            return new RestaurantResumed(s.RestaurantId, false, now);
        return null;
    }

    /// <summary>Every problem of a definition, each named by its JSON field; empty when it is valid.</summary>
    public static ImmutableArray<FieldError> Validate(DefineRestaurant c)
    {
        var errors = ImmutableArray.CreateBuilder<FieldError>();
        if (string.IsNullOrWhiteSpace(c.Name)) errors.Add(new FieldError("name", "name is required"));
        else if (c.Name.Length > MaxNameLength || c.Name.Any(char.IsControl))
            errors.Add(new FieldError("name", $"name must be at most {MaxNameLength} printable characters"));
        if (c.Location is not { } p)
        {
            errors.Add(new FieldError("latitude", "latitude and longitude are required (WGS 84 degrees)"));
            errors.Add(new FieldError("longitude", "latitude and longitude are required (WGS 84 degrees)"));
        }
        else
        {
            if (!double.IsFinite(p.Latitude) || p.Latitude is < -90 or > 90) errors.Add(new FieldError("latitude", "latitude is required, between -90 and 90"));
            if (!double.IsFinite(p.Longitude) || p.Longitude is < -180 or > 180) errors.Add(new FieldError("longitude", "longitude is required, between -180 and 180"));
        }
        if (PrepProblem(c.PrepMinutes) is { } prep) errors.Add(new FieldError("prepMinutes", prep));
        var menu = c.Menu.IsDefault ? [] : c.Menu;
        if (menu.Length > MaxMenuItems) errors.Add(new FieldError("menu", $"a menu has at most {MaxMenuItems} items"));
        else
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < menu.Length; i++)
            {
                if (!Identifiers.IsValidEntityId(menu[i])) errors.Add(new FieldError($"menu[{i}]", "a menu item is a SKU: " + Identifiers.EntityIdRule));
                else if (!seen.Add(menu[i])) errors.Add(new FieldError($"menu[{i}]", $"{menu[i]} is on the menu twice"));
            }
        }
        return errors.ToImmutable();
    }

    private static string? PrepProblem(decimal? minutes) =>
        minutes is not { } m ? "prepMinutes is required (minutes, e.g. 12 or 0.5)"
        : m <= 0 || m > MaxPrepMinutes ? $"prepMinutes must be greater than 0 and at most {MaxPrepMinutes}"
        : null;

    private static Decision<IRestaurantEvent, RestaurantRejection> DecideDefine(RestaurantState s, DefineRestaurant c, DateTimeOffset now, RestaurantRules rules)
    {
        var errors = Validate(c);
        if (!errors.IsEmpty) return Reject(RestaurantRejectionCode.Invalid, "the restaurant definition is invalid", errors);
        var name = c.Name!.Trim();
        var menu = c.Menu.IsDefault ? [] : c.Menu;
        var zone = Geo.Geohash(c.Location!, rules.ZonePrecision);
        if (s.Profile is { } p && p.Name == name && p.Location == c.Location && p.ZoneId == zone && p.PrepMinutes == c.PrepMinutes
            && p.Menu.SequenceEqual(menu) && p.Open == c.Open)
            return Done;
        return Accept(new RestaurantDefined(s.RestaurantId, name, c.Location!, zone, c.PrepMinutes!.Value, menu, c.Open, (s.Profile?.Revision ?? 0) + 1, now));
    }

    private static Decision<IRestaurantEvent, RestaurantRejection> DecidePause(RestaurantState s, PauseRestaurant c, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(c.Reason) || c.Reason.Length > MaxReasonLength)
            return Reject(RestaurantRejectionCode.Invalid, "a pause needs a reason", [new FieldError("reason", $"reason is required (at most {MaxReasonLength} characters)")]);
        if (Known(s) is { } unknown) return unknown;
        var reason = c.Reason.Trim();
        return s.HandPauseReason == reason ? Done : Accept(new RestaurantPaused(s.RestaurantId, reason, true, now));
    }

    /// <summary>What is wrong with a kitchen order as the order sent it (null: nothing).</summary>
    public static string? Problem(ReceiveKitchenOrder c) =>
        !Identifiers.IsValidEntityId(c.OrderId) ? "orderId must be " + Identifiers.EntityIdRule
        : c.DropOff is not { IsValid: true } ? "the drop-off point is not a valid coordinate"
        : c.Items < 0 ? "items cannot be negative"
        : null;

    private static Decision<IRestaurantEvent, RestaurantRejection> DecideReceive(RestaurantState s, ReceiveKitchenOrder c, DateTimeOffset now, RestaurantRules rules)
    {
        if (Problem(c) is { } problem) return Reject(RestaurantRejectionCode.Invalid, problem);
        if (s.Orders.ContainsKey(c.OrderId)) return Done;
        // An order placed for a restaurant defined since, or one never defined: nobody could cook it, the kitchen
        // cannot even reject it, so the order keeps asking and an operator sees it.
        if (s.Profile is not { } p) return Reject(RestaurantRejectionCode.NotFound, $"restaurant {s.RestaurantId} is not known");
        var promised = c.PromisedBy
            ?? now + RestaurantState.Minutes(p.PrepMinutes) + rules.Trip(p.Location, c.DropOff) + RestaurantState.Minutes(rules.PromiseSlackMinutes);
        return Accept(new KitchenOrderQueued(s.RestaurantId, c.OrderId, c.DropOff, promised, c.PromisedBy is null, c.Items, now, c.CustomerId));
    }

    private static Decision<IRestaurantEvent, RestaurantRejection> DecideAccept(RestaurantState s, AcceptKitchenOrder c, DateTimeOffset now, RestaurantRules rules)
    {
        if (PrepProblem(c.PrepMinutes) is { } prep) return Reject(RestaurantRejectionCode.Invalid, prep, [new FieldError("prepMinutes", prep)]);
        if (Known(s) is { } unknown) return unknown;
        if (!s.Orders.TryGetValue(c.OrderId, out var o)) return Reject(RestaurantRejectionCode.NotFound, $"restaurant {s.RestaurantId} never received order {c.OrderId}");
        switch (o.Status)
        {
            case KitchenOrderStatus.Rejected:
                return Reject(RestaurantRejectionCode.Conflict, $"order {c.OrderId} was rejected: {o.RejectReason}");
            case KitchenOrderStatus.Accepted or KitchenOrderStatus.Collected:
                return o.PrepMinutes == c.PrepMinutes
                    ? Done
                    : Reject(RestaurantRejectionCode.Conflict, $"order {c.OrderId} was already accepted with prepMinutes {RestaurantState.Format(o.PrepMinutes ?? 0)}");
        }
        var ready = now + RestaurantState.Minutes(c.PrepMinutes!.Value);
        var eta = ready + rules.Trip(s.Profile!.Location, o.DropOff);
        return Accept(new KitchenOrderAccepted(s.RestaurantId, c.OrderId, c.PrepMinutes.Value, ready, eta, s.Profile.ZoneId, now));
    }

    private static Decision<IRestaurantEvent, RestaurantRejection> DecideReject(RestaurantState s, RejectKitchenOrder c, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(c.Reason) || c.Reason.Length > MaxReasonLength)
            return Reject(RestaurantRejectionCode.Invalid, "a rejection needs a reason", [new FieldError("reason", $"reason is required (at most {MaxReasonLength} characters)")]);
        if (Known(s) is { } unknown) return unknown;
        if (!s.Orders.TryGetValue(c.OrderId, out var o)) return Reject(RestaurantRejectionCode.NotFound, $"restaurant {s.RestaurantId} never received order {c.OrderId}");
        var reason = c.Reason.Trim();
        return o.Status switch
        {
            KitchenOrderStatus.Accepted or KitchenOrderStatus.Collected =>
                Reject(RestaurantRejectionCode.Conflict, $"order {c.OrderId} was already accepted (ready at {o.ReadyAt:O})"),
            KitchenOrderStatus.Rejected => o.RejectReason == reason
                ? Done
                : Reject(RestaurantRejectionCode.Conflict, $"order {c.OrderId} was already rejected: {o.RejectReason}"),
            _ => Accept(new KitchenOrderRejected(s.RestaurantId, c.OrderId, reason, now)),
        };
    }

    private static Decision<IRestaurantEvent, RestaurantRejection> DecideEstimate(RestaurantState s, RecordPickupEstimate c, DateTimeOffset now)
    {
        if (!Identifiers.IsValidEntityId(c.OrderId)) return Reject(RestaurantRejectionCode.Invalid, "orderId must be " + Identifiers.EntityIdRule);
        // An estimate for an order that is not (or no longer) in the queue has nothing to change: answered, so the zone
        // stops telling.
        if (!s.Orders.TryGetValue(c.OrderId, out var o) || o.Status != KitchenOrderStatus.Accepted) return Done;
        if (c.Collected) return Accept(new KitchenOrderCollected(s.RestaurantId, c.OrderId, c.EstimatedPickup, now));
        return o.EstimatedPickup == c.EstimatedPickup ? Done : Accept(new PickupEstimated(s.RestaurantId, c.OrderId, c.EstimatedPickup, now));
    }

    public static RestaurantState Evolve(RestaurantState s, IRestaurantEvent e) => Forget(e switch
    {
        RestaurantDefined x => s with { Profile = new RestaurantProfile(x.Name, x.Location, x.ZoneId, x.PrepMinutes, x.Menu, x.Open, x.Revision) },
        RestaurantPaused { ByHand: true } x => s with { HandPauseReason = x.Reason },
        RestaurantPaused x => s with { AutoPauseReason = x.Reason },
        RestaurantResumed { ByHand: true } => s with { HandPauseReason = null },
        RestaurantResumed => s with { AutoPauseReason = null },
        KitchenOrderQueued x => s with
        {
            Orders = s.Orders.SetItem(x.OrderId, new KitchenOrder(x.OrderId, x.DropOff, x.PromisedBy, x.Items, x.At, KitchenOrderStatus.Received) { CustomerId = x.CustomerId }),
        },
        KitchenOrderAccepted x => Update(s, x.OrderId, o => o with
        {
            Status = KitchenOrderStatus.Accepted,
            PrepMinutes = x.PrepMinutes,
            ReadyAt = x.ReadyAt,
            Eta = x.Eta,
            ZoneId = x.ZoneId,
            DecidedAt = x.At,
        }),
        KitchenOrderRejected x => Update(s, x.OrderId, o => o with
        {
            Status = KitchenOrderStatus.Rejected,
            RejectReason = x.Reason,
            DecidedAt = x.At,
            FinishedAt = x.At,
        }),
        // The zone estimates only deliveries it has: an estimate answers the delivery request too.
        PickupEstimated x => Update(s, x.OrderId, o => o with { EstimatedPickup = x.EstimatedPickup, DeliveryRequestAcked = true }),
        KitchenOrderCollected x => Update(s, x.OrderId, o => o with
        {
            Status = KitchenOrderStatus.Collected,
            EstimatedPickup = x.CollectedAt,
            CollectedAt = x.CollectedAt,
            FinishedAt = x.At,
        }),
        DeliveryRequestAcknowledged x => Update(s, x.OrderId, o => o with { DeliveryRequestAcked = true }),
        KitchenProgressAcknowledged x => Update(s, x.OrderId, o => o with { ProgressAcked = true }),
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name, "unknown restaurant event"),
    }, e.At);

    public static RestaurantState Fold(RestaurantState s, IEnumerable<IRestaurantEvent> events)
    {
        foreach (var e in events) s = Evolve(s, e);
        return s;
    }

    /// <summary>The messages the events add to the outbox (what <paramref name="s"/> did not owe yet).</summary>
    private static ImmutableArray<IOrderEngineMessage> NewEffects(RestaurantState s, ImmutableArray<IRestaurantEvent> events)
    {
        if (events.IsEmpty) return [];
        var before = s.Outbox().ToHashSet();
        return [.. Fold(s, events).Outbox().Where(m => !before.Contains(m))];
    }

    private static RestaurantState Update(RestaurantState s, string orderId, Func<KitchenOrder, KitchenOrder> change) =>
        s.Orders.TryGetValue(orderId, out var o) ? s with { Orders = s.Orders.SetItem(orderId, change(o)) } : s;

    /// <summary>Finished orders that owe nothing are forgotten a day after they finished, so the state stays bounded.</summary>
    private static RestaurantState Forget(RestaurantState s, DateTimeOffset at)
    {
        var cutoff = at - RestaurantState.RetainFinished;
        var old = s.Orders.Values.Where(o => o.FinishedAt is { } f && f < cutoff && o.ProgressAcked).Select(o => o.OrderId).ToList();
        return old.Count == 0 ? s : s with { Orders = s.Orders.RemoveRange(old) };
    }

    private static Decision<IRestaurantEvent, RestaurantRejection>? Known(RestaurantState s) =>
        s.Exists ? null : Reject(RestaurantRejectionCode.NotFound, $"restaurant {s.RestaurantId} is not known");

    private static Decision<IRestaurantEvent, RestaurantRejection> Done => Decision<IRestaurantEvent, RestaurantRejection>.AlreadyDone;

    private static Decision<IRestaurantEvent, RestaurantRejection> Accept(IRestaurantEvent e) => Decision<IRestaurantEvent, RestaurantRejection>.Accept(e);

    private static Decision<IRestaurantEvent, RestaurantRejection> Reject(RestaurantRejectionCode code, string message, ImmutableArray<FieldError>? errors = null) =>
        Decision<IRestaurantEvent, RestaurantRejection>.Reject(new RestaurantRejection(code, message, errors ?? []));
}
