using System.Collections.Immutable;
using OrderEngine.Domain.Dispatch.Couriers;
using OrderEngine.Domain.Dispatch.Zones;

namespace OrderEngine.Engine.Dispatch;

/// <summary>Restaurant delivery dispatch settings, bound from "OrderEngine:Dispatch" (minutes are decimals everywhere).</summary>
public sealed class DispatchOptions
{
    /// <summary>Geohash characters of a zone cell (5: about 4.9 km x 4.9 km).</summary>
    public int ZonePrecision { get; set; } = 5;

    /// <summary>"earliest-pickup" or "naive"; a zone's own setting (PUT /api/zones/{id}) overrides it.</summary>
    public string Policy { get; set; } = "earliest-pickup";

    /// <summary>How long a courier has to accept an offer before it goes to the next courier.</summary>
    public double OfferTimeoutSeconds { get; set; } = 30;

    /// <summary>How much a batch may delay the first delivery of the batch.</summary>
    public double BatchMaxDelayMinutes { get; set; } = 5;

    /// <summary>How far apart (degrees, seen from the restaurant) two drop-offs may lie to count as the same way.</summary>
    public double BatchMaxBearingDegrees { get; set; } = 45;

    // The restaurants' keys of the same section (PauseAboveQueueEtaMinutes, ResumeBelowQueueEtaMinutes,
    // PromiseSlackMinutes) are bound and checked by KitchenOptions.

    /// <summary>Each vehicle's speed and default capacity, keyed bike, scooter, car.</summary>
    public Dictionary<string, VehicleOptions> Vehicles { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How often a zone with waiting deliveries re-runs its assignment even when nothing happened (offers expire exactly on time regardless).</summary>
    public TimeSpan TickInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long an idle zone or courier entity stays in memory (a zone with waiting or offered deliveries stays).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>First retry delay of a notice an order or restaurant has not acknowledged; doubles up to <see cref="MaxRetryInterval"/>.</summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan MaxRetryInterval { get; set; } = TimeSpan.FromSeconds(30);

    public ZoneRules ToZoneRules() => new(
        DispatchPolicies.Parse(Policy) ?? throw new InvalidOperationException($"OrderEngine:Dispatch:Policy must be earliest-pickup or naive, not '{Policy}'"),
        TimeSpan.FromSeconds(OfferTimeoutSeconds),
        TimeSpan.FromMinutes(BatchMaxDelayMinutes),
        BatchMaxBearingDegrees);

    public CourierRules ToCourierRules()
    {
        var vehicles = CourierRules.Default.Vehicles.ToBuilder();
        foreach (var (name, v) in Vehicles)
        {
            var vehicle = Domain.Dispatch.Couriers.Vehicles.Parse(name)
                ?? throw new InvalidOperationException($"OrderEngine:Dispatch:Vehicles:{name} is not a vehicle (bike, scooter, car)");
            var defaults = CourierRules.Default.Vehicles[vehicle];
            vehicles[vehicle] = new VehicleProfile(v.SpeedKmh ?? defaults.SpeedKmh, v.Capacity ?? defaults.Capacity);
        }
        return new CourierRules(vehicles.ToImmutable(), ZonePrecision);
    }
}

/// <summary>One vehicle's settings (each null: the default).</summary>
public sealed class VehicleOptions
{
    public double? SpeedKmh { get; set; }
    public int? Capacity { get; set; }
}
