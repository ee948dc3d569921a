using Akka.Persistence.Query;
using OrderEngine.Engine.Projections;

namespace OrderEngine.Engine.Webhooks;

/// <summary>
/// Fills the webhook outbox from the journal (run by the <see cref="ProjectionRunner"/>): one delivery row per outbound
/// event and subscription, written with the offset. It is never rebuilt: reading the journal again would send every
/// subscriber its whole history a second time.
/// </summary>
public sealed class WebhookOutboxProjection(WebhookStore store, TimeProvider clock) : IProjection
{
    public string Name => WebhookStore.ProjectionName;

    public bool Rebuildable => false;

    public Task<long> LoadOffsetAsync(CancellationToken ct) => store.LoadOffsetAsync(ct);

    public Task ApplyAsync(IReadOnlyList<EventEnvelope> events, CancellationToken ct) => store.ApplyAsync(events, clock.GetUtcNow(), ct);

    public Task ResetAsync(CancellationToken ct) => throw new InvalidOperationException("the webhook outbox is never rebuilt");
}
