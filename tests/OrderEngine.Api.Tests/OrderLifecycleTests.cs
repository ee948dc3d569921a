using System.Net;
using OrderEngine.Domain;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests;

/// <summary>GET /api/orders/{id}, POST /api/orders/{id}/payment and POST /api/orders/{id}/cancel.</summary>
public sealed class OrderLifecycleTests(EngineFixture engine) : IClassFixture<EngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    /// <summary>A SKU with 10 on hand and an order reserving 3 of it at 4.25 EUR (total 12.75).</summary>
    private async Task<(string Sku, string OrderId)> ReservedOrder(string name)
    {
        var sku = Sku(name);
        await _client.SetStock(sku, 10);
        var (id, order) = await _client.PlaceReservedOrder(Line(sku, 3, 4.25m));
        Assert.Equal(12.75m, order.GetProperty("total").GetDecimal());
        return (sku, id);
    }

    [Fact]
    public async Task Reading_an_unknown_order_is_a_404_problem()
    {
        using var response = await _client.GetAsync($"/api/orders/{Identifiers.OrderIdFromIdempotencyKey(NewKey())}");

        await AssertProblem(response, HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Reading_an_order_id_that_cannot_exist_is_a_404_problem()
    {
        using var response = await _client.GetAsync("/api/orders/-not~an~id");

        await AssertProblem(response, HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Paying_the_exact_total_marks_the_order_paid_and_moves_its_stock_from_reserved_to_sold()
    {
        var (sku, id) = await ReservedOrder("pay");

        using var response = await _client.Pay(id, 12.75m, "EUR", "psp-1");

        await ExpectStatus(response, HttpStatusCode.OK);
        var paid = await Body(response);
        Assert.Equal("paid", paid.Status());
        Assert.Equal("psp-1", paid.GetProperty("payment").GetProperty("reference").GetString());
        Assert.Equal("paid", (await _client.Order(id)).Status());
        await _client.StockEventually(sku, s => s.Sold == 3);
        Assert.Equal(new StockFigures(sku, 10, 0, 3, 7), await _client.Stock(sku));
    }

    [Fact]
    public async Task A_payment_of_the_wrong_amount_is_refused_and_the_order_stays_reserved()
    {
        var (sku, id) = await ReservedOrder("pay-amount");

        using var response = await _client.Pay(id, 12.74m, "EUR", "psp-1");

        await AssertProblem(response, HttpStatusCode.UnprocessableEntity, "payment-mismatch");
        var order = await _client.Order(id);
        Assert.Equal("reserved", order.Status());
        Assert.False(order.TryGetProperty("payment", out var payment) && payment.ValueKind != System.Text.Json.JsonValueKind.Null);
        Assert.Equal(new StockFigures(sku, 10, 3, 0, 7), await _client.Stock(sku));
        // The refusal did not use up the order: the right amount is still accepted.
        using var right = await _client.Pay(id, 12.75m, "EUR", "psp-1");
        await ExpectStatus(right, HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_payment_in_the_wrong_currency_is_refused_and_the_order_stays_reserved()
    {
        var (sku, id) = await ReservedOrder("pay-currency");

        using var response = await _client.Pay(id, 12.75m, "USD", "psp-1");

        await AssertProblem(response, HttpStatusCode.UnprocessableEntity, "payment-mismatch");
        Assert.Equal("reserved", (await _client.Order(id)).Status());
        Assert.Equal(new StockFigures(sku, 10, 3, 0, 7), await _client.Stock(sku));
    }

    [Fact]
    public async Task Paying_twice_with_the_same_reference_is_idempotent()
    {
        var (sku, id) = await ReservedOrder("pay-twice");
        using (var first = await _client.Pay(id, 12.75m, "EUR", "psp-same"))
            await ExpectStatus(first, HttpStatusCode.OK);
        await _client.StockEventually(sku, s => s.Sold == 3);

        using var second = await _client.Pay(id, 12.75m, "EUR", "psp-same");

        await ExpectStatus(second, HttpStatusCode.OK);
        var order = await Body(second);
        Assert.Equal("paid", order.Status());
        Assert.Equal("psp-same", order.GetProperty("payment").GetProperty("reference").GetString());
        Assert.Single(order.GetProperty("history").EnumerateArray(), h => h.GetProperty("status").GetString() == "paid");
        Assert.Equal(new StockFigures(sku, 10, 0, 3, 7), await _client.Stock(sku));
    }

    [Fact]
    public async Task A_payment_without_a_reference_is_refused_as_invalid_and_the_order_stays_reserved()
    {
        var (sku, id) = await ReservedOrder("pay-no-ref");

        using var response = await _client.Pay(id, 12.75m, "EUR", " ");

        await AssertProblem(response, HttpStatusCode.BadRequest, "invalid");
        Assert.Equal("reserved", (await _client.Order(id)).Status());
        Assert.Equal(new StockFigures(sku, 10, 3, 0, 7), await _client.Stock(sku));
    }

    [Fact]
    public async Task A_payment_with_a_different_reference_after_the_order_is_paid_is_refused()
    {
        var (sku, id) = await ReservedOrder("pay-other-ref");
        using (var first = await _client.Pay(id, 12.75m, "EUR", "psp-first"))
            await ExpectStatus(first, HttpStatusCode.OK);

        using var response = await _client.Pay(id, 12.75m, "EUR", "psp-second");

        await AssertProblem(response, HttpStatusCode.Conflict, "invalid-state");
        var order = await _client.Order(id);
        Assert.Equal("paid", order.Status());
        Assert.Equal("psp-first", order.GetProperty("payment").GetProperty("reference").GetString());
        await _client.StockEventually(sku, s => s.Sold == 3);
        Assert.Equal(new StockFigures(sku, 10, 0, 3, 7), await _client.Stock(sku));
    }

    [Fact]
    public async Task Paying_an_unknown_order_is_a_404_problem_and_creates_nothing()
    {
        var id = Identifiers.OrderIdFromIdempotencyKey(NewKey());

        using var response = await _client.Pay(id, 1m, "EUR", "psp-1");

        await AssertProblem(response, HttpStatusCode.NotFound, "not-found");
        await _client.AssertNoOrder(id);
    }

    [Fact]
    public async Task Cancelling_a_reserved_order_marks_it_cancelled_and_releases_its_stock()
    {
        var (sku, id) = await ReservedOrder("cancel");

        using var response = await _client.Cancel(id);

        await ExpectStatus(response, HttpStatusCode.OK);
        Assert.Equal("cancelled", (await Body(response)).Status());
        Assert.Equal("cancelled", (await _client.Order(id)).Status());
        await _client.StockEventually(sku, s => s.Reserved == 0);
        Assert.Equal(new StockFigures(sku, 10, 0, 0, 10), await _client.Stock(sku));
    }

    [Fact]
    public async Task Cancelling_without_a_body_is_accepted()
    {
        var (sku, id) = await ReservedOrder("cancel-no-body");

        using var response = await _client.Cancel(id, reason: null);

        await ExpectStatus(response, HttpStatusCode.OK);
        Assert.Equal("cancelled", (await Body(response)).Status());
        await _client.StockEventually(sku, s => s.Reserved == 0);
    }

    [Fact]
    public async Task Cancelling_a_paid_order_is_refused_and_it_stays_paid()
    {
        var (sku, id) = await ReservedOrder("cancel-paid");
        using (var pay = await _client.Pay(id, 12.75m, "EUR", "psp-1"))
            await ExpectStatus(pay, HttpStatusCode.OK);

        using var response = await _client.Cancel(id);

        await AssertProblem(response, HttpStatusCode.Conflict, "invalid-state");
        Assert.Equal("paid", (await _client.Order(id)).Status());
        await _client.StockEventually(sku, s => s.Sold == 3);
        Assert.Equal(new StockFigures(sku, 10, 0, 3, 7), await _client.Stock(sku));
    }

    [Fact]
    public async Task Cancelling_twice_is_accepted_both_times_and_releases_once()
    {
        var (sku, id) = await ReservedOrder("cancel-twice");
        using (var first = await _client.Cancel(id))
            await ExpectStatus(first, HttpStatusCode.OK);

        using var second = await _client.Cancel(id);

        await ExpectStatus(second, HttpStatusCode.OK);
        var order = await Body(second);
        Assert.Equal("cancelled", order.Status());
        Assert.Single(order.GetProperty("history").EnumerateArray(), h => h.GetProperty("status").GetString() == "cancelled");
        await _client.StockEventually(sku, s => s.Reserved == 0);
        Assert.Equal(new StockFigures(sku, 10, 0, 0, 10), await _client.Stock(sku));
    }

    [Fact]
    public async Task Cancelling_an_unknown_order_is_a_404_problem()
    {
        using var response = await _client.Cancel(Identifiers.OrderIdFromIdempotencyKey(NewKey()));

        await AssertProblem(response, HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Paying_a_cancelled_order_is_refused_and_sells_nothing()
    {
        var (sku, id) = await ReservedOrder("pay-cancelled");
        using (var cancel = await _client.Cancel(id))
            await ExpectStatus(cancel, HttpStatusCode.OK);

        using var response = await _client.Pay(id, 12.75m, "EUR", "psp-1");

        await AssertProblem(response, HttpStatusCode.Conflict, "invalid-state");
        Assert.Equal("cancelled", (await _client.Order(id)).Status());
        await _client.StockEventually(sku, s => s.Reserved == 0);
        Assert.Equal(new StockFigures(sku, 10, 0, 0, 10), await _client.Stock(sku));
    }
}
