using OrderEngine.Engine.Hosting;

namespace OrderEngine.Engine.PersonalData;

/// <summary>What a rewrap did (or, dry, would do) to the rows of <c>customer_keys</c>.</summary>
public sealed record RewrapCounts(long Scanned, long Rewrapped, long Current, long Erased, long Unreadable, long Skipped)
{
    public static readonly RewrapCounts None = new(0, 0, 0, 0, 0, 0);

    public override string ToString() =>
        $"scanned {Scanned}, rewrapped {Rewrapped}, already current {Current}, erased {Erased}, unreadable {Unreadable}, skipped {Skipped}";
}

/// <summary>
/// Rewrites every stored customer key under the current master key (<c>personal-data rewrap</c>): keys wrapped with a
/// previous master key, and keys stored unwrapped (<c>k1:</c>) from before a master key was configured. After it the
/// previous master keys can be removed from the settings. Erased rows (NULL) stay NULL: a row is written only if it
/// still holds what was read, so an erasure in between wins. Idempotent; key material is never printed.
/// </summary>
public sealed class CustomerKeyRewrap(JournalDatabase database, MasterKeyRing ring)
{
    public async Task<RewrapCounts> RunAsync(int batch, bool dryRun, Func<RewrapCounts, Task>? progress, CancellationToken ct)
    {
        if (!ring.HasCurrent) throw new InvalidOperationException("OrderEngine:Security:PersonalDataMasterKey is not set: there is no master key to wrap with");
        var counts = RewrapCounts.None;
        string? after = null;
        while (true)
        {
            var rows = new List<(string CustomerId, string? Stored)>(batch);
            await using (var connection = await database.OpenAsync(ct))
            await using (var select = connection.CreateCommand())
            {
                select.CommandText = "SELECT customer_id, key_material FROM customer_keys"
                    + (after is null ? "" : " WHERE customer_id > @after") + " ORDER BY customer_id LIMIT @n";
                if (after is not null) select.AddParameter("after", after);
                select.AddParameter("n", batch);
                await using var reader = await select.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct)) rows.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1)));
            }
            if (rows.Count == 0) return counts;
            after = rows[^1].CustomerId;
            counts = counts with { Scanned = counts.Scanned + rows.Count };

            var updates = new List<(string CustomerId, string Old, string New)>();
            foreach (var (customerId, stored) in rows)
            {
                if (stored is null)
                {
                    counts = counts with { Erased = counts.Erased + 1 };
                    continue;
                }
                try
                {
                    var key = ring.Open(stored, customerId, out var current);
                    if (current) counts = counts with { Current = counts.Current + 1 };
                    else updates.Add((customerId, stored, ring.Wrap(key, customerId)));
                }
                catch (PersonalDataKeyUnreadableException)
                {
                    counts = counts with { Unreadable = counts.Unreadable + 1 };
                }
            }

            if (updates.Count > 0)
            {
                var rewrapped = updates.Count;
                if (!dryRun)
                {
                    rewrapped = 0;
                    await using var connection = await database.OpenAsync(ct);
                    await using var tx = await connection.BeginTransactionAsync(ct);
                    foreach (var (customerId, old, @new) in updates)
                    {
                        await using var update = connection.CreateCommand();
                        update.Transaction = tx;
                        update.CommandText = "UPDATE customer_keys SET key_material = @new WHERE customer_id = @id AND key_material = @old";
                        update.AddParameter("new", @new);
                        update.AddParameter("id", customerId);
                        update.AddParameter("old", old);
                        rewrapped += await update.ExecuteNonQueryAsync(ct);
                    }
                    await tx.CommitAsync(ct);
                }
                counts = counts with { Rewrapped = counts.Rewrapped + rewrapped, Skipped = counts.Skipped + updates.Count - rewrapped };
            }
            if (progress is not null) await progress(counts);
        }
    }
}
