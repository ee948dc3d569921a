using OrderEngine.Domain.Shipments;
using OrderEngine.Engine.Payments;

namespace OrderEngine.Engine.Carriers;

/// <summary>
/// One carrier integration (a carrier's own API or a tracking aggregator): verifies and reads its tracking webhooks.
/// Its <see cref="Name"/> is the {carrier} of POST /api/carriers/{carrier}/webhook. docs/carriers.md describes each one.
/// </summary>
public interface ICarrier
{
    string Name { get; }

    /// <summary>
    /// Checks the webhook really comes from the carrier and is fresh (a replayed old delivery refused where the carrier's
    /// scheme carries a signed timestamp; where it does not, a replay is harmless because updates are idempotent by event id).
    /// </summary>
    /// <param name="header">Reads a request header by name, case-insensitively (null when absent).</param>
    WebhookCheck Verify(Func<string, string?> header, ReadOnlySpan<byte> body, DateTimeOffset now);

    /// <summary>
    /// Reads a verified body; throws <see cref="FormatException"/> naming what is wrong. A body may carry several updates,
    /// oldest first; an update the engine has no use for (a status it does not track, an event kind it does not know) is
    /// left out rather than failing the body, so the list may be empty.
    /// </summary>
    IReadOnlyList<TrackingUpdate> Parse(ReadOnlySpan<byte> body);
}

/// <summary>
/// One tracking event. <see cref="EventId"/> is the same whenever the same event is delivered again (the carrier's own id,
/// or one derived from tracking number, status and time when the carrier has none). <see cref="EstimatedDelivery"/>
/// null means "no news about the estimate", never "the estimate was withdrawn".
/// </summary>
public sealed record TrackingUpdate(
    string TrackingNumber,
    string EventId,
    ParcelStatus Status,
    DateTimeOffset OccurredAt,
    DateTimeOffset? EstimatedDelivery,
    string? Location,
    string? Description);

/// <summary>The configured carriers by name (ordinal, as names are lower-case path segments).</summary>
public sealed class Carriers(IEnumerable<ICarrier> carriers)
{
    private readonly Dictionary<string, ICarrier> _byName = carriers
        .GroupBy(c => c.Name, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

    /// <summary>A configured carrier by name; null when none is configured under that name.</summary>
    public ICarrier? Find(string name) => _byName.GetValueOrDefault(name);

    public IReadOnlyCollection<string> Names => _byName.Keys;
}
