using System.Data.Common;
using OrderEngine.Engine.Hosting;
using OrderEngine.Testing;

namespace OrderEngine.Engine.Tests;

/// <summary>The schema the engine creates on start (deploy/sql), on SQLite and on PostgreSQL.</summary>
public sealed class SchemaTests : IClassFixture<PostgresFixture>, IDisposable
{
    private readonly PostgresFixture _postgres;
    private readonly TempDirectory _dir = new();

    public SchemaTests(PostgresFixture postgres) => _postgres = postgres;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public Task Sqlite_journal_refuses_a_second_event_with_the_same_sequence_number_and_preparing_twice_is_harmless() =>
        CheckAsync(JournalDatabase.From(new PersistenceOptions { SqlitePath = _dir.File(Path.Combine("new-folder", "oe.db")) }));

    [PostgresFact]
    public async Task Postgres_journal_refuses_a_second_event_with_the_same_sequence_number_and_preparing_twice_is_harmless() =>
        await CheckAsync(JournalDatabase.From(new PersistenceOptions
        {
            Provider = PersistenceProvider.PostgreSql,
            ConnectionString = await _postgres.Server.CreateDatabaseAsync("schema_" + Guid.NewGuid().ToString("N")[..8]),
        }));

    [PostgresFact]
    public async Task Postgres_nodes_that_prepare_one_empty_database_at_once_all_start_and_share_one_schema()
    {
        // Without a lock, concurrent CREATE TABLE IF NOT EXISTS of the same table collide on PostgreSQL's catalogue
        // (a duplicate pg_type row): the nodes of a new cluster, started together, stopped one another.
        var connectionString = await _postgres.Server.CreateDatabaseAsync("race_" + Guid.NewGuid().ToString("N")[..8]);
        for (var round = 0; round < 3; round++)
        {
            var nodes = Enumerable.Range(0, 6).Select(_ => JournalDatabase.From(new PersistenceOptions
            {
                Provider = PersistenceProvider.PostgreSql,
                ConnectionString = connectionString,
            })).ToList();
            using var start = new Barrier(nodes.Count);
            await Task.WhenAll(nodes.Select(n => Task.Run(() =>
            {
                start.SignalAndWait();
                n.Prepare();
            })));
            if (round == 0) await CheckAsync(nodes[0], prepare: false);
        }
    }

    private static async Task CheckAsync(JournalDatabase database, bool prepare = true)
    {
        if (prepare)
        {
            database.Prepare();
            database.Prepare();
        }

        await using var connection = await database.OpenAsync(default);
        await Insert(connection, "order-x", 1);
        await Insert(connection, "order-x", 2);
        await Insert(connection, "order-y", 1);
        await Assert.ThrowsAnyAsync<DbException>(() => Insert(connection, "order-x", 2));
        await using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM journal";
        Assert.Equal(3L, Convert.ToInt64(await count.ExecuteScalarAsync()));
    }

    private static async Task Insert(DbConnection connection, string persistenceId, long sequenceNumber)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO journal (created, deleted, persistence_id, sequence_number, message) VALUES (0, false, @p, @s, @m)";
        foreach (var (name, value) in new (string, object)[] { ("p", persistenceId), ("s", sequenceNumber), ("m", new byte[] { 1 }) })
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value;
            command.Parameters.Add(p);
        }
        await command.ExecuteNonQueryAsync();
    }
}
