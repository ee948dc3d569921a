using Akka.Actor;
using Akka.Cluster.Sharding;
using OrderEngine.Domain.Customers;
using OrderEngine.Engine.Sharding;

namespace OrderEngine.Engine.Customers;

/// <summary>
/// How many orders one customer placed recently, for the review's velocity rule. Kept in memory only: it is a risk
/// signal, not a record, so a node restart starts the window afresh (the orders themselves are durable).
/// </summary>
public sealed class CustomerActivityActor : ReceiveActor
{
    private readonly Dictionary<string, DateTimeOffset> _orders = new(StringComparer.Ordinal);
    private TimeSpan _window = TimeSpan.FromHours(1);

    public CustomerActivityActor()
    {
        Receive<NoteCustomerOrder>(note =>
        {
            _window = note.Window;
            _orders.TryAdd(note.OrderId, note.At);
            var cutoff = note.At - note.Window;
            foreach (var old in _orders.Where(kv => kv.Value < cutoff).Select(kv => kv.Key).ToList()) _orders.Remove(old);
            Sender.Tell(new CustomerOrderCount(note.CustomerId, note.OrderId, _orders.Count));
            Context.SetReceiveTimeout(_window);
        });
        Receive<ReceiveTimeout>(_ => Context.Parent.Tell(new Passivate(StopEntity.Instance)));
        Receive<StopEntity>(_ => Context.Stop(Self));
    }

    public static Props Props() => Akka.Actor.Props.CreateBy(new Producer<CustomerActivityActor>(() => new CustomerActivityActor()));
}
