using Akka.Actor;
using Akka.Persistence.Query;
using Akka.TestKit.Xunit2;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Serialization;
using OrderEngine.Engine.Stock;
using OrderEngine.Testing;

namespace OrderEngine.Engine.Tests;

/// <summary>Low-stock alerts through the stock entity: decided with the configured default, persisted, recovered.</summary>
public sealed class StockAlertActorTests() : TestKit(TestConfig.WithTestJournal)
{
    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(10);

    private IActorRef Stock(string sku, int snapshotEvery = 500)
    {
        var options = TestConfig.FastStock();
        options.LowStockBelow = 5;
        return Sys.ActorOf(StockActor.Props(sku, options, snapshotEvery, Idle, CreateTestProbe().Ref, TimeProvider.System));
    }

    private static async Task<StockView> Ask(IActorRef stock, IStockMessage message) =>
        await stock.Ask<IStockReply>(message, TimeSpan.FromSeconds(10)) switch
        {
            StockAccepted a => a.View,
            StockRefused r => throw new InvalidOperationException($"{r.Rejection.Code}: {r.Rejection.Message}"),
            var other => throw new InvalidOperationException(other.GetType().Name),
        };

    [Fact]
    public async Task The_entity_raises_one_alert_under_the_configured_default_keeps_it_across_a_restart_and_clears_it_on_replenishment()
    {
        const string sku = "LA-1";
        var stock = Stock(sku);
        var view = await Ask(stock, new SetOnHand(sku, 12, 1));
        Assert.Equal((5L, false), (view.LowStockBelow!.Value, view.LowStock));
        for (var i = 0; i < 10; i++) await Ask(stock, new ReserveStock(sku, $"o{i}", 1, DateTimeOffset.UtcNow.AddMinutes(5)));

        view = await Ask(stock, new GetStock(sku));
        Assert.Equal((2L, true), (view.Available, view.LowStock));
        await stock.GracefulStop(TimeSpan.FromSeconds(5));
        stock = Stock(sku); // recovered from its events: the alert is still open, the next sale raises nothing new
        Assert.True((await Ask(stock, new GetStock(sku))).LowStock);
        await Ask(stock, new ReserveStock(sku, "o-after", 1, DateTimeOffset.UtcNow.AddMinutes(5)));

        view = await Ask(stock, new AdjustOnHand(sku, "adj-1", 10, AdjustmentReason.Received));
        Assert.Equal((11L, false), (view.Available, view.LowStock));

        var journal = await JournalEvents.Of(Sys, "stock-" + sku);
        Assert.Equal([typeof(LowStockRaised), typeof(LowStockCleared)], journal.Where(e => e is LowStockRaised or LowStockCleared).Select(e => e.GetType()));
        Assert.Equal(new LowStockRaised(sku, 4, 5, ((LowStockRaised)journal.Single(e => e is LowStockRaised)).At), journal.Single(e => e is LowStockRaised));
    }

    [Fact]
    public async Task A_threshold_of_its_own_and_replenishment_settings_show_in_the_stock_view_and_survive_a_restart()
    {
        const string sku = "LA-2";
        var stock = Stock(sku);
        await Ask(stock, new SetOnHand(sku, 30, 1));
        var view = await Ask(stock, new SetLowStockThreshold(sku, 40));
        Assert.Equal((40L, true), (view.LowStockBelow!.Value, view.LowStock));
        var settings = new ReplenishmentSettings(LeadTimeDays: 3, SafetyStock: 12);
        Assert.Equal(settings, (await Ask(stock, new SetReplenishmentSettings(sku, settings))).Replenishment);

        await stock.GracefulStop(TimeSpan.FromSeconds(5));
        view = await Ask(Stock(sku), new GetStock(sku));
        Assert.Equal((40L, true, settings), (view.LowStockBelow!.Value, view.LowStock, view.Replenishment));
    }

    [Fact]
    public void A_snapshot_keeps_the_threshold_the_open_alert_and_the_settings()
    {
        var state = StockDecider.Fold(StockState.Initial("A-1"),
        [
            new OnHandSet("A-1", 10, 1, DateTimeOffset.UnixEpoch),
            new LowStockThresholdSet("A-1", 12, DateTimeOffset.UnixEpoch),
            new LowStockRaised("A-1", 10, 12, DateTimeOffset.UnixEpoch),
            new ReplenishmentSettingsSet("A-1", new ReplenishmentSettings(5, 0.99m, null, 14), DateTimeOffset.UnixEpoch),
        ]);
        var restored = StockSnapshot.From(state).ToState();
        Assert.Equal((12L, true, new ReplenishmentSettings(5, 0.99m, null, 14)), (restored.LowStockBelow!.Value, restored.LowStockOpen, restored.Replenishment));
    }
}

/// <summary>The stock-alerts projection and the alert and replenishment queries, on each database.</summary>
public abstract class StockAlertStoreCases
{
    private static readonly DateTimeOffset T = DateTimeOffset.FromUnixTimeMilliseconds(1_760_000_000_000);
    private static readonly int Today = StockAlertStore.DayOf(T);

    protected abstract Task<JournalDatabase> CreateDatabaseAsync();

    private static List<EventEnvelope> Envelopes(ref long offset, params object[] events)
    {
        var list = new List<EventEnvelope>();
        foreach (var e in events) list.Add(new EventEnvelope(Offset.Sequence(++offset), "some-entity", offset, e, 0, []));
        return list;
    }

    private static async Task<(JournalDatabase, StockAlertStore)> Prepared(Func<Task<JournalDatabase>> create)
    {
        var database = await create();
        database.Prepare();
        return (database, new StockAlertStore(database));
    }

    [Fact]
    public async Task Open_alerts_are_listed_once_with_the_rate_of_sale_and_cleared_ones_only_when_asked()
    {
        var (database, store) = await Prepared(CreateDatabaseAsync);
        long offset = 0;
        var batch = Envelopes(ref offset,
            new StockReserved("A-1", "o1", 2, T.AddMinutes(15), T),
            new LowStockRaised("A-1", 4, 10, T),
            new LowStockRaised("B-2", 1, 5, T.AddMinutes(1)),
            new LowStockRaised("C-3", 0, 3, T.AddMinutes(2)),
            new LowStockCleared("C-3", 7, 3, T.AddMinutes(3)),
            new LowStockThresholdSet("B-2", 8, T.AddMinutes(4)));
        await store.ApplyAsync(batch, CancellationToken.None);
        await store.ApplyAsync(batch, CancellationToken.None); // a batch read again gives the same rows
        Assert.Equal(offset, await store.LoadOffsetAsync(CancellationToken.None));
        await using (var connection = await database.OpenAsync(CancellationToken.None))
        {
            await ContractReadTables.SaleAsync(connection, Today, "A-1", "EUR", 10, refundedUnits: 1);
            await ContractReadTables.SaleAsync(connection, Today - 3, "A-1", "GBP", 5);
            await ContractReadTables.SaleAsync(connection, Today - 7, "A-1", "EUR", 100); // outside a 7-day window
            await ContractReadTables.LevelAsync(connection, "A-1", 20, 6, 12);
        }

        var open = await store.ListAsync(null, false, 100, Today - 6, Today, CancellationToken.None);
        Assert.Equal(["A-1", "B-2"], open.Select(a => a.Sku));
        var a1 = open[0];
        Assert.Equal((true, 2L, 4L, 10L, T, 14L), (a1.Open, a1.Available, a1.AvailableWhenRaised, a1.Threshold, a1.RaisedAt, a1.UnitsSold));
        var b2 = open[1];
        Assert.Equal((1L, 1L, 8L, 0L), (b2.Available, b2.AvailableWhenRaised, b2.Threshold, b2.UnitsSold)); // no stock_levels row: the figure when raised

        var all = await store.ListAsync(null, true, 100, Today - 6, Today, CancellationToken.None);
        Assert.Equal(["A-1", "B-2", "C-3"], all.Select(a => a.Sku));
        Assert.Equal((false, T.AddMinutes(3)), (all[2].Open, all[2].ClearedAt));
        Assert.Equal(["B-2"], (await store.ListAsync("B-2", false, 100, Today - 6, Today, CancellationToken.None)).Select(a => a.Sku));
        Assert.Single(await store.ListAsync(null, false, 1, Today - 6, Today, CancellationToken.None));

        // Cleared, then raised again: one row, open, with the new figures.
        await store.ApplyAsync(Envelopes(ref offset, new LowStockCleared("A-1", 12, 10, T.AddHours(1)), new LowStockRaised("A-1", 3, 10, T.AddHours(2))),
            CancellationToken.None);
        var again = Assert.Single(await store.ListAsync("A-1", true, 100, Today - 6, Today, CancellationToken.None));
        Assert.Equal((true, 3L, T.AddHours(2), (DateTimeOffset?)null), (again.Open, again.AvailableWhenRaised, again.RaisedAt, again.ClearedAt));

        await store.ResetAsync(CancellationToken.None);
        Assert.Empty(await store.ListAsync(null, true, 100, Today - 6, Today, CancellationToken.None));
        Assert.Equal(0, await store.LoadOffsetAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Replenishment_rows_sum_each_days_units_across_currencies_and_read_back_the_settings()
    {
        var (database, store) = await Prepared(CreateDatabaseAsync);
        long offset = 0;
        await store.ApplyAsync(Envelopes(ref offset,
            new ReplenishmentSettingsSet("R-1", new ReplenishmentSettings(3, 0.975m, null, 14), T),
            new ReplenishmentSettingsSet("R-2", new ReplenishmentSettings(SafetyStock: 40), T),
            new LowStockThresholdSet("R-2", 6, T)), CancellationToken.None);
        await using (var connection = await database.OpenAsync(CancellationToken.None))
        {
            // R-1 over days Today-2 .. Today: 6 (4 EUR + 2 GBP), 0, 9 (10 − 1 refunded): Σ = 15, Σ² = 36 + 81 = 117.
            await ContractReadTables.SaleAsync(connection, Today - 2, "R-1", "EUR", 4);
            await ContractReadTables.SaleAsync(connection, Today - 2, "R-1", "GBP", 2);
            await ContractReadTables.SaleAsync(connection, Today, "R-1", "EUR", 10, refundedUnits: 1);
            await ContractReadTables.SaleAsync(connection, Today - 3, "R-1", "EUR", 50); // before the window
            await ContractReadTables.LevelAsync(connection, "R-1", 30, 5, 10);
            await ContractReadTables.LevelAsync(connection, "R-2", 8, 0, 0);
            await ContractReadTables.SaleAsync(connection, Today - 1, "R-3", "EUR", 7); // sold, never stocked here
        }

        var rows = (await store.ReplenishmentAsync(null, Today - 2, Today, CancellationToken.None)).OrderBy(r => r.Sku, StringComparer.Ordinal).ToList();

        Assert.Equal(["R-1", "R-2", "R-3"], rows.Select(r => r.Sku));
        Assert.Equal(new ReplenishmentRow("R-1", 15, new ReplenishmentSettings(3, 0.975m, null, 14), new DailySales(3, 15, 117m)), rows[0]);
        Assert.Equal(new ReplenishmentRow("R-2", 8, new ReplenishmentSettings(SafetyStock: 40), new DailySales(3, 0, 0m)), rows[1]);
        Assert.Equal(new ReplenishmentRow("R-3", null, null, new DailySales(3, 7, 49m)), rows[2]);
        Assert.Equal(["R-2"], (await store.ReplenishmentAsync("R-2", Today - 2, Today, CancellationToken.None)).Select(r => r.Sku));
    }
}

public sealed class SqliteStockAlertStoreTests : StockAlertStoreCases, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    protected override Task<JournalDatabase> CreateDatabaseAsync() =>
        Task.FromResult(JournalDatabase.From(new PersistenceOptions { SqlitePath = _dir.File("alerts-" + Guid.NewGuid().ToString("N")[..8] + ".db") }));
}

public sealed class PostgresStockAlertStoreTests(PostgresFixture postgres) : StockAlertStoreCases, IClassFixture<PostgresFixture>
{
    protected override async Task<JournalDatabase> CreateDatabaseAsync() => JournalDatabase.From(new PersistenceOptions
    {
        Provider = PersistenceProvider.PostgreSql,
        ConnectionString = await postgres.Server.CreateDatabaseAsync("alerts_" + Guid.NewGuid().ToString("N")[..12]),
    });
}
