using Akka.Actor;
using Akka.Persistence;
using OrderEngine.Domain.Stock;

namespace OrderEngine.Engine.Tests.Journal;

/// <summary>A persistent actor for journal tests: persists one event per number it is sent, answers after the write, and recovers the numbers in order.</summary>
internal sealed class EventRecorder : ReceivePersistentActor
{
    private readonly List<long> _numbers = new();

    public EventRecorder(string persistenceId, IActorRef? failures = null)
    {
        PersistenceId = persistenceId;
        _failures = failures;
        Recover<OnHandSet>(e => _numbers.Add(e.OnHand));
        Command<long>(n => Persist(new OnHandSet(persistenceId, n, n, DateTimeOffset.UnixEpoch), e =>
        {
            _numbers.Add(e.OnHand);
            Sender.Tell(n);
        }));
        Command<long[]>(ns => PersistAll(ns.Select(n => new OnHandSet(persistenceId, n, n, DateTimeOffset.UnixEpoch)), e => _numbers.Add(e.OnHand)));
        Command<string>(q => q == "numbers", _ => Sender.Tell(_numbers.ToArray()));
    }

    private readonly IActorRef? _failures;

    public override string PersistenceId { get; }

    public static Props Props(string persistenceId, IActorRef? failures = null) =>
        Akka.Actor.Props.Create(() => new EventRecorder(persistenceId, failures));

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _failures?.Tell(new PersistFailed(PersistenceId, sequenceNr, cause));
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    /// <summary>Sent to the failure listener when a write failed (the actor then stops).</summary>
    public sealed record PersistFailed(string PersistenceId, long SequenceNr, Exception Cause);
}
