using Akka.Actor;
using Akka.TestKit.Xunit2;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Returns;
using OrderEngine.Domain.Shipments;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Orders;
using OrderEngine.Engine.Returns;
using OrderEngine.Engine.Stock;

namespace OrderEngine.Engine.Tests;

/// <summary>
/// Orders, stock and returns together: an exchange's replacement costing more than the credit waits for the difference;
/// paid, the return says the exchange is settled; left unpaid, it expires and the credit is refunded on the original order.
/// </summary>
public sealed class ExchangeDifferenceTests() : TestKit(TestConfig.WithTestJournal)
{
    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private sealed record Engine(IActorRef Orders, IActorRef Stock, IActorRef Returns);

    private Engine Regions(TimeSpan differenceDueWithin)
    {
        IActorRef orders = null!;
        IActorRef returns = null!;
        var stock = Sys.ActorOf(LocalRegion.Create(m => (m as IStockMessage)?.Sku,
            sku => StockActor.Props(sku, TestConfig.FastStock(), 500, Idle, orders, TimeProvider.System)));
        orders = Sys.ActorOf(LocalRegion.Create(m => (m as IOrderMessage)?.OrderId,
            id => OrderActor.Props(id, TestConfig.FastOrders(), Idle, TestConfig.With(stock) with { Returns = returns }, TimeProvider.System)));
        var rules = ReturnRules.Default with { DifferenceDueWithin = differenceDueWithin };
        returns = Sys.ActorOf(LocalRegion.Create(m => m is IReturnMessage r ? ReturnDecider.EntityIdOf(r.OrderId, r.ReturnId) : null,
            id => ReturnActor.Props(id, new ReturnCollaborators(orders, stock, rules, TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1))
            {
                OrderRules = TestConfig.RulesOf(null),
            }, Idle, TimeProvider.System)));
        return new Engine(orders, stock, returns);
    }

    private static async Task<OrderView> Accepted(IActorRef target, IOrderMessage message) =>
        await target.Ask<IOrderReply>(message, Wait) switch
        {
            OrderAccepted a => a.View,
            OrderRefused r => throw new InvalidOperationException($"{r.Rejection.Code}: {r.Rejection.Message}"),
            var other => throw new InvalidOperationException(other.GetType().Name),
        };

    private static async Task<ReturnView> Returned(IActorRef target, IReturnMessage message) =>
        await target.Ask<IReturnReply>(message, Wait) switch
        {
            ReturnAccepted a => a.View,
            ReturnRefused r => throw new InvalidOperationException($"{r.Rejection.Code}: {r.Rejection.Message}"),
            var other => throw new InvalidOperationException(other.GetType().Name),
        };

    private static async Task<StockView> StockOf(IActorRef stock, string sku) =>
        ((StockAccepted)await stock.Ask<IStockReply>(new GetStock(sku), Wait)).View;

    /// <summary>
    /// An order of 1 x A at 10.00, paid through the sandbox provider and delivered; its unit returned and exchanged for
    /// 1 x C at 25.00: the whole 10.00 is credit and 15.00 is due on the replacement. Answers the resolved return.
    /// </summary>
    private static async Task<ReturnView> ExchangedForMore(Engine e, string id, string a, string c)
    {
        Assert.IsType<StockAccepted>(await e.Stock.Ask<IStockReply>(new SetOnHand(a, 10, 1), Wait));
        Assert.IsType<StockAccepted>(await e.Stock.Ask<IStockReply>(new SetOnHand(c, 10, 1), Wait));
        await Accepted(e.Orders, new PlaceOrder(id, "web", "c-1", "EUR", [new OrderLineRequest(a, 1, 10m)], null));
        await Accepted(e.Orders, new RecordProviderPayment(id, "sandbox", "evt-" + id, "pi-" + id, 10m, "EUR"));
        await Accepted(e.Orders, new RecordShipment(id, "sh-1", [new ShipmentLine(a, 1)], "dhl", "JJD-" + id));
        await Accepted(e.Orders, new RecordParcelOutcome(id, "sh-1", ParcelStatus.Delivered, DateTimeOffset.UtcNow));

        await Returned(e.Returns, new RequestReturn(id, "rma-1", [new ReturnLine(a, 1)], "wrong colour", ReturnResolution.Exchange,
            [new OrderLineRequest(c, 1, 25m)]));
        await Returned(e.Returns, new ApproveReturn(id, "rma-1", "ops"));
        await Returned(e.Returns, new MarkReturnReceived(id, "rma-1", "wh"));
        await Returned(e.Returns, new InspectReturn(id, "rma-1", [new InspectedLine(a, 1, 0)], "wh"));
        var resolved = await Returned(e.Returns, new ResolveReturn(id, "rma-1", "ops"));
        Assert.Equal((ReturnStatus.Resolved, 10m, 0m), (resolved.Status, resolved.Credit, resolved.Refunded));
        Assert.Equal((ExchangeStatus.DifferenceDue, 15m), (resolved.Exchange, resolved.DifferenceDue));
        return resolved;
    }

    [Fact]
    public async Task A_replacement_costing_more_waits_for_the_difference_and_paying_it_settles_the_exchange()
    {
        var e = Regions(TimeSpan.FromDays(7));
        var resolved = await ExchangedForMore(e, "o-dx-paid", "dxp-a", "dxp-c");
        var exchangeId = resolved.ExchangeOrderId!;

        var replacement = await Accepted(e.Orders, new GetOrder(exchangeId));
        Assert.Equal((OrderStatus.Reserved, 15m, 10m), (replacement.Status, replacement.Total, replacement.Charges!.Discount));
        Assert.Null(replacement.Payment);
        Assert.True(replacement.ExpiresAt > DateTimeOffset.UtcNow.AddDays(6)); // held for days, not the 15 minutes of a checkout
        Assert.Equal(1, (await StockOf(e.Stock, "dxp-c")).Reserved);
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Accepted(e.Orders, new RecordShipment(exchangeId, "sh-1", [new ShipmentLine("dxp-c", 1)], "dhl", "JJD-x")));
        Assert.Equal(ExchangeStatus.DifferenceDue, (await Returned(e.Returns, new GetReturn("o-dx-paid", "rma-1"))).Exchange);

        var paid = await Accepted(e.Orders, new ConfirmPayment(exchangeId, 15m, "EUR", "pay-diff"));
        Assert.Equal(OrderStatus.Paid, paid.Status);
        await AwaitAssertAsync(async () => Assert.Equal(1, (await StockOf(e.Stock, "dxp-c")).Sold), Wait);

        // The replacement tells its return; the return's timeline says how the exchange was settled.
        await AwaitAssertAsync(async () =>
        {
            var view = await Returned(e.Returns, new GetReturn("o-dx-paid", "rma-1"));
            Assert.Equal((ExchangeStatus.Settled, 15m), (view.Exchange, view.DifferencePaid));
            Assert.Equal("exchange settled: credit 10, paid 15", view.History[^1].Note);
        }, Wait);
        // The credit stays the replacement's: nothing of it was refunded on the original.
        var original = await Accepted(e.Orders, new GetOrder("o-dx-paid"));
        Assert.Equal(0m, original.Refundable);
        Assert.Equal(RefundStatus.Succeeded, Assert.Single(original.Refunds).Status);
    }

    [Fact]
    public async Task A_replacement_left_unpaid_lapses_and_its_credit_is_refunded_once_on_the_original_order()
    {
        var e = Regions(TimeSpan.FromSeconds(3));
        var resolved = await ExchangedForMore(e, "o-dx-lapse", "dxl-a", "dxl-c");
        var exchangeId = resolved.ExchangeOrderId!;

        // Nobody pays: the replacement expires at the end of its hold and gives its units back.
        await AwaitAssertAsync(async () => Assert.Equal(OrderStatus.Expired, (await Accepted(e.Orders, new GetOrder(exchangeId))).Status), Wait);
        await AwaitAssertAsync(async () => Assert.Equal(0, (await StockOf(e.Stock, "dxl-c")).Reserved), Wait);

        // The return learns of the lapse, the original order refunds the credit through the payment's provider.
        await AwaitAssertAsync(async () =>
        {
            var view = await Returned(e.Returns, new GetReturn("o-dx-lapse", "rma-1"));
            Assert.Equal((ExchangeStatus.Lapsed, 10m, 0m), (view.Exchange, view.Refunded, view.Credit));
            Assert.StartsWith("resolved as refunded after the exchange lapsed", view.History[^1].Note);
        }, Wait);
        var original = await Accepted(e.Orders, new GetOrder("o-dx-lapse"));
        await AwaitAssertAsync(async () =>
        {
            original = await Accepted(e.Orders, new GetOrder("o-dx-lapse"));
            var refund = original.Refunds.Single(r => r.RefundId == OrderReturnsDecider.LapsedCreditRefundIdOf("o-dx-lapse", "rma-1"));
            Assert.Equal((10m, "sandbox", RefundStatus.Succeeded), (refund.Amount, refund.Provider, refund.Status));
        }, Wait);
        Assert.Equal(RefundStatus.Failed, original.Refunds.Single(r => r.RefundId == OrderReturnsDecider.CreditIdOf("o-dx-lapse", "rma-1")).Status);
        Assert.Equal((0m, OrderStatus.Refunded), (original.Refundable, original.Status));

        // Asked again (a resent report, a retry): nothing more is refunded.
        await Accepted(e.Orders, new RefundExchangeCredit("o-dx-lapse", "rma-1", exchangeId));
        var again = await Returned(e.Returns, new RecordExchangeOutcome("o-dx-lapse", "rma-1", exchangeId, false, 0m));
        Assert.Equal(10m, again.Refunded);
        Assert.Equal(2, (await Accepted(e.Orders, new GetOrder("o-dx-lapse"))).Refunds.Length);
        Assert.IsType<ReturnRefused>(await e.Returns.Ask<IReturnReply>(new RecordExchangeOutcome("o-dx-lapse", "rma-1", exchangeId, true, 15m), Wait));
    }
}
