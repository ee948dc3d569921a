using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using OrderEngine.Domain.Cases;

namespace OrderEngine.Domain.Tests;

/// <summary>One step of a case scenario: advance the clock by some minutes, then decide a command.</summary>
public sealed record CaseStep(int Minutes, ICaseCommand Command)
{
    public override string ToString() => $"+{Minutes}m {Command}";
}

/// <summary>A random run of commands against one case, from nothing.</summary>
public sealed record CaseScenario(ImmutableArray<CaseStep> Steps)
{
    public sealed record Result(CaseState Before, ICaseCommand Command, DateTimeOffset At, Decision<ICaseEvent, CaseRejection> Decision, CaseState After);

    public IEnumerable<Result> Run()
    {
        var s = CaseState.Initial(CaseTestKit.CaseId);
        var now = CaseTestKit.T0;
        foreach (var step in Steps)
        {
            now = now.AddMinutes(step.Minutes);
            var d = CaseDecider.Decide(s, step.Command, now, CaseTestKit.Rules);
            var after = CaseDecider.Fold(s, d.Events);
            yield return new Result(s, step.Command, now, d, after);
            s = after;
        }
    }

    public override string ToString() => string.Join(Environment.NewLine, Steps);
}

public static class CaseArbitraries
{
    private const string Id = CaseTestKit.CaseId;

    public static readonly ImmutableArray<ICaseCommand> Commands =
    [
        CaseTestKit.Open(),
        CaseTestKit.Open(CaseType.Late),
        new StartCase(Id, "alice"),
        new StartCase(Id, "bob"),
        new AddCaseMessage(Id, "m-1", CaseAuthor.Customer, "Ada", "it is broken"),
        new AddCaseMessage(Id, "m-1", CaseAuthor.Customer, "Ada", "another text"),
        new AddCaseMessage(Id, "m-2", CaseAuthor.Operator, "alice", "sorry"),
        CaseTestKit.Refund("a-1"),
        CaseTestKit.Refund("a-1", 7m),
        CaseTestKit.Reship("a-2"),
        new RequestCaseAction(Id, "a-3", CaseActionType.Return, null, [new CaseLine("SKU-A", 1)], "alice"),
        new CompleteCaseAction(Id, "a-1", CaseActionOutcome.Accepted, "refunded"),
        new CompleteCaseAction(Id, "a-2", CaseActionOutcome.Refused, "out of stock"),
        new ResolveCase(Id, "refunded", "alice"),
        new ResolveCase(Id, "reshipped", "alice"),
        new CloseCase(Id, "alice"),
        new ReopenCase(Id, "still broken", "alice"),
    ];

    public static Arbitrary<CaseScenario> Scenario()
    {
        // Mostly minutes; sometimes days, so the reopen window (14 days) is crossed in some runs.
        var advance = Gen.Frequency((10, Gen.Choose(0, 120)), (2, Gen.Choose(60 * 24, 60 * 24 * 10)));
        var command = Gen.Elements(Commands.ToArray());
        var step = from a in advance from c in command select new CaseStep(a, c);
        var gen =
            from length in Gen.Choose(1, 40)
            from steps in step.ArrayOf(length)
            select new CaseScenario([new CaseStep(0, CaseTestKit.Open()), .. steps]);
        return Arb.From(gen);
    }
}

/// <summary>Invariants of a case over random command sequences: allowed transitions only, due time fixed at open + SLA, repeats change nothing.</summary>
public class CasePropertyTests
{
    private static readonly HashSet<(CaseStatus From, CaseStatus To)> Allowed =
    [
        (CaseStatus.None, CaseStatus.Open),
        (CaseStatus.Open, CaseStatus.InProgress),
        (CaseStatus.InProgress, CaseStatus.Resolved),
        (CaseStatus.Resolved, CaseStatus.Closed),
        (CaseStatus.Resolved, CaseStatus.InProgress),
    ];

    [Property(MaxTest = 500, Arbitrary = [typeof(CaseArbitraries)])]
    public void Status_only_moves_along_the_allowed_transitions(CaseScenario scenario)
    {
        foreach (var r in scenario.Run())
            if (r.Before.Status != r.After.Status)
                Assert.True(Allowed.Contains((r.Before.Status, r.After.Status)), $"{r.Before.Status} -> {r.After.Status} by {r.Command}");
    }

    [Property(MaxTest = 500, Arbitrary = [typeof(CaseArbitraries)])]
    public void The_due_time_is_the_open_time_plus_the_sla_of_its_type_and_never_moves(CaseScenario scenario)
    {
        var results = scenario.Run().ToList();
        var opened = results[0].After.Opened!;
        Assert.Equal(results[0].At + CaseTestKit.Rules.SlaOf(opened.Type), opened.DueAt);
        Assert.All(results, r => Assert.Equal(opened.DueAt, r.After.Opened!.DueAt));
    }

    [Property(MaxTest = 500, Arbitrary = [typeof(CaseArbitraries)])]
    public void Repeating_an_accepted_command_at_once_changes_nothing(CaseScenario scenario)
    {
        foreach (var r in scenario.Run())
        {
            if (r.Decision.IsRejected) continue;
            var again = CaseDecider.Decide(r.After, r.Command, r.At, CaseTestKit.Rules);
            Assert.False(again.IsRejected, $"repeat of {r.Command} refused: {again.Rejection}");
            Assert.Empty(again.Events);
        }
    }

    [Property(MaxTest = 500, Arbitrary = [typeof(CaseArbitraries)])]
    public void A_refused_command_changes_nothing_and_an_action_is_recorded_once(CaseScenario scenario)
    {
        foreach (var r in scenario.Run())
        {
            if (r.Decision.IsRejected) Assert.Same(r.Before, r.After);
            Assert.Equal(r.After.Actions.Length, r.After.Actions.Select(a => a.ActionId).Distinct().Count());
            Assert.Equal(r.After.Messages.Length, r.After.Messages.Select(m => m.MessageId).Distinct().Count());
        }
    }
}
