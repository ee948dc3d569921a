using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using OrderEngine.Domain;
using OrderEngine.Domain.Dispatch;
using OrderEngine.Domain.Dispatch.Restaurants;
using OrderEngine.Domain.Orders;
using OrderEngine.Engine.PersonalData;
using OrderEngine.Engine.Sharding;

namespace OrderEngine.Engine.Dispatch;

/// <summary>
/// Whom a restaurant talks to: the order region (the kitchen's decision) and the zone region (the delivery request).
/// <paramref name="Zones"/> is looked up when a request is sent, so the restaurants do not depend on the zones being
/// registered first; while it answers null the request stays owed and is sent on a later retry.
/// </summary>
public sealed record RestaurantCollaborators(IActorRef Orders, Func<IActorRef?> Zones, RestaurantRules Rules)
{
    /// <summary>Events between snapshots (more when the kitchen queue is longer, see <see cref="RestaurantSnapshot.EventsBetween"/>).</summary>
    public int SnapshotEvery { get; init; } = 500;

    /// <summary>The customers' keys: erased customers' drop-off points are forgotten in memory (null: no personal data protection).</summary>
    public CustomerKeyStore? PersonalData { get; init; }
}

/// <summary>
/// One restaurant and its kitchen queue: a thin shell over <see cref="RestaurantDecider"/>. One reply per command, sent
/// after the write. What the restaurant owes the zone and the orders (its outbox, kept in its state) is sent with
/// timer-driven retries until acknowledged, and again after a restart. While it has open orders it looks at its queue
/// periodically (time passing may lift its automatic pause); it passivates when idle and owing nothing.
/// </summary>
public sealed class RestaurantActor : UntypedPersistentActor, IWithTimers
{
    private const string RetryTimer = "retry";
    private const string QueueTimer = "queue-check";

    private readonly string _restaurantId;
    private readonly RestaurantCollaborators _with;
    private readonly TimeProvider _clock;
    private readonly IdlePassivation _idle;
    private readonly TimeSpan _queueCheck;
    private readonly TimeSpan _firstRetry;
    private readonly TimeSpan _maxRetry;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private RestaurantState _state;
    private TimeSpan _retryDelay;
    // Events persisted or replayed since the last snapshot.
    private long _eventsSinceSnapshot;
    // Each customer's erasure stamp as of when this entity took its drop-off points in.
    private readonly ErasureStamps _erasureStamps = new();

    public RestaurantActor(string restaurantId, RestaurantCollaborators with, TimeSpan idleTimeout, TimeSpan queueCheck, TimeSpan firstRetry, TimeSpan maxRetry,
        TimeProvider clock)
    {
        _restaurantId = restaurantId;
        _with = with;
        _clock = clock;
        _idle = new IdlePassivation(idleTimeout);
        _queueCheck = queueCheck;
        _firstRetry = firstRetry;
        _maxRetry = maxRetry;
        _retryDelay = firstRetry;
        _state = RestaurantState.Initial(restaurantId);
    }

    public static Props Props(string restaurantId, RestaurantCollaborators with, TimeSpan idleTimeout, TimeSpan queueCheck, TimeSpan firstRetry, TimeSpan maxRetry,
        TimeProvider clock) =>
        Akka.Actor.Props.CreateBy(new Producer<RestaurantActor>(() => new RestaurantActor(restaurantId, with, idleTimeout, queueCheck, firstRetry, maxRetry, clock)));

    public ITimerScheduler Timers { get; set; } = null!;

    public override string PersistenceId => "restaurant-" + _restaurantId;

    protected override void PreStart()
    {
        base.PreStart();
        _idle.Start(Timers);
    }

    protected override void OnRecover(object message)
    {
        switch (message)
        {
            case SnapshotOffer { Snapshot: RestaurantSnapshot snapshot }:
                _state = snapshot.ToState();
                _eventsSinceSnapshot = 0;
                break;
            case IRestaurantEvent e:
                _state = RestaurantDecider.Evolve(_state, e);
                _eventsSinceSnapshot++;
                break;
            case RecoveryCompleted:
                if (_with.PersonalData is { } keys) _erasureStamps.Settle(_state.Orders.Values.Select(x => x.CustomerId), keys);
                SendOutbox();
                WatchQueue();
                break;
        }
    }

    protected override void OnCommand(object message)
    {
        _idle.Observe(message);
        ForgetErasedPersonalData();
        switch (message)
        {
            case IRestaurantCommand command:
                Decide(command, Sender);
                break;
            case CheckRestaurantTakesOrders:
                // An automatic pause the clock has lifted (or set) since the last check is settled before answering.
                AfterQueueCheck(sender => sender.Tell(_state.TakesOrders()), Sender);
                break;
            case GetRestaurant:
                AfterQueueCheck(sender => sender.Tell(_state.Exists
                    ? new RestaurantAccepted(_restaurantId, _state.ToView(_clock.GetUtcNow()))
                    : new RestaurantRefused(_restaurantId, new RestaurantRejection(RestaurantRejectionCode.NotFound, $"restaurant {_restaurantId} is not known", []))), Sender);
                break;
            case DeliveryRequestReceived received:
                Decide(new AcknowledgeDeliveryRequest(_restaurantId, received.OrderId), ActorRefs.Nobody);
                break;
            case IOrderReply reply:
                OnOrderReply(reply);
                break;
            case RetryTick:
                _retryDelay = TimeSpan.FromTicks(Math.Min(_retryDelay.Ticks * 2, _maxRetry.Ticks));
                SendOutbox();
                break;
            case QueueTick:
                if (_state.OpenOrders.Any() || _state.AutoPauseReason is not null)
                    Decide(new CheckKitchenQueue(_restaurantId, _clock.GetUtcNow()), ActorRefs.Nobody);
                else
                    Timers.Cancel(QueueTimer);
                break;
            case IdleCheck:
                if (_idle.IsIdle && _state.Outbox().IsEmpty && !_state.OpenOrders.Any() && _state.AutoPauseReason is null)
                    Context.Parent.Tell(new Passivate(StopEntity.Instance));
                break;
            case SaveSnapshotSuccess ok:
                DeleteSnapshots(new SnapshotSelectionCriteria(ok.Metadata.SequenceNr - 1));
                break;
            case SaveSnapshotFailure failed:
                _log.Warning(failed.Cause, "restaurant {0}: snapshot failed; recovery will replay more events", _restaurantId);
                break;
            case DeleteSnapshotsSuccess or DeleteSnapshotsFailure:
                break;
            case StopEntity:
                Context.Stop(Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Decide(IRestaurantCommand command, IActorRef sender)
    {
        var existed = _state.Exists;
        var decision = RestaurantDecider.Decide(_state, command, _clock.GetUtcNow(), _with.Rules);
        if (decision.Rejection is { } rejection)
        {
            if (command is AcknowledgeDeliveryRequest or AcknowledgeKitchenProgress or CheckKitchenQueue)
                _log.Warning("restaurant {0}: {1} refused: {2}", _restaurantId, command.GetType().Name, rejection.Message);
            else
                sender.Tell(new RestaurantRefused(_restaurantId, rejection));
            return;
        }
        if (decision.Events.IsEmpty)
        {
            Reply(command, sender, existed, repeat: true);
            return;
        }
        var remaining = decision.Events.Length;
        PersistAll(decision.Events, e =>
        {
            _state = RestaurantDecider.Evolve(_state, e);
            if (e is KitchenOrderQueued { CustomerId: { } customer }) HoldPersonalData(customer);
            if (--remaining > 0) return;
            Persisted(decision.Events.Length);
            Reply(command, sender, existed, repeat: false);
            if (!decision.Effects.IsEmpty)
            {
                _retryDelay = _firstRetry;
                SendOutbox();
            }
            WatchQueue();
        });
    }

    private void Reply(IRestaurantCommand command, IActorRef sender, bool existed, bool repeat)
    {
        switch (command)
        {
            case ReceiveKitchenOrder c:
                sender.Tell(new KitchenOrderReceived(_restaurantId, c.OrderId));
                break;
            case RecordPickupEstimate c:
                // Estimates come best effort without a sender; only a collection, sent until answered, waits for this.
                if (!sender.IsNobody()) sender.Tell(new PickupEstimateRecorded(_restaurantId, c.OrderId));
                break;
            case AcknowledgeDeliveryRequest or AcknowledgeKitchenProgress or CheckKitchenQueue:
                break;
            default:
                sender.Tell(new RestaurantAccepted(_restaurantId, _state.ToView(_clock.GetUtcNow()), repeat, Created: !existed && _state.Exists));
                break;
        }
    }

    /// <summary>Runs the queue check first when the clock alone would change the automatic pause, then answers.</summary>
    private void AfterQueueCheck(Action<IActorRef> answer, IActorRef sender)
    {
        var now = _clock.GetUtcNow();
        var decision = RestaurantDecider.Decide(_state, new CheckKitchenQueue(_restaurantId, now), now, _with.Rules);
        if (decision.Events.IsEmpty)
        {
            answer(sender);
            return;
        }
        var remaining = decision.Events.Length;
        PersistAll(decision.Events, e =>
        {
            _state = RestaurantDecider.Evolve(_state, e);
            if (--remaining > 0) return;
            Persisted(decision.Events.Length);
            answer(sender);
        });
    }

    /// <summary>
    /// Drop-off points of customers erased since the last look become coarse in memory, as a restart reads them (at once
    /// on the erasing node, within the recheck interval on others); looked for only when the node learnt of an erasure.
    /// </summary>
    private void ForgetErasedPersonalData()
    {
        if (_with.PersonalData is not { } keys || !_erasureStamps.Moved(keys)) return;
        _state = DropOffCipher.Forget(_state, c => _erasureStamps.ErasedSince(c, keys));
        _erasureStamps.Settle(_state.Orders.Values.Select(x => x.CustomerId), keys);
    }

    /// <summary>
    /// A new entry's customer: its stamp recorded if this entity held none of its data yet (a customer erased before
    /// and keyed again keeps this entry); when it has no live key now its point was written coarse, so memory keeps it coarse too.
    /// </summary>
    private void HoldPersonalData(string customerId)
    {
        if (_with.PersonalData is not { } keys) return;
        _erasureStamps.Hold(customerId, keys);
        if (keys.TryGetCached(customerId, out var key) && key is null) _state = DropOffCipher.Forget(_state, c => c == customerId);
    }

    /// <summary>Counts durable events and saves a snapshot when one is due (the state is exactly as of the last event).</summary>
    private void Persisted(int events)
    {
        _eventsSinceSnapshot += events;
        if (_eventsSinceSnapshot < RestaurantSnapshot.EventsBetween(_with.SnapshotEvery, _state)) return;
        _eventsSinceSnapshot = 0;
        SaveSnapshot(RestaurantSnapshot.From(_state));
    }

    /// <summary>Sends everything owed and not acknowledged, and asks again later until all of it is.</summary>
    private void SendOutbox()
    {
        var due = _state.Outbox();
        if (due.IsEmpty)
        {
            Timers.Cancel(RetryTimer);
            return;
        }
        var zones = _with.Zones();
        foreach (var message in due)
        {
            switch (message)
            {
                case RequestDelivery request when zones is not null:
                    zones.Tell(request);
                    break;
                case RequestDelivery request:
                    _log.Warning("restaurant {0}: no zone region yet; the delivery request of order {1} waits", _restaurantId, request.OrderId);
                    break;
                default:
                    _with.Orders.Tell(message);
                    break;
            }
        }
        Timers.StartSingleTimer(RetryTimer, RetryTick.Instance, _retryDelay);
    }

    /// <summary>Keeps the periodic queue check running while there are open orders or an automatic pause to lift.</summary>
    private void WatchQueue()
    {
        if ((_state.OpenOrders.Any() || _state.AutoPauseReason is not null) && !Timers.IsTimerActive(QueueTimer))
            Timers.StartPeriodicTimer(QueueTimer, QueueTick.Instance, _queueCheck);
    }

    private void OnOrderReply(IOrderReply reply)
    {
        var orderId = reply.OrderId;
        if (!_state.Outbox().OfType<RecordDeliveryProgress>().Any(p => p.OrderId == orderId)) return;
        // Either answer means the order heard the kitchen: a refusal is not something a retry would change.
        if (reply is OrderRefused refused)
            _log.Warning("restaurant {0}: order {1} refused the kitchen's progress: {2} {3}", _restaurantId, orderId, refused.Rejection.Code, refused.Rejection.Message);
        Decide(new AcknowledgeKitchenProgress(_restaurantId, orderId), ActorRefs.Nobody);
    }

    private sealed class RetryTick : INotInfluenceReceiveTimeout
    {
        public static readonly RetryTick Instance = new();
    }

    private sealed class QueueTick : INotInfluenceReceiveTimeout
    {
        public static readonly QueueTick Instance = new();
    }
}
