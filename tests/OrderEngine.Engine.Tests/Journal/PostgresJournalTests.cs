using OrderEngine.Engine.Hosting;
using OrderEngine.Testing;

namespace OrderEngine.Engine.Tests.Journal;

/// <summary>The journal's compliance cases on PostgreSQL (a throwaway server, fsync on).</summary>
public sealed class PostgresJournalTests(PostgresFixture postgres) : JournalCompliance, IClassFixture<PostgresFixture>
{
    protected override async Task<JournalDatabase> CreateDatabaseAsync() => JournalDatabase.From(new PersistenceOptions
    {
        Provider = PersistenceProvider.PostgreSql,
        ConnectionString = await postgres.Server.CreateDatabaseAsync("journal_" + Guid.NewGuid().ToString("N")[..12]),
    });

    protected override string RefuseRowSql(string persistenceId, long sequenceNr) =>
        "CREATE FUNCTION refuse_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN " +
        $"IF NEW.persistence_id = '{persistenceId}' AND NEW.sequence_number = {sequenceNr} THEN RAISE EXCEPTION 'row refused by the test'; END IF; " +
        "RETURN NEW; END $$; CREATE TRIGGER refuse_row BEFORE INSERT ON journal FOR EACH ROW EXECUTE FUNCTION refuse_row();";

    protected override string AllowRowsSql => "DROP TRIGGER refuse_row ON journal; DROP FUNCTION refuse_row();";

    [PostgresFact] public Task Replay_returns_the_events_from_to_in_order_and_at_most_max_on_postgres() => Replay_returns_the_events_from_to_in_order_and_at_most_max();
    [PostgresFact] public Task The_highest_sequence_number_survives_deleting_some_and_all_events_on_postgres() => The_highest_sequence_number_survives_deleting_some_and_all_events();
    [PostgresFact] public Task An_atomic_write_of_several_events_is_stored_whole_and_replayed_in_order_on_postgres() => An_atomic_write_of_several_events_is_stored_whole_and_replayed_in_order();
    [PostgresFact] public Task An_unserializable_event_rejects_its_atomic_write_whole_while_a_sibling_write_is_stored_on_postgres() => An_unserializable_event_rejects_its_atomic_write_whole_while_a_sibling_write_is_stored();
    [PostgresFact] public Task A_database_failure_fails_the_write_with_nothing_half_written_and_the_others_in_its_batch_are_stored_on_postgres() => A_database_failure_fails_the_write_with_nothing_half_written_and_the_others_in_its_batch_are_stored();
    [PostgresFact] public Task A_missing_table_surfaces_as_a_persist_failure_and_the_entity_recovers_once_the_table_is_back_on_postgres() => A_missing_table_surfaces_as_a_persist_failure_and_the_entity_recovers_once_the_table_is_back();
    [PostgresFact] public Task A_second_writer_of_the_same_sequence_number_fails_alone_in_a_shared_batch_on_postgres() => A_second_writer_of_the_same_sequence_number_fails_alone_in_a_shared_batch();
    [PostgresFact] public Task Writes_of_many_entities_arriving_together_are_committed_in_one_batch_on_postgres() => Writes_of_many_entities_arriving_together_are_committed_in_one_batch();
    [PostgresFact] public Task Highest_sequence_number_lookups_of_entities_starting_together_take_fewer_queries_than_entities_on_postgres() => Highest_sequence_number_lookups_of_entities_starting_together_take_fewer_queries_than_entities();
    [PostgresFact] public Task A_highest_sequence_number_lookup_waits_for_the_write_in_flight_of_its_id_on_postgres() => A_highest_sequence_number_lookup_waits_for_the_write_in_flight_of_its_id();
    [PostgresFact] public Task Concurrent_entities_of_many_ids_are_each_replayed_complete_and_in_order_on_postgres() => Concurrent_entities_of_many_ids_are_each_replayed_complete_and_in_order();
    [PostgresFact] public Task Events_written_by_this_journal_are_replayed_by_the_sql_journal_and_read_by_its_read_journal_on_postgres() => Events_written_by_this_journal_are_replayed_by_the_sql_journal_and_read_by_its_read_journal();
    [PostgresFact] public Task Events_written_by_the_sql_journal_are_replayed_by_this_journal_which_continues_them_on_postgres() => Events_written_by_the_sql_journal_are_replayed_by_this_journal_which_continues_them();
    [PostgresFact] public Task An_entity_written_on_one_node_then_another_then_the_first_again_replays_every_event_on_postgres() => An_entity_written_on_one_node_then_another_then_the_first_again_replays_every_event();
}
