using System.Collections.Immutable;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Sql;
using Akka.TestKit;
using OrderEngine.Domain;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Journal;

namespace OrderEngine.Engine.Tests.Journal;

/// <summary>
/// An ActorSystem whose default journal is OrderEngine's <see cref="BatchingJournal"/> on a given database, with
/// Akka.Persistence.Sql's write journal ("akka.persistence.journal.sql") and read journal on the same tables beside it.
/// </summary>
internal static class JournalTestBed
{
    public const string OrderEngineJournal = "akka.persistence.journal.orderengine";
    public const string SqlJournal = "akka.persistence.journal.sql";

    public static Config Config(JournalDatabase database, string extra = "") =>
        ConfigurationFactory.ParseString(extra)
            .WithFallback(ConfigurationFactory.ParseString($$"""
                akka.loglevel = WARNING
                akka.actor.serializers.orderengine = "OrderEngine.Engine.Serialization.OrderEngineSerializer, OrderEngine.Engine"
                akka.actor.serialization-bindings {
                  "OrderEngine.Domain.IOrderEngineMessage, OrderEngine.Domain" = orderengine
                }
                akka.persistence.journal.plugin = "{{OrderEngineJournal}}"
                akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
                {{OrderEngineJournal}} {
                  provider = {{(database.Provider == PersistenceProvider.Sqlite ? "sqlite" : "postgresql")}}
                  connection-string = "{{Escape(database.ConnectionString)}}"
                  # CI runs the test projects side by side on 2 cores (the end-to-end ones start engines under load):
                  # a write may wait its turn for seconds there, which must not read as a database failure.
                  circuit-breaker.call-timeout = 60s
                  {{Adapters}}
                }
                {{SqlJournal}} {
                  connection-string = "{{Escape(database.ConnectionString)}}"
                  provider-name = "{{database.ProviderName}}"
                  tag-write-mode = Csv
                  auto-initialize = off
                  {{Adapters}}
                }
                akka.persistence.query.journal.sql {
                  connection-string = "{{Escape(database.ConnectionString)}}"
                  provider-name = "{{database.ProviderName}}"
                  tag-read-mode = Csv
                  write-plugin = "{{SqlJournal}}"
                  refresh-interval = 200ms
                }
                """))
            .WithFallback(OrderEngineJournalOptions.Defaults)
            .WithFallback(SqlPersistence.DefaultConfiguration);

    private const string Adapters = """
        event-adapters { order-tagger = "OrderEngine.Engine.Projections.EventTagger, OrderEngine.Engine" }
        event-adapter-bindings { "OrderEngine.Domain.Orders.IOrderEvent, OrderEngine.Domain" = order-tagger }
        """;

    private static string Escape(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"");

    /// <summary>Writes atomic writes of one id through a journal's protocol, as a persistent actor would, and returns what the journal answered.</summary>
    public static IReadOnlyList<object> Write(TestKitBase kit, IActorRef journal, TestProbe probe, string persistenceId, params object[][] atomicWrites)
    {
        WriteNoWait(journal, probe, persistenceId, atomicWrites);
        return Answers(kit, probe, atomicWrites.Sum(w => w.Length));
    }

    /// <summary>Sends the writes; sequence numbers are given by the <see cref="Seq"/> wrapper or count from 1.</summary>
    public static void WriteNoWait(IActorRef journal, TestProbe probe, string persistenceId, params object[][] atomicWrites) =>
        WriteNoWait(journal, probe, persistenceId, "writer", atomicWrites);

    /// <summary>As <see cref="WriteNoWait(IActorRef, TestProbe, string, object[][])"/>, from the entity incarnation <paramref name="writerGuid"/>.</summary>
    public static void WriteNoWait(IActorRef journal, TestProbe probe, string persistenceId, string writerGuid, params object[][] atomicWrites)
    {
        var seq = 0L;
        var writes = atomicWrites.Select(events => (IPersistentEnvelope)new AtomicWrite(events
                .Select(e => e is Seq s
                    ? new Persistent(s.Event, seq = s.Nr, persistenceId, "", false, probe.Ref, writerGuid)
                    : new Persistent(e, ++seq, persistenceId, "", false, probe.Ref, writerGuid))
                .ToImmutableList<IPersistentRepresentation>()))
            .ToList();
        journal.Tell(new WriteMessages(writes, probe.Ref, 1), probe.Ref);
    }

    /// <summary>The batch answer (successful or failed) followed by one answer per event.</summary>
    public static IReadOnlyList<object> Answers(TestKitBase kit, TestProbe probe, int events)
    {
        var answers = new List<object> { probe.ExpectMsg<object>(TimeSpan.FromSeconds(60)) };
        for (var i = 0; i < events; i++) answers.Add(probe.ExpectMsg<object>(TimeSpan.FromSeconds(60)));
        return answers;
    }

    /// <summary>Replays [from, to] (at most max) through a journal's protocol: the replayed events and the highest sequence number it reported.</summary>
    public static (IReadOnlyList<IPersistentRepresentation> Events, long Highest) Replay(
        IActorRef journal, TestProbe probe, string persistenceId, long from = 1, long to = long.MaxValue, long max = long.MaxValue)
    {
        journal.Tell(new ReplayMessages(from, to, max, persistenceId, probe.Ref), probe.Ref);
        var events = new List<IPersistentRepresentation>();
        while (true)
        {
            var message = probe.ExpectMsg<object>(TimeSpan.FromSeconds(60));
            switch (message)
            {
                case ReplayedMessage replayed:
                    events.Add(replayed.Persistent);
                    break;
                case RecoverySuccess success:
                    return (events, success.HighestSequenceNr);
                default:
                    throw new InvalidOperationException($"unexpected replay answer {message}");
            }
        }
    }

    public static long Highest(IActorRef journal, TestProbe probe, string persistenceId) =>
        Replay(journal, probe, persistenceId, max: 0).Highest;
}

/// <summary>An event with an explicit sequence number in <see cref="JournalTestBed.WriteNoWait"/>.</summary>
internal sealed record Seq(long Nr, object Event);

/// <summary>A message the engine's serializer has no manifest for: it cannot be written.</summary>
public sealed record NotAnEvent(string Text) : IOrderEngineMessage;
