using System.Data.Common;
using Akka.Persistence.Query;
using OrderEngine.Engine.Hosting;

namespace OrderEngine.Engine.Projections;

/// <summary>
/// A read model built from the journal. The <see cref="ProjectionRunner"/> reads the journal once for all projections
/// and hands each one the events past its own offset; the projection writes its rows and its new offset in one
/// transaction, so a batch applied again after a crash gives the same rows (effectively exactly once).
/// </summary>
public interface IProjection
{
    /// <summary>The name its offset is kept under in projection_offsets, and its name in /api/projections.</summary>
    string Name { get; }

    /// <summary>Whether <see cref="ResetAsync"/> may be used: false where rebuilding would repeat an effect (the webhook outbox).</summary>
    bool Rebuildable { get; }

    Task<long> LoadOffsetAsync(CancellationToken ct);

    /// <summary>
    /// Applies every event in <paramref name="events"/> (all past this projection's offset, in journal order, of any
    /// entity: pick the ones it reads by type) and stores the last one's offset in the same transaction. A batch that
    /// holds nothing it reads still moves the offset.
    /// </summary>
    Task ApplyAsync(IReadOnlyList<EventEnvelope> events, CancellationToken ct);

    /// <summary>Empties its tables and sets its offset to 0, in one transaction (the start of a rebuild).</summary>
    Task ResetAsync(CancellationToken ct);
}

/// <summary>The projection_offsets table, shared by every projection.</summary>
public static class ProjectionOffsets
{
    public static async Task<long> LoadAsync(JournalDatabase database, string name, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT last_offset FROM projection_offsets WHERE name = @name";
        command.AddParameter("name", name);
        return await command.ExecuteScalarAsync(ct) is { } value and not DBNull ? Convert.ToInt64(value) : 0L;
    }

    /// <summary>Stores <paramref name="offset"/> as <paramref name="name"/>'s offset, inside the caller's transaction.</summary>
    public static async Task SaveAsync(DbConnection connection, DbTransaction tx, string name, long offset, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = """
            INSERT INTO projection_offsets (name, last_offset) VALUES (@name, @offset)
            ON CONFLICT (name) DO UPDATE SET last_offset = excluded.last_offset
            """;
        command.AddParameter("name", name);
        command.AddParameter("offset", offset);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Empties a projection's tables and sets its offset to 0, in one transaction (the start of a rebuild).</summary>
    public static async Task ResetAsync(JournalDatabase database, string name, IEnumerable<string> tables, CancellationToken ct)
    {
        await using var connection = await database.OpenForProjectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        foreach (var table in tables)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = tx;
            command.CommandText = "DELETE FROM " + table;
            await command.ExecuteNonQueryAsync(ct);
        }
        await SaveAsync(connection, tx, name, 0, ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>The journal offset of the last event in a batch.</summary>
    public static long Last(IReadOnlyList<EventEnvelope> events) => ((Sequence)events[^1].Offset).Value;
}
