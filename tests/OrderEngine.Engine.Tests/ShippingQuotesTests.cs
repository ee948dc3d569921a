using Akka.Actor;
using Akka.TestKit.Xunit2;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Products;
using OrderEngine.Domain.ShippingMethods;
using OrderEngine.Engine.Products;
using OrderEngine.Engine.Shipping;

namespace OrderEngine.Engine.Tests;

public sealed class ShippingQuotesTests() : TestKit(TestConfig.WithTestJournal)
{
    /// <summary>Friday 2026-12-04 10:00 in Berlin.</summary>
    private static readonly DateTimeOffset Friday = new(2026, 12, 4, 9, 0, 0, TimeSpan.Zero);

    private static readonly ShippingRules Defaults = ShippingDefaults.Document().ToRules();

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private IActorRef Products() => Sys.ActorOf(LocalRegion.Create(m => (m as IProductMessage)?.Sku, sku => ProductActor.Props(sku, TimeSpan.FromMinutes(10), TimeProvider.System)));

    private IActorRef RulesEntity() => Sys.ActorOf(ShippingRulesActor.Props(Defaults, TimeSpan.FromMinutes(10), TimeProvider.System));

    private static OrderView Order(string id, params (string Sku, int Qty, decimal Price)[] lines)
    {
        var orderLines = lines.Select(l => new OrderLine(l.Sku, l.Qty, l.Price, l.Qty * l.Price)).ToArray();
        var placed = new OrderPlaced(id, "web", "c-1", "EUR", [.. orderLines], orderLines.Sum(l => l.LineTotal),
            new OrderEngine.Domain.Orders.Address("Bo", "Marienplatz 1", null, "München", "BY", "80331", "DE", null), Friday.AddMinutes(15), Friday);
        return OrderDecider.Fold(OrderState.Initial(id), [placed]).ToView();
    }

    [Fact]
    public async Task An_entity_gets_the_quote_of_an_order_piped_back_with_the_products_of_its_lines()
    {
        var products = Products();
        await products.Ask<IProductReply>(new PutProduct("MUG-1", "Mug", 0.4m, new Dimensions(12, 10, 10)), TimeSpan.FromSeconds(10));
        var quotes = new ShippingQuotes(products, RulesEntity(), TimeSpan.FromSeconds(10), TimeProvider.System);

        quotes.QuoteFor(Order("o1", ("MUG-1", 2, 12.50m)), Friday, TestActor);

        var ready = ExpectMsg<ShippingQuoteReady>(TimeSpan.FromSeconds(10));
        Assert.Equal(("o1", Friday), (ready.OrderId, ready.At));
        Assert.Equal("standard", ready.Quote.Choice.MethodId);
        Assert.Equal(4.90m, ready.Quote.Choice.Cost);
        Assert.Equal(0.8m, ready.Quote.Options.Single(o => o.MethodId == "standard").ActualWeightKg);
    }

    [Fact]
    public async Task A_sku_without_a_product_is_unknown_to_the_quote()
    {
        var quotes = new ShippingQuotes(Products(), RulesEntity(), TimeSpan.FromSeconds(10), TimeProvider.System);
        var quote = await quotes.QuoteAsync(Order("o2", ("GHOST-1", 1, 5m)), Friday, CancellationToken.None);
        Assert.True(quote.Choice.IsNone);
        Assert.Contains("GHOST-1", quote.Choice.Reason);
    }

    [Fact]
    public void A_quote_that_cannot_be_gathered_in_time_is_told_as_failed()
    {
        var silent = CreateTestProbe();
        var quotes = new ShippingQuotes(Products(), silent.Ref, TimeSpan.FromMilliseconds(300), TimeProvider.System);

        quotes.QuoteFor(Order("o3", ("MUG-1", 1, 5m)), Friday, TestActor);

        Assert.Equal("o3", ExpectMsg<ShippingQuoteFailed>(TimeSpan.FromSeconds(10)).OrderId);
    }

    [Fact]
    public async Task A_rules_change_is_used_at_once_by_the_node_that_made_it_and_by_the_others_once_their_copy_is_stale()
    {
        var rules = RulesEntity();
        var clockA = new ManualClock(Friday);
        var clockB = new ManualClock(Friday);
        var nodeA = new ShippingQuotes(Products(), rules, TimeSpan.FromSeconds(10), clockA);
        var nodeB = new ShippingQuotes(Products(), rules, TimeSpan.FromSeconds(10), clockB);
        Assert.Equal(0, (await nodeB.RulesAsync(CancellationToken.None)).Version);

        var changed = Defaults with { Methods = [.. Defaults.Methods.Where(m => m.Id != "freight")] };
        Assert.IsType<ShippingRulesAnswer>(await nodeA.SetRulesAsync(changed, "alice", CancellationToken.None));

        Assert.Equal(1, (await nodeA.RulesAsync(CancellationToken.None)).Version);
        clockB.Now += nodeB.RulesRefresh - TimeSpan.FromMilliseconds(1);
        Assert.Equal(0, (await nodeB.RulesAsync(CancellationToken.None)).Version);
        clockB.Now += TimeSpan.FromMilliseconds(1);
        Assert.Equal(1, (await nodeB.RulesAsync(CancellationToken.None)).Version);
        Assert.Equal(1, (await nodeB.CurrentRulesAsync(CancellationToken.None)).Version);
    }
}
