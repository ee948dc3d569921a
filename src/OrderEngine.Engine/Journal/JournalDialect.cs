using OrderEngine.Engine.Hosting;

namespace OrderEngine.Engine.Journal;

/// <summary>
/// The SQL of one database for the batching journal: Akka.Persistence.Sql's tables and row format (default table
/// mapping, Csv tags), written and read with plain prepared commands.
/// </summary>
internal abstract class JournalDialect : IAsyncDisposable
{
    /// <summary>Stores every row, or none of them: one transaction.</summary>
    public abstract Task WriteAsync(IReadOnlyList<JournalRow> rows);

    /// <summary>The highest sequence number of each id that has any row, deleted or not (the highest row survives deletes).</summary>
    public abstract Task<Dictionary<string, long>> ReadHighestAsync(IReadOnlyCollection<string> persistenceIds);

    /// <summary>Rows of one id in [from, to], not deleted, in order, at most <paramref name="max"/>.</summary>
    public abstract Task ReplayAsync(string persistenceId, long from, long to, long max, Action<StoredEvent> onEvent);

    /// <summary>
    /// Marks the rows up to <paramref name="toSequenceNr"/> deleted and removes all of them but the highest marked one,
    /// which keeps the id's highest sequence number readable (one transaction).
    /// </summary>
    public abstract Task DeleteToAsync(string persistenceId, long toSequenceNr);

    /// <summary>
    /// True when the database refused these rows (a constraint, a trigger, a missing table) rather than failed as a
    /// whole (connection lost, lock timeout, disk full): only a refusal is worth retrying one writer at a time.
    /// </summary>
    public abstract bool IsRefusal(Exception error);

    public abstract ValueTask DisposeAsync();

    /// <summary>Drops the idle pooled connections (after the database went away or came back: they may be broken).</summary>
    public virtual void ClearPool()
    {
    }

    public static JournalDialect Create(JournalSettings settings) => settings.Provider switch
    {
        PersistenceProvider.Sqlite => new SqliteJournalDialect(settings.ConnectionString, settings.ReadParallelism),
        // The writer loops, the lookup loops (2) and the replays.
        _ => new PostgresJournalDialect(settings.ConnectionString, settings.ConcurrentBatches + 2 + settings.ReadParallelism),
    };

    protected const string Columns = "created, deleted, persistence_id, sequence_number, message, tags, manifest, identifier, writer_uuid";
}
