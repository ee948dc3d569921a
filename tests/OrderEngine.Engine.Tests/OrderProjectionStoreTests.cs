using System.Collections.Immutable;
using Akka.Persistence.Query;
using OrderEngine.Domain.Orders;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Projections;
using OrderEngine.Testing;

namespace OrderEngine.Engine.Tests;

/// <summary>The order projection's read tables, written set-based per batch, on each database.</summary>
public abstract class OrderProjectionStoreCases
{
    private static readonly DateTimeOffset T = DateTimeOffset.FromUnixTimeMilliseconds(1_760_000_000_000);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

    protected abstract Task<JournalDatabase> CreateDatabaseAsync();

    private static OrderPlaced Placed(string id, PlacementOutcome? outcome = null, string? externalId = null) =>
        new(id, "shop", "c", "EUR", ImmutableArray.Create(new OrderLine("A", 1, 1m, 1m)), 1m, null, T.AddMinutes(15), T, ExternalId: externalId, Outcome: outcome);

    private static PlacementOutcome Reserved => new(OrderStatus.Reserved, [], null, T);

    private static List<EventEnvelope> Envelopes(ref long offset, params IOrderEvent[] events)
    {
        var list = new List<EventEnvelope>();
        foreach (var e in events) list.Add(new EventEnvelope(Offset.Sequence(++offset), "order-" + e.OrderId, 1, e, 0, ["order"]));
        return list;
    }

    private static async Task<Dictionary<string, (long ExpiresAt, long DueAt)>> Deadlines(JournalDatabase database)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT order_id, expires_at, due_at FROM order_deadlines";
        var rows = new Dictionary<string, (long, long)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2));
        return rows;
    }

    private static async Task<List<string>> ChannelOrders(JournalDatabase database)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT channel || '/' || external_id || '=' || order_id FROM channel_orders ORDER BY 1";
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add(reader.GetString(0));
        return rows;
    }

    [Fact]
    public async Task Batches_leave_each_order_its_deadline_and_each_channel_order_its_id_and_move_the_offset()
    {
        var database = await CreateDatabaseAsync();
        database.Prepare();
        var store = new OrderProjectionStore(database);
        long offset = 0;

        await store.ApplyAsync(Envelopes(ref offset,
            Placed("reserved", Reserved, externalId: "ext-1"),
            Placed("paid", Reserved),
            Placed("old-style"),
            Placed("held", new PlacementOutcome(OrderStatus.OnHold, ["blocked"], T.AddHours(24), T)),
            new PaymentConfirmed("paid", 1m, "EUR", "p", T.AddSeconds(5))), Grace, CancellationToken.None);

        // A reserved placement is not tracked (its stock asks it when the hold ends); a paid one owes its commit soon.
        var rows = await Deadlines(database);
        var expires = T.AddMinutes(15).ToUnixTimeMilliseconds();
        Assert.False(rows.ContainsKey("reserved"));
        Assert.Equal((T.AddSeconds(15).ToUnixTimeMilliseconds(), T.AddSeconds(15).ToUnixTimeMilliseconds()), rows["paid"]);
        Assert.Equal((expires, (T + Grace).ToUnixTimeMilliseconds()), rows["old-style"]);
        Assert.Equal((T.AddHours(24).ToUnixTimeMilliseconds(), T.AddHours(24).ToUnixTimeMilliseconds()), rows["held"]);
        Assert.Equal(["shop/ext-1=reserved"], await ChannelOrders(database));
        Assert.Equal(5, await store.LoadOffsetAsync(CancellationToken.None));

        // A later batch: rows written before it are updated or deleted where they stand, a step of an untracked order
        // writes its row, and a repeated channel order is kept once.
        await store.ApplyAsync(Envelopes(ref offset,
            new OrderReserved("old-style", T.AddSeconds(1)),
            new OrderStockSettled("paid", T.AddSeconds(6)),
            new OrderCancelled("reserved", "x", T.AddSeconds(7)),
            Placed("reserved", Reserved, externalId: "ext-1")), Grace, CancellationToken.None);

        rows = await Deadlines(database);
        Assert.Equal((expires, expires), rows["old-style"]);
        Assert.False(rows.ContainsKey("paid"));
        Assert.Equal((T.AddSeconds(17).ToUnixTimeMilliseconds(), T.AddSeconds(17).ToUnixTimeMilliseconds()), rows["reserved"]);
        Assert.Equal(["shop/ext-1=reserved"], await ChannelOrders(database));
        Assert.Equal(9, await store.LoadOffsetAsync(CancellationToken.None));

        await store.ApplyAsync(Envelopes(ref offset,
            new OrderCancelled("old-style", "x", T.AddSeconds(8)), new OrderStockSettled("old-style", T.AddSeconds(9)), new OrderStockSettled("reserved", T.AddSeconds(9))),
            Grace, CancellationToken.None);
        Assert.Equal(["held"], (await Deadlines(database)).Keys);
    }
}

public sealed class SqliteOrderProjectionStoreTests : OrderProjectionStoreCases, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    protected override Task<JournalDatabase> CreateDatabaseAsync() =>
        Task.FromResult(JournalDatabase.From(new PersistenceOptions { SqlitePath = _dir.File("rm.db") }));
}

public sealed class PostgresOrderProjectionStoreTests(PostgresFixture postgres) : OrderProjectionStoreCases, IClassFixture<PostgresFixture>
{
    protected override async Task<JournalDatabase> CreateDatabaseAsync() => JournalDatabase.From(new PersistenceOptions
    {
        Provider = PersistenceProvider.PostgreSql,
        ConnectionString = await postgres.Server.CreateDatabaseAsync("projection_" + Guid.NewGuid().ToString("N")[..12]),
    });
}
