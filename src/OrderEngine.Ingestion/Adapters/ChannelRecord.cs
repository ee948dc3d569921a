using OrderEngine.Domain.Orders;

namespace OrderEngine.Ingestion.Adapters;

/// <summary>What an adapter makes of one channel record: a placement for the engine, or a reason to quarantine it.</summary>
/// <remarks>
/// Adapters never throw for bad data: a feed must be able to set one record aside with its reason and go on
/// (ARCHITECTURE.md, guarantee 5). Only a misconfigured adapter (an empty shop name, say) throws, at construction.
/// </remarks>
public abstract record AdapterResult
{
    /// <summary>The record as the channel sent it (a feed line, a CSV header plus the order's rows), kept for quarantine and retry; null when the caller already holds it (a webhook body).</summary>
    public string? Raw { get; init; }
}

/// <summary>
/// A record the engine can take: its channel, the channel's own id for it, and the placement. The command's order id is
/// <c>Identifiers.OrderIdFromExternal(Channel, ExternalId)</c>, so a redelivered or replayed record reaches the same order.
/// </summary>
public sealed record Mapped(string Channel, string ExternalId, PlaceOrder Command) : AdapterResult;

/// <summary>A record that must go to quarantine: the channel's id for it when one could be read, and why, naming the field.</summary>
public sealed record Refused(string? ExternalId, string Reason) : AdapterResult;
