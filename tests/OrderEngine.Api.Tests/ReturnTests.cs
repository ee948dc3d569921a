using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Shipments;
using OrderEngine.Engine.Sharding;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests;

/// <summary>/api/orders/{id}/returns: a delivered order's goods come back, restockable units go back on sale, money goes back once.</summary>
public sealed class ReturnTests(SandboxEngineFixture engine) : IClassFixture<SandboxEngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    private sealed record Delivered(string Id, string A, string B);

    /// <summary>An order of 2 x A at 4.25 and 1 x B at 3.50 (12.00 EUR), paid, shipped whole and delivered; 10 of each SKU were on hand.</summary>
    private async Task<Delivered> DeliveredOrder(string name)
    {
        var (a, b) = (Sku(name + "-a"), Sku(name + "-b"));
        await _client.SetStock(a, 10);
        await _client.SetStock(b, 10);
        var (id, _) = await _client.PlaceReservedOrder(Line(a, 2, 4.25m), Line(b, 1, 3.50m));
        await _client.PayByWebhook(id, 12.00m);
        await _client.SettledOrder(id);
        using var shipped = await _client.PostAsJsonAsync($"/api/orders/{id}/shipments", new
        {
            shipmentId = "sh-1", carrier = "dhl", trackingNumber = "JJD" + id[..12],
            lines = new object[] { new { sku = a, quantity = 2 }, new { sku = b, quantity = 1 } },
        });
        await ExpectStatus(shipped, HttpStatusCode.Created);
        await _client.StockEventually(a, s => s.OnHand == 8);
        await _client.StockEventually(b, s => s.OnHand == 9);
        // The parcel's delivery is told to the order as the parcel entity does on a carrier's report (CarrierWebhookTests go the whole way).
        var orders = engine.Services.GetRequiredService<IRequiredActor<OrderRegion>>().ActorRef;
        var reply = await orders.Ask<IOrderReply>(new RecordParcelOutcome(id, "sh-1", ParcelStatus.Delivered, DateTimeOffset.UtcNow), TimeSpan.FromSeconds(10));
        Assert.IsType<OrderAccepted>(reply);
        return new Delivered(id, a, b);
    }

    private Task<HttpResponseMessage> Post(string id, string returnId, string step, object body) =>
        _client.PostAsJsonAsync($"/api/orders/{id}/returns/{returnId}/{step}", body);

    private async Task<JsonElement> Step(string id, string returnId, string step, object body, string status)
    {
        using var response = await Post(id, returnId, step, body);
        await ExpectStatus(response, HttpStatusCode.OK);
        var view = await Body(response);
        Assert.Equal(status, view.Str("status"));
        return view;
    }

    private async Task<JsonElement> Requested(Delivered o, string returnId, object[] lines, string resolution = "refund", object[]? replacement = null)
    {
        using var response = await _client.PostAsJsonAsync($"/api/orders/{o.Id}/returns",
            new { returnId, lines, reason = "does not fit", resolution, replacement });
        await ExpectStatus(response, HttpStatusCode.Created);
        Assert.Equal($"/api/orders/{o.Id}/returns/{returnId}", response.Headers.Location?.OriginalString);
        return await Body(response);
    }

    [Fact]
    public async Task A_return_goes_through_its_steps_restocks_only_restockable_units_and_refunds_its_value_through_the_provider()
    {
        var o = await DeliveredOrder("ret");
        var requested = await Requested(o, "ret-1", [new { sku = o.A, quantity = 2 }]);
        Assert.Equal(("requested", 8.50m), (requested.Str("status"), requested.Dec("value")));

        await Step(o.Id, "ret-1", "approve", new { by = "ops" }, "approved");
        await Step(o.Id, "ret-1", "shipment", new { carrier = "dhl", trackingNumber = "RET-1" }, "inTransit");
        await Step(o.Id, "ret-1", "receive", new { by = "wh-1" }, "received");
        await Step(o.Id, "ret-1", "inspect", new { by = "wh-1", lines = new[] { new { sku = o.A, restockable = 1, notRestockable = 1 } } }, "inspected");

        // Exactly the restockable unit is back on hand; the damaged one is not.
        Assert.Equal(9, (await _client.StockEventually(o.A, s => s.OnHand == 9)).OnHand);
        await Task.Delay(300);
        Assert.Equal(new StockFigures(o.A, 9, 0, 0, 9), await _client.Stock(o.A));

        var resolved = await Step(o.Id, "ret-1", "resolve", new { by = "ops" }, "resolved");
        Assert.Equal(8.50m, resolved.Dec("refunded"));
        var order = await _client.OrderEventually(o.Id, x => x.Refunds().Any(r => r.Str("status") == "succeeded"));
        var refund = Assert.Single(order.Refunds());
        Assert.Equal((8.50m, "sandbox", $"return ret-1"), (refund.Dec("amount"), refund.Str("provider"), refund.Str("reason")));
        Assert.Equal(3.50m, order.Dec("refundable"));
        var held = Assert.Single(order.GetProperty("returns").EnumerateArray().ToArray());
        Assert.Equal(("ret-1", 8.50m, true), (held.Str("returnId"), held.Dec("refunded"), held.GetProperty("settled").GetBoolean()));

        // Repeats change nothing: the same answer, no second refund, no second restock.
        await Step(o.Id, "ret-1", "resolve", new { by = "ops" }, "resolved");
        await Step(o.Id, "ret-1", "inspect", new { by = "wh-1", lines = new[] { new { sku = o.A, restockable = 1, notRestockable = 1 } } }, "resolved");
        using var again = await _client.PostAsJsonAsync($"/api/orders/{o.Id}/returns",
            new { returnId = "ret-1", lines = new[] { new { sku = o.A, quantity = 2 } }, reason = "does not fit", resolution = "refund" });
        await ExpectStatus(again, HttpStatusCode.OK);
        Assert.Single((await _client.Order(o.Id)).Refunds());
        Assert.Equal(new StockFigures(o.A, 9, 0, 0, 9), await _client.Stock(o.A));
        // Nothing is returned twice.
        using var twice = await _client.PostAsJsonAsync($"/api/orders/{o.Id}/returns",
            new { returnId = "ret-2", lines = new[] { new { sku = o.A, quantity = 1 } }, reason = "again", resolution = "refund" });
        await AssertValidationProblem(twice, "lines[0].quantity");
    }

    [Fact]
    public async Task An_exchange_places_a_linked_replacement_order_paid_by_the_returned_value_and_refunds_nothing_more_than_captured()
    {
        var o = await DeliveredOrder("exch");
        var c = Sku("exch-c");
        await _client.SetStock(c, 5);
        await Requested(o, "ex-1", [new { sku = o.B, quantity = 1 }], "exchange", [new { sku = c, quantity = 1, unitPrice = 3.00m }]);
        await Step(o.Id, "ex-1", "approve", new { by = "ops" }, "approved");
        await Step(o.Id, "ex-1", "receive", new { by = "wh-1" }, "received");
        await Step(o.Id, "ex-1", "inspect", new { by = "wh-1", lines = new[] { new { sku = o.B, restockable = 1, notRestockable = 0 } } }, "inspected");

        var resolved = await Step(o.Id, "ex-1", "resolve", new { by = "ops" }, "resolved");
        var replacementId = resolved.Str("exchangeOrderId");
        Assert.Equal((3.00m, 0.50m), (resolved.Dec("credit"), resolved.Dec("refunded")));

        // The replacement: same customer, its line reserved and sold, paid by the credit.
        var replacement = await _client.OrderEventually(replacementId, x => x.StockSettled());
        Assert.Equal(("paid", 3.00m), (replacement.Status(), replacement.Payment()!.Value.Dec("amount")));
        Assert.Equal((await _client.Order(o.Id)).Str("customerId"), replacement.Str("customerId"));
        Assert.Equal(1, (await _client.StockEventually(c, s => s.Sold == 1)).Sold);
        Assert.Equal(10, (await _client.StockEventually(o.B, s => s.OnHand == 10)).OnHand);

        // The original payment: the credit and the difference's refund both count against it.
        var original = await _client.OrderEventually(o.Id, x => x.Refunds().All(r => r.Str("status") == "succeeded") && x.Refunds().Length == 2);
        Assert.Equal(12.00m - 3.50m, original.Dec("refundable"));
        Assert.Equal(3.50m, original.Refunds().Sum(r => r.Dec("amount")));
    }

    public static TheoryData<string, string, string[]> BadReturns => new()
    {
        { "more than delivered", """{"returnId":"r-1","reason":"x","resolution":"refund","lines":[{"sku":"{a}","quantity":3}]}""", ["lines[0].quantity"] },
        { "zero units", """{"returnId":"r-1","reason":"x","resolution":"refund","lines":[{"sku":"{a}","quantity":0}]}""", ["lines[0].quantity"] },
        { "sku not on the order", """{"returnId":"r-1","reason":"x","resolution":"refund","lines":[{"sku":"other","quantity":1}]}""", ["lines[0].sku"] },
        { "sku twice", """{"returnId":"r-1","reason":"x","resolution":"refund","lines":[{"sku":"{a}","quantity":1},{"sku":"{a}","quantity":1}]}""", ["lines[1].sku"] },
        { "no lines", """{"returnId":"r-1","reason":"x","resolution":"refund","lines":[]}""", ["lines"] },
        { "no return id", """{"reason":"x","resolution":"refund","lines":[{"sku":"{a}","quantity":1}]}""", ["returnId"] },
        { "bad return id", """{"returnId":"r/1","reason":"x","resolution":"refund","lines":[{"sku":"{a}","quantity":1}]}""", ["returnId"] },
        { "no reason", """{"returnId":"r-1","resolution":"refund","lines":[{"sku":"{a}","quantity":1}]}""", ["reason"] },
        { "unknown resolution", """{"returnId":"r-1","reason":"x","resolution":"credit","lines":[{"sku":"{a}","quantity":1}]}""", ["resolution"] },
        { "exchange without replacement", """{"returnId":"r-1","reason":"x","resolution":"exchange","lines":[{"sku":"{a}","quantity":1}]}""", ["replacement"] },
        { "replacement price finer than the currency", """{"returnId":"r-1","reason":"x","resolution":"exchange","lines":[{"sku":"{a}","quantity":1}],"replacement":[{"sku":"{a}","quantity":1,"unitPrice":1.005}]}""", ["replacement[0].unitPrice"] },
        { "refund with replacement", """{"returnId":"r-1","reason":"x","resolution":"refund","lines":[{"sku":"{a}","quantity":1}],"replacement":[{"sku":"{a}","quantity":1,"unitPrice":1}]}""", ["replacement"] },
    };

    [Theory]
    [MemberData(nameof(BadReturns))]
    public async Task A_bad_return_request_is_a_validation_problem_and_changes_nothing(string _, string body, string[] fields)
    {
        var o = await DeliveredOrder("ret-bad");
        var before = await _client.Snapshot(o.Id, o.A);

        using var response = await _client.PostAsync($"/api/orders/{o.Id}/returns", Json(body.Replace("{a}", o.A)));

        await AssertValidationProblem(response, fields);
        await _client.AssertUnchanged(before, o.Id, o.A);
        using var none = await _client.GetAsync($"/api/orders/{o.Id}/returns/r-1");
        await AssertProblem(none, HttpStatusCode.NotFound, "not-found");
    }

    public static TheoryData<string, string, string, int, string> BadSteps => new()
    {
        { "shipment without carrier", "shipment", """{"trackingNumber":"T1"}""", 400, "invalid" },
        { "inspect before received", "inspect", """{"by":"wh","lines":[{"sku":"{a}","restockable":2,"notRestockable":0}]}""", 409, "invalid-state" },
        { "receive before approval", "receive", """{"by":"wh"}""", 409, "invalid-state" },
        { "resolve before inspection", "resolve", """{"by":"ops"}""", 409, "invalid-state" },
    };

    [Theory]
    [MemberData(nameof(BadSteps))]
    public async Task A_bad_step_is_a_problem_and_changes_nothing(string _, string step, string body, int status, string type)
    {
        var o = await DeliveredOrder("step-bad");
        var requested = await Requested(o, "r-1", [new { sku = o.A, quantity = 2 }]);
        var before = await _client.Snapshot(o.Id, o.A);

        using var response = await _client.PostAsync($"/api/orders/{o.Id}/returns/r-1/{step}", Json(body.Replace("{a}", o.A)));

        await AssertProblem(response, (HttpStatusCode)status, type);
        await _client.AssertUnchanged(before, o.Id, o.A);
        using var after = await _client.GetAsync($"/api/orders/{o.Id}/returns/r-1");
        Assert.Equal(requested.GetRawText(), (await Body(after)).GetRawText());
    }

    [Fact]
    public async Task A_rejected_return_gives_its_units_back_and_an_unknown_return_is_a_404_problem()
    {
        var o = await DeliveredOrder("ret-rej");
        await Requested(o, "r-1", [new { sku = o.A, quantity = 2 }]);
        await Step(o.Id, "r-1", "reject", new { by = "ops", reason = "worn" }, "rejected");
        await Requested(o, "r-2", [new { sku = o.A, quantity = 2 }]);

        using var unknown = await _client.GetAsync($"/api/orders/{o.Id}/returns/r-9");
        await AssertProblem(unknown, HttpStatusCode.NotFound, "not-found");
        using var unknownOrder = await _client.PostAsJsonAsync("/api/orders/o-none/returns/r-1/approve", new { by = "ops" });
        await AssertProblem(unknownOrder, HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task A_product_defined_as_not_returnable_is_refused_naming_its_line_and_nothing_is_held()
    {
        var o = await DeliveredOrder("ret-final");
        using (var put = await _client.PutAsJsonAsync($"/api/products/{o.B}",
                   new { name = "Earrings", weightKg = 0.1m, dimensions = new { lengthCm = 5, widthCm = 5, heightCm = 2 }, returnable = false }))
            await ExpectStatus(put, HttpStatusCode.OK);
        var before = (await _client.Order(o.Id)).GetProperty("returns").GetRawText();

        using var refused = await _client.PostAsJsonAsync($"/api/orders/{o.Id}/returns",
            new { returnId = "r-final", reason = "changed my mind", resolution = "refund", lines = new[] { new { sku = o.A, quantity = 1 }, new { sku = o.B, quantity = 1 } } });

        var problem = await AssertValidationProblem(refused, "lines[1].sku");
        Assert.Contains("not returnable", problem.GetRawText());
        Assert.Equal(before, (await _client.Order(o.Id)).GetProperty("returns").GetRawText());
        // The returnable product alone may come back.
        await Requested(o, "r-ok", [new { sku = o.A, quantity = 1 }]);
    }
}
