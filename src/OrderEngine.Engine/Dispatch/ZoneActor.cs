using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using OrderEngine.Domain;
using OrderEngine.Domain.Dispatch;
using OrderEngine.Domain.Dispatch.Couriers;
using OrderEngine.Domain.Dispatch.Zones;
using OrderEngine.Domain.Orders;
using OrderEngine.Engine.PersonalData;
using OrderEngine.Engine.Serialization;
using OrderEngine.Engine.Sharding;

namespace OrderEngine.Engine.Dispatch;

/// <summary>Where a zone sends what it tells others, and its timings.</summary>
public sealed record ZoneCollaborators(IActorRef Orders, IActorRef Restaurants, ZoneRules Rules, TimeSpan TickInterval, TimeSpan FirstRetry, TimeSpan MaxRetry, TimeSpan AskTimeout)
{
    /// <summary>A snapshot after this many events, so a recovery (after a crash in a rush) replays at most that many.</summary>
    public int SnapshotEvery { get; init; } = 500;

    /// <summary>The customers' keys: erased customers' drop-off points are forgotten in memory (null: no personal data protection).</summary>
    public CustomerKeyStore? PersonalData { get; init; }
}

/// <summary>
/// One delivery zone: a thin shell over <see cref="ZoneDecider"/>, the single writer of its assignments. It persists
/// each decision before answering, then sends the decision's messages; it ticks while deliveries wait or offers are
/// open (at the next offer deadline at the latest), and tells orders and restaurants each notice of its outbox until
/// they acknowledged it. After a restart it re-arms its tick from the deadlines it recovered and resumes the outbox.
/// </summary>
public sealed class ZoneActor : UntypedPersistentActor, IWithTimers
{
    private const string TickTimer = "tick";
    private const string RetryTimer = "retry";

    private readonly string _zoneId;
    private readonly ZoneCollaborators _with;
    private readonly TimeProvider _clock;
    private readonly IdlePassivation _idle;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<string> _inFlight = new(StringComparer.Ordinal);
    private ZoneState _state;
    private TimeSpan _retryDelay;
    private long _eventsSinceSnapshot;
    // Each customer's erasure stamp as of when this entity took its drop-off points in.
    private readonly ErasureStamps _erasureStamps = new();

    public ZoneActor(string zoneId, ZoneCollaborators with, TimeSpan idleTimeout, TimeProvider clock)
    {
        _zoneId = zoneId;
        _with = with;
        _clock = clock;
        _idle = new IdlePassivation(idleTimeout);
        _retryDelay = with.FirstRetry;
        _state = ZoneState.Initial(zoneId);
    }

    public static Props Props(string zoneId, ZoneCollaborators with, TimeSpan idleTimeout, TimeProvider clock) =>
        Akka.Actor.Props.CreateBy(new Producer<ZoneActor>(() => new ZoneActor(zoneId, with, idleTimeout, clock)));

    public ITimerScheduler Timers { get; set; } = null!;

    public override string PersistenceId => "zone-" + _zoneId;

    /// <summary>For tests: the state as the entity holds it.</summary>
    internal ZoneState State => _state;

    protected override void PreStart()
    {
        base.PreStart();
        _idle.Start(Timers);
    }

    protected override void OnRecover(object message)
    {
        switch (message)
        {
            case SnapshotOffer { Snapshot: ZoneSnapshot snapshot }:
                _state = snapshot.ToState();
                break;
            case IZoneEvent e:
                _state = ZoneDecider.Evolve(_state, e);
                _eventsSinceSnapshot++;
                break;
            case RecoveryCompleted:
                if (_with.PersonalData is { } keys) _erasureStamps.Settle(_state.Deliveries.Values.Select(x => x.CustomerId), keys);
                ArmTick();
                SendOutbox();
                break;
        }
    }

    protected override void OnCommand(object message)
    {
        _idle.Observe(message);
        ForgetErasedPersonalData();
        switch (message)
        {
            case IZoneCommand command:
                Decide(command, Sender);
                break;
            case GetZone:
                Sender.Tell(new ZoneAccepted(_zoneId, _state.ToView(_with.Rules, _clock.GetUtcNow())));
                break;
            case GetZoneCourier g:
                Sender.Tell(_state.CourierViewOf(g.CourierId) is { } view
                    ? new CourierAccepted(g.CourierId, view)
                    : new CourierRefused(g.CourierId, new CourierRejection(CourierRejectionCode.NotFound, $"courier {g.CourierId} is not in zone {_zoneId}")));
                break;
            case Tick:
                Decide(new DispatchTick(_zoneId), ActorRefs.Nobody);
                break;
            case NoticeAnswered answered:
                _inFlight.Remove(answered.NoticeId);
                if (answered.Reply is OrderRefused refused)
                    _log.Warning("zone {0}: order {1} refused notice {2}: {3} {4}", _zoneId, refused.OrderId, answered.NoticeId, refused.Rejection.Code, refused.Rejection.Message);
                Decide(new AcknowledgeNotice(_zoneId, answered.NoticeId), ActorRefs.Nobody);
                break;
            case PickupEstimateRecorded:
                // The answer to a best-effort estimate: nothing to do.
                break;
            case NoticeUnanswered unanswered:
                _inFlight.Remove(unanswered.NoticeId);
                break;
            case RetryTick:
                _retryDelay = TimeSpan.FromTicks(Math.Min(_retryDelay.Ticks * 2, _with.MaxRetry.Ticks));
                SendOutbox();
                break;
            case IdleCheck:
                if (_idle.IsIdle && _state.Outbox.IsEmpty && !_state.Deliveries.Values.Any(d => d.Status is DeliveryStatus.Waiting or DeliveryStatus.Offered))
                    Context.Parent.Tell(new Passivate(StopEntity.Instance));
                break;
            case StopEntity:
                Context.Stop(Self);
                break;
            case SaveSnapshotSuccess ok:
                DeleteSnapshots(new SnapshotSelectionCriteria(ok.Metadata.SequenceNr - 1));
                break;
            case SaveSnapshotFailure failed:
                _log.Warning("zone {0}: snapshot failed: {1}", _zoneId, failed.Cause.Message);
                break;
            case DeleteSnapshotsSuccess or DeleteSnapshotsFailure:
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Decide(IZoneCommand command, IActorRef sender)
    {
        var now = _clock.GetUtcNow();
        var decision = ZoneDecider.Decide(_state, command, now, _with.Rules);
        if (decision.Decision.Rejection is { } rejection)
        {
            Reply(command, sender, rejection, repeat: false);
            return;
        }
        var events = decision.Decision.Events;
        if (events.IsEmpty)
        {
            Reply(command, sender, null, repeat: true);
            Run(decision.Effects);
            ArmTick();
            return;
        }
        var remaining = events.Length;
        PersistAll(events, e =>
        {
            _state = ZoneDecider.Evolve(_state, e);
            if (e is DeliveryRequested { CustomerId: { } customer }) HoldPersonalData(customer);
            if (--remaining > 0) return;
            Reply(command, sender, null, decision.Repeat);
            Run(decision.Effects);
            ArmTick();
            _eventsSinceSnapshot += events.Length;
            if (_eventsSinceSnapshot >= _with.SnapshotEvery)
            {
                _eventsSinceSnapshot = 0;
                SaveSnapshot(ZoneSnapshot.From(_state));
            }
        });
    }

    /// <summary>Exactly one answer per command: courier commands get the courier's view, the restaurant its receipt, the rest the zone's view.</summary>
    private void Reply(IZoneCommand command, IActorRef sender, ZoneRejection? rejection, bool repeat)
    {
        if (sender.IsNobody()) return;
        var courierId = command switch
        {
            CourierOnline c => c.CourierId,
            CourierOffline c => c.CourierId,
            UpdateCourierPosition c => c.CourierId,
            AcceptOffer c => c.CourierId,
            DeclineOffer c => c.CourierId,
            ConfirmPickup c => c.CourierId,
            ConfirmDelivery c => c.CourierId,
            _ => null,
        };
        if (courierId is not null)
        {
            if (rejection is not null)
                sender.Tell(new CourierRefused(courierId, new CourierRejection(
                    rejection.Code switch
                    {
                        ZoneRejectionCode.NotFound => CourierRejectionCode.NotFound,
                        ZoneRejectionCode.Conflict => CourierRejectionCode.Conflict,
                        _ => CourierRejectionCode.Invalid,
                    }, rejection.Message, rejection.Field)));
            else
                sender.Tell(new CourierAccepted(courierId, _state.CourierViewOf(courierId)
                    ?? new CourierView(courierId, null, Vehicle.Bike, 0, CourierStatus.Offline, _zoneId, null, [], []), repeat));
            return;
        }
        if (command is RequestDelivery request && rejection is null)
        {
            sender.Tell(new DeliveryRequestReceived(_zoneId, request.OrderId));
            return;
        }
        sender.Tell(rejection is null ? new ZoneAccepted(_zoneId, _state.ToView(_with.Rules, _clock.GetUtcNow()), repeat) : new ZoneRefused(_zoneId, rejection));
    }

    /// <summary>Sends a decision's messages: outbox notices (with retries until acknowledged) and best-effort pickup estimates.</summary>
    private void Run(IEnumerable<ZoneEffect> effects)
    {
        var newNotices = false;
        foreach (var effect in effects)
        {
            if (effect.NoticeId is { } id)
            {
                Ask(id, effect.Message);
                newNotices = true;
            }
            else if (Target(effect.Message) is var target && !target.IsNobody())
                target.Tell(effect.Message, Self);
        }
        if (newNotices)
        {
            _retryDelay = _with.FirstRetry;
            if (!Timers.IsTimerActive(RetryTimer)) Timers.StartSingleTimer(RetryTimer, RetryTick.Instance, _retryDelay);
        }
    }

    private IActorRef Target(IOrderEngineMessage message) => message is IOrderMessage ? _with.Orders : _with.Restaurants;

    /// <summary>Tells an order or restaurant a notice and learns its answer: any answer acknowledges it (a refusal is logged).</summary>
    private void Ask(string noticeId, IOrderEngineMessage message)
    {
        var target = Target(message);
        // No such region on this node (restaurants not hosted): the notice stays in the outbox for a later retry.
        if (target.IsNobody() || !_inFlight.Add(noticeId)) return;
        target.Ask<object>(message, _with.AskTimeout).PipeTo(Self,
            success: reply => new NoticeAnswered(noticeId, reply),
            failure: _ => new NoticeUnanswered(noticeId));
    }

    private void SendOutbox()
    {
        if (_state.Outbox.IsEmpty)
        {
            Timers.Cancel(RetryTimer);
            return;
        }
        foreach (var notice in _state.Outbox) Ask(notice.NoticeId, notice.ToMessage());
        Timers.StartSingleTimer(RetryTimer, RetryTick.Instance, _retryDelay);
    }

    /// <summary>Ticks at the next offer deadline, or after the tick interval while deliveries wait; not at all otherwise.</summary>
    private void ArmTick()
    {
        var now = _clock.GetUtcNow();
        DateTimeOffset? due = _state.NextOfferExpiry;
        if (_state.WaitingDeliveries > 0)
        {
            var periodic = now + _with.TickInterval;
            due = due is { } d && d < periodic ? d : periodic;
        }
        if (due is not { } at)
        {
            Timers.Cancel(TickTimer);
            return;
        }
        var delay = at - now;
        Timers.StartSingleTimer(TickTimer, Tick.Instance, delay > TimeSpan.FromMilliseconds(1) ? delay : TimeSpan.FromMilliseconds(1));
    }

    private sealed class Tick : INotInfluenceReceiveTimeout
    {
        public static readonly Tick Instance = new();
    }

    private sealed class RetryTick : INotInfluenceReceiveTimeout
    {
        public static readonly RetryTick Instance = new();
    }

    private sealed record NoticeAnswered(string NoticeId, object Reply);

    private sealed record NoticeUnanswered(string NoticeId) : INotInfluenceReceiveTimeout;

    /// <summary>
    /// Drop-off points of customers erased since the last look become coarse in memory, as a restart reads them (at once
    /// on the erasing node, within the recheck interval on others); looked for only when the node learnt of an erasure.
    /// </summary>
    private void ForgetErasedPersonalData()
    {
        if (_with.PersonalData is not { } keys || !_erasureStamps.Moved(keys)) return;
        _state = DropOffCipher.Forget(_state, c => _erasureStamps.ErasedSince(c, keys));
        _erasureStamps.Settle(_state.Deliveries.Values.Select(x => x.CustomerId), keys);
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
}
