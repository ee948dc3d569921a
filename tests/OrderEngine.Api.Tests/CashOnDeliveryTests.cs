using System.Net;
using System.Text.Json;
using static OrderEngine.Api.Tests.Api;
using static OrderEngine.Api.Tests.Webhooks;

namespace OrderEngine.Api.Tests;

/// <summary>paymentMethod cashOnDelivery: the order is confirmed without online payment and cannot be paid online.</summary>
public sealed class CashOnDeliveryTests(SandboxEngineFixture engine) : IClassFixture<SandboxEngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    /// <summary>A SKU with 10 on hand and a cash-on-delivery order of 3 × 4.25.</summary>
    private async Task<(string Sku, string Id, JsonElement Order)> CashOrder(string name)
    {
        var sku = Sku(name);
        await _client.SetStock(sku, 10);
        using var response = await _client.PlaceOrder(NewKey(), new
        {
            channel = "web",
            customerId = "customer-1",
            currency = "EUR",
            paymentMethod = "cashOnDelivery",
            lines = new[] { Line(sku, 3, 4.25m) },
        });
        await ExpectStatus(response, HttpStatusCode.Created);
        var order = await Body(response);
        return (sku, order.Str("id"), order);
    }

    [Fact]
    public async Task A_cash_on_delivery_order_is_confirmed_with_its_units_held()
    {
        var (sku, id, order) = await CashOrder("cod-confirm");

        Assert.Equal("confirmed", order.Status());
        Assert.Equal("cashOnDelivery", order.Str("paymentMethod"));
        Assert.Equal("confirmed", (await _client.Order(id)).Status());
        // Held as a reservation until delivery (nothing is sold before the parcel is delivered and paid).
        var stock = await _client.Stock(sku);
        Assert.Equal((3L, 0L, 7L), (stock.Reserved, stock.Sold, stock.Available));
    }

    [Fact]
    public async Task Paying_a_cash_on_delivery_order_through_the_payment_endpoint_is_409_and_changes_nothing()
    {
        var (sku, id, _) = await CashOrder("cod-pay");
        var before = await _client.Snapshot(id, sku);

        using var response = await _client.Pay(id, 12.75m, "EUR", "psp-cod");

        await AssertProblem(response, HttpStatusCode.Conflict, "invalid-state");
        await _client.AssertUnchanged(before, id, sku);
        Assert.Equal("confirmed", (await _client.Order(id)).Status());
    }

    [Fact]
    public async Task A_provider_capture_for_a_cash_on_delivery_order_is_an_anomaly_refunded()
    {
        var (_, id, _) = await CashOrder("cod-capture");
        var paymentId = NewPaymentId();

        var answer = await _client.Deliver(Captured(id, 12.75m, "EUR", paymentId));

        Assert.StartsWith("anomaly", answer.Str("outcome"));
        var order = await _client.OrderEventually(id, o => o.Refunds().Any(r => r.Str("status") == "succeeded"));
        Assert.Equal("confirmed", order.Status());
        Assert.Null(order.Payment());
        Assert.Contains("cash on delivery", Assert.Single(order.Anomalies()).Str("reason"));
        Assert.Equal(paymentId, Assert.Single(order.Refunds()).Str("paymentReference"));
    }

    [Fact]
    public async Task Cancelling_a_cash_on_delivery_order_puts_its_units_back_on_sale()
    {
        var (sku, id, _) = await CashOrder("cod-cancel");

        using var response = await _client.Cancel(id, "customer no longer wants it");

        await ExpectStatus(response, HttpStatusCode.OK);
        Assert.Equal("cancelled", (await Body(response)).Status());
        await _client.SettledOrder(id);
        // Nothing was delivered or paid: all ten units must be available again.
        await _client.StockEventually(sku, s => s.Available == 10);
        Assert.Equal(new StockFigures(sku, 10, 0, 0, 10), await _client.Stock(sku));
    }
}
