using Akka.Actor;

namespace OrderEngine.Engine.Sharding;

/// <summary>
/// Creates an entity actor with a plain delegate. Entities are created by the thousand, and Props.Create(() => ...)
/// compiles an expression tree for each one.
/// </summary>
internal sealed class Producer<TActor>(Func<TActor> create) : IIndirectActorProducer where TActor : ActorBase
{
    public Type ActorType => typeof(TActor);

    public ActorBase Produce() => create();

    public void Release(ActorBase actor) { }
}
