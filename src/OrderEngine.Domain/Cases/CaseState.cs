using System.Collections.Immutable;

namespace OrderEngine.Domain.Cases;

/// <summary>Where a case stands: open → inProgress → resolved → closed (a resolved case may be reopened into progress).</summary>
public enum CaseStatus
{
    /// <summary>No case with this id was opened.</summary>
    None,
    Open,
    InProgress,
    Resolved,
    Closed,
}

/// <summary>Where an action stands.</summary>
public enum CaseActionOutcome
{
    /// <summary>Asked of the order; its answer is not recorded yet (resumed after a restart).</summary>
    Pending,
    /// <summary>The order did it (the refund is requested of its provider, the replacement order is placed).</summary>
    Accepted,
    /// <summary>The order refused it; the detail says why. Nothing was done.</summary>
    Refused,
    /// <summary>Recorded and waiting for a lifecycle the engine does not run yet (returns).</summary>
    Requested,
}

/// <summary>A message on a case.</summary>
public sealed record CaseMessage(string MessageId, CaseAuthor Author, string Name, string Text, DateTimeOffset At)
{
    /// <summary>Without the author's name and the text: free text about a customer must not reach a log line.</summary>
    public override string ToString() => $"CaseMessage {{ MessageId = {MessageId}, Author = {Author}, At = {At:O} }}";
}

/// <summary>A resolution action and what it did; <paramref name="LinkedId"/> is the refund id, replacement order id or return id.</summary>
public sealed record CaseAction(
    string ActionId,
    CaseActionType Type,
    string LinkedId,
    decimal? Amount,
    ImmutableArray<CaseLine> Lines,
    string By,
    string? Note,
    CaseActionOutcome Outcome,
    string? Detail,
    DateTimeOffset RequestedAt,
    DateTimeOffset? CompletedAt);

/// <summary>One status change of a case, with its time and who caused it.</summary>
public sealed record CaseStatusChange(CaseStatus Status, DateTimeOffset At, string? By, string? Reason);

/// <summary>The state of one case. A case is small and short-lived, so it keeps its messages and actions (within the rules' limits).</summary>
public sealed record CaseState(
    string CaseId,
    CaseStatus Status,
    CaseOpened? Opened,
    string? Assignee,
    ImmutableArray<CaseMessage> Messages,
    ImmutableArray<CaseAction> Actions,
    string? Resolution,
    string? ResolvedBy,
    DateTimeOffset? ResolvedAt,
    DateTimeOffset? ClosedAt,
    string? LastReopenReason,
    ImmutableArray<CaseStatusChange> History,
    DateTimeOffset UpdatedAt)
{
    public static CaseState Initial(string caseId) => new(caseId, CaseStatus.None, null, null, [], [], null, null, null, null, null, [], default);

    public bool Exists => Status != CaseStatus.None;

    /// <summary>The customer of the case's order (whose key seals its texts at rest); null for cases opened before it was recorded.</summary>
    public string? CustomerId => Opened?.CustomerId;

    /// <summary>Whether the case is past its SLA due time at <paramref name="now"/>: only an unresolved case can be.</summary>
    public bool IsOverdue(DateTimeOffset now) => Status is CaseStatus.Open or CaseStatus.InProgress && Opened is { } o && now > o.DueAt;

    /// <summary>Actions asked of the order whose answer is not recorded yet.</summary>
    public IEnumerable<CaseAction> PendingActions => Actions.Where(a => a.Outcome == CaseActionOutcome.Pending);

    public CaseView ToView(DateTimeOffset now) => CaseView.From(this, now);
}
