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
/// Fills the webhook outbox from the events of one tag (EventsByTag; the order tag by default), committing each batch's
/// delivery rows together with the projection's own offset; a failed batch is read and applied again after a back-off,
/// never skipped. Another tag (stock events, for stock.low) is read by a second projection with its own offset name.
/// </summary>
public sealed class WebhookProjection : ActorBase
{
    private readonly WebhookStore _store;
    private readonly TimeProvider _clock;
    private readonly string _tag;
    private readonly string _name;
    private IKillSwitch? _stream;

    public WebhookProjection(WebhookStore store, TimeProvider clock, string tag, string name)
    {
        (_store, _clock, _tag, _name) = (store, clock, tag, name);
    }

    public static Props Props(WebhookStore store, TimeProvider clock, string tag = EventTagger.OrderTag, string name = WebhookStore.ProjectionName) =>
        Akka.Actor.Props.Create(() => new WebhookProjection(store, clock, tag, name));

    protected override void PreStart()
    {
        var readJournal = PersistenceQuery.Get(Context.System).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        var (store, clock, tag, name) = (_store, _clock, _tag, _name);
        var source = RestartSource.OnFailuresWithBackoff(() =>
                Source.FromTask(store.LoadOffsetAsync(name, CancellationToken.None))
                    .ConcatMany(offset => readJournal.EventsByTag(tag, Offset.Sequence(offset)))
                    .GroupedWithin(500, TimeSpan.FromMilliseconds(100))
                    .SelectAsync(1, async batch =>
                    {
                        await store.ApplyAsync(batch.ToList(), clock.GetUtcNow(), name, CancellationToken.None);
                        return NotUsed.Instance;
                    }),
            RestartSettings.Create(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 0.2));
        _stream = source
            .ViaMaterialized(KillSwitches.Single<NotUsed>(), Keep.Right)
            .To(Sink.Ignore<NotUsed>())
            .Run(Context.Materializer());
        Context.GetLogger().Info("webhook outbox projection of tag {0} started", tag);
    }

    protected override void PostStop() => _stream?.Shutdown();

    protected override bool Receive(object message) => false;
}
