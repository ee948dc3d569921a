using Microsoft.Data.Sqlite;
using OrderEngine.Engine.Hosting;
using OrderEngine.Ingestion.Intake;
using OrderEngine.Testing;

namespace OrderEngine.Ingestion.Tests.Intake;

/// <summary>The quarantine table on both databases the engine runs on.</summary>
public abstract class QuarantineStoreTests
{
    protected abstract Task<JournalDatabase> DatabaseAsync();

    protected async Task A_record_with_a_nul_character_is_stored_with_the_nul_escaped()
    {
        var store = IngestionTestKit.Quarantine(await DatabaseAsync());
        var payload = "{\"externalId\":\"n-1\",\"sku\":\"A\u0000B\"}";

        var id = await store.AddAsync("store", "feed/ndjson", "n\u00001", "line 1: sku: 'A\u0000B' is not a SKU", payload, DateTimeOffset.UnixEpoch, CancellationToken.None);

        var stored = await store.GetAsync("store", id, CancellationToken.None);
        Assert.NotNull(stored);
        Assert.Equal("{\"externalId\":\"n-1\",\"sku\":\"A\\u0000B\"}", stored.Payload);
        Assert.Equal("line 1: sku: 'A\\u0000B' is not a SKU", stored.Reason);
        Assert.Equal("n\\u00001", stored.ExternalId);
    }

    protected async Task The_same_bad_record_at_another_line_of_a_feed_is_stored_once()
    {
        var store = IngestionTestKit.Quarantine(await DatabaseAsync());
        const string payload = "{\"externalId\":\"d-1\",\"lines\":[]}";

        var first = await store.AddAsync("store", "feed/ndjson", "d-1", "line 1: lines: an order needs at least one line", payload, DateTimeOffset.UnixEpoch, CancellationToken.None);
        var second = await store.AddAsync("store", "feed/ndjson", "d-1", "line 7: lines: an order needs at least one line", payload, DateTimeOffset.UnixEpoch.AddMinutes(1), CancellationToken.None);
        var tooLongA = await store.AddAsync("store", "feed/ndjson", null, "line 3: longer than 1048576 characters", "", DateTimeOffset.UnixEpoch, CancellationToken.None);
        var tooLongB = await store.AddAsync("store", "feed/ndjson", null, "line 9: longer than 1048576 characters", "", DateTimeOffset.UnixEpoch, CancellationToken.None);

        Assert.Equal(first, second);
        Assert.NotEqual(tooLongA, tooLongB); // kept without their payload, they are told apart by their reasons
        var listed = await store.ListAsync("store", includeResolved: false, 10, CancellationToken.None);
        Assert.Equal(3, listed.Count);
        Assert.Equal("line 1: lines: an order needs at least one line", listed.Single(r => r.Id == first).Reason);
    }

    protected async Task A_retry_is_listed_with_who_retried_it_last_and_when()
    {
        var database = await DatabaseAsync();
        var store = IngestionTestKit.Quarantine(database);
        var retried = await store.AddAsync("store", "feed/ndjson", "r-1", "line 1: sku: '' is not a SKU", "{\"externalId\":\"r-1\"}", DateTimeOffset.UnixEpoch, CancellationToken.None);
        var untouched = await store.AddAsync("store", "feed/ndjson", "r-2", "line 2: sku: '' is not a SKU", "{\"externalId\":\"r-2\"}", DateTimeOffset.UnixEpoch, CancellationToken.None);
        var first = DateTimeOffset.UnixEpoch.AddMinutes(5);
        var second = DateTimeOffset.UnixEpoch.AddMinutes(9);

        await store.RecordRetryAsync(retried, "key:ann", first, CancellationToken.None);
        var once = await store.GetAsync("store", retried, CancellationToken.None);
        await store.RecordRetryAsync(retried, "user:bob", second, CancellationToken.None);
        await store.ResolveAsync(retried, second, CancellationToken.None);

        Assert.Equal(("key:ann", first), (once!.RetriedBy, once.RetriedAt));
        var listed = await store.ListAsync("store", includeResolved: true, 10, CancellationToken.None);
        Assert.Equal(2, listed.Count);
        var last = listed.Single(r => r.Id == retried);
        Assert.Equal(("user:bob", second, second), (last.RetriedBy, last.RetriedAt, last.ResolvedAt));
        var never = listed.Single(r => r.Id == untouched);
        Assert.Null(never.RetriedBy);
        Assert.Null(never.RetriedAt);
        // Preparing an existing database again (a node restarting on it) keeps what was recorded.
        database.Prepare();
        Assert.Equal("user:bob", (await store.GetAsync("store", retried, CancellationToken.None))!.RetriedBy);
    }

    protected async Task A_database_an_earlier_version_created_gains_the_retry_record_when_prepared()
    {
        var database = await DatabaseAsync();
        var store = IngestionTestKit.Quarantine(database);
        var id = await store.AddAsync("store", "feed/ndjson", "e-1", "line 1: bad", "{\"externalId\":\"e-1\"}", DateTimeOffset.UnixEpoch, CancellationToken.None);
        await using (var connection = await database.OpenAsync(CancellationToken.None))
        await using (var drop = connection.CreateCommand())
        {
            drop.CommandText = "DROP TABLE quarantine_retries"; // the schema as an earlier version left it
            await drop.ExecuteNonQueryAsync(CancellationToken.None);
        }

        database.Prepare();
        await store.RecordRetryAsync(id, "key:ann", DateTimeOffset.UnixEpoch.AddMinutes(1), CancellationToken.None);

        var stored = await store.GetAsync("store", id, CancellationToken.None);
        Assert.Equal("line 1: bad", stored!.Reason); // the record an earlier version stored is still there
        Assert.Equal("key:ann", stored.RetriedBy);
    }
}

public sealed class SqliteQuarantineStoreTests : QuarantineStoreTests, IDisposable
{
    private readonly TempDirectory _directory = new();

    protected override Task<JournalDatabase> DatabaseAsync()
    {
        var database = new JournalDatabase(PersistenceProvider.Sqlite,
            new SqliteConnectionStringBuilder { DataSource = _directory.File($"q-{Guid.NewGuid():N}.db") }.ConnectionString);
        database.Prepare();
        return Task.FromResult(database);
    }

    [Fact]
    public Task A_nul_character_is_stored_escaped() => A_record_with_a_nul_character_is_stored_with_the_nul_escaped();

    [Fact]
    public Task A_bad_record_fed_again_is_stored_once() => The_same_bad_record_at_another_line_of_a_feed_is_stored_once();

    [Fact]
    public Task A_retry_is_listed_with_who_retried_it() => A_retry_is_listed_with_who_retried_it_last_and_when();

    [Fact]
    public Task An_earlier_database_gains_the_retry_record() => A_database_an_earlier_version_created_gains_the_retry_record_when_prepared();

    public void Dispose() => _directory.Dispose();
}

public sealed class PostgresQuarantineStoreTests(PostgresFixture postgres) : QuarantineStoreTests, IClassFixture<PostgresFixture>
{
    protected override async Task<JournalDatabase> DatabaseAsync()
    {
        var database = new JournalDatabase(PersistenceProvider.PostgreSql, await postgres.Server.CreateDatabaseAsync("q_" + Guid.NewGuid().ToString("N")));
        database.Prepare();
        return database;
    }

    [PostgresFact]
    public Task A_nul_character_is_stored_escaped() => A_record_with_a_nul_character_is_stored_with_the_nul_escaped();

    [PostgresFact]
    public Task A_bad_record_fed_again_is_stored_once() => The_same_bad_record_at_another_line_of_a_feed_is_stored_once();

    [PostgresFact]
    public Task A_retry_is_listed_with_who_retried_it() => A_retry_is_listed_with_who_retried_it_last_and_when();

    [PostgresFact]
    public Task An_earlier_database_gains_the_retry_record() => A_database_an_earlier_version_created_gains_the_retry_record_when_prepared();
}
