using Akka.Actor;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Stock;
using OrderEngine.Testing;

namespace OrderEngine.Engine.Tests;

/// <summary>The real wiring: shard regions on a one-node cluster with the SQLite journal, restarted on the same file.</summary>
public sealed class ShardedEngineTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static async Task<StockView> StockOf(IActorRef stock, string sku) =>
        ((StockAccepted)await stock.Ask<IStockReply>(new GetStock(sku), TimeSpan.FromSeconds(30))).View;

    [Fact]
    public async Task Two_thousand_concurrent_orders_for_five_hundred_units_reserve_exactly_five_hundred_also_after_a_restart()
    {
        var settings = EngineHost.Sqlite(_dir.File("oe.db"));
        Dictionary<string, OrderStatus> outcomes;
        await using (var engine = await EngineHost.StartAsync(settings))
        {
            Assert.IsType<StockAccepted>(await engine.Stock.Ask<IStockReply>(new SetOnHand("hot-1", 500, 1), TimeSpan.FromSeconds(30)));

            var placements = Enumerable.Range(0, 2000).Select(async i =>
            {
                var id = $"flash-{i:D4}";
                var reply = await engine.Orders.Ask<IOrderReply>(
                    new PlaceOrder(id, "web", $"buyer-{i}", "EUR", [new OrderLineRequest("hot-1", 1, 19.99m)], null), TimeSpan.FromSeconds(120));
                return (id, Status: reply switch
                {
                    OrderAccepted a => a.View.Status,
                    OrderRefused { Rejection.Code: OrderRejectionCode.LinesNotReserved } => OrderStatus.None,
                    var other => throw new InvalidOperationException($"unexpected {other}"),
                });
            }).ToArray();
            outcomes = (await Task.WhenAll(placements)).ToDictionary(x => x.id, x => x.Status);

            Assert.Equal(500, outcomes.Values.Count(s => s == OrderStatus.Reserved));
            // A refused placement places no order.
            Assert.Equal(1500, outcomes.Values.Count(s => s == OrderStatus.None));
            var view = await StockOf(engine.Stock, "hot-1");
            Assert.Equal((500L, 500L, 0L, 0L), (view.OnHand, view.Reserved, view.Sold, view.Available));
        }

        await using (var engine = await EngineHost.StartAsync(settings))
        {
            var view = await StockOf(engine.Stock, "hot-1");
            Assert.Equal((500L, 500L, 0L, 0L), (view.OnHand, view.Reserved, view.Sold, view.Available));
            foreach (var id in outcomes.Keys.Where((_, i) => i % 50 == 0))
            {
                var order = await engine.Orders.Ask<IOrderReply>(new GetOrder(id), TimeSpan.FromSeconds(30));
                Assert.Equal(outcomes[id], order switch
                {
                    OrderAccepted a => a.View.Status,
                    OrderRefused { Rejection.Code: OrderRejectionCode.NotFound } => OrderStatus.None,
                    var other => throw new InvalidOperationException($"unexpected {other}"),
                });
            }
        }
    }

    [Fact]
    public async Task A_paid_order_and_its_sold_units_survive_a_restart_and_a_repeated_placement_reserves_nothing_new()
    {
        var settings = EngineHost.Sqlite(_dir.File("oe.db"));
        var place = new PlaceOrder("keep-1", "web", "c-1", "EUR", [new OrderLineRequest("k1", 2, 5m), new OrderLineRequest("k2", 1, 1m)], null);
        await using (var engine = await EngineHost.StartAsync(settings))
        {
            await engine.Stock.Ask<IStockReply>(new SetOnHand("k1", 10, 1), TimeSpan.FromSeconds(30));
            await engine.Stock.Ask<IStockReply>(new SetOnHand("k2", 10, 1), TimeSpan.FromSeconds(30));
            Assert.Equal(OrderStatus.Reserved, ((OrderAccepted)await engine.Orders.Ask<IOrderReply>(place, TimeSpan.FromSeconds(30))).View.Status);
            var paid = await engine.Orders.Ask<IOrderReply>(new ConfirmPayment("keep-1", 11m, "EUR", "psp-7"), TimeSpan.FromSeconds(30));
            Assert.Equal(OrderStatus.Paid, ((OrderAccepted)paid).View.Status);
        }

        await using (var engine = await EngineHost.StartAsync(settings))
        {
            var again = (OrderAccepted)await engine.Orders.Ask<IOrderReply>(place, TimeSpan.FromSeconds(30));
            Assert.Equal(OrderStatus.Paid, again.View.Status);
            Assert.Equal("psp-7", again.View.Payment!.Reference);
            // The commit may still be settling right after the restart.
            var deadline = DateTime.UtcNow.AddSeconds(10);
            StockView k1;
            while ((k1 = await StockOf(engine.Stock, "k1")).Sold != 2 && DateTime.UtcNow < deadline) await Task.Delay(100);
            Assert.Equal((10L, 0L, 2L), (k1.OnHand, k1.Reserved, k1.Sold));
            var k2 = await StockOf(engine.Stock, "k2");
            Assert.Equal((0L, 1L), (k2.Reserved, k2.Sold));
        }
    }

    [Fact]
    public async Task Reads_and_repeats_while_writes_are_in_flight_are_answered_after_them_and_never_break_the_journal()
    {
        await using var engine = await EngineHost.StartAsync(EngineHost.Sqlite(_dir.File("oe.db")));
        await engine.Stock.Ask<IStockReply>(new SetOnHand("busy-1", 1000, 1), TimeSpan.FromSeconds(30));
        var expires = DateTimeOffset.UtcNow.AddMinutes(10);

        // Each reservation is followed at once by a read and by a repeat of itself: both must wait for its write.
        var answers = Enumerable.Range(0, 300).Select(async i =>
        {
            var reserve = new ReserveStock("busy-1", $"busy-o{i}", 1, expires);
            var first = engine.Stock.Ask<IStockReply>(reserve, TimeSpan.FromSeconds(30));
            var read = engine.Stock.Ask<IStockReply>(new GetStock("busy-1"), TimeSpan.FromSeconds(30));
            var repeat = engine.Stock.Ask<IStockReply>(reserve, TimeSpan.FromSeconds(30));
            return (await first, await read, await repeat);
        }).ToArray();
        var results = await Task.WhenAll(answers);
        // And one at a time, so that a read is the only thing waiting behind a write.
        for (var i = 0; i < 50; i++)
        {
            var reserve = engine.Stock.Ask<IStockReply>(new ReserveStock("busy-1", $"busy-solo{i}", 1, expires), TimeSpan.FromSeconds(30));
            var read = await engine.Stock.Ask<IStockReply>(new GetStock("busy-1"), TimeSpan.FromSeconds(30));
            Assert.IsType<StockAccepted>(await reserve);
            Assert.Equal(301 + i, ((StockAccepted)read).View.Reserved);
        }

        Assert.All(results, r =>
        {
            Assert.IsType<StockAccepted>(r.Item1);
            Assert.IsType<StockAccepted>(r.Item3);
            // A read never shows fewer reservations than were acknowledged before it was asked.
            Assert.True(((StockAccepted)r.Item2).View.Reserved >= 1);
        });
        var view = await StockOf(engine.Stock, "busy-1");
        Assert.Equal((350L, 650L), (view.Reserved, view.Available));
        // And the journal still takes writes.
        Assert.IsType<StockAccepted>(await engine.Stock.Ask<IStockReply>(new AdjustOnHand("busy-1", "after", 1, AdjustmentReason.Received), TimeSpan.FromSeconds(30)));
    }
}
