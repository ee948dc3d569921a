using Akka.Actor;
using Akka.TestKit.Xunit2;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Orders;
using OrderEngine.Engine.Payments;
using OrderEngine.Engine.Stock;
using Xunit.Abstractions;

namespace OrderEngine.Engine.Tests;

/// <summary>
/// A provider's payment callback racing a cancel: whichever the order takes first, money and stock end consistent —
/// paid and not cancelled, or cancelled with that payment recorded as an anomaly and refunded; never cancelled with
/// the money kept.
/// </summary>
public sealed class PaymentRaceTests(ITestOutputHelper log) : TestKit(TestConfig.WithTestJournal, output: log)
{
    private readonly ITestOutputHelper _log = log;

    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);
    private const string Provider = SandboxProvider.ProviderName;
    private const decimal UnitPrice = 2.50m;

    private (IActorRef Orders, IActorRef Stock) Regions()
    {
        IActorRef orders = null!;
        var stock = Sys.ActorOf(LocalRegion.Create(m => (m as IStockMessage)?.Sku,
            sku => StockActor.Props(sku, TestConfig.FastStock(), 500, Idle, orders, TimeProvider.System)));
        var options = TestConfig.FastOrders();
        var with = TestConfig.With(stock, rules: TestConfig.RulesOf(options), providers: TestConfig.Providers(RefundResultKind.Succeeded));
        orders = Sys.ActorOf(LocalRegion.Create(m => (m as IOrderMessage)?.OrderId,
            id => OrderActor.Props(id, options, Idle, with, TimeProvider.System)));
        return (orders, stock);
    }

    private static async Task<OrderView> View(IActorRef orders, string id) =>
        await orders.Ask<IOrderReply>(new GetOrder(id), AskTimeout) switch
        {
            OrderAccepted a => a.View,
            var other => throw new InvalidOperationException($"order {id}: {other}"),
        };

    private static async Task<StockView> StockOf(IActorRef stock, string sku) =>
        ((StockAccepted)await stock.Ask<IStockReply>(new GetStock(sku), AskTimeout)).View;

    /// <summary>How the two messages reach the order: one after the other from one sender (a known order), or from two threads at once.</summary>
    private enum Race
    {
        PaymentSentFirst,
        CancelSentFirst,
        Concurrent,
    }

    private sealed record Round(int Index, string OrderId, int Quantity, decimal Total, string PaymentId, Race Race)
    {
        public IOrderReply? PaymentReply { get; set; }
        public IOrderReply? CancelReply { get; set; }
    }

    [Fact]
    public async Task A_provider_payment_racing_a_cancel_never_leaves_an_order_cancelled_with_the_money_kept()
    {
        const int rounds = 50;
        const long onHand = 1_000;
        var (orders, stock) = Regions();
        var sku = "race-sku";
        Assert.IsType<StockAccepted>(await stock.Ask<IStockReply>(new SetOnHand(sku, onHand, 1), AskTimeout));

        var all = Enumerable.Range(0, rounds).Select(i =>
        {
            var quantity = i % 4 + 1;
            return new Round(i, $"race-{i:D3}", quantity, quantity * UnitPrice, $"pay_race_{i:D3}", (Race)(i % 3));
        }).ToArray();
        foreach (var placed in await Task.WhenAll(all.Select(r => orders.Ask<IOrderReply>(
                     new PlaceOrder(r.OrderId, "web", "c-" + r.OrderId, "EUR", [new OrderLineRequest(sku, r.Quantity, UnitPrice)], null), AskTimeout))))
            Assert.Equal(OrderStatus.Reserved, Assert.IsType<OrderAccepted>(placed).View.Status);

        // Every round at once: the payment callback and the cancel reach the same order concurrently.
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var races = all.Select(r =>
        {
            var pay = new RecordProviderPayment(r.OrderId, Provider, "evt_" + r.PaymentId, r.PaymentId, r.Total, "EUR");
            var cancel = new CancelOrder(r.OrderId, "customer changed their mind");
            switch (r.Race)
            {
                case Race.PaymentSentFirst:
                case Race.CancelSentFirst:
                    return Task.Run(async () =>
                    {
                        await start.Task;
                        // Both are sent before either is answered; from one sender they arrive in the order sent.
                        var first = orders.Ask<IOrderReply>(r.Race == Race.PaymentSentFirst ? pay : cancel, AskTimeout);
                        var second = orders.Ask<IOrderReply>(r.Race == Race.PaymentSentFirst ? cancel : pay, AskTimeout);
                        var replies = await Task.WhenAll(first, second);
                        (r.PaymentReply, r.CancelReply) = r.Race == Race.PaymentSentFirst ? (replies[0], replies[1]) : (replies[1], replies[0]);
                    });
                default:
                    // Two threads released together; which is queued first alternates, so both outcomes occur.
                    Task Paying() => Task.Run(async () => { await start.Task; r.PaymentReply = await orders.Ask<IOrderReply>(pay, AskTimeout); });
                    Task Cancelling() => Task.Run(async () => { await start.Task; r.CancelReply = await orders.Ask<IOrderReply>(cancel, AskTimeout); });
                    return r.Index / 3 % 2 == 0 ? Task.WhenAll(Paying(), Cancelling()) : Task.WhenAll(Cancelling(), Paying());
            }
        }).ToArray();
        start.SetResult();
        await Task.WhenAll(races);

        // Let every order settle its stock and hear back from the provider about any refund.
        var views = new Dictionary<string, OrderView>();
        await AwaitAssertAsync(async () =>
        {
            foreach (var r in all)
            {
                var v = await View(orders, r.OrderId);
                Assert.True(v.StockSettled, $"{r.OrderId} has not settled its stock: {v.Status}");
                Assert.DoesNotContain(v.Refunds, x => x.Status == RefundStatus.Requested);
                views[r.OrderId] = v;
            }
        }, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));

        var paidUnits = 0L;
        var (paid, cancelled) = (0, 0);
        foreach (var r in all)
        {
            var v = views[r.OrderId];
            var what = $"{r.OrderId} ({r.Race}): {v.Status}, payment {v.Payment?.Reference ?? "none"}, anomalies [{string.Join(", ", v.Anomalies.Select(a => a.PaymentId))}], refunds [{string.Join(", ", v.Refunds.Select(x => $"{x.PaymentReference} {x.Amount} {x.Status}"))}]";

            // The answers each caller got agree with the end state.
            var paymentReply = Assert.IsType<OrderAccepted>(r.PaymentReply);
            switch (v.Status)
            {
                case OrderStatus.Paid:
                    paid++;
                    paidUnits += r.Quantity;
                    Assert.True(v.Payment is { } p && p.Reference == r.PaymentId && p.Provider == Provider && p.Amount == r.Total && p.Currency == "EUR", what);
                    Assert.True(v.Anomalies.IsEmpty, what);
                    Assert.True(v.Refunds.IsEmpty, what);
                    Assert.DoesNotContain(v.History, h => h.Status == OrderStatus.Cancelled);
                    Assert.Equal(OrderRejectionCode.InvalidState, Assert.IsType<OrderRefused>(r.CancelReply).Rejection.Code);
                    Assert.Equal(OrderStatus.Paid, paymentReply.View.Status);
                    break;
                case OrderStatus.Cancelled:
                    cancelled++;
                    // Never cancelled with an accepted payment: the money came as an anomaly and exactly that payment went back.
                    Assert.True(v.Payment is null, what);
                    var anomaly = Assert.Single(v.Anomalies);
                    Assert.True(anomaly.PaymentId == r.PaymentId && anomaly.Provider == Provider && anomaly.Amount == r.Total, what);
                    var refund = Assert.Single(v.Refunds);
                    Assert.True(refund.PaymentReference == r.PaymentId && refund.Provider == Provider && refund.Amount == r.Total
                        && refund.Currency == "EUR" && refund.Status == RefundStatus.Succeeded, what);
                    Assert.Equal(OrderDecider.AutomaticRefundId(Provider, r.PaymentId), refund.RefundId);
                    Assert.Equal(OrderStatus.Cancelled, Assert.IsType<OrderAccepted>(r.CancelReply).View.Status);
                    Assert.Equal(OrderStatus.Cancelled, paymentReply.View.Status);
                    break;
                default:
                    Assert.Fail($"an order ended neither paid nor cancelled: {what}");
                    break;
            }
            if (r.Race == Race.PaymentSentFirst) Assert.True(v.Status == OrderStatus.Paid, $"payment arrived first, yet {what}");
            if (r.Race == Race.CancelSentFirst) Assert.True(v.Status == OrderStatus.Cancelled, $"cancel arrived first, yet {what}");
        }
        _log.WriteLine($"{paid} paid, {cancelled} cancelled (concurrent rounds: {all.Count(r => r.Race == Race.Concurrent)})");

        // Stock: exactly the paid orders' units are sold, nothing stays reserved, nothing was lost or made up.
        var s = await StockOf(stock, sku);
        Assert.Equal((onHand, 0L, paidUnits, onHand - paidUnits), (s.OnHand, s.Reserved, s.Sold, s.Available));
    }
}
