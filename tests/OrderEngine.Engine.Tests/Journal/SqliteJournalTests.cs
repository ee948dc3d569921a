using OrderEngine.Engine.Hosting;
using OrderEngine.Testing;

namespace OrderEngine.Engine.Tests.Journal;

/// <summary>The journal's compliance cases on SQLite (a temp file, WAL, as the engine prepares it).</summary>
public sealed class SqliteJournalTests : JournalCompliance, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    protected override Task<JournalDatabase> CreateDatabaseAsync() =>
        Task.FromResult(JournalDatabase.From(new PersistenceOptions { SqlitePath = _dir.File("journal.db") }));

    protected override string RefuseRowSql(string persistenceId, long sequenceNr) =>
        $"CREATE TRIGGER refuse_row BEFORE INSERT ON journal WHEN NEW.persistence_id = '{persistenceId}' AND NEW.sequence_number = {sequenceNr} " +
        "BEGIN SELECT RAISE(ABORT, 'row refused by the test'); END;";

    protected override string AllowRowsSql => "DROP TRIGGER refuse_row";

    [Fact] public Task Replay_returns_the_events_from_to_in_order_and_at_most_max_on_sqlite() => Replay_returns_the_events_from_to_in_order_and_at_most_max();
    [Fact] public Task The_highest_sequence_number_survives_deleting_some_and_all_events_on_sqlite() => The_highest_sequence_number_survives_deleting_some_and_all_events();
    [Fact] public Task An_atomic_write_of_several_events_is_stored_whole_and_replayed_in_order_on_sqlite() => An_atomic_write_of_several_events_is_stored_whole_and_replayed_in_order();
    [Fact] public Task An_unserializable_event_rejects_its_atomic_write_whole_while_a_sibling_write_is_stored_on_sqlite() => An_unserializable_event_rejects_its_atomic_write_whole_while_a_sibling_write_is_stored();
    [Fact] public Task A_database_failure_fails_the_write_with_nothing_half_written_and_the_others_in_its_batch_are_stored_on_sqlite() => A_database_failure_fails_the_write_with_nothing_half_written_and_the_others_in_its_batch_are_stored();
    [Fact] public Task A_missing_table_surfaces_as_a_persist_failure_and_the_entity_recovers_once_the_table_is_back_on_sqlite() => A_missing_table_surfaces_as_a_persist_failure_and_the_entity_recovers_once_the_table_is_back();
    [Fact] public Task A_second_writer_of_the_same_sequence_number_fails_alone_in_a_shared_batch_on_sqlite() => A_second_writer_of_the_same_sequence_number_fails_alone_in_a_shared_batch();
    [Fact] public Task Writes_of_many_entities_arriving_together_are_committed_in_one_batch_on_sqlite() => Writes_of_many_entities_arriving_together_are_committed_in_one_batch();
    [Fact] public Task Highest_sequence_number_lookups_of_entities_starting_together_take_fewer_queries_than_entities_on_sqlite() => Highest_sequence_number_lookups_of_entities_starting_together_take_fewer_queries_than_entities();
    [Fact] public Task A_highest_sequence_number_lookup_waits_for_the_write_in_flight_of_its_id_on_sqlite() => A_highest_sequence_number_lookup_waits_for_the_write_in_flight_of_its_id();
    [Fact] public Task Concurrent_entities_of_many_ids_are_each_replayed_complete_and_in_order_on_sqlite() => Concurrent_entities_of_many_ids_are_each_replayed_complete_and_in_order();
    [Fact] public Task Events_written_by_this_journal_are_replayed_by_the_sql_journal_and_read_by_its_read_journal_on_sqlite() => Events_written_by_this_journal_are_replayed_by_the_sql_journal_and_read_by_its_read_journal();
    [Fact] public Task Events_written_by_the_sql_journal_are_replayed_by_this_journal_which_continues_them_on_sqlite() => Events_written_by_the_sql_journal_are_replayed_by_this_journal_which_continues_them();
    [Fact] public Task An_entity_written_on_one_node_then_another_then_the_first_again_replays_every_event_on_sqlite() => An_entity_written_on_one_node_then_another_then_the_first_again_replays_every_event();
}
