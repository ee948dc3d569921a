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

    private const string ShopDomain = "e2e-shop.myshopify.com";
    private const string ShopSecret = "shpss_e2e_51f0";

    /// <summary>
    /// A Shopify order Shopify already charged (the published 2024-04 order, 3 SKUs, 598.94 USD) arrives paid; it is held
    /// as no shipping method serves it (the rules price EUR only) until an operator chooses one, ships in two parcels,
    /// is delivered, has one line returned, refunded through the channel and restocked — with kill -9 between the steps.
    /// </summary>
    protected async Task ChannelPaidOrderIsShippedDeliveredReturnedAndRefundedAcrossKillNineAsync()
    {
        await using var bed = await NewTestBedAsync(LongHold, new Dictionary<string, string>
        {
            ["OrderEngine__Carriers__Sandbox__Secret"] = CarrierSecret,
            [$"OrderEngine__Channels__Shopify__{ShopDomain}__Secret"] = ShopSecret,
        });
        await bed.RunAsync(async () =>
        {
            using var budget = new CancellationTokenSource(TestBudget);
            var ct = budget.Token;
            var engine = await bed.StartEngineAsync(ct);
            var api = new EngineApi(engine.Http);
            string[] skus = ["IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK"];
            foreach (var sku in skus)
            {
                Assert.Equal(200, (await api.SetStockAsync(sku, 10, 1, ct)).Status);
                using var product = await engine.Http.PutAsync($"api/products/{sku}", Json(new { name = "iPod Nano", weightKg = 0.2m, dimensions = new { lengthCm = 10, widthCm = 6, heightCm = 2 } }), ct);
                Assert.True(product.IsSuccessStatusCode, await product.Content.ReadAsStringAsync(ct));
            }

            // Shopify's webhook, signed with the shop's secret.
            var body = await File.ReadAllBytesAsync(Path.Combine(EngineProcess.RepositoryRoot,
                "tests", "OrderEngine.Api.Tests", "TestData", "channels", "shopify", "rest_2024-04_order_get.json"), ct);
            string id;
            using (var request = new HttpRequestMessage(HttpMethod.Post, $"api/channels/shopify/{ShopDomain}/orders") { Content = new ByteArrayContent(body) })
            {
                request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                request.Headers.Add("X-Shopify-Hmac-Sha256", Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(ShopSecret), body)));
                request.Headers.Add("X-Shopify-Topic", "orders/create");
                using var intake = await engine.Http.SendAsync(request, ct);
                var answer = await intake.Content.ReadAsStringAsync(ct);
                Assert.True(intake.IsSuccessStatusCode, answer);
                var outcome = JsonDocument.Parse(answer).RootElement.GetProperty("orders")[0];
                Assert.Equal(("accepted", "paid"), (outcome.GetProperty("outcome").GetString(), outcome.GetProperty("status").GetString()));
                id = outcome.GetProperty("orderId").GetString()!;
            }
            var order = await WaitForOrderAsync(engine.Http, id, o => o.GetProperty("status").GetString() == "onHold", ct);
            Assert.Equal("channel:shopify", order.GetProperty("payment").GetProperty("provider").GetString());
            Assert.Equal(598.94m, order.GetProperty("payment").GetProperty("amount").GetDecimal());
            Assert.StartsWith("2008-01-10", order.GetProperty("placedAt").GetString());
            Assert.Contains(order.GetProperty("holdReasons").EnumerateArray(), r => r.GetString()!.StartsWith("shipping: ", StringComparison.Ordinal));
            foreach (var sku in skus) await WaitForStockAsync(api, sku, s => s.Sold == 1, ct);

            engine.Kill();
            engine = await bed.StartEngineAsync(ct);
            api = new EngineApi(engine.Http);

            // An operator chooses the method; the order ships in two parcels.
            using (var choose = await engine.Http.PostAsync($"api/orders/{id}/shipping", Json(new { methodId = "express", by = "ann", note = "customer pays the carrier in USD" }), ct))
                Assert.True(choose.StatusCode == HttpStatusCode.OK, await choose.Content.ReadAsStringAsync(ct));
            Assert.Equal(HttpStatusCode.Created, (await ShipLinesAsync(engine.Http, id, "p1", "SHOP1", [("IPOD2008GREEN", 1), ("IPOD2008RED", 1)], ct)).Status);

            engine.Kill();
            engine = await bed.StartEngineAsync(ct);
            api = new EngineApi(engine.Http);

            Assert.Equal(HttpStatusCode.Created, (await ShipLinesAsync(engine.Http, id, "p2", "SHOP2", [("IPOD2008BLACK", 1)], ct)).Status);
            foreach (var sku in skus) Assert.Equal(new StockDto(sku, 9, 0, 0, 9, 1), await WaitForStockAsync(api, sku, s => s.OnHand == 9, ct));
            Assert.Equal(HttpStatusCode.OK, (await TrackAsync(engine.Http, "SHOP1", "delivered", ct)).Status);
            Assert.Equal(HttpStatusCode.OK, (await TrackAsync(engine.Http, "SHOP2", "delivered", ct)).Status);
            await WaitForOrderAsync(engine.Http, id, o => o.GetProperty("status").GetString() == "delivered", ct);

            // One line comes back: requested, approved, then a kill -9, received, inspected restockable, resolved by a refund.
            using (var requested = await engine.Http.PostAsync($"api/orders/{id}/returns",
                       Json(new { returnId = "rma-1", reason = "wrong colour", resolution = "refund", lines = new[] { new { sku = "IPOD2008RED", quantity = 1 } } }), ct))
                Assert.True(requested.IsSuccessStatusCode, await requested.Content.ReadAsStringAsync(ct));
            using (var approved = await engine.Http.PostAsync($"api/orders/{id}/returns/rma-1/approve", Json(new { by = "ann" }), ct))
                Assert.True(approved.IsSuccessStatusCode, await approved.Content.ReadAsStringAsync(ct));

            engine.Kill();
            engine = await bed.StartEngineAsync(ct);
            api = new EngineApi(engine.Http);

            using (var received = await engine.Http.PostAsync($"api/orders/{id}/returns/rma-1/receive", Json(new { by = "warehouse-1" }), ct))
                Assert.True(received.IsSuccessStatusCode, await received.Content.ReadAsStringAsync(ct));
            using (var inspected = await engine.Http.PostAsync($"api/orders/{id}/returns/rma-1/inspect",
                       Json(new { by = "warehouse-1", lines = new[] { new { sku = "IPOD2008RED", restockable = 1, notRestockable = 0 } } }), ct))
                Assert.True(inspected.IsSuccessStatusCode, await inspected.Content.ReadAsStringAsync(ct));
            Assert.Equal(new StockDto("IPOD2008RED", 10, 0, 0, 10, 1), await WaitForStockAsync(api, "IPOD2008RED", s => s.OnHand == 10, ct));
            using (var resolved = await engine.Http.PostAsync($"api/orders/{id}/returns/rma-1/resolve", Json(new { by = "ann" }), ct))
                Assert.True(resolved.IsSuccessStatusCode, await resolved.Content.ReadAsStringAsync(ct));

            // Shopify holds the money: the refund waits for the channel to pay it back, recorded by hand.
            order = await WaitForOrderAsync(engine.Http, id, o => o.GetProperty("refunds").GetArrayLength() == 1, ct);
            var refund = order.GetProperty("refunds")[0];
            Assert.Equal((199.00m, "requested", "channel:shopify"),
                (refund.GetProperty("amount").GetDecimal(), refund.GetProperty("status").GetString(), refund.GetProperty("provider").GetString()));
            using (var outcome = await engine.Http.PostAsync($"api/orders/{id}/refunds/{refund.GetProperty("refundId").GetString()}/outcome",
                       Json(new { succeeded = true, reference = "shopify-refund-1", by = "ann" }), ct))
                Assert.True(outcome.IsSuccessStatusCode, await outcome.Content.ReadAsStringAsync(ct));

            engine.Kill();
            engine = await bed.StartEngineAsync(ct);
            order = await OrderJsonAsync(engine.Http, id, ct);
            Assert.Equal("succeeded", order.GetProperty("refunds")[0].GetProperty("status").GetString());
            Assert.Equal(598.94m - 199.00m, order.GetProperty("refundable").GetDecimal());
            Assert.Equal(new StockDto("IPOD2008RED", 10, 0, 0, 10, 1), await new EngineApi(engine.Http).StockAsync("IPOD2008RED", ct));
            Assert.Equal(new StockDto("IPOD2008GREEN", 9, 0, 0, 9, 1), await new EngineApi(engine.Http).StockAsync("IPOD2008GREEN", ct));
        });
    }

    private static async Task<(HttpStatusCode Status, string Body)> ShipLinesAsync(HttpClient http, string orderId, string shipmentId, string tracking,
        (string Sku, int Quantity)[] lines, CancellationToken ct)
    {
        using var response = await http.PostAsync($"api/orders/{orderId}/shipments", Json(new
        {
            shipmentId, carrier = "ups", trackingNumber = tracking, lines = lines.Select(l => new { sku = l.Sku, quantity = l.Quantity }).ToArray(),
        }), ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(ct));
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
