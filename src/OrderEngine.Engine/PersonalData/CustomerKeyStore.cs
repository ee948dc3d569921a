using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Data.Common;
using System.Threading.Channels;
using OrderEngine.Engine.Hosting;

namespace OrderEngine.Engine.PersonalData;

/// <summary>Settings of personal data protection, under "OrderEngine:Security".</summary>
public sealed class PersonalDataOptions
{
    public const string Section = "OrderEngine:Security";

    /// <summary>
    /// Base64 of a 256-bit key that wraps every customer key in <c>customer_keys</c> (AES-GCM); empty: customer keys are
    /// stored unwrapped. Once set it cannot be removed (wrapped keys need it); it is never logged.
    /// </summary>
    public string? PersonalDataMasterKey { get; set; }

    /// <summary>
    /// Base64 keys of 32 bytes that wrapped customer keys before the current <see cref="PersonalDataMasterKey"/>: tried
    /// only when the current one does not open a key. Remove them once <c>personal-data rewrap</c> has run. Never logged.
    /// </summary>
    public string[]? PersonalDataPreviousMasterKeys { get; set; }

    /// <summary>How often a node looks for erasures made on other nodes and drops those keys from its cache (the staleness bound).</summary>
    public TimeSpan PersonalDataRecheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Keys a node keeps in memory; past this the cache is emptied and refilled from the table on use.</summary>
    public int PersonalDataMaxCachedKeys { get; set; } = 200_000;

    /// <summary>
    /// Base64 of at least 32 random bytes: the secret of the pseudonymous customer ids derived from buyers' emails
    /// (<see cref="CustomerIdPseudonymizer"/>). Empty: the engine makes one at first start and keeps it in
    /// <c>engine_secrets</c>. Changing it splits every email-identified customer in two; it is never logged.
    /// </summary>
    public string? CustomerIdSecret { get; set; }

    internal IReadOnlyList<byte[]> PreviousMasterKeyBytes()
    {
        var keys = new List<byte[]>();
        foreach (var (value, i) in (PersonalDataPreviousMasterKeys ?? []).Select((v, i) => (v, i)))
        {
            if (string.IsNullOrWhiteSpace(value)) continue;
            byte[] key;
            try
            {
                key = Convert.FromBase64String(value.Trim());
            }
            catch (FormatException)
            {
                key = [];
            }
            if (key.Length != PersonalDataCipher.KeySize)
                throw new InvalidOperationException($"OrderEngine:Security:PersonalDataPreviousMasterKeys:{i} must be the base64 of 32 random bytes");
            keys.Add(key);
        }
        return keys;
    }

    internal byte[]? MasterKeyBytes()
    {
        if (string.IsNullOrWhiteSpace(PersonalDataMasterKey)) return null;
        byte[] key;
        try
        {
            key = Convert.FromBase64String(PersonalDataMasterKey.Trim());
        }
        catch (FormatException)
        {
            throw new InvalidOperationException("OrderEngine:Security:PersonalDataMasterKey must be the base64 of 32 random bytes");
        }
        return key.Length == PersonalDataCipher.KeySize
            ? key
            : throw new InvalidOperationException("OrderEngine:Security:PersonalDataMasterKey must be the base64 of 32 random bytes");
    }
}

/// <summary>One erasure as audited.</summary>
public sealed record PersonalDataErasure(string Id, string CustomerId, DateTimeOffset ErasedAt, string ErasedBy, int KeysDestroyed);

/// <summary>
/// The per-customer keys of personal data (table <c>customer_keys</c>) with a node-local cache. A key is created before
/// the first event sealed with it is persisted: <see cref="EnsureAsync"/> queues the customer for the key writer, which
/// writes everything queued meanwhile in one INSERT (group commit, like the journal) and reads back the winner when
/// two nodes create a key for the same customer at once. An erasure nulls the key material, audits itself, drops the
/// key from this node's cache at once; other nodes drop it within <see cref="PersonalDataOptions.PersonalDataRecheckInterval"/>.
/// Keys are never logged.
/// </summary>
public sealed class CustomerKeyStore : IAsyncDisposable
{
    private const int MaxBatch = 256;

    private readonly JournalDatabase _database;
    private readonly TimeProvider _clock;
    private readonly byte[]? _masterKey;
    private readonly MasterKeyRing _ring;
    private readonly int _maxCached;
    private readonly ConcurrentDictionary<string, byte[]?> _cache = new(StringComparer.Ordinal);
    private int _cached;
    private readonly Channel<(string CustomerId, TaskCompletionSource<byte[]?> Done)> _queue =
        Channel.CreateUnbounded<(string, TaskCompletionSource<byte[]?>)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;
    private long _lastRecheck;
    private readonly IReadOnlyList<IPersonalDataHolder> _holders;

    /// <param name="holders">Stores outside the journal whose records of a customer an erasure overwrites too (the quarantine).</param>
    public CustomerKeyStore(JournalDatabase database, PersonalDataOptions options, TimeProvider clock, IEnumerable<IPersonalDataHolder>? holders = null)
    {
        _database = database;
        _holders = holders?.ToList() ?? [];
        _clock = clock;
        _masterKey = options.MasterKeyBytes();
        _ring = new MasterKeyRing(_masterKey, options.PreviousMasterKeyBytes());
        _maxCached = Math.Max(1, options.PersonalDataMaxCachedKeys);
        _maxStamps = _maxCached;
        _lastRecheck = clock.GetUtcNow().ToUnixTimeMilliseconds();
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>True when personal data keys are stored wrapped with a master key.</summary>
    public bool WrapsKeys => _masterKey is not null;

    /// <summary>The customer's key when this node has it in memory (null inside: erased). No I/O.</summary>
    public bool TryGetCached(string customerId, out byte[]? key) => _cache.TryGetValue(customerId, out key);

    /// <summary>Makes sure the customer has a durable key and this node has it; completes after the key's write.</summary>
    public Task EnsureAsync(string customerId)
    {
        if (_cache.TryGetValue(customerId, out var cached) && cached is not null) return Task.CompletedTask;
        return CreateAsync(customerId);
    }

    /// <summary>
    /// The key to seal a new record with, always through the key writer (a key erased on another node and still cached
    /// here is never used): the live key, or a new one when there is none. For rare writes (quarantined records), not
    /// for the hot path.
    /// </summary>
    public Task<byte[]?> KeyForNewRecordAsync(string keyId) => CreateAsync(keyId);

    /// <summary>The keys to open with (null inside: erased or never made), from the cache, the rest read in one query.</summary>
    public async Task<IReadOnlyDictionary<string, byte[]?>> KeysForReadAsync(IReadOnlyCollection<string> keyIds, CancellationToken ct)
    {
        var keys = new Dictionary<string, byte[]?>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var id in keyIds.Distinct(StringComparer.Ordinal))
            if (_cache.TryGetValue(id, out var key)) keys[id] = key;
            else missing.Add(id);
        if (missing.Count == 0) return keys;
        await using var connection = await _database.OpenAsync(ct);
        foreach (var chunk in missing.Chunk(MaxBatch))
        {
            var read = await ReadKeysAsync(connection, null, [.. chunk]);
            foreach (var id in chunk)
            {
                read.TryGetValue(id, out var key);
                Remember(id, key);
                keys[id] = key;
            }
        }
        return keys;
    }

    /// <summary>
    /// Destroys keys (sets their material to NULL, <c>erased_at</c> to <paramref name="at"/>) inside the caller's
    /// transaction and drops them from this node's cache; other nodes drop them at their next recheck. Answers how many
    /// live keys were destroyed.
    /// </summary>
    public async Task<int> DestroyKeysAsync(DbTransaction transaction, IReadOnlyCollection<string> keyIds, long at, CancellationToken ct)
    {
        var destroyed = 0;
        foreach (var chunk in keyIds.Distinct(StringComparer.Ordinal).Chunk(MaxBatch))
        {
            await using var update = transaction.Connection!.CreateCommand();
            update.Transaction = transaction;
            update.CommandText = "UPDATE customer_keys SET key_material = NULL, erased_at = @at WHERE key_material IS NOT NULL AND customer_id IN ("
                + string.Join(", ", chunk.Select((_, i) => "@k" + i)) + ")";
            for (var i = 0; i < chunk.Length; i++) update.AddParameter("k" + i, chunk[i]);
            update.AddParameter("at", at);
            destroyed += await update.ExecuteNonQueryAsync(ct);
            foreach (var id in chunk)
            {
                _cache[id] = null;
                NoteErasure(id, at);
            }
        }
        return destroyed;
    }

    private Task<byte[]?> CreateAsync(string customerId)
    {
        var done = new TaskCompletionSource<byte[]?>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite((customerId, done))) done.SetException(new ObjectDisposedException(nameof(CustomerKeyStore)));
        return done.Task;
    }

    /// <summary>
    /// The key to seal with (null: write the fields as erased), from the cache, else created (blocking: the caller asked
    /// <see cref="EnsureAsync"/> first, so this waits only when the cache was emptied in between).
    /// </summary>
    /// <remarks>
    /// A customer this node knows as erased gets no new key here: its personal fields are written as erased. (A new
    /// key after an erasure comes only from <see cref="EnsureAsync"/>, asked by a placement before its write; an
    /// erasure that lands between that ask and the write wins.)
    /// </remarks>
    public byte[]? KeyForWrite(string customerId) =>
        _cache.TryGetValue(customerId, out var key) ? key : CreateAsync(customerId).GetAwaiter().GetResult();

    /// <summary>The key to open with, from the cache, else read from the table (blocking, once per customer); null: erased.</summary>
    public byte[]? KeyForRead(string customerId)
    {
        if (_cache.TryGetValue(customerId, out var key)) return key;
        using var connection = _database.OpenAsync(CancellationToken.None).GetAwaiter().GetResult();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT key_material, erased_at FROM customer_keys WHERE customer_id = @id";
        command.AddParameter("id", customerId);
        string? stored = null;
        using (var reader = command.ExecuteReader())
            if (reader.Read())
            {
                stored = reader.IsDBNull(0) ? null : reader.GetString(0);
                if (!reader.IsDBNull(1)) NoteErasure(customerId, Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture));
            }
        key = stored is null ? null : _ring.Unwrap(stored, customerId);
        Remember(customerId, key);
        return key;
    }

    /// <summary>
    /// The key to seal with when this node did not ask for it first (a restaurant or zone writing a drop-off point): from
    /// the cache, else read from the table (blocking, once per customer). Never creates a key, so an erasure this node
    /// has not heard of yet is not undone by a new one; null when the customer has no live key (erased, or no row). A
    /// missing row is not cached, unlike <see cref="KeyForRead"/>, so it never reads as an erasure to a later placement.
    /// </summary>
    /// <remarks>
    /// A customer cached as erased is looked up again (erasures are rare): a later placement may have keyed it again on
    /// another node, and its new entries are then sealed with the new key rather than written coarse.
    /// </remarks>
    public byte[]? KeyForSealing(string customerId)
    {
        if (_cache.TryGetValue(customerId, out var key) && key is not null) return key;
        using var connection = _database.OpenAsync(CancellationToken.None).GetAwaiter().GetResult();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT key_material, erased_at FROM customer_keys WHERE customer_id = @id";
        command.AddParameter("id", customerId);
        using var reader = command.ExecuteReader();
        if (!reader.Read()) return null; // no row: nothing to seal with, and nothing to remember
        if (!reader.IsDBNull(1)) NoteErasure(customerId, Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture));
        key = reader.IsDBNull(0) ? null : _ring.Unwrap(reader.GetString(0), customerId); // NULL material: erased
        Remember(customerId, key);
        return key;
    }

    /// <summary>
    /// Counts the erasures this node has learnt of (its own, and others' at each recheck): an entity holding personal
    /// data of many customers looks for erased ones only when this moved.
    /// </summary>
    public long ErasuresSeen => Interlocked.Read(ref _erasuresSeen);

    private long _erasuresSeen;

    private readonly ConcurrentDictionary<string, long> _erasureStamps = new(StringComparer.Ordinal);
    private readonly int _maxStamps;

    /// <summary>
    /// The erasure stamp of a customer on this node: <c>erased_at</c> (ms) of its newest erasure this node knows of (its
    /// own, one seen at a recheck, or one read with the key row), 0 when none. No I/O. An entity holding the customer's
    /// data in clear records the stamp when it takes the data in and forgets its clear copy once the stamp moves past it:
    /// a new key made for a later order does not make the data of older orders readable again, and that later order
    /// (which records the stamp after the erasure) is not forgotten.
    /// </summary>
    /// <remarks>
    /// Kept apart from the key cache, bounded by <see cref="PersonalDataOptions.PersonalDataMaxCachedKeys"/> and emptied
    /// past it (erasures are rare): an entity that took its data in before an erasure and gets no message until the
    /// stamps were emptied keeps its clear copy until it is passivated (it then reads erased from the journal).
    /// </remarks>
    public long ErasureStampOf(string customerId) => _erasureStamps.TryGetValue(customerId, out var at) ? at : 0;

    private void NoteErasure(string customerId, long erasedAt)
    {
        if (erasedAt <= 0 || ErasureStampOf(customerId) >= erasedAt) return;
        if (_erasureStamps.Count >= _maxStamps && !_erasureStamps.ContainsKey(customerId)) _erasureStamps.Clear();
        _erasureStamps.AddOrUpdate(customerId, erasedAt, (_, was) => Math.Max(was, erasedAt));
        Interlocked.Increment(ref _erasuresSeen);
    }

    private void Remember(string customerId, byte[]? key)
    {
        if (Interlocked.Increment(ref _cached) > _maxCached)
        {
            _cache.Clear();
            Interlocked.Exchange(ref _cached, 1);
        }
        _cache[customerId] = key;
    }

    // ---- the key writer ----

    private async Task WriteLoopAsync()
    {
        var batch = new List<(string CustomerId, TaskCompletionSource<byte[]?> Done)>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item)) batch.Add(item);
            try
            {
                var keys = await WriteBatchAsync(batch.Select(b => b.CustomerId).Distinct(StringComparer.Ordinal).ToList());
                foreach (var (customerId, done) in batch)
                {
                    keys.TryGetValue(customerId, out var key);
                    Remember(customerId, key);
                    done.TrySetResult(key);
                }
            }
            catch (Exception e)
            {
                foreach (var (_, done) in batch) done.TrySetException(e);
            }
        }
    }

    private async Task<Dictionary<string, byte[]?>> WriteBatchAsync(List<string> customerIds)
    {
        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = await _database.OpenAsync(CancellationToken.None);
        await using var tx = await connection.BeginTransactionAsync();
        await using (var insert = connection.CreateCommand())
        {
            insert.Transaction = tx;
            // A customer with a live key keeps it (another node may have won the race); one whose key was erased gets a new one.
            insert.CommandText = "INSERT INTO customer_keys (customer_id, key_material, created_at) VALUES "
                + string.Join(", ", customerIds.Select((_, i) => $"(@c{i}, @k{i}, @at)"))
                + " ON CONFLICT (customer_id) DO UPDATE SET key_material = excluded.key_material, created_at = excluded.created_at"
                + " WHERE customer_keys.key_material IS NULL";
            for (var i = 0; i < customerIds.Count; i++)
            {
                insert.AddParameter("c" + i, customerIds[i]);
                insert.AddParameter("k" + i, PersonalDataCipher.Wrap(PersonalDataCipher.NewKey(), _masterKey, customerIds[i]));
            }
            insert.AddParameter("at", now);
            await insert.ExecuteNonQueryAsync();
        }
        var keys = await ReadKeysAsync(connection, tx, customerIds);
        await tx.CommitAsync();
        return keys;
    }

    private async Task<Dictionary<string, byte[]?>> ReadKeysAsync(DbConnection connection, DbTransaction? tx, List<string> customerIds)
    {
        var keys = new Dictionary<string, byte[]?>(StringComparer.Ordinal);
        await using var select = connection.CreateCommand();
        select.Transaction = tx;
        select.CommandText = "SELECT customer_id, key_material, erased_at FROM customer_keys WHERE customer_id IN ("
            + string.Join(", ", customerIds.Select((_, i) => "@c" + i)) + ")";
        for (var i = 0; i < customerIds.Count; i++) select.AddParameter("c" + i, customerIds[i]);
        await using var reader = await select.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var id = reader.GetString(0);
            keys[id] = reader.IsDBNull(1) ? null : _ring.Unwrap(reader.GetString(1), id);
            if (!reader.IsDBNull(2)) NoteErasure(id, Convert.ToInt64(reader.GetValue(2), System.Globalization.CultureInfo.InvariantCulture));
        }
        return keys;
    }

    // ---- erasure ----

    /// <summary>
    /// Destroys the customer's key, overwrites what every <see cref="IPersonalDataHolder"/> keeps of the customer and
    /// destroys those records' keys, and audits the erasure with every key destroyed counted (also when none was left: it says 0).
    /// </summary>
    public async Task<PersonalDataErasure> EraseAsync(string customerId, string erasedBy, CancellationToken ct) =>
        (await EraseWithFormerIdsAsync(customerId, [], erasedBy, ct))[0];

    /// <summary>
    /// Erases the customer as <see cref="EraseAsync"/> does and, in the same transaction, each of <paramref name="formerIds"/>
    /// that has a key row (held, or erased before): other ids the same person was kept under (an email kept as the customer
    /// id by orders taken in before pseudonymous ids). A former id without a key row is left alone, so no audit row names it.
    /// Returns the erasures, the customer's first.
    /// </summary>
    public async Task<ImmutableArray<PersonalDataErasure>> EraseWithFormerIdsAsync(
        string customerId, IReadOnlyCollection<string> formerIds, string erasedBy, CancellationToken ct)
    {
        var at = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        var erasures = ImmutableArray.CreateBuilder<PersonalDataErasure>();
        await using (var connection = await _database.OpenAsync(ct))
        await using (var tx = await connection.BeginTransactionAsync(ct))
        {
            foreach (var id in formerIds.Prepend(customerId).Distinct(StringComparer.Ordinal))
            {
                if (id != customerId)
                {
                    await using var known = connection.CreateCommand();
                    known.Transaction = tx;
                    known.CommandText = "SELECT COUNT(*) FROM customer_keys WHERE customer_id = @id";
                    known.AddParameter("id", id);
                    if (Convert.ToInt64(await known.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture) == 0) continue;
                }
                erasures.Add(await EraseOneAsync(connection, tx, id, at, erasedBy, ct));
            }
            await tx.CommitAsync(ct);
        }
        foreach (var e in erasures)
        {
            _cache[e.CustomerId] = null;
            NoteErasure(e.CustomerId, at); // counted in ErasuresSeen
        }
        return erasures.ToImmutable();
    }

    /// <summary>One id's erasure in the caller's transaction: its key, what the holders keep of it (their keys counted with its own), its audit row.</summary>
    private async Task<PersonalDataErasure> EraseOneAsync(DbConnection connection, DbTransaction tx, string customerId, long at, string erasedBy, CancellationToken ct)
    {
        var erasure = new PersonalDataErasure(Guid.NewGuid().ToString("N"), customerId, DateTimeOffset.FromUnixTimeMilliseconds(at), erasedBy, 0);
        await using (var update = connection.CreateCommand())
        {
            update.Transaction = tx;
            update.CommandText = "UPDATE customer_keys SET key_material = NULL, erased_at = @at WHERE customer_id = @id AND key_material IS NOT NULL";
            update.AddParameter("id", customerId);
            update.AddParameter("at", at);
            erasure = erasure with { KeysDestroyed = await update.ExecuteNonQueryAsync(ct) };
        }
        // What other stores keep of the customer goes in the same transaction, its keys counted with the customer's.
        foreach (var holder in _holders)
        {
            var keys = await holder.EraseAsync(tx, customerId, at, ct);
            if (keys.Count > 0) erasure = erasure with { KeysDestroyed = erasure.KeysDestroyed + await DestroyKeysAsync(tx, keys, at, ct) };
        }
        await using (var audit = connection.CreateCommand())
        {
            audit.Transaction = tx;
            audit.CommandText = """
                INSERT INTO personal_data_erasures (id, customer_id, erased_at, erased_by, keys_destroyed)
                VALUES (@id, @customer, @at, @by, @n)
                """;
            audit.AddParameter("id", erasure.Id);
            audit.AddParameter("customer", customerId);
            audit.AddParameter("at", at);
            audit.AddParameter("by", erasedBy);
            audit.AddParameter("n", erasure.KeysDestroyed);
            await audit.ExecuteNonQueryAsync(ct);
        }
        return erasure;
    }

    /// <summary>The customer's erasures, oldest first, and whether it has a live key now.</summary>
    public async Task<(bool HasKey, ImmutableArray<PersonalDataErasure> Erasures)> StatusAsync(string customerId, CancellationToken ct)
    {
        await using var connection = await _database.OpenAsync(ct);
        bool hasKey;
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT COUNT(*) FROM customer_keys WHERE customer_id = @id AND key_material IS NOT NULL";
            command.AddParameter("id", customerId);
            hasKey = Convert.ToInt64(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture) > 0;
        }
        var list = ImmutableArray.CreateBuilder<PersonalDataErasure>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                SELECT id, customer_id, erased_at, erased_by, keys_destroyed FROM personal_data_erasures
                WHERE customer_id = @id ORDER BY erased_at, id
                """;
            command.AddParameter("id", customerId);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                list.Add(new PersonalDataErasure(reader.GetString(0), reader.GetString(1),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), reader.GetString(3), Convert.ToInt32(reader.GetValue(4), System.Globalization.CultureInfo.InvariantCulture)));
        }
        return (hasKey, list.ToImmutable());
    }

    /// <summary>
    /// Refreshes the cached entries of every customer erased (or keyed again after an erasure) since the last look, with
    /// a margin for clocks of other nodes: an erased key is cached as erased (so entities in memory drop their clear
    /// copy), a new key replaces the old. Customers this node does not have cached are left out. Returns how many
    /// cached entries changed.
    /// </summary>
    public async Task<int> RecheckAsync(CancellationToken ct)
    {
        var started = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        var since = Interlocked.Read(ref _lastRecheck) - 60_000;
        var dropped = 0;
        await using (var connection = await _database.OpenAsync(ct))
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT customer_id, key_material, erased_at FROM customer_keys WHERE erased_at IS NOT NULL AND (erased_at >= @since OR created_at >= @since)";
            command.AddParameter("since", since);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var id = reader.GetString(0);
                NoteErasure(id, Convert.ToInt64(reader.GetValue(2), System.Globalization.CultureInfo.InvariantCulture));
                if (!_cache.TryGetValue(id, out var cached)) continue;
                var key = reader.IsDBNull(1) ? null : _ring.Unwrap(reader.GetString(1), id);
                if (key is null ? cached is null : cached is not null && key.AsSpan().SequenceEqual(cached)) continue;
                _cache[id] = key;
                dropped++;
            }
        }
        Interlocked.Exchange(ref _lastRecheck, started);
        return dropped;
    }

    // ---- data written before sealing, and master key rotation ----

    /// <summary>
    /// The keys to seal data of these customers that is already stored (<c>personal-data reseal</c>): a customer without a
    /// row gets a key (written and read back in one transaction, before anything is sealed with it); an erased customer
    /// stays erased (null), unlike <see cref="EnsureAsync"/>, whose new placement may start a new key after an erasure.
    /// Nothing is cached: a node's cache is not this process's.
    /// </summary>
    public async Task<Dictionary<string, byte[]?>> KeysForStoredDataAsync(IReadOnlyCollection<string> customerIds, CancellationToken ct)
    {
        var ids = customerIds.Distinct(StringComparer.Ordinal).ToList();
        if (ids.Count == 0) return new Dictionary<string, byte[]?>(StringComparer.Ordinal);
        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = await _database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var insert = connection.CreateCommand())
        {
            insert.Transaction = tx;
            insert.CommandText = "INSERT INTO customer_keys (customer_id, key_material, created_at) VALUES "
                + string.Join(", ", ids.Select((_, i) => $"(@c{i}, @k{i}, @at)"))
                + " ON CONFLICT (customer_id) DO NOTHING";
            for (var i = 0; i < ids.Count; i++)
            {
                insert.AddParameter("c" + i, ids[i]);
                insert.AddParameter("k" + i, PersonalDataCipher.Wrap(PersonalDataCipher.NewKey(), _masterKey, ids[i]));
            }
            insert.AddParameter("at", now);
            await insert.ExecuteNonQueryAsync(ct);
        }
        var keys = await ReadKeysAsync(connection, tx, ids);
        await tx.CommitAsync(ct);
        return keys;
    }

    /// <summary>
    /// Opens the <paramref name="sample"/> oldest and newest wrapped keys with the configured master keys: how many were
    /// looked at, how many open only with a previous master key (a rewrap is due) and how many open with none (a master
    /// key is missing from the settings: those customers' orders cannot be read). Reads a bounded number of rows.
    /// </summary>
    public async Task<(int Checked, int UnderPrevious, int Unreadable)> CheckMasterKeysAsync(int sample, CancellationToken ct)
    {
        var rows = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var connection = await _database.OpenAsync(ct))
        {
            foreach (var order in new[] { "ASC", "DESC" })
            {
                await using var command = connection.CreateCommand();
                command.CommandText = "SELECT customer_id, key_material FROM customer_keys WHERE key_material IS NOT NULL"
                    + $" ORDER BY created_at {order}, customer_id {order} LIMIT @n";
                command.AddParameter("n", sample);
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct)) rows[reader.GetString(0)] = reader.GetString(1);
            }
        }
        int underPrevious = 0, unreadable = 0;
        foreach (var (id, stored) in rows)
        {
            try
            {
                _ring.Open(stored, id, out var current);
                if (!current && stored.StartsWith("w1:", StringComparison.Ordinal)) underPrevious++;
            }
            catch (PersonalDataKeyUnreadableException)
            {
                unreadable++;
            }
        }
        return (rows.Count, underPrevious, unreadable);
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        try
        {
            await _writer;
        }
        catch (Exception)
        {
            // the writer ends with the store; its callers already got their failures
        }
    }
}
