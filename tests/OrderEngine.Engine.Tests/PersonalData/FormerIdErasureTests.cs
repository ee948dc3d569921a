using Microsoft.Data.Sqlite;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.PersonalData;
using OrderEngine.Testing;

namespace OrderEngine.Engine.Tests.PersonalData;

/// <summary>
/// An erasure that takes the ids a customer had before (an email kept as the id by orders taken in before pseudonymous
/// ids) with it: one transaction, each id with a key row audited, an id without one left unnamed.
/// </summary>
public abstract class FormerIdErasureCases
{
    private const string Pseudonym = "email:0123456789abcdef0123456789abcdef";

    protected abstract Task<JournalDatabase> CreateDatabaseAsync();

    private async Task<CustomerKeyStore> StoreAsync()
    {
        var database = await CreateDatabaseAsync();
        database.Prepare();
        return new CustomerKeyStore(database, new PersonalDataOptions(), TimeProvider.System);
    }

    [Fact]
    public async Task Erasing_with_former_ids_destroys_each_key_held_and_audits_each_id_that_had_one()
    {
        await using var keys = await StoreAsync();
        await keys.EnsureAsync(Pseudonym);
        await keys.EnsureAsync("ann@example.com");
        await keys.EnsureAsync("other@example.com");

        var erasures = await keys.EraseWithFormerIdsAsync(Pseudonym, ["Ann@Example.com ", "Ann@Example.com", "ann@example.com"], "user:dpo", CancellationToken.None);

        Assert.Equal([Pseudonym, "ann@example.com"], erasures.Select(e => e.CustomerId));
        Assert.All(erasures, e => Assert.Equal((1, "user:dpo"), (e.KeysDestroyed, e.ErasedBy)));
        Assert.Single(erasures.Select(e => e.ErasedAt).Distinct());
        foreach (var id in new[] { Pseudonym, "ann@example.com" })
        {
            var (held, audit) = await keys.StatusAsync(id, CancellationToken.None);
            Assert.False(held);
            Assert.Equal(erasures.Single(e => e.CustomerId == id).Id, Assert.Single(audit).Id);
            Assert.True(keys.TryGetCached(id, out var cached) && cached is null); // this node drops the keys at once
        }
        // Spellings without a key row are not audited (no audit row names them); another customer is untouched.
        Assert.Empty((await keys.StatusAsync("Ann@Example.com", CancellationToken.None)).Erasures);
        Assert.True((await keys.StatusAsync("other@example.com", CancellationToken.None)).HasKey);

        // Again: the keys are gone, the ids known, so both are audited again with nothing destroyed.
        var again = await keys.EraseWithFormerIdsAsync(Pseudonym, ["ann@example.com"], "user:dpo", CancellationToken.None);
        Assert.Equal([(Pseudonym, 0), ("ann@example.com", 0)], again.Select(e => (e.CustomerId, e.KeysDestroyed)));
    }

    [Fact]
    public async Task The_customer_itself_is_audited_even_without_a_key_row()
    {
        await using var keys = await StoreAsync();
        var erasure = Assert.Single(await keys.EraseWithFormerIdsAsync(Pseudonym, ["nobody@example.com"], "key:admin", CancellationToken.None));
        Assert.Equal((Pseudonym, 0), (erasure.CustomerId, erasure.KeysDestroyed));
        Assert.Empty((await keys.StatusAsync("nobody@example.com", CancellationToken.None)).Erasures);
    }
}

public sealed class SqliteFormerIdErasureTests : FormerIdErasureCases, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    protected override Task<JournalDatabase> CreateDatabaseAsync() =>
        Task.FromResult(JournalDatabase.From(new PersistenceOptions { SqlitePath = _dir.File(Guid.NewGuid().ToString("N") + ".db") }));
}

public sealed class PostgresFormerIdErasureTests(PostgresFixture postgres) : FormerIdErasureCases, IClassFixture<PostgresFixture>
{
    protected override async Task<JournalDatabase> CreateDatabaseAsync() => JournalDatabase.From(new PersistenceOptions
    {
        Provider = PersistenceProvider.PostgreSql,
        ConnectionString = await postgres.Server.CreateDatabaseAsync("erase_" + Guid.NewGuid().ToString("N")[..12]),
    });
}
