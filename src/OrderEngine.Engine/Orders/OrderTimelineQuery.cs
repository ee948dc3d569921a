using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using OrderEngine.Domain.Orders;
using OrderEngine.Engine.Serialization;

namespace OrderEngine.Engine.Orders;

/// <summary>Reads an order's events from the journal, in order, as a timeline (who caused each, when, and what it means).</summary>
public sealed class OrderTimelineQuery(ActorSystem system)
{
    private readonly SqlReadJournal _journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
    private readonly IMaterializer _materializer = system.Materializer();

    /// <summary>The timeline, or an empty list when no order of that id was placed.</summary>
    public async Task<IReadOnlyList<TimelineEntry>> ReadAsync(string orderId, CancellationToken ct)
    {
        var envelopes = await _journal.CurrentEventsByPersistenceId("order-" + orderId, 0, long.MaxValue)
            .RunWith(Sink.Seq<EventEnvelope>(), _materializer)
            .WaitAsync(ct);
        return envelopes
            .Where(e => e.Event is IOrderEvent)
            .Select(e =>
            {
                var evt = (IOrderEvent)e.Event;
                return new TimelineEntry(e.SequenceNr, MessageManifests.ManifestOf(evt.GetType()), evt.At, OrderTimeline.CausedBy(evt), OrderTimeline.Summary(evt), evt);
            })
            .ToList();
    }
}
