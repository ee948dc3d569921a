using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Persistence;
using OrderEngine.Domain.ShippingMethods;
using OrderEngine.Engine.Sharding;

namespace OrderEngine.Engine.Shipping;

/// <summary>
/// The single writer of the shipping rules: one entity for the whole cluster (sharding keeps exactly one alive). It
/// starts from the node's configured rules (version 0); rules set through the API are persisted and win from then on,
/// on every node, whatever each node's configuration says.
/// </summary>
public sealed class ShippingRulesActor : UntypedPersistentActor, IWithTimers
{
    public const string EntityId = "shipping-rules";

    private readonly TimeProvider _clock;
    private readonly IdlePassivation _idle;
    private ShippingRulesState _state;

    public ShippingRulesActor(ShippingRules configured, TimeSpan idleTimeout, TimeProvider clock)
    {
        _clock = clock;
        _idle = new IdlePassivation(idleTimeout);
        _state = ShippingRulesState.FromConfiguration(configured);
    }

    public static Props Props(ShippingRules configured, TimeSpan idleTimeout, TimeProvider clock) =>
        Akka.Actor.Props.CreateBy(new Producer<ShippingRulesActor>(() => new ShippingRulesActor(configured, idleTimeout, clock)));

    public ITimerScheduler Timers { get; set; } = null!;

    public override string PersistenceId => EntityId;

    protected override void PreStart()
    {
        base.PreStart();
        _idle.Start(Timers);
    }

    protected override void OnRecover(object message)
    {
        if (message is IShippingRulesEvent e) _state = ShippingRulesDecider.Evolve(_state, e);
    }

    protected override void OnCommand(object message)
    {
        _idle.Observe(message);
        switch (message)
        {
            case SetShippingRules set:
                Handle(set, Sender);
                break;
            case GetShippingRules:
                Sender.Tell(_state.ToAnswer());
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

    private void Handle(SetShippingRules command, IActorRef replyTo)
    {
        var decision = ShippingRulesDecider.Decide(_state, command, _clock.GetUtcNow());
        if (decision.Rejection is { } rejection)
        {
            replyTo.Tell(rejection);
            return;
        }
        if (decision.Events.IsEmpty)
        {
            replyTo.Tell(_state.ToAnswer());
            return;
        }
        PersistAll(decision.Events, e =>
        {
            _state = ShippingRulesDecider.Evolve(_state, e);
            replyTo.Tell(_state.ToAnswer());
        });
    }
}
