using Akka.Actor;
using Akka.Event;
using OrderEngine.Engine.Hosting;

namespace OrderEngine.Engine.Projections;

/// <summary>
/// The cluster singleton that owns the order deadline projection and the waker, so one node runs each. It creates
/// the read table first (retrying while the database is unreachable), then starts both.
/// </summary>
public sealed class OrderDeadlineKeeper : ReceiveActor, IWithTimers
{
    public OrderDeadlineKeeper(OrderDeadlineStore store, IActorRef orders, OrdersOptions options, TimeProvider clock)
    {
        var log = Context.GetLogger();
        Receive<EnsureSchema>(_ => store.EnsureSchemaAsync(CancellationToken.None).PipeTo(Self, success: () => SchemaReady.Instance));
        Receive<SchemaReady>(_ =>
        {
            Context.ActorOf(OrderDeadlineProjection.Props(store, options.StepGrace), "projection");
            Context.ActorOf(OrderWaker.Props(store, orders, options, clock), "waker");
        });
        Receive<Status.Failure>(f =>
        {
            log.Warning(f.Cause, "could not create the order_deadlines table; retrying in 5 s");
            Timers.StartSingleTimer("retry", EnsureSchema.Instance, TimeSpan.FromSeconds(5));
        });
    }

    public static Props Props(OrderDeadlineStore store, IActorRef orders, OrdersOptions options, TimeProvider clock) =>
        Akka.Actor.Props.Create(() => new OrderDeadlineKeeper(store, orders, options, clock));

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart() => Self.Tell(EnsureSchema.Instance);

    private sealed class EnsureSchema
    {
        public static readonly EnsureSchema Instance = new();
    }

    private sealed class SchemaReady
    {
        public static readonly SchemaReady Instance = new();
    }
}
