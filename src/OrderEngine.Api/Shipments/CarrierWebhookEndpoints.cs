using Akka.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using OrderEngine.Api.Http;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Shipments;
using OrderEngine.Engine.Sharding;
using CarrierRegistry = OrderEngine.Engine.Carriers.Carriers;
using OrderEngine.Api.Security;

namespace OrderEngine.Api.Shipments;

/// <summary>
/// POST /api/carriers/{carrier}/webhook: a carrier's signed tracking webhook. The raw body is verified before anything is
/// read from it (401, nothing changes); a body that cannot be read, or an update the engine would refuse, is 400 and
/// nothing of it is recorded; each update goes to the parcel with its tracking number, where a repeated event counts once.
/// </summary>
public static class CarrierWebhookEndpoints
{
    /// <summary>What the carrier is told: how many updates the body carried, and how many were new.</summary>
    public sealed record TrackingAnswer(string Carrier, int Updates, int Recorded, int Repeats);

    public static WebApplication MapCarriersApi(this WebApplication app)
    {
        app.MapPost("/api/carriers/{carrier}/webhook", ReceiveAsync)
            .AllowAnonymous() // its signature is its authentication
            .WithTags("shipments")
            .WithSummary("A carrier's signed tracking webhook (in transit, out for delivery, delivered, failed attempt, returned to sender, exception)")
            .Accepts<object>("application/json")
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(404)
            .WithName("receiveCarrierWebhook").WithAccess()
            .WithDescription("A carrier's signed tracking webhook (in transit, out for delivery, delivered, failed attempt, returned to sender, exception), verified before anything is read (401: nothing recorded). Each update goes to the parcel with its tracking number and moves the order; a repeated event counts once.");
        return app;
    }

    private static async Task<Results<Ok<TrackingAnswer>, ProblemHttpResult>> ReceiveAsync(
        string carrier, HttpRequest request, CarrierRegistry carriers, IRequiredActor<ParcelRegion> parcels, EntityGateway gateway,
        TimeProvider clock, CancellationToken ct)
    {
        if (carriers.Find(carrier) is not { } c)
            return Problems.Of(404, "UnknownCarrier", "No such carrier", $"no carrier '{carrier}' is configured (known: {string.Join(", ", carriers.Names)})");
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, ct);
        var body = buffer.ToArray();
        var check = c.Verify(name => request.Headers.TryGetValue(name, out var v) ? v.ToString() : null, body, clock.GetUtcNow());
        if (!check.Valid) return Problems.Of(401, "BadSignature", "The webhook could not be verified", check.Problem!);
        IReadOnlyList<Engine.Carriers.TrackingUpdate> updates;
        try
        {
            updates = c.Parse(body);
        }
        catch (FormatException e)
        {
            return Problems.Of(400, "MalformedWebhook", "The webhook could not be read", e.Message);
        }
        var commands = updates.Select(u => new RecordTrackingUpdate(FulfilmentDecider.ParcelIdOf(u.TrackingNumber), u.TrackingNumber.Trim(), c.Name,
            u.EventId, u.Status, u.OccurredAt, u.EstimatedDelivery, u.Location, u.Description)).ToList();
        // Every update is checked before any is recorded, so a bad body records nothing of itself.
        if (commands.Select((u, i) => (Problem: ParcelDecider.Problem(u), i)).FirstOrDefault(x => x.Problem is not null) is { Problem: { } problem, i: var at })
            return Problems.Of(400, "MalformedWebhook", "The webhook could not be read", $"update {at + 1}: {problem}");
        int recorded = 0, repeats = 0;
        // In body order (oldest first): one parcel's updates are recorded in the order the carrier sent them.
        foreach (var command in commands)
        {
            switch (await gateway.Ask<IParcelReply>(parcels.ActorRef, command, ct))
            {
                case ParcelAccepted { Repeat: true }:
                    repeats++;
                    break;
                case ParcelAccepted:
                    recorded++;
                    break;
                case ParcelRefused r:
                    return Problems.Of(400, "MalformedWebhook", "The webhook could not be read", r.Rejection.Message);
            }
        }
        return TypedResults.Ok(new TrackingAnswer(c.Name, commands.Count, recorded, repeats));
    }
}
