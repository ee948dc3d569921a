using OrderEngine.Engine.Sharding;
using OrderEngine.Domain.Shipments;
using OrderEngine.Domain.Orders;
using Microsoft.Extensions.DependencyInjection;
using Akka.Hosting;
using Akka.Actor;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static OrderEngine.Api.Tests.Api;
using static OrderEngine.Api.Tests.Webhooks;

namespace OrderEngine.Api.Tests;

/// <summary>Calls of the cases API shared by its tests.</summary>
public static class CaseApi
{
    public static string NewCaseId() => "case-" + Guid.NewGuid().ToString("N")[..12];

    public static Task<HttpResponseMessage> OpenCase(this HttpClient client, string orderId, object body) =>
        client.PostAsJsonAsync($"/api/orders/{orderId}/cases", body);

    /// <summary>Opens a case that must come back 201 open.</summary>
    public static async Task<JsonElement> OpenedCase(this HttpClient client, string orderId, string caseId, string type = "damaged")
    {
        using var response = await client.OpenCase(orderId, new { caseId, type, description = "the box arrived crushed", openedBy = "customer-1" });
        await ExpectStatus(response, HttpStatusCode.Created);
        return await Body(response);
    }

    public static async Task<JsonElement> StartedCase(this HttpClient client, string orderId, string caseId, string type = "damaged")
    {
        await client.OpenedCase(orderId, caseId, type);
        using var response = await client.PostAsJsonAsync($"/api/cases/{caseId}/start", new { @operator = "alice" });
        await ExpectStatus(response, HttpStatusCode.OK);
        return await Body(response);
    }

    public static async Task<JsonElement> Case(this HttpClient client, string caseId)
    {
        using var response = await client.GetAsync($"/api/cases/{caseId}");
        await ExpectStatus(response, HttpStatusCode.OK);
        return await Body(response);
    }

    public static async Task<JsonElement> CaseList(this HttpClient client, string query)
    {
        using var response = await client.GetAsync("/api/cases" + query);
        await ExpectStatus(response, HttpStatusCode.OK);
        return await Body(response);
    }

    public static string[] Ids(this JsonElement page) => page.GetProperty("items").EnumerateArray().Select(r => r.Str("caseId")).ToArray();
}

/// <summary>Complaint cases through HTTP, on an engine whose sandbox provider refunds at once.</summary>
public sealed class CaseTests(SandboxEngineFixture engine) : IClassFixture<SandboxEngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    /// <summary>An order of 2 × A at 4.25 and 1 × B at 3.50 (12.00 EUR), paid by a sandbox webhook.</summary>
    private async Task<(string Id, string SkuA, string SkuB)> PaidOrder(string name)
    {
        var (a, b) = (Sku(name + "-a"), Sku(name + "-b"));
        await _client.SetStock(a, 10);
        await _client.SetStock(b, 10);
        var (id, _) = await _client.PlaceReservedOrder(Line(a, 2, 4.25m), Line(b, 1, 3.50m));
        await _client.PayByWebhook(id, 12.00m);
        Assert.Equal("paid", (await _client.SettledOrder(id)).Status());
        return (id, a, b);
    }

    [Fact]
    public async Task A_damaged_case_is_due_in_24_hours_and_opening_it_again_answers_the_same_case()
    {
        var (orderId, _, _) = await PaidOrder("case-open");
        var caseId = CaseApi.NewCaseId();

        var opened = await _client.OpenedCase(orderId, caseId);
        using var again = await _client.OpenCase(orderId, new { caseId, type = "damaged", description = "the box arrived crushed", openedBy = "customer-1" });
        using var other = await _client.OpenCase(orderId, new { caseId, type = "late", description = "the box arrived crushed", openedBy = "customer-1" });

        Assert.Equal(("open", orderId, "damaged", false), (opened.Str("status"), opened.Str("orderId"), opened.Str("type"), opened.GetProperty("overdue").GetBoolean()));
        Assert.Equal(opened.GetProperty("openedAt").GetDateTimeOffset().AddHours(24), opened.GetProperty("dueAt").GetDateTimeOffset());
        await ExpectStatus(again, HttpStatusCode.OK);
        Assert.Equal(opened.GetRawText(), (await Body(again)).GetRawText());
        await AssertProblem(other, HttpStatusCode.Conflict, "idempotency-conflict");
        Assert.Equal(opened.GetRawText(), (await _client.Case(caseId)).GetRawText());
    }

    [Fact]
    public async Task A_refund_action_on_a_damaged_case_refunds_through_the_order_and_the_case_then_resolves_and_closes()
    {
        var (orderId, _, _) = await PaidOrder("case-refund");
        var caseId = CaseApi.NewCaseId();
        await _client.StartedCase(orderId, caseId);
        using var message = await _client.PostAsJsonAsync($"/api/cases/{caseId}/messages",
            new { messageId = "m-1", author = "operator", name = "alice", text = "We refund the damaged unit." });
        await ExpectStatus(message, HttpStatusCode.OK);

        using var action = await _client.PostAsJsonAsync($"/api/cases/{caseId}/actions", new { actionId = "a-1", type = "refund", amount = 4.25m, by = "alice" });
        using var repeat = await _client.PostAsJsonAsync($"/api/cases/{caseId}/actions", new { actionId = "a-1", type = "refund", amount = 4.25m, by = "alice" });

        await ExpectStatus(action, HttpStatusCode.OK);
        var recorded = Assert.Single((await Body(action)).GetProperty("actions").EnumerateArray());
        Assert.Equal(("refund", "accepted"), (recorded.Str("type"), recorded.Str("outcome")));
        var refundId = recorded.Str("linkedId");
        await ExpectStatus(repeat, HttpStatusCode.OK);
        var order = await _client.OrderEventually(orderId, o => o.Refunds().Any(r => r.Str("refundId") == refundId && r.Str("status") == "succeeded"));
        var refund = Assert.Single(order.Refunds());
        Assert.Equal(4.25m, refund.Dec("amount"));
        Assert.Contains(caseId, refund.Str("reason"));
        Assert.Equal(12.00m - 4.25m, order.Dec("refundable"));

        using var resolve = await _client.PostAsJsonAsync($"/api/cases/{caseId}/resolve", new { resolution = "refunded one unit", by = "alice" });
        await ExpectStatus(resolve, HttpStatusCode.OK);
        using var close = await _client.PostAsJsonAsync($"/api/cases/{caseId}/close", new { by = "alice" });
        await ExpectStatus(close, HttpStatusCode.OK);
        var closed = await _client.Case(caseId);
        Assert.Equal("closed", closed.Str("status"));
        Assert.Equal(["open", "inProgress", "resolved", "closed"], closed.GetProperty("history").EnumerateArray().Select(h => h.Str("status")));
        Assert.Equal("We refund the damaged unit.", Assert.Single(closed.GetProperty("messages").EnumerateArray()).Str("text"));
    }

    [Fact]
    public async Task A_refund_larger_than_what_is_left_is_recorded_as_refused_by_the_order_and_refunds_nothing()
    {
        var (orderId, _, _) = await PaidOrder("case-refund-big");
        var caseId = CaseApi.NewCaseId();
        await _client.StartedCase(orderId, caseId);

        using var action = await _client.PostAsJsonAsync($"/api/cases/{caseId}/actions", new { actionId = "a-1", type = "refund", amount = 50m, by = "alice" });

        await ExpectStatus(action, HttpStatusCode.OK);
        var recorded = Assert.Single((await Body(action)).GetProperty("actions").EnumerateArray());
        Assert.Equal("refused", recorded.Str("outcome"));
        Assert.Contains("RefundTooLarge", recorded.Str("detail"));
        Assert.Empty((await _client.Order(orderId)).Refunds());
    }

    [Fact]
    public async Task A_reship_action_places_a_linked_free_order_that_reserves_its_stock()
    {
        var (orderId, skuA, _) = await PaidOrder("case-reship");
        var caseId = CaseApi.NewCaseId();
        await _client.StartedCase(orderId, caseId, "missing");

        using var action = await _client.PostAsJsonAsync($"/api/cases/{caseId}/actions",
            new { actionId = "a-1", type = "reship", lines = new[] { new { sku = skuA, quantity = 1 } }, by = "alice" });

        await ExpectStatus(action, HttpStatusCode.OK);
        var recorded = Assert.Single((await Body(action)).GetProperty("actions").EnumerateArray());
        Assert.Equal("accepted", recorded.Str("outcome"));
        var replacement = await _client.Order(recorded.Str("linkedId"));
        Assert.Equal(("confirmed", "case", "customer-1", "cashOnDelivery"),
            (replacement.Status(), replacement.Str("channel"), replacement.Str("customerId"), replacement.Str("paymentMethod")));
        Assert.Equal(0m, replacement.Dec("total"));
        Assert.Equal(skuA, Assert.Single(replacement.GetProperty("lines").EnumerateArray()).Str("sku"));
        // 2 sold to the original order, 1 reserved for the replacement.
        Assert.Equal(new StockFigures(skuA, 10, 1, 2, 7), await _client.Stock(skuA));
    }

    [Fact]
    public async Task A_return_action_starts_a_return_of_the_delivered_units_under_its_return_id()
    {
        var (orderId, skuA, skuB) = await PaidOrder("case-return");
        using (var shipped = await _client.PostAsJsonAsync($"/api/orders/{orderId}/shipments", new
               {
                   shipmentId = "sh-1", carrier = "dhl", trackingNumber = "JJD" + orderId[..12],
                   lines = new object[] { new { sku = skuA, quantity = 2 }, new { sku = skuB, quantity = 1 } },
               }))
            await ExpectStatus(shipped, HttpStatusCode.Created);
        var orders = engine.Services.GetRequiredService<IRequiredActor<OrderRegion>>().ActorRef;
        Assert.IsType<OrderAccepted>(await orders.Ask<IOrderReply>(
            new RecordParcelOutcome(orderId, "sh-1", ParcelStatus.Delivered, DateTimeOffset.UtcNow), TimeSpan.FromSeconds(10)));
        var caseId = CaseApi.NewCaseId();
        await _client.StartedCase(orderId, caseId, "wrongItem");

        using var action = await _client.PostAsJsonAsync($"/api/cases/{caseId}/actions",
            new { actionId = "a-1", type = "return", lines = new[] { new { sku = skuA, quantity = 1 } }, by = "alice" });

        await ExpectStatus(action, HttpStatusCode.OK);
        var recorded = Assert.Single((await Body(action)).GetProperty("actions").EnumerateArray());
        Assert.Equal("accepted", recorded.Str("outcome"));
        var returnId = recorded.Str("linkedId");
        using var started = await _client.GetAsync($"/api/orders/{orderId}/returns/{returnId}");
        await ExpectStatus(started, HttpStatusCode.OK);
        var rma = await Body(started);
        Assert.Equal(("requested", skuA, 1), (rma.Str("status"), rma.GetProperty("lines")[0].Str("sku"), rma.GetProperty("lines")[0].GetProperty("quantity").GetInt32()));
    }

    [Fact]
    public async Task A_return_action_for_goods_not_delivered_is_refused_by_the_returns_lifecycle_and_recorded_with_why()
    {
        var (orderId, skuA, _) = await PaidOrder("case-return-early");
        var caseId = CaseApi.NewCaseId();
        await _client.StartedCase(orderId, caseId, "wrongItem");

        using var action = await _client.PostAsJsonAsync($"/api/cases/{caseId}/actions",
            new { actionId = "a-1", type = "return", lines = new[] { new { sku = skuA, quantity = 1 } }, by = "alice" });

        await ExpectStatus(action, HttpStatusCode.OK);
        var recorded = Assert.Single((await Body(action)).GetProperty("actions").EnumerateArray());
        Assert.Equal("refused", recorded.Str("outcome"));
        Assert.False(string.IsNullOrEmpty(recorded.Str("detail")));
        Assert.Equal(new StockFigures(skuA, 10, 0, 2, 8), await _client.Stock(skuA));
    }

    [Fact]
    public async Task Open_cases_are_listed_by_due_time_and_leave_the_open_list_when_started()
    {
        var (orderId, _, _) = await PaidOrder("case-list");
        var (other, late, damaged) = (CaseApi.NewCaseId(), CaseApi.NewCaseId(), CaseApi.NewCaseId());
        await _client.OpenedCase(orderId, other, "other");
        await _client.OpenedCase(orderId, late, "late");
        await _client.OpenedCase(orderId, damaged, "damaged");

        var page = await Eventually(() => _client.CaseList($"?status=open&orderId={orderId}"), p => p.Ids().Length == 3, TimeSpan.FromSeconds(10), "open cases of the order");

        Assert.Equal([damaged, late, other], page.Ids());
        var first = page.GetProperty("items")[0];
        Assert.Equal(("damaged", "open", false, orderId), (first.Str("type"), first.Str("status"), first.GetProperty("overdue").GetBoolean(), first.Str("orderId")));
        Assert.False(page.TryGetProperty("nextOffset", out _), "a single page has no next offset");
        var firstTwo = await _client.CaseList($"?status=open&orderId={orderId}&limit=2");
        Assert.Equal([damaged, late], firstTwo.Ids());
        Assert.Equal(2, firstTwo.GetProperty("nextOffset").GetInt32());
        Assert.Equal([other], (await _client.CaseList($"?status=open&orderId={orderId}&limit=2&offset=2")).Ids());

        using var start = await _client.PostAsJsonAsync($"/api/cases/{late}/start", new { @operator = "bob" });
        await ExpectStatus(start, HttpStatusCode.OK);
        await Eventually(() => _client.CaseList($"?status=open&orderId={orderId}"), p => p.Ids().SequenceEqual([damaged, other]), TimeSpan.FromSeconds(10), "open cases after a start");
        var inProgress = await _client.CaseList($"?status=inProgress&orderId={orderId}");
        Assert.Equal("key:bootstrap", Assert.Single(inProgress.GetProperty("items").EnumerateArray()).Str("assignee"));
        using var ofOrder = await _client.GetAsync($"/api/orders/{orderId}/cases");
        await ExpectStatus(ofOrder, HttpStatusCode.OK);
        Assert.Equal([damaged, late, other], (await Body(ofOrder)).Ids());
    }
}
