using System.Net;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests;

/// <summary>Reservations expire: with a two-second hold an unpaid order ends and its stock comes back.</summary>
public sealed class OrderExpiryTests(ShortHoldEngineFixture engine) : IClassFixture<ShortHoldEngineFixture>
{
    private static readonly TimeSpan ExpiryWithin = TimeSpan.FromSeconds(15);
    private readonly HttpClient _client = engine.Client;

    private Task<System.Text.Json.JsonElement> OrderEventually(string id, string status) =>
        Eventually(() => _client.Order(id), o => o.Status() == status, ExpiryWithin, $"order {id}");

    [Fact]
    public async Task An_unpaid_order_expires_after_its_hold_time_and_its_stock_is_released()
    {
        var sku = Sku("expire");
        await _client.SetStock(sku, 10);
        var (id, _) = await _client.PlaceReservedOrder(Line(sku, 4, 1m));
        Assert.Equal(4, (await _client.Stock(sku)).Reserved);

        await OrderEventually(id, "expired");

        await _client.StockEventually(sku, s => s.Reserved == 0, ExpiryWithin);
        Assert.Equal(new StockFigures(sku, 10, 0, 0, 10), await _client.Stock(sku));
    }

    [Fact]
    public async Task Paying_an_order_after_it_expired_is_refused_and_sells_nothing()
    {
        var sku = Sku("pay-expired");
        await _client.SetStock(sku, 10);
        var (id, order) = await _client.PlaceReservedOrder(Line(sku, 4, 1m));
        await OrderEventually(id, "expired");

        using var response = await _client.Pay(id, order.GetProperty("total").GetDecimal(), "EUR", "psp-late");

        await AssertProblem(response, HttpStatusCode.Conflict, "hold-expired", "invalid-state");
        Assert.Equal("expired", (await _client.Order(id)).Status());
        await _client.StockEventually(sku, s => s.Reserved == 0, ExpiryWithin);
        Assert.Equal(new StockFigures(sku, 10, 0, 0, 10), await _client.Stock(sku));
    }

    [Fact]
    public async Task An_order_paid_within_its_hold_time_does_not_expire()
    {
        var sku = Sku("paid-in-time");
        await _client.SetStock(sku, 10);
        var (id, order) = await _client.PlaceReservedOrder(Line(sku, 4, 1m));

        using (var pay = await _client.Pay(id, order.GetProperty("total").GetDecimal(), "EUR", "psp-quick"))
            await ExpectStatus(pay, HttpStatusCode.OK);

        await _client.StockEventually(sku, s => s.Sold == 4, ExpiryWithin);
        // Wait past the hold time (bounded by the order's own expiry stamp) and check nothing was released.
        var expiresAt = order.GetProperty("expiresAt").GetDateTimeOffset();
        await Eventually(() => Task.FromResult(DateTimeOffset.UtcNow), now => now > expiresAt + TimeSpan.FromSeconds(2), ExpiryWithin, "clock");
        Assert.Equal("paid", (await _client.Order(id)).Status());
        Assert.Equal(new StockFigures(sku, 10, 0, 4, 6), await _client.Stock(sku));
    }
}
