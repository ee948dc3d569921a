using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using OrderEngine.Api.Http;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Projections;
using OrderEngine.Engine.ReadSide;
using OrderEngine.Api.Security;

namespace OrderEngine.Api.Projections;

/// <summary>One projection's progress: its committed offset and how far the journal is ahead of it.</summary>
public sealed record ProjectionStatus(string Name, long Offset, long LagEvents, double LagSeconds, bool Rebuildable);

public sealed record ProjectionRebuilding(string Name, string Status);

/// <summary>The read models' progress (lag behind the journal) and their rebuild from the start of the journal.</summary>
public static class ProjectionsEndpoints
{
    public static WebApplication MapProjectionsApi(this WebApplication app)
    {
        var group = app.MapGroup("/api/projections").WithTags("projections").WithAccess();
        group.MapGet("/", ListAsync)
            .WithSummary("Every projection with its offset and its lag behind the journal (events, and seconds since the oldest event it has not applied)")
            .WithName("listProjections")
            .WithDescription("Every projection with its offset and its lag behind the journal (events, and seconds since the oldest event not applied). Read-only.");
        group.MapPost("/{name}/rebuild", RebuildAsync)
            .WithSummary("Empty a projection's tables and build them again from the start of the journal (202; 404 unknown; 409 not rebuildable)")
            .ProducesProblem(404).ProducesProblem(409).ProducesProblem(503)
            .WithName("rebuildProjection")
            .WithDescription("Empties a projection's tables and builds them again from the start of the journal; 202 while it rebuilds. Its read answers lag until it has caught up.");
        return app;
    }

    private static async Task<Ok<List<ProjectionStatus>>> ListAsync(
        IEnumerable<IProjection> projections, JournalDatabase database, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var list = new List<ProjectionStatus>();
        foreach (var projection in projections)
        {
            var offset = await projection.LoadOffsetAsync(ct);
            var (events, oldest) = await JournalLag.MeasureAsync(database, offset, ct);
            var seconds = oldest is { } at ? Math.Max(0, (now - at).TotalSeconds) : 0;
            list.Add(new ProjectionStatus(projection.Name, offset, events, Math.Round(seconds, 3), projection.Rebuildable));
        }
        return TypedResults.Ok(list);
    }

    private static async Task<Results<Accepted<ProjectionRebuilding>, ProblemHttpResult>> RebuildAsync(
        string name, IEnumerable<IProjection> projections, ActorRegistry registry, EntityGateway gateway, CancellationToken ct)
    {
        var projection = projections.FirstOrDefault(p => p.Name == name);
        if (projection is null)
            return Problems.Of(StatusCodes.Status404NotFound, "noSuchProjection", "No such projection",
                $"no projection is named '{name}'; GET /api/projections lists them");
        if (!projection.Rebuildable)
            return Problems.Of(StatusCodes.Status409Conflict, "notRebuildable", "This projection cannot be rebuilt",
                $"projection '{name}' cannot be rebuilt: rebuilding it would repeat its effects");
        if (!registry.TryGet<ProjectionRunner>(out var runner))
            return Problems.Unavailable("the projection runner is not running on this node");
        ProjectionRebuildAnswer answer;
        try
        {
            answer = await gateway.Ask<ProjectionRebuildAnswer>(runner, new RebuildProjection(name), ct);
        }
        catch (AskTimeoutException)
        {
            return Problems.Unavailable("the projection runner did not answer in time; try again");
        }
        return answer.Started
            ? TypedResults.Accepted($"/api/projections", new ProjectionRebuilding(name, "rebuilding"))
            : Problems.Of(StatusCodes.Status409Conflict, "rebuildRefused", "The rebuild was refused", answer.Refusal ?? "refused");
    }
}
