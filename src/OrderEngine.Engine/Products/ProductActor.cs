using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Persistence;
using OrderEngine.Domain.Products;
using OrderEngine.Engine.Sharding;

namespace OrderEngine.Engine.Products;

/// <summary>
/// The single writer of one SKU's product definition (weight, dimensions, returnable): a thin shell over
/// <see cref="ProductDecider"/>. Each event carries the whole definition and changes are rare, so recovery is short
/// without snapshots. One reply per command, sent after the write.
/// </summary>
public sealed class ProductActor : UntypedPersistentActor, IWithTimers
{
    private readonly string _sku;
    private readonly TimeProvider _clock;
    private readonly IdlePassivation _idle;
    private ProductState _state;

    public ProductActor(string sku, TimeSpan idleTimeout, TimeProvider clock)
    {
        _sku = sku;
        _clock = clock;
        _idle = new IdlePassivation(idleTimeout);
        _state = ProductState.Initial(sku);
    }

    public static Props Props(string sku, TimeSpan idleTimeout, TimeProvider clock) =>
        Akka.Actor.Props.CreateBy(new Producer<ProductActor>(() => new ProductActor(sku, idleTimeout, clock)));

    public ITimerScheduler Timers { get; set; } = null!;

    public override string PersistenceId => "product-" + _sku;

    protected override void PreStart()
    {
        base.PreStart();
        _idle.Start(Timers);
    }

    protected override void OnRecover(object message)
    {
        if (message is IProductEvent e) _state = ProductDecider.Evolve(_state, e);
    }

    protected override void OnCommand(object message)
    {
        _idle.Observe(message);
        switch (message)
        {
            case IProductCommand command:
                Handle(command, Sender);
                break;
            case GetProduct:
                Sender.Tell(_state.Current is { } view
                    ? new ProductAccepted(_sku, view)
                    : new ProductRefused(_sku, new ProductRejection(ProductRejectionCode.NotFound, $"no product {_sku} was defined", [])));
                break;
            case IdleCheck:
                if (_idle.IsIdle) Context.Parent.Tell(new Passivate(StopEntity.Instance));
                break;
            case StopEntity:
                // Persist (not PersistAsync) stashes messages until each write is done, so nothing is in flight here.
                Context.Stop(Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Handle(IProductCommand command, IActorRef replyTo)
    {
        var decision = ProductDecider.Decide(_state, command, _clock.GetUtcNow());
        if (decision.Rejection is { } rejection)
        {
            replyTo.Tell(new ProductRefused(_sku, rejection));
            return;
        }
        if (decision.Events.IsEmpty)
        {
            replyTo.Tell(new ProductAccepted(_sku, _state.Current!));
            return;
        }
        PersistAll(decision.Events, e =>
        {
            _state = ProductDecider.Evolve(_state, e);
            replyTo.Tell(new ProductAccepted(_sku, _state.Current!));
        });
    }
}
