using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using OrderEngine.Domain.Dispatch;
using OrderEngine.Domain.Dispatch.Restaurants;
using static OrderEngine.Domain.Tests.Dispatch.RestaurantTestKit;

namespace OrderEngine.Domain.Tests.Dispatch;

/// <summary>One step of a restaurant scenario: advance the clock by some minutes, then decide a command built at that time.</summary>
public sealed record RestaurantStep(int Minutes, Func<DateTimeOffset, IRestaurantCommand> Build, string Label)
{
    public override string ToString() => $"+{Minutes}m {Label}";
}

/// <summary>A random run of commands against one restaurant, from its definition.</summary>
public sealed record RestaurantScenario(ImmutableArray<RestaurantStep> Steps)
{
    /// <summary>Tight limits, so queues of a few orders pause and resume the restaurant.</summary>
    public static readonly RestaurantRules Rules = new(5, 15, 30, 15, 10);

    public sealed record Result(RestaurantState Before, IRestaurantCommand Command, DateTimeOffset At, RestaurantDecision Decision, RestaurantState After);

    public IEnumerable<Result> Run()
    {
        var s = RestaurantState.Initial(Id);
        var now = T0;
        foreach (var step in Steps)
        {
            now = now.AddMinutes(step.Minutes);
            var command = step.Build(now);
            var d = RestaurantDecider.Decide(s, command, now, Rules);
            var after = RestaurantDecider.Fold(s, d.Events);
            yield return new Result(s, command, now, d, after);
            s = after;
        }
    }

    public override string ToString() => string.Join(Environment.NewLine, Steps);
}

public static class RestaurantArbitraries
{
    private static readonly string[] OrderIds = ["o-1", "o-2", "o-3"];

    public static Gen<RestaurantStep> Step()
    {
        var order = Gen.Elements(OrderIds);
        var prep = Gen.Elements(1m, 5m, 10m, 25m, 40m, 0.5m);
        var offset = Gen.Choose(-10, 60);
        return Gen.Frequency(
            (3, from o in order select new RestaurantStep(0, _ => Receive(o), $"Receive({o})")),
            (1, from o in order from p in Gen.Elements(20, 45) select new RestaurantStep(0, _ => Receive(o, T0.AddMinutes(p)), $"Receive({o}, promised +{p})")),
            (3, from o in order from p in prep select new RestaurantStep(0, _ => Accept(o, p), $"Accept({o}, {p})")),
            (1, from o in order from r in Gen.Elements("no basil", "closing") select new RestaurantStep(0, _ => RejectOrder(o, r), $"Reject({o}, {r})")),
            (2, from o in order from m in offset select new RestaurantStep(0, now => Estimate(o, now.AddMinutes(m)), $"Estimate({o}, now{m:+#;-#;+0})")),
            (2, from o in order select new RestaurantStep(0, now => Estimate(o, now, collected: true), $"Collected({o})")),
            (1, from o in order select new RestaurantStep(0, _ => new AcknowledgeDeliveryRequest(Id, o), $"AckZone({o})")),
            (1, from o in order select new RestaurantStep(0, _ => new AcknowledgeKitchenProgress(Id, o), $"AckOrder({o})")),
            (2, Gen.Constant(new RestaurantStep(0, now => new CheckKitchenQueue(Id, now), "Check"))),
            (1, from r in Gen.Elements("oven", "staff") select new RestaurantStep(0, _ => new PauseRestaurant(Id, r), $"Pause({r})")),
            (1, Gen.Constant(new RestaurantStep(0, _ => new ResumeRestaurant(Id), "Resume"))),
            (1, from p in prep from open in Gen.Elements(true, true, false) select new RestaurantStep(0, _ => Define(p, open), $"Define({p}, open {open})")));
    }

    public static Arbitrary<RestaurantScenario> Scenario()
    {
        var step = from a in Gen.Frequency((10, Gen.Choose(0, 10)), (1, Gen.Choose(20, 90))) from s in Step() select s with { Minutes = a };
        var gen =
            from length in Gen.Choose(1, 40)
            from steps in step.ArrayOf(length)
            select new RestaurantScenario([new RestaurantStep(0, _ => Define(), "Define"), .. steps]);
        return Arb.From(gen);
    }
}

/// <summary>Invariants of a restaurant over random command sequences.</summary>
public class RestaurantPropertyTests
{
    private static readonly RestaurantRules Rules = RestaurantScenario.Rules;

    [Property(MaxTest = 500, Arbitrary = [typeof(RestaurantArbitraries)])]
    public void Repeating_any_command_at_once_changes_nothing(RestaurantScenario scenario)
    {
        foreach (var r in scenario.Run())
        {
            var again = RestaurantDecider.Decide(r.After, r.Command, r.At, Rules);
            Assert.Empty(again.Events);
            Assert.Empty(again.Effects);
            if (r.Decision.IsRejected) Assert.Equal(r.Decision.Rejection!.Code, again.Rejection?.Code);
            else Assert.False(again.IsRejected, $"{r.Command} was accepted, then its repeat refused: {again.Rejection}");
        }
    }

    [Property(MaxTest = 500, Arbitrary = [typeof(RestaurantArbitraries)])]
    public void A_refused_command_changes_nothing(RestaurantScenario scenario)
    {
        foreach (var r in scenario.Run().Where(r => r.Decision.IsRejected))
        {
            Assert.Empty(r.Decision.Events);
            Assert.Empty(r.Decision.Effects);
            Assert.Same(r.Before, r.After);
        }
    }

    [Property(MaxTest = 500, Arbitrary = [typeof(RestaurantArbitraries)])]
    public void An_order_is_accepted_or_rejected_never_both_and_at_most_once(RestaurantScenario scenario)
    {
        var accepted = new HashSet<string>();
        var rejected = new HashSet<string>();
        foreach (var r in scenario.Run())
        {
            foreach (var e in r.Decision.Events)
            {
                if (e is KitchenOrderAccepted a) Assert.True(accepted.Add(a.OrderId) && !rejected.Contains(a.OrderId), $"{a.OrderId} accepted again or after a rejection");
                if (e is KitchenOrderRejected x) Assert.True(rejected.Add(x.OrderId) && !accepted.Contains(x.OrderId), $"{x.OrderId} rejected again or after an acceptance");
            }
            foreach (var o in r.After.Orders.Values)
            {
                if (o.Status is KitchenOrderStatus.Accepted or KitchenOrderStatus.Collected) Assert.Contains(o.OrderId, accepted);
                if (o.Status is KitchenOrderStatus.Rejected) Assert.Contains(o.OrderId, rejected);
            }
        }
    }

    [Property(MaxTest = 500, Arbitrary = [typeof(RestaurantArbitraries)])]
    public void The_automatic_pause_follows_the_queue_eta_with_hysteresis(RestaurantScenario scenario)
    {
        foreach (var r in scenario.Run())
        {
            var eta = r.After.QueueEtaMinutes(r.At);
            foreach (var e in r.Decision.Events)
            {
                // It pauses only above the upper limit and resumes only below the lower one: never in between.
                if (e is RestaurantPaused { ByHand: false }) Assert.True(eta > Rules.PauseAboveQueueEtaMinutes, $"paused at ETA {eta}");
                if (e is RestaurantResumed { ByHand: false }) Assert.True(eta < Rules.ResumeBelowQueueEtaMinutes, $"resumed at ETA {eta}");
            }
            // After anything that changed the restaurant (or a check), the pause agrees with the ETA outside the band.
            if (r.Decision.Events.IsEmpty && r.Command is not CheckKitchenQueue) continue;
            if (eta > Rules.PauseAboveQueueEtaMinutes) Assert.NotNull(r.After.AutoPauseReason);
            if (eta < Rules.ResumeBelowQueueEtaMinutes) Assert.Null(r.After.AutoPauseReason);
            // Within the band the pause stays as it was.
            if (eta >= Rules.ResumeBelowQueueEtaMinutes && eta <= Rules.PauseAboveQueueEtaMinutes)
                Assert.Equal(r.Before.AutoPauseReason is null, r.After.AutoPauseReason is null);
        }
    }

    [Property(MaxTest = 500, Arbitrary = [typeof(RestaurantArbitraries)])]
    public void The_queue_eta_is_the_last_expected_pickup_of_the_open_orders(RestaurantScenario scenario)
    {
        // Expected pickups kept from the events alone, independently of Evolve.
        var received = new Dictionary<string, DateTimeOffset>();
        var ready = new Dictionary<string, DateTimeOffset>();
        var estimated = new Dictionary<string, DateTimeOffset>();
        var closed = new HashSet<string>();
        decimal prep = 0;
        foreach (var r in scenario.Run())
        {
            foreach (var e in r.Decision.Events)
            {
                switch (e)
                {
                    case RestaurantDefined x: prep = x.PrepMinutes; break;
                    case KitchenOrderQueued x: received[x.OrderId] = x.At; break;
                    case KitchenOrderAccepted x: ready[x.OrderId] = x.ReadyAt; break;
                    case PickupEstimated x: estimated[x.OrderId] = x.EstimatedPickup; break;
                    case KitchenOrderRejected x: closed.Add(x.OrderId); break;
                    case KitchenOrderCollected x: closed.Add(x.OrderId); break;
                }
            }
            var last = received.Keys.Where(o => !closed.Contains(o))
                .Select(o => estimated.TryGetValue(o, out var est) ? est : ready.TryGetValue(o, out var rd) ? rd : received[o].AddMinutes((double)prep))
                .DefaultIfEmpty(r.At).Max();
            var expected = last <= r.At ? 0m : (decimal)(last - r.At).TotalMinutes;
            Assert.Equal(expected, r.After.QueueEtaMinutes(r.At));
        }
    }

    [Property(MaxTest = 500, Arbitrary = [typeof(RestaurantArbitraries)])]
    public void What_is_owed_stays_in_the_outbox_until_acknowledged(RestaurantScenario scenario)
    {
        foreach (var r in scenario.Run())
        {
            var outbox = r.After.Outbox();
            Assert.All(r.Decision.Effects, m => Assert.Contains(m, outbox));
            foreach (var o in r.After.Orders.Values)
            {
                var owesZone = o.Status == KitchenOrderStatus.Accepted && !o.DeliveryRequestAcked;
                Assert.Equal(owesZone, outbox.OfType<RequestDelivery>().Any(m => m.OrderId == o.OrderId));
                var owesOrder = o.Status is not KitchenOrderStatus.Received && !o.ProgressAcked;
                Assert.Equal(owesOrder, outbox.OfType<Orders.RecordDeliveryProgress>().Any(m => m.OrderId == o.OrderId));
            }
        }
    }

    /// <summary>The properties only mean something if the runs reach pauses, resumptions, conflicts and collections; pinned with a fixed seed.</summary>
    [Fact]
    public void The_generator_reaches_pauses_resumptions_conflicts_and_collections()
    {
        var runs = RestaurantArbitraries.Scenario().Generator.Sample(numberOfSamples: 300, seed: new Rnd(20261204UL), size: 50)
            .Select(s => s.Run().ToList()).ToList();
        int With(Func<RestaurantScenario.Result, bool> p) => runs.Count(run => run.Any(p));

        var counts = new (string What, int Runs, int Need)[]
        {
            ("automatic pauses", With(r => r.Decision.Events.Any(e => e is RestaurantPaused { ByHand: false })), 30),
            ("automatic resumptions", With(r => r.Decision.Events.Any(e => e is RestaurantResumed { ByHand: false })), 15),
            ("conflicts", With(r => r.Decision.Rejection?.Code == RestaurantRejectionCode.Conflict), 30),
            ("collections", With(r => r.Decision.Events.Any(e => e is KitchenOrderCollected)), 30),
            ("estimates", With(r => r.Decision.Events.Any(e => e is PickupEstimated)), 30),
        };
        Assert.True(counts.All(c => c.Runs >= c.Need), string.Join("; ", counts.Select(c => $"{c.What}: {c.Runs} of {runs.Count} (need {c.Need})")));
    }
}
