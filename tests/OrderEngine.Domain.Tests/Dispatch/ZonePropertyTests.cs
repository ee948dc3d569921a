using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using OrderEngine.Domain.Dispatch;
using OrderEngine.Domain.Dispatch.Zones;
using static OrderEngine.Domain.Tests.Dispatch.ZoneTestKit;

namespace OrderEngine.Domain.Tests.Dispatch;

/// <summary>A random run of a zone: commands from a small pool (couriers, two restaurants, six orders), each after a random pause.</summary>
public sealed record ZoneScenario(DispatchPolicy Policy, (int AdvanceSeconds, IZoneCommand Command)[] Steps)
{
    public ZoneRules Rules => ZoneRules.Default with { Policy = Policy };

    public IEnumerable<Step> Run()
    {
        var now = T0;
        return ZoneTestKit.Run(ZoneState.Initial(Zone), Steps.Select(s => (s.Command, now = now.AddSeconds(s.AdvanceSeconds))).ToList(), Rules);
    }

    public override string ToString() => $"{Policy}: " + string.Join(" | ", Steps.Select(s => $"+{s.AdvanceSeconds}s {s.Command}"));
}

/// <summary>An EDF situation: identical-looking deliveries with random promises, fewer single-seat couriers than deliveries.</summary>
public sealed record ShortageScenario(int[] PromisedMinutes, int Couriers);

/// <summary>Deliveries from one restaurant to one drop-off, random promises, random couriers (positions, speeds, online or not).</summary>
public sealed record QueueScenario(int[] PromisedMinutes, (double NorthKm, double EastKm, int SpeedKmh)[] Couriers);

public static class ZoneArbitraries
{
    private static readonly string[] CourierIds = ["c1", "c2", "c3"];
    private static readonly int[] Capacities = [1, 2, 3];
    private static readonly string[] OrderIds = ["o1", "o2", "o3", "o4", "o5", "o6"];

    private static RequestDelivery RequestOf(int i)
    {
        var fromR1 = i % 2 == 0;
        var pickup = fromR1 ? R1 : R2;
        // Drop-offs in a few directions so that some pairs batch and some do not.
        var (north, east) = (i % 3) switch { 0 => (2.0, 0.3), 1 => (2.5, 0.0), _ => (-1.5, 1.0) };
        return Request(OrderIds[i], pickup, Offset(pickup, north, east), readyInMinutes: i * 2, promisedInMinutes: 30 + (i * 7 % 5) * 6,
            restaurant: fromR1 ? "r1" : "r2");
    }

    /// <summary>Every command of the pool.</summary>
    public static IReadOnlyList<IZoneCommand> Pool { get; } = Build();

    private static List<IZoneCommand> Build()
    {
        var pool = new List<IZoneCommand>();
        for (var c = 0; c < CourierIds.Length; c++)
        {
            var id = CourierIds[c];
            pool.Add(Online(id, Offset(R1, 0.3 * (c + 1), -0.2 * c), capacity: Capacities[c], speed: 15 + 10 * c));
            pool.Add(new CourierOffline(Zone, id));
            pool.Add(new CourierOffline(Zone, id, OnlyIfIdle: true));
            pool.Add(new UpdateCourierPosition(Zone, id, Offset(R2, 0.1 * c, 0.1)));
        }
        for (var i = 0; i < OrderIds.Length; i++) pool.Add(RequestOf(i));
        pool.Add(new ConfigureZone(Zone, null, 20, null));
        pool.Add(new DispatchTick(Zone));
        return pool;
    }

    /// <summary>The courier's commands about an order (weighted up: they only do something when they fit the state).</summary>
    private static IReadOnlyList<IZoneCommand> Acts { get; } =
        [.. from c in CourierIds from o in OrderIds
            from a in new IZoneCommand[] { new AcceptOffer(Zone, c, o), new DeclineOffer(Zone, c, o), new ConfirmPickup(Zone, c, o), new ConfirmDelivery(Zone, c, o) }
            select a];

    public static Arbitrary<ZoneScenario> Scenario()
    {
        var advance = Gen.Frequency((6, Gen.Choose(0, 10)), (3, Gen.Choose(10, 40)), (1, Gen.Choose(40, 600)));
        var command = Gen.Frequency((3, Gen.Elements(Pool.ToArray())), (4, Gen.Elements(Acts.ToArray())), (1, Gen.Constant((IZoneCommand)new DispatchTick(Zone))));
        var step = from a in advance from c in command select (a, c);
        var gen =
            from policy in Gen.Frequency((3, Gen.Constant(DispatchPolicy.EarliestPickup)), (1, Gen.Constant(DispatchPolicy.Naive)))
            from length in Gen.Choose(5, 60)
            from steps in step.ArrayOf(length)
            select new ZoneScenario(policy, steps);
        return Arb.From(gen);
    }

    public static Arbitrary<ShortageScenario> Shortage() => Arb.From(
        from n in Gen.Choose(2, 8)
        from promised in Gen.Choose(20, 120).ArrayOf(n)
        from couriers in Gen.Choose(1, n - 1)
        select new ShortageScenario(promised, couriers));

    public static Arbitrary<QueueScenario> Queue() => Arb.From(
        from n in Gen.Choose(1, 8)
        from promised in Gen.Choose(20, 120).ArrayOf(n)
        from k in Gen.Choose(0, 4)
        from couriers in (from north in Gen.Choose(-30, 30) from east in Gen.Choose(-30, 30) from speed in Gen.Choose(5, 60)
                          select (north / 10.0, east / 10.0, speed)).ArrayOf(k)
        select new QueueScenario(promised, couriers));
}

/// <summary>
/// The zone's guarantees over random command sequences: no courier over capacity, one holder per delivery, repeats
/// change nothing; and the queue's rules: earliest deadline first when couriers are short, ETAs monotonic in queue position.
/// </summary>
public class ZonePropertyTests
{
    [Property(MaxTest = 300, Arbitrary = [typeof(ZoneArbitraries)])]
    public void No_courier_ever_holds_more_than_its_capacity(ZoneScenario scenario)
    {
        foreach (var r in scenario.Run())
            foreach (var c in r.After.Couriers.Values)
                Assert.True(r.After.HeldCountOf(c.CourierId) <= c.Capacity, $"{c.CourierId} over capacity after {r}");
    }

    [Property(MaxTest = 300, Arbitrary = [typeof(ZoneArbitraries)])]
    public void A_delivery_is_held_by_at_most_one_courier_at_a_time(ZoneScenario scenario)
    {
        // Books kept from the events alone: who holds each delivery.
        var holder = new Dictionary<string, string>();
        foreach (var r in scenario.Run())
        {
            foreach (var e in r.Decision.Decision.Events)
            {
                switch (e)
                {
                    case DeliveryOffered x:
                        Assert.False(holder.ContainsKey(x.OrderId), $"{x.OrderId} offered to {x.CourierId} while {holder.GetValueOrDefault(x.OrderId)} holds it: {r}");
                        holder[x.OrderId] = x.CourierId;
                        break;
                    case OfferAccepted x: Assert.Equal(holder[x.OrderId], x.CourierId); break;
                    case DeliveryPickedUp x: Assert.Equal(holder[x.OrderId], x.CourierId); break;
                    case OfferDeclined x: Assert.Equal(holder[x.OrderId], x.CourierId); holder.Remove(x.OrderId); break;
                    case CourierReleased x: Assert.Equal(holder[x.OrderId], x.CourierId); holder.Remove(x.OrderId); break;
                    case DeliveryFlagged x: Assert.Equal(holder[x.OrderId], x.CourierId); holder.Remove(x.OrderId); break;
                    case DeliveryDelivered x: Assert.Equal(r.Before.Deliveries[x.OrderId].CourierId, x.CourierId); holder.Remove(x.OrderId); break;
                }
            }
            var held = r.After.Deliveries.Values.Where(d => d.IsHeld).ToDictionary(d => d.OrderId, d => d.CourierId!);
            Assert.Equal(holder.OrderBy(kv => kv.Key), held.OrderBy(kv => kv.Key));
        }
    }

    [Property(MaxTest = 300, Arbitrary = [typeof(ZoneArbitraries)])]
    public void The_zone_state_stays_coherent(ZoneScenario scenario)
    {
        foreach (var r in scenario.Run())
        {
            if (r.Decision.Decision.IsRejected) Assert.Empty(r.Decision.Decision.Events);
            foreach (var d in r.After.Deliveries.Values)
            {
                if (d.Status == DeliveryStatus.Waiting) Assert.Null(d.CourierId);
                // A refusal runs no dispatch pass: an offer past its deadline waits for the next tick (due at that deadline).
                if (d.Status == DeliveryStatus.Offered && !r.Decision.Decision.IsRejected) Assert.True(d.OfferExpiresAt > r.Now, $"an offer past its deadline after {r}");
                if (d.IsHeld)
                {
                    Assert.False(d.Excludes(d.CourierId!), $"{d.OrderId} held by {d.CourierId}, who declined or let it expire: {r}");
                    Assert.True(r.After.Couriers[d.CourierId!].Online, $"{d.OrderId} held by offline {d.CourierId}: {r}");
                }
            }
            // Nothing waits while an idle courier could take it (the dispatch pass ran to its end).
            var idleCanTake = r.After.Queue(scenario.Rules.Policy).Any(d => r.After.Couriers.Values.Any(c =>
                c.Online && !d.Excludes(c.CourierId) && r.After.HeldCountOf(c.CourierId) == 0));
            Assert.False(idleCanTake && !r.Decision.Decision.IsRejected, $"a waiting delivery and an idle courier that may take it after {r}");
            Assert.Equal(r.After.Outbox.Count, r.After.Outbox.Select(n => n.NoticeId).Distinct().Count());
        }
    }

    [Property(MaxTest = 300, Arbitrary = [typeof(ZoneArbitraries)])]
    public void Repeating_any_command_changes_nothing(ZoneScenario scenario)
    {
        foreach (var r in scenario.Run())
        {
            var again = ZoneDecider.Decide(r.After, r.Command, r.Now, scenario.Rules);
            Assert.Empty(again.Decision.Events);
            if (r.Decision.Decision.IsRejected)
                Assert.Equal(r.Decision.Decision.Rejection!.Code, again.Decision.Rejection?.Code);
            else
                Assert.False(again.Decision.IsRejected, $"{r.Command} accepted, then its repeat refused: {again.Decision.Rejection} ({r})");
        }
    }

    [Property(MaxTest = 300, Arbitrary = [typeof(ZoneArbitraries)])]
    public void When_couriers_are_short_the_earliest_deadlines_get_them(ShortageScenario scenario)
    {
        var noBatching = ZoneRules.Default with { BatchMaxBearingDegrees = -1 };
        var s = ZoneState.Initial(Zone);
        for (var i = 0; i < scenario.PromisedMinutes.Length; i++)
            s = Then(s, When(s, Request($"o{i}", R1, Offset(R1, 2, 0), readyInMinutes: 5, promisedInMinutes: scenario.PromisedMinutes[i]), rules: noBatching));
        for (var c = 0; c < scenario.Couriers; c++)
            s = Then(s, When(s, Online($"c{c}", Offset(R1, 0.5, 0.1 * c), capacity: 1), rules: noBatching));

        var offered = s.Deliveries.Values.Where(d => d.Status == DeliveryStatus.Offered).ToList();
        var waiting = s.Deliveries.Values.Where(d => d.Status == DeliveryStatus.Waiting).ToList();
        Assert.Equal(scenario.Couriers, offered.Count);
        Assert.True(offered.Max(d => d.PromisedBy) <= waiting.Min(d => d.PromisedBy), "a later promise got a courier before an earlier one");
        // And the queue the zone shows is in promise order.
        var queue = s.ToView(noBatching, T0).Waiting.Select(d => d.PromisedBy).ToList();
        Assert.Equal(queue.Order(), queue);
    }

    [Property(MaxTest = 300, Arbitrary = [typeof(ZoneArbitraries)])]
    public void The_queue_eta_is_monotonic_in_queue_position_and_ignores_what_queues_behind(QueueScenario scenario)
    {
        var s = ZoneState.Initial(Zone);
        for (var c = 0; c < scenario.Couriers.Length; c++)
        {
            var (north, east, speed) = scenario.Couriers[c];
            s = ZoneDecider.Evolve(s, new CourierJoined(Zone, $"c{c}", null, OrderEngine.Domain.Dispatch.Couriers.Vehicle.Bike, speed, 1, Offset(R1, north, east), T0));
        }
        var estimates = new List<DateTimeOffset?>();
        for (var i = 0; i < scenario.PromisedMinutes.Length; i++)
        {
            var before = ZonePlanner.QueueEstimates(s, T0, ZoneRules.Default);
            s = ZoneDecider.Evolve(s, new DeliveryRequested(Zone, $"o{i}", "r1", R1, Offset(R1, 2, 1), T0.AddMinutes(5), T0.AddMinutes(scenario.PromisedMinutes[i]), 1, null, T0));
            var after = ZonePlanner.QueueEstimates(s, T0, ZoneRules.Default);
            // Only the deliveries queued behind the new one may move (later).
            foreach (var d in s.Queue(DispatchPolicy.EarliestPickup).TakeWhile(d => d.OrderId != $"o{i}"))
                Assert.Equal(before.GetValueOrDefault(d.OrderId), after.GetValueOrDefault(d.OrderId));
            foreach (var (id, e) in before) Assert.True(after[id].Eta >= e.Eta, $"{id} got earlier when another queued");
        }
        var etas = s.Queue(DispatchPolicy.EarliestPickup).Select(d => ZonePlanner.QueueEstimates(s, T0, ZoneRules.Default).GetValueOrDefault(d.OrderId).Eta).ToList();
        if (scenario.Couriers.Length == 0) Assert.All(etas, e => Assert.Null(e));
        else
            for (var i = 1; i < etas.Count; i++) Assert.True(etas[i - 1] <= etas[i], $"position {i} has an earlier ETA than {i - 1}");
    }
}
