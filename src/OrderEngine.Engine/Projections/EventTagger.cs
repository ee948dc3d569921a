using Akka.Persistence.Journal;
using OrderEngine.Domain.Orders;

namespace OrderEngine.Engine.Projections;

/// <summary>Tags order events so projections can read them across all orders (EventsByTag).</summary>
public sealed class EventTagger : IWriteEventAdapter
{
    public const string OrderTag = "order";

    private static readonly string[] OrderTags = [OrderTag];

    public string Manifest(object evt) => string.Empty;

    public object ToJournal(object evt) => evt is IOrderEvent ? new Tagged(evt, OrderTags) : evt;
}
