using System.Security.Claims;
using System.Collections.Immutable;
using Akka.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OrderEngine.Api.Http;
using OrderEngine.Domain;
using OrderEngine.Domain.Cases;
using OrderEngine.Engine.Cases;
using OrderEngine.Engine.Sharding;
using OrderEngine.Api.Security;

namespace OrderEngine.Api.Cases;

/// <summary>Complaint cases: open one about an order, work it, act on it, resolve and close it; operators list them by due time.</summary>
public static class CasesEndpoints
{
    public static WebApplication MapCasesApi(this WebApplication app)
    {
        app.MapPost("/api/orders/{id}/cases", OpenAsync).WithTags("cases")
            .WithSummary("Open a complaint case about an existing order (idempotent by caseId)")
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(409).ProducesProblem(503)
            .WithName("openCase").WithAccess()
            .WithDescription("Opens a complaint case about an existing order; its due time follows from its type. Idempotent by caseId: the same case again answers the case as it is, a different case under the same id is 409. Creates the case entity; the order is not changed.");
        app.MapGet("/api/orders/{id}/cases", ListOfOrderAsync).WithTags("cases")
            .WithSummary("An order's cases, by due time (read table: eventually consistent)").ProducesProblem(400)
            .WithName("listOrderCases").WithAccess()
            .WithDescription("Lists an order's cases by due time from the cases read table (eventually consistent). Read-only.");
        var cases = app.MapGroup("/api/cases").WithTags("cases").WithAccess();
        cases.MapGet("/", ListAsync).WithSummary("Cases by due time, optionally of one status and/or order (read table: eventually consistent)").ProducesProblem(400)
            .WithName("listCases")
            .WithDescription("Lists cases by due time, optionally of one status and/or one order, from the cases read table (eventually consistent). Read-only.");
        cases.MapGet("/{caseId}", GetAsync).WithSummary("Read a case (from its entity)").ProducesProblem(404)
            .WithName("getCase")
            .WithDescription("Reads one case from its entity: status, messages, actions and due time. Read-only.");
        cases.MapPost("/{caseId}/start", StartAsync).WithSummary("An operator takes the case: open → inProgress (or takes it over)")
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(409)
            .WithName("startCase")
            .WithDescription("An operator takes the case: open becomes inProgress, or another operator takes it over. Attributed to the authenticated caller (key:{name} or user:{name}); the body's operator field is accepted for older clients and ignored.");
        cases.MapPost("/{caseId}/messages", MessageAsync).WithSummary("Add a customer's or an operator's message (idempotent by messageId)")
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(409)
            .WithName("addCaseMessage")
            .WithDescription("Adds a customer's or an operator's message to the case. Idempotent by messageId: a repeat is recorded once.");
        cases.MapPost("/{caseId}/actions", ActionAsync)
            .WithSummary("Refund, reship or return through the order (idempotent by actionId); 200 with the action's outcome, 202 while the order has not answered")
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(409).ProducesProblem(503)
            .WithName("takeCaseAction")
            .WithDescription("Refunds, reships or returns through the case's order. Idempotent by actionId: a repeat answers the first action's outcome. 200 with the outcome, 202 while the order has not answered yet; changes the order as the action does (a refund, a shipment, a return). Attributed to the authenticated caller (key:{name} or user:{name}); the body's by field is accepted for older clients and ignored.");
        cases.MapPost("/{caseId}/resolve", ResolveAsync).WithSummary("Resolve an inProgress case with a summary")
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(409)
            .WithName("resolveCase")
            .WithDescription("Resolves an inProgress case with a summary; the case's status changes to resolved. Attributed to the authenticated caller (key:{name} or user:{name}); the body's by field is accepted for older clients and ignored.");
        cases.MapPost("/{caseId}/close", CloseAsync).WithSummary("Close a resolved case").ProducesProblem(400).ProducesProblem(404).ProducesProblem(409)
            .WithName("closeCase")
            .WithDescription("Closes a resolved case; its status changes to closed. Attributed to the authenticated caller (key:{name} or user:{name}); the body's by field is accepted for older clients and ignored.");
        cases.MapPost("/{caseId}/reopen", ReopenAsync).WithSummary("Take a resolved case back into progress, within the reopen window")
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(409)
            .WithName("reopenCase")
            .WithDescription("Takes a resolved case back into progress, within the reopen window; outside it, 409. Attributed to the authenticated caller (key:{name} or user:{name}); the body's by field is accepted for older clients and ignored.");
        return app;
    }

    private static async Task<Results<Created<CaseView>, Ok<CaseView>, ProblemHttpResult>> OpenAsync(
        string id, [FromBody] OpenCaseBody body, IRequiredActor<CaseRegion> region, EntityGateway gateway, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(body.CaseId))
            return Problems.Validation("the case is invalid", new Dictionary<string, string[]> { ["caseId"] = ["caseId must be " + Identifiers.EntityIdRule] });
        var reply = await gateway.Ask<ICaseReply>(region.ActorRef,
            new OpenCase(body.CaseId!, id, ParseEnum<CaseType>(body.Type), body.Description ?? "", body.OpenedBy), ct);
        return reply switch
        {
            CaseAccepted { Repeat: true } a => TypedResults.Ok(a.View),
            CaseAccepted a => TypedResults.Created($"/api/cases/{a.CaseId}", a.View),
            CaseRefused r => Problem(r.Rejection),
            _ => throw new InvalidOperationException($"unexpected reply {reply.GetType().Name}"),
        };
    }

    private static async Task<Results<Ok<CaseView>, ProblemHttpResult>> GetAsync(
        string caseId, IRequiredActor<CaseRegion> region, EntityGateway gateway, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(caseId)) return NoSuchCase(caseId);
        return Map(await gateway.Ask<ICaseReply>(region.ActorRef, new GetCase(caseId), ct));
    }

    private static async Task<Results<Ok<CaseView>, ProblemHttpResult>> StartAsync(
        string caseId, [FromBody] StartCaseBody body, IRequiredActor<CaseRegion> region, EntityGateway gateway, ClaimsPrincipal user, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(caseId)) return NoSuchCase(caseId);
        return Map(await gateway.Ask<ICaseReply>(region.ActorRef, new StartCase(caseId, user.Actor()), ct));
    }

    private static async Task<Results<Ok<CaseView>, ProblemHttpResult>> MessageAsync(
        string caseId, [FromBody] CaseMessageBody body, IRequiredActor<CaseRegion> region, EntityGateway gateway, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(caseId)) return NoSuchCase(caseId);
        return Map(await gateway.Ask<ICaseReply>(region.ActorRef,
            new AddCaseMessage(caseId, body.MessageId ?? "", ParseEnum<CaseAuthor>(body.Author), body.Name ?? "", body.Text ?? ""), ct));
    }

    private static async Task<Results<Ok<CaseView>, Accepted<CaseView>, ProblemHttpResult>> ActionAsync(
        string caseId, [FromBody] CaseActionBody body, IRequiredActor<CaseRegion> region, EntityGateway gateway, ClaimsPrincipal user, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(caseId)) return NoSuchCase(caseId);
        var lines = body.Lines?.Select(l => l is null ? null! : new CaseLine(l.Sku ?? "", l.Quantity)).ToImmutableArray() ?? [];
        var reply = await gateway.Ask<ICaseReply>(region.ActorRef,
            new RequestCaseAction(caseId, body.ActionId ?? "", ParseEnum<CaseActionType>(body.Type), body.Amount, lines, user.Actor(), body.Note), ct);
        return reply switch
        {
            CaseAccepted a when a.View.Actions.Any(x => x.ActionId == body.ActionId && x.Outcome == CaseActionOutcome.Pending) =>
                TypedResults.Accepted($"/api/cases/{caseId}", a.View),
            CaseAccepted a => TypedResults.Ok(a.View),
            CaseRefused r => Problem(r.Rejection),
            _ => throw new InvalidOperationException($"unexpected reply {reply.GetType().Name}"),
        };
    }

    private static async Task<Results<Ok<CaseView>, ProblemHttpResult>> ResolveAsync(
        string caseId, [FromBody] ResolveCaseBody body, IRequiredActor<CaseRegion> region, EntityGateway gateway, ClaimsPrincipal user, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(caseId)) return NoSuchCase(caseId);
        return Map(await gateway.Ask<ICaseReply>(region.ActorRef, new ResolveCase(caseId, body.Resolution ?? "", user.Actor()), ct));
    }

    private static async Task<Results<Ok<CaseView>, ProblemHttpResult>> CloseAsync(
        string caseId, [FromBody] CloseCaseBody body, IRequiredActor<CaseRegion> region, EntityGateway gateway, ClaimsPrincipal user, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(caseId)) return NoSuchCase(caseId);
        return Map(await gateway.Ask<ICaseReply>(region.ActorRef, new CloseCase(caseId, user.Actor()), ct));
    }

    private static async Task<Results<Ok<CaseView>, ProblemHttpResult>> ReopenAsync(
        string caseId, [FromBody] ReopenCaseBody body, IRequiredActor<CaseRegion> region, EntityGateway gateway, ClaimsPrincipal user, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(caseId)) return NoSuchCase(caseId);
        return Map(await gateway.Ask<ICaseReply>(region.ActorRef, new ReopenCase(caseId, body.Reason ?? "", user.Actor()), ct));
    }

    private static Task<Results<Ok<CaseListPage>, ProblemHttpResult>> ListAsync(
        string? status, string? orderId, int? limit, int? offset, CaseProjectionStore store, TimeProvider clock, CancellationToken ct) =>
        ListCoreAsync(status, orderId, limit, offset, store, clock, ct);

    private static async Task<Results<Ok<CaseListPage>, ProblemHttpResult>> ListOfOrderAsync(
        string id, string? status, int? limit, int? offset, CaseProjectionStore store, TimeProvider clock, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(id))
            return Problems.Validation("the order id is invalid", new Dictionary<string, string[]> { ["id"] = ["order id must be " + Identifiers.EntityIdRule] });
        return await ListCoreAsync(status, id, limit, offset, store, clock, ct);
    }

    private static async Task<Results<Ok<CaseListPage>, ProblemHttpResult>> ListCoreAsync(
        string? status, string? orderId, int? limit, int? offset, CaseProjectionStore store, TimeProvider clock, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        CaseStatus? wanted = null;
        if (status is not null)
        {
            var parsed = ParseEnum<CaseStatus>(status);
            if (parsed is CaseStatus.None || !Enum.IsDefined(parsed)) errors["status"] = ["status must be open, inProgress, resolved or closed"];
            else wanted = parsed;
        }
        if (orderId is not null && !Identifiers.IsValidEntityId(orderId)) errors["orderId"] = ["orderId must be " + Identifiers.EntityIdRule];
        var take = limit ?? CaseProjectionStore.DefaultLimit;
        if (take is < 1 or > CaseProjectionStore.MaxLimit) errors["limit"] = [$"limit must be between 1 and {CaseProjectionStore.MaxLimit}"];
        var skip = offset ?? 0;
        if (skip < 0) errors["offset"] = ["offset must be 0 or more"];
        if (errors.Count > 0) return Problems.Validation("the query is invalid", errors);
        // One row more than asked tells whether another page follows.
        var rows = await store.ListAsync(wanted, orderId, take + 1, skip, clock.GetUtcNow(), ct);
        var page = rows.Take(take).ToList();
        return TypedResults.Ok(new CaseListPage(page, rows.Count > take ? skip + take : null));
    }

    /// <summary>A name of an enum member, case-insensitive; anything else (numbers included) is an undefined value the decider refuses.</summary>
    private static T ParseEnum<T>(string? value) where T : struct, Enum =>
        value is { Length: > 0 } && value.All(char.IsAsciiLetter) && Enum.TryParse<T>(value, ignoreCase: true, out var parsed) ? parsed : (T)(object)(-1);

    private static Results<Ok<CaseView>, ProblemHttpResult> Map(ICaseReply reply) => reply switch
    {
        CaseAccepted a => TypedResults.Ok(a.View),
        CaseRefused r => Problem(r.Rejection),
        _ => throw new InvalidOperationException($"unexpected reply {reply.GetType().Name}"),
    };

    private static ProblemHttpResult NoSuchCase(string caseId) => Problem(CaseRejection.Of(CaseRejectionCode.NotFound, $"case {caseId} does not exist"));

    /// <summary>A case refusal as RFC 9457 problem details.</summary>
    public static ProblemHttpResult Problem(CaseRejection r) => r.Code switch
    {
        CaseRejectionCode.Invalid when !r.Errors.IsDefaultOrEmpty => Problems.Validation(r.Message,
            r.Errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray())),
        CaseRejectionCode.Invalid => Problems.Of(400, r.Code.ToString(), "The request is invalid", r.Message),
        CaseRejectionCode.NotFound => Problems.Of(404, r.Code.ToString(), "Not found", r.Message),
        CaseRejectionCode.IdempotencyConflict => Problems.Of(409, r.Code.ToString(), "Id reused with a different request", r.Message),
        CaseRejectionCode.Unavailable => Problems.Unavailable(r.Message),
        _ => Problems.Of(409, r.Code.ToString(), "The case's status does not allow this", r.Message),
    };
}
