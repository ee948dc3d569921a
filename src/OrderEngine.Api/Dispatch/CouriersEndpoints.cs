using Akka.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OrderEngine.Api.Http;
using OrderEngine.Domain;
using OrderEngine.Domain.Dispatch.Couriers;
using OrderEngine.Engine.Sharding;
using static OrderEngine.Api.Dispatch.DispatchProblems;
using OrderEngine.Api.Security;

namespace OrderEngine.Api.Dispatch;

/// <summary>The body of PUT /api/couriers/{id}.</summary>
public sealed record CourierRequest(string? Name, string? Vehicle, int? Capacity);

/// <summary>The body of POST /api/couriers/{id}/online and /position.</summary>
public sealed record LocationRequest(double? Latitude, double? Longitude, DateTimeOffset? At);

/// <summary>/api/couriers: couriers, their shifts and positions, and what they do with offers and deliveries (decided by their zone).</summary>
public static class CouriersEndpoints
{
    public static WebApplication MapCouriersApi(this WebApplication app)
    {
        var couriers = app.MapGroup("/api/couriers").WithTags("couriers").WithAccess();
        couriers.MapPut("/{courierId}", PutAsync).WithSummary("Define a courier: name, vehicle (bike|scooter|car), capacity (default per vehicle)").ProducesProblem(400)
            .WithName("putCourier")
            .WithDescription("Defines or replaces a courier: name, vehicle (bike, scooter, car) and capacity. A repeat of the same definition changes nothing.");
        couriers.MapGet("/{courierId}", GetAsync).WithSummary("A courier's status, zone, position, offers and deliveries").ProducesProblem(404)
            .WithName("getCourier")
            .ProducesProblem(400)
            .WithDescription("A courier's status, zone, position, offers and deliveries. Read-only.");
        couriers.MapPost("/{courierId}/online", OnlineAsync).WithSummary("Start working at {latitude, longitude}").ProducesProblem(400).ProducesProblem(404)
            .WithName("courierOnline")
            .WithDescription("The courier starts working at a position and joins that position's zone, where it can be offered deliveries.");
        couriers.MapPost("/{courierId}/offline", OfflineAsync).WithSummary("Stop working: deliveries not picked up are reassigned, carried ones flagged").ProducesProblem(404)
            .WithName("courierOffline")
            .ProducesProblem(400)
            .WithDescription("The courier stops working: deliveries not picked up are reassigned, carried ones are flagged. Repeating it changes nothing.");
        couriers.MapPost("/{courierId}/position", PositionAsync).WithSummary("Report a position {latitude, longitude, at?}").ProducesProblem(400).ProducesProblem(409)
            .WithName("reportCourierPosition")
            .ProducesProblem(404)
            .WithDescription("Reports the courier's position (latitude, longitude, and optionally when it was taken); dispatch estimates pickups and arrivals from it. 409 when the courier's state does not allow it.");
        couriers.MapPost("/{courierId}/offers/{orderId}/accept", (string courierId, string orderId, IRequiredActor<CourierRegion> r, EntityGateway g, CancellationToken ct) =>
            ActAsync(courierId, orderId, CourierAction.AcceptOffer, r, g, ct)).WithSummary("Accept an offer (409 once it expired or went elsewhere)").ProducesProblem(409)
            .WithName("acceptOffer")
            .ProducesProblem(400).ProducesProblem(404)
            .WithDescription("The courier accepts an offered delivery, which becomes assigned to it; 409 once the offer expired or went elsewhere. Repeating it changes nothing.");
        couriers.MapPost("/{courierId}/offers/{orderId}/decline", (string courierId, string orderId, IRequiredActor<CourierRegion> r, EntityGateway g, CancellationToken ct) =>
            ActAsync(courierId, orderId, CourierAction.DeclineOffer, r, g, ct)).WithSummary("Decline an offer: it goes to the next courier").ProducesProblem(409)
            .WithName("declineOffer")
            .ProducesProblem(400).ProducesProblem(404)
            .WithDescription("The courier declines an offered delivery, which goes to the next courier.");
        couriers.MapPost("/{courierId}/deliveries/{orderId}/pickup", (string courierId, string orderId, IRequiredActor<CourierRegion> r, EntityGateway g, CancellationToken ct) =>
            ActAsync(courierId, orderId, CourierAction.PickUp, r, g, ct)).WithSummary("Picked up at the restaurant (after accepting)").ProducesProblem(409)
            .WithName("pickUpDelivery")
            .ProducesProblem(400).ProducesProblem(404)
            .WithDescription("The courier picked the order up at the restaurant (after accepting it); the order's delivery moves on. Repeating it changes nothing.");
        couriers.MapPost("/{courierId}/deliveries/{orderId}/deliver", (string courierId, string orderId, IRequiredActor<CourierRegion> r, EntityGateway g, CancellationToken ct) =>
            ActAsync(courierId, orderId, CourierAction.Deliver, r, g, ct)).WithSummary("Delivered to the customer (after the pickup)").ProducesProblem(409)
            .WithName("deliverDelivery")
            .ProducesProblem(400).ProducesProblem(404)
            .WithDescription("The courier delivered the order to the customer (after the pickup); the order becomes delivered. Repeating it changes nothing.");
        return app;
    }

    private static async Task<Results<Ok<CourierJson>, ProblemHttpResult>> PutAsync(
        string courierId, [FromBody] CourierRequest body, IRequiredActor<CourierRegion> region, EntityGateway gateway, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(courierId)) return InvalidCourier();
        if (Vehicles.Parse(body.Vehicle) is not { } vehicle) return Invalid("vehicle", "vehicle must be bike, scooter or car");
        return Map(await gateway.Ask<ICourierReply>(region.ActorRef, new DefineCourier(courierId, body.Name, vehicle, body.Capacity), ct));
    }

    private static async Task<Results<Ok<CourierJson>, ProblemHttpResult>> GetAsync(
        string courierId, IRequiredActor<CourierRegion> region, EntityGateway gateway, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(courierId)) return InvalidCourier();
        return Map(await gateway.Ask<ICourierReply>(region.ActorRef, new GetCourier(courierId), ct));
    }

    private static async Task<Results<Ok<CourierJson>, ProblemHttpResult>> OnlineAsync(
        string courierId, [FromBody] LocationRequest body, IRequiredActor<CourierRegion> region, EntityGateway gateway, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(courierId)) return InvalidCourier();
        if (Point(body.Latitude, body.Longitude, out var p) is { } problem) return problem;
        return Map(await gateway.Ask<ICourierReply>(region.ActorRef, new GoOnline(courierId, p), ct));
    }

    private static async Task<Results<Ok<CourierJson>, ProblemHttpResult>> OfflineAsync(
        string courierId, IRequiredActor<CourierRegion> region, EntityGateway gateway, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(courierId)) return InvalidCourier();
        return Map(await gateway.Ask<ICourierReply>(region.ActorRef, new GoOffline(courierId), ct));
    }

    private static async Task<Results<Ok<CourierJson>, ProblemHttpResult>> PositionAsync(
        string courierId, [FromBody] LocationRequest body, IRequiredActor<CourierRegion> region, EntityGateway gateway, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(courierId)) return InvalidCourier();
        if (Point(body.Latitude, body.Longitude, out var p) is { } problem) return problem;
        return Map(await gateway.Ask<ICourierReply>(region.ActorRef, new ReportPosition(courierId, p, body.At), ct));
    }

    private static async Task<Results<Ok<CourierJson>, ProblemHttpResult>> ActAsync(
        string courierId, string orderId, CourierAction action, IRequiredActor<CourierRegion> region, EntityGateway gateway, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(courierId)) return InvalidCourier();
        if (!Identifiers.IsValidEntityId(orderId)) return Invalid("orderId", "orderId must be " + Identifiers.EntityIdRule);
        return Map(await gateway.Ask<ICourierReply>(region.ActorRef, new ActOnDelivery(courierId, orderId, action), ct));
    }

    private static Results<Ok<CourierJson>, ProblemHttpResult> Map(ICourierReply reply) => reply switch
    {
        CourierAccepted a => TypedResults.Ok(CourierJson.Of(a.View)),
        CourierRefused { Rejection: var r } when r.Code == CourierRejectionCode.NotFound => Problems.Of(404, "NotFound", "Not found", r.Message),
        CourierRefused { Rejection: var r } when r.Code == CourierRejectionCode.Conflict => Problems.Of(409, "Conflict", "The courier's state does not allow this", r.Message),
        CourierRefused { Rejection: var r } => Invalid(r.Field ?? "courier", r.Message),
        _ => throw new InvalidOperationException($"unexpected reply {reply.GetType().Name}"),
    };

    private static ProblemHttpResult InvalidCourier() => Invalid("courierId", "courierId must be " + Identifiers.EntityIdRule);
}
