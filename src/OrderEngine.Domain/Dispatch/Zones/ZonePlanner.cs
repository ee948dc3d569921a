using System.Collections.Immutable;

namespace OrderEngine.Domain.Dispatch.Zones;

/// <summary>
/// The dispatch algorithm: which courier a waiting delivery is offered to, and the queue's estimates. Pure: the state
/// and the time come in, an offer (or none) comes out.
/// </summary>
public static class ZonePlanner
{
    /// <summary>When and where a courier is free to start a new trip: now at its position, or after its last drop-off.</summary>
    public readonly record struct Slot(string CourierId, DateTimeOffset FreeAt, GeoPoint From, double SpeedKmh);

    public static Slot FreeSlot(ZoneState s, ZoneCourier c, DateTimeOffset now)
    {
        var held = s.HeldBy(c.CourierId);
        var last = held.Count == 0 ? null : held[^1];
        if (last is null) return new(c.CourierId, now, c.Position, c.SpeedKmh);
        var freeAt = last.Eta is { } eta && eta > now ? eta : now;
        return new(c.CourierId, freeAt, last.DropOff, c.SpeedKmh);
    }

    public static TimeSpan Travel(GeoPoint a, GeoPoint b, double speedKmh) => Geo.TravelTime(Geo.DistanceKm(a, b), speedKmh);

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    /// <summary>The direction from <paramref name="a"/> to <paramref name="b"/> in degrees from north (0–360).</summary>
    public static double Bearing(GeoPoint a, GeoPoint b)
    {
        static double R(double d) => d * Math.PI / 180;
        var y = Math.Sin(R(b.Longitude - a.Longitude)) * Math.Cos(R(b.Latitude));
        var x = Math.Cos(R(a.Latitude)) * Math.Sin(R(b.Latitude)) - Math.Sin(R(a.Latitude)) * Math.Cos(R(b.Latitude)) * Math.Cos(R(b.Longitude - a.Longitude));
        return (Math.Atan2(y, x) * 180 / Math.PI + 360) % 360;
    }

    /// <summary>The smaller angle between two bearings (0–180).</summary>
    public static double AngleBetween(double b1, double b2) => Math.Abs((b1 - b2 + 540) % 360 - 180);

    /// <summary>A possible offer: the courier, the estimated pickup and ETA, and the batch partner whose ETA it moves.</summary>
    public sealed record Option(string CourierId, DateTimeOffset EstimatedPickup, DateTimeOffset Eta, string? BatchedWith, DateTimeOffset? BatchedEta);

    /// <summary>The couriers a delivery may be offered to: online, never declined or timed out on it.</summary>
    private static IEnumerable<ZoneCourier> Candidates(ZoneState s, ZoneDelivery d, IEnumerable<ZoneCourier>? pool) =>
        (pool ?? s.Couriers.Values).Where(c => c.Online && !d.Excludes(c.CourierId));

    /// <summary>
    /// Earliest-pickup choice. A courier holding a single not-yet-collected delivery of the same restaurant whose
    /// drop-off lies the same way takes this one too (a batch) when that delays the first by at most the batch limit;
    /// otherwise the courier with the earliest estimated pickup (after whatever it already holds) gets it. Capacity:
    /// what a courier holds (offered included) stays below its capacity.
    /// </summary>
    public static Option? EarliestPickup(ZoneState s, ZoneDelivery d, DateTimeOffset now, ZoneRules rules, IEnumerable<ZoneCourier>? pool = null)
    {
        Option? bestBatch = null, best = null;
        foreach (var c in Candidates(s, d, pool))
        {
            var held = s.HeldBy(c.CourierId);
            if (held.Count >= c.Capacity) continue;
            if (held.Count == 1 && Batch(held[0], d, c, now, rules) is { } batch
                && (bestBatch is null || Better(batch, bestBatch))) bestBatch = batch;
            var slot = FreeSlot(s, c, now);
            var pickup = Max(d.ReadyAt, slot.FreeAt + Travel(slot.From, d.Pickup, c.SpeedKmh));
            var option = new Option(c.CourierId, pickup, pickup + Travel(d.Pickup, d.DropOff, c.SpeedKmh), null, null);
            if (best is null || Better(option, best)) best = option;
        }
        return bestBatch ?? best;
    }

    private static bool Better(Option a, Option b) =>
        a.EstimatedPickup != b.EstimatedPickup ? a.EstimatedPickup < b.EstimatedPickup
        : a.Eta != b.Eta ? a.Eta < b.Eta
        : string.CompareOrdinal(a.CourierId, b.CourierId) < 0;

    /// <summary>The batch of <paramref name="d"/> with the courier's one held delivery <paramref name="first"/>, if the rule allows it.</summary>
    public static Option? Batch(ZoneDelivery first, ZoneDelivery d, ZoneCourier c, DateTimeOffset now, ZoneRules rules)
    {
        if (first.Status is not (DeliveryStatus.Offered or DeliveryStatus.Assigned) || first.RestaurantId != d.RestaurantId) return null;
        if (first.Eta is not { } firstEta) return null;
        if (AngleBetween(Bearing(first.Pickup, first.DropOff), Bearing(d.Pickup, d.DropOff)) > rules.BatchMaxBearingDegrees) return null;
        var pickup = Max(Max(first.EstimatedPickup ?? now, d.ReadyAt), now);
        DateTimeOffset etaFirst, etaSecond;
        if (Geo.DistanceKm(first.Pickup, first.DropOff) <= Geo.DistanceKm(d.Pickup, d.DropOff))
        {
            etaFirst = pickup + Travel(first.Pickup, first.DropOff, c.SpeedKmh);
            etaSecond = etaFirst + Travel(first.DropOff, d.DropOff, c.SpeedKmh);
        }
        else
        {
            etaSecond = pickup + Travel(d.Pickup, d.DropOff, c.SpeedKmh);
            etaFirst = etaSecond + Travel(d.DropOff, first.DropOff, c.SpeedKmh);
        }
        return etaFirst - firstEta <= rules.BatchMaxDelay ? new Option(c.CourierId, pickup, etaSecond, first.OrderId, Max(etaFirst, firstEta)) : null;
    }

    /// <summary>Naive choice: the nearest courier holding nothing at all.</summary>
    public static Option? Naive(ZoneState s, ZoneDelivery d, DateTimeOffset now, IEnumerable<ZoneCourier>? pool = null)
    {
        var nearest = Candidates(s, d, pool).Where(c => s.HeldCountOf(c.CourierId) == 0)
            .OrderBy(c => Geo.DistanceKm(c.Position, d.Pickup)).ThenBy(c => c.CourierId, StringComparer.Ordinal).FirstOrDefault();
        if (nearest is null) return null;
        var pickup = Max(d.ReadyAt, now + Travel(nearest.Position, d.Pickup, nearest.SpeedKmh));
        return new Option(nearest.CourierId, pickup, pickup + Travel(d.Pickup, d.DropOff, nearest.SpeedKmh), null, null);
    }

    /// <summary>
    /// The queue's estimates for the waiting deliveries: taken in queue order, each goes to the online courier that
    /// would bring it earliest (counting what each courier already holds and what the queue gave it before, one
    /// delivery at a time). A delivery's estimate never depends on the deliveries behind it. Empty when no courier is online.
    /// </summary>
    public static ImmutableDictionary<string, (DateTimeOffset? Pickup, DateTimeOffset? Eta)> QueueEstimates(ZoneState s, DateTimeOffset now, ZoneRules rules)
    {
        var slots = s.Couriers.Values.Where(c => c.Online).Select(c => FreeSlot(s, c, now)).ToList();
        var result = ImmutableDictionary.CreateBuilder<string, (DateTimeOffset?, DateTimeOffset?)>(StringComparer.Ordinal);
        if (slots.Count == 0) return result.ToImmutable();
        foreach (var d in s.Queue(rules.Policy))
        {
            var bestIndex = -1;
            DateTimeOffset bestPickup = default, bestEta = default;
            for (var i = 0; i < slots.Count; i++)
            {
                var slot = slots[i];
                var pickup = Max(d.ReadyAt, slot.FreeAt + Travel(slot.From, d.Pickup, slot.SpeedKmh));
                var eta = pickup + Travel(d.Pickup, d.DropOff, slot.SpeedKmh);
                if (bestIndex < 0 || eta < bestEta || (eta == bestEta && pickup < bestPickup))
                {
                    (bestIndex, bestPickup, bestEta) = (i, pickup, eta);
                }
            }
            slots[bestIndex] = slots[bestIndex] with { FreeAt = bestEta, From = d.DropOff };
            result[d.OrderId] = (bestPickup, bestEta);
        }
        return result.ToImmutable();
    }
}
