using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace OrderEngine.EndToEnd.Tests;

/// <summary>
/// Payments, review and refunds through the real engine process: a signed sandbox payment, its redelivery, a forged
/// one, a second payment (an anomaly, refunded by itself), a line refund whose units go back on sale only once the
/// refund succeeded, and an order held by the review and approved — all still the same after a kill -9 and a restart.
/// </summary>
public abstract partial class EngineScenarios
{
    private const string SandboxSecret = "whsec_e2e_4f1c";

    protected async Task PaymentsReviewsAndRefundsSurviveKillNineAsync()
    {
        await using var bed = await NewTestBedAsync(LongHold, new Dictionary<string, string>
        {
            ["OrderEngine__Payments__Sandbox__Secret"] = SandboxSecret,
            ["OrderEngine__Review__HoldAboveTotal__EUR"] = "100",
        });
        await bed.RunAsync(async () =>
        {
            using var budget = new CancellationTokenSource(TestBudget);
            var ct = budget.Token;
            var engine = await bed.StartEngineAsync(ct);
            var api = new EngineApi(engine.Http);
            Assert.Equal(200, (await api.SetStockAsync("pay-a", 10, 1, ct)).Status);

            var placed = await api.PlaceAsync("pay-order-1", new PlaceRequest("web", "customer-p", EngineApi.Currency, [new("pay-a", 2, 9.99m)]), ct);
            Assert.True(placed.Status == 201, placed.ToString());
            var id = placed.Order.Id;

            // A signed capture pays the order; the same delivery again changes nothing; a forged one is 401.
            var capture = Captured(id, "evt-1", "pay-1", 19.98m);
            var paid = await WebhookAsync(engine.Http, capture, SandboxSecret, ct);
            Assert.True(paid.Status == HttpStatusCode.OK, paid.Body);
            Assert.Equal("paid", await StatusAsync(engine.Http, id, ct));
            Assert.Equal(HttpStatusCode.OK, (await WebhookAsync(engine.Http, capture, SandboxSecret, ct)).Status);
            var forged = await WebhookAsync(engine.Http, Captured(id, "evt-x", "pay-x", 19.98m), "not-the-secret", ct);
            Assert.Equal(HttpStatusCode.Unauthorized, forged.Status);
            await WaitForStockAsync(api, "pay-a", s => s.Sold == 2, ct);

            // A second payment is an anomaly: recorded and refunded by itself (the sandbox settles refunds at once).
            Assert.Equal(HttpStatusCode.OK, (await WebhookAsync(engine.Http, Captured(id, "evt-2", "pay-2", 19.98m), SandboxSecret, ct)).Status);
            var order = await WaitForOrderAsync(engine.Http, id, o => Refunds(o).Any(r => r.Reference == "pay-2" && r.Status == "succeeded"), ct);
            Assert.Single(order.GetProperty("anomalies").EnumerateArray());
            Assert.Equal("paid", order.GetProperty("status").GetString());

            // Refund one unit: 202, then succeeded, and only then is the unit back on sale.
            var refund = await engine.Http.PostAsync($"api/orders/{id}/refunds",
                Json(new { refundId = "rf-line-1", lines = new[] { new { sku = "pay-a", quantity = 1 } }, reason = "damaged", by = "operator:ann" }), ct);
            Assert.True(refund.StatusCode == HttpStatusCode.Accepted, await refund.Content.ReadAsStringAsync(ct));
            order = await WaitForOrderAsync(engine.Http, id, o => Refunds(o).Any(r => r.Id == "rf-line-1" && r.Status == "succeeded"), ct);
            Assert.Equal(9.99m, order.GetProperty("refundable").GetDecimal());
            var stock = await WaitForStockAsync(api, "pay-a", s => s.Sold == 1, ct);
            Assert.Equal(new StockDto("pay-a", 10, 0, 1, 9, 1), stock);

            // An order above the review threshold is held with its reason, keeps its stock, and an approval releases it.
            var big = await api.PlaceAsync("pay-order-2", new PlaceRequest("web", "customer-q", EngineApi.Currency, [new("pay-a", 5, 30.00m)]), ct);
            Assert.True(big.Status == 201, big.ToString());
            Assert.Equal("onHold", big.Order.Status);
            Assert.Equal(5, (await api.StockAsync("pay-a", ct)).Reserved);
            var review = await engine.Http.PostAsync($"api/orders/{big.Order.Id}/review", Json(new { decision = "approve", reason = "known customer", @operator = "ann" }), ct);
            Assert.True(review.IsSuccessStatusCode, await review.Content.ReadAsStringAsync(ct));
            Assert.Equal("reserved", await StatusAsync(engine.Http, big.Order.Id, ct));

            var before = await OrderJsonAsync(engine.Http, id, ct);
            engine.Kill();
            engine = await bed.StartEngineAsync(ct);
            api = new EngineApi(engine.Http);
            var after = await OrderJsonAsync(engine.Http, id, ct);
            Assert.Equal(before.GetProperty("status").GetString(), after.GetProperty("status").GetString());
            Assert.Equal(before.GetProperty("refunds").GetRawText(), after.GetProperty("refunds").GetRawText());
            Assert.Equal(before.GetProperty("anomalies").GetRawText(), after.GetProperty("anomalies").GetRawText());
            Assert.Equal("reserved", await StatusAsync(engine.Http, big.Order.Id, ct));
            Assert.Equal(new StockDto("pay-a", 10, 5, 1, 4, 1), await api.StockAsync("pay-a", ct));

            // The provider redelivers after the restart: still nothing new.
            Assert.Equal(HttpStatusCode.OK, (await WebhookAsync(engine.Http, capture, SandboxSecret, ct)).Status);
            Assert.Equal(after.GetProperty("refunds").GetRawText(), (await OrderJsonAsync(engine.Http, id, ct)).GetProperty("refunds").GetRawText());
        });
    }

    private static string Captured(string orderId, string eventId, string paymentId, decimal amount) => JsonSerializer.Serialize(new
    {
        id = eventId,
        type = "payment.captured",
        data = new { orderId, paymentId, amount = amount.ToString(CultureInfo.InvariantCulture), currency = EngineApi.Currency },
    });

    private static async Task<(HttpStatusCode Status, string Body)> WebhookAsync(HttpClient http, string body, string secret, CancellationToken ct)
    {
        var t = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var mac = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(t + "." + body)));
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/payments/sandbox/webhook") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("Sandbox-Signature", $"t={t},v1={mac}");
        using var response = await http.SendAsync(request, ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(ct));
    }

    private static StringContent Json(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");

    private static async Task<JsonElement> OrderJsonAsync(HttpClient http, string id, CancellationToken ct) =>
        await http.GetFromJsonElementAsync($"api/orders/{id}", ct);

    private static async Task<string?> StatusAsync(HttpClient http, string id, CancellationToken ct) =>
        (await OrderJsonAsync(http, id, ct)).GetProperty("status").GetString();

    private static IEnumerable<(string Id, string Reference, string? Status)> Refunds(JsonElement order) =>
        order.GetProperty("refunds").EnumerateArray().Select(r => (
            r.GetProperty("refundId").GetString()!, r.GetProperty("paymentReference").GetString()!, r.GetProperty("status").GetString()));

    private static async Task<JsonElement> WaitForOrderAsync(HttpClient http, string id, Func<JsonElement, bool> settled, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var order = await OrderJsonAsync(http, id, ct);
            if (settled(order)) return order;
            if (clock.Elapsed > SettleLimit) throw new Xunit.Sdk.XunitException($"order {id} did not settle in {SettleLimit.TotalSeconds:0} s: {order.GetRawText()}");
            await Task.Delay(100, ct);
        }
    }
}
