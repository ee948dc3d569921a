using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Persistence;
using Akka.Persistence.Snapshot;

namespace OrderEngine.StockBench;

/// <summary>
/// An in-memory snapshot store that serializes every snapshot it is asked to save with the serializer bound to it (the
/// part of a real store's cost that grows with the state) and counts saves, bytes and time. It can be preloaded with a
/// snapshot, so a large entity starts without replaying a million events.
/// </summary>
public sealed class BenchSnapshotStore : SnapshotStore
{
    /// <summary>Snapshots an entity recovers from, by persistence id, put in place before it starts.</summary>
    public static readonly ConcurrentDictionary<string, SelectedSnapshot> Preloaded = new(StringComparer.Ordinal);

    private static long _saves;
    private static long _bytes;
    private static long _serializeTicks;

    private static readonly ConcurrentDictionary<string, SelectedSnapshot> Latest = new(StringComparer.Ordinal);

    public static long Saves => Interlocked.Read(ref _saves);

    public static long Bytes => Interlocked.Read(ref _bytes);

    public static TimeSpan SerializeTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _serializeTicks));

    protected override Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default)
    {
        var found = Latest.TryGetValue(persistenceId, out var s) || Preloaded.TryGetValue(persistenceId, out s);
        return Task.FromResult(found && s!.Metadata.SequenceNr <= criteria.MaxSequenceNr ? s : null);
    }

    protected override Task SaveAsync(SnapshotMetadata metadata, object snapshot, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var bytes = Context.System.Serialization.FindSerializerFor(snapshot).ToBinary(snapshot);
        Interlocked.Add(ref _serializeTicks, Stopwatch.GetTimestamp() - started);
        Interlocked.Add(ref _bytes, bytes.Length);
        Interlocked.Increment(ref _saves);
        Latest[metadata.PersistenceId] = new SelectedSnapshot(metadata, snapshot);
        return Task.CompletedTask;
    }

    protected override Task DeleteAsync(SnapshotMetadata metadata, CancellationToken cancellationToken = default) => Task.CompletedTask;

    protected override Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <summary>Forgets an entity's snapshots, so the next size starts clean and the memory is given back.</summary>
    public static void Forget(string persistenceId)
    {
        Preloaded.TryRemove(persistenceId, out _);
        Latest.TryRemove(persistenceId, out _);
    }
}
