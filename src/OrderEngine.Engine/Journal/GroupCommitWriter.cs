using System.Diagnostics;
using System.Threading.Channels;
using OrderEngine.Engine.Telemetry;

namespace OrderEngine.Engine.Journal;

/// <summary>
/// Group commit across entities: every journal call queues its rows here, and each writer loop takes everything queued
/// (up to a number of rows) and stores it in one transaction. A caller's task completes only after its rows committed.
/// </summary>
internal sealed class GroupCommitWriter : IAsyncDisposable
{
    private readonly JournalDialect _dialect;
    private readonly int _maxRows;
    private readonly TimeSpan _linger;
    private readonly Channel<WriteRequest> _queue;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _loops;
    private long _batches, _rows, _retriedBatches;

    public GroupCommitWriter(JournalDialect dialect, int maxRows, int concurrentBatches, TimeSpan linger)
    {
        _dialect = dialect;
        _maxRows = maxRows;
        _linger = linger;
        _queue = Channel.CreateUnbounded<WriteRequest>(new UnboundedChannelOptions { SingleReader = concurrentBatches == 1 });
        _loops = Enumerable.Range(0, concurrentBatches).Select(_ => Task.Run(RunAsync)).ToArray();
    }

    public long Batches => Interlocked.Read(ref _batches);
    public long Rows => Interlocked.Read(ref _rows);
    public long RetriedBatches => Interlocked.Read(ref _retriedBatches);

    /// <summary>Completes when the rows are committed; faults, with nothing of them stored, when they could not be.</summary>
    public Task WriteAsync(IReadOnlyList<JournalRow> rows, CancellationToken cancellationToken, List<ActivityLink>? links = null)
    {
        var request = new WriteRequest(rows, cancellationToken) { Links = links };
        if (!_queue.Writer.TryWrite(request)) return Task.FromException(new ObjectDisposedException(nameof(GroupCommitWriter)));
        return request.Done.Task;
    }

    private async Task RunAsync()
    {
        var batch = new List<WriteRequest>();
        var rows = new List<JournalRow>();
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_stop.Token))
            {
                // Waiting a moment lets more callers join the batch; off by default, where only what queued up while the
                // previous batch was being written joins (group commit without added latency).
                if (_linger > TimeSpan.Zero) await Task.Delay(_linger, _stop.Token);
                batch.Clear();
                rows.Clear();
                while (reader.TryPeek(out var next) && (batch.Count == 0 || rows.Count + next.Rows.Count <= _maxRows) && reader.TryRead(out next))
                {
                    // A caller whose journal call already timed out has been answered with a failure: writing it now
                    // would store events its entity believes were lost.
                    if (next.Cancellation.IsCancellationRequested)
                    {
                        next.Done.TrySetCanceled(next.Cancellation);
                        continue;
                    }
                    batch.Add(next);
                    rows.AddRange(next.Rows);
                }
                if (batch.Count > 0) await WriteBatchAsync(batch, rows);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        // Whatever is still queued when the journal stops is failed, never silently dropped.
        while (reader.TryRead(out var left)) left.Done.TrySetException(new ObjectDisposedException(nameof(GroupCommitWriter), "the journal stopped"));
    }

    private async Task WriteBatchAsync(List<WriteRequest> batch, List<JournalRow> rows)
    {
        using var span = StartBatchSpan(batch, rows.Count);
        var started = Stopwatch.GetTimestamp();
        try
        {
            await _dialect.WriteAsync(rows);
            OrderEngineTelemetry.JournalBatchWritten(started, rows.Count);
            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _rows, rows.Count);
            foreach (var request in batch) request.Done.TrySetResult();
        }
        catch (Exception e) when (batch.Count > 1 && _dialect.IsRefusal(e))
        {
            // One caller's rows (a sequence number stored twice by a second writer of the same id, a value the database
            // refuses) must not fail the others that happened to share its transaction: write them one caller at a time.
            Interlocked.Increment(ref _retriedBatches);
            foreach (var request in batch)
            {
                try
                {
                    await _dialect.WriteAsync(request.Rows);
                    Interlocked.Increment(ref _batches);
                    Interlocked.Add(ref _rows, request.Rows.Count);
                    request.Done.TrySetResult();
                }
                catch (Exception single)
                {
                    request.Done.TrySetException(single);
                }
            }
        }
        catch (Exception e)
        {
            OrderEngineTelemetry.JournalBatchFailed();
            span?.SetStatus(ActivityStatusCode.Error, e.Message);
            foreach (var request in batch) request.Done.TrySetException(e);
        }
    }

    /// <summary>
    /// The batch's span: a root of its own (a batch carries many requests' writes), linked to the span of each entity
    /// whose write it carries. Only made while OrderEngine's spans are recorded.
    /// </summary>
    private static Activity? StartBatchSpan(List<WriteRequest> batch, int rows)
    {
        if (!OrderEngineTelemetry.Source.HasListeners()) return null;
        List<ActivityLink>? links = null;
        foreach (var request in batch)
            if (request.Links is { } own) (links ??= []).AddRange(own);
        Activity.Current = null;
        var span = OrderEngineTelemetry.Source.StartActivity("journal write", ActivityKind.Client, parentContext: default, links: links);
        span?.SetTag("orderengine.journal.rows", rows);
        span?.SetTag("orderengine.journal.requests", batch.Count);
        return span;
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

    private sealed class WriteRequest(IReadOnlyList<JournalRow> rows, CancellationToken cancellation)
    {
        public IReadOnlyList<JournalRow> Rows { get; } = rows;
        public CancellationToken Cancellation { get; } = cancellation;

        // The spans of the entities whose events these rows are, when traced.
        public List<ActivityLink>? Links { get; init; }

        // Continuations run off the writer loop, so answering callers never delays the next batch.
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
