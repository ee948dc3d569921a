using Akka;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using OrderEngine.Engine.Hosting;

namespace OrderEngine.Engine.Projections;

/// <summary>
/// Keeps the order_deadlines read table up to date from the tagged order events (EventsByTag), committing each
/// batch together with its offset; a failed batch is read and applied again after a back-off, never skipped.
/// </summary>
public sealed class OrderProjection : ActorBase
{
    private readonly OrderProjectionStore _store;
    private readonly TimeSpan _grace;
    private IKillSwitch? _stream;

    public OrderProjection(OrderProjectionStore store, TimeSpan grace)
    {
        _store = store;
        _grace = grace;
    }

    public static Props Props(OrderProjectionStore store, TimeSpan grace) =>
        Akka.Actor.Props.Create(() => new OrderProjection(store, grace));

    protected override void PreStart()
    {
        var readJournal = PersistenceQuery.Get(Context.System).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        var (store, grace) = (_store, _grace);
        // Every (re)start reads the committed offset again.
        var source = RestartSource.OnFailuresWithBackoff(() =>
                Source.FromTask(store.LoadOffsetAsync(CancellationToken.None))
                    .ConcatMany(offset => readJournal.EventsByTag(EventTagger.OrderTag, Offset.Sequence(offset)))
                    .GroupedWithin(500, TimeSpan.FromMilliseconds(200))
                    .SelectAsync(1, async batch =>
                    {
                        await store.ApplyAsync(batch.ToList(), grace, CancellationToken.None);
                        return NotUsed.Instance;
                    }),
            RestartSettings.Create(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 0.2));
        _stream = source
            .ViaMaterialized(KillSwitches.Single<NotUsed>(), Keep.Right)
            .To(Sink.Ignore<NotUsed>())
            .Run(Context.Materializer());
        Context.GetLogger().Info("order deadline projection started");
    }

    protected override void PostStop() => _stream?.Shutdown();

    protected override bool Receive(object message) => false;
}
