using OrderEngine.Client;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests.OpenApi;

/// <summary>
/// The README walkthrough through the committed, generated client (src/OrderEngine.Client): what an integrator gets
/// from the document works against the engine, answers and problems alike.
/// </summary>
public sealed class ClientWalkthroughTests(OrderEngine.Api.Tests.Security.SecuredEngineFixture engine) : IClassFixture<OrderEngine.Api.Tests.Security.SecuredEngineFixture>
{
    // Authentication is on: the client sends the bootstrap admin key, as the README's first key.
    private readonly OrderEngineClient _api = new(WithKey(engine.Client, OrderEngine.Api.Tests.Security.SecuredEngineFixture.AdminKey));

    private static HttpClient WithKey(HttpClient client, string key)
    {
        if (!client.DefaultRequestHeaders.Contains("X-Api-Key")) client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    [Fact]
    public async Task The_readme_walkthrough_runs_through_the_generated_client()
    {
        var sku = Sku("A-1");
        var other = Sku("B-7");
        var orderId = "ord-" + Guid.NewGuid().ToString("N")[..8];

        // 1. 500 units on hand, and the product's definition.
        var stock = await _api.SetStockAsync(sku, new SetStockRequest { OnHand = 500, Version = 1 });
        Assert.Equal(500, stock.Available);
        var product = await _api.PutProductAsync(sku, new ProductRequest
        {
            Name = "Mug", WeightKg = 0.4, Dimensions = new DimensionsRequest { LengthCm = 12, WidthCm = 10, HeightCm = 10 },
        });
        Assert.Equal("Mug", product.Name);

        // 2. An order with its own id: reserved and priced by the engine; placing it again returns the same order.
        var request = new PlaceOrderRequest
        {
            Id = orderId, Channel = "web", CustomerId = "c-1", Currency = "EUR",
            Lines = [new OrderLineBody { Sku = sku, Quantity = 2, UnitPrice = 9.99 }],
            ShippingAddress = new AddressBody { Name = "Ada Buyer", Line1 = "1 Main St", City = "Berlin", PostalCode = "10115", Country = "DE" },
        };
        var placed = await _api.PlaceOrderAsync(request);
        Assert.Equal(OrderStatus.Reserved, placed.Status);
        Assert.Equal(19.98, placed.Total, 2);
        Assert.Equal(orderId, (await _api.PlaceOrderAsync(request)).Id);

        // 3. Paid with the exact total.
        var paid = await _api.PayOrderAsync(orderId, new PaymentRequest { Amount = 19.98, Currency = "EUR", Reference = "psp-tx-42" });
        Assert.Equal(OrderStatus.Paid, paid.Status);

        // A paid order with an address gets its shipping method (its kind is one of the document's enum values).
        var shipping = await Eventually(() => _api.GetOrderAsync(orderId), o => o.ShippingMethod is not null, TimeSpan.FromSeconds(10), $"{orderId}'s shipping method");
        Assert.NotNull(shipping.ShippingMethod.Kind);
        Assert.False(string.IsNullOrEmpty(shipping.ShippingMethod.Reason));

        // 4. The two units moved from reserved to sold.
        stock = await _api.GetStockAsync(sku);
        Assert.Equal((0L, 2L, 498L), (stock.Reserved, stock.Sold, stock.Available));

        // 5. An order the stock cannot cover: a 409 problem naming each line, nothing reserved.
        var refused = await Assert.ThrowsAsync<OrderEngineApiException<ProblemDetails>>(() => _api.PlaceOrderAsync(new PlaceOrderRequest
        {
            Channel = "web", CustomerId = "c-2", Currency = "EUR",
            Lines = [new OrderLineBody { Sku = sku, Quantity = 1000, UnitPrice = 9.99 }, new OrderLineBody { Sku = other, Quantity = 1, UnitPrice = 5 }],
        }, idempotency_Key: NewKey()));
        Assert.Equal(409, refused.StatusCode);
        Assert.Equal(ProblemType + "lines-not-reserved", refused.Result.Type);
        Assert.Contains(sku, refused.Result.Detail);
        Assert.Contains(other, refused.Result.Detail);
        Assert.Equal(0, (await _api.GetStockAsync(sku)).Reserved);

        // Also: read the order, cancel an unpaid one (its stock is released), adjust stock by a delta with a reason.
        Assert.Equal(OrderStatus.Paid, (await _api.GetOrderAsync(orderId)).Status);
        var unpaid = await _api.PlaceOrderAsync(new PlaceOrderRequest
        {
            Channel = "web", CustomerId = "c-3", Currency = "EUR", Lines = [new OrderLineBody { Sku = sku, Quantity = 3, UnitPrice = 9.99 }],
        }, idempotency_Key: NewKey());
        Assert.Equal(3, (await _api.GetStockAsync(sku)).Reserved);
        var cancelled = await _api.CancelOrderAsync(unpaid.Id, new CancelRequest { Reason = "customer request" });
        Assert.Equal(OrderStatus.Cancelled, cancelled.Status);
        Assert.Equal(0, (await _api.GetStockAsync(sku)).Reserved);
        var adjusted = await _api.AdjustStockAsync(sku, new AdjustStockRequest { Delta = 24, Reason = "received", AdjustmentId = "grn-5531" });
        Assert.Equal(524, adjusted.OnHand);
        Assert.Equal(524, (await _api.AdjustStockAsync(sku, new AdjustStockRequest { Delta = 24, Reason = "received", AdjustmentId = "grn-5531" })).OnHand);

        // A read of what does not exist is the document's 404 problem.
        var missing = await Assert.ThrowsAsync<OrderEngineApiException<ProblemDetails>>(() => _api.GetOrderAsync("no-such-order"));
        Assert.Equal(404, missing.StatusCode);
    }

    [Fact]
    public async Task Keys_are_made_listed_and_revoked_through_the_generated_client()
    {
        var created = await _api.CreateApiKeyAsync(new CreateKeyRequest { Name = "client-made", Roles = ["reporting"] });
        Assert.StartsWith("oe_", created.Key);
        var listed = (await _api.ListApiKeysAsync()).Keys.Single(k => k.Id == created.Id);
        Assert.Equal(["reporting"], listed.Roles);
        Assert.Null(listed.RevokedAt);
        await _api.RevokeApiKeyAsync(created.Id);
        Assert.NotNull((await _api.ListApiKeysAsync()).Keys.Single(k => k.Id == created.Id).RevokedAt);

        var bad = await Assert.ThrowsAsync<OrderEngineApiException<ProblemDetails>>(() => _api.CreateApiKeyAsync(new CreateKeyRequest { Name = "x", Roles = ["root"] }));
        Assert.Equal(400, bad.StatusCode);
    }
}
