using System.Collections.Immutable;
using Akka.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OrderEngine.Api.Http;
using OrderEngine.Domain;
using OrderEngine.Domain.Dispatch;
using OrderEngine.Domain.Dispatch.Restaurants;
using OrderEngine.Engine.Sharding;
using OrderEngine.Api.Security;

namespace OrderEngine.Api.Dispatch;

/// <summary>The body of PUT /api/restaurants/{id}.</summary>
public sealed record RestaurantBody(string? Name, double? Latitude, double? Longitude, decimal? PrepMinutes, string?[]? Menu, bool? Open);

/// <summary>The body of POST /api/restaurants/{id}/pause and of .../orders/{orderId}/reject.</summary>
public sealed record ReasonBody(string? Reason);

/// <summary>The body of POST /api/restaurants/{id}/orders/{orderId}/accept.</summary>
public sealed record AcceptBody(decimal? PrepMinutes);

/// <summary>A point as the API shows it.</summary>
public sealed record LocationResponse(double Latitude, double Longitude);

/// <summary>A restaurant and its kitchen queue as the API shows it.</summary>
public sealed record RestaurantResponse(
    string RestaurantId,
    string Name,
    LocationResponse Location,
    string ZoneId,
    decimal PrepMinutes,
    ImmutableArray<string> Menu,
    RestaurantStatus Status,
    string? PausedReason,
    decimal QueueEtaMinutes,
    ImmutableArray<KitchenOrderView> Orders)
{
    public static RestaurantResponse Of(RestaurantView v) => new(v.RestaurantId, v.Name, new LocationResponse(v.Location.Latitude, v.Location.Longitude),
        v.ZoneId, v.PrepMinutes, v.Menu, v.Status, v.PausedReason, v.QueueEtaMinutes, v.Orders);
}

/// <summary>/api/restaurants: define restaurants, pause and resume them, and work their kitchen queue (accept or reject orders).</summary>
public static class RestaurantsEndpoints
{
    public static WebApplication MapRestaurantsApi(this WebApplication app)
    {
        var restaurants = app.MapGroup("/api/restaurants").WithTags("restaurants").WithAccess();
        restaurants.MapPut("/{id}", PutAsync)
            .WithSummary("Define or replace a restaurant: name, latitude, longitude, prepMinutes, menu (SKUs), open; 201 when new, a repeat changes nothing")
            .ProducesProblem(400)
            .WithName("putRestaurant")
            .WithDescription("Defines or replaces a restaurant: name, position, preparation minutes, menu (SKUs) and whether it is open. 201 when new, 200 when replaced; a repeat changes nothing.");
        restaurants.MapGet("/{id}", GetAsync).WithSummary("A restaurant: status, pause reason, queue ETA and its kitchen queue").ProducesProblem(404)
            .WithName("getRestaurant")
            .WithDescription("A restaurant's status, pause reason, queue ETA and kitchen queue. Read-only.");
        restaurants.MapPost("/{id}/pause", PauseAsync).WithSummary("Pause by hand with a reason (lifted only by /resume)")
            .ProducesProblem(400).ProducesProblem(404)
            .WithName("pauseRestaurant")
            .WithDescription("Pauses the restaurant by hand with a reason: new delivery orders for it are refused (409) until resumed.");
        restaurants.MapPost("/{id}/resume", ResumeAsync).WithSummary("Lift a pause made by hand (an automatic pause lifts itself when the queue clears)")
            .ProducesProblem(404)
            .WithName("resumeRestaurant")
            .WithDescription("Lifts a pause made by hand; an automatic pause lifts itself when the queue clears. Repeating it changes nothing.");
        restaurants.MapPost("/{id}/orders/{orderId}/accept", AcceptAsync)
            .WithSummary("The kitchen accepts an order with its preparation time: a courier is requested (idempotent on the same prepMinutes)")
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(409)
            .WithName("acceptKitchenOrder")
            .WithDescription("The kitchen accepts a paid delivery order with its preparation time; a courier is requested from the restaurant's zone. Idempotent on the same prepMinutes.");
        restaurants.MapPost("/{id}/orders/{orderId}/reject", RejectAsync)
            .WithSummary("The kitchen rejects an order with a reason: the order is cancelled and refunded (idempotent on the same reason)")
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(409)
            .WithName("rejectKitchenOrder")
            .WithDescription("The kitchen rejects an order with a reason: the order is cancelled and refunded and its stock released. Idempotent on the same reason.");
        return app;
    }

    private static async Task<Results<Created<RestaurantResponse>, Ok<RestaurantResponse>, ProblemHttpResult>> PutAsync(
        string id, [FromBody] RestaurantBody body, IRequiredActor<RestaurantRegion> region, EntityGateway gateway, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(id)) return InvalidId();
        // A missing coordinate beside a given one is not a number: the restaurant's rules name that coordinate alone.
        var location = body.Latitude is null && body.Longitude is null ? null : new GeoPoint(body.Latitude ?? double.NaN, body.Longitude ?? double.NaN);
        var command = new DefineRestaurant(id, body.Name, location, body.PrepMinutes, [.. (body.Menu ?? []).Select(s => s!)], body.Open ?? true);
        var reply = await gateway.Ask<IRestaurantReply>(region.ActorRef, command, ct);
        return reply switch
        {
            RestaurantAccepted { Created: true } a => TypedResults.Created($"/api/restaurants/{id}", RestaurantResponse.Of(a.View)),
            RestaurantAccepted a => TypedResults.Ok(RestaurantResponse.Of(a.View)),
            RestaurantRefused r => Problem(r.Rejection),
            _ => throw new InvalidOperationException($"unexpected reply {reply.GetType().Name}"),
        };
    }

    private static async Task<Results<Ok<RestaurantResponse>, ProblemHttpResult>> GetAsync(
        string id, IRequiredActor<RestaurantRegion> region, EntityGateway gateway, CancellationToken ct) =>
        !Identifiers.IsValidEntityId(id) ? NoSuchRestaurant(id) : Map(await gateway.Ask<IRestaurantReply>(region.ActorRef, new GetRestaurant(id), ct));

    private static async Task<Results<Ok<RestaurantResponse>, ProblemHttpResult>> PauseAsync(
        string id, [FromBody] ReasonBody body, IRequiredActor<RestaurantRegion> region, EntityGateway gateway, CancellationToken ct) =>
        !Identifiers.IsValidEntityId(id) ? NoSuchRestaurant(id) : Map(await gateway.Ask<IRestaurantReply>(region.ActorRef, new PauseRestaurant(id, body.Reason), ct));

    private static async Task<Results<Ok<RestaurantResponse>, ProblemHttpResult>> ResumeAsync(
        string id, IRequiredActor<RestaurantRegion> region, EntityGateway gateway, CancellationToken ct) =>
        !Identifiers.IsValidEntityId(id) ? NoSuchRestaurant(id) : Map(await gateway.Ask<IRestaurantReply>(region.ActorRef, new ResumeRestaurant(id), ct));

    private static async Task<Results<Ok<RestaurantResponse>, ProblemHttpResult>> AcceptAsync(
        string id, string orderId, [FromBody] AcceptBody body, IRequiredActor<RestaurantRegion> region, EntityGateway gateway, CancellationToken ct) =>
        !Identifiers.IsValidEntityId(id) ? NoSuchRestaurant(id)
        : !Identifiers.IsValidEntityId(orderId) ? NoSuchOrder(id, orderId)
        : Map(await gateway.Ask<IRestaurantReply>(region.ActorRef, new AcceptKitchenOrder(id, orderId, body.PrepMinutes), ct));

    private static async Task<Results<Ok<RestaurantResponse>, ProblemHttpResult>> RejectAsync(
        string id, string orderId, [FromBody] ReasonBody body, IRequiredActor<RestaurantRegion> region, EntityGateway gateway, CancellationToken ct) =>
        !Identifiers.IsValidEntityId(id) ? NoSuchRestaurant(id)
        : !Identifiers.IsValidEntityId(orderId) ? NoSuchOrder(id, orderId)
        : Map(await gateway.Ask<IRestaurantReply>(region.ActorRef, new RejectKitchenOrder(id, orderId, body.Reason), ct));

    private static Results<Ok<RestaurantResponse>, ProblemHttpResult> Map(IRestaurantReply reply) => reply switch
    {
        RestaurantAccepted a => TypedResults.Ok(RestaurantResponse.Of(a.View)),
        RestaurantRefused r => Problem(r.Rejection),
        _ => throw new InvalidOperationException($"unexpected reply {reply.GetType().Name}"),
    };

    private static ProblemHttpResult Problem(RestaurantRejection r) => r.Code switch
    {
        RestaurantRejectionCode.Invalid when !r.Errors.IsDefaultOrEmpty => Problems.Validation(r.Message,
            r.Errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray())),
        RestaurantRejectionCode.Invalid => Problems.Of(400, r.Code.ToString(), "The request is invalid", r.Message),
        RestaurantRejectionCode.NotFound => Problems.Of(404, r.Code.ToString(), "No such restaurant or kitchen order", r.Message),
        _ => Problems.Of(409, r.Code.ToString(), "The kitchen already decided otherwise", r.Message),
    };

    private static ProblemHttpResult InvalidId() =>
        Problems.Validation("the restaurant id in the path is invalid", new Dictionary<string, string[]> { ["id"] = ["a restaurant id must be " + Identifiers.EntityIdRule] });

    // An id that cannot exist names no restaurant (or order): nothing to look up.
    private static ProblemHttpResult NoSuchRestaurant(string id) => Problems.Of(404, "NotFound", "No such restaurant or kitchen order", $"restaurant {id} is not known");

    private static ProblemHttpResult NoSuchOrder(string id, string orderId) =>
        Problems.Of(404, "NotFound", "No such restaurant or kitchen order", $"restaurant {id} never received order {orderId}");
}
