using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using OrderEngine.Domain.Stock;
using static OrderEngine.Domain.Tests.StockTestKit;

namespace OrderEngine.Domain.Tests;

/// <summary>
/// Invariants of one SKU's stock over random command sequences: no oversell, consistent counters,
/// repeating any command changes nothing, and every unit is accounted for.
/// </summary>
public class StockPropertyTests
{
    [Property(MaxTest = 500, Arbitrary = [typeof(StockArbitraries)])]
    public void Reserved_plus_sold_never_exceeds_on_hand(StockScenario scenario)
    {
        foreach (var r in scenario.Run())
        {
            if (r.Decision.IsRejected) Assert.Empty(r.Decision.Events);
            Assert.True(r.After.Reserved + r.After.Sold <= r.After.OnHand, $"oversold after {r}");
            Assert.True(r.After.IsConsistent, $"inconsistent after {r}");
            Assert.True(r.After.Available >= 0, $"negative availability after {r}");
        }
    }

    [Property(MaxTest = 500, Arbitrary = [typeof(StockArbitraries)])]
    public void The_expiry_order_always_matches_the_open_reservations(StockScenario scenario)
    {
        foreach (var r in scenario.Run())
        {
            AssertExpiryOrderInStep(r.After, r.Now, r);
            // Expiry lists what a scan of every reservation would, in the same order.
            if (r.Command is ExpireDueReservations { Grace: var grace } && grace >= TimeSpan.Zero)
            {
                var listed = r.Decision.Events.OfType<ReservationsExpired>().SelectMany(e => e.Reservations);
                Assert.Equal(DueByScanningAll(r.Before, r.Now - grace), listed);
            }
        }
    }

    [Property(MaxTest = 500, Arbitrary = [typeof(StockArbitraries)])]
    public void Repeating_any_command_changes_nothing(StockScenario scenario)
    {
        foreach (var r in scenario.Run())
        {
            // The command the scenario applied, and every command of the pool, from the state it reached.
            foreach (var command in StockArbitraries.Probes(r.Before, r.Now).Prepend(r.Command))
            {
                var first = StockDecider.Decide(r.Before, command, r.Now);
                var after = StockDecider.Fold(r.Before, first.Events);
                var again = StockDecider.Decide(after, command, r.Now);

                Assert.Empty(again.Events);
                if (first.IsRejected)
                    Assert.Equal(first.Rejection!.Code, again.Rejection?.Code);
                else
                    Assert.False(again.IsRejected, $"{command} was accepted, then its repeat refused: {again.Rejection} (state {r.Before.ToView()} at {r.Now:O})");
            }
        }
    }

    [Property(MaxTest = 500, Arbitrary = [typeof(StockArbitraries)])]
    public void Every_unit_is_accounted_for(StockScenario scenario)
    {
        // Books kept from the events alone, independently of Evolve.
        long onHand = 0, sold = 0;
        var held = new Dictionary<string, int>();
        foreach (var r in scenario.Run())
        {
            foreach (var e in r.Decision.Events)
            {
                switch (e)
                {
                    case OnHandSet x: onHand = x.OnHand; break;
                    case OnHandAdjusted x: onHand += x.Delta; break;
                    case StockReserved x: held.Add(x.OrderId, x.Quantity); break;
                    case ReservationCommitted x:
                        Assert.Equal(held[x.OrderId], x.Quantity);
                        held.Remove(x.OrderId);
                        sold += x.Quantity;
                        break;
                    case ReservationReleased x:
                        Assert.Equal(held[x.OrderId], x.Quantity);
                        held.Remove(x.OrderId);
                        break;
                    case ReservationsExpired x:
                        foreach (var ex in x.Reservations)
                        {
                            Assert.Equal(held[ex.OrderId], ex.Quantity);
                            held.Remove(ex.OrderId);
                        }
                        break;
                }
            }
            var s = r.After;
            Assert.Equal(onHand, s.OnHand);
            Assert.Equal(sold, s.Sold);
            Assert.Equal(held.Values.Sum(q => (long)q), s.Reserved);
            Assert.Equal(held.Keys.Order(), s.Reservations.Keys.Order());
            Assert.Equal(s.OnHand - s.Sold - s.Reserved, s.Available);
            Assert.Equal(s.Available, s.ToView().Available);
        }
    }

    /// <summary>
    /// The properties above only mean something if the generator reaches the interesting paths; this pins that
    /// down with a fixed seed so it cannot pass by luck.
    /// </summary>
    [Fact]
    public void The_generator_reaches_commits_releases_expiries_refusals_and_forgetting()
    {
        var runs = StockArbitraries.Scenario().Generator.Sample(numberOfSamples: 300, seed: new Rnd(20250301UL), size: 50)
            .Select(s => s.Run().ToList()).ToList();

        int With(Func<StepResult, bool> p) => runs.Count(run => run.Any(p));
        var report = new List<string>();
        var missed = false;
        void AtLeast(int expected, int actual, string what)
        {
            report.Add($"{actual} of {runs.Count} scenarios {what} (need {expected})");
            missed |= actual < expected;
        }

        AtLeast(270, With(r => r.Decision.Events.Any(e => e is StockReserved)), "reserve");
        AtLeast(200, With(r => r.Decision.Events.Any(e => e is ReservationCommitted)), "commit a reservation");
        AtLeast(130, With(r => r.Decision.Events.Any(e => e is ReservationReleased)), "release a reservation");
        AtLeast(160, With(r => r.Decision.Events.Any(e => e is ReservationsExpired)), "expire a reservation");
        AtLeast(90, With(r => r.Command is CommitReservation && !r.Decision.IsRejected && r.Decision.Events.IsEmpty), "repeat a commit");
        AtLeast(60, With(r => r.Decision.Rejection?.Code == StockRejectionCode.InsufficientStock), "run out of stock");
        AtLeast(180, With(r => r.Decision.Rejection?.Code == StockRejectionCode.ReservationClosed), "hit a closed reservation");
        AtLeast(150, With(r => r.Decision.Rejection?.Code is StockRejectionCode.StaleVersion or StockRejectionCode.VersionConflict), "send an old version");
        AtLeast(80, With(r => r.Decision.Rejection?.Code == StockRejectionCode.WouldBreakInvariant), "try to shrink stock below what is held");
        AtLeast(50, runs.Count(ReservesAgainAfterForgetting), "reserve again for an order settled more than a day before");
        Assert.False(missed, string.Join(Environment.NewLine, report));
    }

    private static bool ReservesAgainAfterForgetting(List<StepResult> run)
    {
        var settled = new HashSet<string>();
        foreach (var r in run)
        {
            foreach (var e in r.Decision.Events)
            {
                switch (e)
                {
                    case StockReserved x when settled.Contains(x.OrderId): return true;
                    case ReservationCommitted x: settled.Add(x.OrderId); break;
                    case ReservationReleased x: settled.Add(x.OrderId); break;
                    case ReservationsExpired x: settled.UnionWith(x.Reservations.Select(ex => ex.OrderId)); break;
                }
            }
        }
        return false;
    }
}

/// <summary>What one step of a scenario did: the state before, the command and its decision, the state after.</summary>
public sealed record StepResult(DateTimeOffset Now, IStockCommand Command, StockState Before, Decision<IStockEvent, StockRejection> Decision, StockState After)
{
    public override string ToString() =>
        $"{Command} at {Now:HH:mm} on {Before.ToView()} -> {(Decision.IsRejected ? Decision.Rejection!.ToString() : "[" + string.Join(", ", Decision.Events) + "]")} -> {After.ToView()}";
}

/// <summary>The kinds of stock command a scenario is made of.</summary>
public enum StockOp
{
    Set,
    Adjust,
    Reserve,
    Commit,
    Release,
    Expire,
}

/// <summary>
/// One step: advance the clock, then send a command. Reservation expiry is relative to the step's time,
/// so the command is built when the scenario runs.
/// </summary>
public sealed record StockStep(int AdvanceMinutes, StockOp Op, string Id, long Amount, long Version, AdjustmentReason Reason, int Minutes)
{
    public IStockCommand ToCommand(DateTimeOffset now) => Op switch
    {
        StockOp.Set => new SetOnHand(Sku, Amount, Version),
        StockOp.Adjust => new AdjustOnHand(Sku, Id, Amount, Reason),
        StockOp.Reserve => new ReserveStock(Sku, Id, (int)Amount, now.AddMinutes(Minutes)),
        StockOp.Commit => new CommitReservation(Sku, Id),
        StockOp.Release => new ReleaseReservation(Sku, Id),
        StockOp.Expire => new ExpireDueReservations(Sku, TimeSpan.FromMinutes(Minutes)),
        _ => throw new ArgumentOutOfRangeException(nameof(Op)),
    };

    public override string ToString() => $"+{AdvanceMinutes}m " + Op switch
    {
        StockOp.Set => $"Set({Amount}, v{Version})",
        StockOp.Adjust => $"Adjust({Id}, {Amount:+#;-#;0}, {Reason})",
        StockOp.Reserve => $"Reserve({Id}, {Amount}, hold {Minutes}m)",
        StockOp.Expire => $"Expire(grace {Minutes}m)",
        _ => $"{Op}({Id})",
    };
}

/// <summary>A sequence of stock commands with a clock that only moves forward.</summary>
public sealed record StockScenario(ImmutableArray<StockStep> Steps)
{
    public IEnumerable<StepResult> Run()
    {
        var state = StockState.Initial(Sku);
        var now = T0;
        foreach (var step in Steps)
        {
            now = now.AddMinutes(step.AdvanceMinutes);
            var command = step.ToCommand(now);
            var decision = StockDecider.Decide(state, command, now);
            var after = StockDecider.Fold(state, decision.Events);
            yield return new StepResult(now, command, state, decision, after);
            state = after;
        }
    }

    public override string ToString() => string.Join(Environment.NewLine, Steps.Select((s, i) => $"{i,3}: {s}"));
}

/// <summary>Generators over a small pool of order ids, adjustment ids and quantities, so commands collide often.</summary>
public static class StockArbitraries
{
    private static readonly string[] Orders = ["o-1", "o-2", "o-3", "o-4", "o-5", "o-6"];
    private static readonly string[] AdjustmentIds = ["adj-1", "adj-2", "adj-3", "adj-4"];

    private static Gen<StockStep> Step(Gen<int> advance) =>
        from adv in advance
        from step in Gen.Frequency(
            (2, from onHand in Gen.Choose(0, 40) from version in Gen.Choose(1, 8)
                select new StockStep(adv, StockOp.Set, "", onHand, version, default, 0)),
            (3, from id in Gen.Elements(AdjustmentIds) from delta in Gen.Choose(-12, 15)
                from reason in Gen.Elements(Enum.GetValues<AdjustmentReason>())
                select new StockStep(adv, StockOp.Adjust, id, delta, 0, reason, 0)),
            (8, from id in Gen.Elements(Orders) from qty in Gen.Frequency((30, Gen.Choose(1, 6)), (1, Gen.Constant(0)))
                from hold in Gen.Choose(0, 30)
                select new StockStep(adv, StockOp.Reserve, id, qty, 0, default, hold)),
            (5, from id in Gen.Elements(Orders) select new StockStep(adv, StockOp.Commit, id, 0, 0, default, 0)),
            (3, from id in Gen.Elements(Orders) select new StockStep(adv, StockOp.Release, id, 0, 0, default, 0)),
            (2, from grace in Gen.Elements(-1, 0, 0, 2, 5) select new StockStep(adv, StockOp.Expire, "", 0, 0, default, grace)))
        select step;

    // Mostly small steps (holds are 0-30 minutes), sometimes an hour, rarely past the one-day retention.
    private static readonly Gen<int> Advance = Gen.Frequency(
        (30, Gen.Choose(0, 3)),
        (6, Gen.Choose(4, 20)),
        (1, Gen.Constant(60)),
        (1, Gen.Constant(25 * 60)));

    public static Arbitrary<StockScenario> Scenario()
    {
        // Most scenarios start by stocking the SKU, so reservations can succeed; some start empty.
        var opening = Gen.Frequency(
            (9, from onHand in Gen.Choose(5, 30) select new[] { new StockStep(0, StockOp.Set, "", onHand, 1, default, 0) }),
            (1, Gen.Constant(Array.Empty<StockStep>())));
        var gen =
            from first in opening
            from length in Gen.Choose(8, 60)
            from rest in Step(Advance).ArrayOf(length)
            select new StockScenario([.. first, .. rest]);
        return Arb.From(gen, Shrink);
    }

    /// <summary>Shorter scenarios first: drop the back half, then single steps.</summary>
    private static IEnumerable<StockScenario> Shrink(StockScenario s)
    {
        var steps = s.Steps;
        if (steps.Length > 1) yield return new StockScenario(steps[..(steps.Length / 2)]);
        for (var i = 0; i < steps.Length; i++) yield return new StockScenario(steps.RemoveAt(i));
    }

    /// <summary>Every kind of command over the whole id pool, as sent at <paramref name="now"/> to <paramref name="s"/>.</summary>
    public static IEnumerable<IStockCommand> Probes(StockState s, DateTimeOffset now)
    {
        foreach (var o in Orders)
        {
            yield return new ReserveStock(Sku, o, 2, now.AddMinutes(10));
            yield return new ReserveStock(Sku, o, 1, now);
            yield return new CommitReservation(Sku, o);
            yield return new ReleaseReservation(Sku, o);
        }
        foreach (var a in AdjustmentIds)
        {
            yield return new AdjustOnHand(Sku, a, 3, AdjustmentReason.Received);
            yield return new AdjustOnHand(Sku, a, -2, AdjustmentReason.Damaged);
        }
        yield return new SetOnHand(Sku, s.OnHand + 5, s.Version + 1);
        yield return new SetOnHand(Sku, s.Reserved + s.Sold, s.Version + 1);
        yield return new SetOnHand(Sku, s.LastSetOnHand, Math.Max(1, s.Version));
        yield return new ExpireDueReservations(Sku, TimeSpan.Zero);
        yield return new ExpireDueReservations(Sku, TimeSpan.FromMinutes(5));
    }
}
