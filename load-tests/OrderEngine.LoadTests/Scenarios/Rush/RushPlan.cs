using System.Collections.Concurrent;
using System.Globalization;

namespace OrderEngine.LoadTests.Scenarios.Rush;

/// <summary>A restaurant of the layout: its place (km from the centre), its prep estimate (real minutes) and menu.</summary>
public sealed record RestaurantPlan(int Index, double EastKm, double NorthKm, double PrepMinutes, int[] Portions, int[] PriceCents);

/// <summary>A courier of the layout: where it goes online (km from the centre) and its vehicle.</summary>
public sealed record CourierPlan(int Index, double EastKm, double NorthKm, Vehicle Vehicle);

/// <summary>A dish of an order: its index in the restaurant's menu and the portions.</summary>
public readonly record struct DishLine(int Dish, int Quantity);

/// <summary>
/// One order of the stream, the same in both zones: when it is placed (seconds from the start), at which restaurant,
/// where it goes, what it holds, and what the kitchen will do with it (reject, or the preparation time as a factor of
/// the restaurant's estimate).
/// </summary>
public sealed record OrderPlan(int Index, double AtSeconds, int Restaurant, double DropEastKm, double DropNorthKm, DishLine[] Lines, bool Reject, double PrepFactor);

/// <summary>The city layout and order stream both zones share.</summary>
public sealed record RushLayout(IReadOnlyList<RestaurantPlan> Restaurants, IReadOnlyList<CourierPlan> Couriers, IReadOnlyList<OrderPlan> Orders);

/// <summary>Where a placement ended.</summary>
public enum PlacementState
{
    NotYet,
    Paid,
    PaymentFailed,
    RefusedSoldOut,
    RefusedPaused,
    RefusedOther,
    Unknown,
}

/// <summary>One order of one zone, as the tool (customer, kitchen, courier) saw it. Times are seconds since the start.</summary>
public sealed class RushOrder(OrderPlan plan, string key)
{
    public OrderPlan Plan { get; } = plan;
    public string Key { get; } = key;
    public object Gate { get; } = new();
    public string? Id;
    public decimal Total;
    public PlacementState State;
    public bool Placed;
    public string? Refusal;
    public double PlacedAt = double.NaN;
    public double PaidAt = double.NaN;
    public bool KitchenAccepted;
    public bool KitchenRejected;
    public double KitchenAt = double.NaN;
    public double ReadyAt = double.NaN;
    public double PrepMinutesSent;
    public double FirstOfferAt = double.NaN;
    public double AssignedAt = double.NaN;
    public string? CourierId;
    public double OfferSeenToAccepted = double.NaN;
    public double PickedUpAt = double.NaN;
    public double DeliveredAt = double.NaN;
    public DateTimeOffset? DeliveredWall;

    // Read back at the end.
    public string? FinalStatus;
    public string? FinalDeliveryStatus;
    public bool FinalRefunded;
    public DateTimeOffset? PromisedBy;
    public DateTimeOffset? DeliveredStepAt;
    public DateTimeOffset? PlacedWall;

    public bool AwaitingCourier => KitchenAccepted && double.IsNaN(AssignedAt) && double.IsNaN(DeliveredAt);

    /// <summary>Nothing more will happen to it in the simulation: never paid, rejected by the kitchen, or delivered.</summary>
    public bool Settled => State is not (PlacementState.NotYet or PlacementState.Paid) || KitchenRejected || !double.IsNaN(DeliveredAt);
}

/// <summary>One sample of a zone over time (once a second).</summary>
public sealed record WaitingSample(double T, int WaitingTool, int? WaitingEngine, int? AvailableEngine, double? Surge, int BusyCouriers, int PausedRestaurants);

/// <summary>The state of one city (one policy) in the run.</summary>
public sealed class RushCity
{
    public RushCity(string key, string policy, MapPoint centre, RushLayout layout, string runId, int[][] skus)
    {
        Key = key;
        Policy = policy;
        Centre = centre;
        Skus = skus;
        RestaurantIds = layout.Restaurants.Select(r => $"{runId}-{key}-r{r.Index.ToString(CultureInfo.InvariantCulture)}").ToArray();
        RestaurantPoints = layout.Restaurants.Select(r => RushGeo.Offset(centre, r.EastKm, r.NorthKm)).ToArray();
        CourierIds = layout.Couriers.Select(c => $"{runId}-{key}-k{c.Index.ToString(CultureInfo.InvariantCulture)}").ToArray();
        CourierStarts = layout.Couriers.Select(c => RushGeo.Offset(centre, c.EastKm, c.NorthKm)).ToArray();
        Orders = layout.Orders.Select(o => new RushOrder(o, $"{runId}-{key}-o{o.Index.ToString(CultureInfo.InvariantCulture)}")).ToArray();
        DropOffs = layout.Orders.Select(o => RushGeo.Offset(centre, o.DropEastKm, o.DropNorthKm)).ToArray();
        Pending = layout.Restaurants.Select(_ => new ConcurrentDictionary<string, RushOrder>(StringComparer.Ordinal)).ToArray();
        RestaurantIndex = RestaurantIds.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i, StringComparer.Ordinal);
    }

    public string Key { get; }
    public string Policy { get; }
    public MapPoint Centre { get; }
    public int[][] Skus { get; }
    public string[] RestaurantIds { get; }
    public MapPoint[] RestaurantPoints { get; }
    public Dictionary<string, int> RestaurantIndex { get; }
    public string[] CourierIds { get; }
    public MapPoint[] CourierStarts { get; }
    public RushOrder[] Orders { get; }
    public MapPoint[] DropOffs { get; }
    public ConcurrentDictionary<string, RushOrder> ById { get; } = new(StringComparer.Ordinal);

    /// <summary>Per restaurant: paid orders the kitchen has not answered yet.</summary>
    public ConcurrentDictionary<string, RushOrder>[] Pending { get; }

    public IReadOnlyList<string> Zones { get; set; } = [];
    public List<WaitingSample> Samples { get; } = [];
    public HashSet<string> RestaurantsEverPaused { get; } = new(StringComparer.Ordinal);
    public double MaxQueueEtaMinutes;
    public string? PolicyNote;

    /// <summary>Each paid order's fate at the end (set by the check).</summary>
    public Dictionary<string, PaidOrderFate> Fates { get; set; } = new(StringComparer.Ordinal);

    // Courier-side counters (interlocked).
    public long OffersSeen, OffersAccepted, OffersDeclined, OffersIgnored, OffersLost, OffersExpiredBeforeAnswer, ForeignOffers, Pickups, Deliveries, PickupRefusals;

    public double BusyCourierSeconds;
    public double CourierSeconds;
    public readonly object Gate = new();
}
