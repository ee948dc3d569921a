using System.Text.Json;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Microsoft.Data.Sqlite;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.PersonalData;
using OrderEngine.Engine.Serialization;
using OrderEngine.Testing;

namespace OrderEngine.Engine.Tests.PersonalData;

/// <summary>
/// What the sealing tests share: a SQLite database of their own with the engine's tables, a key store on it
/// (<see cref="Keys"/>; more with <see cref="NewStore"/>, as other nodes), and serializers given a key store.
/// </summary>
public abstract class SealingTestKit() : TestKit(TestConfig.WithTestJournal), IAsyncLifetime
{
    private readonly TempDirectory _dir = new();

    protected JournalDatabase Database { get; private set; } = null!;

    protected CustomerKeyStore Keys { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Database = JournalDatabase.From(new PersistenceOptions { SqlitePath = _dir.File("pii.db") });
        Database.Prepare();
        Keys = NewStore();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await Keys.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    /// <summary>Another key store on the same database (another node), with a master key if given.</summary>
    protected CustomerKeyStore NewStore(string? masterKey = null) =>
        new(Database, new PersonalDataOptions { PersonalDataMasterKey = masterKey }, TimeProvider.System);

    protected OrderEngineSerializer SerializerWith(CustomerKeyStore? keys) => new((ExtendedActorSystem)Sys, keys);

    protected static string Json(object o) => JsonSerializer.Serialize(o, o.GetType());
}
