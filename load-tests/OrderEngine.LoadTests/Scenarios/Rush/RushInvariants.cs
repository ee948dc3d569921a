using OrderEngine.LoadTests.Core;

namespace OrderEngine.LoadTests.Scenarios.Rush;

/// <summary>A delivery a courier holds, as GET /api/couriers/{id} lists it.</summary>
public sealed record HeldDelivery(string OrderId, string Status);

/// <summary>GET /api/couriers/{id} at the end of the run.</summary>
public sealed record CourierSnapshot(string CourierId, int Capacity, IReadOnlyList<HeldDelivery> Deliveries);

/// <summary>A courier as GET /api/zones/{id} lists it.</summary>
public sealed record ZoneCourier(string CourierId, int Load, int Capacity);

/// <summary>An assignment as GET /api/zones/{id} lists it (the courier when the view names one).</summary>
public sealed record ZoneAssignment(string OrderId, string? CourierId);

/// <summary>GET /api/zones/{id} at the end of the run.</summary>
/// <param name="Assigned">Deliveries a courier holds: the zone's assigned and picked-up lists.</param>
/// <param name="Flagged">Deliveries that need a person (their courier went offline after pickup).</param>
public sealed record ZoneSnapshot(string ZoneId, IReadOnlyList<ZoneCourier> Couriers, IReadOnlyList<string> Waiting, IReadOnlyList<string> Offered,
    IReadOnlyList<ZoneAssignment> Assigned, IReadOnlyList<string>? Flagged = null);

/// <summary>A paid order read back with GET /api/orders/{id}: its status, its delivery's status, whether it was refunded.</summary>
public sealed record PaidOrder(string OrderId, string? Status, string? DeliveryStatus, bool Refunded);

/// <summary>What became of a paid order at the end, as the checker classifies it.</summary>
public enum PaidOrderFate
{
    Delivered,
    Refunded,
    Assigned,
    Queued,
    /// <summary>The zone flagged it for a person (its courier went offline after pickup): known, not lost.</summary>
    Flagged,
    Unaccounted,
}

/// <summary>
/// The dispatch invariants, as pure functions of what the API answered at the end of a run (couriers, zones, paid
/// orders), so `selftest` can feed them hand-made inputs that break each rule.
/// </summary>
public static class RushInvariants
{
    public const string SingleHolder = "dispatch: no order held by two couriers";
    public const string Capacity = "dispatch: no courier over capacity";
    public const string Accounted = "dispatch: every paid order delivered, assigned, queued or refunded";

    /// <summary>The three checks for one zone set (one policy's city), with up to ten examples of what broke each.</summary>
    public static List<CheckResult> Check(string label, IReadOnlyList<CourierSnapshot> couriers, IReadOnlyList<ZoneSnapshot> zones, IReadOnlyList<PaidOrder> paid)
    {
        var prefix = label.Length > 0 ? $"{label}: " : "";
        var checks = new List<CheckResult>();

        // 1. Every holder of every order, from the couriers' own views and from the zones' assignments.
        var holders = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        void Hold(string order, string courier)
        {
            if (!holders.TryGetValue(order, out var set)) holders[order] = set = new SortedSet<string>(StringComparer.Ordinal);
            set.Add(courier);
        }
        foreach (var c in couriers)
            foreach (var d in c.Deliveries)
                Hold(d.OrderId, c.CourierId);
        foreach (var z in zones)
            foreach (var a in z.Assigned)
                if (a.CourierId is { Length: > 0 } courier) Hold(a.OrderId, courier);
        var doubles = holders.Where(h => h.Value.Count > 1).Select(h => $"{h.Key} held by {string.Join(" and ", h.Value)}").ToList();
        checks.Add(new CheckResult(prefix + SingleHolder, doubles.Count == 0,
            doubles.Count == 0 ? $"{holders.Count} orders held, each by one courier ({couriers.Count} couriers, {zones.Count} zone(s) read)" : $"{doubles.Count} orders held by more than one courier, e.g. {doubles[0]}",
            doubles.Take(10).ToList()));

        // 2. Capacity, as each courier says and as the zone says.
        var over = new List<string>();
        foreach (var c in couriers)
            if (c.Deliveries.Count > c.Capacity) over.Add($"{c.CourierId} holds {c.Deliveries.Count} with capacity {c.Capacity}");
        foreach (var z in zones)
            foreach (var zc in z.Couriers)
                if (zc.Load > zc.Capacity) over.Add($"zone {z.ZoneId}: {zc.CourierId} load {zc.Load} with capacity {zc.Capacity}");
        checks.Add(new CheckResult(prefix + Capacity, over.Count == 0,
            over.Count == 0 ? $"{couriers.Count} couriers within capacity (max load {(couriers.Count == 0 ? 0 : couriers.Max(c => c.Deliveries.Count))})" : $"{over.Count} over capacity, e.g. {over[0]}",
            over.Take(10).ToList()));

        // 3. Every paid order somewhere.
        var fates = Classify(couriers, zones, paid);
        var lost = paid.Where(p => fates[p.OrderId] == PaidOrderFate.Unaccounted)
            .Select(p => $"{p.OrderId}: order {p.Status ?? "?"}, delivery {p.DeliveryStatus ?? "?"}, held by no courier, not waiting in a zone").ToList();
        var counts = Enum.GetValues<PaidOrderFate>().ToDictionary(f => f, f => fates.Values.Count(v => v == f));
        checks.Add(new CheckResult(prefix + Accounted, lost.Count == 0,
            $"{paid.Count} paid: {counts[PaidOrderFate.Delivered]} delivered, {counts[PaidOrderFate.Assigned]} assigned, {counts[PaidOrderFate.Queued]} queued, " +
            $"{counts[PaidOrderFate.Refunded]} refunded" + (counts[PaidOrderFate.Flagged] > 0 ? $", {counts[PaidOrderFate.Flagged]} flagged" : "") + (lost.Count > 0 ? $", **{lost.Count} unaccounted**, e.g. {lost[0]}" : ""),
            lost.Take(10).ToList()));
        return checks;
    }

    /// <summary>
    /// Each paid order's fate: delivered or refunded (its own view), else assigned (a courier or a zone holds it), else
    /// queued (a zone waits or offers it), else flagged by the zone.
    /// </summary>
    public static Dictionary<string, PaidOrderFate> Classify(IReadOnlyList<CourierSnapshot> couriers, IReadOnlyList<ZoneSnapshot> zones, IReadOnlyList<PaidOrder> paid)
    {
        var held = new HashSet<string>(couriers.SelectMany(c => c.Deliveries.Select(d => d.OrderId)).Concat(zones.SelectMany(z => z.Assigned.Select(a => a.OrderId))), StringComparer.Ordinal);
        var queued = new HashSet<string>(zones.SelectMany(z => z.Waiting.Concat(z.Offered)), StringComparer.Ordinal);
        var flagged = new HashSet<string>(zones.SelectMany(z => z.Flagged ?? []), StringComparer.Ordinal);
        var fates = new Dictionary<string, PaidOrderFate>(StringComparer.Ordinal);
        foreach (var p in paid)
            fates[p.OrderId] = Is(p.DeliveryStatus, "delivered") || Is(p.Status, "delivered") ? PaidOrderFate.Delivered
                : p.Refunded || Is(p.Status, "refunded") ? PaidOrderFate.Refunded
                : held.Contains(p.OrderId) ? PaidOrderFate.Assigned
                : queued.Contains(p.OrderId) ? PaidOrderFate.Queued
                : flagged.Contains(p.OrderId) ? PaidOrderFate.Flagged
                : PaidOrderFate.Unaccounted;
        return fates;
    }

    private static bool Is(string? value, string word) => string.Equals(value, word, StringComparison.OrdinalIgnoreCase);
}
