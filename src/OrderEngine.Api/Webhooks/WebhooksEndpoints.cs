using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OrderEngine.Api.Http;
using OrderEngine.Domain.Webhooks;
using OrderEngine.Engine.Webhooks;
using OrderEngine.Api.Security;

namespace OrderEngine.Api.Webhooks;

/// <summary>
/// /api/webhooks: subscriptions to outbound order events, the deliveries (with the dead-letter list) and their replay.
/// Subscriptions are configuration, written straight to their table; the rules live in <see cref="WebhookSubscriptions"/>.
/// </summary>
public static class WebhooksEndpoints
{
    /// <summary>POST /api/webhooks/subscriptions.</summary>
    public sealed record SubscribeRequest(string? Url, List<string?>? Events, string? Secret, string? Description);

    public sealed record SubscriptionList(IReadOnlyList<WebhookSubscriptionView> Subscriptions);

    public sealed record DeliveryList(IReadOnlyList<WebhookDeliveryView> Deliveries);

    public sealed record ReplayAnswer(string Id, string Status, string PreviousStatus);

    public sealed record ReplayDeadAnswer(string SubscriptionId, int Replayed);

    public const int MaxListLimit = 1_000;

    public static WebApplication MapWebhooksApi(this WebApplication app)
    {
        var group = app.MapGroup("/api/webhooks").WithTags("webhooks").WithAccess();
        group.MapPost("/subscriptions", SubscribeAsync)
            .WithSummary("Subscribe a URL to order events ({url, events, secret, description}); deliveries are signed with the secret")
            .ProducesProblem(400)
            .WithName("createWebhookSubscription")
            .WithDescription("Subscribes a URL to order events; every delivery is signed with the subscription's secret and sent at least once. Creates a subscription.");
        group.MapGet("/subscriptions", ListAsync).WithSummary("Every subscription (secrets are never shown)")
            .WithName("listWebhookSubscriptions")
            .WithDescription("Every webhook subscription (secrets are not shown). Read-only.");
        group.MapGet("/subscriptions/{id}", GetAsync).WithSummary("One subscription (without its secret)").ProducesProblem(404)
            .WithName("getWebhookSubscription")
            .WithDescription("One webhook subscription (its secret is not shown). Read-only.");
        group.MapDelete("/subscriptions/{id}", DeleteAsync).WithSummary("Remove a subscription and its deliveries").ProducesProblem(404)
            .WithName("deleteWebhookSubscription")
            .WithDescription("Removes a webhook subscription and its deliveries; no more events are sent to it.");
        group.MapPost("/subscriptions/{id}/replay-dead", ReplayDeadAsync)
            .WithSummary("Send every dead-lettered delivery of a subscription again").ProducesProblem(404)
            .WithName("replayDeadWebhookDeliveries")
            .WithDescription("Sends every dead-lettered delivery of the subscription again.");
        group.MapGet("/deliveries", DeliveriesAsync)
            .WithSummary("Deliveries, newest first: ?status=pending|delivered|dead (dead: the dead-letter list), &subscriptionId=, &limit=")
            .ProducesProblem(400)
            .WithName("listWebhookDeliveries")
            .WithDescription("Webhook deliveries, optionally of one status (dead: given up after the retry schedule). Read-only.");
        group.MapPost("/deliveries/{id}/replay", ReplayAsync)
            .WithSummary("Send a dead (or delivered) delivery again, attempts from zero").ProducesProblem(404)
            .WithName("replayWebhookDelivery")
            .WithDescription("Sends a dead (or delivered) delivery again, its attempts counted from zero.");
        return app;
    }

    private static async Task<Results<Created<WebhookSubscriptionView>, ProblemHttpResult>> SubscribeAsync(
        [FromBody] SubscribeRequest body, WebhookStore store, TimeProvider clock, CancellationToken ct)
    {
        var (errors, spec) = WebhookSubscriptions.Validate(new SubscribeWebhook(body.Url, body.Events, body.Secret, body.Description));
        if (spec is null)
            return Problems.Validation("the subscription is invalid; nothing was stored",
                errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()));
        var id = "whk_" + Guid.CreateVersion7().ToString("N");
        var now = clock.GetUtcNow();
        await store.CreateSubscriptionAsync(id, spec, now, ct);
        var view = new WebhookSubscriptionView(id, spec.Url.AbsoluteUri, spec.Events, spec.Description, DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds()));
        return TypedResults.Created($"/api/webhooks/subscriptions/{id}", view);
    }

    private static async Task<Ok<SubscriptionList>> ListAsync(WebhookStore store, CancellationToken ct) =>
        TypedResults.Ok(new SubscriptionList(await store.ListSubscriptionsAsync(ct)));

    private static async Task<Results<Ok<WebhookSubscriptionView>, ProblemHttpResult>> GetAsync(string id, WebhookStore store, CancellationToken ct) =>
        (await store.ListSubscriptionsAsync(ct)).FirstOrDefault(s => s.Id == id) is { } view ? TypedResults.Ok(view) : NoSubscription(id);

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string id, WebhookStore store, CancellationToken ct) =>
        await store.DeleteSubscriptionAsync(id, ct) ? TypedResults.NoContent() : NoSubscription(id);

    private static async Task<Results<Accepted<ReplayDeadAnswer>, ProblemHttpResult>> ReplayDeadAsync(
        string id, WebhookStore store, TimeProvider clock, CancellationToken ct)
    {
        if (!await store.SubscriptionExistsAsync(id, ct)) return NoSubscription(id);
        var replayed = await store.ReplayDeadAsync(id, clock.GetUtcNow(), ct);
        return TypedResults.Accepted((string?)null, new ReplayDeadAnswer(id, replayed));
    }

    private static async Task<Results<Ok<DeliveryList>, ProblemHttpResult>> DeliveriesAsync(
        string? status, string? subscriptionId, int? limit, WebhookStore store, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (status is not null && !DeliveryStatus.All.Contains(status)) errors["status"] = [$"status must be one of: {string.Join(", ", DeliveryStatus.All)}"];
        if (limit is < 1 or > MaxListLimit) errors["limit"] = [$"limit must be 1 to {MaxListLimit}"];
        if (errors.Count > 0) return Problems.Validation("the query is invalid", errors);
        return TypedResults.Ok(new DeliveryList(await store.ListDeliveriesAsync(status, subscriptionId, limit ?? 100, ct)));
    }

    private static async Task<Results<Accepted<ReplayAnswer>, ProblemHttpResult>> ReplayAsync(
        string id, WebhookStore store, TimeProvider clock, CancellationToken ct)
    {
        var previous = await store.ReplayAsync(id, clock.GetUtcNow(), ct);
        if (previous is null) return Problems.Of(404, "NotFound", "No such delivery", $"there is no webhook delivery '{id}'");
        return TypedResults.Accepted((string?)null, new ReplayAnswer(id, DeliveryStatus.Pending, previous));
    }

    private static ProblemHttpResult NoSubscription(string id) =>
        Problems.Of(404, "NotFound", "No such subscription", $"there is no webhook subscription '{id}'");
}
