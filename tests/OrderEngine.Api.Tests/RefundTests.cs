using System.Net;
using System.Text.Json;
using OrderEngine.Domain;
using static OrderEngine.Api.Tests.Api;
using static OrderEngine.Api.Tests.Webhooks;

namespace OrderEngine.Api.Tests;

/// <summary>Shared setup of the refund tests: an order of 2 × A at 4.25 and 1 × B at 3.50 (total 12.00), paid by a sandbox webhook.</summary>
public abstract class RefundTestsBase(HttpClient client)
{
    protected const decimal Total = 12.00m;
    protected readonly HttpClient Client = client;

    protected sealed record PaidOrder(string Id, string SkuA, string SkuB, string PaymentId);

    protected async Task<PaidOrder> PaidOrderAsync(string name)
    {
        var (a, b) = (Sku(name + "-a"), Sku(name + "-b"));
        await Client.SetStock(a, 10);
        await Client.SetStock(b, 10);
        var (id, order) = await Client.PlaceReservedOrder(Line(a, 2, 4.25m), Line(b, 1, 3.50m));
        Assert.Equal(Total, order.Dec("total"));
        var paymentId = await Client.PayByWebhook(id, Total);
        var paid = await Client.SettledOrder(id);
        Assert.Equal("paid", paid.Status());
        Assert.Equal(new StockFigures(a, 10, 0, 2, 8), await Client.Stock(a));
        Assert.Equal(new StockFigures(b, 10, 0, 1, 9), await Client.Stock(b));
        return new PaidOrder(id, a, b, paymentId);
    }

    protected static string NewRefundId() => "rf-" + Guid.NewGuid().ToString("N")[..12];

    protected static JsonElement RefundOf(JsonElement order, string refundId) =>
        order.Refunds().Single(r => r.Str("refundId") == refundId);

    protected static int RefundedQuantity(JsonElement order, string sku) =>
        order.GetProperty("lines").EnumerateArray().Single(l => l.Str("sku") == sku).GetProperty("refundedQuantity").GetInt32();

    /// <summary>The order and both SKUs as they stand.</summary>
    protected async Task<(string Order, StockFigures A, StockFigures B)> Snapshot(PaidOrder o) =>
        ((await Client.Order(o.Id)).GetRawText(), await Client.Stock(o.SkuA), await Client.Stock(o.SkuB));

    protected async Task AssertUnchanged((string Order, StockFigures A, StockFigures B) before, PaidOrder o)
    {
        Assert.Equal(before.Order, (await Client.Order(o.Id)).GetRawText());
        Assert.Equal(before.A, await Client.Stock(o.SkuA));
        Assert.Equal(before.B, await Client.Stock(o.SkuB));
    }

    /// <summary>Reads the stock for a while and fails if the condition ever stops holding (an effect that must not happen).</summary>
    protected async Task StockStays(string sku, Func<StockFigures, bool> condition, TimeSpan during)
    {
        var until = DateTime.UtcNow + during;
        while (DateTime.UtcNow < until)
        {
            var s = await Client.Stock(sku);
            Assert.True(condition(s), $"stock of {sku} changed: {s}");
            await Task.Delay(100);
        }
    }
}

/// <summary>POST /api/orders/{id}/refunds with the sandbox refunding at once.</summary>
public sealed class RefundTests(SandboxEngineFixture engine) : RefundTestsBase(engine.Client), IClassFixture<SandboxEngineFixture>
{
    [Fact]
    public async Task Refunding_the_whole_order_with_an_idempotency_key_is_202_and_the_order_becomes_refunded()
    {
        var o = await PaidOrderAsync("rf-whole");

        using var response = await Client.Refund(o.Id, new { reason = "customer returned everything", by = "operator:alice" }, NewKey());

        await ExpectStatus(response, HttpStatusCode.Accepted);
        Assert.Equal($"/api/orders/{o.Id}", response.Headers.Location?.OriginalString);
        var answered = Assert.Single((await Body(response)).Refunds());
        Assert.Equal(Total, answered.Dec("amount"));
        Assert.Equal(o.PaymentId, answered.Str("paymentReference"));
        Assert.Equal("key:bootstrap", answered.Str("by")); // the caller, not the body's "by"
        var order = await Client.OrderEventually(o.Id, x => x.Status() == "refunded");
        var refund = Assert.Single(order.Refunds());
        Assert.Equal("succeeded", refund.Str("status"));
        Assert.Equal("sandbox", refund.Str("provider"));
        Assert.False(string.IsNullOrEmpty(refund.Str("providerRefundId")));
        Assert.Equal(0m, order.Dec("refundable"));
        Assert.Equal(o.PaymentId, order.Payment()!.Value.Str("reference"));
    }

    [Fact]
    public async Task Refunding_one_unit_of_a_line_refunds_its_price_and_puts_the_unit_back_on_sale()
    {
        var o = await PaidOrderAsync("rf-line");
        var refundId = NewRefundId();

        var answered = await Client.RefundAccepted(o.Id, new { refundId, lines = new[] { new { sku = o.SkuA, quantity = 1 } }, reason = "damaged" });

        var requested = RefundOf(answered, refundId);
        Assert.Equal(4.25m, requested.Dec("amount"));
        var line = Assert.Single(requested.GetProperty("lines").EnumerateArray());
        Assert.Equal((o.SkuA, 1), (line.Str("sku"), line.GetProperty("quantity").GetInt32()));
        var order = await Client.OrderEventually(o.Id, x => RefundOf(x, refundId) is var r && r.Str("status") == "succeeded" && r.GetProperty("restocked").GetBoolean());
        Assert.Equal("paid", order.Status());
        Assert.Equal(1, RefundedQuantity(order, o.SkuA));
        Assert.Equal(0, RefundedQuantity(order, o.SkuB));
        Assert.Equal(Total - 4.25m, order.Dec("refundable"));
        Assert.Equal(new StockFigures(o.SkuA, 10, 0, 1, 9), await Client.Stock(o.SkuA));
        Assert.Equal(new StockFigures(o.SkuB, 10, 0, 1, 9), await Client.Stock(o.SkuB));
    }

    [Fact]
    public async Task Refunding_every_line_in_full_makes_the_order_refunded_and_puts_every_unit_back_on_sale()
    {
        var o = await PaidOrderAsync("rf-all-lines");

        await Client.RefundAccepted(o.Id, new { lines = new[] { new { sku = o.SkuA, quantity = 2 }, new { sku = o.SkuB, quantity = 1 } } }, NewKey());

        var order = await Client.OrderEventually(o.Id, x => x.Status() == "refunded" && x.Refunds().All(r => r.GetProperty("restocked").GetBoolean()));
        Assert.Equal(Total, Assert.Single(order.Refunds()).Dec("amount"));
        Assert.Equal(2, RefundedQuantity(order, o.SkuA));
        Assert.Equal(1, RefundedQuantity(order, o.SkuB));
        Assert.Equal(new StockFigures(o.SkuA, 10, 0, 0, 10), await Client.Stock(o.SkuA));
        Assert.Equal(new StockFigures(o.SkuB, 10, 0, 0, 10), await Client.Stock(o.SkuB));
    }

    [Fact]
    public async Task A_line_can_be_refunded_unit_by_unit_until_none_is_left()
    {
        var o = await PaidOrderAsync("rf-unit-by-unit");
        await Client.RefundAccepted(o.Id, new { lines = new[] { new { sku = o.SkuA, quantity = 1 } } }, NewKey());
        await Client.RefundAccepted(o.Id, new { lines = new[] { new { sku = o.SkuA, quantity = 1 } } }, NewKey());
        var settled = await Client.OrderEventually(o.Id, x => x.Refunds().Length == 2 && x.Refunds().All(r => r.Str("status") == "succeeded" && r.GetProperty("restocked").GetBoolean()));
        Assert.Equal(2, RefundedQuantity(settled, o.SkuA));
        var before = await Snapshot(o);

        using var third = await Client.Refund(o.Id, new { lines = new[] { new { sku = o.SkuA, quantity = 1 } } }, NewKey());

        await AssertValidationProblem(third, "lines[0].quantity");
        await AssertUnchanged(before, o);
        Assert.Equal(new StockFigures(o.SkuA, 10, 0, 0, 10), await Client.Stock(o.SkuA));
    }

    [Fact]
    public async Task Refunding_an_amount_leaves_the_rest_refundable_and_the_order_paid()
    {
        var o = await PaidOrderAsync("rf-amount");
        var refundId = NewRefundId();

        var answered = await Client.RefundAccepted(o.Id, new { refundId, amount = 5.00m, reason = "goodwill" });

        Assert.Equal(5.00m, RefundOf(answered, refundId).Dec("amount"));
        var order = await Client.OrderEventually(o.Id, x => RefundOf(x, refundId).Str("status") == "succeeded");
        Assert.Equal("paid", order.Status());
        Assert.Equal(Total - 5.00m, order.Dec("refundable"));
        Assert.Equal(0, RefundedQuantity(order, o.SkuA));
        Assert.Equal(new StockFigures(o.SkuA, 10, 0, 2, 8), await Client.Stock(o.SkuA));

        // The rest, asked for without an amount, is exactly what is left and ends the order refunded.
        var rest = NewRefundId();
        var again = await Client.RefundAccepted(o.Id, new { refundId = rest });
        Assert.Equal(Total - 5.00m, RefundOf(again, rest).Dec("amount"));
        var refunded = await Client.OrderEventually(o.Id, x => x.Status() == "refunded");
        Assert.Equal(0m, refunded.Dec("refundable"));
    }

    [Fact]
    public async Task Asking_more_than_is_left_is_422_refund_too_large_and_changes_nothing()
    {
        var o = await PaidOrderAsync("rf-too-large");
        var before = await Snapshot(o);

        using (var response = await Client.Refund(o.Id, new { amount = Total + 0.01m }, NewKey()))
            await AssertProblem(response, HttpStatusCode.UnprocessableEntity, "refund-too-large");

        await AssertUnchanged(before, o);
        await Client.RefundAccepted(o.Id, new { amount = 5.00m }, NewKey());
        await Client.OrderEventually(o.Id, x => x.Refunds().All(r => r.Str("status") == "succeeded"));
        var afterPartial = await Snapshot(o);
        using (var response = await Client.Refund(o.Id, new { amount = Total - 5.00m + 0.01m }, NewKey()))
            await AssertProblem(response, HttpStatusCode.UnprocessableEntity, "refund-too-large");
        await AssertUnchanged(afterPartial, o);
    }

    [Fact]
    public async Task Asking_for_a_refund_when_nothing_is_left_is_422_and_changes_nothing()
    {
        var o = await PaidOrderAsync("rf-nothing-left");
        await Client.RefundAccepted(o.Id, new { }, NewKey());
        await Client.OrderEventually(o.Id, x => x.Status() == "refunded");
        var before = await Snapshot(o);

        using var response = await Client.Refund(o.Id, new { }, NewKey());

        await AssertProblem(response, HttpStatusCode.UnprocessableEntity, "refund-too-large");
        await AssertUnchanged(before, o);
    }

    [Fact]
    public async Task Repeating_a_refund_id_with_the_same_body_is_202_and_refunds_once()
    {
        var o = await PaidOrderAsync("rf-repeat-id");
        var refundId = NewRefundId();
        var body = new { refundId, amount = 3.00m, reason = "late delivery" };
        await Client.RefundAccepted(o.Id, body);
        await Client.OrderEventually(o.Id, x => RefundOf(x, refundId).Str("status") == "succeeded");

        var again = await Client.RefundAccepted(o.Id, body);

        Assert.Single(again.Refunds());
        var order = await Client.Order(o.Id);
        Assert.Equal(3.00m, Assert.Single(order.Refunds()).Dec("amount"));
        Assert.Equal(Total - 3.00m, order.Dec("refundable"));
    }

    [Fact]
    public async Task Repeating_an_idempotency_key_with_the_same_body_is_202_and_refunds_once()
    {
        var o = await PaidOrderAsync("rf-repeat-key");
        var key = NewKey();
        var body = new { lines = new[] { new { sku = o.SkuA, quantity = 1 } } };
        await Client.RefundAccepted(o.Id, body, key);

        await Client.RefundAccepted(o.Id, body, key);

        var order = await Client.OrderEventually(o.Id, x => x.Refunds().All(r => r.Str("status") == "succeeded" && r.GetProperty("restocked").GetBoolean()));
        Assert.Single(order.Refunds());
        Assert.Equal(1, RefundedQuantity(order, o.SkuA));
        Assert.Equal(new StockFigures(o.SkuA, 10, 0, 1, 9), await Client.Stock(o.SkuA));
    }

    [Fact]
    public async Task The_same_idempotency_key_on_another_order_is_another_refund()
    {
        var first = await PaidOrderAsync("rf-key-scope-1");
        var second = await PaidOrderAsync("rf-key-scope-2");
        var key = NewKey();

        var a = await Client.RefundAccepted(first.Id, new { amount = 1.00m }, key);
        var b = await Client.RefundAccepted(second.Id, new { amount = 1.00m }, key);

        Assert.Single(a.Refunds());
        Assert.Single(b.Refunds());
    }

    [Fact]
    public async Task Repeating_a_refund_id_with_a_different_amount_is_422_and_changes_nothing()
    {
        var o = await PaidOrderAsync("rf-conflict-amount");
        var refundId = NewRefundId();
        await Client.RefundAccepted(o.Id, new { refundId, amount = 3.00m });
        await Client.OrderEventually(o.Id, x => RefundOf(x, refundId).Str("status") == "succeeded");
        var before = await Snapshot(o);

        using var response = await Client.Refund(o.Id, new { refundId, amount = 4.00m });

        await AssertProblem(response, HttpStatusCode.UnprocessableEntity, "idempotency-conflict");
        await AssertUnchanged(before, o);
    }

    [Fact]
    public async Task Repeating_a_refund_id_with_lines_instead_of_an_amount_is_422_and_changes_nothing()
    {
        var o = await PaidOrderAsync("rf-conflict-lines");
        var refundId = NewRefundId();
        await Client.RefundAccepted(o.Id, new { refundId, amount = 4.25m });
        await Client.OrderEventually(o.Id, x => RefundOf(x, refundId).Str("status") == "succeeded");
        var before = await Snapshot(o);

        using var response = await Client.Refund(o.Id, new { refundId, lines = new[] { new { sku = o.SkuA, quantity = 1 } } });

        await AssertProblem(response, HttpStatusCode.UnprocessableEntity, "idempotency-conflict");
        await AssertUnchanged(before, o);
    }

    [Fact]
    public async Task Repeating_a_refund_id_of_an_amount_without_the_amount_is_422_and_changes_nothing()
    {
        var o = await PaidOrderAsync("rf-conflict-rest");
        var refundId = NewRefundId();
        await Client.RefundAccepted(o.Id, new { refundId, amount = 3.00m });
        await Client.OrderEventually(o.Id, x => RefundOf(x, refundId).Str("status") == "succeeded");
        var before = await Snapshot(o);

        // The first request refunded 3.00; this one asks for everything left (9.00): another request under the same id.
        using var response = await Client.Refund(o.Id, new { refundId });

        await AssertProblem(response, HttpStatusCode.UnprocessableEntity, "idempotency-conflict");
        await AssertUnchanged(before, o);
    }

    [Fact]
    public async Task Refunding_an_unpaid_order_is_409_and_changes_nothing()
    {
        var sku = Sku("rf-unpaid");
        await Client.SetStock(sku, 10);
        var (id, _) = await Client.PlaceReservedOrder(Line(sku, 1, 4.25m));
        var before = await Client.Snapshot(id, sku);

        using var response = await Client.Refund(id, new { }, NewKey());

        await AssertProblem(response, HttpStatusCode.Conflict, "invalid-state");
        await Client.AssertUnchanged(before, id, sku);
    }

    [Fact]
    public async Task Refunding_an_unknown_order_is_404()
    {
        using var response = await Client.Refund(Identifiers.OrderIdFromIdempotencyKey(NewKey()), new { }, NewKey());

        await AssertProblem(response, HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task A_refund_without_a_refund_id_or_idempotency_key_is_400_and_changes_nothing()
    {
        var o = await PaidOrderAsync("rf-no-id");
        var before = await Snapshot(o);

        using var response = await Client.Refund(o.Id, new { amount = 1.00m });

        await AssertValidationProblem(response, "refundId");
        await AssertUnchanged(before, o);
    }

    public static TheoryData<string, string> InvalidRefunds => new()
    {
        { """{"amount": 1.00, "lines": [{"sku": "{a}", "quantity": 1}]}""", "amount" },
        { """{"lines": [{"sku": "not-on-the-order", "quantity": 1}]}""", "lines[0].sku" },
        { """{"lines": [{"sku": "{a}", "quantity": 0}]}""", "lines[0].quantity" },
        { """{"lines": [{"sku": "{a}", "quantity": 3}]}""", "lines[0].quantity" },
        { """{"lines": [{"sku": "{a}", "quantity": 1}, {"sku": "{a}", "quantity": 1}]}""", "lines[1].sku" },
        { """{"amount": -1.00}""", "amount" },
        { """{"amount": 0}""", "amount" },
        { """{"amount": 1.001}""", "amount" },
        { """{"refundId": "not a valid id!"}""", "refundId" },
    };

    [Theory]
    [MemberData(nameof(InvalidRefunds))]
    public async Task An_invalid_refund_is_400_naming_the_field_and_changes_nothing(string template, string field)
    {
        var o = await PaidOrderAsync("rf-invalid");
        var before = await Snapshot(o);
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/orders/{o.Id}/refunds") { Content = Json(template.Replace("{a}", o.SkuA)) };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", NewKey());

        using var response = await Client.SendAsync(request);

        await AssertValidationProblem(response, field);
        await AssertUnchanged(before, o);
    }

    [Fact]
    public async Task An_order_paid_through_the_payment_endpoint_is_refunded_by_the_manual_provider()
    {
        var sku = Sku("rf-manual");
        await Client.SetStock(sku, 10);
        var (id, _) = await Client.PlaceReservedOrder(Line(sku, 2, 4.25m));
        using (var pay = await Client.Pay(id, 8.50m, "EUR", "bank-tx-7")) await ExpectStatus(pay, HttpStatusCode.OK);

        await Client.RefundAccepted(id, new { }, NewKey());

        var order = await Client.OrderEventually(id, x => x.Status() == "refunded");
        var refund = Assert.Single(order.Refunds());
        Assert.Equal("bank-tx-7", refund.Str("paymentReference"));
        Assert.Equal(8.50m, refund.Dec("amount"));
        Assert.Equal("succeeded", refund.Str("status"));
    }
}

/// <summary>The sandbox refusing every refund: a failed refund gives nothing back and leaves the amount refundable.</summary>
public sealed class FailedRefundTests(FailingRefundsEngineFixture engine) : RefundTestsBase(engine.Client), IClassFixture<FailingRefundsEngineFixture>
{
    [Fact]
    public async Task A_refund_the_provider_refuses_ends_failed_and_the_amount_can_be_refunded_again()
    {
        var o = await PaidOrderAsync("rf-failed");
        var first = NewRefundId();

        await Client.RefundAccepted(o.Id, new { refundId = first });

        var order = await Client.OrderEventually(o.Id, x => RefundOf(x, first).Str("status") != "requested");
        var failed = RefundOf(order, first);
        Assert.Equal("failed", failed.Str("status"));
        Assert.False(string.IsNullOrWhiteSpace(failed.Str("failureReason")));
        Assert.Equal("paid", order.Status());
        Assert.Equal(Total, order.Dec("refundable"));

        var second = NewRefundId();
        var again = await Client.RefundAccepted(o.Id, new { refundId = second });
        Assert.Equal(Total, RefundOf(again, second).Dec("amount"));
        Assert.Equal(2, again.Refunds().Length);
        var settled = await Client.OrderEventually(o.Id, x => RefundOf(x, second).Str("status") != "requested");
        Assert.Equal("failed", RefundOf(settled, second).Str("status"));
        Assert.Equal("paid", settled.Status());
    }

    [Fact]
    public async Task A_line_refund_the_provider_refuses_puts_no_unit_back_on_sale()
    {
        var o = await PaidOrderAsync("rf-failed-line");
        var refundId = NewRefundId();

        await Client.RefundAccepted(o.Id, new { refundId, lines = new[] { new { sku = o.SkuA, quantity = 1 } } });

        var order = await Client.OrderEventually(o.Id, x => RefundOf(x, refundId).Str("status") == "failed");
        Assert.Equal(0, RefundedQuantity(order, o.SkuA));
        Assert.Equal(Total, order.Dec("refundable"));
        // The customer got no money back, so the unit is still theirs: it must not go back on sale.
        await StockStays(o.SkuA, s => s.Sold == 2 && s.Available == 8, TimeSpan.FromSeconds(2));
    }
}

/// <summary>The sandbox accepting refunds for later: the outcome comes by a signed refund webhook.</summary>
public sealed class PendingRefundTests(PendingRefundsEngineFixture engine) : RefundTestsBase(engine.Client), IClassFixture<PendingRefundsEngineFixture>
{
    /// <summary>A paid order with a whole-order refund the sandbox left pending.</summary>
    private async Task<(PaidOrder Order, string RefundId)> PendingRefund(string name)
    {
        var o = await PaidOrderAsync(name);
        var refundId = NewRefundId();
        var answered = await Client.RefundAccepted(o.Id, new { refundId });
        Assert.Equal("requested", RefundOf(answered, refundId).Str("status"));
        return (o, refundId);
    }

    [Fact]
    public async Task A_pending_refund_stays_requested_until_its_webhook_says_it_succeeded()
    {
        var (o, refundId) = await PendingRefund("rf-pending");
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(1.5);
        while (DateTime.UtcNow < until)
        {
            var waiting = await Client.Order(o.Id);
            Assert.Equal("requested", RefundOf(waiting, refundId).Str("status"));
            Assert.Equal("paid", waiting.Status());
            await Task.Delay(100);
        }
        var eventId = NewEventId();

        var answer = await Client.Deliver(RefundSucceeded(o.Id, refundId, "re_provider_1", eventId));

        Assert.Equal(eventId, answer.Str("eventId"));
        Assert.Contains(refundId, answer.Str("outcome"));
        Assert.Equal("refunded", answer.Str("orderStatus"));
        var order = await Client.Order(o.Id);
        Assert.Equal("refunded", order.Status());
        var refund = RefundOf(order, refundId);
        Assert.Equal("succeeded", refund.Str("status"));
        Assert.Equal("re_provider_1", refund.Str("providerRefundId"));
        Assert.Equal(0m, order.Dec("refundable"));
    }

    [Fact]
    public async Task The_same_refund_webhook_delivered_again_changes_nothing()
    {
        var (o, refundId) = await PendingRefund("rf-pending-replay");
        var body = RefundSucceeded(o.Id, refundId, "re_provider_2");
        await Client.Deliver(body);
        var before = await Snapshot(o);

        var answer = await Client.Deliver(body);

        Assert.Equal("refunded", answer.Str("orderStatus"));
        await AssertUnchanged(before, o);
    }

    [Fact]
    public async Task A_refund_webhook_saying_it_failed_marks_the_refund_failed_and_leaves_the_amount_refundable()
    {
        var (o, refundId) = await PendingRefund("rf-pending-fail");

        await Client.Deliver(RefundFailed(o.Id, refundId, "card account closed"));

        var order = await Client.Order(o.Id);
        var refund = RefundOf(order, refundId);
        Assert.Equal("failed", refund.Str("status"));
        Assert.Equal("card account closed", refund.Str("failureReason"));
        Assert.Equal("paid", order.Status());
        Assert.Equal(Total, order.Dec("refundable"));
    }

    [Fact]
    public async Task A_late_contrary_refund_webhook_after_the_outcome_changes_nothing()
    {
        var (o, refundId) = await PendingRefund("rf-pending-late");
        await Client.Deliver(RefundFailed(o.Id, refundId, "insufficient balance"));
        var before = await Snapshot(o);

        await Client.Deliver(RefundSucceeded(o.Id, refundId, "re_provider_late"));

        await AssertUnchanged(before, o);
    }

    [Fact]
    public async Task A_pending_refund_counts_against_what_is_left_to_refund()
    {
        var (o, _) = await PendingRefund("rf-pending-counts");
        var before = await Snapshot(o);

        using var response = await Client.Refund(o.Id, new { amount = 1.00m }, NewKey());

        await AssertProblem(response, HttpStatusCode.UnprocessableEntity, "refund-too-large");
        await AssertUnchanged(before, o);
    }

    [Fact]
    public async Task After_a_refund_webhook_says_it_failed_the_amount_can_be_refunded_again()
    {
        var (o, refundId) = await PendingRefund("rf-pending-again");
        await Client.Deliver(RefundFailed(o.Id, refundId, "temporary error"));
        var second = NewRefundId();

        var answered = await Client.RefundAccepted(o.Id, new { refundId = second });

        Assert.Equal(Total, RefundOf(answered, second).Dec("amount"));
        await Client.Deliver(RefundSucceeded(o.Id, second, "re_second"));
        Assert.Equal("refunded", (await Client.Order(o.Id)).Status());
    }

    [Fact]
    public async Task A_webhook_for_an_unknown_refund_is_404_and_changes_nothing()
    {
        var (o, refundId) = await PendingRefund("rf-pending-unknown");
        var before = await Snapshot(o);

        using var response = await Client.PostSigned(RefundSucceeded(o.Id, NewRefundId(), "re_x"));

        await AssertProblem(response, HttpStatusCode.NotFound, "not-found");
        await AssertUnchanged(before, o);
        Assert.Equal("requested", RefundOf(await Client.Order(o.Id), refundId).Str("status"));
    }

    [Fact]
    public async Task A_badly_signed_refund_webhook_is_401_and_changes_nothing()
    {
        var (o, refundId) = await PendingRefund("rf-pending-unsigned");
        var before = await Snapshot(o);
        var body = RefundSucceeded(o.Id, refundId, "re_forged");

        using var response = await Client.PostWebhook(body, Sign(body, DateTimeOffset.UtcNow, "forged-secret"));

        await AssertProblem(response, HttpStatusCode.Unauthorized, "bad-signature");
        await AssertUnchanged(before, o);
    }

    [Fact]
    public async Task A_refund_webhook_without_a_refund_id_is_400_and_changes_nothing()
    {
        var (o, _) = await PendingRefund("rf-pending-malformed");
        var before = await Snapshot(o);
        var body = JsonSerializer.Serialize(new { id = NewEventId(), type = "refund.succeeded", data = new { orderId = o.Id } });

        using var response = await Client.PostSigned(body);

        await AssertProblem(response, HttpStatusCode.BadRequest, "malformed-webhook");
        await AssertUnchanged(before, o);
    }
}
