using System.Collections.Immutable;
using OrderEngine.Domain.Dispatch;
using OrderEngine.Domain.Payments;

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

/// <summary>The restaurant answered the order's <see cref="ReceiveKitchenOrder"/>: it stops telling it (sent by the entity to itself).</summary>
public sealed record MarkKitchenNotified(string OrderId, string RestaurantId) : IOrderCommand;

/// <summary>Every stock entity took a picked-up delivery's sold units off its books (sent by the entity to itself).</summary>
public sealed record MarkDeliveryLeftStock(string OrderId) : IOrderCommand;

/// <summary>A picked-up delivery's sold units left stock (sold and on hand went down), as a shipment's do.</summary>
public sealed record DeliveryLeftStock(string OrderId, DateTimeOffset At) : IOrderEvent;

/// <summary>The restaurant has the order in its kitchen queue (it answered <see cref="ReceiveKitchenOrder"/>).</summary>
public sealed record KitchenNotified(string OrderId, string RestaurantId, DateTimeOffset At) : IOrderEvent;

/// <summary>
/// A delivery stage the kitchen or the zone reported, recorded once per <paramref name="StageId"/>;
/// <paramref name="OccurredAt"/> is the reporter's time of the stage, <paramref name="At"/> when the order recorded it.
/// </summary>
public sealed record DeliveryProgressRecorded(
    string OrderId,
    string StageId,
    DeliveryStage Stage,
    string? CourierId,
    DateTimeOffset? Eta,
    string? Note,
    DateTimeOffset OccurredAt,
    DateTimeOffset At) : IOrderEvent;

/// <summary>Where a restaurant delivery stands, as the order's view shows it.</summary>
public enum OrderDeliveryStatus
{
    /// <summary>Not yet with the kitchen: unpaid, held, or being sent to the restaurant.</summary>
    AwaitingKitchen,
    /// <summary>In the restaurant's queue; the kitchen has not accepted it yet.</summary>
    AtKitchen,
    /// <summary>The kitchen accepted it and is preparing it.</summary>
    Preparing,
    /// <summary>Waiting for a courier.</summary>
    AwaitingCourier,
    /// <summary>A courier accepted it and is on the way to the restaurant.</summary>
    CourierAssigned,
    /// <summary>The courier has it and is on the way to the customer.</summary>
    PickedUp,
    Delivered,
    /// <summary>The kitchen rejected it: the order was cancelled and its payment refunded.</summary>
    Rejected,
    /// <summary>Something needs a person (the courier went offline after pickup).</summary>
    Flagged,
}

/// <summary>One recorded delivery stage.</summary>
public sealed record DeliveryStageEntry(string StageId, DeliveryStage Stage, string? CourierId, DateTimeOffset? Eta, string? Note, DateTimeOffset OccurredAt, DateTimeOffset At);

/// <summary>
/// The order's delivery section: its restaurant, drop-off and promise, whether the kitchen has it, and every stage
/// recorded (by stage id). <paramref name="SoldWhenRejected"/>: the kitchen rejected the order after it was paid, so its
/// units were sold (committed) and come back on sale through the refund rather than a release. <paramref name="LeftStock"/>:
/// the units the courier took left stock.
/// </summary>
public sealed record DeliveryState(
    string RestaurantId,
    GeoPoint DropOff,
    DateTimeOffset? PromisedBy,
    DateTimeOffset? KitchenNotifiedAt,
    ImmutableArray<DeliveryStageEntry> Steps,
    bool SoldWhenRejected = false,
    bool LeftStock = false)
{
    /// <summary>Whether a courier took the order (its units are no longer the restaurant's).</summary>
    public bool PickedUp => Has(DeliveryStage.PickedUp) || Has(DeliveryStage.Delivered);

    public static DeliveryState Of(DeliveryRequest r) => new(r.RestaurantId, r.DropOff, r.PromisedBy, null, []);

    public bool KitchenHasIt => KitchenNotifiedAt is not null;

    public bool Has(DeliveryStage stage) => Steps.Any(x => x.Stage == stage);

    // Reporters retry independently (the restaurant, the zone), so stages may arrive out of order: the latest by the
    // reporter's time counts, arrival breaking ties; delivery and rejection end the delivery whatever comes after.
    private DeliveryStageEntry? Latest(Func<DeliveryStageEntry, bool> which)
    {
        DeliveryStageEntry? latest = null;
        foreach (var x in Steps)
            if (which(x) && (latest is null || x.OccurredAt >= latest.OccurredAt)) latest = x;
        return latest;
    }

    public OrderDeliveryStatus Status =>
        Has(DeliveryStage.Delivered) ? OrderDeliveryStatus.Delivered
        : Has(DeliveryStage.KitchenRejected) ? OrderDeliveryStatus.Rejected
        : Latest(_ => true)?.Stage switch
        {
            null => KitchenHasIt ? OrderDeliveryStatus.AtKitchen : OrderDeliveryStatus.AwaitingKitchen,
            DeliveryStage.KitchenAccepted => OrderDeliveryStatus.Preparing,
            DeliveryStage.AwaitingCourier or DeliveryStage.CourierReleased => OrderDeliveryStatus.AwaitingCourier,
            DeliveryStage.CourierAssigned => OrderDeliveryStatus.CourierAssigned,
            DeliveryStage.PickedUp => OrderDeliveryStatus.PickedUp,
            DeliveryStage.Flagged => OrderDeliveryStatus.Flagged,
            var s => throw new ArgumentOutOfRangeException(nameof(Steps), s, "unknown delivery stage"),
        };

    /// <summary>The courier holding the delivery now (none once released).</summary>
    public string? CourierId =>
        Latest(x => x.Stage is DeliveryStage.CourierAssigned or DeliveryStage.CourierReleased or DeliveryStage.PickedUp or DeliveryStage.Delivered or DeliveryStage.Flagged
            && (x.CourierId is not null || x.Stage == DeliveryStage.CourierReleased)) is { } s && s.Stage != DeliveryStage.CourierReleased
            ? s.CourierId
            : null;

    /// <summary>The latest ETA at the customer reported.</summary>
    public DateTimeOffset? Eta => Latest(x => x.Eta is not null)?.Eta;

    public DeliveryView ToView() => new(RestaurantId, new DropOffPoint(DropOff.Latitude, DropOff.Longitude), PromisedBy, Status, CourierId, Eta, KitchenNotifiedAt, Steps);
}

/// <summary>Where a delivery goes, as the order's view shows it (WGS 84 degrees).</summary>
public sealed record DropOffPoint(double Latitude, double Longitude);

/// <summary>The delivery as the order's view shows it.</summary>
public sealed record DeliveryView(
    string RestaurantId,
    DropOffPoint DropOff,
    DateTimeOffset? PromisedBy,
    OrderDeliveryStatus Status,
    string? CourierId,
    DateTimeOffset? Eta,
    DateTimeOffset? KitchenNotifiedAt,
    ImmutableArray<DeliveryStageEntry> Steps);

/// <summary>The rules of an order's restaurant delivery, called by <see cref="OrderDecider"/>.</summary>
public static class DeliveryDecider
{
    /// <summary>How far in the past a promised time may be (clocks differ a little; a request takes a moment to arrive).</summary>
    public static readonly TimeSpan PromiseTolerance = TimeSpan.FromMinutes(5);

    private const int MaxStageIdLength = 128;
    private const int MaxNoteLength = 500;

    /// <summary>Field errors of a placement's delivery, named by JSON path (the promise's time is checked for new orders only: <see cref="PromiseError"/>).</summary>
    public static IEnumerable<FieldError> Validate(PlaceOrder c)
    {
        if (c.Delivery is not { } d) yield break;
        if (!Identifiers.IsValidEntityId(d.RestaurantId)) yield return new("delivery.restaurantId", "restaurantId must be " + Identifiers.EntityIdRule);
        if (d.DropOff is null) yield return new("delivery.dropOff", "a drop-off point {latitude, longitude} is required");
        else if (!d.DropOff.IsValid) yield return new("delivery.dropOff", "latitude must be within -90..90 and longitude within -180..180");
        if (c.PaymentMethod is not (PaymentMethod.Card or PaymentMethod.CashOnDelivery))
            yield return new("paymentMethod", "a delivery order is paid by card or cash on delivery");
    }

    /// <summary>
    /// A new order's promise may not lie in the past (beyond <see cref="PromiseTolerance"/>); a client retrying an order
    /// placed before is answered with it, however late the retry.
    /// </summary>
    public static FieldError? PromiseError(PlaceOrder c, DateTimeOffset now) =>
        c.Delivery?.PromisedBy is { } promised && promised < now - PromiseTolerance
            ? new("delivery.promisedBy", $"promisedBy {promised:O} is in the past (the engine's clock says {now:O})")
            : null;

    /// <summary>Whether the order must (still) tell its restaurant: a paid or cash-on-delivery delivery order the kitchen does not have yet.</summary>
    public static bool OwesKitchenNotice(OrderState s) =>
        s.Delivery is { KitchenHasIt: false } && s.Status is OrderStatus.Paid or OrderStatus.Confirmed;

    /// <summary>What the order tells its restaurant until it answers.</summary>
    public static ReceiveKitchenOrder KitchenOrder(OrderState s, DateTimeOffset now)
    {
        var d = s.Delivery ?? throw new InvalidOperationException($"order {s.OrderId} is not a delivery order");
        return new ReceiveKitchenOrder(d.RestaurantId, s.OrderId, d.DropOff, d.PromisedBy, s.Placement!.Lines.Sum(l => l.Quantity), now, s.Placement.CustomerId);
    }

    /// <summary>
    /// What a delivery order still owes once its stock is settled: telling its kitchen, or taking its picked-up units off
    /// stock (the deadline waker keeps such an order).
    /// </summary>
    public static bool OwesWorkOnceStockSettled(OrderState s) => OwesKitchenNotice(s) || s.Delivery is { LeftStock: false, PickedUp: true };

    public static Decision<IOrderEvent, OrderRejection> DecideKitchenNotified(OrderState s, MarkKitchenNotified c, DateTimeOffset now) =>
        s.Delivery is { KitchenHasIt: false } d && d.RestaurantId == c.RestaurantId
            ? Decision<IOrderEvent, OrderRejection>.Accept(new KitchenNotified(s.OrderId, c.RestaurantId, now))
            : Decision<IOrderEvent, OrderRejection>.AlreadyDone;

    /// <summary>
    /// Records a delivery stage once per stage id. The kitchen's rejection cancels the order and refunds all that is left of
    /// what was captured; a delivery settles cash on delivery.
    /// </summary>
    public static Decision<IOrderEvent, OrderRejection> DecideProgress(OrderState s, RecordDeliveryProgress c, DateTimeOffset now)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(c.StageId) || c.StageId.Length > MaxStageIdLength || c.StageId.Any(char.IsControl))
            errors.Add(new("stageId", $"stageId is required (1-{MaxStageIdLength} printable characters)"));
        if (!Enum.IsDefined(c.Stage)) errors.Add(new("stage", "unknown delivery stage"));
        if (c.CourierId is not null && !Identifiers.IsValidEntityId(c.CourierId)) errors.Add(new("courierId", "courierId must be " + Identifiers.EntityIdRule));
        if (c.Note is { Length: > MaxNoteLength }) errors.Add(new("note", $"note must be at most {MaxNoteLength} characters"));
        if (errors.Count > 0)
            return Decision<IOrderEvent, OrderRejection>.Reject(new OrderRejection(OrderRejectionCode.Invalid, errors[0].Message, [.. errors]));
        if (!s.Exists) return Reject(OrderRejectionCode.NotFound, $"order {s.OrderId} does not exist");
        if (s.Delivery is not { } d) return Reject(OrderRejectionCode.InvalidState, $"order {s.OrderId} is not a restaurant delivery order");
        if (d.Steps.FirstOrDefault(x => x.StageId == c.StageId) is { } seen)
        {
            return seen.Stage == c.Stage
                ? Decision<IOrderEvent, OrderRejection>.AlreadyDone
                : Reject(OrderRejectionCode.IdempotencyConflict, $"stage {c.StageId} was already recorded as {seen.Stage}");
        }
        if (!d.KitchenHasIt && s.Status is OrderStatus.Placed or OrderStatus.Reserved or OrderStatus.OnHold or OrderStatus.Rejected or OrderStatus.Expired)
            return Reject(OrderRejectionCode.InvalidState, $"order {s.OrderId} is {s.Status.ToString().ToLowerInvariant()}; it was never sent to its kitchen");
        if (c.Stage == DeliveryStage.KitchenRejected && (d.Has(DeliveryStage.PickedUp) || d.Has(DeliveryStage.Delivered)))
            return Reject(OrderRejectionCode.InvalidState, $"order {s.OrderId} was picked up already; the kitchen can no longer reject it");

        var recorded = new DeliveryProgressRecorded(s.OrderId, c.StageId, c.Stage, c.CourierId, c.Eta, c.Note, c.At, now);
        var events = new List<IOrderEvent> { recorded };
        var next = OrderDecider.Evolve(s, recorded);
        if (c.Stage == DeliveryStage.KitchenRejected && s.Status is OrderStatus.Paid or OrderStatus.Confirmed && !d.Has(DeliveryStage.KitchenRejected))
        {
            var reason = "rejected by the kitchen" + (string.IsNullOrWhiteSpace(c.Note) ? "" : ": " + c.Note);
            var by = "restaurant:" + d.RestaurantId;
            var cancelled = new OrderCancelled(s.OrderId, reason, now, by);
            events.Add(cancelled);
            next = OrderDecider.Evolve(next, cancelled);
            events.AddRange(OrderDecider.RefundsWhenEnded(next, reason, by, now, withUnits: s.Status == OrderStatus.Paid));
        }
        else if (c.Stage == DeliveryStage.Delivered && s.Status == OrderStatus.Confirmed && s.Payment is null)
        {
            // Cash on delivery: the courier collected the order's total at the door.
            var p = s.Placement!;
            events.Add(new PaymentConfirmed(s.OrderId, p.Total, p.Currency, "cod:" + s.OrderId, now, FulfilmentDecider.CashOnDeliveryProvider));
        }
        return Decision<IOrderEvent, OrderRejection>.Accept([.. events]);
    }

    private static Decision<IOrderEvent, OrderRejection> Reject(OrderRejectionCode code, string message) =>
        Decision<IOrderEvent, OrderRejection>.Reject(OrderRejection.Of(code, message));

    public static OrderState Evolve(OrderState s, IOrderEvent e) => e switch
    {
        KitchenNotified x => s with
        {
            Delivery = s.Delivery! with { KitchenNotifiedAt = x.At },
            History = s.History.Add(new(s.ViewStatus, x.At, "sent to the kitchen of restaurant " + x.RestaurantId, "restaurant:" + x.RestaurantId)),
        },
        DeliveryProgressRecorded x => Progressed(s, x),
        DeliveryLeftStock => s with { Delivery = s.Delivery! with { LeftStock = true } },
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name, "not a delivery event"),
    };

    private static OrderState Progressed(OrderState s, DeliveryProgressRecorded x)
    {
        var d = s.Delivery!;
        var next = s with
        {
            Delivery = d with
            {
                Steps = d.Steps.Add(new DeliveryStageEntry(x.StageId, x.Stage, x.CourierId, x.Eta, x.Note, x.OccurredAt, x.At)),
                SoldWhenRejected = d.SoldWhenRejected || x.Stage == DeliveryStage.KitchenRejected && s.Status == OrderStatus.Paid,
            },
        };
        return next with { History = next.History.Add(new(next.ViewStatus, x.At, Describe(x), ReportedBy(d, x))) };
    }

    /// <summary>A stage in a sentence, for the order's history and timeline.</summary>
    public static string Describe(DeliveryProgressRecorded x) =>
        "delivery: " + x.Stage switch
        {
            DeliveryStage.KitchenAccepted => "the kitchen accepted the order",
            DeliveryStage.KitchenRejected => "the kitchen rejected the order",
            DeliveryStage.AwaitingCourier => "waiting for a courier",
            DeliveryStage.CourierAssigned => $"courier {x.CourierId} assigned",
            DeliveryStage.CourierReleased => $"courier {x.CourierId} released the delivery",
            DeliveryStage.PickedUp => $"picked up by courier {x.CourierId}",
            DeliveryStage.Delivered => "delivered",
            DeliveryStage.Flagged => "flagged for attention",
            var other => other.ToString(),
        }
        + (x.Eta is { } eta ? $"; ETA {eta:O}" : "")
        + (string.IsNullOrWhiteSpace(x.Note) ? "" : "; " + x.Note)
        + $" (stage {x.StageId})";

    /// <summary>Who reported a stage: the restaurant for the kitchen's, the courier (or the dispatch zone) for the rest.</summary>
    public static string ReportedBy(DeliveryState d, DeliveryProgressRecorded x) =>
        x.Stage is DeliveryStage.KitchenAccepted or DeliveryStage.KitchenRejected ? "restaurant:" + d.RestaurantId
        : x.CourierId is { } courier ? "courier:" + courier
        : "dispatch";
}
