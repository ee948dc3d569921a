using System.Collections.Immutable;

namespace OrderEngine.Domain.Cases;

/// <summary>A fact about one case, persisted in its entity's journal.</summary>
public interface ICaseEvent : ICaseMessage
{
    DateTimeOffset At { get; }
}

/// <summary>The case was opened about an order; it is due (its SLA) at <paramref name="DueAt"/>.</summary>
public sealed record CaseOpened(string CaseId, string OrderId, CaseType Type, string Description, string? OpenedBy, DateTimeOffset DueAt, DateTimeOffset At) : ICaseEvent;

/// <summary>An operator took the case (from open, or over from another operator).</summary>
public sealed record CaseStarted(string CaseId, string Operator, DateTimeOffset At) : ICaseEvent;

public sealed record CaseMessageAdded(string CaseId, string MessageId, CaseAuthor Author, string Name, string Text, DateTimeOffset At) : ICaseEvent;

/// <summary>
/// An action was asked for and will be carried out: <paramref name="LinkedId"/> names what it acts on (the refund id,
/// the replacement order's id, the return id), derived from the case and the action id so a retry reaches the same one.
/// </summary>
public sealed record CaseActionRequested(
    string CaseId,
    string ActionId,
    CaseActionType Type,
    string LinkedId,
    decimal? Amount,
    ImmutableArray<CaseLine> Lines,
    string By,
    string? Note,
    DateTimeOffset At) : ICaseEvent;

/// <summary>What the order answered to an action: accepted or refused, with its detail.</summary>
public sealed record CaseActionCompleted(string CaseId, string ActionId, CaseActionOutcome Outcome, string Detail, DateTimeOffset At) : ICaseEvent;

public sealed record CaseResolved(string CaseId, string Resolution, string By, DateTimeOffset At) : ICaseEvent;

public sealed record CaseClosed(string CaseId, string By, DateTimeOffset At) : ICaseEvent;

public sealed record CaseReopened(string CaseId, string Reason, string By, DateTimeOffset At) : ICaseEvent;
