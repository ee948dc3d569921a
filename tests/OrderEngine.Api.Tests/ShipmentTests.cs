using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests;

/// <summary>POST /api/orders/{id}/shipments and GET /api/orders/{id}/tracking.</summary>
public sealed class ShipmentTests(EngineFixture engine) : IClassFixture<EngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    /// <summary>A SKU with 10 on hand and a paid order of 3 of it whose units are sold.</summary>
    private async Task<(string Sku, string OrderId)> PaidOrder(string name)
    {
        var sku = Sku(name);
        await _client.SetStock(sku, 10);
        var (id, _) = await _client.PlaceReservedOrder(Line(sku, 3, 4.25m));
        using var paid = await _client.Pay(id, 12.75m, "EUR", "psp-" + id);
        await ExpectStatus(paid, HttpStatusCode.OK);
        await _client.StockEventually(sku, s => s.Sold == 3);
        return (sku, id);
    }

    private Task<HttpResponseMessage> Ship(string orderId, string shipmentId, string sku, int quantity, string tracking = "JJD000111") =>
        _client.PostAsJsonAsync($"/api/orders/{orderId}/shipments",
            new { shipmentId, carrier = "dhl", trackingNumber = tracking, lines = new[] { new { sku, quantity } } });

    [Fact]
    public async Task A_shipment_takes_its_units_off_stock_and_the_order_shows_it_shipped_in_part_then_whole()
    {
        var (sku, id) = await PaidOrder("ship");

        using var first = await Ship(id, "sh-1", sku, 2, "JJD" + id[..10]);
        await ExpectStatus(first, HttpStatusCode.Created);
        Assert.Equal("partiallyShipped", (await Body(first)).Status());
        // Shipped units leave the warehouse: on hand and sold both go down, so a count taken now agrees.
        Assert.Equal(new StockFigures(sku, 8, 0, 1, 7), await _client.StockEventually(sku, s => s.OnHand == 8));

        using var second = await Ship(id, "sh-2", sku, 1, "JJD2" + id[..10]);
        await ExpectStatus(second, HttpStatusCode.Created);
        Assert.Equal("shipped", (await Body(second)).Status());
        Assert.Equal(new StockFigures(sku, 7, 0, 0, 7), await _client.StockEventually(sku, s => s.OnHand == 7));

        using var tracking = await _client.GetAsync($"/api/orders/{id}/tracking");
        await ExpectStatus(tracking, HttpStatusCode.OK);
        var parcels = (await Body(tracking)).GetProperty("parcels").EnumerateArray().ToList();
        Assert.Equal(["sh-1", "sh-2"], parcels.Select(p => p.GetProperty("shipmentId").GetString()!).ToArray());
        Assert.All(parcels, p => Assert.Equal("labelCreated", p.GetProperty("status").GetString()));
        Assert.Equal("dhl", parcels[0].GetProperty("carrier").GetString());
    }

    [Fact]
    public async Task A_repeated_shipment_is_answered_alike_and_changes_nothing()
    {
        var (sku, id) = await PaidOrder("ship-again");
        using var first = await Ship(id, "sh-1", sku, 2);
        await ExpectStatus(first, HttpStatusCode.Created);
        await _client.StockEventually(sku, s => s.OnHand == 8);

        using var again = await Ship(id, "sh-1", sku, 2);

        await ExpectStatus(again, HttpStatusCode.OK);
        Assert.Single((await _client.Order(id)).GetProperty("shipments").EnumerateArray());
        await Task.Delay(300);
        Assert.Equal(new StockFigures(sku, 8, 0, 1, 7), await _client.Stock(sku));
    }

    public static TheoryData<string, string, string[]> BadShipments => new()
    {
        { "more than sold", """{"shipmentId":"s-1","carrier":"dhl","trackingNumber":"T1","lines":[{"sku":"{sku}","quantity":4}]}""", ["lines[0].quantity"] },
        { "zero units", """{"shipmentId":"s-1","carrier":"dhl","trackingNumber":"T1","lines":[{"sku":"{sku}","quantity":0}]}""", ["lines[0].quantity"] },
        { "sku not on the order", """{"shipmentId":"s-1","carrier":"dhl","trackingNumber":"T1","lines":[{"sku":"other","quantity":1}]}""", ["lines[0].sku"] },
        { "no lines", """{"shipmentId":"s-1","carrier":"dhl","trackingNumber":"T1","lines":[]}""", ["lines"] },
        { "no shipment id", """{"carrier":"dhl","trackingNumber":"T1","lines":[{"sku":"{sku}","quantity":1}]}""", ["shipmentId"] },
        { "no carrier", """{"shipmentId":"s-1","trackingNumber":"T1","lines":[{"sku":"{sku}","quantity":1}]}""", ["carrier"] },
        { "tracking number with a space", """{"shipmentId":"s-1","carrier":"dhl","trackingNumber":"T 1","lines":[{"sku":"{sku}","quantity":1}]}""", ["trackingNumber"] },
        { "bad shipment id", """{"shipmentId":"s/1","carrier":"dhl","trackingNumber":"T1","lines":[{"sku":"{sku}","quantity":1}]}""", ["shipmentId"] },
    };

    [Theory]
    [MemberData(nameof(BadShipments))]
    public async Task A_bad_shipment_is_a_validation_problem_and_changes_nothing(string _, string body, string[] fields)
    {
        var (sku, id) = await PaidOrder("ship-bad");
        var before = await _client.Order(id);

        using var response = await _client.PostAsync($"/api/orders/{id}/shipments", Json(body.Replace("{sku}", sku)));

        await AssertValidationProblem(response, fields);
        Assert.Equal(JsonSerializer.Serialize(before), JsonSerializer.Serialize(await _client.Order(id)));
        Assert.Equal(new StockFigures(sku, 10, 0, 3, 7), await _client.Stock(sku));
    }

    [Fact]
    public async Task An_unpaid_order_does_not_ship()
    {
        var sku = Sku("ship-unpaid");
        await _client.SetStock(sku, 10);
        var (id, _) = await _client.PlaceReservedOrder(Line(sku, 3, 4.25m));

        using var response = await Ship(id, "sh-1", sku, 1);

        await AssertProblem(response, HttpStatusCode.Conflict, "invalid-state");
        Assert.Equal("reserved", (await _client.Order(id)).Status());
    }

    [Fact]
    public async Task Tracking_an_unknown_order_is_a_404_problem()
    {
        using var response = await _client.GetAsync("/api/orders/o-does-not-exist/tracking");

        await AssertProblem(response, HttpStatusCode.NotFound, "not-found");
    }
}
