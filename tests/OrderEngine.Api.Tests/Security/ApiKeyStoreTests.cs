using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using OrderEngine.Api.Security;
using OrderEngine.Engine.Hosting;
using OrderEngine.Testing;

namespace OrderEngine.Api.Tests.Security;

/// <summary>The api_keys table on both providers, the lookup cache's revocation time, and the `keys` CLI verb.</summary>
public abstract class ApiKeyStoreTests
{
    protected abstract Task<JournalDatabase> DatabaseAsync();

    protected async Task Keys_are_stored_by_hash_listed_without_it_and_revoked()
    {
        var store = new ApiKeyStore(await DatabaseAsync());
        var key = ApiKeyMaterial.NewKey();
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        await store.CreateAsync("key-1", "ops", ["admin", "channel:web"], ApiKeyMaterial.Hash(key), at, CancellationToken.None);

        Assert.Null(await store.FindByHashAsync(key, CancellationToken.None));
        var found = await store.FindByHashAsync(ApiKeyMaterial.Hash(key), CancellationToken.None);
        Assert.Equal(new ApiKeyRecord("key-1", "ops", found!.Roles, false), found);
        Assert.Equal(["admin", "channel:web"], found.Roles);
        Assert.Equal(1, await store.CountActiveAsync(CancellationToken.None));

        Assert.True(await store.RevokeAsync("key-1", at.AddMinutes(1), CancellationToken.None));
        Assert.True(await store.RevokeAsync("key-1", at.AddMinutes(2), CancellationToken.None));
        Assert.False(await store.RevokeAsync("key-2", at, CancellationToken.None));
        Assert.True((await store.FindByHashAsync(ApiKeyMaterial.Hash(key), CancellationToken.None))!.Revoked);
        var listed = Assert.Single(await store.ListAsync(CancellationToken.None));
        Assert.Equal(new ApiKeyView("key-1", "ops", listed.Roles, at, at.AddMinutes(1)), listed);
        Assert.Equal(0, await store.CountActiveAsync(CancellationToken.None));
    }

    protected async Task A_revocation_elsewhere_shows_once_the_cache_time_has_passed()
    {
        var store = new ApiKeyStore(await DatabaseAsync());
        var clock = new ManualClock();
        var cache = new ApiKeyCache(store, clock, Options.Create(new SecurityOptions { ApiKeyCacheTime = TimeSpan.FromSeconds(5) }));
        var hash = ApiKeyMaterial.Hash(ApiKeyMaterial.NewKey());
        await store.CreateAsync("key-c", "cached", ["reporting"], hash, clock.GetUtcNow(), CancellationToken.None);
        var (record, principal) = await cache.FindPrincipalAsync(hash, CancellationToken.None);
        Assert.False(record!.Revoked);
        // One principal per lookup, shared by the key's requests while the entry lives.
        Assert.Same(principal, (await cache.FindPrincipalAsync(hash, CancellationToken.None)).Principal);
        Assert.Equal("key:cached", principal!.Actor);
        Assert.Equal(["reporting"], principal.Roles.All);
        Assert.Equal("k|id:key-c", principal.RateLimitPartition);

        // Another node revokes the key: this node's entry holds until it expires, then the table is read again.
        await store.RevokeAsync("key-c", clock.GetUtcNow(), CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.False((await cache.FindAsync(hash, CancellationToken.None))!.Revoked);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.True((await cache.FindAsync(hash, CancellationToken.None))!.Revoked);
        // A revoked key has no principal to share.
        Assert.Null((await cache.FindPrincipalAsync(hash, CancellationToken.None)).Principal);
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => _now;
        public void Advance(TimeSpan by) => _now += by;
    }
}

public sealed class SqliteApiKeyStoreTests : ApiKeyStoreTests, IDisposable
{
    private readonly TempDirectory _directory = new();

    protected override Task<JournalDatabase> DatabaseAsync()
    {
        var database = new JournalDatabase(PersistenceProvider.Sqlite,
            new SqliteConnectionStringBuilder { DataSource = _directory.File($"k-{Guid.NewGuid():N}.db") }.ConnectionString);
        database.Prepare();
        return Task.FromResult(database);
    }

    [Fact]
    public Task Stored_by_hash_listed_without_it_and_revoked() => Keys_are_stored_by_hash_listed_without_it_and_revoked();

    [Fact]
    public Task Revocation_elsewhere_shows_after_the_cache_time() => A_revocation_elsewhere_shows_once_the_cache_time_has_passed();

    [Fact]
    public async Task The_keys_verb_creates_a_key_printed_once_and_stored_hashed()
    {
        var path = _directory.File("cli.db");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OrderEngine:Persistence:SqlitePath"] = path,
        }).Build();
        var output = new StringWriter();
        var error = new StringWriter();

        Assert.Equal(0, await ApiKeysCli.RunAsync(["create", "--name", "ops", "--roles", "admin,operator"], configuration, output, error));
        var key = output.ToString().Trim();
        Assert.StartsWith(ApiKeyMaterial.Prefix, key);
        Assert.DoesNotContain(key, error.ToString());

        var store = new ApiKeyStore(new JournalDatabase(PersistenceProvider.Sqlite, new SqliteConnectionStringBuilder { DataSource = path }.ConnectionString));
        var record = await store.FindByHashAsync(ApiKeyMaterial.Hash(key), CancellationToken.None);
        Assert.Equal(["admin", "operator"], record!.Roles);
        // Nowhere in the database file in clear.
        SqliteConnection.ClearAllPools();
        Assert.DoesNotContain(key, System.Text.Encoding.UTF8.GetString(await File.ReadAllBytesAsync(path)));

        var list = new StringWriter();
        Assert.Equal(0, await ApiKeysCli.RunAsync(["list"], configuration, list, error));
        Assert.Contains(record.Id + "\tops\tadmin,operator", list.ToString());
        Assert.DoesNotContain(key, list.ToString());
        Assert.Equal(0, await ApiKeysCli.RunAsync(["revoke", record.Id], configuration, output, error));
        Assert.True((await store.FindByHashAsync(ApiKeyMaterial.Hash(key), CancellationToken.None))!.Revoked);
    }

    [Theory]
    [InlineData("create", "--name", "ops", "--roles", "root")]
    [InlineData("create", "--roles", "admin")]
    [InlineData("create", "--name", "ops")]
    [InlineData("rotate")]
    public async Task The_keys_verb_refuses_bad_input_and_stores_nothing(params string[] args)
    {
        var path = _directory.File("bad.db");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OrderEngine:Persistence:SqlitePath"] = path,
        }).Build();
        var error = new StringWriter();
        Assert.Equal(2, await ApiKeysCli.RunAsync(args, configuration, TextWriter.Null, error));
        Assert.Contains("usage:", error.ToString());
        Assert.False(File.Exists(path) && await new ApiKeyStore(new JournalDatabase(PersistenceProvider.Sqlite,
            new SqliteConnectionStringBuilder { DataSource = path }.ConnectionString)).CountActiveAsync(CancellationToken.None) > 0);
    }

    public void Dispose() => _directory.Dispose();
}

public sealed class PostgresApiKeyStoreTests(PostgresFixture postgres) : ApiKeyStoreTests, IClassFixture<PostgresFixture>
{
    protected override async Task<JournalDatabase> DatabaseAsync()
    {
        var database = new JournalDatabase(PersistenceProvider.PostgreSql, await postgres.Server.CreateDatabaseAsync("k_" + Guid.NewGuid().ToString("N")));
        database.Prepare();
        return database;
    }

    [PostgresFact]
    public Task Stored_by_hash_listed_without_it_and_revoked() => Keys_are_stored_by_hash_listed_without_it_and_revoked();

    [PostgresFact]
    public Task Revocation_elsewhere_shows_after_the_cache_time() => A_revocation_elsewhere_shows_once_the_cache_time_has_passed();
}
