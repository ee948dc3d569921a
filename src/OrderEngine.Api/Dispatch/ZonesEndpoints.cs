using Akka.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using OrderEngine.Api.Http;
using OrderEngine.Domain.Dispatch;
using OrderEngine.Domain.Dispatch.Zones;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Sharding;
using static OrderEngine.Api.Dispatch.DispatchProblems;
using OrderEngine.Api.Security;

namespace OrderEngine.Api.Dispatch;

/// <summary>The body of PUT /api/zones/{id}: the zone's own settings (each omitted: unchanged; never set: the configured default).</summary>
public sealed record ZoneSettingsRequest(string? Policy, double? OfferTimeoutSeconds, double? BatchMaxDelayMinutes);

/// <summary>The answer of GET /api/zones/of.</summary>
public sealed record ZoneOfJson(string ZoneId);

/// <summary>/api/zones: delivery zones (geohash cells), the dispatch units: their settings, couriers, queue and surge signal.</summary>
public static class ZonesEndpoints
{
    public static WebApplication MapZonesApi(this WebApplication app)
    {
        var zones = app.MapGroup("/api/zones").WithTags("zones").WithAccess();
        zones.MapGet("/of", ZoneOf).WithSummary("The zone (geohash cell) of a point: ?latitude=&longitude=").ProducesProblem(400)
            .WithName("getZoneOfPoint")
            .WithDescription("The zone (geohash cell) a latitude and longitude fall in. Read-only, no state.");
        zones.MapPut("/{zoneId}", PutAsync)
            .WithSummary("Set a zone's policy (earliest-pickup|naive), offerTimeoutSeconds and batchMaxDelayMinutes; a repeat changes nothing")
            .ProducesProblem(400)
            .WithName("putZone")
            .WithDescription("Sets a zone's dispatch policy (earliest-pickup or naive), offer timeout and batching delay. A repeat changes nothing.");
        zones.MapGet("/{zoneId}", GetAsync).WithSummary("A zone's couriers, waiting/offered/assigned deliveries and surge signal").ProducesProblem(400)
            .WithName("getZone")
            .WithDescription("A zone's couriers, waiting, offered and assigned deliveries and its surge signal. Read-only.");
        return app;
    }

    private static Results<Ok<ZoneOfJson>, ProblemHttpResult> ZoneOf(double? latitude, double? longitude, IOptions<OrderEngineOptions> options)
    {
        if (Point(latitude, longitude, out var p) is { } problem) return problem;
        return TypedResults.Ok(new ZoneOfJson(Geo.Geohash(p, options.Value.Dispatch.ZonePrecision)));
    }

    private static async Task<Results<Ok<ZoneJson>, ProblemHttpResult>> PutAsync(
        string zoneId, [FromBody] ZoneSettingsRequest body, IRequiredActor<ZoneRegion> region, EntityGateway gateway, CancellationToken ct)
    {
        if (!Geo.IsGeohash(zoneId)) return InvalidZone();
        DispatchPolicy? policy = null;
        if (body.Policy is not null && (policy = DispatchPolicies.Parse(body.Policy)) is null) return Invalid("policy", "policy must be earliest-pickup or naive");
        return Map(await gateway.Ask<IZoneReply>(region.ActorRef, new ConfigureZone(zoneId, policy, body.OfferTimeoutSeconds, body.BatchMaxDelayMinutes), ct));
    }

    private static async Task<Results<Ok<ZoneJson>, ProblemHttpResult>> GetAsync(
        string zoneId, IRequiredActor<ZoneRegion> region, EntityGateway gateway, CancellationToken ct)
    {
        if (!Geo.IsGeohash(zoneId)) return InvalidZone();
        return Map(await gateway.Ask<IZoneReply>(region.ActorRef, new GetZone(zoneId), ct));
    }

    private static Results<Ok<ZoneJson>, ProblemHttpResult> Map(IZoneReply reply) => reply switch
    {
        ZoneAccepted a => TypedResults.Ok(ZoneJson.Of(a.View)),
        ZoneRefused { Rejection: var r } when r.Code == ZoneRejectionCode.Invalid => Invalid(r.Field ?? "zone", r.Message),
        ZoneRefused { Rejection: var r } when r.Code == ZoneRejectionCode.NotFound => Problems.Of(404, "NotFound", "No such zone", r.Message),
        ZoneRefused { Rejection: var r } => Problems.Of(409, "Conflict", "The zone does not allow this", r.Message),
        _ => throw new InvalidOperationException($"unexpected reply {reply.GetType().Name}"),
    };

    private static ProblemHttpResult InvalidZone() => Invalid("zoneId", "a zone id is a geohash (1-12 characters of 0-9 and b-z without a, i, l, o)");
}
