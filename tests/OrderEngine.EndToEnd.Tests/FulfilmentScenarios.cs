using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace OrderEngine.EndToEnd.Tests;

/// <summary>
/// Fulfilment through the real engine process: shipments leave stock, signed carrier tracking ends each parcel's journey,
/// cash on delivery is settled at delivery and a parcel returned to sender comes back to stock and its money back —
/// with kill -9 between the steps.
/// </summary>
public abstract partial class EngineScenarios
{
    private const string CarrierSecret = "carrier_e2e_9d2b";

    protected async Task ShipmentsDeliveryAndReturnsToSenderSurviveKillNineAsync()
    {
        await using var bed = await NewTestBedAsync(LongHold, new Dictionary<string, string>
        {
            ["OrderEngine__Carriers__Sandbox__Secret"] = CarrierSecret,
        });
        await bed.RunAsync(async () =>
        {
            using var budget = new CancellationTokenSource(TestBudget);
            var ct = budget.Token;
            var engine = await bed.StartEngineAsync(ct);
            var api = new EngineApi(engine.Http);
            Assert.Equal(200, (await api.SetStockAsync("ful-a", 10, 1, ct)).Status);
            Assert.Equal(200, (await api.SetStockAsync("ful-b", 10, 1, ct)).Status);

            // A cash-on-delivery order of 3 x ful-a and 2 x ful-b, shipped in two parcels.
            var cod = await engine.Http.PostAsync("api/orders", Json(new
            {
                id = "ful-cod-1", channel = "web", customerId = "customer-f", currency = EngineApi.Currency, paymentMethod = "cashOnDelivery",
                lines = new[] { new { sku = "ful-a", quantity = 3, unitPrice = 4.00m }, new { sku = "ful-b", quantity = 2, unitPrice = 10.00m } },
            }), ct);
            Assert.True(cod.StatusCode == HttpStatusCode.Created, await cod.Content.ReadAsStringAsync(ct));
            Assert.Equal(HttpStatusCode.Created, (await ShipAsync(engine.Http, "ful-cod-1", "p1", "FULCOD1", ("ful-a", 3), ct)).Status);
            await WaitForStockAsync(api, "ful-a", s => s.OnHand == 7, ct);

            engine.Kill();
            engine = await bed.StartEngineAsync(ct);
            api = new EngineApi(engine.Http);

            // The shipment recorded before the kill is still there; the second parcel leaves.
            Assert.Equal("partiallyShipped", await StatusAsync(engine.Http, "ful-cod-1", ct));
            Assert.Equal(HttpStatusCode.Created, (await ShipAsync(engine.Http, "ful-cod-1", "p2", "FULCOD2", ("ful-b", 2), ct)).Status);
            Assert.Equal(new StockDto("ful-a", 7, 0, 0, 7, 1), await WaitForStockAsync(api, "ful-a", s => s.OnHand == 7, ct));
            Assert.Equal(new StockDto("ful-b", 8, 0, 0, 8, 1), await WaitForStockAsync(api, "ful-b", s => s.OnHand == 8, ct));
            Assert.Equal(HttpStatusCode.OK, (await TrackAsync(engine.Http, "FULCOD1", "delivered", ct)).Status);

            engine.Kill();
            engine = await bed.StartEngineAsync(ct);
            api = new EngineApi(engine.Http);

            // The first parcel's delivery survived; the second's settles the cash.
            Assert.Equal("delivered", (await OrderJsonAsync(engine.Http, "ful-cod-1", ct)).GetProperty("shipments")[0].GetProperty("status").GetString());
            Assert.Equal(HttpStatusCode.OK, (await TrackAsync(engine.Http, "FULCOD2", "outForDelivery", ct)).Status);
            Assert.Equal(HttpStatusCode.OK, (await TrackAsync(engine.Http, "FULCOD2", "delivered", ct)).Status);
            var delivered = await WaitForOrderAsync(engine.Http, "ful-cod-1", o => o.GetProperty("status").GetString() == "delivered", ct);
            Assert.Equal(32.00m, delivered.GetProperty("payment").GetProperty("amount").GetDecimal());
            Assert.Equal("cash-on-delivery", delivered.GetProperty("payment").GetProperty("provider").GetString());

            // A paid order whose parcel cannot be delivered: it comes back to stock and its money back.
            var paid = await api.PlaceAsync("ful-rts-1", new PlaceRequest("web", "customer-g", EngineApi.Currency, [new("ful-a", 2, 4.00m)]), ct);
            Assert.True(paid.Status == 201, paid.ToString());
            var rts = paid.Order.Id;
            Assert.Equal(200, (await api.PayAsync(rts, 8.00m, "psp-rts", ct)).Status);
            await WaitForStockAsync(api, "ful-a", s => s.Sold == 2, ct);
            Assert.Equal(HttpStatusCode.Created, (await ShipAsync(engine.Http, rts, "p1", "FULRTS1", ("ful-a", 2), ct)).Status);
            await WaitForStockAsync(api, "ful-a", s => s.OnHand == 5, ct);
            Assert.Equal(HttpStatusCode.OK, (await TrackAsync(engine.Http, "FULRTS1", "failedAttempt", ct)).Status);

            engine.Kill();
            engine = await bed.StartEngineAsync(ct);
            api = new EngineApi(engine.Http);

            Assert.Equal(HttpStatusCode.OK, (await TrackAsync(engine.Http, "FULRTS1", "returnedToSender", ct)).Status);
            Assert.Equal(new StockDto("ful-a", 7, 0, 0, 7, 1), await WaitForStockAsync(api, "ful-a", s => s.OnHand == 7, ct));
            var refunded = await WaitForOrderAsync(engine.Http, rts, o => o.GetProperty("status").GetString() == "refunded", ct);
            Assert.Equal(8.00m, refunded.GetProperty("refunds")[0].GetProperty("amount").GetDecimal());

            // The tracking shows both parcels of the first order, with their events, after all the restarts.
            var tracking = await engine.Http.GetFromJsonElementAsync("api/orders/ful-cod-1/tracking", ct);
            var parcels = tracking.GetProperty("parcels").EnumerateArray().ToList();
            Assert.Equal(["delivered", "delivered"], parcels.Select(p => p.GetProperty("status").GetString()!).ToArray());
            Assert.Equal(2, parcels[1].GetProperty("events").GetArrayLength());
        });
    }

    private static async Task<(HttpStatusCode Status, string Body)> ShipAsync(HttpClient http, string orderId, string shipmentId, string tracking,
        (string Sku, int Quantity) line, CancellationToken ct)
    {
        using var response = await http.PostAsync($"api/orders/{orderId}/shipments", Json(new
        {
            shipmentId, carrier = "dhl", trackingNumber = tracking, lines = new[] { new { sku = line.Sku, quantity = line.Quantity } },
        }), ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(ct));
    }

    /// <summary>A tracking event from the sandbox carrier, signed as docs/carriers.md says.</summary>
    private static async Task<(HttpStatusCode Status, string Body)> TrackAsync(HttpClient http, string tracking, string status, CancellationToken ct)
    {
        var body = JsonSerializer.Serialize(new
        {
            id = "evt_" + Guid.NewGuid().ToString("N"), trackingNumber = tracking, status,
            occurredAt = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        });
        var t = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var mac = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(CarrierSecret), Encoding.UTF8.GetBytes(t + "." + body)));
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/carriers/sandbox/webhook") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("Sandbox-Carrier-Signature", $"t={t},v1={mac}");
        using var response = await http.SendAsync(request, ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(ct));
    }
}
