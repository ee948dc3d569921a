using System.Collections.Immutable;
using OrderEngine.Domain.Orders;

namespace OrderEngine.Domain.Cases;

/// <summary>The rules of one complaint case: decide a command against the state, evolve the state by an event.</summary>
public static class CaseDecider
{
    public static Decision<ICaseEvent, CaseRejection> Decide(CaseState state, ICaseCommand command, DateTimeOffset now, CaseRules rules) =>
        command.CaseId != state.CaseId
            ? Reject(CaseRejectionCode.Invalid, $"command for case {command.CaseId} reached the entity of case {state.CaseId}")
            : command switch
            {
                OpenCase c => DecideOpen(state, c, now, rules),
                StartCase c => DecideStart(state, c, now),
                AddCaseMessage c => DecideMessage(state, c, now, rules),
                RequestCaseAction c => DecideAction(state, c, now, rules),
                CompleteCaseAction c => DecideComplete(state, c, now),
                ResolveCase c => DecideResolve(state, c, now),
                CloseCase c => DecideClose(state, c, now),
                ReopenCase c => DecideReopen(state, c, now, rules),
                _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "unknown case command"),
            };

    private static Decision<ICaseEvent, CaseRejection> Done => Decision<ICaseEvent, CaseRejection>.AlreadyDone;

    private static Decision<ICaseEvent, CaseRejection> Accept(params ICaseEvent[] e) => Decision<ICaseEvent, CaseRejection>.Accept(e);

    private static Decision<ICaseEvent, CaseRejection> Reject(CaseRejectionCode code, string message) =>
        Decision<ICaseEvent, CaseRejection>.Reject(CaseRejection.Of(code, message));

    private static Decision<ICaseEvent, CaseRejection> Invalid(List<FieldError> errors) =>
        Decision<ICaseEvent, CaseRejection>.Reject(new CaseRejection(CaseRejectionCode.Invalid, string.Join("; ", errors.Select(e => e.Message)), [.. errors]));

    private static Decision<ICaseEvent, CaseRejection> Invalid(string field, string message) => Invalid([new FieldError(field, message)]);

    private static Decision<ICaseEvent, CaseRejection> NotFound(CaseState s) => Reject(CaseRejectionCode.NotFound, $"case {s.CaseId} does not exist");

    private static Decision<ICaseEvent, CaseRejection> WrongState(CaseState s, string wants) =>
        Reject(CaseRejectionCode.InvalidState, $"case {s.CaseId} is {Lower(s.Status)}; {wants}");

    public static string Lower(CaseStatus status) => status switch
    {
        CaseStatus.InProgress => "inProgress",
        _ => status.ToString().ToLowerInvariant(),
    };

    private static bool IsName(string? value) => !string.IsNullOrWhiteSpace(value) && value.Length <= CaseRules.MaxNameLength && !value.Any(char.IsControl);

    // ---- open ------------------------------------------------------------------------------------------------------

    /// <summary>Field-by-field validation of an opening, by JSON name; the entity runs it before it looks the order up.</summary>
    public static List<FieldError> Validate(OpenCase c)
    {
        var errors = new List<FieldError>();
        if (!Identifiers.IsValidEntityId(c.CaseId)) errors.Add(new("caseId", "caseId must be " + Identifiers.EntityIdRule));
        if (!Identifiers.IsValidEntityId(c.OrderId)) errors.Add(new("orderId", "orderId must be " + Identifiers.EntityIdRule));
        if (!Enum.IsDefined(c.Type)) errors.Add(new("type", "type must be damaged, missing, late, wrongItem or other"));
        if (string.IsNullOrWhiteSpace(c.Description) || c.Description.Length > CaseRules.MaxDescriptionLength)
            errors.Add(new("description", $"description is required (at most {CaseRules.MaxDescriptionLength} characters)"));
        if (c.OpenedBy is not null && !IsName(c.OpenedBy)) errors.Add(new("openedBy", $"openedBy must be 1-{CaseRules.MaxNameLength} printable characters"));
        return errors;
    }

    /// <summary>Opens the case; the entity has checked the order exists (a case always belongs to an existing order).</summary>
    private static Decision<ICaseEvent, CaseRejection> DecideOpen(CaseState s, OpenCase c, DateTimeOffset now, CaseRules rules)
    {
        var errors = Validate(c);
        if (errors.Count > 0) return Invalid(errors);
        if (s.Opened is { } o)
        {
            return o.OrderId == c.OrderId && o.Type == c.Type && o.Description == c.Description && o.OpenedBy == c.OpenedBy
                ? Done
                : Reject(CaseRejectionCode.IdempotencyConflict, $"case {c.CaseId} was already opened with a different request; use a new caseId for a new case");
        }
        return Accept(new CaseOpened(c.CaseId, c.OrderId, c.Type, c.Description, c.OpenedBy, rules.DueAt(c.Type, now), now, c.CustomerId));
    }

    // ---- work --------------------------------------------------------------------------------------------------------

    private static Decision<ICaseEvent, CaseRejection> DecideStart(CaseState s, StartCase c, DateTimeOffset now)
    {
        if (!IsName(c.Operator)) return Invalid("operator", $"operator is required (1-{CaseRules.MaxNameLength} printable characters)");
        if (!s.Exists) return NotFound(s);
        return s.Status switch
        {
            CaseStatus.Open => Accept(new CaseStarted(s.CaseId, c.Operator, now)),
            // Taken by this operator already: a repeat; another operator takes it over.
            CaseStatus.InProgress => s.Assignee == c.Operator ? Done : Accept(new CaseStarted(s.CaseId, c.Operator, now)),
            _ => WrongState(s, "only an open or inProgress case can be started or assigned (reopen a resolved case first)"),
        };
    }

    private static Decision<ICaseEvent, CaseRejection> DecideMessage(CaseState s, AddCaseMessage c, DateTimeOffset now, CaseRules rules)
    {
        var errors = new List<FieldError>();
        if (!Identifiers.IsValidEntityId(c.MessageId)) errors.Add(new("messageId", "messageId must be " + Identifiers.EntityIdRule));
        if (!Enum.IsDefined(c.Author)) errors.Add(new("author", "author must be customer or operator"));
        if (!IsName(c.Name)) errors.Add(new("name", $"name is required (1-{CaseRules.MaxNameLength} printable characters)"));
        if (string.IsNullOrWhiteSpace(c.Text) || c.Text.Length > CaseRules.MaxTextLength)
            errors.Add(new("text", $"text is required (at most {CaseRules.MaxTextLength} characters)"));
        if (errors.Count > 0) return Invalid(errors);
        if (!s.Exists) return NotFound(s);
        if (s.Messages.FirstOrDefault(m => m.MessageId == c.MessageId) is { } existing)
        {
            return existing.Author == c.Author && existing.Name == c.Name && existing.Text == c.Text
                ? Done
                : Reject(CaseRejectionCode.IdempotencyConflict, $"message {c.MessageId} was already added with a different content");
        }
        if (s.Status == CaseStatus.Closed) return WrongState(s, "a closed case takes no more messages");
        if (s.Messages.Length >= rules.MaxMessages) return Reject(CaseRejectionCode.InvalidState, $"case {s.CaseId} has the most messages a case may have ({rules.MaxMessages})");
        return Accept(new CaseMessageAdded(s.CaseId, c.MessageId, c.Author, c.Name, c.Text, now, s.CustomerId));
    }

    // ---- actions -----------------------------------------------------------------------------------------------------

    /// <summary>Validation of an action's shape (the order judges amounts and lines against what it has).</summary>
    public static List<FieldError> Validate(RequestCaseAction c, CaseRules rules)
    {
        var errors = new List<FieldError>();
        if (!Identifiers.IsValidEntityId(c.ActionId)) errors.Add(new("actionId", "actionId must be " + Identifiers.EntityIdRule));
        if (!Enum.IsDefined(c.Type)) errors.Add(new("type", "type must be refund, reship or return"));
        if (!IsName(c.By)) errors.Add(new("by", $"by is required (1-{CaseRules.MaxNameLength} printable characters)"));
        if (c.Note is { Length: > 500 }) errors.Add(new("note", "note must be at most 500 characters"));
        var lines = c.Lines.IsDefault ? [] : c.Lines;
        if (c.Type is CaseActionType.Reship or CaseActionType.Return && lines.IsEmpty)
            errors.Add(new("lines", $"a {c.Type.ToString().ToLowerInvariant()} needs at least one line"));
        if (c.Type is CaseActionType.Reship or CaseActionType.Return && c.Amount is not null)
            errors.Add(new("amount", "only a refund has an amount"));
        if (c.Type == CaseActionType.Refund && c.Amount is not null && !lines.IsEmpty)
            errors.Add(new("amount", "give lines or an amount, not both"));
        if (c.Amount is { } amount && (amount <= 0 || amount > OrderRules.MaxUnitPrice))
            errors.Add(new("amount", $"amount must be positive and at most {OrderRules.MaxUnitPrice}"));
        if (lines.Length > rules.MaxLines) errors.Add(new("lines", $"at most {rules.MaxLines} lines"));
        else
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < lines.Length; i++)
            {
                var l = lines[i];
                if (l is null)
                {
                    errors.Add(new($"lines[{i}]", "a line must be an object with sku and quantity"));
                    continue;
                }
                if (!Identifiers.IsValidEntityId(l.Sku)) errors.Add(new($"lines[{i}].sku", "sku must be " + Identifiers.EntityIdRule));
                else if (!seen.Add(l.Sku)) errors.Add(new($"lines[{i}].sku", $"SKU {l.Sku} appears on more than one line"));
                if (l.Quantity < 1 || l.Quantity > 10_000) errors.Add(new($"lines[{i}].quantity", "quantity must be between 1 and 10000"));
            }
        }
        return errors;
    }

    private static Decision<ICaseEvent, CaseRejection> DecideAction(CaseState s, RequestCaseAction c, DateTimeOffset now, CaseRules rules)
    {
        var errors = Validate(c, rules);
        if (errors.Count > 0) return Invalid(errors);
        if (!s.Exists) return NotFound(s);
        var lines = c.Lines.IsDefault ? [] : c.Lines;
        if (s.Actions.FirstOrDefault(a => a.ActionId == c.ActionId) is { } existing)
        {
            return existing.Type == c.Type && existing.Amount == c.Amount && existing.Lines.SequenceEqual(lines)
                ? Done
                : Reject(CaseRejectionCode.IdempotencyConflict, $"action {c.ActionId} was already requested differently");
        }
        if (s.Status != CaseStatus.InProgress)
            return WrongState(s, s.Status == CaseStatus.Open ? "start it (assign an operator) before acting on it" : "actions are taken on an inProgress case");
        if (s.Actions.Length >= rules.MaxActions) return Reject(CaseRejectionCode.InvalidState, $"case {s.CaseId} has the most actions a case may have ({rules.MaxActions})");
        return Accept(new CaseActionRequested(s.CaseId, c.ActionId, c.Type, CaseRules.LinkedIdOf(s.CaseId, c.ActionId, c.Type), c.Amount, lines, c.By, c.Note, now, s.CustomerId));
    }

    private static Decision<ICaseEvent, CaseRejection> DecideComplete(CaseState s, CompleteCaseAction c, DateTimeOffset now)
    {
        if (!s.Exists) return NotFound(s);
        var action = s.Actions.FirstOrDefault(a => a.ActionId == c.ActionId);
        if (action is null) return Reject(CaseRejectionCode.NotFound, $"case {s.CaseId} has no action {c.ActionId}");
        // The order's first answer is the one recorded: a late or repeated answer changes nothing.
        if (action.Outcome != CaseActionOutcome.Pending) return Done;
        if (c.Outcome is not (CaseActionOutcome.Accepted or CaseActionOutcome.Refused))
            return Reject(CaseRejectionCode.Invalid, "an action completes accepted or refused");
        return Accept(new CaseActionCompleted(s.CaseId, c.ActionId, c.Outcome, c.Detail, now));
    }

    // ---- resolve, close, reopen --------------------------------------------------------------------------------------

    private static Decision<ICaseEvent, CaseRejection> DecideResolve(CaseState s, ResolveCase c, DateTimeOffset now)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(c.Resolution) || c.Resolution.Length > CaseRules.MaxDescriptionLength)
            errors.Add(new("resolution", $"resolution is required (at most {CaseRules.MaxDescriptionLength} characters)"));
        if (!IsName(c.By)) errors.Add(new("by", $"by is required (1-{CaseRules.MaxNameLength} printable characters)"));
        if (errors.Count > 0) return Invalid(errors);
        if (!s.Exists) return NotFound(s);
        if (s.Status == CaseStatus.Resolved)
            return s.Resolution == c.Resolution ? Done : WrongState(s, "it was resolved with another resolution; reopen it first");
        if (s.Status != CaseStatus.InProgress) return WrongState(s, "only an inProgress case can be resolved");
        if (s.PendingActions.Any()) return WrongState(s, "an action is still waiting for its order's answer; retry shortly");
        return Accept(new CaseResolved(s.CaseId, c.Resolution, c.By, now, s.CustomerId));
    }

    private static Decision<ICaseEvent, CaseRejection> DecideClose(CaseState s, CloseCase c, DateTimeOffset now)
    {
        if (!IsName(c.By)) return Invalid("by", $"by is required (1-{CaseRules.MaxNameLength} printable characters)");
        if (!s.Exists) return NotFound(s);
        return s.Status switch
        {
            CaseStatus.Resolved => Accept(new CaseClosed(s.CaseId, c.By, now)),
            CaseStatus.Closed => Done,
            _ => WrongState(s, "only a resolved case can be closed"),
        };
    }

    private static Decision<ICaseEvent, CaseRejection> DecideReopen(CaseState s, ReopenCase c, DateTimeOffset now, CaseRules rules)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(c.Reason) || c.Reason.Length > 500) errors.Add(new("reason", "reason is required (at most 500 characters)"));
        if (!IsName(c.By)) errors.Add(new("by", $"by is required (1-{CaseRules.MaxNameLength} printable characters)"));
        if (errors.Count > 0) return Invalid(errors);
        if (!s.Exists) return NotFound(s);
        // Reopened for this reason and not resolved since: a repeat.
        if (s.Status == CaseStatus.InProgress && s.LastReopenReason == c.Reason) return Done;
        if (s.Status != CaseStatus.Resolved) return WrongState(s, "only a resolved case can be reopened");
        if (now > s.ResolvedAt!.Value + rules.ReopenWindow)
            return WrongState(s, $"it was resolved at {s.ResolvedAt:O}, more than {rules.ReopenWindow} ago; open a new case");
        return Accept(new CaseReopened(s.CaseId, c.Reason, c.By, now, s.CustomerId));
    }

    // ---- evolve ------------------------------------------------------------------------------------------------------

    public static CaseState Evolve(CaseState s, ICaseEvent e) => e switch
    {
        CaseOpened x => s with
        {
            Status = CaseStatus.Open,
            Opened = x,
            History = s.History.Add(new(CaseStatus.Open, x.At, x.OpenedBy, null)),
            UpdatedAt = x.At,
        },
        CaseStarted x => s with
        {
            Status = CaseStatus.InProgress,
            Assignee = x.Operator,
            History = s.History.Add(new(CaseStatus.InProgress, x.At, x.Operator, s.Status == CaseStatus.InProgress ? "assigned to " + x.Operator : null)),
            UpdatedAt = x.At,
        },
        CaseMessageAdded x => s with { Messages = s.Messages.Add(new(x.MessageId, x.Author, x.Name, x.Text, x.At)), UpdatedAt = x.At },
        CaseActionRequested x => s with
        {
            Actions = s.Actions.Add(new CaseAction(x.ActionId, x.Type, x.LinkedId, x.Amount, x.Lines, x.By, x.Note,
                CaseActionOutcome.Pending, null, x.At, null)),
            UpdatedAt = x.At,
        },
        CaseActionCompleted x => s with
        {
            Actions = s.Actions.Select(a => a.ActionId == x.ActionId ? a with { Outcome = x.Outcome, Detail = x.Detail, CompletedAt = x.At } : a).ToImmutableArray(),
            UpdatedAt = x.At,
        },
        CaseResolved x => s with
        {
            Status = CaseStatus.Resolved,
            Resolution = x.Resolution,
            ResolvedBy = x.By,
            ResolvedAt = x.At,
            LastReopenReason = null,
            History = s.History.Add(new(CaseStatus.Resolved, x.At, x.By, x.Resolution)),
            UpdatedAt = x.At,
        },
        CaseClosed x => s with { Status = CaseStatus.Closed, ClosedAt = x.At, History = s.History.Add(new(CaseStatus.Closed, x.At, x.By, null)), UpdatedAt = x.At },
        CaseReopened x => s with
        {
            Status = CaseStatus.InProgress,
            Resolution = null,
            ResolvedBy = null,
            ResolvedAt = null,
            LastReopenReason = x.Reason,
            History = s.History.Add(new(CaseStatus.InProgress, x.At, x.By, "reopened: " + x.Reason)),
            UpdatedAt = x.At,
        },
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name, "unknown case event"),
    };

    /// <summary>Folds events into a state, as recovery does.</summary>
    public static CaseState Fold(CaseState s, IEnumerable<ICaseEvent> events)
    {
        foreach (var e in events) s = Evolve(s, e);
        return s;
    }
}
