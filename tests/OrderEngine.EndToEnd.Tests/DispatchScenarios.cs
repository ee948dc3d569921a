using System.Net;
using System.Text.Json;

namespace OrderEngine.EndToEnd.Tests;

/// <summary>
/// A small dinner rush through the real engine process: paid delivery orders, kitchens accepting, three couriers
/// taking offers, one going offline before its pickup, and a kill -9 in the middle. Throughout, and at the end, no
/// courier holds more than its capacity and no order is held by two couriers; every order ends delivered.
/// </summary>
public abstract partial class EngineScenarios
{
    private const string RushZone = "u33dc";
    private static readonly string[] RushCouriers = ["rc-1", "rc-2", "rc-3"];

    protected async Task ARushCutByKillNineKeepsEveryDeliveryWithOneCourierAsync()
    {
        await using var bed = await NewTestBedAsync(LongHold, new Dictionary<string, string>
        {
            ["OrderEngine__Dispatch__OfferTimeoutSeconds"] = "3",
            ["OrderEngine__Dispatch__TickInterval"] = "00:00:00.500",
        });
        await bed.RunAsync(async () =>
        {
            using var budget = new CancellationTokenSource(TestBudget);
            var ct = budget.Token;
            var engine = await bed.StartEngineAsync(ct);
            var api = new EngineApi(engine.Http);
            Assert.Equal(200, (await api.SetStockAsync("rush-dish", 100, 1, ct)).Status);
            foreach (var (id, lat) in new[] { ("rush-r1", 52.5200), ("rush-r2", 52.5230) })
            {
                await ExpectAsync(engine.Http.PutAsync($"api/restaurants/{id}", Json(new
                {
                    name = id, latitude = lat, longitude = 13.4050, prepMinutes = 0.05m, menu = new[] { "rush-dish" }, open = true,
                }), ct), HttpStatusCode.Created, ct);
            }
            foreach (var c in RushCouriers)
            {
                await ExpectAsync(engine.Http.PutAsync($"api/couriers/{c}", Json(new { name = c, vehicle = "bike" }), ct), HttpStatusCode.OK, ct);
                await ExpectAsync(engine.Http.PostAsync($"api/couriers/{c}/online", Json(new { latitude = 52.5210, longitude = 13.4060 }), ct), HttpStatusCode.OK, ct);
            }

            // Ten paid delivery orders, accepted by their kitchens: more than three bikes of two can carry at once.
            var orders = Enumerable.Range(1, 10).Select(n => $"rush-o{n}").ToArray();
            for (var n = 0; n < orders.Length; n++)
            {
                var place = await engine.Http.PostAsync("api/orders", Json(new
                {
                    id = orders[n], channel = "web", customerId = $"rush-c{n}", currency = EngineApi.Currency,
                    lines = new[] { new { sku = "rush-dish", quantity = 1, unitPrice = 9.00m } },
                    delivery = new { restaurantId = n % 2 == 0 ? "rush-r1" : "rush-r2", dropOff = new { latitude = 52.5250 + n * 0.001, longitude = 13.4100 } },
                }), ct);
                Assert.True(place.StatusCode == HttpStatusCode.Created, await place.Content.ReadAsStringAsync(ct));
                Assert.Equal(200, (await api.PayAsync(orders[n], 9.00m, "psp-" + orders[n], ct)).Status);
            }
            for (var n = 0; n < orders.Length; n++)
            {
                var restaurant = n % 2 == 0 ? "rush-r1" : "rush-r2";
                await EventuallyAsync(async () =>
                {
                    using var r = await engine.Http.PostAsync($"api/restaurants/{restaurant}/orders/{orders[n]}/accept", Json(new { prepMinutes = 0.05m }), ct);
                    return r.StatusCode == HttpStatusCode.OK;
                }, ct);
            }

            // The couriers take what they are offered; rc-3 goes offline holding an accepted delivery it never picked up.
            await EventuallyAsync(async () => (await AcceptOffersAsync(engine.Http, "rc-3", ct)) > 0, ct);
            await ExpectAsync(engine.Http.PostAsync("api/couriers/rc-3/offline", Json(new { }), ct), HttpStatusCode.OK, ct);
            await AcceptOffersAsync(engine.Http, "rc-1", ct);
            await AcceptOffersAsync(engine.Http, "rc-2", ct);
            await AssertDispatchInvariantsAsync(engine.Http, ct);

            engine.Kill();
            engine = await bed.StartEngineAsync(ct);
            await AssertDispatchInvariantsAsync(engine.Http, ct);

            // After the restart the two couriers left work the queue down: accept, pick up, deliver, until all ten arrived.
            var delivered = new HashSet<string>();
            while (delivered.Count < orders.Length)
            {
                ct.ThrowIfCancellationRequested();
                foreach (var c in RushCouriers[..2])
                {
                    await AcceptOffersAsync(engine.Http, c, ct);
                    var courier = await GetJsonAsync(engine.Http, $"api/couriers/{c}", ct);
                    foreach (var d in courier.GetProperty("deliveries").EnumerateArray())
                    {
                        var orderId = d.GetProperty("orderId").GetString()!;
                        if (d.GetProperty("status").GetString() == "assigned")
                            await ExpectAsync(engine.Http.PostAsync($"api/couriers/{c}/deliveries/{orderId}/pickup", Json(new { }), ct), HttpStatusCode.OK, ct);
                        await ExpectAsync(engine.Http.PostAsync($"api/couriers/{c}/deliveries/{orderId}/deliver", Json(new { }), ct), HttpStatusCode.OK, ct);
                        delivered.Add(orderId);
                    }
                }
                await AssertDispatchInvariantsAsync(engine.Http, ct);
                await Task.Delay(200, ct);
            }

            // Every order was delivered once, by one of the two couriers still online, and its dish left stock.
            foreach (var id in orders)
            {
                var order = await WaitForOrderAsync(engine.Http, id, o => o.GetProperty("status").GetString() == "delivered", ct);
                Assert.Contains(order.GetProperty("delivery").GetProperty("courierId").GetString(), RushCouriers[..2]);
            }
            var stock = await WaitForStockAsync(new EngineApi(engine.Http), "rush-dish", s => s.OnHand == 90, ct);
            Assert.Equal(0, stock.Sold);
            var zone = await GetJsonAsync(engine.Http, $"api/zones/{RushZone}", ct);
            foreach (var list in new[] { "waiting", "offered", "assigned", "pickedUp", "flagged" })
                Assert.Equal(0, zone.GetProperty(list).GetArrayLength());
        });
    }

    private static async Task<int> AcceptOffersAsync(HttpClient http, string courierId, CancellationToken ct)
    {
        var courier = await GetJsonAsync(http, $"api/couriers/{courierId}", ct);
        var accepted = 0;
        foreach (var offer in courier.GetProperty("offers").EnumerateArray())
        {
            using var r = await http.PostAsync($"api/couriers/{courierId}/offers/{offer.GetProperty("orderId").GetString()}/accept", Json(new { }), ct);
            if (r.StatusCode == HttpStatusCode.OK) accepted++;
            else Assert.Equal(HttpStatusCode.Conflict, r.StatusCode); // expired or gone to another courier meanwhile
        }
        return accepted;
    }

    /// <summary>No courier over its capacity; no order held by two couriers, nor listed twice in the zone.</summary>
    private static async Task AssertDispatchInvariantsAsync(HttpClient http, CancellationToken ct)
    {
        var holders = new Dictionary<string, string>();
        foreach (var c in RushCouriers)
        {
            var courier = await GetJsonAsync(http, $"api/couriers/{c}", ct);
            var held = courier.GetProperty("deliveries").EnumerateArray().Select(d => d.GetProperty("orderId").GetString()!)
                .Concat(courier.GetProperty("offers").EnumerateArray().Select(o => o.GetProperty("orderId").GetString()!)).ToList();
            Assert.True(held.Count <= courier.GetProperty("capacity").GetInt32(), $"courier {c} holds {held.Count}: {string.Join(", ", held)}");
            foreach (var orderId in held)
                Assert.True(holders.TryAdd(orderId, c), $"order {orderId} is held by {c} and by {holders.GetValueOrDefault(orderId)}");
        }
        var zone = await GetJsonAsync(http, $"api/zones/{RushZone}", ct);
        var listed = new[] { "waiting", "offered", "assigned", "pickedUp" }
            .SelectMany(l => zone.GetProperty(l).EnumerateArray().Select(d => d.GetProperty("orderId").GetString()!)).ToList();
        Assert.Equal(listed.Count, listed.Distinct().Count());
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient http, string path, CancellationToken ct)
    {
        using var r = await http.GetAsync(path, ct);
        var body = await r.Content.ReadAsStringAsync(ct);
        Assert.True(r.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)r.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task ExpectAsync(Task<HttpResponseMessage> send, HttpStatusCode expected, CancellationToken ct)
    {
        using var r = await send;
        Assert.True(r.StatusCode == expected, $"{r.RequestMessage?.Method} {r.RequestMessage?.RequestUri}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync(ct)}");
    }

    private static async Task EventuallyAsync(Func<Task<bool>> attempt, CancellationToken ct)
    {
        while (!await attempt()) await Task.Delay(200, ct);
    }
}
