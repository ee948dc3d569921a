using Akka.Configuration;
using OrderEngine.Engine.Hosting;

namespace OrderEngine.Engine.Journal;

/// <summary>The batching journal's settings, read from its plugin's HOCON block (see <see cref="OrderEngineJournalOptions"/>).</summary>
public sealed record JournalSettings(
    PersistenceProvider Provider,
    string ConnectionString,
    int MaxBatchRows,
    int ConcurrentBatches,
    TimeSpan Linger,
    int MaxLookupIds,
    int ReadParallelism,
    string? DefaultSerializer)
{
    public static JournalSettings From(Config config)
    {
        var provider = config.GetString("provider", "sqlite").ToLowerInvariant() switch
        {
            "sqlite" => PersistenceProvider.Sqlite,
            "postgresql" or "postgres" => PersistenceProvider.PostgreSql,
            var other => throw new ConfigurationException($"unknown journal provider '{other}' (sqlite | postgresql)"),
        };
        var connectionString = config.GetString("connection-string", "");
        if (string.IsNullOrWhiteSpace(connectionString)) throw new ConfigurationException("the OrderEngine journal needs a connection-string");
        var serializer = config.GetString("serializer", null);
        return new JournalSettings(
            provider,
            connectionString,
            Math.Max(1, config.GetInt("max-batch-rows", 512)),
            // SQLite takes one writer at a time: a second writer would only wait on the file lock.
            provider == PersistenceProvider.Sqlite ? 1 : Math.Max(1, config.GetInt("concurrent-batches", 3)),
            config.GetTimeSpan("linger", TimeSpan.Zero),
            Math.Max(1, config.GetInt("max-lookup-ids", 500)),
            Math.Max(1, config.GetInt("read-parallelism", 8)),
            string.IsNullOrWhiteSpace(serializer) || serializer == "null" ? null : serializer);
    }
}

/// <summary>One journal row as Akka.Persistence.Sql lays it out (default table mapping, tags as ";a;b;").</summary>
internal sealed record JournalRow(
    string PersistenceId,
    long SequenceNr,
    long Created,
    string Tags,
    byte[] Message,
    string Manifest,
    int Identifier,
    string WriterUuid);

/// <summary>A row read back for a replay (the columns a <see cref="Akka.Persistence.Persistent"/> needs).</summary>
internal readonly record struct StoredEvent(
    long SequenceNr,
    long Created,
    byte[] Message,
    string? Manifest,
    int? Identifier,
    string? WriterUuid);
