using System.Collections.Concurrent;
using System.Data.Common;
using Akka.Actor;
using OrderEngine.Domain;
using OrderEngine.Domain.Orders;
using OrderEngine.Engine.Hosting;

namespace OrderEngine.Ingestion.Reconciliation;

/// <summary>An order here that the channel's list did not name.</summary>
public sealed record UnlistedOrder(string ExternalId, string OrderId, DateTimeOffset PlacedAt);

/// <summary>The answer to a reconciliation: what the channel has that is missing here, and what is here that the channel did not list.</summary>
public sealed record ReconciliationReport(
    string Channel,
    DateTimeOffset From,
    DateTimeOffset To,
    int Listed,
    int Matched,
    IReadOnlyList<string> Missing,
    IReadOnlyList<UnlistedOrder> Unlisted);

/// <summary>
/// Compares a channel's list of external order ids for a period with the orders taken in from it. Reads the channel_orders
/// table (built by the order projection) and, for a listed id the table does not have yet, asks the order entity itself,
/// so an order acknowledged a moment ago is never reported missing because the projection lags.
/// </summary>
public sealed class ChannelReconciliation(JournalDatabase database, Func<IActorRef> orderRegion, TimeSpan askTimeout)
{
    private const int Batch = 500;

    public async Task<ReconciliationReport> ReconcileAsync(string channel, DateTimeOffset from, DateTimeOffset to, IReadOnlyCollection<string> externalIds, CancellationToken ct)
    {
        var listed = new HashSet<string>(externalIds, StringComparer.Ordinal);
        var inPeriod = new List<UnlistedOrder>();
        await using var connection = await database.OpenAsync(ct);
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                SELECT external_id, order_id, placed_at FROM channel_orders
                WHERE channel = @channel AND placed_at >= @from AND placed_at < @to ORDER BY placed_at, external_id
                """;
            command.AddParameter("channel", channel);
            command.AddParameter("from", from.ToUnixTimeMilliseconds());
            command.AddParameter("to", to.ToUnixTimeMilliseconds());
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                inPeriod.Add(new UnlistedOrder(reader.GetString(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))));
        }

        var here = new HashSet<string>(inPeriod.Select(o => o.ExternalId), StringComparer.Ordinal);
        // Listed ids placed here just outside the period (clocks and time zones differ between systems) are not missing.
        var unseen = listed.Where(id => !here.Contains(id)).ToList();
        foreach (var chunk in unseen.Chunk(Batch))
        {
            await using var command = connection.CreateCommand();
            var names = chunk.Select((_, i) => "@e" + i).ToArray();
            command.CommandText = $"SELECT external_id FROM channel_orders WHERE channel = @channel AND external_id IN ({string.Join(",", names)})";
            command.AddParameter("channel", channel);
            for (var i = 0; i < chunk.Length; i++) command.AddParameter("e" + i, chunk[i]);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) here.Add(reader.GetString(0));
        }

        // What the table still lacks may be acknowledged but not projected yet: the entity is the truth.
        var exists = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(unseen.Where(id => !here.Contains(id)), new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = ct },
            async (id, token) =>
            {
                var reply = await orderRegion().Ask<IOrderReply>(new GetOrder(Identifiers.OrderIdFromExternal(channel, id)), askTimeout, token);
                if (reply is OrderAccepted) exists.Add(id);
            });
        here.UnionWith(exists);

        var missing = listed.Where(id => !here.Contains(id)).Order(StringComparer.Ordinal).ToList();
        var unlisted = inPeriod.Where(o => !listed.Contains(o.ExternalId)).ToList();
        return new ReconciliationReport(channel, from, to, listed.Count, listed.Count - missing.Count, missing, unlisted);
    }
}
