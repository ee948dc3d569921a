using System.Threading.Channels;

namespace OrderEngine.Engine.Journal;

/// <summary>
/// Answers highest-sequence-number lookups in batches: the lookups of entities that start together (each recovery asks
/// once) are answered by one query instead of one query each.
/// </summary>
internal sealed class HighestSequenceReader : IAsyncDisposable
{
    private readonly JournalDialect _dialect;
    private readonly int _maxIds;
    private readonly Channel<Lookup> _queue = Channel.CreateUnbounded<Lookup>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _loops;
    private long _queries, _lookups;

    public HighestSequenceReader(JournalDialect dialect, int maxIds, int concurrentQueries)
    {
        _dialect = dialect;
        _maxIds = maxIds;
        _loops = Enumerable.Range(0, concurrentQueries).Select(_ => Task.Run(RunAsync)).ToArray();
    }

    /// <summary>How many queries were run for how many lookups (a test hook and a metric).</summary>
    public (long Queries, long Lookups) Counts => (Interlocked.Read(ref _queries), Interlocked.Read(ref _lookups));

    public Task<long> ReadAsync(string persistenceId)
    {
        var lookup = new Lookup(persistenceId);
        if (!_queue.Writer.TryWrite(lookup)) return Task.FromException<long>(new ObjectDisposedException(nameof(HighestSequenceReader)));
        return lookup.Done.Task;
    }

    private async Task RunAsync()
    {
        var batch = new List<Lookup>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_stop.Token))
            {
                batch.Clear();
                ids.Clear();
                while (ids.Count < _maxIds && reader.TryRead(out var lookup))
                {
                    batch.Add(lookup);
                    ids.Add(lookup.PersistenceId);
                }
                if (batch.Count == 0) continue;
                try
                {
                    Interlocked.Increment(ref _queries);
                    Interlocked.Add(ref _lookups, batch.Count);
                    var highest = await _dialect.ReadHighestAsync(ids);
                    foreach (var lookup in batch) lookup.Done.TrySetResult(highest.GetValueOrDefault(lookup.PersistenceId));
                }
                catch (Exception e)
                {
                    foreach (var lookup in batch) lookup.Done.TrySetException(e);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        while (reader.TryRead(out var left)) left.Done.TrySetException(new ObjectDisposedException(nameof(HighestSequenceReader), "the journal stopped"));
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_loops);
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }

    private sealed class Lookup(string persistenceId)
    {
        public string PersistenceId { get; } = persistenceId;
        public TaskCompletionSource<long> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
