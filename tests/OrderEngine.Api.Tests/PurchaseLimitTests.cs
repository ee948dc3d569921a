using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static OrderEngine.Api.Tests.Api;
using static OrderEngine.Api.Tests.Webhooks;

namespace OrderEngine.Api.Tests;

/// <summary>PUT /api/stock/{sku}/limit: a flash sale's per-buyer limit; orders over it are refused naming the line.</summary>
public sealed class PurchaseLimitTests(EngineFixture engine) : IClassFixture<EngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    private Task<HttpResponseMessage> PutLimit(string sku, int? perCustomer) =>
        _client.PutAsJsonAsync($"/api/stock/{sku}/limit", new Dictionary<string, int?> { ["perCustomer"] = perCustomer });

    /// <summary>A SKU with 100 on hand and a limit of 2 per customer.</summary>
    private async Task<string> LimitedSku(string name, int perCustomer = 2)
    {
        var sku = Sku(name);
        await _client.SetStock(sku, 100);
        using var response = await PutLimit(sku, perCustomer);
        await ExpectStatus(response, HttpStatusCode.OK);
        return sku;
    }

    private static string Customer(string name) => $"{name}-{Guid.NewGuid().ToString("N")[..8]}";

    private Task<HttpResponseMessage> Order(string customerId, params object[] lines) =>
        _client.PlaceOrder(NewKey(), new { channel = "web", customerId, currency = "EUR", lines });

    private async Task<string> OrderReserved(string customerId, params object[] lines)
    {
        using var response = await Order(customerId, lines);
        await ExpectStatus(response, HttpStatusCode.Created);
        var order = await Body(response);
        Assert.Equal("reserved", order.Status());
        return order.Str("id");
    }

    /// <summary>Asserts a 409 naming exactly this line as over the limit.</summary>
    private static async Task<JsonElement> AssertOverLimit(HttpResponseMessage response, string sku)
    {
        var problem = await AssertProblem(response, HttpStatusCode.Conflict, "lines-not-reserved");
        var line = Assert.Single(problem.GetProperty("lines").EnumerateArray());
        Assert.Equal(sku, line.Str("sku"));
        Assert.Equal("PurchaseLimitExceeded", line.Str("code"));
        Assert.Contains(sku, problem.Str("detail"));
        return problem;
    }

    [Fact]
    public async Task Setting_a_limit_is_answered_with_the_stock_and_its_limit()
    {
        var sku = Sku("limit-set");
        await _client.SetStock(sku, 100);

        using var response = await PutLimit(sku, 2);

        await ExpectStatus(response, HttpStatusCode.OK);
        var stock = await Body(response);
        Assert.Equal(2, stock.GetProperty("perCustomerLimit").GetInt32());
        Assert.Equal(new StockFigures(sku, 100, 0, 0, 100), StockFigures.From(stock));
    }

    [Fact]
    public async Task A_customers_orders_beyond_the_limit_in_total_are_refused_naming_the_line_and_reserve_nothing()
    {
        var sku = await LimitedSku("limit-total");
        var customer = Customer("buyer");
        await OrderReserved(customer, Line(sku, 1, 10m));
        await OrderReserved(customer, Line(sku, 1, 10m));

        using var third = await Order(customer, Line(sku, 1, 10m));

        await AssertOverLimit(third, sku);
        Assert.Equal(new StockFigures(sku, 100, 2, 0, 98), await _client.Stock(sku));
    }

    [Fact]
    public async Task One_order_over_the_limit_is_refused()
    {
        var sku = await LimitedSku("limit-single");

        using var response = await Order(Customer("greedy"), Line(sku, 3, 10m));

        await AssertOverLimit(response, sku);
        Assert.Equal(new StockFigures(sku, 100, 0, 0, 100), await _client.Stock(sku));
    }

    [Fact]
    public async Task An_order_that_would_pass_the_limit_is_refused_but_one_that_fits_is_not()
    {
        var sku = await LimitedSku("limit-fit");
        var customer = Customer("buyer");
        await OrderReserved(customer, Line(sku, 1, 10m));

        using (var over = await Order(customer, Line(sku, 2, 10m)))
            await AssertOverLimit(over, sku);

        await OrderReserved(customer, Line(sku, 1, 10m));
        Assert.Equal(2, (await _client.Stock(sku)).Reserved);
    }

    [Fact]
    public async Task Another_customer_can_still_buy_up_to_the_limit()
    {
        var sku = await LimitedSku("limit-other");
        await OrderReserved(Customer("first"), Line(sku, 2, 10m));

        await OrderReserved(Customer("second"), Line(sku, 2, 10m));

        Assert.Equal(new StockFigures(sku, 100, 4, 0, 96), await _client.Stock(sku));
    }

    [Fact]
    public async Task Units_bought_and_paid_count_against_the_limit()
    {
        var sku = await LimitedSku("limit-paid");
        var customer = Customer("payer");
        var id = await OrderReserved(customer, Line(sku, 2, 10m));
        using (var pay = await _client.Pay(id, 20m, "EUR", "psp-limit")) await ExpectStatus(pay, HttpStatusCode.OK);
        await _client.StockEventually(sku, s => s.Sold == 2);

        using var again = await Order(customer, Line(sku, 1, 10m));

        await AssertOverLimit(again, sku);
    }

    [Fact]
    public async Task A_cancelled_order_gives_its_units_back_to_the_customers_allowance()
    {
        var sku = await LimitedSku("limit-cancel");
        var customer = Customer("canceller");
        var id = await OrderReserved(customer, Line(sku, 2, 10m));
        using (var refused = await Order(customer, Line(sku, 1, 10m))) await AssertOverLimit(refused, sku);

        using (var cancel = await _client.Cancel(id)) await ExpectStatus(cancel, HttpStatusCode.OK);
        await _client.StockEventually(sku, s => s.Reserved == 0);

        await OrderReserved(customer, Line(sku, 2, 10m));
        Assert.Equal(new StockFigures(sku, 100, 2, 0, 98), await _client.Stock(sku));
    }

    [Fact]
    public async Task A_refunded_unit_goes_back_to_the_customers_allowance()
    {
        var sku = await LimitedSku("limit-refund");
        var customer = Customer("returner");
        var id = await OrderReserved(customer, Line(sku, 2, 10m));
        using (var pay = await _client.Pay(id, 20m, "EUR", "psp-limit-refund")) await ExpectStatus(pay, HttpStatusCode.OK);
        await _client.SettledOrder(id);

        await _client.RefundAccepted(id, new { lines = new[] { new { sku, quantity = 1 } } }, NewKey());
        await _client.StockEventually(sku, s => s.Sold == 1);

        await OrderReserved(customer, Line(sku, 1, 10m));
        using var over = await Order(customer, Line(sku, 1, 10m));
        await AssertOverLimit(over, sku);
    }

    [Fact]
    public async Task A_multi_line_order_with_one_line_over_the_limit_is_refused_and_its_other_lines_are_released()
    {
        var limited = await LimitedSku("limit-multi");
        var free = Sku("limit-multi-free");
        await _client.SetStock(free, 100);

        using var response = await Order(Customer("mixed"), Line(free, 5, 1m), Line(limited, 3, 10m));

        await AssertOverLimit(response, limited);
        await _client.StockEventually(free, s => s.Reserved == 0);
        Assert.Equal(new StockFigures(free, 100, 0, 0, 100), await _client.Stock(free));
        Assert.Equal(new StockFigures(limited, 100, 0, 0, 100), await _client.Stock(limited));
    }

    [Fact]
    public async Task Lifting_the_limit_lets_the_customer_buy_more()
    {
        var sku = await LimitedSku("limit-lift");
        var customer = Customer("patient");
        await OrderReserved(customer, Line(sku, 2, 10m));

        using (var lift = await PutLimit(sku, null))
        {
            await ExpectStatus(lift, HttpStatusCode.OK);
            Assert.False((await Body(lift)).TryGetProperty("perCustomerLimit", out var limit) && limit.ValueKind != JsonValueKind.Null);
        }

        await OrderReserved(customer, Line(sku, 3, 10m));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public async Task A_limit_below_one_is_400_and_changes_nothing(int perCustomer)
    {
        var sku = await LimitedSku("limit-bad");

        using var response = await PutLimit(sku, perCustomer);

        await AssertProblem(response, HttpStatusCode.BadRequest, "invalid");
        using var get = await _client.GetAsync($"/api/stock/{sku}");
        Assert.Equal(2, (await Body(get)).GetProperty("perCustomerLimit").GetInt32());
    }

    [Fact]
    public async Task A_limit_on_a_sku_that_is_not_stocked_is_404()
    {
        using var response = await PutLimit(Sku("limit-unknown"), 2);

        await AssertProblem(response, HttpStatusCode.NotFound, "unknown-sku");
    }
}
