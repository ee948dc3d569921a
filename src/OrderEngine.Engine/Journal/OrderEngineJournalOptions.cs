using System.Text;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Persistence.Hosting;
using OrderEngine.Engine.Hosting;

namespace OrderEngine.Engine.Journal;

/// <summary>Akka.Hosting options of the <see cref="BatchingJournal"/> plugin (<c>akka.persistence.journal.orderengine</c> by default).</summary>
public sealed class OrderEngineJournalOptions(bool isDefaultPlugin, string identifier = "orderengine") : JournalOptions(isDefaultPlugin)
{
    /// <summary>The plugin's defaults; every key can be overridden through the options or HOCON.</summary>
    public static readonly Config Defaults = ConfigurationFactory.ParseString("""
        akka.persistence.journal.orderengine {
          class = "OrderEngine.Engine.Journal.BatchingJournal, OrderEngine.Engine"
          plugin-dispatcher = "akka.actor.default-dispatcher"
          # sqlite | postgresql
          provider = sqlite
          connection-string = ""
          # At most this many rows go into one transaction (one caller's write is never split).
          max-batch-rows = 512
          # PostgreSQL batches written at once; SQLite always writes one batch at a time.
          concurrent-batches = 3
          # Wait this long after the first write arrives for others to join its batch. 0: batches hold what queued up while
          # the previous batch was being written, which adds no latency.
          linger = 0ms
          # Highest-sequence-number lookups answered by one query at most.
          max-lookup-ids = 500
          # Replays (and SQLite lookups) running at once, each on its own connection; on PostgreSQL the journal's
          # connection pool holds concurrent-batches + 2 + read-parallelism connections.
          read-parallelism = 8
          # Serializer for payload types without a binding (null: Akka's default for objects).
          serializer = null
          # No replay filter: Akka's default starts a filtering actor inside the journal for every recovery, even an
          # empty one (a new order's), which cost more than the lookup itself. Its job, dropping events that two
          # incarnations of one entity interleaved, cannot arise here: (persistence_id, sequence_number) is unique in the
          # table, so a second writer's event with a taken number fails its write instead of being stored.
          replay-filter.mode = off
          # A short reset: while the database is away the breaker fails writes at once, and once it is back the first
          # write after at most reset-timeout closes it again (at 30 s, orders failed for ~20 s after the return).
          circuit-breaker {
            max-failures = 10
            call-timeout = 10s
            reset-timeout = 1s
          }
        }
        """);

    public override string Identifier { get; set; } = identifier;

    public PersistenceProvider Provider { get; set; } = PersistenceProvider.Sqlite;

    public string ConnectionString { get; set; } = "";

    public int? MaxBatchRows { get; set; }

    public int? ConcurrentBatches { get; set; }

    public TimeSpan? Linger { get; set; }

    // Akka.Hosting moves this block under the plugin's path.
    protected override Config InternalDefaultConfig => Defaults.GetConfig("akka.persistence.journal.orderengine");

    protected override StringBuilder Build(StringBuilder sb)
    {
        // Keys inside the plugin's block go before base.Build, which wraps the block and adds the adapters.
        sb.AppendLine($"provider = {(Provider == PersistenceProvider.Sqlite ? "sqlite" : "postgresql")}");
        sb.AppendLine($"connection-string = {ConnectionString.ToHocon()}");
        if (MaxBatchRows is { } rows) sb.AppendLine($"max-batch-rows = {rows}");
        if (ConcurrentBatches is { } batches) sb.AppendLine($"concurrent-batches = {batches}");
        if (Linger is { } linger) sb.AppendLine($"linger = {linger.ToHocon()}");
        return base.Build(sb);
    }
}
