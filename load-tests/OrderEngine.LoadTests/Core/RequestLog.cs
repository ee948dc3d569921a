namespace OrderEngine.LoadTests.Core;

/// <summary>
/// A compact, append-only log of completed requests (completion instant, latency, class) for scenarios that split
/// latencies after the fact, like the flash sale at its last sale. Lock-free appends into 64k-entry chunks.
/// </summary>
public sealed class RequestLog
{
    public readonly record struct Entry(long EndTicks, long LatencyMicros, OutcomeClass Class);

    private const int ChunkBits = 16;
    private const int ChunkSize = 1 << ChunkBits;
    private readonly Entry[]?[] _chunks = new Entry[]?[4096];
    private readonly object _grow = new();
    private long _count;

    public long Count => Math.Min(Interlocked.Read(ref _count), (long)_chunks.Length * ChunkSize);

    public void Add(in Outcome o)
    {
        var i = Interlocked.Increment(ref _count) - 1;
        var c = i >> ChunkBits;
        if (c >= _chunks.Length) return; // 268M entries: beyond any run this tool makes
        var chunk = Volatile.Read(ref _chunks[c]);
        if (chunk is null)
        {
            lock (_grow) chunk = _chunks[c] ??= new Entry[ChunkSize];
        }
        chunk[i & (ChunkSize - 1)] = new Entry(o.EndTicks, o.LatencyMicros, o.Class);
    }

    /// <summary>Every entry; call only once the writers are done.</summary>
    public IEnumerable<Entry> Entries()
    {
        var n = Count;
        for (long i = 0; i < n; i++) yield return _chunks[i >> ChunkBits]![i & (ChunkSize - 1)];
    }
}
