using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Journal;
using Akka.Serialization;
using Akka.Util;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Telemetry;

namespace OrderEngine.Engine.Journal;

/// <summary>
/// OrderEngine's write journal: Akka.Persistence.Sql's tables and row format (so its read journal, snapshot store and
/// write journal work on the same data), written with group commit across entities and plain prepared statements.
/// </summary>
public sealed class BatchingJournal : AsyncWriteJournal
{
    private readonly JournalSettings _settings;
    private readonly Akka.Serialization.Serialization _serialization;
    private readonly JournalDialect _dialect;
    private readonly GroupCommitWriter _writer;
    private readonly HighestSequenceReader _highest;

    // Stored for events that come without the writer id of the entity incarnation that persisted them.
    private readonly string _journalUuid = Guid.NewGuid().ToString("N");

    // The write of each id still in flight: a highest-sequence-number lookup waits for it, so an entity restarted right
    // after a write sees that write instead of reusing its sequence numbers.
    private readonly ConcurrentDictionary<string, Task> _writesInFlight = new(StringComparer.Ordinal);

    public BatchingJournal(Config config)
    {
        _settings = JournalSettings.From(config);
        _serialization = Context.System.Serialization;
        _dialect = JournalDialect.Create(_settings);
        _writer = new GroupCommitWriter(_dialect, _settings.MaxBatchRows, _settings.ConcurrentBatches, _settings.Linger);
        // Two lookup queries in flight let a batch form behind a slow one without leaving lookups waiting on it alone;
        // SQLite runs its queries on this process's two cores, where a second only competes with the first.
        _highest = new HighestSequenceReader(_dialect, _settings.MaxLookupIds, _settings.Provider == PersistenceProvider.Sqlite ? 1 : 2);
    }

    protected override Task<IImmutableList<Exception?>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        // Akka hands the writes over lazily (its event adapters run while they are enumerated): enumerate them once, here.
        var writes = messages.ToList();
        var rows = new List<JournalRow>();
        Exception?[]? rejections = null;
        var created = DateTime.UtcNow.Ticks;
        Akka.Serialization.Serialization.WithTransport(_serialization.System, () =>
        {
            for (var i = 0; i < writes.Count; i++)
            {
                var start = rows.Count;
                try
                {
                    foreach (var representation in (IEnumerable<IPersistentRepresentation>)writes[i].Payload)
                        rows.Add(ToRow(representation, created));
                }
                catch (Exception e)
                {
                    // An event that cannot be serialized rejects its whole atomic write (nothing of it is stored); the
                    // other writes in the call go on.
                    rows.RemoveRange(start, rows.Count - start);
                    rejections ??= new Exception?[writes.Count];
                    rejections[i] = e;
                }
            }
            return 0;
        });

        var results = rejections is null ? null : (IImmutableList<Exception?>)ImmutableList.Create(rejections);
        if (rows.Count == 0) return Task.FromResult(results!);

        var written = _writer.WriteAsync(rows, cancellationToken, OrderEngineTelemetry.Source.HasListeners() ? LinksOf(rows) : null);
        foreach (var persistenceId in rows.Select(r => r.PersistenceId).Distinct())
        {
            _writesInFlight[persistenceId] = written;
            written.ContinueWith(
                (done, state) => _writesInFlight.TryRemove(new KeyValuePair<string, Task>((string)state!, done)),
                persistenceId,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
        return results is null ? Then(written, null) : Then(written, results);
    }

    // The spans of the entities whose events these are (offered by the entities while they were traced).
    private List<ActivityLink>? LinksOf(List<JournalRow> rows)
    {
        var traceLinks = TraceLinks.Get(Context.System);
        List<ActivityLink>? links = null;
        foreach (var row in rows)
            if (traceLinks.TryTake(row.PersistenceId, out var context)) (links ??= []).Add(new ActivityLink(context));
        return links;
    }

    private static async Task<IImmutableList<Exception?>> Then(Task written, IImmutableList<Exception?>? results)
    {
        await written;
        return results!;
    }

    private JournalRow ToRow(IPersistentRepresentation representation, long created)
    {
        // The write event adapter (EventTagger) wraps a tagged event in Tagged: the tags go to the tags column and only
        // the event itself is serialized, as Akka.Persistence.Sql does in Csv mode.
        var payload = representation.Payload;
        var tags = "";
        if (payload is Tagged tagged)
        {
            payload = tagged.Payload;
            if (tagged.Tags.Count > 0) tags = ";" + string.Join(";", tagged.Tags) + ";";
        }
        var serializer = _serialization.FindSerializerForType(payload.GetType(), _settings.DefaultSerializer);
        var manifest = serializer switch
        {
            SerializerWithStringManifest withManifest => withManifest.Manifest(payload),
            { IncludeManifest: true } => payload.GetType().TypeQualifiedName(),
            _ => "",
        };
        return new JournalRow(
            representation.PersistenceId,
            representation.SequenceNr,
            representation.Timestamp != 0 ? representation.Timestamp : created,
            tags,
            serializer.ToBinary(payload),
            manifest,
            serializer.Identifier,
            // The writer id of the entity incarnation that persisted the event (new with every start of the entity),
            // not one per journal as Akka.Persistence.Sql stores: Akka's replay filter discards the events of a writer
            // that resumes after a newer one, so with one id per journal an entity written on node A, then on node B,
            // then on node A again would lose A's last events on its next recovery.
            string.IsNullOrEmpty(representation.WriterGuid) ? _journalUuid : representation.WriterGuid);
    }

    public override async Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken)
    {
        if (_writesInFlight.TryGetValue(persistenceId, out var inFlight))
        {
            // Whether it succeeded does not matter here, only that it is no longer in flight.
            await inFlight.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        return await _highest.ReadAsync(persistenceId);
    }

    public override Task ReplayMessagesAsync(
        IActorContext context, string persistenceId, long fromSequenceNr, long toSequenceNr, long max, Action<IPersistentRepresentation> recoveryCallback)
    {
        if (max <= 0 || toSequenceNr < fromSequenceNr) return Task.CompletedTask;
        var serialization = _serialization;
        return _dialect.ReplayAsync(persistenceId, Math.Max(1, fromSequenceNr), toSequenceNr, max, stored =>
            recoveryCallback(new Persistent(
                Deserialize(serialization, stored),
                stored.SequenceNr,
                persistenceId,
                stored.Manifest ?? "",
                isDeleted: false,
                ActorRefs.NoSender,
                stored.WriterUuid,
                stored.Created)));
    }

    private static object Deserialize(Akka.Serialization.Serialization serialization, StoredEvent stored)
    {
        if (stored.Identifier is { } identifier) return serialization.Deserialize(stored.Message, identifier, stored.Manifest ?? "");
        // Rows without a serializer id name their type in the manifest (as Akka.Persistence.Sql reads them).
        var type = Type.GetType(stored.Manifest ?? "", throwOnError: true)!;
        return serialization.FindSerializerForType(type).FromBinary(stored.Message, type);
    }

    protected override Task DeleteMessagesToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken) =>
        _dialect.DeleteToAsync(persistenceId, toSequenceNr);

    protected override void PreStart()
    {
        base.PreStart();
        Context.System.EventStream.Subscribe(Self, typeof(Database.DatabaseAvailabilityChanged));
    }

    protected override bool ReceivePluginInternal(object message)
    {
        if (message is Database.DatabaseAvailabilityChanged)
        {
            // The journal's own pool (its NpgsqlDataSource) is not reached by NpgsqlConnection.ClearAllPools.
            _dialect.ClearPool();
            return true;
        }
        if (message is not GetJournalCounters) return false;
        var (queries, lookups) = _highest.Counts;
        Sender.Tell(new JournalCounters(_writer.Batches, _writer.Rows, _writer.RetriedBatches, queries, lookups));
        return true;
    }

    protected override void PostStop()
    {
        // Stop taking work, fail what is still queued, then close the connections.
        _writer.DisposeAsync().AsTask().ContinueWith(
            async _ =>
            {
                await _highest.DisposeAsync();
                await _dialect.DisposeAsync();
            },
            TaskScheduler.Default);
        base.PostStop();
    }
}

/// <summary>Asks a <see cref="BatchingJournal"/> for its <see cref="JournalCounters"/>.</summary>
public sealed class GetJournalCounters
{
    public static readonly GetJournalCounters Instance = new();

    private GetJournalCounters() { }
}

/// <summary>What a <see cref="BatchingJournal"/> has done since it started: committed batches and rows, batches retried one caller at a time, highest-sequence-number queries and the lookups they answered.</summary>
public sealed record JournalCounters(long Batches, long Rows, long RetriedBatches, long HighestQueries, long HighestLookups);
