using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrderEngine.Domain.Orders;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Serialization;

namespace OrderEngine.Engine.PersonalData;

/// <summary>What a reseal did (or, dry, would do): rows looked at, sealed, written as erased, left as they were, failed.</summary>
public sealed record ResealCounts(long Scanned, long Sealed, long Erased, long Skipped, long Failed, long LastOrdering)
{
    public static readonly ResealCounts None = new(0, 0, 0, 0, 0, 0);

    public override string ToString() => $"scanned {Scanned}, sealed {Sealed}, erased {Erased}, skipped {Skipped}, failed {Failed}";
}

/// <summary>
/// Seals the personal fields of placements written in clear before sealing existed (<c>personal-data reseal</c>): every
/// journal row of manifest <c>order.placed</c> whose address still has a clear name, street line or phone gets them
/// sealed with its customer's key (created if the customer has none), or overwritten with
/// <see cref="PersonalDataCipher.Erased"/> when the customer was erased. The row is updated in place: ordering,
/// persistence id, sequence number, manifest, tags and every other field of the event stay, only those fields of the
/// payload change (the JSON is edited, not re-serialized, so nothing an older version wrote is dropped).
/// </summary>
/// <remarks>
/// Rows are taken in ordering order, <c>batch</c> at a time; each batch's keys are durable before its rows are written,
/// and its rows are written in one transaction, each only if its payload is still the one read (another run, or a
/// deletion, in between leaves it alone). Idempotent: a sealed row is skipped, so a run stopped half-way is resumed by
/// running it again. A running node reads a resealed row as it read the clear one. Personal values are never printed.
/// </remarks>
public sealed class JournalReseal(JournalDatabase database, CustomerKeyStore keys)
{
    /// <summary>The manifest of the events that carry a shipping address (<see cref="OrderPlaced"/>).</summary>
    public static readonly string Manifest = MessageManifests.ManifestOf(typeof(OrderPlaced));

    private static readonly (string Json, string Field)[] PersonalFields =
        [("name", "address.name"), ("line1", "address.line1"), ("line2", "address.line2"), ("phone", "address.phone")];

    public async Task<ResealCounts> RunAsync(int batch, bool dryRun, Func<ResealCounts, Task>? progress, CancellationToken ct)
    {
        if (!MessageManifests.TryGet(Manifest, out var info)) throw new InvalidOperationException($"no serializer metadata for {Manifest}");
        var counts = ResealCounts.None;
        while (true)
        {
            var rows = await ReadBatchAsync(counts.LastOrdering, batch, ct);
            if (rows.Count == 0) return counts;
            counts = counts with { Scanned = counts.Scanned + rows.Count, LastOrdering = rows[^1].Ordering };

            var clear = new List<(long Ordering, byte[] Message, JsonObject Root, string CustomerId)>();
            foreach (var (ordering, message) in rows)
            {
                if (!TryParse(message, out var root, out var customerId)) counts = counts with { Failed = counts.Failed + 1 };
                else if (!HasClearFields(root)) counts = counts with { Skipped = counts.Skipped + 1 };
                else clear.Add((ordering, message, root, customerId));
            }

            if (clear.Count > 0)
            {
                var customers = clear.Select(c => c.CustomerId).Distinct(StringComparer.Ordinal).ToList();
                var keysOf = dryRun ? await ErasedAsync(customers, ct) : await keys.KeysForStoredDataAsync(customers, ct);
                var updates = new List<(long Ordering, byte[] Old, byte[] New, bool Erased)>(clear.Count);
                foreach (var (ordering, message, root, customerId) in clear)
                {
                    keysOf.TryGetValue(customerId, out var key);
                    if (dryRun)
                    {
                        updates.Add((ordering, message, message, key is null));
                        continue;
                    }
                    var resealed = Reseal(root, customerId, key);
                    // Written only when it reads back as the same placement: the clear address, sealed (or erased).
                    if (ReadsTheSame(message, resealed, customerId, key, info)) updates.Add((ordering, message, resealed, key is null));
                    else counts = counts with { Failed = counts.Failed + 1 };
                }
                var written = dryRun ? updates.Select(_ => true).ToList() : await WriteAsync(updates, ct);
                for (var i = 0; i < updates.Count; i++)
                {
                    if (!written[i]) counts = counts with { Skipped = counts.Skipped + 1 };
                    else if (updates[i].Erased) counts = counts with { Erased = counts.Erased + 1 };
                    else counts = counts with { Sealed = counts.Sealed + 1 };
                }
            }
            if (progress is not null) await progress(counts);
        }
    }

    private async Task<List<(long Ordering, byte[] Message)>> ReadBatchAsync(long after, int batch, CancellationToken ct)
    {
        var rows = new List<(long, byte[])>(batch);
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        // No transaction: a plain read takes no write lock on SQLite, and the rows are written back compare-and-set.
        command.CommandText = "SELECT ordering, message FROM journal WHERE manifest = @manifest AND identifier = @serializer AND ordering > @after"
            + " ORDER BY ordering LIMIT @n";
        command.AddParameter("manifest", Manifest);
        command.AddParameter("serializer", OrderEngineSerializer.Id);
        command.AddParameter("after", after);
        command.AddParameter("n", batch);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) rows.Add((reader.GetInt64(0), (byte[])reader.GetValue(1)));
        return rows;
    }

    // Dry run: which customers are erased (null), without creating a key for the others.
    private async Task<Dictionary<string, byte[]?>> ErasedAsync(List<string> customers, CancellationToken ct)
    {
        var live = customers.ToDictionary(c => c, _ => (byte[]?)[], StringComparer.Ordinal);
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT customer_id FROM customer_keys WHERE key_material IS NULL AND customer_id IN ("
            + string.Join(", ", customers.Select((_, i) => "@c" + i)) + ")";
        for (var i = 0; i < customers.Count; i++) command.AddParameter("c" + i, customers[i]);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) live[reader.GetString(0)] = null;
        return live;
    }

    private async Task<List<bool>> WriteAsync(List<(long Ordering, byte[] Old, byte[] New, bool Erased)> updates, CancellationToken ct)
    {
        var written = new List<bool>(updates.Count);
        if (updates.Count == 0) return written;
        await using var connection = await database.OpenAsync(ct);
        await using DbTransaction tx = await connection.BeginTransactionAsync(ct);
        foreach (var (ordering, old, @new, _) in updates)
        {
            await using var update = connection.CreateCommand();
            update.Transaction = tx;
            update.CommandText = "UPDATE journal SET message = @new WHERE ordering = @ordering AND message = @old";
            update.AddParameter("new", @new);
            update.AddParameter("ordering", ordering);
            update.AddParameter("old", old);
            written.Add(await update.ExecuteNonQueryAsync(ct) == 1);
        }
        await tx.CommitAsync(ct);
        return written;
    }

    private static bool TryParse(byte[] message, out JsonObject root, out string customerId)
    {
        root = null!;
        customerId = "";
        try
        {
            if (JsonNode.Parse(message) is not JsonObject o || o["customerId"] is not JsonValue id || !id.TryGetValue<string>(out var c)) return false;
            root = o;
            customerId = c;
            return true;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return false;
        }
    }

    private static bool HasClearFields(JsonObject root) =>
        root["shippingAddress"] is JsonObject address && PersonalFields.Any(f => IsClear(address[f.Json]));

    // A clear personal value: a string neither sealed nor already the erased marker (which is not personal).
    private static bool IsClear(JsonNode? value) =>
        value is JsonValue v && v.TryGetValue<string>(out var s) && !PersonalDataCipher.IsSealed(s) && s != PersonalDataCipher.Erased;

    private static byte[] Reseal(JsonObject root, string customerId, byte[]? key)
    {
        var address = (JsonObject)root["shippingAddress"]!;
        foreach (var (json, field) in PersonalFields)
        {
            if (!IsClear(address[json])) continue;
            var clear = address[json]!.GetValue<string>();
            address[json] = key is null ? PersonalDataCipher.Erased : PersonalDataCipher.Seal(key, customerId, field, clear);
        }
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer)) root.WriteTo(writer);
        return buffer.ToArray();
    }

    private static bool ReadsTheSame(byte[] before, byte[] after, string customerId, byte[]? key, System.Text.Json.Serialization.Metadata.JsonTypeInfo info)
    {
        try
        {
            if (JsonSerializer.Deserialize(before, info) is not OrderPlaced { ShippingAddress: { } clear } old
                || JsonSerializer.Deserialize(after, info) is not OrderPlaced { ShippingAddress: { } sealedAddress } resealed) return false;
            var expected = key is null ? PersonalDataCipher.Erase(clear) : PersonalDataCipher.Open(key, customerId, clear);
            var opened = key is null ? sealedAddress : PersonalDataCipher.Open(key, customerId, sealedAddress);
            return opened == expected && resealed.OrderId == old.OrderId && resealed.CustomerId == old.CustomerId
                && resealed.Total == old.Total && resealed.Lines.SequenceEqual(old.Lines);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            return false;
        }
    }
}
