using Akka;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace OrderEngine.Engine.Cases;

/// <summary>
/// Keeps the cases read table up to date from the tagged case events (EventsByTag "case"), committing each batch
/// with its offset; a failed batch is read and applied again after a back-off, never skipped. Runs as a cluster singleton.
/// </summary>
public sealed class CaseProjection : ActorBase
{
    private readonly CaseProjectionStore _store;
    private IKillSwitch? _stream;

    public CaseProjection(CaseProjectionStore store) => _store = store;

    public static Props Props(CaseProjectionStore store) => Akka.Actor.Props.Create(() => new CaseProjection(store));

    protected override void PreStart()
    {
        var readJournal = PersistenceQuery.Get(Context.System).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        var store = _store;
        var source = RestartSource.OnFailuresWithBackoff(() =>
                Source.FromTask(store.LoadOffsetAsync(CancellationToken.None))
                    .ConcatMany(offset => readJournal.EventsByTag(CaseEventTagger.CaseTag, Offset.Sequence(offset)))
                    .GroupedWithin(200, TimeSpan.FromMilliseconds(100))
                    .SelectAsync(1, async batch =>
                    {
                        await store.ApplyAsync(batch.ToList(), CancellationToken.None);
                        return NotUsed.Instance;
                    }),
            RestartSettings.Create(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 0.2));
        _stream = source
            .ViaMaterialized(KillSwitches.Single<NotUsed>(), Keep.Right)
            .To(Sink.Ignore<NotUsed>())
            .Run(Context.Materializer());
        Context.GetLogger().Info("case projection started");
    }

    protected override void PostStop() => _stream?.Shutdown();

    protected override bool Receive(object message) => false;
}
