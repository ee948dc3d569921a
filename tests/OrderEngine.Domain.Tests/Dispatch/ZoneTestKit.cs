using OrderEngine.Domain.Dispatch;
using OrderEngine.Domain.Dispatch.Couriers;
using OrderEngine.Domain.Dispatch.Zones;

namespace OrderEngine.Domain.Tests.Dispatch;

/// <summary>A small map around one zone: couriers, restaurants, orders, and a way to run commands against the decider.</summary>
public static class ZoneTestKit
{
    public const string Zone = "u33db";
    public static readonly DateTimeOffset T0 = new(2026, 12, 4, 18, 0, 0, TimeSpan.Zero);
    public static readonly ZoneRules Rules = ZoneRules.Default;

    public static readonly GeoPoint R1 = new(52.5200, 13.4050);
    public static readonly GeoPoint R2 = new(52.5150, 13.3950);

    /// <summary>A point <paramref name="northKm"/> north and <paramref name="eastKm"/> east of <paramref name="from"/>.</summary>
    public static GeoPoint Offset(GeoPoint from, double northKm, double eastKm) =>
        new(from.Latitude + northKm / 111.2, from.Longitude + eastKm / (111.2 * Math.Cos(from.Latitude * Math.PI / 180)));

    public static CourierOnline Online(string id, GeoPoint at, int capacity = 2, double speed = 15, Vehicle vehicle = Vehicle.Bike) =>
        new(Zone, id, id, vehicle, speed, capacity, at);

    public static RequestDelivery Request(string orderId, GeoPoint pickup, GeoPoint dropOff, double readyInMinutes = 10, double promisedInMinutes = 40,
        string restaurant = "r1") =>
        new(Zone, orderId, restaurant, pickup, dropOff, T0.AddMinutes(readyInMinutes), T0.AddMinutes(promisedInMinutes), 1);

    public sealed record Step(ZoneState Before, IZoneCommand Command, DateTimeOffset Now, ZoneDecision Decision, ZoneState After)
    {
        public override string ToString() => $"{Command} at {Now:HH:mm:ss}: {(Decision.Decision.IsRejected ? Decision.Decision.Rejection!.ToString() : string.Join(", ", Decision.Decision.Events))}";
    }

    /// <summary>Applies the commands in turn (each at its time), as the zone entity would.</summary>
    public static IEnumerable<Step> Run(ZoneState s, IEnumerable<(IZoneCommand Command, DateTimeOffset Now)> commands, ZoneRules? rules = null)
    {
        foreach (var (command, now) in commands)
        {
            var decision = ZoneDecider.Decide(s, command, now, rules ?? Rules);
            var after = ZoneDecider.Fold(s, decision.Decision.Events);
            yield return new Step(s, command, now, decision, after);
            s = after;
        }
    }

    /// <summary>Applies the commands at <see cref="T0"/>, each of which must be accepted; the state after.</summary>
    public static ZoneState Given(params IZoneCommand[] commands) => GivenAt(T0, commands);

    public static ZoneState GivenAt(DateTimeOffset now, params IZoneCommand[] commands) => GivenOn(ZoneState.Initial(Zone), now, commands);

    public static ZoneState GivenOn(ZoneState s, DateTimeOffset now, params IZoneCommand[] commands)
    {
        foreach (var c in commands)
        {
            var d = ZoneDecider.Decide(s, c, now, Rules);
            Assert.False(d.Decision.IsRejected, $"{c} refused: {d.Decision.Rejection}");
            s = ZoneDecider.Fold(s, d.Decision.Events);
        }
        return s;
    }

    public static ZoneDecision When(ZoneState s, IZoneCommand c, DateTimeOffset? now = null, ZoneRules? rules = null) =>
        ZoneDecider.Decide(s, c, now ?? T0, rules ?? Rules);

    public static ZoneState Then(ZoneState s, ZoneDecision d) => ZoneDecider.Fold(s, d.Decision.Events);
}
