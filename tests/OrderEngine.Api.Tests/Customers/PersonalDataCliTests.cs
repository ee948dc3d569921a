using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using OrderEngine.Api.Customers;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.PersonalData;
using OrderEngine.Engine.Serialization;
using OrderEngine.Testing;
using Address = OrderEngine.Domain.Orders.Address;

namespace OrderEngine.Api.Tests.Customers;

/// <summary>
/// The `personal-data` verb on both providers: `reseal` seals placements an earlier version wrote in clear, in place;
/// `rewrap` moves every customer key to the current master key after a rotation.
/// </summary>
public abstract class PersonalDataCliTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T = new(2026, 12, 4, 10, 0, 0, TimeSpan.Zero);
    private static readonly Address AdaAddress = new("Ada Lovelace", "12 Analytical Row", "Flat 3", "London", "LDN", "N1 9GU", "GB", "+44 20 7946 0001");
    private static readonly Address BobAddress = new("Bob Babbage", "7 Difference Lane", null, "Paris", null, "75001", "FR", "+33 1 2345 6789");
    private static readonly Address CyAddress = new("Cy Hopper", "1 Compiler Court", null, "Berlin", null, "10115", "DE", "+49 30 1234567");
    private static readonly string[] PersonalValues =
        ["Ada Lovelace", "Analytical", "Flat 3", "7946", "Bob Babbage", "Difference Lane", "2345 6789", "Cy Hopper", "Compiler Court", "1234567"];

    private ActorSystem _system = null!;
    private Dictionary<string, string?> _settings = null!;
    protected JournalDatabase Database { get; private set; } = null!;

    /// <summary>The node's persistence settings of a new, empty database.</summary>
    protected abstract Task<Dictionary<string, string?>> NewDatabaseSettingsAsync();

    public async Task InitializeAsync()
    {
        _system = ActorSystem.Create("pii-cli");
        _settings = await NewDatabaseSettingsAsync();
        Database = JournalDatabase.From(Configuration().GetSection(OrderEngineOptions.Section).Get<OrderEngineOptions>()!.Persistence);
        Database.Prepare();
    }

    public virtual async Task DisposeAsync() => await _system.Terminate();

    private IConfiguration Configuration(string? masterKey = null, params string[] previous)
    {
        var settings = new Dictionary<string, string?>(_settings);
        if (masterKey is not null) settings["OrderEngine:Security:PersonalDataMasterKey"] = masterKey;
        for (var i = 0; i < previous.Length; i++) settings[$"OrderEngine:Security:PersonalDataPreviousMasterKeys:{i}"] = previous[i];
        return new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
    }

    private async Task<(int Exit, string Output, string Error)> RunAsync(IConfiguration configuration, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await PersonalDataCli.RunAsync(args, configuration, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private CustomerKeyStore Store(string? masterKey = null, params string[] previous) =>
        new(Database, new PersonalDataOptions { PersonalDataMasterKey = masterKey, PersonalDataPreviousMasterKeys = previous }, TimeProvider.System);

    private OrderEngineSerializer Serializer(CustomerKeyStore? keys) => new((ExtendedActorSystem)_system, keys);

    private static OrderPlaced Placed(string orderId, string customerId, Address? address) =>
        new(orderId, "web", customerId, "EUR", [new OrderLine("SKU-1", 2, 10m, 20m)], 20m, address, T.AddMinutes(15), T, ExternalId: "ext-" + orderId);

    private static void AssertSamePlacement(OrderPlaced expected, object actual)
    {
        var placed = Assert.IsType<OrderPlaced>(actual);
        Assert.Equal(expected.Lines.ToArray(), placed.Lines.ToArray());
        Assert.Equal(expected with { Lines = placed.Lines }, placed);
    }

    private sealed record Row(long Ordering, long Created, bool Deleted, string PersistenceId, long SequenceNumber, string? Tags, string? Manifest,
        int? Identifier, string? WriterUuid, byte[] Message)
    {
        public Row WithoutMessage => this with { Message = Array.Empty<byte>() };
        public string Text => Encoding.UTF8.GetString(Message);
    }

    private async Task InsertAsync(string persistenceId, long sequenceNumber, string tags, object message, OrderEngineSerializer serializer)
    {
        await using var connection = await Database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO journal (created, deleted, persistence_id, sequence_number, message, tags, manifest, identifier, writer_uuid)
            VALUES (@created, @deleted, @pid, @seq, @message, @tags, @manifest, @identifier, @writer)
            """;
        command.AddParameter("created", T.ToUnixTimeMilliseconds() + sequenceNumber);
        command.AddParameter("deleted", false);
        command.AddParameter("pid", persistenceId);
        command.AddParameter("seq", sequenceNumber);
        command.AddParameter("message", serializer.ToBinary(message));
        command.AddParameter("tags", tags);
        command.AddParameter("manifest", serializer.Manifest(message));
        command.AddParameter("identifier", serializer.Identifier);
        command.AddParameter("writer", "writer-1");
        await command.ExecuteNonQueryAsync();
    }

    private async Task<List<Row>> RowsAsync()
    {
        var rows = new List<Row>();
        await using var connection = await Database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT ordering, created, deleted, persistence_id, sequence_number, tags, manifest, identifier, writer_uuid, message FROM journal ORDER BY ordering";
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            rows.Add(new Row(reader.GetInt64(0), reader.GetInt64(1), Convert.ToBoolean(reader.GetValue(2)), reader.GetString(3), reader.GetInt64(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.IsDBNull(7) ? null : Convert.ToInt32(reader.GetValue(7)), reader.IsDBNull(8) ? null : reader.GetString(8), (byte[])reader.GetValue(9)));
        return rows;
    }

    private async Task<Dictionary<string, string?>> KeyRowsAsync()
    {
        var rows = new Dictionary<string, string?>(StringComparer.Ordinal);
        await using var connection = await Database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT customer_id, key_material FROM customer_keys ORDER BY customer_id";
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows[reader.GetString(0)] = reader.IsDBNull(1) ? null : reader.GetString(1);
        return rows;
    }

    private static void AssertNothingPersonal(string text)
    {
        foreach (var value in PersonalValues) Assert.DoesNotContain(value, text, StringComparison.Ordinal);
    }

    protected async Task Reseal_seals_old_clear_placements_in_place_erases_erased_customers_and_changes_nothing_else_or_twice()
    {
        var old = Serializer(null);
        // Bob had an order after sealing existed (so a key), and was erased since.
        await using (var keys = Store())
        {
            await keys.EnsureAsync("c-bob");
            await keys.EraseAsync("c-bob", "key:test", CancellationToken.None);
            // Cy's placement was written by this version: sealed already.
            await InsertAsync("order-o-cy", 1, ";orders;", Placed("o-cy", "c-cy", CyAddress), Serializer(keys));
        }
        // Written in clear, as versions before sealing did.
        await InsertAsync("order-o-ada1", 1, ";orders;channel-web;", Placed("o-ada1", "c-ada", AdaAddress), old);
        await InsertAsync("stock-SKU-1", 1, ";stock;", new OnHandSet("SKU-1", 10, 1, T), old);
        await InsertAsync("order-o-bob", 1, ";orders;", Placed("o-bob", "c-bob", BobAddress), old);
        await InsertAsync("order-o-none", 1, ";orders;", Placed("o-none", "c-none", null), old);
        await InsertAsync("order-o-ada2", 1, ";orders;", Placed("o-ada2", "c-ada", AdaAddress with { Line2 = null }), old);
        var before = await RowsAsync();
        Assert.Contains("Ada Lovelace", string.Concat(before.Select(r => r.Text)), StringComparison.Ordinal);

        // A dry run counts and writes nothing: no row, no key.
        var dry = await RunAsync(Configuration(), "reseal", "--dry-run");
        Assert.Equal(0, dry.Exit);
        Assert.Contains("scanned 5, sealed 2, erased 1, skipped 2, failed 0", dry.Output);
        Assert.Equal(before.Select(r => r.Message), (await RowsAsync()).Select(r => r.Message));
        Assert.DoesNotContain("c-ada", (await KeyRowsAsync()).Keys);

        var run = await RunAsync(Configuration(), "reseal", "--batch", "2");
        Assert.Equal(0, run.Exit);
        Assert.Contains("scanned 5, sealed 2, erased 1, skipped 2, failed 0", run.Output);
        AssertNothingPersonal(run.Output + run.Error);

        var after = await RowsAsync();
        // Same rows, same places: only payloads changed, and only those of clear placements.
        Assert.Equal(before.Select(r => r.WithoutMessage), after.Select(r => r.WithoutMessage));
        var changed = after.Where((r, i) => !r.Message.AsSpan().SequenceEqual(before[i].Message)).Select(r => r.PersistenceId).ToList();
        Assert.Equal(["order-o-ada1", "order-o-bob", "order-o-ada2"], changed);
        var journal = string.Concat(after.Select(r => r.Text));
        AssertNothingPersonal(journal);
        Assert.Contains(PersonalDataCipher.Prefix, after.Single(r => r.PersistenceId == "order-o-ada1").Text, StringComparison.Ordinal);
        Assert.Contains(PersonalDataCipher.Erased, after.Single(r => r.PersistenceId == "order-o-bob").Text, StringComparison.Ordinal);

        // Read back as a node reads them: Ada's placements open to the clear address, Bob's say erased.
        await using (var keys = Store())
        {
            var serializer = Serializer(keys);
            object Read(string pid) => serializer.FromBinary(after.Single(r => r.PersistenceId == pid).Message, JournalReseal.Manifest);
            AssertSamePlacement(Placed("o-ada1", "c-ada", AdaAddress), Read("order-o-ada1"));
            AssertSamePlacement(Placed("o-ada2", "c-ada", AdaAddress with { Line2 = null }), Read("order-o-ada2"));
            AssertSamePlacement(Placed("o-bob", "c-bob", PersonalDataCipher.Erase(BobAddress)), Read("order-o-bob"));
            AssertSamePlacement(Placed("o-cy", "c-cy", CyAddress), Read("order-o-cy"));
            AssertSamePlacement(Placed("o-none", "c-none", null), Read("order-o-none"));
            // Bob stays erased: the reseal made him no new key.
            Assert.Null(keys.KeyForRead("c-bob"));
            Assert.Null((await KeyRowsAsync())["c-bob"]);
        }

        // Erasing Ada now makes her old orders unreadable, which was the point.
        await using (var keys = Store())
        {
            await keys.EraseAsync("c-ada", "key:test", CancellationToken.None);
            var read = Serializer(keys).FromBinary(after.Single(r => r.PersistenceId == "order-o-ada1").Message, JournalReseal.Manifest);
            Assert.Equal(PersonalDataCipher.Erase(AdaAddress), Assert.IsType<OrderPlaced>(read).ShippingAddress);
        }

        var again = await RunAsync(Configuration(), "reseal");
        Assert.Equal(0, again.Exit);
        Assert.Contains("scanned 5, sealed 0, erased 0, skipped 5, failed 0", again.Output);
        Assert.Equal(after.Select(r => r.Message), (await RowsAsync()).Select(r => r.Message));
    }

    protected async Task Rewrap_moves_every_key_to_the_new_master_key_and_the_old_one_can_go()
    {
        var masterA = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var masterB = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        byte[] rawKey, keyOfOne;
        byte[] sealedOne;
        await using (var unwrapped = Store())
        {
            // From before any master key was configured: stored as it is.
            await unwrapped.EnsureAsync("c-0");
            rawKey = unwrapped.KeyForRead("c-0")!;
        }
        await using (var underA = Store(masterA))
        {
            await underA.EnsureAsync("c-1");
            await underA.EnsureAsync("c-2");
            await underA.EnsureAsync("c-3");
            await underA.EraseAsync("c-3", "key:test", CancellationToken.None);
            keyOfOne = underA.KeyForRead("c-1")!;
            sealedOne = Serializer(underA).ToBinary(Placed("o-1", "c-1", AdaAddress));
        }
        var rows = await KeyRowsAsync();
        Assert.StartsWith("k1:", rows["c-0"]);
        Assert.StartsWith("w1:", rows["c-1"]);
        Assert.Null(rows["c-3"]);

        // Rotated without the old key among the previous ones: the keys are unreadable, and said so by settings' names.
        await using (var onlyB = Store(masterB))
        {
            var refused = Assert.Throws<PersonalDataKeyUnreadableException>(() => onlyB.KeyForRead("c-1"));
            Assert.Contains("PersonalDataPreviousMasterKeys", refused.Message);
            Assert.DoesNotContain(masterA, refused.Message);
            Assert.Throws<PersonalDataKeyUnreadableException>(() => Serializer(onlyB).FromBinary(sealedOne, JournalReseal.Manifest));
            Assert.Equal((3, 0, 2), await onlyB.CheckMasterKeysAsync(50, CancellationToken.None));
        }
        var blind = await RunAsync(Configuration(masterB), "rewrap", "--dry-run");
        Assert.Equal(1, blind.Exit);
        Assert.Contains("scanned 4, rewrapped 1, already current 0, erased 1, unreadable 2, skipped 0", blind.Output);
        Assert.Equal(rows, await KeyRowsAsync());

        // The new master key with the old one as previous: everything opens before the rewrap already.
        await using (var rotating = Store(masterB, masterA))
        {
            Assert.Equal(keyOfOne, rotating.KeyForRead("c-1"));
            Assert.Equal((3, 2, 0), await rotating.CheckMasterKeysAsync(50, CancellationToken.None));
        }
        var run = await RunAsync(Configuration(masterB, masterA), "rewrap", "--batch", "1");
        Assert.Equal(0, run.Exit);
        Assert.Contains("scanned 4, rewrapped 3, already current 0, erased 1, unreadable 0, skipped 0", run.Output);
        foreach (var secret in new[] { masterA, masterB, Convert.ToBase64String(rawKey), Convert.ToBase64String(keyOfOne) })
            Assert.DoesNotContain(secret, run.Output + run.Error);

        var rewrapped = await KeyRowsAsync();
        Assert.Null(rewrapped["c-3"]);
        foreach (var id in new[] { "c-0", "c-1", "c-2" })
        {
            Assert.StartsWith("w1:", rewrapped[id]);
            Assert.NotEqual(rows[id], rewrapped[id]);
        }

        // Only the new master key now: every key opens, and the sealed placement reads clear.
        await using (var onlyB = Store(masterB))
        {
            Assert.Equal(rawKey, onlyB.KeyForRead("c-0"));
            Assert.Equal(keyOfOne, onlyB.KeyForRead("c-1"));
            Assert.Null(onlyB.KeyForRead("c-3"));
            AssertSamePlacement(Placed("o-1", "c-1", AdaAddress), Serializer(onlyB).FromBinary(sealedOne, JournalReseal.Manifest));
            Assert.Equal((3, 0, 0), await onlyB.CheckMasterKeysAsync(50, CancellationToken.None));
        }
        // The old master key alone opens nothing any more: the rows really moved.
        await using (var onlyA = Store(masterA))
            Assert.Throws<PersonalDataKeyUnreadableException>(() => onlyA.KeyForRead("c-1"));

        var again = await RunAsync(Configuration(masterB), "rewrap");
        Assert.Equal(0, again.Exit);
        Assert.Contains("scanned 4, rewrapped 0, already current 3, erased 1, unreadable 0, skipped 0", again.Output);
        Assert.Equal(rewrapped, await KeyRowsAsync());
    }
}

public sealed class SqlitePersonalDataCliTests : PersonalDataCliTests
{
    private readonly TempDirectory _directory = new();

    protected override Task<Dictionary<string, string?>> NewDatabaseSettingsAsync() =>
        Task.FromResult(new Dictionary<string, string?> { ["OrderEngine:Persistence:SqlitePath"] = _directory.File("pii.db") });

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    [Fact]
    public Task Reseal_seals_old_clear_placements_in_place() =>
        Reseal_seals_old_clear_placements_in_place_erases_erased_customers_and_changes_nothing_else_or_twice();

    [Fact]
    public Task Rewrap_moves_keys_to_the_new_master_key() => Rewrap_moves_every_key_to_the_new_master_key_and_the_old_one_can_go();

    [Theory]
    [InlineData("reseal", "--batch", "0")]
    [InlineData("reseal", "--batch", "5001")]
    [InlineData("reseal", "--batch", "many")]
    [InlineData("reseal", "--batch")]
    [InlineData("rewrap", "--force")]
    [InlineData("rotate")]
    [InlineData]
    public async Task The_verb_refuses_bad_arguments_and_touches_nothing(params string[] args)
    {
        var path = _directory.File("untouched.db");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OrderEngine:Persistence:SqlitePath"] = path,
        }).Build();
        var error = new StringWriter();
        Assert.Equal(2, await PersonalDataCli.RunAsync(args, configuration, TextWriter.Null, error));
        Assert.Contains("usage:", error.ToString());
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Rewrap_without_a_master_key_is_refused_and_a_malformed_previous_key_is_named_not_shown()
    {
        var path = _directory.File("settings.db");
        var error = new StringWriter();
        var noMaster = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OrderEngine:Persistence:SqlitePath"] = path,
        }).Build();
        Assert.Equal(2, await PersonalDataCli.RunAsync(["rewrap"], noMaster, TextWriter.Null, error));
        Assert.Contains("PersonalDataMasterKey is not set", error.ToString());

        var badPrevious = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OrderEngine:Persistence:SqlitePath"] = path,
            ["OrderEngine:Security:PersonalDataMasterKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["OrderEngine:Security:PersonalDataPreviousMasterKeys:0"] = "c2hvcnQtc2VjcmV0",
        }).Build();
        error = new StringWriter();
        Assert.Equal(1, await PersonalDataCli.RunAsync(["rewrap"], badPrevious, TextWriter.Null, error));
        Assert.Contains("PersonalDataPreviousMasterKeys:0", error.ToString());
        Assert.DoesNotContain("c2hvcnQtc2VjcmV0", error.ToString());
    }
}

public sealed class PostgresPersonalDataCliTests(PostgresFixture postgres) : PersonalDataCliTests, IClassFixture<PostgresFixture>
{
    protected override async Task<Dictionary<string, string?>> NewDatabaseSettingsAsync() => new()
    {
        ["OrderEngine:Persistence:Provider"] = "PostgreSql",
        ["OrderEngine:Persistence:ConnectionString"] = await postgres.Server.CreateDatabaseAsync("pii_" + Guid.NewGuid().ToString("N")),
    };

    [PostgresFact]
    public Task Reseal_seals_old_clear_placements_in_place() =>
        Reseal_seals_old_clear_placements_in_place_erases_erased_customers_and_changes_nothing_else_or_twice();

    [PostgresFact]
    public Task Rewrap_moves_keys_to_the_new_master_key() => Rewrap_moves_every_key_to_the_new_master_key_and_the_old_one_can_go();
}
