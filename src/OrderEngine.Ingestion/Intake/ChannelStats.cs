using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrderEngine.Engine.Hosting;

namespace OrderEngine.Ingestion.Intake;

/// <summary>
/// A channel's intake counters as <c>GET /api/channels</c> shows them: records received, and of those accepted (a new
/// order), duplicates, refused (taken, but refused for stock: no order) and quarantined (set aside as bad data, including
/// any an order entity refused as such). Records answered unavailable are received but not otherwise counted.
/// </summary>
public sealed record ChannelStatsView(string Channel, long Received, long Accepted, long Duplicates, long Refused, long Quarantined, DateTimeOffset? LastSeen);

/// <summary>
/// Per-channel intake counters: counted in memory on the hot path, added to the channel_stats table (deploy/sql) about
/// once a second and when the node stops. Each node adds only its own increments, so nodes sharing a database add up.
/// </summary>
/// <remarks>
/// Counters are for operators, not for correctness: a node killed with -9 may lose its last second of increments. The
/// orders themselves and the quarantine are written before any record is acknowledged; the counters are not.
/// </remarks>
public sealed class ChannelStats(JournalDatabase database)
{
    private readonly ConcurrentDictionary<string, Counters> _pending = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _flush = new(1, 1);

    public void Received(string channel, DateTimeOffset at)
    {
        var c = For(channel);
        Interlocked.Increment(ref c.Received);
        var ms = at.ToUnixTimeMilliseconds();
        long seen;
        while ((seen = Interlocked.Read(ref c.LastSeen)) < ms && Interlocked.CompareExchange(ref c.LastSeen, ms, seen) != seen) { }
    }

    /// <summary>Counts a record's outcome: accepted, duplicate, refused (for stock) and quarantined are apart; unavailable is not counted (the record comes again).</summary>
    public void Outcome(string channel, IntakeOutcomeKind kind)
    {
        var c = For(channel);
        switch (kind)
        {
            case IntakeOutcomeKind.Accepted: Interlocked.Increment(ref c.Accepted); break;
            case IntakeOutcomeKind.Duplicate: Interlocked.Increment(ref c.Duplicates); break;
            case IntakeOutcomeKind.Refused: Interlocked.Increment(ref c.Refused); break;
            case IntakeOutcomeKind.Quarantined: Interlocked.Increment(ref c.Quarantined); break;
        }
    }

    /// <summary>Adds what was counted since the last flush to the table; on failure those increments are dropped, not retried (a retry could count them twice).</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        await _flush.WaitAsync(ct);
        try
        {
            // Each counter hands over what it holds and starts again from 0 in one atomic step: an increment made at any
            // moment goes either into this flush or into the next one, never into neither.
            var taken = _pending.Select(kv => (Channel: kv.Key, Delta: kv.Value.Take())).Where(t => t.Delta.Any).ToList();
            if (taken.Count == 0) return;
            await using var connection = await database.OpenAsync(ct);
            await using var tx = await connection.BeginTransactionAsync(ct);
            foreach (var (channel, c) in taken)
            {
                await using var command = connection.CreateCommand();
                command.Transaction = tx;
                command.CommandText = """
                    INSERT INTO channel_stats (channel, received, accepted, duplicates, refused, quarantined, last_seen)
                    VALUES (@channel, @received, @accepted, @duplicates, @refused, @quarantined, @seen)
                    ON CONFLICT (channel) DO UPDATE SET
                        received = channel_stats.received + excluded.received,
                        accepted = channel_stats.accepted + excluded.accepted,
                        duplicates = channel_stats.duplicates + excluded.duplicates,
                        refused = channel_stats.refused + excluded.refused,
                        quarantined = channel_stats.quarantined + excluded.quarantined,
                        last_seen = CASE WHEN excluded.last_seen > channel_stats.last_seen THEN excluded.last_seen ELSE channel_stats.last_seen END
                    """;
                command.AddParameter("channel", channel);
                command.AddParameter("received", c.Received);
                command.AddParameter("accepted", c.Accepted);
                command.AddParameter("duplicates", c.Duplicates);
                command.AddParameter("refused", c.Refused);
                command.AddParameter("quarantined", c.Quarantined);
                command.AddParameter("seen", c.LastSeen);
                await command.ExecuteNonQueryAsync(ct);
            }
            await tx.CommitAsync(ct);
        }
        finally
        {
            _flush.Release();
        }
    }

    /// <summary>Every channel's counters: what the table holds plus what this node counted since its last flush.</summary>
    public async Task<IReadOnlyList<ChannelStatsView>> ReadAsync(CancellationToken ct)
    {
        // Not while a flush runs: between taking the pending counters and committing them they are in neither place.
        await _flush.WaitAsync(ct);
        try
        {
            return await ReadUnlockedAsync(ct);
        }
        finally
        {
            _flush.Release();
        }
    }

    private async Task<IReadOnlyList<ChannelStatsView>> ReadUnlockedAsync(CancellationToken ct)
    {
        var views = new Dictionary<string, ChannelStatsView>(StringComparer.Ordinal);
        await using (var connection = await database.OpenAsync(ct))
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT channel, received, accepted, duplicates, refused, quarantined, last_seen FROM channel_stats";
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var channel = reader.GetString(0);
                views[channel] = new ChannelStatsView(channel, reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4),
                    reader.GetInt64(5), reader.GetInt64(6) > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)) : null);
            }
        }
        foreach (var (channel, c) in _pending)
        {
            var v = views.GetValueOrDefault(channel) ?? new ChannelStatsView(channel, 0, 0, 0, 0, 0, null);
            var seen = Interlocked.Read(ref c.LastSeen);
            views[channel] = v with
            {
                Received = v.Received + Interlocked.Read(ref c.Received),
                Accepted = v.Accepted + Interlocked.Read(ref c.Accepted),
                Duplicates = v.Duplicates + Interlocked.Read(ref c.Duplicates),
                Refused = v.Refused + Interlocked.Read(ref c.Refused),
                Quarantined = v.Quarantined + Interlocked.Read(ref c.Quarantined),
                LastSeen = seen > 0 && (v.LastSeen is null || seen > v.LastSeen.Value.ToUnixTimeMilliseconds()) ? DateTimeOffset.FromUnixTimeMilliseconds(seen) : v.LastSeen,
            };
        }
        return views.Values.OrderBy(v => v.Channel, StringComparer.Ordinal).ToList();
    }

    private Counters For(string channel) => _pending.GetOrAdd(channel, static _ => new Counters());

    private sealed class Counters
    {
        public long Received, Accepted, Duplicates, Refused, Quarantined, LastSeen;

        public Delta Take() => new(
            Interlocked.Exchange(ref Received, 0), Interlocked.Exchange(ref Accepted, 0), Interlocked.Exchange(ref Duplicates, 0),
            Interlocked.Exchange(ref Refused, 0), Interlocked.Exchange(ref Quarantined, 0), Interlocked.Read(ref LastSeen));
    }

    private sealed record Delta(long Received, long Accepted, long Duplicates, long Refused, long Quarantined, long LastSeen)
    {
        public bool Any => Received != 0 || Accepted != 0 || Duplicates != 0 || Refused != 0 || Quarantined != 0;
    }
}

/// <summary>Flushes <see cref="ChannelStats"/> every second and once more when the node stops.</summary>
public sealed class ChannelStatsFlusher(ChannelStats stats, ILogger<ChannelStatsFlusher> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) await FlushQuietly(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushQuietly(CancellationToken.None);
    }

    private async Task FlushQuietly(CancellationToken ct)
    {
        try
        {
            await stats.FlushAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning(e, "channel counters could not be written; the increments of the last second are lost");
        }
    }
}
