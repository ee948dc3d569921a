using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Sharding;

namespace OrderEngine.Engine.Orders;

/// <summary>
/// One order: a thin shell over <see cref="OrderDecider"/> that also runs the order's stock saga. It persists the
/// placement, reserves every line at its stock entity (Tell with timer-driven retries, never Ask), then becomes
/// Reserved or Rejected; payment commits the reservations, cancel and expiry release them. Whatever stock step its
/// state still owes (see <see cref="OrderState.PendingStock"/>) is resumed after a restart.
/// </summary>
public sealed class OrderActor : UntypedPersistentActor, IWithTimers
{
    private const string RetryTimer = "retry";
    private const string ExpiryTimer = "expiry";

    private readonly string _orderId;
    private readonly OrderRules _rules;
    private readonly OrdersOptions _options;
    private readonly TimeSpan _idleTimeout;
    private readonly IActorRef _stock;
    private readonly TimeProvider _clock;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    private OrderState _state;

    // Placement requests waiting for the reservation outcome (not persisted: a client that lost its answer retries).
    private readonly List<IActorRef> _placementWaiters = [];

    // The current stock step: answers collected so far, per SKU.
    private readonly Dictionary<string, LineReservationOutcome> _reserveOutcomes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _awaitingAcks = new(StringComparer.Ordinal);
    private TimeSpan _retryDelay;

    public OrderActor(string orderId, OrdersOptions options, TimeSpan idleTimeout, IActorRef stock, TimeProvider clock)
    {
        _orderId = orderId;
        _options = options;
        _rules = options.ToRules();
        _idleTimeout = idleTimeout;
        _stock = stock;
        _clock = clock;
        _state = OrderState.Initial(orderId);
        _retryDelay = options.RetryInterval;
    }

    // One Props per order entity: built with a plain producer, since Props.Create(() => ...) compiles an expression
    // tree each time, which showed as steady JIT work under load.
    public static Props Props(string orderId, OrdersOptions options, TimeSpan idleTimeout, IActorRef stock, TimeProvider clock) =>
        Akka.Actor.Props.CreateBy(new Producer<OrderActor>(() => new OrderActor(orderId, options, idleTimeout, stock, clock)));

    public ITimerScheduler Timers { get; set; } = null!;

    public override string PersistenceId => "order-" + _orderId;

    /// <summary>
    /// An order has a handful of events, so replaying them is cheaper than looking for a snapshot first (the lookup
    /// doubled the cost of activating an order); orders take no snapshots and recover from events alone.
    /// </summary>
    public override Recovery Recovery => new(SnapshotSelectionCriteria.None);

    protected override void PreStart()
    {
        base.PreStart();
        Context.SetReceiveTimeout(_idleTimeout);
    }

    protected override void OnRecover(object message)
    {
        switch (message)
        {
            case IOrderEvent e:
                _state = OrderDecider.Evolve(_state, e);
                break;
            case RecoveryCompleted:
                StartStockStep();
                ScheduleExpiry();
                break;
        }
    }

    protected override void OnCommand(object message)
    {
        switch (message)
        {
            case IStockReply reply:
                OnStockReply(reply);
                return;
            case RetryTick:
                ResendStockStep();
                return;
            case ReceiveTimeout:
                if (_state.PendingStock == PendingStockAction.None && _placementWaiters.Count == 0)
                    Context.Parent.Tell(new Passivate(StopEntity.Instance));
                return;
            case StopEntity:
                Context.Stop(Self);
                return;
        }

        // Expiry is decided lazily too, so an order that slept through its hold time is expired before anything else.
        if (_state.Status == OrderStatus.Reserved && _clock.GetUtcNow() >= _state.Placement!.ExpiresAt)
        {
            var sender = Sender;
            Decide(new ExpireOrder(_orderId), () =>
            {
                if (message is not ExpiryTick) Self.Tell(message, sender);
            });
            return;
        }

        switch (message)
        {
            case PlaceOrder or ConfirmPayment or CancelOrder:
                OnClientCommand((IOrderCommand)message);
                break;
            case GetOrder:
                Sender.Tell(_state.Exists
                    ? new OrderAccepted(_orderId, _state.ToView())
                    : new OrderRefused(_orderId, OrderRejection.Of(OrderRejectionCode.NotFound, $"order {_orderId} does not exist")));
                break;
            case ReservationDue due:
                OnReservationDue(due);
                break;
            case WakeOrder:
                // Recovery already resumed any pending step; a running order that is stuck gets its step re-sent now.
                if (_state.PendingStock != PendingStockAction.None && !Timers.IsTimerActive(RetryTimer)) StartStockStep();
                break;
            case ExpiryTick:
                ScheduleExpiry();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>A command from a client: decide, persist, answer. A placement is answered once its reservation outcome is known.</summary>
    private void OnClientCommand(IOrderCommand command)
    {
        var sender = Sender;
        var isPlacement = command is PlaceOrder;
        var decision = OrderDecider.Decide(_state, command, _clock.GetUtcNow(), _rules);
        if (decision.Rejection is { } rejection)
        {
            sender.Tell(new OrderRefused(_orderId, rejection));
            return;
        }
        if (decision.Events.IsEmpty)
        {
            // A repeat: a placement still reserving waits with the first caller; anything else gets the order as it stands.
            if (isPlacement && _state.Status == OrderStatus.Placed) _placementWaiters.Add(sender);
            else sender.Tell(new OrderAccepted(_orderId, _state.ToView()));
            return;
        }
        if (isPlacement)
        {
            // The reservations are asked for while the placement is being written: the answer to the client waits for
            // the outcome, which is persisted after the placement, so nothing is acknowledged before both are durable.
            // Should the placement's write fail, the entity stops and the reservations made meanwhile come back when
            // their stock entities ask this order (which then has no events) what to do with them.
            _placementWaiters.Add(sender);
            foreach (var e in decision.Events) _state = OrderDecider.Evolve(_state, e);
            PersistAllAsync(decision.Events, _ => { });
            StartStockStep();
            return;
        }
        PersistThen(decision.Events, () =>
        {
            sender.Tell(new OrderAccepted(_orderId, _state.ToView()));
            AnswerPlacementWaitersIfDecided();
            StartStockStep();
        });
    }

    private void OnReservationDue(ReservationDue due)
    {
        // A stock entity holds units for this order past their expiry and asks what becomes of them.
        switch (_state.Status)
        {
            case OrderStatus.None:
                _stock.Tell(new ReleaseReservation(due.Sku, _orderId));
                break;
            case OrderStatus.Paid:
                _stock.Tell(new CommitReservation(due.Sku, _orderId));
                break;
            case OrderStatus.Rejected or OrderStatus.Cancelled or OrderStatus.Expired:
                _stock.Tell(new ReleaseReservation(due.Sku, _orderId));
                break;
            // Placed: the saga is still running and will settle the line. Reserved: not due by this order's clock yet.
        }
    }

    private void OnStockReply(IStockReply reply)
    {
        if (reply.Ref != _orderId) return;
        var accepted = reply is StockAccepted;
        switch (_state.PendingStock)
        {
            case PendingStockAction.Reserve when reply.Operation == StockOperation.Reserve:
                if (_reserveOutcomes.ContainsKey(reply.Sku) || _state.Placement!.Lines.All(l => l.Sku != reply.Sku)) return;
                _reserveOutcomes[reply.Sku] = reply is StockRefused refused
                    ? new LineReservationOutcome(reply.Sku, false, refused.Rejection.Code.ToString(), refused.Rejection.Message)
                    : new LineReservationOutcome(reply.Sku, true, null, null);
                if (_reserveOutcomes.Count == _state.Placement.Lines.Length)
                {
                    var outcomes = _state.Placement.Lines.Select(l => _reserveOutcomes[l.Sku]).ToImmutableArray();
                    Decide(new CompleteReservation(_orderId, outcomes), () =>
                    {
                        AnswerPlacementWaitersIfDecided();
                        ScheduleExpiry();
                    });
                }
                break;
            case PendingStockAction.Commit when reply.Operation == StockOperation.Commit:
            case PendingStockAction.Release when reply.Operation == StockOperation.Release:
                if (!accepted)
                {
                    var rejection = ((StockRefused)reply).Rejection;
                    _log.Error("order {0}: stock {1} refused to {2}: {3} {4}", _orderId, reply.Sku,
                        reply.Operation.ToString().ToLowerInvariant(), rejection.Code, rejection.Message);
                }
                if (_awaitingAcks.Remove(reply.Sku) && _awaitingAcks.Count == 0)
                    Decide(new MarkStockSettled(_orderId), () => { });
                break;
        }
    }

    /// <summary>Decides an internal command, persists its events, then continues with the next stock step.</summary>
    private void Decide(IOrderCommand command, Action after)
    {
        var decision = OrderDecider.Decide(_state, command, _clock.GetUtcNow(), _rules);
        if (decision.Rejection is { } rejection)
        {
            _log.Error("order {0}: internal command {1} refused: {2}", _orderId, command.GetType().Name, rejection.Message);
            return;
        }
        if (decision.Events.IsEmpty)
        {
            after();
            return;
        }
        PersistThen(decision.Events, () =>
        {
            after();
            AnswerPlacementWaitersIfDecided();
            StartStockStep();
        });
    }

    private void PersistThen(ImmutableArray<IOrderEvent> events, Action after)
    {
        var remaining = events.Length;
        PersistAll(events, e =>
        {
            _state = OrderDecider.Evolve(_state, e);
            if (--remaining == 0) after();
        });
    }

    private void AnswerPlacementWaitersIfDecided()
    {
        if (_state.Status == OrderStatus.Placed || _placementWaiters.Count == 0) return;
        var answer = new OrderAccepted(_orderId, _state.ToView());
        foreach (var waiter in _placementWaiters) waiter.Tell(answer);
        _placementWaiters.Clear();
    }

    /// <summary>Starts whatever the order's state says it still owes its stock entities.</summary>
    private void StartStockStep()
    {
        _reserveOutcomes.Clear();
        _awaitingAcks.Clear();
        _retryDelay = _options.RetryInterval;
        var pending = _state.PendingStock;
        if (pending == PendingStockAction.None)
        {
            Timers.Cancel(RetryTimer);
            return;
        }
        if (pending != PendingStockAction.Reserve)
            foreach (var line in _state.Placement!.Lines) _awaitingAcks.Add(line.Sku);
        SendStockStep();
    }

    private void ResendStockStep()
    {
        if (_state.PendingStock == PendingStockAction.None) return;
        _log.Info("order {0}: no answer from {1} stock entit(ies) for {2}; retrying", _orderId,
            _state.PendingStock == PendingStockAction.Reserve ? _state.Placement!.Lines.Length - _reserveOutcomes.Count : _awaitingAcks.Count,
            _state.PendingStock.ToString().ToLowerInvariant());
        _retryDelay = TimeSpan.FromTicks(Math.Min(_retryDelay.Ticks * 2, _options.MaxRetryInterval.Ticks));
        SendStockStep();
    }

    private void SendStockStep()
    {
        var p = _state.Placement!;
        foreach (var line in p.Lines)
        {
            switch (_state.PendingStock)
            {
                case PendingStockAction.Reserve when !_reserveOutcomes.ContainsKey(line.Sku):
                    _stock.Tell(new ReserveStock(line.Sku, _orderId, line.Quantity, p.ExpiresAt));
                    break;
                case PendingStockAction.Commit when _awaitingAcks.Contains(line.Sku):
                    _stock.Tell(new CommitReservation(line.Sku, _orderId));
                    break;
                case PendingStockAction.Release when _awaitingAcks.Contains(line.Sku):
                    _stock.Tell(new ReleaseReservation(line.Sku, _orderId));
                    break;
            }
        }
        Timers.StartSingleTimer(RetryTimer, RetryTick.Instance, _retryDelay);
    }

    private void ScheduleExpiry()
    {
        if (_state.Status != OrderStatus.Reserved) return;
        var due = _state.Placement!.ExpiresAt - _clock.GetUtcNow();
        Timers.StartSingleTimer(ExpiryTimer, ExpiryTick.Instance, due > TimeSpan.Zero ? due : TimeSpan.Zero);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        // The placement is applied before its write is confirmed: a rejected write must not stay in memory.
        base.OnPersistRejected(cause, @event, sequenceNr);
        throw new InvalidOperationException($"order {_orderId}: the journal rejected event {sequenceNr}; restarting from the journal", cause);
    }

    private sealed class RetryTick : INotInfluenceReceiveTimeout
    {
        public static readonly RetryTick Instance = new();
    }

    private sealed class ExpiryTick : INotInfluenceReceiveTimeout
    {
        public static readonly ExpiryTick Instance = new();
    }
}
