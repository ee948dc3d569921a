namespace OrderEngine.Api.Cases;

/// <summary>The body of POST /api/orders/{id}/cases. <c>type</c>: damaged, missing, late, wrongItem or other.</summary>
public sealed record OpenCaseBody(string? CaseId, string? Type, string? Description, string? OpenedBy);

/// <summary>The body of POST /api/cases/{caseId}/start: the operator who takes the case.</summary>
public sealed record StartCaseBody(string? Operator);

/// <summary>The body of POST /api/cases/{caseId}/messages. <c>author</c>: customer or operator.</summary>
public sealed record CaseMessageBody(string? MessageId, string? Author, string? Name, string? Text);

/// <summary>The body of POST /api/cases/{caseId}/actions. <c>type</c>: refund (amount, lines or neither), reship (lines), return (lines).</summary>
public sealed record CaseActionBody(string? ActionId, string? Type, decimal? Amount, List<CaseLineBody?>? Lines, string? By, string? Note);

/// <summary>A line of an action.</summary>
public sealed record CaseLineBody(string? Sku, int Quantity);

/// <summary>The body of POST /api/cases/{caseId}/resolve.</summary>
public sealed record ResolveCaseBody(string? Resolution, string? By);

/// <summary>The body of POST /api/cases/{caseId}/close.</summary>
public sealed record CloseCaseBody(string? By);

/// <summary>The body of POST /api/cases/{caseId}/reopen.</summary>
public sealed record ReopenCaseBody(string? Reason, string? By);

/// <summary>A page of the case list: rows by due time, and the offset of the next page (null on the last page).</summary>
public sealed record CaseListPage(IReadOnlyList<OrderEngine.Engine.Cases.CaseRow> Items, int? NextOffset);
