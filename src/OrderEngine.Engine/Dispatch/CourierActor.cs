using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Persistence;
using OrderEngine.Domain.Dispatch;
using OrderEngine.Domain.Dispatch.Couriers;
using OrderEngine.Domain.Dispatch.Zones;
using OrderEngine.Engine.Sharding;

namespace OrderEngine.Engine.Dispatch;

/// <summary>
/// One courier: keeps its profile and the zone it works in, and forwards every courier command to that zone (the
/// single writer of assignments), which answers the caller. A position (or going online) in another cell moves the
/// courier to that zone, but only once the old zone let it go: it does while the courier holds nothing accepted.
/// </summary>
public sealed class CourierActor : UntypedPersistentActor, IWithTimers
{
    private readonly string _courierId;
    private readonly IActorRef _zones;
    private readonly CourierRules _rules;
    private readonly TimeSpan _askTimeout;
    private readonly TimeProvider _clock;
    private readonly IdlePassivation _idle;
    private CourierState _state;

    public CourierActor(string courierId, IActorRef zones, CourierRules rules, TimeSpan idleTimeout, TimeSpan askTimeout, TimeProvider clock)
    {
        _courierId = courierId;
        _zones = zones;
        _rules = rules;
        _askTimeout = askTimeout;
        _clock = clock;
        _idle = new IdlePassivation(idleTimeout);
        _state = CourierState.Initial(courierId);
    }

    public static Props Props(string courierId, IActorRef zones, CourierRules rules, TimeSpan idleTimeout, TimeSpan askTimeout, TimeProvider clock) =>
        Akka.Actor.Props.CreateBy(new Producer<CourierActor>(() => new CourierActor(courierId, zones, rules, idleTimeout, askTimeout, clock)));

    public ITimerScheduler Timers { get; set; } = null!;

    public override string PersistenceId => "courier-" + _courierId;

    protected override void PreStart()
    {
        base.PreStart();
        _idle.Start(Timers);
    }

    protected override void OnRecover(object message)
    {
        if (message is ICourierEvent e) _state = CourierDecider.Evolve(_state, e);
    }

    protected override void OnCommand(object message)
    {
        _idle.Observe(message);
        switch (message)
        {
            case ICourierCommand command:
                OnCourierCommand(command, Sender);
                break;
            case GetCourier:
                if (!_state.Defined) Sender.Tell(NotDefined());
                else if (_state.ZoneId is null) Sender.Tell(new CourierAccepted(_courierId, CourierView.Unplaced(_state)));
                else _zones.Tell(new GetZoneCourier(_state.ZoneId, _courierId), Sender);
                break;
            case IdleCheck:
                if (_idle.IsIdle) Context.Parent.Tell(new Passivate(StopEntity.Instance));
                break;
            case StopEntity:
                Context.Stop(Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private CourierRefused NotDefined() =>
        new(_courierId, new CourierRejection(CourierRejectionCode.NotFound, $"courier {_courierId} is not defined"));

    private void OnCourierCommand(ICourierCommand command, IActorRef sender)
    {
        var decision = CourierDecider.Decide(_state, command, _clock.GetUtcNow(), _rules);
        if (decision.Rejection is { } rejection)
        {
            sender.Tell(new CourierRefused(_courierId, rejection));
            return;
        }
        switch (command)
        {
            case DefineCourier:
                if (decision.Events.IsEmpty) sender.Tell(new CourierAccepted(_courierId, CourierView.Unplaced(_state), Repeat: true));
                else Persist(decision.Events[0], e =>
                {
                    _state = CourierDecider.Evolve(_state, e);
                    sender.Tell(new CourierAccepted(_courierId, CourierView.Unplaced(_state)));
                });
                break;
            case GoOnline c:
                Place(c.Position, goOnline: true, sender);
                break;
            case ReportPosition c when _state.ZoneId is null:
                sender.Tell(new CourierRefused(_courierId, new CourierRejection(CourierRejectionCode.Conflict, $"courier {_courierId} is offline; it goes online first")));
                break;
            case ReportPosition c:
                Place(c.Position, goOnline: false, sender);
                break;
            case GoOffline when _state.ZoneId is null:
                sender.Tell(new CourierAccepted(_courierId, CourierView.Unplaced(_state), Repeat: true));
                break;
            case GoOffline:
                _zones.Tell(new CourierOffline(_state.ZoneId!, _courierId), sender);
                break;
            case ActOnDelivery c when _state.ZoneId is null:
                sender.Tell(new CourierRefused(_courierId, new CourierRejection(CourierRejectionCode.NotFound, $"courier {_courierId} holds no delivery of order {c.OrderId}")));
                break;
            case ActOnDelivery c:
                var zone = _state.ZoneId!;
                _zones.Tell(c.Action switch
                {
                    CourierAction.AcceptOffer => new AcceptOffer(zone, _courierId, c.OrderId),
                    CourierAction.DeclineOffer => new DeclineOffer(zone, _courierId, c.OrderId),
                    CourierAction.PickUp => new ConfirmPickup(zone, _courierId, c.OrderId),
                    _ => (IZoneCommand)new ConfirmDelivery(zone, _courierId, c.OrderId),
                }, sender);
                break;
        }
    }

    private CourierOnline OnlineIn(string zoneId, GeoPoint position) =>
        new(zoneId, _courierId, _state.Name, _state.Vehicle, _state.SpeedKmh, _state.Capacity, position);

    /// <summary>The courier is at <paramref name="position"/>: same zone, tell it; another zone, ask the old one to let it go first.</summary>
    private void Place(GeoPoint position, bool goOnline, IActorRef sender)
    {
        var target = _rules.ZoneOf(position);
        var current = _state.ZoneId;
        if (current is null || current == target)
        {
            JoinThen(target, () => _zones.Tell(goOnline ? OnlineIn(target, position) : new UpdateCourierPosition(target, _courierId, position), sender));
            return;
        }
        // Another cell: the old zone lets the courier go only while it holds nothing; until it answered, later commands wait.
        _zones.Ask<object>(new CourierOffline(current, _courierId, OnlyIfIdle: true), _askTimeout)
            .PipeTo(Self, success: reply => new Left(reply, position, goOnline, sender), failure: ex => new Left(new Status.Failure(ex), position, goOnline, sender));
        BecomeStacked(message =>
        {
            if (message is not Left left)
            {
                Stash.Stash();
                return;
            }
            UnbecomeStacked();
            Stash.UnstashAll();
            switch (left.Reply)
            {
                case CourierAccepted { Repeat: var wasOffline }:
                    // It left the old zone (or was offline there): it works in the new one now.
                    if (left.GoOnline || !wasOffline)
                        JoinThen(target, () => _zones.Tell(OnlineIn(target, left.Position), left.Sender));
                    else
                        JoinThen(target, () => left.Sender.Tell(new CourierRefused(_courierId,
                            new CourierRejection(CourierRejectionCode.Conflict, $"courier {_courierId} is offline; it goes online first"))));
                    break;
                case CourierRefused:
                    // It holds deliveries in the old zone: it stays there, at its new position.
                    _zones.Tell(new UpdateCourierPosition(current, _courierId, left.Position), left.Sender);
                    break;
                default:
                    left.Sender.Tell(left.Reply is Status.Failure f ? f : new Status.Failure(new InvalidOperationException($"unexpected answer {left.Reply.GetType().Name}")));
                    break;
            }
        });
    }

    private void JoinThen(string zoneId, Action then)
    {
        var move = CourierDecider.MoveTo(_state, zoneId, _clock.GetUtcNow());
        if (move.Events.IsEmpty)
        {
            then();
            return;
        }
        Persist(move.Events[0], e =>
        {
            _state = CourierDecider.Evolve(_state, e);
            then();
        });
    }

    private sealed record Left(object Reply, GeoPoint Position, bool GoOnline, IActorRef Sender);
}
