using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using OrderEngine.Engine.Telemetry;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Serialization;
using OrderEngine.Engine.Sharding;

namespace OrderEngine.Engine.Stock;

/// <summary>
/// The single writer of one SKU's stock: a thin shell over <see cref="StockDecider"/>. It decides each command against
/// its in-memory state at once and persists with PersistAsync, so everything decided while a write is in flight goes
/// to the journal as the next batch (group commit); each reply is sent only after its events are durable.
/// </summary>
public sealed class StockActor : UntypedPersistentActor, IWithTimers
{
    private const string ExpiryTimer = "expiry";

    private readonly string _sku;
    private readonly StockOptions _options;
    private readonly StockRules _rules;
    private readonly int _snapshotEvery;
    private readonly IActorRef _orders;
    private readonly TimeProvider _clock;
    private readonly IdlePassivation _idle;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    // Due notices sent within the last DueNotifyInterval, by order and in the order sent. Only those hold back the next
    // notice, so older ones are forgotten from the front of the queue: the bookkeeping stays as large as the notices
    // of one interval, never as large as the open reservations.
    private readonly Dictionary<string, DateTimeOffset> _lastDueNotice = new(StringComparer.Ordinal);
    private readonly Queue<(DateTimeOffset At, string OrderId)> _duesNoticed = new();

    // What commands are decided against: the journal's state plus every event whose write is still in flight. Reads
    // that must not show undurable figures take it as it is when they arrive and answer once the writes handed to the
    // journal by then are confirmed (AfterWritesInFlight); a snapshot is taken the same way. So the state is evolved
    // once per event, not a second time for a durable copy.
    private StockState _state;

    // Events handed to the journal or replayed since the last snapshot; StockSnapshotPolicy says when the next is due.
    private long _eventsSinceSnapshot;

    // Events handed to the journal and events it confirmed; work that must wait for the writes in flight waits on these.
    // (Not DeferAsync: a deferral alone in a write batch reaches Akka.Persistence.Sql as a write with no rows, which it
    // fails, and enough of those open its circuit breaker for every entity.)
    private long _handedToJournal;
    private long _confirmed;
    private readonly Queue<(long After, Action Run)> _afterWrites = new();

    // Where sell-outs and returns to sale are published (the pub-sub mediator: every node's sold-out board), and what was told last and when.
    private readonly IActorRef _announcer;
    private bool? _announcedSoldOut;
    private DateTimeOffset _announcedAt;

    public StockActor(string sku, StockOptions options, int snapshotEvery, TimeSpan idleTimeout, IActorRef orders, TimeProvider clock,
        IActorRef? announcer = null)
    {
        _announcer = announcer ?? ActorRefs.Nobody;
        _sku = sku;
        _options = options;
        _rules = options.ToRules();
        _snapshotEvery = Math.Max(1, snapshotEvery);
        _idle = new IdlePassivation(idleTimeout);
        _orders = orders;
        _clock = clock;
        _state = StockState.Initial(sku);
    }

    public static Props Props(string sku, StockOptions options, int snapshotEvery, TimeSpan idleTimeout, IActorRef orders, TimeProvider clock,
        IActorRef? announcer = null) =>
        Akka.Actor.Props.CreateBy(new Producer<StockActor>(() => new StockActor(sku, options, snapshotEvery, idleTimeout, orders, clock, announcer)));

    public ITimerScheduler Timers { get; set; } = null!;

    public override string PersistenceId => "stock-" + _sku;

    protected override void PreStart()
    {
        base.PreStart();
        _idle.Start(Timers);
    }

    protected override void OnRecover(object message)
    {
        switch (message)
        {
            case SnapshotOffer { Snapshot: StockSnapshot s }:
                _state = s.ToState();
                _eventsSinceSnapshot = 0;
                break;
            case IStockEvent e:
                _state = StockDecider.Evolve(_state, e);
                // Replayed events count toward the next snapshot, so an entity restarted often still takes one and
                // its replay stays bounded by the snapshot policy.
                _eventsSinceSnapshot++;
                break;
            case RecoveryCompleted:
                EnsureExpiryTimer();
                if (SoldOut) Announce();
                break;
        }
    }

    protected override void OnCommand(object message)
    {
        _idle.Observe(message);
        switch (message)
        {
            case IStockCommand command:
                Handle(command, Sender);
                break;
            case GetStock:
                ReplyWithDurableView(Sender);
                break;
            case CheckReservable check:
                OnCheck(check, Sender);
                break;
            case ExpiryTick:
                OnExpiryTick();
                break;
            case SaveSnapshotSuccess ok:
                DeleteSnapshots(new SnapshotSelectionCriteria(ok.Metadata.SequenceNr - 1));
                break;
            case SaveSnapshotFailure failed:
                _log.Warning(failed.Cause, "stock {0}: snapshot failed; recovery will replay more events", _sku);
                break;
            case DeleteSnapshotsSuccess or DeleteSnapshotsFailure:
                break;
            case IdleCheck:
                if (_idle.IsIdle && _state.Reservations.IsEmpty)
                    Context.Parent.Tell(new Passivate(StopEntity.Instance));
                break;
            case StopEntity:
                AfterWritesInFlight(() => Context.Stop(Self));
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Handle(IStockCommand command, IActorRef replyTo)
    {
        var (operation, reference) = Describe(command);
        var decision = StockDecider.Decide(_state, command, _clock.GetUtcNow(), _rules);
        if (decision.Rejection is { } rejection)
        {
            // A refusal changes nothing, so it needs no write and is answered at once.
            replyTo.Tell(new StockRefused(_sku, operation, reference, rejection, _state.Exists ? _state.ToView(_rules) : null));
            if (rejection.Code == StockRejectionCode.InsufficientStock) ReannounceIfSoldOut();
            return;
        }
        if (decision.Events.IsEmpty)
        {
            // A repeat: answer once the write that made it true (possibly still in flight) is durable.
            var current = _state.ToView(_rules);
            AfterWritesInFlight(() => replyTo.Tell(new StockAccepted(_sku, operation, reference, current)));
            return;
        }
        foreach (var e in decision.Events) _state = StockDecider.Evolve(_state, e);
        var view = _state.ToView(_rules);
        var remaining = decision.Events.Length;
        _handedToJournal += remaining;
        PersistAllAsync(decision.Events, e =>
        {
            OrderEngineTelemetry.StockEventWritten(e);
            OnPersisted();
            if (--remaining == 0) replyTo.Tell(new StockAccepted(_sku, operation, reference, view));
        });
        _eventsSinceSnapshot += decision.Events.Length;
        if (_eventsSinceSnapshot >= StockSnapshotPolicy.EventsBetweenSnapshots(_snapshotEvery, _state))
        {
            // The state as of the last event handed over, saved once that event is durable: then LastSequenceNr is that
            // event's number, which is exactly what the snapshot reflects. A failed write stops the entity first.
            var snapshot = StockSnapshot.From(_state);
            _eventsSinceSnapshot = 0;
            AfterWritesInFlight(() => SaveSnapshot(snapshot));
        }
        EnsureExpiryTimer();
        if (_announcedSoldOut != SoldOut && (_announcedSoldOut is not null || SoldOut)) Announce();
    }

    // ---- sold-out announcements ----------------------------------------------------------------------------------

    /// <summary>Nothing left to sell, as decided (a write in flight counts: the board only routes, this entity judges).</summary>
    private bool SoldOut => _state.Exists && _state.Available <= 0;

    private void Announce()
    {
        _announcedSoldOut = SoldOut;
        _announcedAt = _clock.GetUtcNow();
        _announcer.Tell(new Akka.Cluster.Tools.PublishSubscribe.Publish(SoldOutBoardKeeper.Topic, new StockAvailabilityChanged(_sku, SoldOut, _announcedAt)));
    }

    /// <summary>
    /// Refusing for want of stock means someone did not know it is sold out: a node that missed the announcement, or
    /// whose board entry lapsed. Tell again, at most once per <see cref="StockOptions.SoldOutReannounce"/>.
    /// </summary>
    private void ReannounceIfSoldOut()
    {
        if (SoldOut && _clock.GetUtcNow() - _announcedAt >= _options.SoldOutReannounce) Announce();
    }

    /// <summary>A placement routed here because its SKU looked sold out: refuse it, or let it go ahead to its order.</summary>
    private void OnCheck(CheckReservable check, IActorRef replyTo)
    {
        var (outcome, refusal) = StockDecider.JudgeWithoutReserving(_state, check.OrderId, check.Quantity);
        replyTo.Tell(new StockCheckAnswer(_sku, check.OrderId, outcome, refusal));
        if (refusal?.Code == StockRejectionCode.InsufficientStock) ReannounceIfSoldOut();
    }

    private void OnPersisted()
    {
        _confirmed++;
        while (_afterWrites.TryPeek(out var waiting) && waiting.After <= _confirmed) _afterWrites.Dequeue().Run();
    }

    /// <summary>Runs now if no write is in flight, else once every write handed to the journal so far is confirmed.</summary>
    private void AfterWritesInFlight(Action run)
    {
        if (_confirmed == _handedToJournal) run();
        else _afterWrites.Enqueue((_handedToJournal, run));
    }

    private void ReplyWithDurableView(IActorRef replyTo)
    {
        var current = _state;
        AfterWritesInFlight(() => replyTo.Tell(current.Exists
            ? new StockAccepted(_sku, StockOperation.Get, "", current.ToView(_rules))
            : new StockRefused(_sku, StockOperation.Get, "", new StockRejection(StockRejectionCode.UnknownSku, $"SKU {_sku} is not stocked"), null)));
    }

    private void OnExpiryTick()
    {
        if (_state.Reservations.IsEmpty)
        {
            Timers.Cancel(ExpiryTimer);
            _lastDueNotice.Clear();
            _duesNoticed.Clear();
            return;
        }
        var now = _clock.GetUtcNow();

        // A notice at least DueNotifyInterval old no longer holds back the next one: forgetting it changes nothing.
        while (_duesNoticed.TryPeek(out var sent) && now - sent.At >= _options.DueNotifyInterval)
        {
            _duesNoticed.Dequeue();
            if (_lastDueNotice.TryGetValue(sent.OrderId, out var last) && last == sent.At) _lastDueNotice.Remove(sent.OrderId);
        }

        // Past expiry: the order decides (commit if it was paid, release otherwise); ask it, and again now and then.
        // Only the due front of the expiry order is read: the reservations not yet due cost nothing here. The due ones
        // are read every tick, at most DueNotifyInterval / ExpiryCheckInterval times per notice they get, until their
        // order answers or the orphan grace releases them.
        foreach (var (orderId, _) in _state.DueBy(now))
        {
            if (_lastDueNotice.TryGetValue(orderId, out var last) && now - last < _options.DueNotifyInterval) continue;
            _lastDueNotice[orderId] = now;
            _duesNoticed.Enqueue((now, orderId));
            _orders.Tell(new ReservationDue(orderId, _sku));
        }

        // Long past expiry with no answer: the order is gone or unreachable; the units come back regardless.
        if (_state.NextExpiry is not { } next || next > now - _options.OrphanGrace) return;
        var orphans = StockDecider.Decide(_state, new ExpireDueReservations(_sku, _options.OrphanGrace), now, _rules);
        if (!orphans.Events.IsEmpty)
        {
            _log.Warning("stock {0}: releasing {1} reservation(s) whose orders did not answer within {2}", _sku,
                orphans.Events.OfType<ReservationsExpired>().Sum(e => e.Reservations.Length), _options.OrphanGrace);
            Handle(new ExpireDueReservations(_sku, _options.OrphanGrace), ActorRefs.Nobody);
        }
    }

    private void EnsureExpiryTimer()
    {
        if (!_state.Reservations.IsEmpty && !Timers.IsTimerActive(ExpiryTimer))
            Timers.StartPeriodicTimer(ExpiryTimer, ExpiryTick.Instance, _options.ExpiryCheckInterval);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        // The in-memory state already holds the rejected event: restart and recover from the journal instead.
        base.OnPersistRejected(cause, @event, sequenceNr);
        throw new InvalidOperationException($"stock {_sku}: the journal rejected event {sequenceNr}; restarting from the journal", cause);
    }

    private static (StockOperation, string) Describe(IStockCommand command) => command switch
    {
        SetOnHand c => (StockOperation.SetOnHand, c.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        AdjustOnHand c => (StockOperation.Adjust, c.AdjustmentId),
        ReserveStock c => (StockOperation.Reserve, c.OrderId),
        CommitReservation c => (StockOperation.Commit, c.OrderId),
        ReleaseReservation c => (StockOperation.Release, c.OrderId),
        ExpireDueReservations => (StockOperation.Expire, ""),
        ExtendReservation c => (StockOperation.Extend, c.OrderId),
        RestockSale c => (StockOperation.Restock, c.RestockId),
        ShipSold c => (StockOperation.Ship, c.MovementId),
        ReceiveShipped c => (StockOperation.Receive, c.MovementId),
        SetPurchaseLimit => (StockOperation.SetLimit, ""),
        SetLowStockThreshold => (StockOperation.SetAlert, ""),
        SetReplenishmentSettings => (StockOperation.SetReplenishment, ""),
        _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "unknown stock command"),
    };

    private sealed class ExpiryTick : INotInfluenceReceiveTimeout
    {
        public static readonly ExpiryTick Instance = new();
    }
}
