using System.Collections.Concurrent;
using System.Data;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using OrderEngine.Engine.Hosting;

namespace OrderEngine.Engine.Journal;

/// <summary>
/// SQLite through Microsoft.Data.Sqlite. One writer connection with one prepared INSERT reused for every row inside a
/// <c>BEGIN IMMEDIATE</c> transaction; reads on their own connections without a transaction, so in WAL mode they
/// never take the write lock.
/// </summary>
internal sealed class SqliteJournalDialect : JournalDialect
{
    private const string InsertSql =
        $"INSERT INTO journal ({Columns}) VALUES (@created, 0, @pid, @seq, @message, @tags, @manifest, @identifier, @writer)";

    // A JSON array parameter keeps one prepared statement for any number of ids (an IN list would be a new statement
    // per count); each id is one probe of the (persistence_id, sequence_number) index for its newest row.
    private const string HighestSql =
        "SELECT ids.value, (SELECT MAX(j.sequence_number) FROM journal j WHERE j.persistence_id = ids.value) FROM json_each(@ids) AS ids";

    private const string ReplaySql =
        "SELECT sequence_number, created, message, manifest, identifier, writer_uuid FROM journal " +
        "WHERE persistence_id = @pid AND sequence_number >= @from AND sequence_number <= @to AND deleted = 0 " +
        "ORDER BY sequence_number LIMIT @max";

    private const string DeleteSql =
        "UPDATE journal SET deleted = 1 WHERE persistence_id = @pid AND sequence_number <= @to;" +
        "DELETE FROM journal WHERE persistence_id = @pid AND sequence_number <= @to AND sequence_number < " +
        "(SELECT MAX(sequence_number) FROM journal WHERE persistence_id = @pid AND deleted = 1);";

    private readonly string _connectionString;
    private readonly ConcurrentBag<Reader> _idleReaders = new();
    private readonly SemaphoreSlim _readers;
    private Writer? _writer;

    public SqliteJournalDialect(string connectionString, int readParallelism)
    {
        _connectionString = connectionString;
        _readers = new SemaphoreSlim(readParallelism);
    }

    public override Task WriteAsync(IReadOnlyList<JournalRow> rows)
    {
        // Only the journal's single writer loop calls this, so the writer connection needs no lock.
        var writer = _writer ??= new Writer(Open(_connectionString));
        try
        {
            writer.Write(rows);
            return Task.CompletedTask;
        }
        catch
        {
            // Start over with a fresh connection: whatever broke (a locked or replaced file, a full disk) may have left it unusable.
            _writer = null;
            writer.Dispose();
            throw;
        }
    }

    public override Task<Dictionary<string, long>> ReadHighestAsync(IReadOnlyCollection<string> persistenceIds) =>
        WithReaderAsync(reader =>
        {
            reader.HighestIds.Value = JsonSerializer.Serialize(persistenceIds);
            var highest = new Dictionary<string, long>(persistenceIds.Count, StringComparer.Ordinal);
            using var rows = reader.Highest.ExecuteReader();
            while (rows.Read())
                if (!rows.IsDBNull(1)) highest[rows.GetString(0)] = rows.GetInt64(1);
            return highest;
        });

    public override Task ReplayAsync(string persistenceId, long from, long to, long max, Action<StoredEvent> onEvent) =>
        WithReaderAsync(reader =>
        {
            reader.ReplayPid.Value = persistenceId;
            reader.ReplayFrom.Value = from;
            reader.ReplayTo.Value = to;
            reader.ReplayMax.Value = max;
            using var rows = reader.Replay.ExecuteReader();
            while (rows.Read())
            {
                onEvent(new StoredEvent(
                    rows.GetInt64(0),
                    rows.GetInt64(1),
                    (byte[])rows.GetValue(2),
                    rows.IsDBNull(3) ? null : rows.GetString(3),
                    rows.IsDBNull(4) ? null : rows.GetInt32(4),
                    rows.IsDBNull(5) ? null : rows.GetString(5)));
            }
            return 0;
        });

    public override Task DeleteToAsync(string persistenceId, long toSequenceNr) => Task.Run(() =>
    {
        // Deletes are rare: a connection of their own, waiting for the writer's lock through busy_timeout.
        using var connection = Open(_connectionString);
        using var transaction = connection.BeginTransaction(IsolationLevel.Serializable, deferred: false);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = DeleteSql;
        command.Parameters.AddWithValue("@pid", persistenceId);
        command.Parameters.AddWithValue("@to", toSequenceNr);
        command.ExecuteNonQuery();
        transaction.Commit();
    });

    // SQLITE_ERROR (e.g. no such table), SQLITE_TOOBIG, SQLITE_CONSTRAINT (unique index, a trigger's RAISE), SQLITE_MISMATCH.
    // A busy or locked file, an I/O error or a full disk would only fail again, after as long a wait, for each writer.
    public override bool IsRefusal(Exception error) => error is SqliteException { SqliteErrorCode: 1 or 18 or 19 or 20 };

    public override ValueTask DisposeAsync()
    {
        _writer?.Dispose();
        _writer = null;
        while (_idleReaders.TryTake(out var reader)) reader.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<T> WithReaderAsync<T>(Func<Reader, T> read)
    {
        await _readers.WaitAsync();
        try
        {
            // Microsoft.Data.Sqlite runs synchronously: keep the caller (often the journal actor) free.
            return await Task.Run(() =>
            {
                var reader = _idleReaders.TryTake(out var idle) ? idle : new Reader(Open(_connectionString));
                try
                {
                    var result = read(reader);
                    _idleReaders.Add(reader);
                    return result;
                }
                catch
                {
                    reader.Dispose();
                    throw;
                }
            });
        }
        finally
        {
            _readers.Release();
        }
    }

    private static SqliteConnection Open(string connectionString)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            using var pragma = connection.CreateCommand();
            // Durable commits (fsync of the WAL on every commit), and SQLite's own short waits on a locked file.
            pragma.CommandText = SqliteBusyTimeout.Pragma + " PRAGMA synchronous = FULL;";
            pragma.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>The writer connection and its prepared INSERT.</summary>
    private sealed class Writer : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly SqliteCommand _insert;
        private readonly SqliteParameter _created, _pid, _seq, _message, _tags, _manifest, _identifier, _writer;

        public Writer(SqliteConnection connection)
        {
            _connection = connection;
            _insert = connection.CreateCommand();
            _insert.CommandText = InsertSql;
            _created = _insert.Parameters.Add("@created", SqliteType.Integer);
            _pid = _insert.Parameters.Add("@pid", SqliteType.Text);
            _seq = _insert.Parameters.Add("@seq", SqliteType.Integer);
            _message = _insert.Parameters.Add("@message", SqliteType.Blob);
            _tags = _insert.Parameters.Add("@tags", SqliteType.Text);
            _manifest = _insert.Parameters.Add("@manifest", SqliteType.Text);
            _identifier = _insert.Parameters.Add("@identifier", SqliteType.Integer);
            _writer = _insert.Parameters.Add("@writer", SqliteType.Text);
        }

        public void Write(IReadOnlyList<JournalRow> rows)
        {
            // BEGIN IMMEDIATE: take the write lock up front, so a busy file is waited for before any row is sent.
            using var transaction = _connection.BeginTransaction(IsolationLevel.Serializable, deferred: false);
            _insert.Transaction = transaction;
            foreach (var row in rows)
            {
                _created.Value = row.Created;
                _pid.Value = row.PersistenceId;
                _seq.Value = row.SequenceNr;
                _message.Value = row.Message;
                _tags.Value = row.Tags;
                _manifest.Value = row.Manifest;
                _identifier.Value = row.Identifier;
                _writer.Value = row.WriterUuid;
                _insert.ExecuteNonQuery();
            }
            transaction.Commit();
        }

        public void Dispose()
        {
            _insert.Dispose();
            _connection.Dispose();
        }
    }

    /// <summary>A read connection with its prepared lookups.</summary>
    private sealed class Reader : IDisposable
    {
        private readonly SqliteConnection _connection;

        public Reader(SqliteConnection connection)
        {
            _connection = connection;
            Highest = connection.CreateCommand();
            Highest.CommandText = HighestSql;
            HighestIds = Highest.Parameters.Add("@ids", SqliteType.Text);
            Replay = connection.CreateCommand();
            Replay.CommandText = ReplaySql;
            ReplayPid = Replay.Parameters.Add("@pid", SqliteType.Text);
            ReplayFrom = Replay.Parameters.Add("@from", SqliteType.Integer);
            ReplayTo = Replay.Parameters.Add("@to", SqliteType.Integer);
            ReplayMax = Replay.Parameters.Add("@max", SqliteType.Integer);
        }

        public SqliteCommand Highest { get; }
        public SqliteParameter HighestIds { get; }
        public SqliteCommand Replay { get; }
        public SqliteParameter ReplayPid { get; }
        public SqliteParameter ReplayFrom { get; }
        public SqliteParameter ReplayTo { get; }
        public SqliteParameter ReplayMax { get; }

        public void Dispose()
        {
            Highest.Dispose();
            Replay.Dispose();
            _connection.Dispose();
        }
    }
}
