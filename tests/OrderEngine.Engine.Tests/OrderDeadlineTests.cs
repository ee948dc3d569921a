using Akka.Actor;
using Akka.Persistence.Query;
using Akka.TestKit.Xunit2;
using Microsoft.Data.Sqlite;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Projections;
using OrderEngine.Testing;

namespace OrderEngine.Engine.Tests;

/// <summary>The order_deadlines read model and the singleton that wakes orders whose next step is overdue.</summary>
public sealed class OrderDeadlineTests() : TestKit(TestConfig.WithTestJournal), IDisposable
{
    private static readonly DateTimeOffset T = DateTimeOffset.UtcNow;
    private readonly TempDirectory _dir = new();

    void IDisposable.Dispose() => _dir.Dispose();

    private static async Task<Dictionary<string, (long ExpiresAt, long DueAt)>> Deadlines(string dbPath)
    {
        await using var connection = new SqliteConnection($"Data Source={dbPath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT order_id, expires_at, due_at FROM order_deadlines";
        var rows = new Dictionary<string, (long, long)>();
        try
        {
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) rows[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2));
        }
        catch (SqliteException e) when (e.Message.Contains("no such table")) { }
        return rows;
    }

    private static async Task<long> ProjectedOffset(string dbPath)
    {
        await using var connection = new SqliteConnection($"Data Source={dbPath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT last_offset FROM projection_offsets";
        return await command.ExecuteScalarAsync() is long offset ? offset : 0;
    }

    [Fact]
    public async Task The_projection_tracks_orders_that_owe_a_stock_step_and_forgets_them_once_settled_across_a_restart()
    {
        var db = _dir.File("oe.db");
        var settings = EngineHost.Sqlite(db);
        await using (var engine = await EngineHost.StartAsync(settings))
        {
            await engine.Stock.Ask<IStockReply>(new SetOnHand("dl-1", 10, 1), TimeSpan.FromSeconds(30));
            OrderView Place(string id) => ((OrderAccepted)engine.Orders.Ask<IOrderReply>(
                new PlaceOrder(id, "web", "c", "EUR", [new OrderLineRequest("dl-1", 1, 2m)], null), TimeSpan.FromSeconds(30)).Result).View;
            var waiting = await Task.Run(() => Place("dl-waiting"));
            await Task.Run(() => Place("dl-paid"));
            await engine.Orders.Ask<IOrderReply>(new ConfirmPayment("dl-paid", 2m, "EUR", "p"), TimeSpan.FromSeconds(30));

            // The paid order is tracked until its commit settles; the reserved one is never tracked (its stock asks it
            // when its hold ends). The projection has read every event once nothing is left.
            await AwaitAssertAsync(async () =>
            {
                Assert.Empty(await Deadlines(db));
                Assert.True(await ProjectedOffset(db) >= 3);
            }, TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(200));
            Assert.Equal(OrderStatus.Reserved, waiting.Status);
        }

        await using (var engine = await EngineHost.StartAsync(settings))
        {
            await engine.Orders.Ask<IOrderReply>(new CancelOrder("dl-waiting", "x"), TimeSpan.FromSeconds(30));
            await AwaitAssertAsync(async () => Assert.Empty(await Deadlines(db)), TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(200));
        }
    }

    [Fact]
    public async Task The_watcher_wakes_overdue_orders_and_leaves_the_others_alone()
    {
        var database = JournalDatabase.From(new PersistenceOptions { SqlitePath = _dir.File("rm.db") });
        database.Prepare();
        var store = new OrderProjectionStore(database);
        var now = DateTimeOffset.UtcNow;
        var line = new OrderLine("w1", 1, 1m, 1m);
        OrderPlaced Placed(string id, DateTimeOffset at, DateTimeOffset expires) => new(id, "web", "c", "EUR", [line], 1m, null, expires, at);
        var events = new IOrderEvent[]
        {
            Placed("stuck-reserving", now.AddMinutes(-5), now.AddMinutes(10)),            // placed long ago, never reserved
            Placed("hold-ended", now.AddMinutes(-20), now.AddMinutes(-5)),
            new OrderReserved("hold-ended", now.AddMinutes(-20)),                           // reserved, hold over
            Placed("hold-running", now.AddMinutes(-1), now.AddMinutes(14)),
            new OrderReserved("hold-running", now.AddMinutes(-1)),                          // reserved, hold running
            Placed("paid-unsettled", now.AddMinutes(-3), now.AddMinutes(12)),
            new OrderReserved("paid-unsettled", now.AddMinutes(-3)),
            new PaymentConfirmed("paid-unsettled", 1m, "EUR", "p", now.AddMinutes(-2)),      // commit never confirmed
            Placed("paid-settled", now.AddMinutes(-3), now.AddMinutes(12)),
            new OrderReserved("paid-settled", now.AddMinutes(-3)),
            new PaymentConfirmed("paid-settled", 1m, "EUR", "p", now.AddMinutes(-2)),
            new OrderStockSettled("paid-settled", now.AddMinutes(-2)),
        };
        await store.ApplyAsync(events.Select((e, i) => new EventEnvelope(Offset.Sequence(i + 1), "order-" + e.OrderId, i + 1, e, 0, ["order"])).ToList(),
            TimeSpan.FromSeconds(10), default);
        Assert.Equal(events.Length, await store.LoadOffsetAsync(default));

        var orders = CreateTestProbe();
        var options = new OrdersOptions { WakeInterval = TimeSpan.FromMilliseconds(200), WakeRepeat = TimeSpan.FromMinutes(1) };
        Sys.ActorOf(OrderWaker.Props(store, orders.Ref, options, TimeProvider.System));

        var woken = new HashSet<string>();
        orders.Within(TimeSpan.FromSeconds(5), () =>
        {
            while (woken.Count < 3) woken.Add(orders.ExpectMsg<WakeOrder>().OrderId);
        });
        Assert.Equal(new HashSet<string> { "stuck-reserving", "hold-ended", "paid-unsettled" }, woken);
        // Each is woken once within the repeat period, and the orders with nothing due are never woken.
        orders.ExpectNoMsg(TimeSpan.FromSeconds(1));
    }
}
