using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrderEngine.Domain;
using static OrderEngine.Api.Tests.Api;
using static OrderEngine.Api.Tests.Webhooks;

namespace OrderEngine.Api.Tests;

/// <summary>
/// The automatic review (rules in <see cref="ReviewEngineFixture"/>) holds risky orders with their stock reserved;
/// POST /api/orders/{id}/review lets an operator approve (the order proceeds) or reject (cancelled, stock released,
/// any payment refunded).
/// </summary>
public sealed class ReviewTests(ReviewEngineFixture engine) : IClassFixture<ReviewEngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    private static object CompleteAddress(string country = "DE") =>
        new { name = "Ada Buyer", line1 = "1 Main St", city = "Berlin", postalCode = "10115", country };

    /// <summary>A customer no other test uses: the velocity rule counts orders per customer.</summary>
    private static string Customer(string name) => $"{name}-{Guid.NewGuid().ToString("N")[..8]}";

    private static object Body(string customerId, object? address, params object[] lines) =>
        new { channel = "web", customerId, currency = "EUR", lines, shippingAddress = address };

    /// <summary>Places an order that must be answered 201; returns its id and body.</summary>
    private async Task<(string Id, JsonElement Order)> Place(object body)
    {
        using var response = await _client.PlaceOrder(NewKey(), body);
        await ExpectStatus(response, HttpStatusCode.Created);
        var order = await Api.Body(response);
        return (order.Str("id"), order);
    }

    /// <summary>A SKU with 10 on hand and an order of 3 × 4.25 to a country not served: held for that one reason.</summary>
    private async Task<(string Sku, string Id)> HeldOrder(string name)
    {
        var sku = Sku(name);
        await _client.SetStock(sku, 10);
        var (id, order) = await Place(Body(Customer(name), CompleteAddress("US"), Line(sku, 3, 4.25m)));
        Assert.Equal("onHold", order.Status());
        return (sku, id);
    }

    private static void AssertHeld(JsonElement order, string reasonPart)
    {
        Assert.Equal("onHold", order.Status());
        var reasons = order.HoldReasons();
        Assert.True(reasons.Any(r => r.Contains(reasonPart, StringComparison.Ordinal)),
            $"no hold reason mentions '{reasonPart}': [{string.Join(" | ", reasons)}]");
        Assert.Null(order.Payment());
    }

    // ---- the rules ----

    [Fact]
    public async Task An_order_that_breaks_no_rule_is_reserved()
    {
        var sku = Sku("review-clean");
        await _client.SetStock(sku, 10);

        var (_, order) = await Place(Body(Customer("clean"), CompleteAddress("FR"), Line(sku, 2, 500m)));

        // 1000 EUR exactly is not above the threshold.
        Assert.Equal(1000m, order.Dec("total"));
        Assert.Equal("reserved", order.Status());
        Assert.Empty(order.HoldReasons());
    }

    [Fact]
    public async Task An_order_above_the_total_threshold_is_held_with_its_stock_reserved()
    {
        var sku = Sku("review-total");
        await _client.SetStock(sku, 10);

        var (id, order) = await Place(Body(Customer("big"), CompleteAddress(), Line(sku, 2, 500.01m)));

        AssertHeld(order, "above the review threshold");
        AssertHeld(await _client.Order(id), "above the review threshold");
        Assert.Equal(new StockFigures(sku, 10, 2, 0, 8), await _client.Stock(sku));
    }

    [Fact]
    public async Task An_order_to_a_country_not_served_is_held_with_its_stock_reserved()
    {
        var sku = Sku("review-country");
        await _client.SetStock(sku, 10);

        var (id, order) = await Place(Body(Customer("abroad"), CompleteAddress("US"), Line(sku, 1, 5m)));

        AssertHeld(order, "US");
        AssertHeld(await _client.Order(id), "not served");
        Assert.Equal(new StockFigures(sku, 10, 1, 0, 9), await _client.Stock(sku));
    }

    [Fact]
    public async Task An_order_with_an_incomplete_address_is_held_naming_what_is_missing()
    {
        var sku = Sku("review-address");
        await _client.SetStock(sku, 10);
        var address = new { name = "Ada Buyer", line1 = "1 Main St", city = "Berlin", country = "DE" };

        var (id, order) = await Place(Body(Customer("no-zip"), address, Line(sku, 1, 5m)));

        AssertHeld(order, "postalCode");
        Assert.Contains("incomplete", Assert.Single((await _client.Order(id)).HoldReasons()));
        Assert.Equal(new StockFigures(sku, 10, 1, 0, 9), await _client.Stock(sku));
    }

    [Fact]
    public async Task An_order_without_any_address_is_held_when_a_complete_address_is_required()
    {
        var sku = Sku("review-no-address");
        await _client.SetStock(sku, 10);

        var (_, order) = await Place(Body(Customer("no-address"), null, Line(sku, 1, 5m)));

        AssertHeld(order, "incomplete shipping address");
        Assert.Equal(1, (await _client.Stock(sku)).Reserved);
    }

    [Fact]
    public async Task An_order_from_a_blocked_customer_is_held_with_its_stock_reserved()
    {
        var sku = Sku("review-blocked");
        await _client.SetStock(sku, 10);

        var (id, order) = await Place(Body(ReviewEngineFixture.BlockedCustomer, CompleteAddress(), Line(sku, 3, 4.25m)));

        AssertHeld(order, "block list");
        AssertHeld(await _client.Order(id), ReviewEngineFixture.BlockedCustomer);
        Assert.Equal(new StockFigures(sku, 10, 3, 0, 7), await _client.Stock(sku));
    }

    [Fact]
    public async Task An_order_breaking_several_rules_lists_every_reason()
    {
        var sku = Sku("review-many");
        await _client.SetStock(sku, 10);

        // The other blocked customer orders only here, so the velocity rule adds no fourth reason.
        var (_, order) = await Place(Body(ReviewEngineFixture.OtherBlockedCustomer, CompleteAddress("US"), Line(sku, 3, 400m)));

        Assert.Equal("onHold", order.Status());
        var reasons = order.HoldReasons();
        Assert.Equal(3, reasons.Length);
        Assert.Contains(reasons, r => r.Contains("above the review threshold"));
        Assert.Contains(reasons, r => r.Contains("not served"));
        Assert.Contains(reasons, r => r.Contains("block list"));
    }

    [Fact]
    public async Task A_customers_order_beyond_the_allowed_number_within_the_window_is_held_and_another_customer_is_not()
    {
        var sku = Sku("review-velocity");
        await _client.SetStock(sku, 100);
        var customer = Customer("busy");
        for (var i = 0; i < ReviewEngineFixture.MaxOrdersPerCustomer; i++)
        {
            var (_, ok) = await Place(Body(customer, CompleteAddress(), Line(sku, 1, 5m)));
            Assert.Equal("reserved", ok.Status());
        }

        var (id, third) = await Place(Body(customer, CompleteAddress(), Line(sku, 1, 5m)));

        AssertHeld(third, customer);
        Assert.Contains("3 orders", Assert.Single(third.HoldReasons()));
        var (_, other) = await Place(Body(Customer("calm"), CompleteAddress(), Line(sku, 1, 5m)));
        Assert.Equal("reserved", other.Status());
        Assert.Equal(4, (await _client.Stock(sku)).Reserved);
        Assert.Equal("onHold", (await _client.Order(id)).Status());
    }

    [Fact]
    public async Task Placing_the_same_order_again_does_not_count_as_another_order_of_the_customer()
    {
        var sku = Sku("review-velocity-retry");
        await _client.SetStock(sku, 100);
        var customer = Customer("retrier");
        var key = NewKey();
        var body = Body(customer, CompleteAddress(), Line(sku, 1, 5m));
        for (var i = 0; i < 3; i++)
        {
            using var response = await _client.PlaceOrder(key, body);
            await ExpectStatus(response, HttpStatusCode.Created);
        }

        var (_, second) = await Place(Body(customer, CompleteAddress(), Line(sku, 1, 5m)));

        Assert.Equal("reserved", second.Status());
    }

    // ---- the operator's decision ----

    [Fact]
    public async Task Approving_a_held_order_makes_it_reserved_and_payable()
    {
        var (sku, id) = await HeldOrder("review-approve");

        using var response = await _client.Review(id, "approve", "alice", "known customer, checked by phone");

        await ExpectStatus(response, HttpStatusCode.OK);
        var approved = await Api.Body(response);
        Assert.Equal("reserved", approved.Status());
        Assert.Empty(approved.HoldReasons());
        Assert.Equal("reserved", (await _client.Order(id)).Status());
        Assert.Equal(3, (await _client.Stock(sku)).Reserved);
        using (var pay = await _client.Pay(id, 12.75m, "EUR", "psp-approved"))
        {
            await ExpectStatus(pay, HttpStatusCode.OK);
            Assert.Equal("paid", (await Api.Body(pay)).Status());
        }
        await _client.StockEventually(sku, s => s.Sold == 3);
        Assert.Equal(new StockFigures(sku, 10, 0, 3, 7), await _client.Stock(sku));
    }

    [Fact]
    public async Task The_decision_is_read_without_regard_to_case()
    {
        var (_, id) = await HeldOrder("review-case");

        using var response = await _client.Review(id, "APPROVE");

        await ExpectStatus(response, HttpStatusCode.OK);
        Assert.Equal("reserved", (await Api.Body(response)).Status());
    }

    [Fact]
    public async Task Rejecting_a_held_order_cancels_it_and_releases_its_stock()
    {
        var (sku, id) = await HeldOrder("review-reject");

        using var response = await _client.Review(id, "reject", "alice", "fraud pattern");

        await ExpectStatus(response, HttpStatusCode.OK);
        Assert.Equal("cancelled", (await Api.Body(response)).Status());
        var order = await _client.Order(id);
        Assert.Equal("cancelled", order.Status());
        Assert.Empty(order.Refunds());
        await _client.StockEventually(sku, s => s.Reserved == 0);
        Assert.Equal(new StockFigures(sku, 10, 0, 0, 10), await _client.Stock(sku));
        using var pay = await _client.Pay(id, 12.75m, "EUR", "psp-late");
        await AssertProblem(pay, HttpStatusCode.Conflict, "invalid-state");
    }

    [Fact]
    public async Task A_second_decision_on_an_order_already_decided_is_409()
    {
        var (sku, id) = await HeldOrder("review-twice");
        using (var first = await _client.Review(id, "approve")) await ExpectStatus(first, HttpStatusCode.OK);
        var before = await _client.Snapshot(id, sku);

        using var second = await _client.Review(id, "reject");

        await AssertProblem(second, HttpStatusCode.Conflict, "invalid-state");
        await _client.AssertUnchanged(before, id, sku);
    }

    [Fact]
    public async Task Approving_an_order_that_is_not_held_is_409_and_changes_nothing()
    {
        var sku = Sku("review-not-held");
        await _client.SetStock(sku, 10);
        var (id, order) = await Place(Body(Customer("plain"), CompleteAddress(), Line(sku, 1, 5m)));
        Assert.Equal("reserved", order.Status());
        var before = await _client.Snapshot(id, sku);

        using var response = await _client.Review(id, "approve");

        await AssertProblem(response, HttpStatusCode.Conflict, "invalid-state");
        await _client.AssertUnchanged(before, id, sku);
    }

    [Theory]
    [InlineData("maybe")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("approved")]
    public async Task A_decision_other_than_approve_or_reject_is_400_and_changes_nothing(string? decision)
    {
        var (sku, id) = await HeldOrder("review-bad-decision");
        var before = await _client.Snapshot(id, sku);

        using var response = await _client.Review(id, decision);

        await AssertValidationProblem(response, "decision");
        await _client.AssertUnchanged(before, id, sku);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(" ")]
    public async Task A_decision_without_an_operator_in_the_body_is_attributed_to_the_caller(string? operatorName)
    {
        var (_, id) = await HeldOrder("review-no-operator");

        using var response = await _client.Review(id, "approve", operatorName);

        await ExpectStatus(response, HttpStatusCode.OK);
        var timeline = await _client.GetFromJsonAsync<JsonElement>($"/api/orders/{id}/events");
        Assert.Contains(timeline.EnumerateArray(), e => e.GetProperty("by").GetString() == "operator:key:bootstrap");
    }

    [Fact]
    public async Task A_review_without_a_body_is_400_and_changes_nothing()
    {
        var (sku, id) = await HeldOrder("review-no-body");
        var before = await _client.Snapshot(id, sku);

        using var response = await _client.PostAsync($"/api/orders/{id}/review", Json(""));

        await AssertProblem(response, HttpStatusCode.BadRequest, "malformed-request", "invalid");
        await _client.AssertUnchanged(before, id, sku);
    }

    [Fact]
    public async Task Reviewing_an_unknown_order_is_404()
    {
        using var response = await _client.Review(Identifiers.OrderIdFromIdempotencyKey(NewKey()), "approve");

        await AssertProblem(response, HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task A_held_order_can_be_cancelled_and_its_stock_is_released()
    {
        var (sku, id) = await HeldOrder("review-cancel");

        using var response = await _client.Cancel(id);

        await ExpectStatus(response, HttpStatusCode.OK);
        Assert.Equal("cancelled", (await Api.Body(response)).Status());
        await _client.StockEventually(sku, s => s.Reserved == 0);
    }

    // ---- payment while held ----

    [Fact]
    public async Task A_held_order_paid_by_webhook_stays_on_hold_with_the_payment_recorded_and_approval_makes_it_paid()
    {
        var (sku, id) = await HeldOrder("review-paid-approve");
        var paymentId = NewPaymentId();

        var answer = await _client.Deliver(Captured(id, 12.75m, "EUR", paymentId));

        Assert.Equal("payment accepted", answer.Str("outcome"));
        Assert.Equal("onHold", answer.Str("orderStatus"));
        var held = await _client.Order(id);
        Assert.Equal("onHold", held.Status());
        Assert.Equal(paymentId, held.Payment()!.Value.Str("reference"));
        Assert.NotEmpty(held.HoldReasons());
        // Paid but still held: nothing is sold until a person approves.
        Assert.Equal(new StockFigures(sku, 10, 3, 0, 7), await _client.Stock(sku));

        using var response = await _client.Review(id, "approve", "alice");

        await ExpectStatus(response, HttpStatusCode.OK);
        Assert.Equal("paid", (await Api.Body(response)).Status());
        var paid = await _client.SettledOrder(id);
        // Paid; held again only if no shipping method serves its address (a country the review serves may not be one the shipping rules serve).
        Assert.Contains(paid.GetProperty("history").EnumerateArray(), h => h.Str("status") == "paid");
        Assert.Equal(paymentId, paid.Payment()!.Value.Str("reference"));
        Assert.Empty(paid.Refunds());
        await _client.StockEventually(sku, s => s.Sold == 3);
        Assert.Equal(new StockFigures(sku, 10, 0, 3, 7), await _client.Stock(sku));
    }

    [Fact]
    public async Task Rejecting_a_held_order_after_it_was_paid_cancels_it_and_refunds_the_payment()
    {
        var (sku, id) = await HeldOrder("review-paid-reject");
        var paymentId = await _client.PayByWebhook(id, 12.75m);

        using var response = await _client.Review(id, "reject", "alice", "stolen card");

        await ExpectStatus(response, HttpStatusCode.OK);
        Assert.Equal("cancelled", (await Api.Body(response)).Status());
        var order = await _client.SettledOrder(id);
        Assert.Equal("cancelled", order.Status());
        var refund = Assert.Single(order.Refunds());
        Assert.Equal(paymentId, refund.Str("paymentReference"));
        Assert.Equal(12.75m, refund.Dec("amount"));
        Assert.Equal("sandbox", refund.Str("provider"));
        Assert.Equal("operator:key:bootstrap", refund.Str("by"));
        Assert.Equal("succeeded", refund.Str("status"));
        Assert.Equal(0m, order.Dec("refundable"));
        await _client.StockEventually(sku, s => s.Reserved == 0);
        Assert.Equal(new StockFigures(sku, 10, 0, 0, 10), await _client.Stock(sku));
    }

    [Fact]
    public async Task A_held_order_whose_payment_was_refunded_in_full_does_not_become_paid_when_approved()
    {
        var (sku, id) = await HeldOrder("review-refunded-approve");
        await _client.PayByWebhook(id, 12.75m);
        using (var refund = await _client.Refund(id, new { reason = "customer asked" }, NewKey()))
        {
            // Refusing to refund a held order would also be fine; if accepted, the money goes back.
            if (refund.StatusCode != HttpStatusCode.Accepted)
            {
                await AssertProblem(refund, HttpStatusCode.Conflict, "invalid-state");
                return;
            }
        }
        await _client.OrderEventually(id, o => o.Refunds().Any(r => r.Str("status") == "succeeded"));

        using var review = await _client.Review(id, "approve");

        // All money went back, so approving cannot make the order paid and sell its units.
        var order = await _client.Order(id);
        Assert.True(order.Status() != "paid", $"approved after a full refund, the order is {order.Status()} with refundable {order.Dec("refundable")}: {order}");
        Assert.Equal(0, (await _client.Stock(sku)).Sold);
    }

    [Fact]
    public async Task A_held_order_paid_by_the_payment_endpoint_stays_on_hold_until_approved()
    {
        var (sku, id) = await HeldOrder("review-paid-manual");

        using (var pay = await _client.Pay(id, 12.75m, "EUR", "psp-held"))
        {
            await ExpectStatus(pay, HttpStatusCode.OK);
            Assert.Equal("onHold", (await Api.Body(pay)).Status());
        }
        Assert.Equal(3, (await _client.Stock(sku)).Reserved);

        using var response = await _client.Review(id, "approve");

        await ExpectStatus(response, HttpStatusCode.OK);
        Assert.Equal("paid", (await Api.Body(response)).Status());
        await _client.StockEventually(sku, s => s.Sold == 3 && s.Reserved == 0);
    }
}
