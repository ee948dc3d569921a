using Akka;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using OrderEngine.Engine.Projections;

namespace OrderEngine.Engine.Webhooks;

/// <summary>
/// Fills the webhook outbox from the tagged order events (EventsByTag), committing each batch's delivery rows together
/// with the projection's own offset; a failed batch is read and applied again after a back-off, never skipped.
/// </summary>
public sealed class WebhookProjection : ActorBase
{
    private readonly WebhookStore _store;
    private readonly TimeProvider _clock;
    private IKillSwitch? _stream;

    public WebhookProjection(WebhookStore store, TimeProvider clock)
    {
        _store = store;
        _clock = clock;
    }

    public static Props Props(WebhookStore store, TimeProvider clock) => Akka.Actor.Props.Create(() => new WebhookProjection(store, clock));

    protected override void PreStart()
    {
        var readJournal = PersistenceQuery.Get(Context.System).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        var (store, clock) = (_store, _clock);
        var source = RestartSource.OnFailuresWithBackoff(() =>
                Source.FromTask(store.LoadOffsetAsync(CancellationToken.None))
                    .ConcatMany(offset => readJournal.EventsByTag(EventTagger.OrderTag, Offset.Sequence(offset)))
                    .GroupedWithin(500, TimeSpan.FromMilliseconds(100))
                    .SelectAsync(1, async batch =>
                    {
                        await store.ApplyAsync(batch.ToList(), clock.GetUtcNow(), CancellationToken.None);
                        return NotUsed.Instance;
                    }),
            RestartSettings.Create(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 0.2));
        _stream = source
            .ViaMaterialized(KillSwitches.Single<NotUsed>(), Keep.Right)
            .To(Sink.Ignore<NotUsed>())
            .Run(Context.Materializer());
        Context.GetLogger().Info("webhook outbox projection started");
    }

    protected override void PostStop() => _stream?.Shutdown();

    protected override bool Receive(object message) => false;
}
