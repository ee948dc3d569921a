using System.Net;
using OrderEngine.Domain;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests;

/// <summary>POST /api/orders: reservation, engine-computed totals, idempotency and refused lines.</summary>
public sealed class OrderPlacementTests(EngineFixture engine) : IClassFixture<EngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    [Fact]
    public async Task Placing_an_order_reserves_its_lines_and_answers_201_with_the_engine_computed_total()
    {
        var (a, b) = (Sku("place-a"), Sku("place-b"));
        await _client.SetStock(a, 100);
        await _client.SetStock(b, 100);
        var key = NewKey();
        // The total is the engine's (a client-sent one is refused as an unknown field: BadOrderInputTests).
        var body = new
        {
            channel = "web",
            customerId = "customer-1",
            currency = "EUR",
            lines = new[] { Line(a, 3, 19.99m), Line(b, 2, 5.50m) },
        };

        using var response = await _client.PlaceOrder(key, body);

        await ExpectStatus(response, HttpStatusCode.Created);
        var order = await Body(response);
        var id = order.GetProperty("id").GetString()!;
        Assert.Equal("reserved", order.Status());
        Assert.Equal(70.97m, order.GetProperty("total").GetDecimal());
        Assert.Equal("EUR", order.GetProperty("currency").GetString());
        var lines = order.GetProperty("lines").EnumerateArray().ToArray();
        Assert.Equal([a, b], lines.Select(l => l.GetProperty("sku").GetString()));
        Assert.Equal([59.97m, 11.00m], lines.Select(l => l.GetProperty("lineTotal").GetDecimal()));
        Assert.NotNull(response.Headers.Location);
        Assert.Equal($"/api/orders/{id}", response.Headers.Location!.OriginalString);

        var read = await _client.Order(id);
        Assert.Equal("reserved", read.Status());
        Assert.Equal(70.97m, read.GetProperty("total").GetDecimal());
        Assert.Equal(new StockFigures(a, 100, 3, 0, 97), await _client.Stock(a));
        Assert.Equal(new StockFigures(b, 100, 2, 0, 98), await _client.Stock(b));
    }

    [Fact]
    public async Task Repeating_an_idempotency_key_with_the_same_body_returns_the_same_order_and_reserves_once()
    {
        var sku = Sku("same-key");
        await _client.SetStock(sku, 100);
        var key = NewKey();
        var body = OrderBody(Line(sku, 4, 2.50m));
        using var first = await _client.PlaceOrder(key, body);
        await ExpectStatus(first, HttpStatusCode.Created);
        var firstId = (await Body(first)).GetProperty("id").GetString();

        using var second = await _client.PlaceOrder(key, body);

        await ExpectStatus(second, HttpStatusCode.Created);
        var again = await Body(second);
        Assert.Equal(firstId, again.GetProperty("id").GetString());
        Assert.Equal("reserved", again.Status());
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        Assert.Equal(new StockFigures(sku, 100, 4, 0, 96), await _client.Stock(sku));
    }

    [Fact]
    public async Task Repeated_idempotency_key_with_a_different_body_is_refused_and_changes_nothing()
    {
        var sku = Sku("key-conflict");
        await _client.SetStock(sku, 100);
        var key = NewKey();
        using var first = await _client.PlaceOrder(key, OrderBody(Line(sku, 4, 2.50m)));
        await ExpectStatus(first, HttpStatusCode.Created);
        var id = (await Body(first)).GetProperty("id").GetString()!;

        using var response = await _client.PlaceOrder(key, OrderBody(Line(sku, 9, 2.50m)));

        await AssertProblem(response, HttpStatusCode.UnprocessableEntity, "idempotency-conflict");
        var order = await _client.Order(id);
        Assert.Equal("reserved", order.Status());
        Assert.Equal(4, order.GetProperty("lines")[0].GetProperty("quantity").GetInt32());
        Assert.Equal(10.00m, order.GetProperty("total").GetDecimal());
        Assert.Equal(new StockFigures(sku, 100, 4, 0, 96), await _client.Stock(sku));
    }

    [Fact]
    public async Task An_order_whose_second_line_is_out_of_stock_is_refused_naming_that_line_and_releases_the_first()
    {
        var (plenty, scarce) = (Sku("plenty"), Sku("scarce"));
        await _client.SetStock(plenty, 10);
        await _client.SetStock(scarce, 1);

        using var response = await _client.PlaceOrder(NewKey(), OrderBody(Line(plenty, 2, 1m), Line(scarce, 5, 1m)));

        var problem = await AssertProblem(response, HttpStatusCode.Conflict, "lines-not-reserved");
        var line = Assert.Single(problem.GetProperty("lines").EnumerateArray());
        Assert.Equal(scarce, line.GetProperty("sku").GetString());
        Assert.Equal("InsufficientStock", line.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(line.GetProperty("reason").GetString()));
        Assert.Contains(scarce, problem.GetProperty("detail").GetString());

        await _client.StockEventually(plenty, s => s.Reserved == 0);
        Assert.Equal(new StockFigures(plenty, 10, 0, 0, 10), await _client.Stock(plenty));
        Assert.Equal(new StockFigures(scarce, 1, 0, 0, 1), await _client.Stock(scarce));
        // A refused placement places no order.
        var orderId = problem.GetProperty("orderId").GetString()!;
        using var read = await _client.GetAsync($"/api/orders/{orderId}");
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
    }

    [Fact]
    public async Task An_order_for_an_unknown_sku_is_refused_naming_the_line_with_code_UnknownSku()
    {
        var (known, unknown) = (Sku("known"), Sku("unknown"));
        await _client.SetStock(known, 10);

        using var response = await _client.PlaceOrder(NewKey(), OrderBody(Line(known, 2, 1m), Line(unknown, 1, 1m)));

        var problem = await AssertProblem(response, HttpStatusCode.Conflict, "lines-not-reserved");
        var line = Assert.Single(problem.GetProperty("lines").EnumerateArray());
        Assert.Equal(unknown, line.GetProperty("sku").GetString());
        Assert.Equal("UnknownSku", line.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(line.GetProperty("reason").GetString()));
        await _client.StockEventually(known, s => s.Reserved == 0);
        using var unknownStock = await _client.GetAsync($"/api/stock/{unknown}");
        await AssertProblem(unknownStock, HttpStatusCode.NotFound, "unknown-sku");
    }

    [Fact]
    public async Task Repeating_a_refused_order_with_the_same_key_tries_again()
    {
        var sku = Sku("refused-twice");
        await _client.SetStock(sku, 1);
        var key = NewKey();
        var body = OrderBody(Line(sku, 2, 1m));
        using (var first = await _client.PlaceOrder(key, body))
            await AssertProblem(first, HttpStatusCode.Conflict, "lines-not-reserved");
        await _client.SetStock(sku, 5, version: 2);

        Assert.Equal(new StockFigures(sku, 5, 0, 0, 5), await _client.Stock(sku));

        using var second = await _client.PlaceOrder(key, body);

        // A refused placement placed no order, so the key is still free: its retry tries again, and stock is back.
        await ExpectStatus(second, HttpStatusCode.Created);
        Assert.Equal(Identifiers.OrderIdFromIdempotencyKey(key), (await Body(second)).GetProperty("id").GetString());
        Assert.Equal(new StockFigures(sku, 5, 2, 0, 3), await _client.Stock(sku));
        using var third = await _client.PlaceOrder(key, body);
        await ExpectStatus(third, HttpStatusCode.Created);
        Assert.Equal(new StockFigures(sku, 5, 2, 0, 3), await _client.Stock(sku));
    }

    [Fact]
    public async Task The_order_id_is_derived_from_the_idempotency_key()
    {
        var sku = Sku("derived-id");
        await _client.SetStock(sku, 10);
        var key = NewKey();

        using var response = await _client.PlaceOrder(key, OrderBody(Line(sku, 1, 1m)));

        await ExpectStatus(response, HttpStatusCode.Created);
        Assert.Equal(Identifiers.OrderIdFromIdempotencyKey(key), (await Body(response)).GetProperty("id").GetString());
    }

    [Fact]
    public async Task An_idempotency_key_together_with_a_body_id_is_refused_as_ambiguous_and_creates_nothing()
    {
        var sku = Sku("ambiguous-id");
        await _client.SetStock(sku, 10);
        var key = NewKey();
        var orderId = "ord-" + Guid.NewGuid().ToString("N")[..12];

        using var response = await _client.PlaceOrder(key, new
        {
            id = orderId,
            channel = "web",
            customerId = "customer-1",
            currency = "EUR",
            lines = new[] { Line(sku, 1, 1m) },
        });

        var problem = await AssertProblem(response, HttpStatusCode.BadRequest, "invalid");
        Assert.True(problem.GetProperty("errors").TryGetProperty("Idempotency-Key", out _));
        Assert.Equal(new StockFigures(sku, 10, 0, 0, 10), await _client.Stock(sku));
        using var byId = await _client.GetAsync($"/api/orders/{orderId}");
        Assert.Equal(HttpStatusCode.NotFound, byId.StatusCode);
        using var byKey = await _client.GetAsync($"/api/orders/{Identifiers.OrderIdFromIdempotencyKey(key)}");
        Assert.Equal(HttpStatusCode.NotFound, byKey.StatusCode);
    }

    [Fact]
    public async Task A_client_chosen_order_id_makes_a_retry_return_the_same_order()
    {
        var sku = Sku("chosen-id");
        await _client.SetStock(sku, 10);
        var orderId = "ord-" + Guid.NewGuid().ToString("N")[..12];
        var body = new { id = orderId, channel = "web", customerId = "customer-1", currency = "EUR", lines = new[] { Line(sku, 2, 1m) } };

        using var first = await _client.PlaceOrder(null, body);
        using var second = await _client.PlaceOrder(null, body);

        await ExpectStatus(first, HttpStatusCode.Created);
        await ExpectStatus(second, HttpStatusCode.Created);
        Assert.Equal(orderId, (await Body(second)).GetProperty("id").GetString());
        Assert.Equal(new StockFigures(sku, 10, 2, 0, 8), await _client.Stock(sku));
    }
}
