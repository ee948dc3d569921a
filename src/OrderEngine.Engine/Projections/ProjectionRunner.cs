using System.Collections.Immutable;
using Akka;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using OrderEngine.Domain;

namespace OrderEngine.Engine.Projections;

/// <summary>Asks the projection runner to rebuild one projection from the start of the journal.</summary>
public sealed record RebuildProjection(string Name) : IOrderEngineMessage;

/// <summary>The answer to <see cref="RebuildProjection"/>: started, or refused with the reason (unknown name, not rebuildable).</summary>
public sealed record ProjectionRebuildAnswer(string Name, bool Started, string? Refusal = null) : IOrderEngineMessage;

/// <summary>
/// Runs every projection from one read of the journal (AllEvents). Each batch is handed to each projection from past
/// its own offset, one projection after the other; a failed batch is read and applied again after a back-off, never
/// skipped, and a projection that already has it skips it by offset. One reader for all read models keeps the cost of
/// the read side flat as projections are added: each extra reader polled and deserialised the whole stream again.
/// </summary>
public sealed class ProjectionRunner : ReceiveActor, IWithStash
{
    private readonly ImmutableArray<IProjection> _projections;
    private readonly int _batchSize;
    private readonly TimeSpan _batchWindow;
    private IKillSwitch? _stream;

    public IStash Stash { get; set; } = null!;

    public ProjectionRunner(IEnumerable<IProjection> projections, int batchSize, TimeSpan batchWindow)
    {
        _projections = [.. projections];
        var duplicate = _projections.GroupBy(p => p.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"two projections are named '{duplicate.Key}'");
        (_batchSize, _batchWindow) = (batchSize, batchWindow);
        Running();
    }

    public static Props Props(IEnumerable<IProjection> projections, int batchSize = 500, TimeSpan? batchWindow = null) =>
        Akka.Actor.Props.Create(() => new ProjectionRunner(projections, batchSize, batchWindow ?? TimeSpan.FromMilliseconds(100)));

    private sealed record StreamStopped(string Rebuilding, IActorRef ReplyTo);

    private sealed record ResetDone(string Name, IActorRef ReplyTo, Exception? Failure);

    protected override void PreStart()
    {
        Start();
        Context.GetLogger().Info("projections started: {0}", string.Join(", ", _projections.Select(p => p.Name)));
    }

    protected override void PostStop() => _stream?.Shutdown();

    private void Running()
    {
        Receive<RebuildProjection>(rebuild =>
        {
            var projection = _projections.FirstOrDefault(p => p.Name == rebuild.Name);
            if (projection is null)
            {
                Sender.Tell(new ProjectionRebuildAnswer(rebuild.Name, false, $"no projection is named '{rebuild.Name}'"));
                return;
            }
            if (!projection.Rebuildable)
            {
                Sender.Tell(new ProjectionRebuildAnswer(rebuild.Name, false, $"projection '{rebuild.Name}' cannot be rebuilt: rebuilding it would repeat its effects"));
                return;
            }
            // Stop reading, wait for the batch in flight to finish, then reset and start again from the lowest offset.
            var (killSwitch, done) = (_stream!, _done!);
            killSwitch.Shutdown();
            var replyTo = Sender;
            done.ContinueWith(_ => new StreamStopped(rebuild.Name, replyTo)).PipeTo(Self);
            Become(Stopping);
        });
    }

    private void Stopping()
    {
        Receive<StreamStopped>(stopped =>
        {
            var projection = _projections.First(p => p.Name == stopped.Rebuilding);
            projection.ResetAsync(CancellationToken.None)
                .ContinueWith(t => new ResetDone(stopped.Rebuilding, stopped.ReplyTo, t.Exception?.GetBaseException()))
                .PipeTo(Self);
        });
        Receive<ResetDone>(reset =>
        {
            if (reset.Failure is null)
            {
                Context.GetLogger().Info("projection {0} reset; rebuilding from the start of the journal", reset.Name);
                reset.ReplyTo.Tell(new ProjectionRebuildAnswer(reset.Name, true));
            }
            else
            {
                Context.GetLogger().Error(reset.Failure, "projection {0} could not be reset", reset.Name);
                reset.ReplyTo.Tell(new ProjectionRebuildAnswer(reset.Name, false, "the projection's tables could not be reset: " + reset.Failure.Message));
            }
            Start();
            Become(Running);
            Stash.UnstashAll();
        });
        ReceiveAny(_ => Stash.Stash());
    }

    private Task? _done;

    private void Start()
    {
        var system = Context.System;
        var (projections, batchSize, window) = (_projections, _batchSize, _batchWindow);
        // Every (re)start reads the committed offsets again; the journal is read from the lowest of them. The read journal
        // is taken inside the restartable part too: on a node starting under load its creation can time out, and a
        // failure here must be tried again after the back-off, not stop the runner (a singleton stopped in its start
        // is not started again until the oldest node changes).
        var source = RestartSource.OnFailuresWithBackoff(() =>
                Source.FromTask(LoadOffsetsAsync(projections))
                    .ConcatMany(offsets => PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier)
                        .AllEvents(Offset.Sequence(offsets.Min()))
                        .GroupedWithin(batchSize, window)
                        .SelectAsync(1, async batch =>
                        {
                            var events = batch as IReadOnlyList<EventEnvelope> ?? batch.ToList();
                            List<Exception>? failures = null;
                            for (var i = 0; i < projections.Length; i++)
                            {
                                var due = PastOffset(events, offsets[i]);
                                if (due.Count == 0) continue;
                                try
                                {
                                    await projections[i].ApplyAsync(due, CancellationToken.None);
                                    offsets[i] = ProjectionOffsets.Last(due);
                                }
                                catch (Exception e)
                                {
                                    // The others still get this batch; then the stream fails and starts again (after
                                    // a back-off) from the failed projection's offset, which the others skip.
                                    (failures ??= []).Add(new InvalidOperationException($"projection {projections[i].Name} failed on a batch", e));
                                }
                            }
                            if (failures is not null) throw new AggregateException(failures);
                            return NotUsed.Instance;
                        })),
            // At most 5 s between tries: after a database outage the read side resumes within seconds of the return
            // (at 30 s it could lag half a minute behind orders that already succeed again).
            RestartSettings.Create(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), 0.2));
        (_stream, _done) = source
            .ViaMaterialized(KillSwitches.Single<NotUsed>(), Keep.Right)
            .ToMaterialized(Sink.Ignore<NotUsed>(), Keep.Both)
            .Run(Context.Materializer());
    }

    private static async Task<long[]> LoadOffsetsAsync(ImmutableArray<IProjection> projections)
    {
        var offsets = new long[projections.Length];
        for (var i = 0; i < projections.Length; i++) offsets[i] = await projections[i].LoadOffsetAsync(CancellationToken.None);
        return offsets.Length == 0 ? [long.MaxValue] : offsets;
    }

    private static IReadOnlyList<EventEnvelope> PastOffset(IReadOnlyList<EventEnvelope> events, long offset)
    {
        if (events.Count == 0 || ((Sequence)events[0].Offset).Value > offset) return events;
        var list = new List<EventEnvelope>(events.Count);
        foreach (var e in events) if (((Sequence)e.Offset).Value > offset) list.Add(e);
        return list;
    }
}
