using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.PersonalData;

namespace OrderEngine.Ingestion.Intake;

/// <summary>
/// A record kept in quarantine: what arrived, from where, and why it was not taken in; <paramref name="RetriedBy"/> and
/// <paramref name="RetriedAt"/>: who last retried it (<c>key:{name}</c> or <c>user:{name}</c>) and when, if anyone did.
/// <paramref name="Payload"/> reads <see cref="QuarantineStore.ErasedPayload"/> once erased or purged.
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
    DateTimeOffset? RetriedAt = null)
{
    /// <summary>True once the payload was erased (a customer's erasure) or purged (the resolved retention).</summary>
    public bool IsErased => Payload == QuarantineStore.ErasedPayload;
}

/// <summary>
/// The quarantine table (deploy/sql): records that could not be taken in, stored whole with their reason before the source
/// is acknowledged, so nothing a channel handed over is lost. The id is derived from channel, source and payload, so a
/// replayed feed does not fill the quarantine with copies.
/// </summary>
/// <remarks>
/// A payload is personal data (a shop's order carries names, addresses, emails): it is stored sealed (AES-256-GCM, the
/// <c>pii1:</c> format of <see cref="PersonalDataCipher"/>) with a key of its own, the <c>customer_keys</c> row
/// <c>quarantine/{id}</c>, and linked in <c>quarantine_subjects</c> to the customers it belongs to
/// (<see cref="QuarantineSubjects"/>). Erasing one of them (<see cref="QuarantineErasure"/>) or, once the record was
/// resolved, the retention (<see cref="PurgeResolvedAsync"/>) overwrites the payload and destroys the key: it then reads
/// <see cref="ErasedPayload"/>. A payload stored in clear by an earlier version reads as it is until
/// <see cref="SealClearRecordsAsync"/> seals it. Channel, source, external id, reason and times stay readable.
/// </remarks>
public sealed class QuarantineStore(
    JournalDatabase database,
    CustomerKeyStore keys,
    Func<CustomerIdPseudonymizer?>? customerIds = null,
    TimeSpan? resolvedRetention = null)
{
    /// <summary>The associated-data field name a payload is sealed under.</summary>
    public const string PayloadField = "quarantine.payload";

    /// <summary>What a record's payload reads as (and is stored as) once erased or purged.</summary>
    public const string ErasedPayload = PersonalDataCipher.Erased;

    private const int Batch = 200;

    /// <summary>The <c>customer_keys</c> id of a quarantined record's own key.</summary>
    public static string KeyIdOf(string id) => "quarantine/" + id;

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

    /// <summary>
    /// Stores a record, its payload sealed, linked to its customers: <paramref name="customerId"/> (the one its adapter
    /// gave, when it mapped), those <see cref="QuarantineSubjects"/> reads from the payload, and every email's pseudonym.
    /// A copy of one already there changes nothing, unless that one was erased and is still unresolved: the channel
    /// handed it over again, so it is stored again. Answers the record's id.
    /// </summary>
    public async Task<string> AddAsync(string channel, string source, string? externalId, string reason, string payload, DateTimeOffset at, CancellationToken ct,
        string? customerId = null)
    {
        (reason, payload, externalId) = (Storable(reason), Storable(payload), externalId is null ? null : Storable(externalId));
        var id = IdOf(channel, source, payload, reason);
        var subjects = QuarantineSubjects.Of(channel, source, payload, customerId, Pseudonymizer());
        var stored = await SealAsync(id, payload);
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = tx;
            command.CommandText = $"""
                INSERT INTO quarantine (id, channel, source, external_id, reason, payload, received_at, resolved_at)
                VALUES (@id, @channel, @source, @external, @reason, @payload, @at, NULL)
                ON CONFLICT (id) DO UPDATE SET payload = excluded.payload, reason = excluded.reason, received_at = excluded.received_at
                WHERE quarantine.payload = '{ErasedPayload}' AND quarantine.resolved_at IS NULL
                """;
            command.AddParameter("id", id);
            command.AddParameter("channel", channel);
            command.AddParameter("source", source);
            command.AddParameter("external", externalId is null ? DBNull.Value : Truncate(externalId, 128));
            command.AddParameter("reason", reason);
            command.AddParameter("payload", stored);
            command.AddParameter("at", at.ToUnixTimeMilliseconds());
            await command.ExecuteNonQueryAsync(ct);
        }
        await LinkAsync(tx, id, subjects, ct);
        await tx.CommitAsync(ct);
        return id;
    }

    private CustomerIdPseudonymizer? Pseudonymizer() => customerIds?.Invoke();

    /// <summary>The payload sealed with the record's own key (made if needed, durable before the row that needs it is written).</summary>
    private async Task<string> SealAsync(string id, string payload)
    {
        if (payload.Length == 0) return payload; // kept without its payload (a line too long to hold): nothing to seal
        var keyId = KeyIdOf(id);
        var key = await keys.KeyForNewRecordAsync(keyId) ?? throw new InvalidOperationException("no key could be made for a quarantined record");
        return PersonalDataCipher.Seal(key, keyId, PayloadField, payload)!;
    }

    private static async Task LinkAsync(DbTransaction tx, string id, IReadOnlyCollection<string> subjects, CancellationToken ct)
    {
        foreach (var customer in subjects)
        {
            await using var link = tx.Connection!.CreateCommand();
            link.Transaction = tx;
            link.CommandText = "INSERT INTO quarantine_subjects (customer_id, quarantine_id) VALUES (@customer, @id) ON CONFLICT DO NOTHING";
            link.AddParameter("customer", customer);
            link.AddParameter("id", id);
            await link.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>The customer ids a record is linked to (pseudonyms or the shop's own numbers, never an email).</summary>
    public async Task<IReadOnlyList<string>> SubjectsAsync(string id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT customer_id FROM quarantine_subjects WHERE quarantine_id = @id ORDER BY customer_id";
        command.AddParameter("id", id);
        var list = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) list.Add(reader.GetString(0));
        return list;
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
        return await OpenAsync(await ReadAsync(command, ct), ct);
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
        return (await OpenAsync(await ReadAsync(command, ct), ct)).FirstOrDefault();
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

    /// <summary>
    /// Marks a record resolved (its retry was taken in); a record already resolved keeps its first time. With a resolved
    /// retention of zero its payload is purged at once (the order holds the data now, sealed).
    /// </summary>
    public async Task ResolveAsync(string id, DateTimeOffset at, CancellationToken ct)
    {
        await using (var connection = await database.OpenAsync(ct))
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "UPDATE quarantine SET resolved_at = @at WHERE id = @id AND resolved_at IS NULL";
            command.AddParameter("id", id);
            command.AddParameter("at", at.ToUnixTimeMilliseconds());
            await command.ExecuteNonQueryAsync(ct);
        }
        if (resolvedRetention == TimeSpan.Zero) await PurgeResolvedAsync(at, at, ct);
    }

    // ---- retention and rows of earlier versions ----

    /// <summary>
    /// Purges the payloads of records resolved at or before <paramref name="resolvedBy"/>: each is overwritten with
    /// <see cref="ErasedPayload"/> and its key destroyed, in one transaction per batch. Unresolved records are never
    /// touched (a record nobody took in is the only copy of what a channel handed over). Idempotent, so every node may
    /// run it. Answers how many records were purged.
    /// </summary>
    public async Task<int> PurgeResolvedAsync(DateTimeOffset resolvedBy, DateTimeOffset now, CancellationToken ct)
    {
        var purged = 0;
        while (true)
        {
            await using var connection = await database.OpenAsync(ct);
            await using var tx = await connection.BeginTransactionAsync(ct);
            var ids = new List<string>();
            await using (var select = connection.CreateCommand())
            {
                select.Transaction = tx;
                select.CommandText = $"SELECT id FROM quarantine WHERE resolved_at IS NOT NULL AND resolved_at <= @by AND payload <> '{ErasedPayload}' ORDER BY id LIMIT {Batch}";
                select.AddParameter("by", resolvedBy.ToUnixTimeMilliseconds());
                await using var reader = await select.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct)) ids.Add(reader.GetString(0));
            }
            if (ids.Count == 0) return purged;
            purged += await OverwriteAsync(tx, ids, ct);
            await keys.DestroyKeysAsync(tx, ids.Select(KeyIdOf).ToList(), now.ToUnixTimeMilliseconds(), ct);
            await tx.CommitAsync(ct);
            if (ids.Count < Batch) return purged;
        }
    }

    /// <summary>Overwrites the payloads of these records with <see cref="ErasedPayload"/>; answers how many were not already.</summary>
    internal static async Task<int> OverwriteAsync(DbTransaction tx, IReadOnlyList<string> ids, CancellationToken ct)
    {
        var overwritten = 0;
        foreach (var chunk in ids.Chunk(Batch))
        {
            await using var update = tx.Connection!.CreateCommand();
            update.Transaction = tx;
            update.CommandText = $"UPDATE quarantine SET payload = '{ErasedPayload}' WHERE payload <> '{ErasedPayload}' AND id IN ("
                + string.Join(", ", chunk.Select((_, i) => "@q" + i)) + ")";
            for (var i = 0; i < chunk.Length; i++) update.AddParameter("q" + i, chunk[i]);
            overwritten += await update.ExecuteNonQueryAsync(ct);
        }
        return overwritten;
    }

    /// <summary>
    /// Seals the payloads an earlier version stored in clear and links them to their customers, a batch at a time, so an
    /// erasure reaches them too. A row changed meanwhile (another node doing the same) is left as that node wrote it.
    /// Idempotent; answers how many rows it sealed.
    /// </summary>
    public async Task<int> SealClearRecordsAsync(CancellationToken ct)
    {
        var sealedRows = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var rows = new List<(string Id, string Channel, string Source, string Payload)>();
            await using (var connection = await database.OpenAsync(ct))
            await using (var select = connection.CreateCommand())
            {
                select.CommandText = $"""
                    SELECT id, channel, source, payload FROM quarantine
                    WHERE payload NOT LIKE '{PersonalDataCipher.Prefix}%' AND payload <> '{ErasedPayload}' AND payload <> ''
                    ORDER BY id LIMIT {Batch}
                    """;
                await using var reader = await select.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct)) rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
            }
            var fresh = rows.Where(r => seen.Add(r.Id)).ToList();
            if (fresh.Count == 0) return sealedRows; // none left, or only rows that did not change when sealed (never loop)
            foreach (var (id, channel, source, payload) in fresh)
            {
                var subjects = QuarantineSubjects.Of(channel, source, payload, null, Pseudonymizer());
                var stored = await SealAsync(id, payload);
                await using var connection = await database.OpenAsync(ct);
                await using var tx = await connection.BeginTransactionAsync(ct);
                await using (var update = connection.CreateCommand())
                {
                    update.Transaction = tx;
                    update.CommandText = "UPDATE quarantine SET payload = @sealed WHERE id = @id AND payload = @clear";
                    update.AddParameter("sealed", stored);
                    update.AddParameter("id", id);
                    update.AddParameter("clear", payload);
                    if (await update.ExecuteNonQueryAsync(ct) == 0) continue;
                }
                await LinkAsync(tx, id, subjects, ct);
                await tx.CommitAsync(ct);
                sealedRows++;
            }
            if (rows.Count < Batch) return sealedRows;
        }
    }

    private const string Select = """
        SELECT q.id, q.channel, q.source, q.external_id, q.reason, q.payload, q.received_at, q.resolved_at, r.retried_by, r.retried_at
        FROM quarantine q LEFT JOIN quarantine_retries r ON r.id = q.id
        """;

    /// <summary>The records with their payloads opened; one that does not open (its key destroyed) reads as erased.</summary>
    private async Task<IReadOnlyList<QuarantinedRecord>> OpenAsync(IReadOnlyList<QuarantinedRecord> records, CancellationToken ct)
    {
        var sealedOnes = records.Where(r => PersonalDataCipher.IsSealed(r.Payload)).Select(r => KeyIdOf(r.Id)).ToList();
        if (sealedOnes.Count == 0) return records;
        var found = await keys.KeysForReadAsync(sealedOnes, ct);
        return records.Select(r => PersonalDataCipher.IsSealed(r.Payload)
            ? r with { Payload = PersonalDataCipher.OpenOrErased(found.GetValueOrDefault(KeyIdOf(r.Id)), KeyIdOf(r.Id), PayloadField, r.Payload)! }
            : r).ToList();
    }

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
