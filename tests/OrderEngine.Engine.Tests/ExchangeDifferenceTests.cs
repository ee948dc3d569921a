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

    [Fact]
    public async Task A_lapsed_replacement_tells_its_return_until_answered_also_after_a_restart_and_then_never_again()
    {
        var stock = Sys.ActorOf(LocalRegion.Create(m => (m as IStockMessage)?.Sku,
            sku => StockActor.Props(sku, TestConfig.FastStock(), 500, Idle, ActorRefs.Nobody, TimeProvider.System)));
        Assert.IsType<StockAccepted>(await stock.Ask<IStockReply>(new SetOnHand("dxr-c", 10, 1), Wait));
        var returns = CreateTestProbe();
        IActorRef Start() => Sys.ActorOf(OrderActor.Props("ex-restart", TestConfig.FastOrders(), Idle, TestConfig.With(stock) with { Returns = returns.Ref },
            TimeProvider.System));
        var order = Start();
        await Accepted(order, new PlaceOrder("ex-restart", "web", "c-1", "EUR", [new OrderLineRequest("dxr-c", 1, 25m)], null,
            Charges: new OrderCharges(0m, 0m, 10m, "exchange credit of return rma-1 of order o-orig"), HoldFor: TimeSpan.FromDays(7),
            ExchangeOf: new ExchangeLink("o-orig", "rma-1")));
        returns.ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // awaiting its difference: nothing to tell yet

        await Accepted(order, new CancelOrder("ex-restart", "customer changed their mind"));
        var told = returns.ExpectMsg<RecordExchangeOutcome>(Wait);
        Assert.Equal(("o-orig", "rma-1", "ex-restart", false), (told.OrderId, told.ReturnId, told.ExchangeOrderId, told.Paid));
        Assert.Equal(told, returns.ExpectMsg<RecordExchangeOutcome>(Wait)); // unanswered: told again

        Watch(order);
        Sys.Stop(order);
        ExpectTerminated(order);
        returns.ReceiveWhile(TimeSpan.FromMilliseconds(300), m => m); // whatever was on its way before the stop
        order = Start();
        Assert.Equal(told, returns.ExpectMsg<RecordExchangeOutcome>(Wait)); // resumed after the restart
        returns.Reply(new ReturnAccepted("o-orig", "rma-1", ReturnState.Initial("o-orig", "rma-1").ToView()));
        await AwaitAssertAsync(async () =>
        {
            var events = await JournalEvents.Of(Sys, "order-ex-restart");
            Assert.Single(events.OfType<ExchangeOutcomeReported>());
        }, Wait);
        Watch(order);
        Sys.Stop(order);
        ExpectTerminated(order);
        returns.ReceiveWhile(TimeSpan.FromMilliseconds(300), m => m);
        order = Start();
        await Accepted(order, new GetOrder("ex-restart"));
        returns.ExpectNoMsg(TimeSpan.FromSeconds(1)); // told once: nothing more after it was answered
    }

    [Fact]
    public async Task A_lapse_whose_credit_refund_went_unanswered_is_resumed_when_the_replacement_reports_again_after_a_restart()
    {
        var orders = CreateTestProbe();
        var stock = CreateTestProbe();
        var entityId = ReturnDecider.EntityIdOf("o-resume", "rma-1");
        IActorRef Start() => Sys.ActorOf(ReturnActor.Props(entityId,
            new ReturnCollaborators(orders.Ref, stock.Ref, ReturnRules.Default, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(40)),
            Idle, TimeProvider.System));
        var entity = Start();
        var request = new RequestReturn("o-resume", "rma-1", [new ReturnLine("A-1", 1)], "wrong colour", ReturnResolution.Exchange, [new OrderLineRequest("C-1", 1, 25m)]);
        var original = OrderDecider.Fold(OrderState.Initial("o-resume"),
            [new OrderPlaced("o-resume", "web", "c-1", "EUR", [new OrderLine("A-1", 1, 10m, 10m)], 10m, null, DateTimeOffset.UtcNow.AddMinutes(15), DateTimeOffset.UtcNow)]).ToView();
        OrderView With(OrderReturnRecord r) => original with { Returns = [r] };
        var record = new OrderReturnRecord("rma-1", [new ReturnLine("A-1", 1)], 10m, false, false, 0m, 0m, null, DateTimeOffset.UtcNow);

        entity.Tell(request, TestActor);
        orders.ExpectMsg<GetOrder>();
        orders.Reply(new OrderAccepted("o-resume", original));
        orders.ExpectMsg<RegisterReturn>();
        orders.Reply(new OrderAccepted("o-resume", With(record)));
        ExpectMsg<ReturnAccepted>(Wait);
        foreach (var step in new IReturnCommand[] { new ApproveReturn("o-resume", "rma-1", "ops"), new MarkReturnReceived("o-resume", "rma-1", "wh"),
                     new InspectReturn("o-resume", "rma-1", [new InspectedLine("A-1", 0, 1)], "wh") })
        {
            entity.Tell(step, TestActor);
            ExpectMsg<ReturnAccepted>(Wait);
        }
        entity.Tell(new ResolveReturn("o-resume", "rma-1", "ops"), TestActor);
        orders.ExpectMsg<GetOrder>();
        orders.Reply(new OrderAccepted("o-resume", With(record)));
        orders.ExpectMsg<SettleReturn>();
        var exchangeId = ReturnDecider.ExchangeOrderIdOf("o-resume", "rma-1");
        orders.Reply(new OrderAccepted("o-resume", With(record with { Settled = true, Credit = 10m, ExchangeOrderId = exchangeId })));
        var place = orders.ExpectMsg<PlaceOrder>();
        Assert.Equal((10m, 15m), (place.Charges!.Discount, OrderDecider.TotalOf(place)));
        orders.Reply(new OrderAccepted(exchangeId, original with { Id = exchangeId }));
        Assert.Equal(ExchangeStatus.DifferenceDue, ExpectMsg<ReturnAccepted>(Wait).View.Exchange);

        // The replacement lapsed: the lapse is written, the credit asked back at the original order, which does not answer.
        var lapse = new RecordExchangeOutcome("o-resume", "rma-1", exchangeId, false, 0m);
        entity.Tell(lapse, TestActor);
        Assert.Equal(exchangeId, orders.ExpectMsg<RefundExchangeCredit>().ExchangeOrderId);
        Assert.Equal(OrderRejectionCode.Overloaded, ExpectMsg<ReturnRefused>(Wait).Rejection.Code);

        Watch(entity);
        Sys.Stop(entity);
        ExpectTerminated(entity);
        entity = Start();
        // Sent again by the replacement: the lapse is not written twice, the credit is asked back again, and now it is.
        entity.Tell(lapse, TestActor);
        orders.ExpectMsg<RefundExchangeCredit>();
        var refundId = OrderReturnsDecider.LapsedCreditRefundIdOf("o-resume", "rma-1");
        orders.Reply(new OrderAccepted("o-resume", With(record with { Settled = true, Credit = 10m, ExchangeOrderId = exchangeId, CreditRefunded = true }) with
        {
            Refunds = [new RefundRecord(refundId, "pay-1", "sandbox", 10m, "EUR", [], "credit", "return:rma-1", RefundStatus.Requested, true, null, null, DateTimeOffset.UtcNow)],
        }));
        var view = ExpectMsg<ReturnAccepted>(Wait).View;
        Assert.Equal((ExchangeStatus.Lapsed, 10m, 0m), (view.Exchange, view.Refunded, view.Credit));
        Assert.Single(view.History, h => h.Note?.StartsWith("exchange order") == true); // the lapse, once

        entity.Tell(lapse, TestActor);
        Assert.Equal(10m, ExpectMsg<ReturnAccepted>(Wait).View.Refunded);
        orders.ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // done: nothing is asked of the order again
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("-00:01:00")]
    [InlineData("31.00:00:00")]
    public void An_absurd_window_for_the_difference_is_refused_at_start(string window)
    {
        var options = new ReturnsOptions { DifferenceDueWithin = TimeSpan.Parse(window, System.Globalization.CultureInfo.InvariantCulture) };
        Assert.Contains("DifferenceDueWithin", Assert.Throws<InvalidOperationException>(() => options.ToRules()).Message);
        Assert.Equal(TimeSpan.FromDays(7), new ReturnsOptions().ToRules().DifferenceDueWithin);
    }
}
