using Akka.Actor;
using Akka.Event;
using OrderEngine.Domain.Orders;
using OrderEngine.Engine.Hosting;

namespace OrderEngine.Engine.Projections;

/// <summary>
/// Wakes every order whose next step is overdue according to the order_deadlines table: after a crash or a restart
/// nothing else would start an order entity that still owes its stock a commit or a release, or whose hold ended
/// while it was not running.
/// </summary>
public sealed class OrderWaker : ReceiveActor, IWithTimers
{
    private const string WakeTimer = "wake";

    private readonly OrderProjectionStore _store;
    private readonly IActorRef _orders;
    private readonly OrdersOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, DateTimeOffset> _recentlyWoken = new(StringComparer.Ordinal);
    private bool _querying;

    public OrderWaker(OrderProjectionStore store, IActorRef orders, OrdersOptions options, TimeProvider clock)
    {
        _store = store;
        _orders = orders;
        _options = options;
        _clock = clock;

        Receive<WakeTick>(_ => QueryDue());
        Receive<DueOrders>(OnDue);
        // A woken order says when it next needs waking; one that owes nothing is forgotten.
        Receive<OrderDue>(due => _store.RescheduleAsync(due.OrderId, due.NextDue, CancellationToken.None)
            .PipeTo(Self, success: () => Rescheduled.Instance));
        Receive<Rescheduled>(_ => { });
        Receive<Status.Failure>(f =>
        {
            _querying = false;
            _log.Warning(f.Cause, "could not read overdue orders; trying again at the next tick");
        });
    }

    public static Props Props(OrderProjectionStore store, IActorRef orders, OrdersOptions options, TimeProvider clock) =>
        Akka.Actor.Props.Create(() => new OrderWaker(store, orders, options, clock));

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart() => Timers.StartPeriodicTimer(WakeTimer, WakeTick.Instance, _options.WakeInterval);

    private void QueryDue()
    {
        if (_querying) return;
        _querying = true;
        _store.DueAsync(_clock.GetUtcNow(), 1000, CancellationToken.None).PipeTo(Self, success: ids => new DueOrders(ids));
    }

    private void OnDue(DueOrders due)
    {
        _querying = false;
        var now = _clock.GetUtcNow();
        var woken = 0;
        foreach (var id in due.OrderIds)
        {
            // An order that stays due (its stock entity unreachable) is woken again, but not at every tick.
            if (_recentlyWoken.TryGetValue(id, out var at) && now - at < _options.WakeRepeat) continue;
            _recentlyWoken[id] = now;
            _orders.Tell(new WakeOrder(id));
            woken++;
        }
        if (woken > 0) _log.Info("woke {0} order(s) with an overdue step", woken);
        if (_recentlyWoken.Count > 10_000)
            foreach (var id in _recentlyWoken.Where(kv => now - kv.Value >= _options.WakeRepeat).Select(kv => kv.Key).ToList())
                _recentlyWoken.Remove(id);
    }

    private sealed record DueOrders(IReadOnlyList<string> OrderIds);

    private sealed class Rescheduled
    {
        public static readonly Rescheduled Instance = new();
    }

    private sealed class WakeTick
    {
        public static readonly WakeTick Instance = new();
    }
}
