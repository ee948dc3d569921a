using System.Collections.Immutable;

namespace OrderEngine.Domain.Cases;

/// <summary>A fact about one case, persisted in its entity's journal.</summary>
public interface ICaseEvent : ICaseMessage
{
    DateTimeOffset At { get; }
}

/// <summary>
/// The case was opened about an order; it is due (its SLA) at <paramref name="DueAt"/>. <paramref name="CustomerId"/>
/// is the order's customer, whose key seals the case's texts at rest; null in cases opened before it was recorded
/// (their texts are stored clear).
/// </summary>
public sealed record CaseOpened(string CaseId, string OrderId, CaseType Type, string Description, string? OpenedBy, DateTimeOffset DueAt, DateTimeOffset At,
    string? CustomerId = null) : ICaseEvent
{
    /// <summary>Without the description and who opened it: free text about a customer must not reach a log line.</summary>
    public override string ToString() => $"CaseOpened {{ CaseId = {CaseId}, OrderId = {OrderId}, Type = {Type}, DueAt = {DueAt:O}, At = {At:O} }}";
}

/// <summary>An operator took the case (from open, or over from another operator).</summary>
public sealed record CaseStarted(string CaseId, string Operator, DateTimeOffset At) : ICaseEvent;

/// <summary>A message was added; <paramref name="CustomerId"/> is the case's customer (null in cases opened before it was recorded).</summary>
public sealed record CaseMessageAdded(string CaseId, string MessageId, CaseAuthor Author, string Name, string Text, DateTimeOffset At, string? CustomerId = null) : ICaseEvent
{
    /// <summary>Without the author's name and the text.</summary>
    public override string ToString() => $"CaseMessageAdded {{ CaseId = {CaseId}, MessageId = {MessageId}, Author = {Author}, At = {At:O} }}";
}

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
    DateTimeOffset At,
    string? CustomerId = null) : ICaseEvent
{
    /// <summary>Without the note (free text that may be about the customer).</summary>
    public override string ToString() => $"CaseActionRequested {{ CaseId = {CaseId}, ActionId = {ActionId}, Type = {Type}, LinkedId = {LinkedId}, Amount = {Amount}, At = {At:O} }}";
}

/// <summary>What the order answered to an action: accepted or refused, with its detail.</summary>
public sealed record CaseActionCompleted(string CaseId, string ActionId, CaseActionOutcome Outcome, string Detail, DateTimeOffset At) : ICaseEvent;

/// <summary>The case was resolved with a summary; <paramref name="CustomerId"/> as on <see cref="CaseOpened"/>.</summary>
public sealed record CaseResolved(string CaseId, string Resolution, string By, DateTimeOffset At, string? CustomerId = null) : ICaseEvent
{
    /// <summary>Without the resolution's text.</summary>
    public override string ToString() => $"CaseResolved {{ CaseId = {CaseId}, By = {By}, At = {At:O} }}";
}

public sealed record CaseClosed(string CaseId, string By, DateTimeOffset At) : ICaseEvent;

/// <summary>The case was taken back into progress for a reason; <paramref name="CustomerId"/> as on <see cref="CaseOpened"/>.</summary>
public sealed record CaseReopened(string CaseId, string Reason, string By, DateTimeOffset At, string? CustomerId = null) : ICaseEvent
{
    /// <summary>Without the reason's text.</summary>
    public override string ToString() => $"CaseReopened {{ CaseId = {CaseId}, By = {By}, At = {At:O} }}";
}
