using OrderEngine.Engine.Reports;

namespace OrderEngine.Api.Dashboard;

/// <summary>
/// The dashboard's live order feed. While at least one circuit watches, this node reads the newest orders from the
/// read side (the order search's read_orders table, which the read-orders projection fills from the journal) once a
/// second and pushes what changed to every watching circuit over its SignalR connection; nobody watching, no query.
/// One query per node per second, whatever the number of operators: the person never polls. Reading the read table,
/// not the journal, makes the feed the same on every node of a cluster (the projections run once, as a cluster
/// singleton) and keeps it as fresh as the search, whose lag is the projection's (docs/dashboard.md).
/// </summary>
public sealed class OrderFeed(OrderSearchStore search, ILogger<OrderFeed> log) : BackgroundService
{
    public const int Size = 25;
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private readonly List<Func<IReadOnlyList<OrderSearchItem>, Task>> _watchers = [];
    private IReadOnlyList<OrderSearchItem> _latest = [];
    private readonly SemaphoreSlim _wake = new(0);

    /// <summary>The newest orders as last read (newest first).</summary>
    public IReadOnlyList<OrderSearchItem> Latest => Volatile.Read(ref _latest);

    /// <summary>Calls <paramref name="onChange"/> with the newest orders whenever they change, until the returned handle is disposed.</summary>
    public IDisposable Watch(Func<IReadOnlyList<OrderSearchItem>, Task> onChange)
    {
        lock (_gate)
        {
            _watchers.Add(onChange);
            if (_watchers.Count == 1) _wake.Release();
        }
        return new Subscription(this, onChange);
    }

    private sealed class Subscription(OrderFeed feed, Func<IReadOnlyList<OrderSearchItem>, Task> onChange) : IDisposable
    {
        public void Dispose()
        {
            lock (feed._gate) feed._watchers.Remove(onChange);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            Func<IReadOnlyList<OrderSearchItem>, Task>[] watchers;
            lock (_gate) watchers = [.. _watchers];
            if (watchers.Length == 0)
            {
                await _wake.WaitAsync(stoppingToken);
                continue;
            }
            try
            {
                var page = await search.SearchAsync(new OrderSearchQuery(Limit: Size), stoppingToken);
                if (!Same(page.Items, Latest))
                {
                    Volatile.Write(ref _latest, page.Items);
                    foreach (var watcher in watchers)
                    {
                        try { await watcher(page.Items); }
                        catch (Exception e) { log.LogDebug(e, "a dashboard circuit could not take the order feed"); }
                    }
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                log.LogDebug(e, "the dashboard's order feed could not read the newest orders; it tries again");
            }
            try { await Task.Delay(Interval, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    private static bool Same(IReadOnlyList<OrderSearchItem> a, IReadOnlyList<OrderSearchItem> b) =>
        a.Count == b.Count && a.Zip(b).All(p => p.Item1 == p.Item2);
}
