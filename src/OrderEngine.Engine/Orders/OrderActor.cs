using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using OrderEngine.Engine.PersonalData;
using OrderEngine.Domain.Customers;
using OrderEngine.Domain.Dispatch;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Payments;
using OrderEngine.Domain.Returns;
using OrderEngine.Domain.Shipments;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Payments;
using OrderEngine.Engine.Sharding;
using OrderEngine.Engine.Shipping;
using OrderEngine.Engine.Telemetry;

namespace OrderEngine.Engine.Orders;

/// <summary>
/// One order: a thin shell over <see cref="OrderDecider"/> that also drives what the order owes others. A placement first
/// reserves every line at its stock entity (Tell with timer-driven retries, never Ask), then writes one event: the
/// placement with what it became (Reserved, OnHold for review, Confirmed for cash on delivery). A placement with a line
/// that could not be reserved is refused without writing anything, and what was reserved for it is given back. Payment
/// commits the reservations, cancel and expiry release them; refunds go to the payment's provider and refunded unshipped
/// units back on sale. A shipment's units leave stock once sold, its parcel entity is told which shipment it carries,
/// and a parcel returned to sender brings its units back on hand. A restaurant delivery order tells its restaurant once
/// paid or confirmed, until it answers (<see cref="KitchenNotice"/>). Whatever its state still owes
/// (<see cref="OrderState.PendingStock"/>, refunds awaiting their provider or their restock, shipment movements) is
/// resumed after a restart.
/// </summary>
public sealed partial class OrderActor : UntypedPersistentActor, IWithTimers
{
    private const string RetryTimer = "retry";
    private const string ExpiryTimer = "expiry";

    private readonly string _orderId;
    private readonly OrderRules _rules;
    private readonly OrdersOptions _options;
    private readonly IdlePassivation _idle;
    private readonly OrderCollaborators _with;
    private readonly TimeProvider _clock;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    private OrderState _state;

    // A placement being reserved before its one write (nothing durable yet: a client that lost its answer retries).
    private PlacementRound? _round;
    // The customer's erasure stamp (CustomerKeyStore.ErasureStampOf) as of when this entity took its personal data in.
    private long _erasureStamp;

    // After a refused placement: the SKUs whose reservation is being given back, the refusal's waiters (answered once
    // it is given back, so a refusal never leaves units held), and placements that arrived meanwhile.
    private readonly HashSet<string> _givingBack = new(StringComparer.Ordinal);
    private (OrderRefused Refusal, List<(IActorRef Waiter, bool Repeat)> Waiters)? _refused;
    private readonly Queue<(PlaceOrder Command, IActorRef Sender)> _waitingForGiveBack = new();

    // Placement requests of a journal written by an earlier version (status Placed), waiting for the reservation outcome.
    private readonly List<(IActorRef Waiter, bool Repeat)> _placementWaiters = [];

    // The stock step in progress and the answers collected for it.
    private PendingStockAction _activeStep = PendingStockAction.None;
    private readonly Dictionary<string, LineReservationOutcome> _reserveOutcomes = new(StringComparer.Ordinal);
    private int? _recentOrdersOfCustomer;
    private readonly HashSet<string> _awaitingAcks = new(StringComparer.Ordinal);
    private TimeSpan _retryDelay;

    // Refunds: calls to providers in flight, and per refund the SKUs whose restock is not acknowledged yet.
    private readonly HashSet<string> _refundCalls = new(StringComparer.Ordinal);
    private readonly HashSet<string> _pendingAtProvider = new(StringComparer.Ordinal); // answered "pending": its webhook will settle it
    private readonly Dictionary<string, HashSet<string>> _restocksAwaiting = new(StringComparer.Ordinal);

    // Shipments: per shipment and movement, the SKUs whose stock has not acknowledged it; parcels not yet told of their shipment.
    private readonly Dictionary<(string ShipmentId, ShipmentMovement Movement), HashSet<string>> _movesAwaiting = new();
    private readonly HashSet<string> _parcelsToRegister = new(StringComparer.Ordinal);

    // A shipping quote asked for and not answered yet.
    private bool _quoting;

    // A delivery order tells its restaurant until it answers, and takes the units its courier took off stock.
    private readonly KitchenNotice _kitchen;
    private readonly DeliveryDeparture _departure;

    public OrderActor(string orderId, OrdersOptions options, TimeSpan idleTimeout, OrderCollaborators with, TimeProvider clock)
    {
        _orderId = orderId;
        _options = options;
        _rules = with.Rules;
        _idle = new IdlePassivation(idleTimeout);
        _with = with;
        _clock = clock;
        _state = OrderState.Initial(orderId);
        _retryDelay = options.RetryInterval;
        _kitchen = new KitchenNotice(orderId, with.Restaurants, _log);
        _departure = new DeliveryDeparture(orderId, _log);
    }

    // One Props per order entity: built with a plain producer, since Props.Create(() => ...) compiles an expression
    // tree each time, which showed as steady JIT work under load.
    public static Props Props(string orderId, OrdersOptions options, TimeSpan idleTimeout, OrderCollaborators with, TimeProvider clock) =>
        Akka.Actor.Props.CreateBy(new Producer<OrderActor>(() => new OrderActor(orderId, options, idleTimeout, with, clock)));

    public ITimerScheduler Timers { get; set; } = null!;

    public override string PersistenceId => "order-" + _orderId;

    /// <summary>
    /// An order has a handful of events, so replaying them is cheaper than looking for a snapshot first (the lookup
    /// doubled the cost of activating an order); orders take no snapshots and recover from events alone.
    /// </summary>
    public override Recovery Recovery => new(SnapshotSelectionCriteria.None);

    private IActorRef Stock => _with.Stock;

    // The placed order's units per SKU (a SKU may be on several lines): what its stock steps reserve, commit and release.
    private ImmutableArray<SkuQuantity> _skus;

    private ImmutableArray<SkuQuantity> Skus => _skus.IsDefault ? _skus = OrderLines.PerSku(_state.Placement!.Lines) : _skus;

    protected override void PreStart()
    {
        base.PreStart();
        _idle.Start(Timers);
    }

    protected override void OnRecover(object message)
    {
        switch (message)
        {
            case IOrderEvent e:
                _state = OrderDecider.Evolve(_state, e);
                break;
            case RecoveryCompleted:
                if (_with.PersonalData is { } keys && _state.Placement is { } recovered) _erasureStamp = keys.ErasureStampOf(recovered.CustomerId);
                ContinueObligations();
                break;
        }
    }

    protected override void OnCommand(object message)
    {
        _idle.Observe(message);
        ForgetErasedPersonalData();
        switch (message)
        {
            case IStockReply reply:
                OnStockReply(reply);
                return;
            case IParcelReply reply:
                OnParcelReply(reply);
                return;
            case ShippingQuoteReady ready:
                _quoting = false;
                DecideInternal(new ChooseShippingMethod(_orderId, ready.Quote.Choice), () => { });
                return;
            case ShippingQuoteFailed failed:
                _quoting = false;
                _log.Warning("order {0}: no shipping quote ({1}); asking again", _orderId, failed.Reason);
                EnsureRetryTimer();
                return;
            case CustomerOrderCount count:
                OnCustomerCount(count);
                return;
            case IReturnReply reply:
                OnReturnReply(reply);
                return;
            case KitchenOrderReceived received:
                if (_kitchen.OnReceived(received) is { } mark) DecideInternal(mark, () => { });
                return;
            case Domain.Dispatch.Restaurants.RestaurantRefused refused:
                // The restaurant cannot take the order (never defined, say): it is asked again at the next retry, and the
                // order stays visibly with no kitchen until someone acts.
                _log.Warning("order {0}: restaurant {1} refused the order: {2}", _orderId, refused.RestaurantId, refused.Rejection.Message);
                return;
            case RefundCall call:
                OnRefundCall(call);
                return;
            case MarkDeliveryLeftStock left:
                DecideInternal(left, () => { });
                return;
            case RetryTick:
                if (_round is { AwaitingKey: true, KeyAsked: false } keyless) AskKey(keyless);
                Resend();
                return;
            case PersonalDataKeyReady ready:
                OnKeyReady(ready.CustomerId);
                return;
            case PersonalDataKeyFailed failed:
                if (_round is { } asking && asking.Pending.CustomerId == failed.CustomerId) asking.KeyAsked = false;
                _log.Warning("order {0}: the customer's personal data key could not be written ({1}); asking again", _orderId, failed.Error);
                EnsureRetryTimer();
                return;
            case IdleCheck:
                if (_idle.IsIdle && OwesNothingNow() && _placementWaiters.Count == 0 && _round is null && _givingBack.Count == 0)
                    Context.Parent.Tell(new Passivate(StopEntity.Instance));
                return;
            case StopEntity:
                Context.Stop(Self);
                return;
        }

        // Expiry is decided lazily too, so an order that slept through its hold (or review) time ends before anything else.
        if (_state.Status is OrderStatus.Reserved or OrderStatus.OnHold && _clock.GetUtcNow() >= _state.ExpiresAt)
        {
            var sender = Sender;
            DecideInternal(new ExpireOrder(_orderId), () =>
            {
                if (message is not ExpiryTick) Self.Tell(message, sender);
            });
            return;
        }

        switch (message)
        {
            case PlaceOrder or ConfirmPayment or CancelOrder or RecordProviderPayment or RecordRefundOutcome or ReviewOrder or RequestRefund
                or RecordShipment or RecordParcelOutcome or OverrideShippingMethod or RegisterReturn or ReleaseReturn or SettleReturn
                or RecordDeliveryProgress:
                OnClientCommand((IOrderCommand)message);
                break;
            case RefundExchangeCredit credit:
                OnClientCommand(credit);
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
                // Recovery already resumed what is owed; a running order that is stuck gets it sent again now.
                if (!Timers.IsTimerActive(RetryTimer)) Resend();
                Sender.Tell(new OrderDue(_orderId, NextDue()));
                break;
            case ExpiryTick:
                ScheduleExpiry();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>A command from a client, a channel, an operator or a provider: decide, persist, answer.</summary>
    private void OnClientCommand(IOrderCommand command)
    {
        var sender = Sender;
        var isPlacement = command is PlaceOrder;
        if (command is PlaceOrder place && !_state.Exists)
        {
            OnNewPlacement(place, sender);
            return;
        }
        var decision = OrderDecider.Decide(_state, command, _clock.GetUtcNow(), _rules);
        if (decision.Rejection is { } rejection)
        {
            if (isPlacement) OrderEngineTelemetry.OrderRefused(rejection.Code);
            sender.Tell(new OrderRefused(_orderId, rejection));
            return;
        }
        if (decision.Events.IsEmpty)
        {
            // A repeat: a placement still reserving waits with the first caller; anything else gets the order as it stands.
            if (isPlacement && _state.Status == OrderStatus.Placed) _placementWaiters.Add((sender, true));
            else sender.Tell(new OrderAccepted(_orderId, _state.ToView(), Repeat: true));
            return;
        }
        PersistThen(decision.Events, () =>
        {
            sender.Tell(new OrderAccepted(_orderId, _state.ToView()));
            if (decision.Events.Any(e => e is OrderApproved)) ExtendReservations();
            ContinueObligations();
        });
    }

    // ---- placement -----------------------------------------------------------------------------------------------

    /// <summary>
    /// A placement of an order that does not exist (yet): a repeat joins the round in progress; otherwise the placement
    /// is decided and its lines reserved, and nothing is written until every line's stock answered.
    /// </summary>
    private void OnNewPlacement(PlaceOrder place, IActorRef sender)
    {
        var now = _clock.GetUtcNow();
        if (_round is { } round)
        {
            // Judged against the placement in progress as if it were written: the same request waits for its answer.
            var again = OrderDecider.Decide(OrderDecider.Evolve(_state, round.Pending), place, now, _rules);
            if (again.Rejection is { } conflict)
            {
                OrderEngineTelemetry.OrderRefused(conflict.Code);
                sender.Tell(new OrderRefused(_orderId, conflict));
            }
            else round.Waiters.Add((sender, true));
            return;
        }
        if (_givingBack.Count > 0)
        {
            // A refused attempt's units are still being given back; reserving again before that is acknowledged could
            // have a late release take the new reservation away.
            _waitingForGiveBack.Enqueue((place, sender));
            return;
        }
        var decision = OrderDecider.Decide(_state, place, now, _rules);
        if (decision.Rejection is { } rejection)
        {
            OrderEngineTelemetry.OrderRefused(rejection.Code);
            sender.Tell(new OrderRefused(_orderId, rejection));
            return;
        }
        var pending = (OrderPlaced)decision.Events.Single();
        _round = new PlacementRound(pending, CountsCustomerOrders);
        _round.Waiters.Add((sender, false));
        _retryDelay = _options.RetryInterval;
        // Its customer's key must be durable before the placement is written sealed with it: asked now, beside the
        // reservations, so it costs no extra step (and nothing at all when this node has the key or there is no personal data).
        // A delivery's drop-off point is personal data too (DropOffCipher). A customer known as erased gets a new key: a
        // later order after an erasure is new processing. The stamp is taken now and again once the key is made, so
        // an erasure landing after that (the placement then written erased) is forgotten in memory too.
        if (_with.PersonalData is { } keys)
        {
            _erasureStamp = keys.ErasureStampOf(pending.CustomerId);
            if ((PersonalDataCipher.HasPersonalFields(pending.ShippingAddress) || pending.Delivery is not null)
                && !(keys.TryGetCached(pending.CustomerId, out var cachedKey) && cachedKey is not null))
            {
                _round.AwaitingKey = true;
                AskKey(_round);
            }
        }
        SendReservations(_round);
    }

    /// <summary>
    /// An entity still in memory when its customer's personal data is erased holds it in clear: it drops it at its next
    /// message once this node knows of the erasure (at once on the erasing node, within the recheck interval on others).
    /// </summary>
    /// <remarks>
    /// Erased means erased after this entity took the data in (the customer's erasure stamp moved past the one it
    /// recorded), not "has no key now": an order placed after an erasure, with the customer's new key, keeps its data,
    /// and an order taken in before it forgets its data even once a later order made a new key.
    /// </remarks>
    private void ForgetErasedPersonalData()
    {
        if (_with.PersonalData is not { } keys || _state.Placement is not { } placement) return;
        var stamp = keys.ErasureStampOf(placement.CustomerId);
        if (stamp <= _erasureStamp) return;
        _erasureStamp = stamp;
        if (placement.ShippingAddress is { } address && address.Name != PersonalDataCipher.Erased && PersonalDataCipher.HasPersonalFields(address))
            _state = _state with { Placement = placement with { ShippingAddress = PersonalDataCipher.Erase(address) } };
        if (_state.Delivery is not null) _state = DropOffCipher.Forget(_state, _ => true);
    }

    private void AskKey(PlacementRound round)
    {
        round.KeyAsked = true;
        var customerId = round.Pending.CustomerId;
        _with.PersonalData!.EnsureAsync(customerId).PipeTo(Self,
            success: () => new PersonalDataKeyReady(customerId),
            failure: e => new PersonalDataKeyFailed(customerId, e.GetType().Name));
    }

    private void OnKeyReady(string customerId)
    {
        if (_round is not { AwaitingKey: true } round || round.Pending.CustomerId != customerId) return;
        round.AwaitingKey = false;
        _erasureStamp = _with.PersonalData!.ErasureStampOf(customerId);
        if (round.IsComplete) FinishPlacement(round);
    }

    private void SendReservations(PlacementRound round)
    {
        var p = round.Pending;
        if (round.CountsCustomerOrders && round.RecentOrdersOfCustomer is null)
            _with.Customers.Tell(new NoteCustomerOrder(p.CustomerId, _orderId, p.At, _rules.ReviewRules.OrdersWindow));
        foreach (var line in round.Unanswered) Stock.Tell(new ReserveStock(line.Sku, _orderId, line.Quantity, p.ExpiresAt, p.CustomerId));
        Timers.StartSingleTimer(RetryTimer, RetryTick.Instance, _retryDelay);
    }

    /// <summary>Every line answered: write the placement with its outcome, or refuse it and give back what was reserved.</summary>
    private void FinishPlacement(PlacementRound round)
    {
        var decision = OrderDecider.DecidePlacement(round.Pending, round.Outcomes, round.RecentOrdersOfCustomer, _clock.GetUtcNow(), _rules);
        if (decision.Placed is { } placed)
        {
            _writesHandedOver++;
            Persist(placed, e =>
            {
                _round = null;
                _state = OrderDecider.Evolve(_state, e);
                OrderEngineTelemetry.OrderPlaced();
                var view = _state.ToView();
                foreach (var (waiter, repeat) in round.Waiters) waiter.Tell(new OrderAccepted(_orderId, view, repeat));
                ContinueObligations();
            });
            return;
        }
        _round = null;
        OrderEngineTelemetry.OrderRefused(decision.Refusal!.Code);
        _refused = (new OrderRefused(_orderId, decision.Refusal!), round.Waiters);
        foreach (var sku in decision.Release) _givingBack.Add(sku);
        _retryDelay = _options.RetryInterval;
        SendGiveBacks();
    }

    private void SendGiveBacks()
    {
        if (_givingBack.Count == 0)
        {
            Timers.Cancel(RetryTimer);
            if (_refused is var (refusal, waiters))
            {
                foreach (var (waiter, _) in waiters) waiter.Tell(refusal);
                _refused = null;
            }
            while (_givingBack.Count == 0 && _round is null && _waitingForGiveBack.TryDequeue(out var waiting)) OnNewPlacement(waiting.Command, waiting.Sender);
            // A refused placement leaves an entity with nothing to keep: it leaves memory at once, not after the idle timeout.
            if (!_state.Exists && _round is null && _givingBack.Count == 0) Context.Parent.Tell(new Passivate(StopEntity.Instance));
            return;
        }
        foreach (var sku in _givingBack) Stock.Tell(new ReleaseReservation(sku, _orderId, Unplaced: true));
        Timers.StartSingleTimer(RetryTimer, RetryTick.Instance, _retryDelay);
    }

    /// <summary>Decides a command the entity gives itself, persists its events, then continues with what is owed.</summary>
    private void DecideInternal(IOrderCommand command, Action after)
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
            ContinueObligations();
        });
    }

    private void PersistThen(ImmutableArray<IOrderEvent> events, Action after)
    {
        var remaining = events.Length;
        _writesHandedOver++;
        PersistAll(events, e =>
        {
            _state = OrderDecider.Evolve(_state, e);
            OrderEngineTelemetry.OrderEventWritten(e);
            if (--remaining == 0) after();
        });
    }

    /// <summary>Answers waiting placements, then starts whatever the state says is still owed.</summary>
    private void ContinueObligations()
    {
        AnswerPlacementWaitersIfDecided();
        if (_state.PendingStock != _activeStep) StartStockStep();
        CallProviders();
        StartRestocks();
        StartShipmentWork();
        QuoteShipping();
        NotifyKitchen(again: false);
        ScheduleExpiry();
        ReportExchangeOutcome();
    }

    private void NotifyKitchen(bool again)
    {
        if (_kitchen.Send(_state, _clock.GetUtcNow(), Self, again)) EnsureRetryTimer();
        _departure.Send(_state, Stock, Self, again);
        if (_departure.Owes(_state)) EnsureRetryTimer();
    }

    private bool OwesDeliveryWork() => KitchenNotice.Owes(_state) || _departure.Owes(_state);

    /// <summary>A paid (or cash-on-delivery) order with an address gets its shipping method: the quote comes back as a message.</summary>
    private void QuoteShipping()
    {
        if (_quoting || !OwesShippingChoice()) return;
        _quoting = true;
        _with.Shipping!.QuoteFor(_state.ToView(), _clock.GetUtcNow(), Self);
    }

    private bool OwesShippingChoice() => _with.Shipping is not null && _state.NeedsShippingMethod;

    private void AnswerPlacementWaitersIfDecided()
    {
        if (_state.Status == OrderStatus.Placed || _placementWaiters.Count == 0) return;
        var view = _state.ToView();
        foreach (var (waiter, repeat) in _placementWaiters) waiter.Tell(new OrderAccepted(_orderId, view, repeat));
        _placementWaiters.Clear();
    }

    // ---- stock --------------------------------------------------------------------------------------------------

    private void StartStockStep()
    {
        _activeStep = _state.PendingStock;
        _reserveOutcomes.Clear();
        _recentOrdersOfCustomer = null;
        _awaitingAcks.Clear();
        _retryDelay = _options.RetryInterval;
        if (_activeStep == PendingStockAction.None)
        {
            if (!OwesRefundWork() && !OwesDeliveryWork()) Timers.Cancel(RetryTimer);
            return;
        }
        if (_activeStep != PendingStockAction.Reserve)
            foreach (var line in Skus) _awaitingAcks.Add(line.Sku);
        SendStockStep();
    }

    private bool CountsCustomerOrders => _rules.ReviewRules.MaxOrdersPerCustomer is not null;

    private void SendStockStep()
    {
        var p = _state.Placement!;
        if (_activeStep == PendingStockAction.Reserve && CountsCustomerOrders && _recentOrdersOfCustomer is null)
            _with.Customers.Tell(new NoteCustomerOrder(p.CustomerId, _orderId, p.At, _rules.ReviewRules.OrdersWindow));
        foreach (var line in Skus)
        {
            switch (_activeStep)
            {
                case PendingStockAction.Reserve when !_reserveOutcomes.ContainsKey(line.Sku):
                    Stock.Tell(new ReserveStock(line.Sku, _orderId, line.Quantity, _state.ExpiresAt, p.CustomerId));
                    break;
                case PendingStockAction.Commit when _awaitingAcks.Contains(line.Sku):
                    Stock.Tell(new CommitReservation(line.Sku, _orderId));
                    break;
                case PendingStockAction.Release when _awaitingAcks.Contains(line.Sku):
                    Stock.Tell(new ReleaseReservation(line.Sku, _orderId));
                    break;
            }
        }
        Timers.StartSingleTimer(RetryTimer, RetryTick.Instance, _retryDelay);
    }

    private void OnStockReply(IStockReply reply)
    {
        if (reply.Operation == StockOperation.Restock)
        {
            OnRestockReply(reply);
            return;
        }
        if (_departure.Take(reply, out var departed))
        {
            if (departed is not null) DecideInternal(departed, () => { });
            return;
        }
        if (reply.Operation is StockOperation.Ship or StockOperation.Receive)
        {
            OnMoveReply(reply);
            return;
        }
        if (reply.Ref != _orderId) return;
        if (_round is { } round)
        {
            if (round.Take(reply) && round.IsComplete) FinishPlacement(round);
            return;
        }
        if (!_state.Exists)
        {
            if (reply.Operation == StockOperation.Release && _givingBack.Remove(reply.Sku) && _givingBack.Count == 0) SendGiveBacks();
            return;
        }
        switch (_activeStep)
        {
            case PendingStockAction.Reserve when reply.Operation == StockOperation.Reserve && _state.Status == OrderStatus.Placed:
                if (_reserveOutcomes.ContainsKey(reply.Sku) || Skus.All(l => l.Sku != reply.Sku)) return;
                _reserveOutcomes[reply.Sku] = reply is StockRefused refused
                    ? new LineReservationOutcome(reply.Sku, false, refused.Rejection.Code.ToString(), refused.Rejection.Message)
                    : new LineReservationOutcome(reply.Sku, true, null, null);
                CompleteReservationIfAnswered();
                break;
            case PendingStockAction.Commit when reply.Operation == StockOperation.Commit:
            case PendingStockAction.Release when reply.Operation == StockOperation.Release:
                if (reply is StockRefused { Rejection: var rejection })
                    _log.Error("order {0}: stock {1} refused to {2}: {3} {4}", _orderId, reply.Sku,
                        reply.Operation.ToString().ToLowerInvariant(), rejection.Code, rejection.Message);
                if (_awaitingAcks.Remove(reply.Sku) && _awaitingAcks.Count == 0)
                    DecideInternal(new MarkStockSettled(_orderId), () => { });
                break;
        }
    }

    private void OnCustomerCount(CustomerOrderCount count)
    {
        if (_round is { } round)
        {
            if (count.OrderId == _orderId && round.TakeCount(count.Count) && round.IsComplete) FinishPlacement(round);
            return;
        }
        if (_activeStep != PendingStockAction.Reserve || count.OrderId != _orderId || _recentOrdersOfCustomer is not null) return;
        _recentOrdersOfCustomer = count.Count;
        CompleteReservationIfAnswered();
    }

    private void CompleteReservationIfAnswered()
    {
        if (_reserveOutcomes.Count < Skus.Length || CountsCustomerOrders && _recentOrdersOfCustomer is null) return;
        var outcomes = Skus.Select(l => _reserveOutcomes[l.Sku]).ToImmutableArray();
        DecideInternal(new CompleteReservation(_orderId, outcomes, _recentOrdersOfCustomer), () => { });
    }

    private void OnReservationDue(ReservationDue due)
    {
        // A stock entity holds units for this order past their expiry and asks what becomes of them.
        switch (_state.Status)
        {
            case OrderStatus.None when _round is not null:
                // A placement is being reserved right now (a retry): its round settles the line; ask again later.
                break;
            case OrderStatus.None:
                // Reserved for a placement whose write never happened: a retry of it may reserve again.
                Stock.Tell(new ReleaseReservation(due.Sku, _orderId, Unplaced: true));
                break;
            case OrderStatus.Cancelled when _state.Delivery is { SoldWhenRejected: true }:
                // A paid delivery order its kitchen rejected: its units are sold and come back on sale with its refund.
                Stock.Tell(new CommitReservation(due.Sku, _orderId));
                break;
            case OrderStatus.Rejected or OrderStatus.Cancelled or OrderStatus.Expired:
                Stock.Tell(new ReleaseReservation(due.Sku, _orderId));
                break;
            case OrderStatus.Paid or OrderStatus.Refunded:
                Stock.Tell(new CommitReservation(due.Sku, _orderId));
                break;
            case OrderStatus.Reserved or OrderStatus.OnHold:
                // Not due by this order's clock (held for review, or approved since): the units stay held until then.
                Stock.Tell(new ExtendReservation(due.Sku, _orderId, _state.ExpiresAt));
                break;
            case OrderStatus.Confirmed:
                // Cash on delivery keeps its units reserved until delivery.
                Stock.Tell(new ExtendReservation(due.Sku, _orderId, _clock.GetUtcNow() + _rules.HoldTime));
                break;
            // Placed: the saga is still running and will settle the line.
        }
    }

    /// <summary>After an approval the units must stay held for the new hold: tell every line's stock entity now.</summary>
    private void ExtendReservations()
    {
        foreach (var line in Skus) Stock.Tell(new ExtendReservation(line.Sku, _orderId, _state.ExpiresAt));
    }

    // ---- refunds -------------------------------------------------------------------------------------------------

    private bool OwesRefundWork() =>
        _state.RefundsAwaitingProvider.Any(r => !_pendingAtProvider.Contains(r.RefundId)) || _state.RefundsAwaitingRestock.Any();

    private void CallProviders()
    {
        foreach (var refund in _state.RefundsAwaitingProvider)
        {
            if (_pendingAtProvider.Contains(refund.RefundId) || !_refundCalls.Add(refund.RefundId)) continue;
            var provider = _with.Providers.Find(refund.Provider ?? ManualProvider.ProviderName);
            if (provider is null)
            {
                Self.Tell(new RefundCall(refund.RefundId, new RefundResult(RefundResultKind.Failed, null, $"no payment provider '{refund.Provider}' is configured"), null));
                continue;
            }
            var request = new ProviderRefund(_orderId, refund.RefundId, refund.PaymentReference, refund.Amount, refund.Currency);
            var refundId = refund.RefundId;
            provider.RefundAsync(request, CancellationToken.None).PipeTo(Self,
                success: result => new RefundCall(refundId, result, null),
                failure: error => new RefundCall(refundId, null, error));
        }
        if (OwesRefundWork()) EnsureRetryTimer();
    }

    private void OnRefundCall(RefundCall call)
    {
        _refundCalls.Remove(call.RefundId);
        if (call.Error is not null || call.Result is null)
        {
            // The provider could not be reached: the refund stays requested and is asked again at the next retry.
            _log.Warning(call.Error, "order {0}: refund {1} could not reach its provider; retrying", _orderId, call.RefundId);
            EnsureRetryTimer();
            return;
        }
        if (call.Result.Kind == RefundResultKind.Pending)
        {
            // Settled later by the provider's webhook; asked again only if this entity restarts (providers are idempotent by refund id).
            _pendingAtProvider.Add(call.RefundId);
            return;
        }
        var succeeded = call.Result.Kind == RefundResultKind.Succeeded;
        DecideInternal(new RecordRefundOutcome(_orderId, call.RefundId, succeeded, call.Result.ProviderRefundId, call.Result.FailureReason), () => { });
    }

    private void StartRestocks()
    {
        foreach (var refund in _state.RefundsAwaitingRestock)
        {
            if (_restocksAwaiting.ContainsKey(refund.RefundId)) continue;
            _restocksAwaiting[refund.RefundId] = refund.Lines.Select(l => l.Sku).ToHashSet(StringComparer.Ordinal);
            SendRestock(refund);
        }
        if (_restocksAwaiting.Count > 0) EnsureRetryTimer();
    }

    private void SendRestock(RefundRecord refund)
    {
        var waiting = _restocksAwaiting[refund.RefundId];
        foreach (var line in refund.Lines.Where(l => waiting.Contains(l.Sku)))
            Stock.Tell(new RestockSale(line.Sku, _orderId, RestockId(refund.RefundId, line.Sku), line.Quantity, _state.Placement!.CustomerId));
    }

    // One restock per refund and SKU; the stock entity remembers it, so a resend counts once.
    private static string RestockId(string refundId, string sku) => Domain.Identifiers.Derived('s', refundId + "\n" + sku);

    private void OnRestockReply(IStockReply reply)
    {
        foreach (var (refundId, waiting) in _restocksAwaiting)
        {
            if (reply.Ref != RestockId(refundId, reply.Sku) || !waiting.Contains(reply.Sku)) continue;
            if (reply is StockRefused { Rejection: var rejection })
                _log.Error("order {0}: stock {1} refused the restock of refund {2}: {3}", _orderId, reply.Sku, refundId, rejection.Message);
            waiting.Remove(reply.Sku);
            if (waiting.Count == 0)
            {
                _restocksAwaiting.Remove(refundId);
                DecideInternal(new MarkRefundRestocked(_orderId, refundId), () => { });
            }
            return;
        }
    }

    // ---- shipments -----------------------------------------------------------------------------------------------

    private bool OwesShipmentWork() => _movesAwaiting.Count > 0 || _parcelsToRegister.Count > 0;

    /// <summary>Starts the stock movements the shipments owe, and tells parcels in transit which shipment they carry.</summary>
    private void StartShipmentWork()
    {
        // Every placement passes here: an order that shipped nothing owes nothing (and allocates nothing to find out).
        if (_state.Shipments.IsEmpty) return;
        foreach (var shipment in _state.ShipmentsAwaitingDeparture) StartMove(shipment, ShipmentMovement.Left);
        foreach (var shipment in _state.ShipmentsAwaitingReturn) StartMove(shipment, ShipmentMovement.Back);
        foreach (var shipment in _state.Shipments.Where(s => s.Status == ShipmentStatus.Shipped))
        {
            if (_parcelsToRegister.Add(shipment.ShipmentId)) RegisterParcel(shipment);
        }
        if (OwesShipmentWork()) EnsureRetryTimer();
    }

    private void StartMove(ShipmentRecord shipment, ShipmentMovement movement)
    {
        var key = (shipment.ShipmentId, movement);
        if (_movesAwaiting.ContainsKey(key)) return;
        _movesAwaiting[key] = shipment.Lines.Select(l => l.Sku).ToHashSet(StringComparer.Ordinal);
        SendMove(shipment, movement);
    }

    private void SendMove(ShipmentRecord shipment, ShipmentMovement movement)
    {
        var waiting = _movesAwaiting[(shipment.ShipmentId, movement)];
        foreach (var line in shipment.Lines.Where(l => waiting.Contains(l.Sku)))
        {
            var id = MovementId(shipment.ShipmentId, line.Sku, movement);
            Stock.Tell(movement == ShipmentMovement.Left
                ? new ShipSold(line.Sku, _orderId, id, line.Quantity)
                : new ReceiveShipped(line.Sku, _orderId, id, line.Quantity));
        }
    }

    // One movement per shipment, SKU and direction; the stock entity remembers it, so a resend counts once.
    private string MovementId(string shipmentId, string sku, ShipmentMovement movement) =>
        Domain.Identifiers.Derived('m', _orderId + "\n" + shipmentId + "\n" + sku + "\n" + movement);

    private void OnMoveReply(IStockReply reply)
    {
        var movement = reply.Operation == StockOperation.Ship ? ShipmentMovement.Left : ShipmentMovement.Back;
        foreach (var ((shipmentId, m), waiting) in _movesAwaiting)
        {
            if (m != movement || !waiting.Contains(reply.Sku) || reply.Ref != MovementId(shipmentId, reply.Sku, movement)) continue;
            if (reply is StockRefused { Rejection: var rejection })
                _log.Error("order {0}: stock {1} refused to move shipment {2} ({3}): {4}", _orderId, reply.Sku, shipmentId, movement, rejection.Message);
            waiting.Remove(reply.Sku);
            if (waiting.Count == 0)
            {
                _movesAwaiting.Remove((shipmentId, m));
                DecideInternal(new MarkShipmentMoved(_orderId, shipmentId, movement), () => { });
            }
            return;
        }
    }

    private void RegisterParcel(ShipmentRecord shipment) =>
        _with.Parcels.Tell(new RegisterParcel(shipment.ParcelId, shipment.TrackingNumber, shipment.Carrier, _orderId, shipment.ShipmentId));

    private void OnParcelReply(IParcelReply reply)
    {
        if (reply is not ParcelAccepted accepted) return; // refused: asked again at the next retry
        foreach (var carried in accepted.View.Shipments.Where(s => s.OrderId == _orderId)) _parcelsToRegister.Remove(carried.ShipmentId);
        if (OwesNothingNow()) Timers.Cancel(RetryTimer);
    }

    // ---- an exchange's replacement and its return -------------------------------------------------------------------

    private bool OwesExchangeReport() => OrderReturnsDecider.ExchangeOutcomeOf(_state) is not null;

    /// <summary>An exchange's replacement tells its return once whether its difference was paid or it lapsed (resent until answered).</summary>
    private void ReportExchangeOutcome()
    {
        if (OrderReturnsDecider.ExchangeOutcomeOf(_state) is not { } owed) return;
        _with.Returns.Tell(new RecordExchangeOutcome(owed.Return.OrderId, owed.Return.ReturnId, owed.ExchangeOrderId, owed.Paid, owed.AmountPaid));
        EnsureRetryTimer();
    }

    private void OnReturnReply(IReturnReply reply)
    {
        if (OrderReturnsDecider.ExchangeOutcomeOf(_state) is not { } owed || reply.OrderId != owed.Return.OrderId || reply.ReturnId != owed.Return.ReturnId) return;
        if (reply is ReturnRefused refused)
        {
            // Told again at the next retry (the return may be resolving still, or its original order busy).
            _log.Warning("order {0}: return {1}/{2} did not take the exchange's outcome yet: {3}", _orderId, reply.OrderId, reply.ReturnId, refused.Rejection.Message);
            return;
        }
        DecideInternal(new MarkExchangeOutcomeReported(_orderId), () => { });
    }

    // ---- timers --------------------------------------------------------------------------------------------------

    private void Resend()
    {
        if (_round is not null || _givingBack.Count > 0)
        {
            _log.Info("order {0}: no answer from stock for its placement; retrying", _orderId);
            _retryDelay = TimeSpan.FromTicks(Math.Min(_retryDelay.Ticks * 2, _options.MaxRetryInterval.Ticks));
            if (_round is { } round) SendReservations(round);
            else SendGiveBacks();
            return;
        }
        var stuck = _state.PendingStock != PendingStockAction.None;
        if (stuck)
        {
            if (_activeStep != _state.PendingStock) StartStockStep();
            else
            {
                _log.Info("order {0}: no answer from stock for {1}; retrying", _orderId, _activeStep.ToString().ToLowerInvariant());
                _retryDelay = TimeSpan.FromTicks(Math.Min(_retryDelay.Ticks * 2, _options.MaxRetryInterval.Ticks));
                SendStockStep();
            }
        }
        CallProviders();
        foreach (var refund in _state.RefundsAwaitingRestock)
        {
            if (_restocksAwaiting.ContainsKey(refund.RefundId)) SendRestock(refund);
        }
        StartRestocks();
        foreach (var ((shipmentId, movement), _) in _movesAwaiting.ToList())
        {
            if (_state.Shipments.FirstOrDefault(s => s.ShipmentId == shipmentId) is { } shipment) SendMove(shipment, movement);
        }
        foreach (var shipment in _state.Shipments.Where(s => _parcelsToRegister.Contains(s.ShipmentId))) RegisterParcel(shipment);
        StartShipmentWork();
        QuoteShipping();
        ReportExchangeOutcome();
        NotifyKitchen(again: true);
        if (!stuck && !OwesRefundWork() && !OwesShipmentWork() && !OwesShippingChoice() && !OwesExchangeReport() && !OwesDeliveryWork()) Timers.Cancel(RetryTimer);
    }

    private void EnsureRetryTimer()
    {
        if (!Timers.IsTimerActive(RetryTimer)) Timers.StartSingleTimer(RetryTimer, RetryTick.Instance, _retryDelay);
    }

    private void ScheduleExpiry()
    {
        if (_state.Status is not (OrderStatus.Reserved or OrderStatus.OnHold)) return;
        var due = _state.ExpiresAt - _clock.GetUtcNow();
        Timers.StartSingleTimer(ExpiryTimer, ExpiryTick.Instance, due > TimeSpan.Zero ? due : TimeSpan.Zero);
    }

    private bool OwesNothingNow() =>
        _state.PendingStock == PendingStockAction.None && !OwesRefundWork() && !OwesShipmentWork() && !OwesShippingChoice() && !_quoting && !OwesExchangeReport()
        && !OwesDeliveryWork();

    /// <summary>When this order next needs its entity, for the deadline waker (null: it owes nothing).</summary>
    private DateTimeOffset? NextDue()
    {
        if (!OwesNothingNow()) return _clock.GetUtcNow() + _options.StepGrace;
        return _state.Status is OrderStatus.Reserved or OrderStatus.OnHold ? _state.ExpiresAt : null;
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        // The placement is applied before its write is confirmed: a rejected write must not stay in memory.
        base.OnPersistRejected(cause, @event, sequenceNr);
        throw new InvalidOperationException($"order {_orderId}: the journal rejected event {sequenceNr}; restarting from the journal", cause);
    }

    private sealed record RefundCall(string RefundId, RefundResult? Result, Exception? Error);

    private sealed record PersonalDataKeyReady(string CustomerId);

    private sealed record PersonalDataKeyFailed(string CustomerId, string Error);

    private sealed class RetryTick : INotInfluenceReceiveTimeout
    {
        public static readonly RetryTick Instance = new();
    }

    private sealed class ExpiryTick : INotInfluenceReceiveTimeout
    {
        public static readonly ExpiryTick Instance = new();
    }
}

/// <summary>What an order entity works with besides its own state: the stock and customer regions, the payment providers, its rules.</summary>
public sealed record OrderCollaborators(IActorRef Stock, IActorRef Customers, PaymentProviders Providers, OrderRules Rules)
{
    /// <summary>The parcel region, told which shipment each parcel carries.</summary>
    public IActorRef Parcels { get; init; } = ActorRefs.Nobody;

    /// <summary>Quotes shipping methods for a paid order (null: no automatic choice, as in tests of other concerns).</summary>
    public ShippingQuotes? Shipping { get; init; }

    /// <summary>The return region, told by an exchange's replacement whether its difference was paid or it lapsed.</summary>
    public IActorRef Returns { get; init; } = ActorRefs.Nobody;
    /// <summary>The restaurant region, told of each paid (or cash-on-delivery) delivery order until it answers.</summary>
    public IActorRef Restaurants { get; init; } = ActorRefs.Nobody;
    /// <summary>The customer keys personal data is sealed with (null: written in clear, as in tests of other concerns).</summary>
    public PersonalData.CustomerKeyStore? PersonalData { get; init; }
}
