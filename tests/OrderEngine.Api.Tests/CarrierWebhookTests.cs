using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests;

/// <summary>An engine with the sandbox carrier switched on.</summary>
public sealed class CarrierEngineFixture : EngineFixture
{
    public const string Secret = "carrier-test-secret-77a1";

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["OrderEngine:Carriers:Sandbox:Secret"] = Secret,
    };
}

/// <summary>
/// POST /api/carriers/{carrier}/webhook: signed tracking from the sandbox carrier (signed here by the test itself, as
/// docs/carriers.md says) reaches parcels and, when a journey ends, their orders: delivery, cash on delivery, return to sender.
/// </summary>
public sealed class CarrierWebhookTests(CarrierEngineFixture engine) : IClassFixture<CarrierEngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    private static string Sign(string body, DateTimeOffset at, string secret = CarrierEngineFixture.Secret)
    {
        var t = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(t + "." + body));
        return $"t={t},v1={Convert.ToHexStringLower(mac)}";
    }

    private static string Event(string tracking, string status, string? id = null, string? eta = null) => JsonSerializer.Serialize(new
    {
        id = id ?? "evt_" + Guid.NewGuid().ToString("N"),
        trackingNumber = tracking,
        status,
        occurredAt = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        eta,
        location = "Berlin, DE",
    });

    private async Task<HttpResponseMessage> Send(string body, string carrier = "sandbox", string? signature = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/carriers/{carrier}/webhook") { Content = Json(body) };
        request.Headers.Add("Sandbox-Carrier-Signature", signature ?? Sign(body, DateTimeOffset.UtcNow));
        return await _client.SendAsync(request);
    }

    private async Task<(string Sku, string OrderId, string Tracking)> ShippedOrder(string name, bool cashOnDelivery = false)
    {
        var sku = Sku(name);
        await _client.SetStock(sku, 10);
        var key = NewKey();
        using var placed = await _client.PlaceOrder(key, new
        {
            channel = "web", customerId = "customer-1", currency = "EUR", lines = new[] { Line(sku, 2, 5m) },
            paymentMethod = cashOnDelivery ? "cashOnDelivery" : "card",
        });
        await ExpectStatus(placed, HttpStatusCode.Created);
        var id = (await Body(placed)).GetProperty("id").GetString()!;
        if (!cashOnDelivery)
        {
            using var paid = await _client.Pay(id, 10m, "EUR", "psp-" + id);
            await ExpectStatus(paid, HttpStatusCode.OK);
        }
        var tracking = "SBX" + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();
        using var shipped = await _client.PostAsJsonAsync($"/api/orders/{id}/shipments",
            new { shipmentId = "sh-1", carrier = "dhl", trackingNumber = tracking, lines = new[] { new { sku, quantity = 2 } } });
        await ExpectStatus(shipped, HttpStatusCode.Created);
        await _client.StockEventually(sku, s => s.OnHand == 8);
        return (sku, id, tracking);
    }

    private Task<JsonElement> OrderEventually(string id, Func<JsonElement, bool> condition) =>
        Eventually(() => _client.Order(id), condition, TimeSpan.FromSeconds(10), $"order {id}");

    [Fact]
    public async Task Tracking_reaches_the_order_and_delivery_makes_it_delivered()
    {
        var (_, id, tracking) = await ShippedOrder("carrier-deliver");
        var eta = DateTimeOffset.UtcNow.AddDays(1).ToString("O", CultureInfo.InvariantCulture);

        using var moving = await Send(Event(tracking, "outForDelivery", eta: eta));
        await ExpectStatus(moving, HttpStatusCode.OK);
        using var trackingAnswer = await _client.GetAsync($"/api/orders/{id}/tracking");
        var parcel = (await Body(trackingAnswer)).GetProperty("parcels")[0];
        Assert.Equal("outForDelivery", parcel.GetProperty("status").GetString());
        Assert.True(parcel.TryGetProperty("estimatedDelivery", out var estimate) && estimate.ValueKind == JsonValueKind.String);

        using var delivered = await Send(Event(tracking, "delivered"));
        await ExpectStatus(delivered, HttpStatusCode.OK);
        var order = await OrderEventually(id, o => o.Status() == "delivered");
        Assert.Equal("delivered", order.GetProperty("shipments")[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_redelivered_event_counts_once()
    {
        var (_, _, tracking) = await ShippedOrder("carrier-repeat");
        var body = Event(tracking, "inTransit", id: "evt-repeat-1");

        using var first = await Send(body);
        using var again = await Send(body);

        Assert.Equal(1, (await Body(first)).GetProperty("recorded").GetInt32());
        var repeat = await Body(again);
        Assert.Equal((0, 1), (repeat.GetProperty("recorded").GetInt32(), repeat.GetProperty("repeats").GetInt32()));
    }

    [Fact]
    public async Task Cash_on_delivery_is_paid_when_the_parcel_is_delivered()
    {
        var (sku, id, tracking) = await ShippedOrder("carrier-cod", cashOnDelivery: true);
        Assert.Equal("shipped", (await _client.Order(id)).Status());

        using var delivered = await Send(Event(tracking, "delivered"));
        await ExpectStatus(delivered, HttpStatusCode.OK);

        var order = await OrderEventually(id, o => o.Status() == "delivered");
        var payment = order.GetProperty("payment");
        Assert.Equal((10m, "cash-on-delivery"), (payment.GetProperty("amount").GetDecimal(), payment.GetProperty("provider").GetString()));
        Assert.Equal(new StockFigures(sku, 8, 0, 0, 8), await _client.Stock(sku));
    }

    [Fact]
    public async Task A_parcel_returned_to_sender_goes_back_to_stock_and_is_refunded()
    {
        var (sku, id, tracking) = await ShippedOrder("carrier-rts");

        using var failed = await Send(Event(tracking, "failedAttempt"));
        await ExpectStatus(failed, HttpStatusCode.OK);
        using var back = await Send(Event(tracking, "returnedToSender"));
        await ExpectStatus(back, HttpStatusCode.OK);

        Assert.Equal(new StockFigures(sku, 10, 0, 0, 10), await _client.StockEventually(sku, s => s.OnHand == 10));
        var order = await OrderEventually(id, o => o.Status() == "refunded");
        Assert.Equal(10m, order.GetProperty("refunds")[0].GetProperty("amount").GetDecimal());
    }

    [Fact]
    public async Task A_returns_parcel_is_tracked_like_a_shipments()
    {
        var (sku, id, tracking) = await ShippedOrder("carrier-return");
        using (var delivered = await Send(Event(tracking, "delivered")))
            await ExpectStatus(delivered, HttpStatusCode.OK);
        await OrderEventually(id, o => o.Status() == "delivered");
        using (var requested = await _client.PostAsJsonAsync($"/api/orders/{id}/returns",
                   new { returnId = "r-1", reason = "too small", resolution = "refund", lines = new[] { new { sku, quantity = 1 } } }))
            await ExpectStatus(requested, HttpStatusCode.Created);
        using (var approved = await _client.PostAsJsonAsync($"/api/orders/{id}/returns/r-1/approve", new { by = "ann" }))
            await ExpectStatus(approved, HttpStatusCode.OK);
        using (var none = await _client.GetAsync($"/api/orders/{id}/returns/r-1/tracking"))
            await AssertProblem(none, HttpStatusCode.NotFound, "not-found");
        var back = "RET" + tracking;
        using (var sent = await _client.PostAsJsonAsync($"/api/orders/{id}/returns/r-1/shipment", new { carrier = "dhl", trackingNumber = back }))
            await ExpectStatus(sent, HttpStatusCode.OK);

        using (var moving = await Send(Event(back, "inTransit", eta: DateTimeOffset.UtcNow.AddDays(2).ToString("O", CultureInfo.InvariantCulture))))
            await ExpectStatus(moving, HttpStatusCode.OK);

        var returnTracking = await _client.GetFromJsonAsync<JsonElement>($"/api/orders/{id}/returns/r-1/tracking");
        Assert.Equal(("inTransit", "inTransit", back), (returnTracking.GetProperty("returnStatus").GetString(), returnTracking.GetProperty("status").GetString(),
            returnTracking.GetProperty("trackingNumber").GetString()));
        Assert.Single(returnTracking.GetProperty("events").EnumerateArray());
        // The order's own parcels are untouched by the return's.
        Assert.Equal("delivered", (await _client.Order(id)).Status());
    }

    public static TheoryData<string, string?, HttpStatusCode, string> BadWebhooks => new()
    {
        { "wrong signature", "t=1,v1=00", HttpStatusCode.Unauthorized, "bad-signature" },
        { "stale timestamp", "stale", HttpStatusCode.Unauthorized, "bad-signature" },
        { "no signature", "", HttpStatusCode.Unauthorized, "bad-signature" },
        { "not json", null, HttpStatusCode.BadRequest, "malformed-webhook" },
        { "unknown status", null, HttpStatusCode.BadRequest, "malformed-webhook" },
        { "no event id", null, HttpStatusCode.BadRequest, "malformed-webhook" },
        { "overlong tracking number", null, HttpStatusCode.BadRequest, "malformed-webhook" },
    };

    [Theory]
    [MemberData(nameof(BadWebhooks))]
    public async Task A_bad_webhook_is_a_problem_and_records_nothing(string bad, string? signature, HttpStatusCode status, string type)
    {
        var (_, id, tracking) = await ShippedOrder("carrier-bad");
        var body = bad switch
        {
            "not json" => "{not json",
            "unknown status" => Event(tracking, "teleported"),
            "no event id" => Event(tracking, "delivered", id: ""),
            "overlong tracking number" => "[" + Event(tracking, "inTransit") + "," + Event(new string('X', 65), "delivered") + "]",
            _ => Event(tracking, "delivered"),
        };
        if (signature == "stale") signature = Sign(body, DateTimeOffset.UtcNow.AddHours(-1));
        var before = await _client.GetStringAsync($"/api/orders/{id}/tracking");

        using var response = await Send(body, signature: signature);

        await AssertProblem(response, status, type);
        await Task.Delay(200);
        Assert.Equal(before, await _client.GetStringAsync($"/api/orders/{id}/tracking"));
        Assert.Equal("shipped", (await _client.Order(id)).Status());
    }

    [Fact]
    public async Task An_unknown_carrier_is_a_404_problem()
    {
        using var response = await Send(Event("X1", "delivered"), carrier: "pigeon");

        await AssertProblem(response, HttpStatusCode.NotFound, "unknown-carrier");
    }
}
