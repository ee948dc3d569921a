using System.Data.Common;
using Npgsql;
using NpgsqlTypes;
using Akka.Persistence.Query;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Projections;

namespace OrderEngine.Engine.ReadSide;

/// <summary>The type of one column of a <see cref="RowSet"/>, for PostgreSQL's typed arrays.</summary>
public enum ColumnKind
{
    Text,
    Int,
    Long,
    NullableLong,
}

/// <summary>Rows for one statement: column names and kinds, then one value per column per row.</summary>
public sealed class RowSet(string table, params (string Name, ColumnKind Kind)[] columns)
{
    public string Table { get; } = table;
    public (string Name, ColumnKind Kind)[] Columns { get; } = columns;
    public List<object?[]> Rows { get; } = [];

    public void Add(params object?[] values)
    {
        if (values.Length != Columns.Length) throw new ArgumentException($"{Table}: {Columns.Length} values expected, got {values.Length}");
        Rows.Add(values);
    }
}

/// <summary>
/// Set-based writes of the read side on both databases: on SQLite (in process) one prepared statement run for each
/// row; on PostgreSQL one statement per table with the rows passed as typed arrays (unnest), all in one NpgsqlBatch.
/// Every statement is an INSERT ... ON CONFLICT with the same conflict clause on both databases.
/// </summary>
public static class ReadTables
{
    /// <summary>Writes each row set with its conflict clause (e.g. "ON CONFLICT (sku) DO UPDATE SET ..."), inside <paramref name="tx"/>.</summary>
    public static async Task UpsertAsync(DbConnection connection, DbTransaction tx, PersistenceProvider provider,
        IEnumerable<(RowSet Rows, string OnConflict)> statements, CancellationToken ct)
    {
        var work = statements.Where(s => s.Rows.Rows.Count > 0).ToList();
        if (work.Count == 0) return;
        if (provider == PersistenceProvider.PostgreSql)
        {
            await using var batch = new NpgsqlBatch((NpgsqlConnection)connection, (NpgsqlTransaction)tx);
            foreach (var (rows, onConflict) in work) batch.BatchCommands.Add(PostgresCommand(rows, onConflict));
            await batch.ExecuteNonQueryAsync(ct);
            return;
        }
        foreach (var (rows, onConflict) in work)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = tx;
            command.CommandText = $"INSERT INTO {rows.Table} ({string.Join(", ", rows.Columns.Select(c => c.Name))}) " +
                                  $"VALUES ({string.Join(", ", rows.Columns.Select((_, i) => "@p" + i))}) {onConflict}";
            var parameters = rows.Columns.Select((_, i) =>
            {
                var p = command.CreateParameter();
                p.ParameterName = "p" + i;
                command.Parameters.Add(p);
                return p;
            }).ToArray();
            await command.PrepareAsync(ct);
            foreach (var row in rows.Rows)
            {
                for (var i = 0; i < row.Length; i++) parameters[i].Value = row[i] ?? DBNull.Value;
                await command.ExecuteNonQueryAsync(ct);
            }
        }
    }

    private static NpgsqlBatchCommand PostgresCommand(RowSet rows, string onConflict)
    {
        var columns = string.Join(", ", rows.Columns.Select(c => c.Name));
        var command = new NpgsqlBatchCommand(
            $"INSERT INTO {rows.Table} ({columns}) SELECT * FROM unnest({string.Join(", ", rows.Columns.Select((_, i) => "@p" + i))}) {onConflict}");
        for (var i = 0; i < rows.Columns.Length; i++)
        {
            var index = i;
            NpgsqlParameter parameter = rows.Columns[i].Kind switch
            {
                ColumnKind.Text => new NpgsqlParameter("p" + i, NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = rows.Rows.Select(r => (string?)r[index]).ToArray() },
                ColumnKind.Int => new NpgsqlParameter("p" + i, NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = rows.Rows.Select(r => Convert.ToInt32(r[index])).ToArray() },
                ColumnKind.Long => new NpgsqlParameter("p" + i, NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = rows.Rows.Select(r => Convert.ToInt64(r[index])).ToArray() },
                _ => new NpgsqlParameter("p" + i, NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = rows.Rows.Select(r => r[index] is null ? (long?)null : Convert.ToInt64(r[index])).ToArray() },
            };
            command.Parameters.Add(parameter);
        }
        return command;
    }

    /// <summary>Reads the rows whose <paramref name="keyColumn"/> is one of <paramref name="keys"/> (in chunks of IN lists: one round trip per 500 keys).</summary>
    public static async Task ReadWhereInAsync(DbConnection connection, DbTransaction? tx, string selectFrom, string keyColumn,
        IReadOnlyCollection<string> keys, Action<DbDataReader> read, CancellationToken ct)
    {
        foreach (var chunk in keys.Chunk(500))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = tx;
            command.CommandText = $"{selectFrom} WHERE {keyColumn} IN ({string.Join(", ", chunk.Select((_, i) => "@k" + i))})";
            for (var i = 0; i < chunk.Length; i++) command.AddParameter("k" + i, chunk[i]);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) read(reader);
        }
    }

    public static async Task ExecuteAsync(DbConnection connection, DbTransaction tx, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// How a read-table projection applies a batch: the events of its kind past its committed offset are folded over the
    /// rows they touch (read before the write transaction, so the database's write lock — all of SQLite's — is held for
    /// the writes only; safe because the projection is the only writer of its tables and offset), then the changes and
    /// the batch's last offset commit in one transaction. Events at or below the committed offset are in the tables
    /// already: a caller that sends them again gets no double count of the increments.
    /// </summary>
    public static async Task ApplyFoldAsync<TEvent, TChanges>(
        JournalDatabase database,
        string projection,
        IReadOnlyList<EventEnvelope> batch,
        Func<DbConnection, List<TEvent>, CancellationToken, Task<TChanges>> fold,
        Func<DbConnection, DbTransaction, TChanges, CancellationToken, Task> write,
        CancellationToken ct)
        where TChanges : class
    {
        if (batch.Count == 0) return;
        var lastOffset = ProjectionOffsets.Last(batch);
        await using var connection = await database.OpenForProjectionAsync(ct);
        var committed = await OffsetAsync(connection, null, projection, ct);
        if (committed >= lastOffset) return;
        var events = new List<TEvent>();
        foreach (var envelope in batch)
            if (envelope.Event is TEvent e && ((Sequence)envelope.Offset).Value > committed) events.Add(e);
        var changes = events.Count > 0 ? await fold(connection, events, ct) : null;
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (changes is not null) await write(connection, tx, changes, ct);
        await ProjectionOffsets.SaveAsync(connection, tx, projection, lastOffset, ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>A projection's committed offset, read inside the batch's transaction.</summary>
    public static async Task<long> OffsetAsync(DbConnection connection, DbTransaction? tx, string name, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "SELECT last_offset FROM projection_offsets WHERE name = @name";
        command.AddParameter("name", name);
        return await command.ExecuteScalarAsync(ct) is { } value and not DBNull ? Convert.ToInt64(value) : 0L;
    }

    public static long? NullableLong(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);

    public static string? NullableString(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
}
