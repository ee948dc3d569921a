using System.Collections.Immutable;
using OrderEngine.Domain.Orders;

namespace OrderEngine.Domain.Cases;

public enum CaseRejectionCode
{
    /// <summary>The command itself is malformed (see the field errors).</summary>
    Invalid,
    /// <summary>No such case, or (when opening) no such order.</summary>
    NotFound,
    /// <summary>The same case, message or action id was used for a different request.</summary>
    IdempotencyConflict,
    /// <summary>The case's status does not allow the command.</summary>
    InvalidState,
    /// <summary>The order did not answer in time; nothing changed, retry.</summary>
    Unavailable,
}

/// <summary>Why a case command was refused; a refusal changes nothing.</summary>
public sealed record CaseRejection(CaseRejectionCode Code, string Message, ImmutableArray<FieldError> Errors)
{
    public static CaseRejection Of(CaseRejectionCode code, string message) => new(code, message, []);
}

/// <summary>A case entity's answer.</summary>
public interface ICaseReply : ICaseMessage;

/// <summary>The command took effect (or had already: <paramref name="Repeat"/>) and is durable; the case as it now stands.</summary>
public sealed record CaseAccepted(string CaseId, CaseView View, bool Repeat = false) : ICaseReply;

/// <summary>The command was refused and changed nothing.</summary>
public sealed record CaseRefused(string CaseId, CaseRejection Rejection) : ICaseReply;

/// <summary>A case as shown to clients; <paramref name="Overdue"/> is computed at the time of the answer.</summary>
public sealed record CaseView(
    string Id,
    string OrderId,
    CaseType Type,
    CaseStatus Status,
    string Description,
    string? OpenedBy,
    DateTimeOffset OpenedAt,
    DateTimeOffset DueAt,
    bool Overdue,
    string? Assignee,
    ImmutableArray<CaseMessage> Messages,
    ImmutableArray<CaseAction> Actions,
    string? Resolution,
    DateTimeOffset? ResolvedAt,
    DateTimeOffset? ClosedAt,
    ImmutableArray<CaseStatusChange> History,
    DateTimeOffset UpdatedAt)
{
    public static CaseView From(CaseState s, DateTimeOffset now)
    {
        var o = s.Opened ?? throw new InvalidOperationException($"case {s.CaseId} was never opened");
        return new CaseView(s.CaseId, o.OrderId, o.Type, s.Status, o.Description, o.OpenedBy, o.At, o.DueAt, s.IsOverdue(now), s.Assignee,
            s.Messages, s.Actions, s.Resolution, s.ResolvedAt, s.ClosedAt, s.History, s.UpdatedAt);
    }
}
