using Akka.Actor;
using Akka.Persistence;

namespace OrderEngine.Engine.Tests;

/// <summary>Reads what the journal holds for one persistence id, by recovering a throwaway persistent actor of that id.</summary>
internal static class JournalEvents
{
    public static Task<IReadOnlyList<object>> Of(ActorSystem system, string persistenceId)
    {
        var done = new TaskCompletionSource<IReadOnlyList<object>>(TaskCreationOptions.RunContinuationsAsynchronously);
        system.ActorOf(Props.Create(() => new Reader(persistenceId, done)));
        return done.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>Also writes events under a persistence id, as an earlier version of an entity would have.</summary>
    public static Task Write(ActorSystem system, string persistenceId, params object[] events)
    {
        var done = new TaskCompletionSource<IReadOnlyList<object>>(TaskCreationOptions.RunContinuationsAsynchronously);
        system.ActorOf(Props.Create(() => new Reader(persistenceId, done, events)));
        return done.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private sealed class Reader(string persistenceId, TaskCompletionSource<IReadOnlyList<object>> done, object[]? write = null) : UntypedPersistentActor
    {
        private readonly List<object> _events = [];

        public override string PersistenceId => persistenceId;

        protected override void OnRecover(object message)
        {
            if (message is RecoveryCompleted)
            {
                if (write is { Length: > 0 })
                {
                    PersistAll(write, e => _events.Add(e));
                    DeferAsync(0, _ => Finish());
                }
                else Finish();
            }
            else if (message is not SnapshotOffer) _events.Add(message);
        }

        private void Finish()
        {
            done.TrySetResult(_events);
            Context.Stop(Self);
        }

        protected override void OnCommand(object message) { }
    }
}
