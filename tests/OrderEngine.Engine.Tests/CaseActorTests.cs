using Akka.Actor;
using Akka.TestKit.Xunit2;
using OrderEngine.Domain.Cases;
using OrderEngine.Domain.Orders;
using OrderEngine.Engine.Cases;

namespace OrderEngine.Engine.Tests;

/// <summary>The case entity against a stand-in order region (a probe): opening checks the order, actions go to the order, and survive restarts.</summary>
public sealed class CaseActorTests() : TestKit(TestConfig.WithTestJournal)
{
    private static readonly DateTimeOffset T = DateTimeOffset.UtcNow;
    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(10);

    private static readonly OrderView PaidOrder = OrderDecider.Fold(OrderState.Initial("o1"),
    [
        new OrderPlaced("o1", "web", "c-1", "EUR", [new OrderLine("A-1", 2, 5m, 10m)], 10m, null, T.AddMinutes(15), T,
            Outcome: new PlacementOutcome(OrderStatus.Reserved, [], null, T)),
        new PaymentConfirmed("o1", 10m, "EUR", "pay-1", T),
    ]).ToView();

    private IActorRef Case(string id, IActorRef orders, TimeSpan? askTimeout = null) =>
        Sys.ActorOf(CaseActor.Props(id, new CaseCollaborators(orders, CaseRules.Default, askTimeout ?? TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200)),
            Idle, TimeProvider.System));

    private static async Task<CaseView> Accepted(IActorRef target, ICaseMessage message) =>
        await target.Ask<ICaseReply>(message, TimeSpan.FromSeconds(10)) switch
        {
            CaseAccepted a => a.View,
            CaseRefused r => throw new InvalidOperationException($"{r.Rejection.Code}: {r.Rejection.Message}"),
            var other => throw new InvalidOperationException(other.GetType().Name),
        };

    /// <summary>Opens and starts a case about o1, the probe answering the order lookup.</summary>
    private async Task<IActorRef> StartedCase(string id, Akka.TestKit.TestProbe orders, TimeSpan? askTimeout = null)
    {
        var c = Case(id, orders.Ref, askTimeout);
        var opening = Accepted(c, new OpenCase(id, "o1", CaseType.Damaged, "crushed", "c-1"));
        Assert.Equal("o1", orders.ExpectMsg<GetOrder>().OrderId);
        orders.Reply(new OrderAccepted("o1", PaidOrder));
        Assert.Equal(CaseStatus.Open, (await opening).Status);
        Assert.Equal(CaseStatus.InProgress, (await Accepted(c, new StartCase(id, "alice"))).Status);
        return c;
    }

    private async Task Restart(IActorRef actor)
    {
        Watch(actor);
        Sys.Stop(actor);
        await ExpectTerminatedAsync(actor);
    }

    [Fact]
    public async Task A_case_about_an_order_that_does_not_exist_is_refused_and_nothing_is_written()
    {
        var orders = CreateTestProbe();
        var c = Case("case-none", orders.Ref);

        var answer = c.Ask<ICaseReply>(new OpenCase("case-none", "o-missing", CaseType.Late, "where is it", null), TimeSpan.FromSeconds(10));
        orders.ExpectMsg<GetOrder>();
        orders.Reply(new OrderRefused("o-missing", OrderRejection.Of(OrderRejectionCode.NotFound, "order o-missing does not exist")));

        Assert.Equal(CaseRejectionCode.NotFound, Assert.IsType<CaseRefused>(await answer).Rejection.Code);
        await Restart(c);
        var again = Case("case-none", orders.Ref);
        Assert.Equal(CaseRejectionCode.NotFound, Assert.IsType<CaseRefused>(await again.Ask<ICaseReply>(new GetCase("case-none"), TimeSpan.FromSeconds(10))).Rejection.Code);
    }

    [Fact]
    public async Task A_case_restarted_is_recovered_with_its_status_messages_and_actions()
    {
        var orders = CreateTestProbe();
        var c = await StartedCase("case-r", orders);
        await Accepted(c, new AddCaseMessage("case-r", "m-1", CaseAuthor.Customer, "Ada", "photo attached"));
        var refunding = Accepted(c, new RequestCaseAction("case-r", "a-1", CaseActionType.Refund, 4m, [], "alice"));
        var refund = orders.ExpectMsg<RequestRefund>();
        orders.Reply(new OrderAccepted("o1", PaidOrder));
        var before = await refunding;

        await Restart(c);
        var after = await Accepted(Case("case-r", orders.Ref), new GetCase("case-r"));

        Assert.Equal(CaseActionOutcome.Accepted, Assert.Single(before.Actions).Outcome);
        Assert.Equal(CaseRules.RefundIdOf("case-r", "a-1"), refund.RefundId);
        Assert.Equal((CaseStatus.InProgress, "alice", before.DueAt), (after.Status, after.Assignee, after.DueAt));
        Assert.Equal("photo attached", Assert.Single(after.Messages).Text);
        var action = Assert.Single(after.Actions);
        Assert.Equal((CaseActionOutcome.Accepted, refund.RefundId), (action.Outcome, action.LinkedId));
        orders.ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // a completed action is not asked again after recovery
    }

    [Fact]
    public async Task An_action_whose_order_had_not_answered_is_asked_again_after_a_restart_under_the_same_refund_id()
    {
        var orders = CreateTestProbe();
        var c = await StartedCase("case-p", orders);
        _ = c.Ask<ICaseReply>(new RequestCaseAction("case-p", "a-1", CaseActionType.Refund, 4m, [], "alice"), TimeSpan.FromSeconds(30));
        var first = orders.ExpectMsg<RequestRefund>();

        await Restart(c); // the order's answer never arrives
        var restarted = Case("case-p", orders.Ref);
        restarted.Tell(new GetCase("case-p"));
        var second = orders.ExpectMsg<RequestRefund>();
        orders.Reply(new OrderAccepted("o1", PaidOrder));

        Assert.Equal(first, second);
        await AwaitAssertAsync(async () =>
            Assert.Equal(CaseActionOutcome.Accepted, Assert.Single((await Accepted(restarted, new GetCase("case-p"))).Actions).Outcome), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task An_order_that_does_not_answer_in_time_is_asked_again_and_its_answer_recorded_once()
    {
        var orders = CreateTestProbe();
        var c = await StartedCase("case-t", orders, askTimeout: TimeSpan.FromMilliseconds(300));

        var pending = await Accepted(c, new RequestCaseAction("case-t", "a-1", CaseActionType.Refund, 4m, [], "alice"));
        Assert.Equal(CaseActionOutcome.Pending, Assert.Single(pending.Actions).Outcome);
        orders.ExpectMsg<RequestRefund>();
        var retried = orders.ExpectMsg<RequestRefund>(TimeSpan.FromSeconds(5));
        orders.Reply(new OrderRefused("o1", OrderRejection.Of(OrderRejectionCode.RefundTooLarge, "4 EUR is more than the 0 EUR left")));

        await AwaitAssertAsync(async () =>
        {
            var action = Assert.Single((await Accepted(c, new GetCase("case-t"))).Actions);
            Assert.Equal(CaseActionOutcome.Refused, action.Outcome);
            Assert.Contains("RefundTooLarge", action.Detail);
        }, TimeSpan.FromSeconds(5));
        Assert.Equal(CaseRules.RefundIdOf("case-t", "a-1"), retried.RefundId);
    }

    [Fact]
    public async Task A_reship_places_a_free_cash_on_delivery_replacement_and_records_its_order_id()
    {
        var orders = CreateTestProbe();
        var c = await StartedCase("case-s", orders);

        var reshipping = Accepted(c, new RequestCaseAction("case-s", "a-1", CaseActionType.Reship, null, [new CaseLine("A-1", 1)], "alice"));
        orders.ExpectMsg<GetOrder>(); // the lines are checked against the order before anything is written
        orders.Reply(new OrderAccepted("o1", PaidOrder));
        orders.ExpectMsg<GetOrder>();
        orders.Reply(new OrderAccepted("o1", PaidOrder));
        var place = orders.ExpectMsg<PlaceOrder>();
        orders.Reply(new OrderAccepted(place.OrderId, PaidOrder with { Id = place.OrderId, Status = OrderStatus.Confirmed }));
        var view = await reshipping;

        Assert.Equal(CaseRules.ReplacementOrderIdOf("case-s", "a-1"), place.OrderId);
        Assert.Equal(0m, Assert.Single(place.Lines).UnitPrice);
        var action = Assert.Single(view.Actions);
        Assert.Equal((CaseActionOutcome.Accepted, place.OrderId), (action.Outcome, action.LinkedId));
    }

    [Fact]
    public async Task A_reship_of_a_sku_not_on_the_order_is_refused_and_nothing_is_written()
    {
        var orders = CreateTestProbe();
        var c = await StartedCase("case-x", orders);

        var answer = c.Ask<ICaseReply>(new RequestCaseAction("case-x", "a-1", CaseActionType.Reship, null, [new CaseLine("Z-9", 1)], "alice"), TimeSpan.FromSeconds(10));
        orders.ExpectMsg<GetOrder>();
        orders.Reply(new OrderAccepted("o1", PaidOrder));

        var refused = Assert.IsType<CaseRefused>(await answer);
        Assert.Equal(CaseRejectionCode.Invalid, refused.Rejection.Code);
        Assert.Empty((await Accepted(c, new GetCase("case-x"))).Actions);
        orders.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }
}
