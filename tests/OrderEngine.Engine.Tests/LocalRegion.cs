using Akka.Actor;

namespace OrderEngine.Engine.Tests;

/// <summary>A stand-in for a shard region in actor tests: one child per entity id, created on first message, messages forwarded.</summary>
internal sealed class LocalRegion : ReceiveActor
{
    public LocalRegion(Func<object, string?> entityId, Func<string, Props> props)
    {
        ReceiveAny(message =>
        {
            var id = entityId(message);
            if (id is null)
            {
                Unhandled(message);
                return;
            }
            var child = Context.Child(id);
            if (child.IsNobody()) child = Context.ActorOf(props(id), id);
            child.Forward(message);
        });
    }

    public static Props Create(Func<object, string?> entityId, Func<string, Props> props) =>
        Props.Create(() => new LocalRegion(entityId, props));
}
