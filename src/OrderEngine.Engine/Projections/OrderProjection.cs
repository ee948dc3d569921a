using Akka.Persistence.Query;
using OrderEngine.Engine.Hosting;

namespace OrderEngine.Engine.Projections;

/// <summary>
/// The order_deadlines and channel_orders read tables, kept by the <see cref="ProjectionRunner"/> from the order
/// events: what each unfinished order waits for and until when (read by the <see cref="OrderWaker"/>), and each order a
/// channel sent, by its external id.
/// </summary>
public sealed class OrderDeadlineProjection(OrderProjectionStore store, TimeSpan grace) : IProjection
{
    public string Name => OrderProjectionStore.ProjectionName;

    public bool Rebuildable => true;

    public Task<long> LoadOffsetAsync(CancellationToken ct) => store.LoadOffsetAsync(ct);

    public Task ApplyAsync(IReadOnlyList<EventEnvelope> events, CancellationToken ct) => store.ApplyAsync(events, grace, ct);

    public Task ResetAsync(CancellationToken ct) => store.ResetAsync(ct);
}
