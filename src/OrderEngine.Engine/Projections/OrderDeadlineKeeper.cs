using Akka.Actor;
using OrderEngine.Engine.Hosting;

namespace OrderEngine.Engine.Projections;

/// <summary>The cluster singleton that owns the order deadline projection and the waker, so one node runs each.</summary>
public sealed class OrderDeadlineKeeper : ActorBase
{
    public OrderDeadlineKeeper(OrderProjectionStore store, IActorRef orders, OrdersOptions options, TimeProvider clock)
    {
        Context.ActorOf(OrderProjection.Props(store, options.StepGrace), "projection");
        Context.ActorOf(OrderWaker.Props(store, orders, options, clock), "waker");
    }

    public static Props Props(OrderProjectionStore store, IActorRef orders, OrdersOptions options, TimeProvider clock) =>
        Akka.Actor.Props.Create(() => new OrderDeadlineKeeper(store, orders, options, clock));

    protected override bool Receive(object message) => false;
}
