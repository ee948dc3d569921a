using System.Collections.Immutable;

namespace OrderEngine.Domain.Dispatch.Couriers;

/// <summary>What a courier rides: it sets the courier's speed and, unless given, how many deliveries it carries at once.</summary>
public enum Vehicle
{
    Bike,
    Scooter,
    Car,
}

/// <summary>A vehicle's speed and default capacity (deliveries carried at once).</summary>
public sealed record VehicleProfile(double SpeedKmh, int Capacity);

/// <summary>The courier rules: each vehicle's profile, the capacity range, and the zone cell size.</summary>
public sealed record CourierRules(ImmutableDictionary<Vehicle, VehicleProfile> Vehicles, int ZonePrecision)
{
    public const int MinCapacity = 1;
    public const int MaxCapacity = 20;

    public static readonly CourierRules Default = new(
        ImmutableDictionary<Vehicle, VehicleProfile>.Empty
            .Add(Vehicle.Bike, new VehicleProfile(15, 2))
            .Add(Vehicle.Scooter, new VehicleProfile(25, 3))
            .Add(Vehicle.Car, new VehicleProfile(30, 4)),
        5);

    public VehicleProfile ProfileOf(Vehicle vehicle) =>
        Vehicles.TryGetValue(vehicle, out var p) ? p : Default.Vehicles[vehicle];

    /// <summary>The zone (geohash cell) a point belongs to.</summary>
    public string ZoneOf(GeoPoint p) => Geo.Geohash(p, ZonePrecision);
}

public static class Vehicles
{
    /// <summary>Reads "bike", "scooter" or "car" (any case); null for anything else.</summary>
    public static Vehicle? Parse(string? s) => s?.ToLowerInvariant() switch
    {
        "bike" => Vehicle.Bike,
        "scooter" => Vehicle.Scooter,
        "car" => Vehicle.Car,
        _ => null,
    };
}
