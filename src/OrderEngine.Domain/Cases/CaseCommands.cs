using System.Collections.Immutable;

namespace OrderEngine.Domain.Cases;

/// <summary>A message addressed to one case entity.</summary>
public interface ICaseMessage : IOrderEngineMessage
{
    string CaseId { get; }
}

/// <summary>A command the case entity decides on.</summary>
public interface ICaseCommand : ICaseMessage;

/// <summary>What a customer complains about.</summary>
public enum CaseType
{
    Damaged,
    Missing,
    Late,
    WrongItem,
    Other,
}

/// <summary>Who wrote a message on a case.</summary>
public enum CaseAuthor
{
    Customer,
    Operator,
}

/// <summary>What an operator does about a case.</summary>
public enum CaseActionType
{
    /// <summary>Money back through the order's refund (<c>RequestRefund</c>).</summary>
    Refund,

    /// <summary>A linked replacement order, placed at no charge.</summary>
    Reship,

    /// <summary>Goods to come back; recorded as requested until the returns lifecycle exists.</summary>
    Return,
}

/// <summary>One line of an action: a SKU of the case's order and how many of its units.</summary>
public sealed record CaseLine(string Sku, int Quantity);

/// <summary>
/// Opens a complaint about an existing order. The case id is the client's: a repeat with the same body is answered
/// as before, another body under the same id is an idempotency conflict. The entity checks the order exists first and
/// sets <paramref name="CustomerId"/> to the order's customer (callers do not give it).
/// </summary>
public sealed record OpenCase(string CaseId, string OrderId, CaseType Type, string Description, string? OpenedBy = null, string? CustomerId = null) : ICaseCommand
{
    /// <summary>Without the description and who opened it.</summary>
    public override string ToString() => $"OpenCase {{ CaseId = {CaseId}, OrderId = {OrderId}, Type = {Type} }}";
}

/// <summary>An operator takes the case (open → in progress), or another operator takes it over.</summary>
public sealed record StartCase(string CaseId, string Operator) : ICaseCommand;

/// <summary>A message from the customer or an operator; the message id makes a retry count once.</summary>
public sealed record AddCaseMessage(string CaseId, string MessageId, CaseAuthor Author, string Name, string Text) : ICaseCommand
{
    /// <summary>Without the author's name and the text.</summary>
    public override string ToString() => $"AddCaseMessage {{ CaseId = {CaseId}, MessageId = {MessageId}, Author = {Author} }}";
}

/// <summary>
/// Asks for a resolution action: a refund (an amount, lines, or neither for all that is left), a reship of lines, or a
/// return of lines. The action id makes a retry count once; what the action did is recorded on the case.
/// </summary>
public sealed record RequestCaseAction(
    string CaseId,
    string ActionId,
    CaseActionType Type,
    decimal? Amount,
    ImmutableArray<CaseLine> Lines,
    string By,
    string? Note = null) : ICaseCommand;

/// <summary>The case entity records what the order answered to an action it carried out.</summary>
public sealed record CompleteCaseAction(string CaseId, string ActionId, CaseActionOutcome Outcome, string Detail) : ICaseCommand;

/// <summary>An operator resolves the case with a summary (in progress → resolved).</summary>
public sealed record ResolveCase(string CaseId, string Resolution, string By) : ICaseCommand;

/// <summary>Closes a resolved case (resolved → closed); closed is final.</summary>
public sealed record CloseCase(string CaseId, string By) : ICaseCommand;

/// <summary>Takes a resolved case back into progress, within the reopen window after its resolution.</summary>
public sealed record ReopenCase(string CaseId, string Reason, string By) : ICaseCommand;

/// <summary>Asks for a case's current view.</summary>
public sealed record GetCase(string CaseId) : ICaseMessage;
