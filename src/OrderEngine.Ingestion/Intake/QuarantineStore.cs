using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using OrderEngine.Engine.Hosting;

namespace OrderEngine.Ingestion.Intake;

/// <summary>
/// A record kept in quarantine: what arrived, from where, and why it was not taken in; <paramref name="RetriedBy"/> and
/// <paramref name="RetriedAt"/>: who last retried it (<c>key:{name}</c> or <c>user:{name}</c>) and when, if anyone did.
/// </summary>
public sealed record QuarantinedRecord(
    string Id,
    string Channel,
    string Source,
    string? ExternalId,
    string Reason,
    string Payload,
    DateTimeOffset ReceivedAt,
    DateTimeOffset? ResolvedAt,
    string? RetriedBy = null,
    DateTimeOffset? RetriedAt = null);

/// <summary>
/// The quarantine table (deploy/sql): records that could not be taken in, stored whole with their reason before the source
/// is acknowledged, so nothing a channel handed over is lost. The id is derived from channel, source and payload, so a
/// replayed feed does not fill the quarantine with copies.
/// </summary>
public sealed class QuarantineStore(JournalDatabase database)
{
    /// <summary>
    /// The id of a quarantined record: from channel, source and payload — not from where the record stood in its feed,
    /// so the same bad record fed again at another line is stored once. A record kept without its payload (a line too
    /// long to hold) is told apart by its reason.
    /// </summary>
    public static string IdOf(string channel, string source, string payload, string reason)
    {
        var key = payload.Length > 0 ? payload : reason;
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\0', channel, source, key)));
        return "q-" + Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }

    /// <summary>
    /// PostgreSQL text cannot hold U+0000, so a NUL in a payload or reason is stored as the six characters <c>\u0000</c>;
    /// otherwise such a record could never be quarantined and would be answered unavailable forever.
    /// </summary>
    public static string Storable(string text) => text.Contains('\0', StringComparison.Ordinal) ? text.Replace("\0", "\\u0000", StringComparison.Ordinal) : text;

    /// <summary>Stores a record (once; a copy of one already there changes nothing) and answers its id.</summary>
    public async Task<string> AddAsync(string channel, string source, string? externalId, string reason, string payload, DateTimeOffset at, CancellationToken ct)
    {
        (reason, payload, externalId) = (Storable(reason), Storable(payload), externalId is null ? null : Storable(externalId));
        var id = IdOf(channel, source, payload, reason);
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO quarantine (id, channel, source, external_id, reason, payload, received_at, resolved_at)
            VALUES (@id, @channel, @source, @external, @reason, @payload, @at, NULL)
            ON CONFLICT (id) DO NOTHING
            """;
        command.AddParameter("id", id);
        command.AddParameter("channel", channel);
        command.AddParameter("source", source);
        command.AddParameter("external", externalId is null ? DBNull.Value : Truncate(externalId, 128));
        command.AddParameter("reason", reason);
        command.AddParameter("payload", payload);
        command.AddParameter("at", at.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(ct);
        return id;
    }

    /// <summary>A channel's quarantined records, newest first; resolved ones only when asked for.</summary>
    public async Task<IReadOnlyList<QuarantinedRecord>> ListAsync(string channel, bool includeResolved, int limit, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            {Select}
            WHERE q.channel = @channel {(includeResolved ? "" : "AND q.resolved_at IS NULL")}
            ORDER BY q.received_at DESC, q.id LIMIT @limit
            """;
        command.AddParameter("channel", channel);
        command.AddParameter("limit", limit);
        return await ReadAsync(command, ct);
    }

    public async Task<QuarantinedRecord?> GetAsync(string channel, string id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            {Select}
            WHERE q.channel = @channel AND q.id = @id
            """;
        command.AddParameter("channel", channel);
        command.AddParameter("id", id);
        return (await ReadAsync(command, ct)).FirstOrDefault();
    }

    /// <summary>Records who retried a record and when (the last retry is kept), whatever the retry's outcome.</summary>
    public async Task RecordRetryAsync(string id, string by, DateTimeOffset at, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO quarantine_retries (id, retried_by, retried_at) VALUES (@id, @by, @at)
            ON CONFLICT (id) DO UPDATE SET retried_by = excluded.retried_by, retried_at = excluded.retried_at
            """;
        command.AddParameter("id", id);
        command.AddParameter("by", Storable(by));
        command.AddParameter("at", at.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Marks a record resolved (its retry was taken in); a record already resolved keeps its first time.</summary>
    public async Task ResolveAsync(string id, DateTimeOffset at, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE quarantine SET resolved_at = @at WHERE id = @id AND resolved_at IS NULL";
        command.AddParameter("id", id);
        command.AddParameter("at", at.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(ct);
    }

    private const string Select = """
        SELECT q.id, q.channel, q.source, q.external_id, q.reason, q.payload, q.received_at, q.resolved_at, r.retried_by, r.retried_at
        FROM quarantine q LEFT JOIN quarantine_retries r ON r.id = q.id
        """;

    private static async Task<IReadOnlyList<QuarantinedRecord>> ReadAsync(DbCommand command, CancellationToken ct)
    {
        var list = new List<QuarantinedRecord>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            list.Add(new QuarantinedRecord(
                reader.GetString(0), reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetString(4), reader.GetString(5),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)),
                reader.IsDBNull(7) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)),
                reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.IsDBNull(9) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(9))));
        return list;
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max];
}
