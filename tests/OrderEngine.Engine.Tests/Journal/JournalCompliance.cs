using System.Collections.Immutable;
using System.Data.Common;
using Akka.Actor;
using Akka.Persistence;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.TestKit.Xunit2;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Journal;
using OrderEngine.Engine.Projections;
using static OrderEngine.Engine.Tests.Journal.JournalTestBed;

namespace OrderEngine.Engine.Tests.Journal;

/// <summary>
/// The cases a write journal owes Akka.Persistence (what Akka's journal TCK checks) plus OrderEngine's own: group
/// commit, batched lookups, and compatibility with Akka.Persistence.Sql on the same tables. Each database runs them
/// through a subclass.
/// </summary>
public abstract class JournalCompliance : IAsyncLifetime
{
    private readonly List<TestKit> _kits = new();

    protected JournalDatabase Database { get; private set; } = null!;

    protected abstract Task<JournalDatabase> CreateDatabaseAsync();

    /// <summary>Makes the database refuse to store the given row (a trigger raising an error).</summary>
    protected abstract string RefuseRowSql(string persistenceId, long sequenceNr);

    protected abstract string AllowRowsSql { get; }

    public async Task InitializeAsync()
    {
        Database = await CreateDatabaseAsync();
        Database.Prepare();
    }

    public Task DisposeAsync()
    {
        foreach (var kit in _kits) kit.Shutdown(TimeSpan.FromSeconds(20));
        return Task.CompletedTask;
    }

    private TestKit Kit(string extra = "")
    {
        var kit = new TestKit(Config(Database, extra));
        _kits.Add(kit);
        return kit;
    }

    private static IActorRef JournalOf(TestKit kit, string pluginId = OrderEngineJournal) =>
        Persistence.Instance.Apply(kit.Sys).JournalFor(pluginId);

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = await Database.OpenAsync(default);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = await Database.OpenAsync(default);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private static OrderReserved Reserved(string orderId, int n) => new(orderId, DateTimeOffset.UnixEpoch.AddSeconds(n));

    private static OnHandSet OnHand(string sku, long n) => new(sku, n, n, DateTimeOffset.UnixEpoch);

    private static JournalCounters Counters(TestKit kit) =>
        JournalOf(kit).Ask<JournalCounters>(GetJournalCounters.Instance, TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();

    protected Task Replay_returns_the_events_from_to_in_order_and_at_most_max()
    {
        var kit = Kit();
        var journal = JournalOf(kit);
        var probe = kit.CreateTestProbe();
        var answers = Write(kit, journal, probe, "order-r1", Enumerable.Range(1, 5).Select(n => new object[] { Reserved("r1", n) }).ToArray());
        Assert.IsType<WriteMessagesSuccessful>(answers[0]);
        Assert.All(answers.Skip(1), a => Assert.IsType<WriteMessageSuccess>(a));

        var all = Replay(journal, probe, "order-r1");
        Assert.Equal(5, all.Highest);
        Assert.Equal([1L, 2, 3, 4, 5], all.Events.Select(e => e.SequenceNr));
        Assert.Equal(Enumerable.Range(1, 5).Select(n => (object)Reserved("r1", n)), all.Events.Select(e => e.Payload));
        Assert.All(all.Events, e =>
        {
            Assert.Equal("order-r1", e.PersistenceId);
            Assert.Equal("order.reserved", e.Manifest);
            Assert.Equal("writer", e.WriterGuid); // the writing entity incarnation's id
            Assert.True(e.Timestamp > 0);
        });

        Assert.Equal([2L, 3, 4], Replay(journal, probe, "order-r1", from: 2, to: 4).Events.Select(e => e.SequenceNr));
        Assert.Equal([1L, 2], Replay(journal, probe, "order-r1", max: 2).Events.Select(e => e.SequenceNr));
        Assert.Equal([3L], Replay(journal, probe, "order-r1", from: 3, max: 1).Events.Select(e => e.SequenceNr));
        Assert.Empty(Replay(journal, probe, "order-r1", from: 6).Events);
        Assert.Equal((0, 0L), (Replay(journal, probe, "order-unknown").Events.Count, Replay(journal, probe, "order-unknown").Highest));
        return Task.CompletedTask;
    }

    protected async Task The_highest_sequence_number_survives_deleting_some_and_all_events()
    {
        var kit = Kit();
        var journal = JournalOf(kit);
        var probe = kit.CreateTestProbe();
        Write(kit, journal, probe, "stock-d1", Enumerable.Range(1, 5).Select(n => new object[] { OnHand("d1", n) }).ToArray());

        journal.Tell(new DeleteMessagesTo("stock-d1", 3, probe.Ref), probe.Ref);
        probe.ExpectMsg<DeleteMessagesSuccess>(TimeSpan.FromSeconds(20));
        var afterSome = Replay(journal, probe, "stock-d1");
        Assert.Equal([4L, 5], afterSome.Events.Select(e => e.SequenceNr));
        Assert.Equal(5, afterSome.Highest);

        journal.Tell(new DeleteMessagesTo("stock-d1", 5, probe.Ref), probe.Ref);
        probe.ExpectMsg<DeleteMessagesSuccess>(TimeSpan.FromSeconds(20));
        var afterAll = Replay(journal, probe, "stock-d1");
        Assert.Empty(afterAll.Events);
        Assert.Equal(5, afterAll.Highest);
        // Only the highest row is kept, marked deleted, so the sequence number is never reused.
        Assert.Equal(1, await ScalarAsync("SELECT COUNT(*) FROM journal WHERE persistence_id = 'stock-d1'"));

        // A restarted journal (nothing in memory) still knows it, and the next write continues after it.
        var restarted = Kit();
        var again = JournalOf(restarted);
        var probe2 = restarted.CreateTestProbe();
        Assert.Equal(5, Highest(again, probe2, "stock-d1"));
        Write(restarted, again, probe2, "stock-d1", [new Seq(6, OnHand("d1", 6))]);
        Assert.Equal([6L], Replay(again, probe2, "stock-d1").Events.Select(e => e.SequenceNr));
    }

    protected Task An_atomic_write_of_several_events_is_stored_whole_and_replayed_in_order()
    {
        var kit = Kit();
        var journal = JournalOf(kit);
        var probe = kit.CreateTestProbe();
        var answers = Write(kit, journal, probe, "stock-a1",
            [OnHand("a1", 1)],
            [OnHand("a1", 2), OnHand("a1", 3), OnHand("a1", 4)]);
        Assert.IsType<WriteMessagesSuccessful>(answers[0]);
        Assert.Equal(4, answers.OfType<WriteMessageSuccess>().Count());
        Assert.Equal([1L, 2, 3, 4], Replay(journal, probe, "stock-a1").Events.Select(e => ((OnHandSet)e.Payload).OnHand));
        return Task.CompletedTask;
    }

    protected Task An_unserializable_event_rejects_its_atomic_write_whole_while_a_sibling_write_is_stored()
    {
        var kit = Kit();
        var journal = JournalOf(kit);
        var probe = kit.CreateTestProbe();
        var answers = Write(kit, journal, probe, "stock-u1",
            [OnHand("u1", 1), OnHand("u1", 2)],
            [OnHand("u1", 3), new NotAnEvent("no manifest"), OnHand("u1", 5)]);
        Assert.IsType<WriteMessagesSuccessful>(answers[0]);
        Assert.Equal([1L, 2], answers.OfType<WriteMessageSuccess>().Select(a => a.Persistent.SequenceNr));
        Assert.Equal([3L, 4, 5], answers.OfType<WriteMessageRejected>().Select(a => a.Persistent.SequenceNr));

        var replay = Replay(journal, probe, "stock-u1");
        Assert.Equal([1L, 2], replay.Events.Select(e => e.SequenceNr));
        Assert.Equal(2, replay.Highest);
        return Task.CompletedTask;
    }

    protected async Task A_database_failure_fails_the_write_with_nothing_half_written_and_the_others_in_its_batch_are_stored()
    {
        // A long linger puts every write below into one batch, so the refused row fails a shared transaction.
        var kit = Kit("akka.persistence.journal.orderengine.linger = 500ms");
        var journal = JournalOf(kit);
        var before = Counters(kit);
        await ExecuteAsync(RefuseRowSql("stock-f1", 3));

        var failing = kit.CreateTestProbe();
        var innocent = Enumerable.Range(0, 5).Select(_ => kit.CreateTestProbe()).ToArray();
        WriteNoWait(journal, failing, "stock-f1", [OnHand("f1", 1), OnHand("f1", 2), OnHand("f1", 3), OnHand("f1", 4)]);
        for (var i = 0; i < innocent.Length; i++) WriteNoWait(journal, innocent[i], $"stock-i{i}", [OnHand($"i{i}", 1), OnHand($"i{i}", 2)]);

        var failed = Answers(kit, failing, 4);
        Assert.IsType<WriteMessagesFailed>(failed[0]);
        Assert.Equal(4, failed.OfType<WriteMessageFailure>().Count());
        Assert.All(failed.OfType<WriteMessageFailure>(), f => Assert.IsAssignableFrom<DbException>(f.Cause));
        foreach (var probe in innocent) Assert.IsType<WriteMessagesSuccessful>(Answers(kit, probe, 2)[0]);
        Assert.True(Counters(kit).RetriedBatches > before.RetriedBatches, "the shared batch was retried one caller at a time");

        var check = kit.CreateTestProbe();
        Assert.Equal(0, await ScalarAsync("SELECT COUNT(*) FROM journal WHERE persistence_id = 'stock-f1'"));
        Assert.Equal((0, 0L), (Replay(journal, check, "stock-f1").Events.Count, Replay(journal, check, "stock-f1").Highest));
        for (var i = 0; i < innocent.Length; i++) Assert.Equal([1L, 2], Replay(journal, check, $"stock-i{i}").Events.Select(e => e.SequenceNr));

        // Once the database takes the rows again, the same write goes through.
        await ExecuteAsync(AllowRowsSql);
        WriteNoWait(journal, failing, "stock-f1", [OnHand("f1", 1), OnHand("f1", 2), OnHand("f1", 3), OnHand("f1", 4)]);
        Assert.IsType<WriteMessagesSuccessful>(Answers(kit, failing, 4)[0]);
        Assert.Equal([1L, 2, 3, 4], Replay(journal, check, "stock-f1").Events.Select(e => e.SequenceNr));
    }

    protected async Task A_missing_table_surfaces_as_a_persist_failure_and_the_entity_recovers_once_the_table_is_back()
    {
        var kit = Kit();
        var failures = kit.CreateTestProbe();
        var entity = kit.Sys.ActorOf(EventRecorder.Props("stock-m1", failures.Ref));
        Assert.Equal(1L, await entity.Ask<long>(1L, TimeSpan.FromSeconds(20)));
        kit.Watch(entity);

        await ExecuteAsync("ALTER TABLE journal RENAME TO journal_away");
        entity.Tell(2L);
        var failure = failures.ExpectMsg<EventRecorder.PersistFailed>(TimeSpan.FromSeconds(20));
        Assert.Equal(2, failure.SequenceNr);
        kit.ExpectTerminated(entity, TimeSpan.FromSeconds(20));
        await ExecuteAsync("ALTER TABLE journal_away RENAME TO journal");

        var recovered = kit.Sys.ActorOf(EventRecorder.Props("stock-m1", failures.Ref));
        Assert.Equal(new[] { 1L }, await recovered.Ask<long[]>("numbers", TimeSpan.FromSeconds(20)));
        Assert.Equal(3L, await recovered.Ask<long>(3L, TimeSpan.FromSeconds(20)));
        var again = kit.Sys.ActorOf(EventRecorder.Props("stock-m1"));
        Assert.Equal(new[] { 1L, 3 }, await again.Ask<long[]>("numbers", TimeSpan.FromSeconds(20)));
        Assert.Equal([1L, 2], Replay(JournalOf(kit), kit.CreateTestProbe(), "stock-m1").Events.Select(e => e.SequenceNr));
    }

    protected async Task A_second_writer_of_the_same_sequence_number_fails_alone_in_a_shared_batch()
    {
        var kit = Kit("akka.persistence.journal.orderengine.linger = 500ms");
        var journal = JournalOf(kit);
        // Another node (or a stale entity) already stored sequence number 1 of this id.
        await ExecuteAsync($"INSERT INTO journal (created, deleted, persistence_id, sequence_number, message, tags, manifest, identifier, writer_uuid) " +
                           $"VALUES (1, {(Database.Provider == PersistenceProvider.Sqlite ? "0" : "false")}, 'stock-dup', 1, {(Database.Provider == PersistenceProvider.Sqlite ? "x'00'" : "'\\x00'::bytea")}, '', '', 0, 'other')");
        var duplicate = kit.CreateTestProbe();
        var others = Enumerable.Range(0, 5).Select(_ => kit.CreateTestProbe()).ToArray();
        WriteNoWait(journal, duplicate, "stock-dup", [OnHand("dup", 1)]);
        for (var i = 0; i < others.Length; i++) WriteNoWait(journal, others[i], $"stock-o{i}", [OnHand($"o{i}", 1)]);

        Assert.IsType<WriteMessagesFailed>(Answers(kit, duplicate, 1)[0]);
        foreach (var probe in others) Assert.IsType<WriteMessagesSuccessful>(Answers(kit, probe, 1)[0]);
        Assert.Equal("other", await ScalarTextAsync("SELECT writer_uuid FROM journal WHERE persistence_id = 'stock-dup'"));
    }

    private async Task<string?> ScalarTextAsync(string sql)
    {
        await using var connection = await Database.OpenAsync(default);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (string?)await command.ExecuteScalarAsync();
    }

    protected async Task Writes_of_many_entities_arriving_together_are_committed_in_one_batch()
    {
        // One writer loop: with several, each may wake for the first write and take a share of the rest.
        var kit = Kit("akka.persistence.journal.orderengine.linger = 500ms\nakka.persistence.journal.orderengine.concurrent-batches = 1");
        var journal = JournalOf(kit);
        var before = Counters(kit);
        var probes = Enumerable.Range(0, 20).Select(_ => kit.CreateTestProbe()).ToArray();
        for (var i = 0; i < probes.Length; i++) WriteNoWait(journal, probes[i], $"stock-g{i}", [OnHand($"g{i}", 1), OnHand($"g{i}", 2)]);
        foreach (var probe in probes) Assert.IsType<WriteMessagesSuccessful>(Answers(kit, probe, 2)[0]);
        var after = Counters(kit);
        Assert.Equal(1, after.Batches - before.Batches);
        Assert.Equal(40, after.Rows - before.Rows);
        Assert.Equal(40, await ScalarAsync("SELECT COUNT(*) FROM journal WHERE persistence_id LIKE 'stock-g%'"));
    }

    protected Task Highest_sequence_number_lookups_of_entities_starting_together_take_fewer_queries_than_entities()
    {
        const int entities = 50;
        var writerKit = Kit();
        var writer = JournalOf(writerKit);
        var writes = writerKit.CreateTestProbe();
        for (var i = 0; i < entities; i++) Write(writerKit, writer, writes, $"stock-h{i}", Enumerable.Range(1, i % 5 + 1).Select(n => new object[] { OnHand($"h{i}", n) }).ToArray());

        // A fresh journal, as after a restart: every lookup goes to the database.
        var kit = Kit();
        var journal = JournalOf(kit);
        var before = Counters(kit);
        var probes = Enumerable.Range(0, entities).Select(_ => kit.CreateTestProbe()).ToArray();
        for (var i = 0; i < entities; i++) journal.Tell(new ReplayMessages(1, long.MaxValue, 0, $"stock-h{i}", probes[i].Ref), probes[i].Ref);
        for (var i = 0; i < entities; i++) Assert.Equal(i % 5 + 1, probes[i].ExpectMsg<RecoverySuccess>(TimeSpan.FromSeconds(20)).HighestSequenceNr);
        var after = Counters(kit);
        Assert.Equal(entities, after.HighestLookups - before.HighestLookups);
        Assert.True(after.HighestQueries - before.HighestQueries < entities,
            $"{after.HighestQueries - before.HighestQueries} queries answered {entities} entities starting together");
        return Task.CompletedTask;
    }

    protected Task A_highest_sequence_number_lookup_waits_for_the_write_in_flight_of_its_id()
    {
        // The write is held back half a second before its batch is written; the lookup arrives meanwhile.
        var kit = Kit("akka.persistence.journal.orderengine.linger = 500ms");
        var journal = JournalOf(kit);
        var writer = kit.CreateTestProbe();
        WriteNoWait(journal, writer, "stock-w1", [OnHand("w1", 1)], [OnHand("w1", 2)], [OnHand("w1", 3)]);
        var replay = Replay(journal, kit.CreateTestProbe(), "stock-w1");
        Assert.Equal(3, replay.Highest);
        Assert.Equal([1L, 2, 3], replay.Events.Select(e => e.SequenceNr));
        Assert.IsType<WriteMessagesSuccessful>(Answers(kit, writer, 3)[0]);
        return Task.CompletedTask;
    }

    protected async Task Concurrent_entities_of_many_ids_are_each_replayed_complete_and_in_order()
    {
        const int ids = 200, events = 20;
        var kit = Kit();
        var entities = Enumerable.Range(0, ids).Select(i => kit.Sys.ActorOf(EventRecorder.Props($"stock-c{i}"))).ToArray();
        // Every entity has one command in flight at a time (a Persist each), all entities at once.
        await Task.WhenAll(entities.Select(async entity =>
        {
            for (long n = 1; n <= events; n++) Assert.Equal(n, await entity.Ask<long>(n, TimeSpan.FromSeconds(60)));
        }));

        var restarted = Kit();
        var recovered = await Task.WhenAll(Enumerable.Range(0, ids).Select(i =>
            restarted.Sys.ActorOf(EventRecorder.Props($"stock-c{i}")).Ask<long[]>("numbers", TimeSpan.FromSeconds(60))));
        var expected = Enumerable.Range(1, events).Select(n => (long)n).ToArray();
        Assert.All(recovered, numbers => Assert.Equal(expected, numbers));
        Assert.Equal(ids * events, await ScalarAsync("SELECT COUNT(*) FROM journal WHERE persistence_id LIKE 'stock-c%'"));
    }

    protected Task An_entity_written_on_one_node_then_another_then_the_first_again_replays_every_event()
    {
        // Two nodes, each with its journal, on one database; the entity's shard moves to node B and back to node A.
        // Each incarnation of the entity writes under its own writer id, as Akka's persistent actors do.
        var nodeA = Kit();
        var nodeB = Kit();
        var journalA = JournalOf(nodeA);
        var journalB = JournalOf(nodeB);
        var probeA = nodeA.CreateTestProbe();
        var probeB = nodeB.CreateTestProbe();
        WriteNoWait(journalA, probeA, "stock-n1", "incarnation-1", [OnHand("n1", 1)], [OnHand("n1", 2)]);
        Assert.IsType<WriteMessagesSuccessful>(Answers(nodeA, probeA, 2)[0]);
        WriteNoWait(journalB, probeB, "stock-n1", "incarnation-2", [new Seq(3, OnHand("n1", 3))], [new Seq(4, OnHand("n1", 4))]);
        Assert.IsType<WriteMessagesSuccessful>(Answers(nodeB, probeB, 2)[0]);
        WriteNoWait(journalA, probeA, "stock-n1", "incarnation-3", [new Seq(5, OnHand("n1", 5))]);
        Assert.IsType<WriteMessagesSuccessful>(Answers(nodeA, probeA, 1)[0]);

        // Akka's replay filter (repair-by-discard-old) drops the events of a writer that resumes after a newer one:
        // with one writer id per journal, node A's last event would be dropped here.
        Assert.Equal([1L, 2, 3, 4, 5], Replay(journalA, probeA, "stock-n1").Events.Select(e => ((OnHandSet)e.Payload).OnHand));
        Assert.Equal([1L, 2, 3, 4, 5], Replay(journalB, probeB, "stock-n1").Events.Select(e => ((OnHandSet)e.Payload).OnHand));
        Assert.Equal([1L, 2, 3, 4, 5], Replay(JournalOf(nodeA, SqlJournal), probeA, "stock-n1").Events.Select(e => ((OnHandSet)e.Payload).OnHand));
        return Task.CompletedTask;
    }

    protected async Task Events_written_by_this_journal_are_replayed_by_the_sql_journal_and_read_by_its_read_journal()
    {
        var kit = Kit();
        var journal = JournalOf(kit);
        var probe = kit.CreateTestProbe();
        for (var o = 0; o < 3; o++)
            Write(kit, journal, probe, $"order-x{o}", [Reserved($"x{o}", 1)], [Reserved($"x{o}", 2), Reserved($"x{o}", 3)]);
        Write(kit, journal, probe, "stock-x", [OnHand("x", 1)], [OnHand("x", 2)]);

        var sql = JournalOf(kit, SqlJournal);
        var replayed = Replay(sql, probe, "order-x1");
        Assert.Equal(3, replayed.Highest);
        Assert.Equal(new object[] { Reserved("x1", 1), Reserved("x1", 2), Reserved("x1", 3) }, replayed.Events.Select(e => e.Payload));
        Assert.Equal([1L, 2], Replay(sql, probe, "stock-x").Events.Select(e => ((OnHandSet)e.Payload).OnHand));

        var queries = PersistenceQuery.Get(kit.Sys).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        var materializer = kit.Sys.Materializer();
        var byId = await queries.CurrentEventsByPersistenceId("order-x2", 0, long.MaxValue).RunWith(Sink.Seq<EventEnvelope>(), materializer);
        Assert.Equal(new object[] { Reserved("x2", 1), Reserved("x2", 2), Reserved("x2", 3) }, byId.Select(e => e.Event));
        var live = await queries.EventsByPersistenceId("stock-x", 0, long.MaxValue).Take(2).RunWith(Sink.Seq<EventEnvelope>(), materializer)
            .WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal([1L, 2], live.Select(e => ((OnHandSet)e.Event).OnHand));

        // The projection's query: only the tagged (order) events, each id's in order, and its tag on each.
        var tagged = await queries.EventsByTag(EventTagger.OrderTag, Offset.NoOffset()).Take(9).RunWith(Sink.Seq<EventEnvelope>(), materializer)
            .WaitAsync(TimeSpan.FromSeconds(20));
        Assert.All(tagged, e => Assert.IsType<OrderReserved>(e.Event));
        Assert.All(tagged, e => Assert.Equal([EventTagger.OrderTag], e.Tags));
        foreach (var o in Enumerable.Range(0, 3))
            Assert.Equal([1L, 2, 3], tagged.Where(e => e.PersistenceId == $"order-x{o}").Select(e => e.SequenceNr));
        var current = await queries.CurrentEventsByTag(EventTagger.OrderTag, Offset.NoOffset()).RunWith(Sink.Seq<EventEnvelope>(), materializer);
        Assert.Equal(9, current.Count);
        Assert.Equal(";order;", await ScalarTextAsync("SELECT tags FROM journal WHERE persistence_id = 'order-x0' AND sequence_number = 1"));
        Assert.Equal("", await ScalarTextAsync("SELECT tags FROM journal WHERE persistence_id = 'stock-x' AND sequence_number = 1"));
    }

    protected Task Events_written_by_the_sql_journal_are_replayed_by_this_journal_which_continues_them()
    {
        var kit = Kit();
        var sql = JournalOf(kit, SqlJournal);
        var journal = JournalOf(kit);
        var probe = kit.CreateTestProbe();
        Assert.IsType<WriteMessagesSuccessful>(Write(kit, sql, probe, "order-y1", [Reserved("y1", 1)], [Reserved("y1", 2), Reserved("y1", 3)])[0]);

        var replayed = Replay(journal, probe, "order-y1");
        Assert.Equal(3, replayed.Highest);
        Assert.Equal(new object[] { Reserved("y1", 1), Reserved("y1", 2), Reserved("y1", 3) }, replayed.Events.Select(e => e.Payload));
        Assert.All(replayed.Events, e => Assert.Equal("order.reserved", e.Manifest));

        // This journal continues the id (as after switching the engine's journal): both read the whole history. (Going
        // back to the first writer after that would be an old writer resuming, which Akka's replay filter discards.)
        Assert.IsType<WriteMessagesSuccessful>(Write(kit, journal, probe, "order-y1", [new Seq(4, Reserved("y1", 4))], [new Seq(5, Reserved("y1", 5))])[0]);
        var expected = Enumerable.Range(1, 5).Select(n => (object)Reserved("y1", n)).ToArray();
        Assert.Equal(expected, Replay(journal, probe, "order-y1").Events.Select(e => e.Payload));
        Assert.Equal(expected, Replay(sql, probe, "order-y1").Events.Select(e => e.Payload));

        // Deletes by either are read the same way by both.
        sql.Tell(new DeleteMessagesTo("order-y1", 2, probe.Ref), probe.Ref);
        probe.ExpectMsg<DeleteMessagesSuccess>(TimeSpan.FromSeconds(20));
        Assert.Equal([3L, 4, 5], Replay(journal, probe, "order-y1").Events.Select(e => e.SequenceNr));
        journal.Tell(new DeleteMessagesTo("order-y1", 5, probe.Ref), probe.Ref);
        probe.ExpectMsg<DeleteMessagesSuccess>(TimeSpan.FromSeconds(20));
        var afterAll = Replay(sql, probe, "order-y1");
        Assert.Empty(afterAll.Events);
        Assert.Equal(5, afterAll.Highest);
        return Task.CompletedTask;
    }
}
