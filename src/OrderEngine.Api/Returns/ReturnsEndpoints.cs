using System.Security.Claims;
using System.Collections.Immutable;
using Akka.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OrderEngine.Api.Http;
using OrderEngine.Domain;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Returns;
using OrderEngine.Domain.Shipments;
using OrderEngine.Engine.Sharding;
using OrderEngine.Api.Security;

namespace OrderEngine.Api.Returns;

/// <summary>/api/orders/{id}/returns: request a return of delivered goods, and take it through approval, transit, receipt, inspection and resolution.</summary>
public static class ReturnsEndpoints
{
    public static WebApplication MapReturnsApi(this WebApplication app)
    {
        var returns = app.MapGroup("/api/orders/{id}/returns").WithTags("returns").WithAccess();
        returns.MapPost("", RequestAsync)
            .WithSummary("Request a return of delivered units (resolution refund or exchange); idempotent by returnId")
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(409).ProducesProblem(422)
            .WithName("requestReturn")
            .WithDescription("Requests a return of delivered units, resolved by a refund or an exchange. Idempotent by returnId: the same request again answers the return, a different one under the same id is 422.");
        returns.MapGet("/{returnId}", (string id, string returnId, IRequiredActor<ReturnRegion> region, EntityGateway gateway, CancellationToken ct) =>
                Send(id, returnId, new GetReturn(id, returnId), region, gateway, ct))
            .WithSummary("A return: its lines, status, inspection and resolution").ProducesProblem(404)
            .WithName("getReturn")
            .WithDescription("A return's lines, status, inspection and resolution. Read-only.");
        returns.MapGet("/{returnId}/tracking", TrackingAsync)
            .WithSummary("The return's parcel, tracked like a shipment's: status, estimated delivery and the carrier's events").ProducesProblem(404)
            .WithName("getReturnTracking")
            .WithDescription("The return parcel's tracking, like a shipment's: status, estimated delivery and the carrier's events. Read-only.");
        returns.MapPost("/{returnId}/approve", (string id, string returnId, [FromBody] ByBody body, IRequiredActor<ReturnRegion> region, EntityGateway gateway, ClaimsPrincipal user, CancellationToken ct) =>
                Send(id, returnId, new ApproveReturn(id, returnId, user.Actor()), region, gateway, ct))
            .WithSummary("An operator approves a requested return").ProducesProblem(400).ProducesProblem(404).ProducesProblem(409)
            .WithName("approveReturn")
            .WithDescription("An operator approves a requested return. Repeating it changes nothing. Attributed to the authenticated caller (key:{name} or user:{name}); the body's by field is accepted for older clients and ignored.");
        returns.MapPost("/{returnId}/reject", (string id, string returnId, [FromBody] RejectBody body, IRequiredActor<ReturnRegion> region, EntityGateway gateway, ClaimsPrincipal user, CancellationToken ct) =>
                Send(id, returnId, new RejectReturn(id, returnId, user.Actor(), body.Reason ?? ""), region, gateway, ct))
            .WithSummary("An operator rejects a requested return; its units may be returned again").ProducesProblem(400).ProducesProblem(404).ProducesProblem(409)
            .WithName("rejectReturn")
            .WithDescription("An operator rejects a requested return; its units may be returned again. Repeating it changes nothing. Attributed to the authenticated caller (key:{name} or user:{name}); the body's by field is accepted for older clients and ignored.");
        returns.MapPost("/{returnId}/shipment", (string id, string returnId, [FromBody] ReturnShipmentBody body, IRequiredActor<ReturnRegion> region, EntityGateway gateway, CancellationToken ct) =>
                Send(id, returnId, new RecordReturnShipment(id, returnId, body.Carrier ?? "", body.TrackingNumber ?? ""), region, gateway, ct))
            .WithSummary("The customer sent the goods back: carrier and tracking number").ProducesProblem(400).ProducesProblem(404).ProducesProblem(409)
            .WithName("recordReturnShipment")
            .WithDescription("Records that the customer sent the goods back, with carrier and tracking number; the parcel is then tracked. Repeating it changes nothing.");
        returns.MapPost("/{returnId}/receive", (string id, string returnId, [FromBody] ByBody body, IRequiredActor<ReturnRegion> region, EntityGateway gateway, ClaimsPrincipal user, CancellationToken ct) =>
                Send(id, returnId, new MarkReturnReceived(id, returnId, user.Actor()), region, gateway, ct))
            .WithSummary("The warehouse received the returned goods").ProducesProblem(400).ProducesProblem(404).ProducesProblem(409)
            .WithName("receiveReturn")
            .WithDescription("The warehouse received the returned goods. Repeating it changes nothing. Attributed to the authenticated caller (key:{name} or user:{name}); the body's by field is accepted for older clients and ignored.");
        returns.MapPost("/{returnId}/inspect", InspectAsync)
            .WithSummary("The warehouse judged every returned unit restockable or not; restockable units go back on hand")
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(409).ProducesProblem(422)
            .WithName("inspectReturn")
            .WithDescription("The warehouse judged every returned unit restockable or not; restockable units go back on hand. Repeating the same inspection changes nothing, a different one is 422. Attributed to the authenticated caller (key:{name} or user:{name}); the body's by field is accepted for older clients and ignored.");
        returns.MapPost("/{returnId}/resolve", (string id, string returnId, [FromBody] ByBody body, IRequiredActor<ReturnRegion> region, EntityGateway gateway, ClaimsPrincipal user, CancellationToken ct) =>
                Send(id, returnId, new ResolveReturn(id, returnId, user.Actor()), region, gateway, ct))
            .WithSummary("Refund the returned units through the payment's provider, or place the exchange's replacement order")
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(409).ProducesProblem(422)
            .WithName("resolveReturn")
            .WithDescription("Resolves an inspected return: refunds the returned units through the payment's provider, or places the exchange's replacement order. Repeating it changes nothing. Attributed to the authenticated caller (key:{name} or user:{name}); the body's by field is accepted for older clients and ignored.");
        return app;
    }

    private static Task<Results<Created<ReturnView>, Ok<ReturnView>, ProblemHttpResult>> RequestAsync(
        string id, [FromBody] ReturnRequestBody body, IRequiredActor<ReturnRegion> region, EntityGateway gateway, CancellationToken ct)
    {
        var returnId = body.ReturnId ?? "";
        var lines = body.Lines?.Select(l => l is null ? null! : new ReturnLine(l.Sku ?? "", l.Quantity)).ToImmutableArray() ?? [];
        var replacement = body.Replacement?.Select(l => l is null ? null! : new OrderLineRequest(l.Sku ?? "", l.Quantity, l.UnitPrice)).ToImmutableArray() ?? [];
        var resolution = body.Resolution?.Trim().ToLowerInvariant() switch
        {
            "refund" => ReturnResolution.Refund,
            "exchange" => ReturnResolution.Exchange,
            _ => (ReturnResolution)(-1), // refused by the decider, field by field with the rest
        };
        // A bad return id cannot name an entity: it is refused here, with the decider's own rule.
        if (!Identifiers.IsValidEntityId(returnId))
            return Task.FromResult<Results<Created<ReturnView>, Ok<ReturnView>, ProblemHttpResult>>(EntityGateway.Problem(new OrderRejection(
                OrderRejectionCode.Invalid, "returnId must be " + Identifiers.EntityIdRule, [new("returnId", "returnId must be " + Identifiers.EntityIdRule)])));
        return Send(id, returnId, new RequestReturn(id, returnId, lines, body.Reason ?? "", resolution, replacement), region, gateway, ct, created: true);
    }

    private static Task<Results<Created<ReturnView>, Ok<ReturnView>, ProblemHttpResult>> InspectAsync(
        string id, string returnId, [FromBody] InspectionBody body, IRequiredActor<ReturnRegion> region, EntityGateway gateway, ClaimsPrincipal user, CancellationToken ct)
    {
        var lines = body.Lines?.Select(l => l is null ? null! : new InspectedLine(l.Sku ?? "", l.Restockable, l.NotRestockable)).ToImmutableArray() ?? [];
        return Send(id, returnId, new InspectReturn(id, returnId, lines, user.Actor()), region, gateway, ct);
    }

    private static async Task<Results<Created<ReturnView>, Ok<ReturnView>, ProblemHttpResult>> Send(
        string id, string returnId, IReturnMessage message, IRequiredActor<ReturnRegion> region, EntityGateway gateway, CancellationToken ct, bool created = false)
    {
        if (!Identifiers.IsValidEntityId(id)) return NotFound($"order {id} does not exist");
        if (!Identifiers.IsValidEntityId(returnId)) return NotFound($"order {id} has no return {returnId}");
        return await gateway.Ask<IReturnReply>(region.ActorRef, message, ct) switch
        {
            ReturnAccepted { Repeat: false } a when created => TypedResults.Created($"/api/orders/{id}/returns/{returnId}", a.View),
            ReturnAccepted a => TypedResults.Ok(a.View),
            ReturnRefused { Rejection.Code: OrderRejectionCode.NotFound } r => NotFound(r.Rejection.Message),
            ReturnRefused { Rejection.Code: OrderRejectionCode.Overloaded } r => Problems.Unavailable(r.Rejection.Message),
            ReturnRefused r => EntityGateway.Problem(r.Rejection),
            var other => throw new InvalidOperationException($"unexpected reply {other.GetType().Name}"),
        };
    }

    /// <summary>
    /// A return's parcel is followed like a shipment's: the carrier's tracking webhooks (POST /api/carriers/{carrier}/webhook)
    /// land in the parcel entity of its tracking number, which this reads.
    /// </summary>
    private static async Task<Results<Ok<ReturnTracking>, ProblemHttpResult>> TrackingAsync(
        string id, string returnId, IRequiredActor<ReturnRegion> returns, IRequiredActor<ParcelRegion> parcels, EntityGateway gateway, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(id)) return NotFound($"order {id} does not exist");
        if (!Identifiers.IsValidEntityId(returnId)) return NotFound($"order {id} has no return {returnId}");
        if (await gateway.Ask<IReturnReply>(returns.ActorRef, new GetReturn(id, returnId), ct) is not ReturnAccepted { View: var view })
            return NotFound($"order {id} has no return {returnId}");
        if (view.TrackingNumber is not { } tracking)
            return NotFound($"return {returnId} has no shipment yet (POST /api/orders/{id}/returns/{returnId}/shipment)");
        var parcel = await gateway.Ask<IParcelReply>(parcels.ActorRef, new GetParcel(FulfilmentDecider.ParcelIdOf(tracking)), ct) as ParcelAccepted;
        return TypedResults.Ok(new ReturnTracking(id, returnId, view.Status, view.Carrier, tracking,
            parcel?.View.Status ?? ParcelStatus.LabelCreated, parcel?.View.EstimatedDelivery, parcel?.View.Events ?? []));
    }

    private static ProblemHttpResult NotFound(string message) => Problems.Of(404, nameof(OrderRejectionCode.NotFound), "Not found", message);
}

/// <summary>The body of POST /api/orders/{id}/returns.</summary>
public sealed record ReturnRequestBody(string? ReturnId, List<ReturnLineBody?>? Lines, string? Reason, string? Resolution, List<ReplacementLineBody?>? Replacement);

/// <summary>Units of one SKU to return.</summary>
public sealed record ReturnLineBody(string? Sku, int Quantity);

/// <summary>A line of an exchange's replacement order.</summary>
public sealed record ReplacementLineBody(string? Sku, int Quantity, decimal UnitPrice);

/// <summary>Who takes a step (an operator or the warehouse).</summary>
public sealed record ByBody(string? By);

/// <summary>The body of .../reject.</summary>
public sealed record RejectBody(string? By, string? Reason);

/// <summary>The body of .../shipment.</summary>
public sealed record ReturnShipmentBody(string? Carrier, string? TrackingNumber);

/// <summary>The body of .../inspect.</summary>
public sealed record InspectionBody(List<InspectionLineBody?>? Lines, string? By);

/// <summary>The verdict on one returned line.</summary>
public sealed record InspectionLineBody(string? Sku, int Restockable, int NotRestockable);

/// <summary>A return's parcel as GET /api/orders/{id}/returns/{returnId}/tracking shows it.</summary>
public sealed record ReturnTracking(
    string OrderId,
    string ReturnId,
    ReturnStatus ReturnStatus,
    string? Carrier,
    string TrackingNumber,
    ParcelStatus Status,
    DateTimeOffset? EstimatedDelivery,
    ImmutableArray<TrackingEvent> Events);
