using System.Collections.Immutable;
using System.Globalization;
using OrderEngine.Domain.Orders;

namespace OrderEngine.Domain.Dispatch.Restaurants;

/// <summary>Whether a restaurant takes new delivery orders.</summary>
public enum RestaurantStatus
{
    Open,
    /// <summary>By hand, or automatically because its queue's ETA passed the limit.</summary>
    Paused,
    /// <summary>Defined as not open.</summary>
    Closed,
}

/// <summary>Where an order stands in the kitchen queue.</summary>
public enum KitchenOrderStatus
{
    /// <summary>In the queue, waiting for the kitchen to accept or reject it.</summary>
    Received,
    /// <summary>Being prepared (or ready), waiting for its courier.</summary>
    Accepted,
    Rejected,
    /// <summary>A courier picked it up: it left the queue.</summary>
    Collected,
}

/// <summary>The timing rules of restaurants, from configuration (section OrderEngine:Dispatch).</summary>
/// <param name="ZonePrecision">Geohash characters of a delivery zone's id.</param>
/// <param name="BikeSpeedKmh">The speed the restaurant's trip estimates assume (a bike's).</param>
/// <param name="PauseAboveQueueEtaMinutes">The queue ETA above which the restaurant pauses itself.</param>
/// <param name="ResumeBelowQueueEtaMinutes">The queue ETA below which an automatic pause lifts (at most the pause limit).</param>
/// <param name="PromiseSlackMinutes">Added to the restaurant's own estimate when it makes the promise.</param>
public sealed record RestaurantRules(
    int ZonePrecision,
    double BikeSpeedKmh,
    decimal PauseAboveQueueEtaMinutes,
    decimal ResumeBelowQueueEtaMinutes,
    decimal PromiseSlackMinutes)
{
    public static readonly RestaurantRules Default = new(5, 15, 45, 30, 10);

    /// <summary>How long the trip from <paramref name="from"/> to <paramref name="to"/> takes at bike speed.</summary>
    public TimeSpan Trip(GeoPoint from, GeoPoint to) => Geo.TravelTime(Geo.DistanceKm(from, to), BikeSpeedKmh);
}

/// <summary>A restaurant's profile as last defined.</summary>
public sealed record RestaurantProfile(string Name, GeoPoint Location, string ZoneId, decimal PrepMinutes, ImmutableArray<string> Menu, bool Open, long Revision);

/// <summary>
/// One order of the kitchen queue: when it came, what was promised, the kitchen's decision, the zone's pickup estimate,
/// and whether the zone (<see cref="DeliveryRequestAcked"/>) and the order (<see cref="ProgressAcked"/>) acknowledged
/// what the restaurant owes them. <see cref="CustomerId"/>: the order's customer, whose key seals the drop-off point at rest.
/// </summary>
public sealed record KitchenOrder(
    string OrderId,
    GeoPoint DropOff,
    DateTimeOffset PromisedBy,
    int Items,
    DateTimeOffset ReceivedAt,
    KitchenOrderStatus Status,
    decimal? PrepMinutes = null,
    DateTimeOffset? ReadyAt = null,
    DateTimeOffset? Eta = null,
    string? ZoneId = null,
    string? RejectReason = null,
    DateTimeOffset? DecidedAt = null,
    DateTimeOffset? EstimatedPickup = null,
    DateTimeOffset? CollectedAt = null,
    DateTimeOffset? FinishedAt = null,
    bool DeliveryRequestAcked = false,
    bool ProgressAcked = false,
    string? CustomerId = null)
{
    /// <summary>Still the kitchen's concern: received or accepted, not collected.</summary>
    public bool IsOpen => Status is KitchenOrderStatus.Received or KitchenOrderStatus.Accepted;
}

/// <summary>
/// One restaurant: its profile (null until defined), its pauses, and its kitchen queue (open orders, and finished ones
/// for <see cref="RestaurantState.RetainFinished"/> so a late repeat is still recognised).
/// </summary>
public sealed record RestaurantState(
    string RestaurantId,
    RestaurantProfile? Profile,
    string? HandPauseReason,
    string? AutoPauseReason,
    ImmutableDictionary<string, KitchenOrder> Orders)
{
    /// <summary>How long an order that left the queue (and owes nothing) is remembered.</summary>
    public static readonly TimeSpan RetainFinished = TimeSpan.FromDays(1);

    /// <summary>The most finished orders a view lists (every open order is listed).</summary>
    public const int MaxFinishedInView = 50;

    public static RestaurantState Initial(string restaurantId) =>
        new(restaurantId, null, null, null, ImmutableDictionary<string, KitchenOrder>.Empty.WithComparers(StringComparer.Ordinal));

    public bool Exists => Profile is not null;

    public RestaurantStatus Status =>
        Profile is not { Open: true } ? RestaurantStatus.Closed
        : HandPauseReason is not null || AutoPauseReason is not null ? RestaurantStatus.Paused
        : RestaurantStatus.Open;

    /// <summary>Why it takes no orders (null when it does).</summary>
    public string? PausedReason => Status switch
    {
        RestaurantStatus.Closed => $"restaurant {RestaurantId} is closed",
        RestaurantStatus.Paused => HandPauseReason ?? AutoPauseReason,
        _ => null,
    };

    public IEnumerable<KitchenOrder> OpenOrders => Orders.Values.Where(o => o.IsOpen);

    /// <summary>
    /// When the order is expected to be picked up: the zone's estimate once it gave one, otherwise when the kitchen said
    /// it is ready, otherwise (not accepted yet) received + the restaurant's usual preparation time.
    /// </summary>
    public DateTimeOffset ExpectedPickup(KitchenOrder o) =>
        o.EstimatedPickup ?? o.ReadyAt ?? o.ReceivedAt + Minutes(Profile?.PrepMinutes ?? 0);

    /// <summary>Minutes from <paramref name="now"/> until the last open order is expected to be picked up (0 when none).</summary>
    public decimal QueueEtaMinutes(DateTimeOffset now)
    {
        var last = OpenOrders.Select(ExpectedPickup).DefaultIfEmpty(now).Max();
        return last <= now ? 0 : (decimal)(last - now).TotalMinutes;
    }

    /// <summary>The answer to <see cref="CheckRestaurantTakesOrders"/>.</summary>
    public RestaurantTakesOrders TakesOrders() => Profile is null
        ? new RestaurantTakesOrders(RestaurantId, false, false, $"restaurant {RestaurantId} is not known", null)
        : new RestaurantTakesOrders(RestaurantId, true, Status == RestaurantStatus.Open, PausedReason, Profile.Location);

    /// <summary>
    /// What the restaurant owes and has not had acknowledged: the delivery request of each accepted order to its zone,
    /// and the kitchen's decision to each order. Rebuilt from the state, so a restart resends exactly what is owed.
    /// </summary>
    public ImmutableArray<IOrderEngineMessage> Outbox()
    {
        var due = ImmutableArray.CreateBuilder<IOrderEngineMessage>();
        foreach (var o in Orders.Values.OrderBy(o => o.ReceivedAt).ThenBy(o => o.OrderId, StringComparer.Ordinal))
        {
            if (o.Status == KitchenOrderStatus.Accepted && !o.DeliveryRequestAcked && Profile is not null)
                due.Add(new RequestDelivery(o.ZoneId!, o.OrderId, RestaurantId, Profile.Location, o.DropOff, o.ReadyAt!.Value, o.PromisedBy, o.Items, o.CustomerId));
            if (!o.ProgressAcked && o.Status is KitchenOrderStatus.Accepted or KitchenOrderStatus.Collected && o.ReadyAt is not null)
                due.Add(new RecordDeliveryProgress(o.OrderId, StageIdOf(RestaurantId, DeliveryStage.KitchenAccepted), DeliveryStage.KitchenAccepted, null, o.Eta,
                    $"ready at {o.ReadyAt.Value.UtcDateTime.ToString("HH:mm", CultureInfo.InvariantCulture)} UTC (preparation {Format(o.PrepMinutes ?? 0)} min)",
                    o.DecidedAt!.Value));
            if (!o.ProgressAcked && o.Status == KitchenOrderStatus.Rejected)
                due.Add(new RecordDeliveryProgress(o.OrderId, StageIdOf(RestaurantId, DeliveryStage.KitchenRejected), DeliveryStage.KitchenRejected, null, null,
                    o.RejectReason, o.DecidedAt!.Value));
        }
        return due.ToImmutable();
    }

    /// <summary>The kitchen's stage id at the order: one accept or one reject per order, so the restaurant and the stage name it.</summary>
    public static string StageIdOf(string restaurantId, DeliveryStage stage) =>
        $"kitchen-{(stage == DeliveryStage.KitchenAccepted ? "accepted" : "rejected")}-{restaurantId}";

    public RestaurantView ToView(DateTimeOffset now)
    {
        var open = OpenOrders.OrderBy(o => o.ReceivedAt).ThenBy(o => o.OrderId, StringComparer.Ordinal);
        var finished = Orders.Values.Where(o => !o.IsOpen).OrderByDescending(o => o.FinishedAt).ThenBy(o => o.OrderId, StringComparer.Ordinal)
            .Take(MaxFinishedInView).OrderBy(o => o.ReceivedAt).ThenBy(o => o.OrderId, StringComparer.Ordinal);
        return new RestaurantView(
            RestaurantId,
            Profile?.Name ?? "",
            Profile?.Location ?? new GeoPoint(0, 0),
            Profile?.ZoneId ?? "",
            Profile?.PrepMinutes ?? 0,
            Profile?.Menu ?? [],
            Status,
            PausedReason,
            decimal.Round(QueueEtaMinutes(now), 2),
            [.. open.Concat(finished).Select(o => new KitchenOrderView(o.OrderId, o.Status, o.PromisedBy, o.ReadyAt, o.IsOpen ? ExpectedPickup(o) : null,
                o.CollectedAt, o.RejectReason))]);
    }

    internal static TimeSpan Minutes(decimal minutes) => TimeSpan.FromMinutes((double)minutes);

    /// <summary>Minutes as people read them: at most one decimal.</summary>
    public static string Format(decimal minutes) => decimal.Round(minutes, 1).ToString("0.#", CultureInfo.InvariantCulture);
}

/// <summary>A restaurant as shown to clients.</summary>
public sealed record RestaurantView(
    string RestaurantId,
    string Name,
    GeoPoint Location,
    string ZoneId,
    decimal PrepMinutes,
    ImmutableArray<string> Menu,
    RestaurantStatus Status,
    string? PausedReason,
    decimal QueueEtaMinutes,
    ImmutableArray<KitchenOrderView> Orders);

/// <summary>An order of the kitchen queue as shown to clients; <paramref name="EstimatedPickup"/> while it is open.</summary>
public sealed record KitchenOrderView(
    string OrderId,
    KitchenOrderStatus Status,
    DateTimeOffset PromisedBy,
    DateTimeOffset? ReadyAt,
    DateTimeOffset? EstimatedPickup,
    DateTimeOffset? CollectedAt,
    string? Reason);
