using Akka.Actor;
using Akka.Persistence;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Journal;
using OrderEngine.Testing;

namespace OrderEngine.Engine.Tests.Journal;

/// <summary>Which write journal the engine runs on, chosen by OrderEngine:Persistence:Journal.</summary>
public sealed class JournalHostingTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task The_engine_writes_its_events_through_the_batching_journal_by_default()
    {
        await using var engine = await EngineHost.StartAsync(EngineHost.Sqlite(_dir.File("oe.db")));
        var journal = Persistence.Instance.Apply(engine.System).JournalFor(null);
        Assert.Equal("akka.persistence.journal.orderengine", journal.Path.Name);

        await engine.Stock.Ask<IStockReply>(new SetOnHand("hj-1", 5, 1), TimeSpan.FromSeconds(30));
        var placed = await engine.Orders.Ask<IOrderReply>(
            new PlaceOrder("hj-order", "web", "c", "EUR", [new OrderLineRequest("hj-1", 1, 2m)], null), TimeSpan.FromSeconds(30));
        Assert.Equal(OrderStatus.Reserved, Assert.IsType<OrderAccepted>(placed).View.Status);
        var counters = await journal.Ask<JournalCounters>(GetJournalCounters.Instance, TimeSpan.FromSeconds(10));
        Assert.True(counters.Rows >= 3, $"{counters.Rows} rows written by the batching journal");
    }

    [Fact]
    public void The_batch_settings_given_to_the_hosting_options_reach_the_journal()
    {
        var options = new OrderEngineJournalOptions(isDefaultPlugin: true)
        {
            Provider = Hosting.PersistenceProvider.PostgreSql,
            ConnectionString = "Host=127.0.0.1;Database=x",
            MaxBatchRows = 64,
            ConcurrentBatches = 2,
            Linger = TimeSpan.FromMilliseconds(250),
        };
        var config = options.ToConfig().WithFallback(options.DefaultConfig);
        var settings = JournalSettings.From(config.GetConfig(options.PluginId));
        Assert.Equal(
            (Hosting.PersistenceProvider.PostgreSql, "Host=127.0.0.1;Database=x", 64, 2, TimeSpan.FromMilliseconds(250)),
            (settings.Provider, settings.ConnectionString, settings.MaxBatchRows, settings.ConcurrentBatches, settings.Linger));
        Assert.Equal("akka.persistence.journal.orderengine", config.GetString("akka.persistence.journal.plugin"));
        Assert.Equal(10, config.GetInt("akka.persistence.journal.orderengine.circuit-breaker.max-failures"));
        Assert.Equal(typeof(BatchingJournal), Type.GetType(config.GetString("akka.persistence.journal.orderengine.class")));
    }

    [Fact]
    public async Task The_engine_can_run_on_the_akka_persistence_sql_journal_instead()
    {
        var settings = EngineHost.Sqlite(_dir.File("oe.db"));
        settings["OrderEngine:Persistence:Journal"] = "AkkaPersistenceSql";
        await using var engine = await EngineHost.StartAsync(settings);
        Assert.Equal("akka.persistence.journal.sql", Persistence.Instance.Apply(engine.System).JournalFor(null).Path.Name);
        await engine.Stock.Ask<IStockReply>(new SetOnHand("hj-2", 5, 1), TimeSpan.FromSeconds(30));
        var view = ((StockAccepted)await engine.Stock.Ask<IStockReply>(new GetStock("hj-2"), TimeSpan.FromSeconds(30))).View;
        Assert.Equal(5, view.OnHand);
    }
}
