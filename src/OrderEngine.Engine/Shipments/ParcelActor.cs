using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Shipments;
using OrderEngine.Engine.Sharding;

namespace OrderEngine.Engine.Shipments;

/// <summary>
/// One parcel: a thin shell over <see cref="ParcelDecider"/>. It records the shipments it carries and the carrier's
/// tracking events, and once the journey ended tells each of those orders (Tell with timer-driven retries) until the
/// order acknowledged; after a restart it resumes telling whoever has not acknowledged.
/// </summary>
public sealed class ParcelActor : UntypedPersistentActor, IWithTimers
{
    private const string RetryTimer = "retry";

    private readonly string _parcelId;
    private readonly IActorRef _orders;
    private readonly TimeProvider _clock;
    private readonly IdlePassivation _idle;
    private readonly TimeSpan _firstRetry;
    private readonly TimeSpan _maxRetry;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private ParcelState _state;
    private TimeSpan _retryDelay;

    public ParcelActor(string parcelId, IActorRef orders, TimeSpan idleTimeout, TimeSpan firstRetry, TimeSpan maxRetry, TimeProvider clock)
    {
        _parcelId = parcelId;
        _orders = orders;
        _clock = clock;
        _idle = new IdlePassivation(idleTimeout);
        _firstRetry = firstRetry;
        _maxRetry = maxRetry;
        _retryDelay = firstRetry;
        _state = ParcelState.Initial(parcelId);
    }

    public static Props Props(string parcelId, IActorRef orders, TimeSpan idleTimeout, TimeSpan firstRetry, TimeSpan maxRetry, TimeProvider clock) =>
        Akka.Actor.Props.CreateBy(new Producer<ParcelActor>(() => new ParcelActor(parcelId, orders, idleTimeout, firstRetry, maxRetry, clock)));

    public ITimerScheduler Timers { get; set; } = null!;

    public override string PersistenceId => "parcel-" + _parcelId;

    protected override void PreStart()
    {
        base.PreStart();
        _idle.Start(Timers);
    }

    protected override void OnRecover(object message)
    {
        switch (message)
        {
            case IParcelEvent e:
                _state = ParcelDecider.Evolve(_state, e);
                break;
            case RecoveryCompleted:
                TellOrders();
                break;
        }
    }

    protected override void OnCommand(object message)
    {
        _idle.Observe(message);
        switch (message)
        {
            case IParcelCommand command:
                Decide(command, Sender);
                break;
            case GetParcel:
                Sender.Tell(_state.Exists || !_state.Events.IsEmpty
                    ? new ParcelAccepted(_parcelId, _state.ToView())
                    : new ParcelRefused(_parcelId, new ParcelRejection(ParcelRejectionCode.NotFound, $"parcel {_parcelId} is not known")));
                break;
            case IOrderReply reply:
                OnOrderReply(reply);
                break;
            case RetryTick:
                _retryDelay = TimeSpan.FromTicks(Math.Min(_retryDelay.Ticks * 2, _maxRetry.Ticks));
                TellOrders();
                break;
            case IdleCheck:
                if (_idle.IsIdle && !_state.OutcomesDue.Any()) Context.Parent.Tell(new Passivate(StopEntity.Instance));
                break;
            case StopEntity:
                Context.Stop(Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Decide(IParcelCommand command, IActorRef sender)
    {
        var decision = ParcelDecider.Decide(_state, command, _clock.GetUtcNow());
        if (decision.Rejection is { } rejection)
        {
            sender.Tell(new ParcelRefused(_parcelId, rejection));
            return;
        }
        if (decision.Events.IsEmpty)
        {
            sender.Tell(new ParcelAccepted(_parcelId, _state.ToView(), Repeat: true));
            return;
        }
        var remaining = decision.Events.Length;
        PersistAll(decision.Events, e =>
        {
            _state = ParcelDecider.Evolve(_state, e);
            if (--remaining > 0) return;
            sender.Tell(new ParcelAccepted(_parcelId, _state.ToView()));
            if (e is not ParcelOutcomeAcknowledged)
            {
                _retryDelay = _firstRetry;
                TellOrders();
            }
        });
    }

    /// <summary>Tells every order that has not acknowledged how the journey ended, and asks again later until it did.</summary>
    private void TellOrders()
    {
        var due = _state.OutcomesDue.ToList();
        if (due.Count == 0)
        {
            Timers.Cancel(RetryTimer);
            return;
        }
        foreach (var d in due) _orders.Tell(new RecordParcelOutcome(d.OrderId, d.ShipmentId, d.Outcome, d.OccurredAt));
        Timers.StartSingleTimer(RetryTimer, RetryTick.Instance, _retryDelay);
    }

    private void OnOrderReply(IOrderReply reply)
    {
        switch (reply)
        {
            case OrderAccepted accepted:
                foreach (var due in _state.OutcomesDue.Where(d => d.OrderId == accepted.OrderId).ToList())
                {
                    // The order's view shows the shipment's journey ended: it has taken the outcome (or one before it).
                    var shipment = accepted.View.Shipments.FirstOrDefault(s => s.ShipmentId == due.ShipmentId);
                    if (shipment is { Status: not ShipmentStatus.Shipped })
                        Decide(new AcknowledgeParcelOutcome(_parcelId, due.OrderId, due.ShipmentId, due.Outcome), ActorRefs.Nobody);
                }
                break;
            case OrderRefused refused:
                // Not an answer to wait for: the order does not know the shipment (it cannot: it registered it) or is
                // busy; log it and let the retry ask again.
                _log.Warning("parcel {0}: order {1} refused its outcome: {2} {3}", _parcelId, refused.OrderId, refused.Rejection.Code, refused.Rejection.Message);
                break;
        }
    }

    private sealed class RetryTick : INotInfluenceReceiveTimeout
    {
        public static readonly RetryTick Instance = new();
    }
}
