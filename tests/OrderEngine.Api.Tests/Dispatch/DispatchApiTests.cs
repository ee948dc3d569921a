using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OrderEngine.Domain.Dispatch;
using OrderEngine.Engine.Sharding;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests.Dispatch;

/// <summary>Zones and couriers over HTTP: a delivery from offer to drop-off, and each endpoint's bad input refused with nothing changed.</summary>
public sealed class DispatchApiTests(EngineFixture engine) : IClassFixture<EngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    private static string Id(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    private async Task<JsonElement> Ok(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        await ExpectStatus(response, HttpStatusCode.OK);
        return await Body(response);
    }

    private Task<JsonElement> Courier(string id) => Ok(_client.GetAsync($"/api/couriers/{id}"));

    /// <summary>Sends the restaurant's request for a courier straight to the zone (the restaurant entity is not part of this test).</summary>
    private async Task RequestDelivery(string zoneId, string orderId, GeoPoint pickup, GeoPoint dropOff)
    {
        var zones = engine.Services.GetRequiredService<IRequiredActor<ZoneRegion>>().ActorRef;
        var now = DateTimeOffset.UtcNow;
        var answer = await zones.Ask<object>(new RequestDelivery(zoneId, orderId, "r-api", pickup, dropOff, now, now.AddMinutes(40), 1), TimeSpan.FromSeconds(10));
        Assert.IsType<DeliveryRequestReceived>(answer);
    }

    [Fact]
    public async Task A_courier_goes_online_accepts_an_offer_picks_up_and_delivers()
    {
        var courier = Id("cour");
        var order = Id("ord");
        var at = new GeoPoint(52.5200, 13.4050);
        var defined = await Ok(_client.PutAsJsonAsync($"/api/couriers/{courier}", new { name = "Ann", vehicle = "scooter" }));
        Assert.Equal((3, "offline"), (defined.GetProperty("capacity").GetInt32(), defined.GetProperty("status").GetString()));

        var online = await Ok(_client.PostAsJsonAsync($"/api/couriers/{courier}/online", new { latitude = at.Latitude, longitude = at.Longitude }));
        var zoneId = online.GetProperty("zoneId").GetString()!;
        Assert.Equal("available", online.GetProperty("status").GetString());
        Assert.Equal(zoneId, (await Ok(_client.GetAsync($"/api/zones/of?latitude={at.Latitude}&longitude={at.Longitude}"))).GetProperty("zoneId").GetString());

        await RequestDelivery(zoneId, order, new GeoPoint(52.5210, 13.4060), new GeoPoint(52.5300, 13.4200));
        var offered = await Courier(courier);
        var offer = Assert.Single(offered.GetProperty("offers").EnumerateArray());
        Assert.Equal(order, offer.GetProperty("orderId").GetString());
        Assert.True(offer.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow);

        var accepted = await Ok(_client.PostAsync($"/api/couriers/{courier}/offers/{order}/accept", null));
        Assert.Equal("assigned", Assert.Single(accepted.GetProperty("deliveries").EnumerateArray()).GetProperty("status").GetString());
        // Idempotent: the repeat answers the same.
        await Ok(_client.PostAsync($"/api/couriers/{courier}/offers/{order}/accept", null));

        var zone = await Ok(_client.GetAsync($"/api/zones/{zoneId}"));
        Assert.Contains(zone.GetProperty("assigned").EnumerateArray(), d => d.GetProperty("orderId").GetString() == order);

        var picked = await Ok(_client.PostAsync($"/api/couriers/{courier}/deliveries/{order}/pickup", null));
        Assert.Equal(("delivering", "pickedUp"), (picked.GetProperty("status").GetString(),
            Assert.Single(picked.GetProperty("deliveries").EnumerateArray()).GetProperty("status").GetString()));
        var delivered = await Ok(_client.PostAsync($"/api/couriers/{courier}/deliveries/{order}/deliver", null));
        Assert.Empty(delivered.GetProperty("deliveries").EnumerateArray());
        Assert.Equal("available", delivered.GetProperty("status").GetString());
        await Ok(_client.PostAsync($"/api/couriers/{courier}/deliveries/{order}/deliver", null));

        var offline = await Ok(_client.PostAsync($"/api/couriers/{courier}/offline", null));
        Assert.Equal("offline", offline.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_zone_takes_its_own_settings_and_shows_its_surge()
    {
        var zoneId = "u0d9q";
        var configured = await Ok(_client.PutAsJsonAsync($"/api/zones/{zoneId}", new { policy = "naive", offerTimeoutSeconds = 12.5 }));
        Assert.Equal(("naive", 12.5, 5.0), (configured.GetProperty("policy").GetString(), configured.GetProperty("offerTimeoutSeconds").GetDouble(),
            configured.GetProperty("batchMaxDelayMinutes").GetDouble()));
        var zone = await Ok(_client.GetAsync($"/api/zones/{zoneId}"));
        Assert.Equal((0, 0, 0.0), (zone.GetProperty("waitingDeliveries").GetInt32(), zone.GetProperty("availableCouriers").GetInt32(), zone.GetProperty("surge").GetDouble()));
    }

    private sealed record Bad(string What, HttpMethod Method, string Url, HttpContent? Body, HttpStatusCode Status, string Type);

    [Fact]
    public async Task Bad_input_is_refused_with_a_problem_and_changes_nothing()
    {
        var courier = Id("cbad");
        var idle = Id("cidle");
        var order = Id("obad");
        var at = new GeoPoint(48.8566, 2.3522);
        await Ok(_client.PutAsJsonAsync($"/api/couriers/{courier}", new { name = "Bo", vehicle = "bike" }));
        await Ok(_client.PutAsJsonAsync($"/api/couriers/{idle}", new { name = "Cy", vehicle = "car" }));
        var zoneId = (await Ok(_client.PostAsJsonAsync($"/api/couriers/{courier}/online", new { latitude = at.Latitude, longitude = at.Longitude })))
            .GetProperty("zoneId").GetString()!;
        await RequestDelivery(zoneId, order, at, new GeoPoint(48.8600, 2.3600));
        Assert.Single((await Courier(courier)).GetProperty("offers").EnumerateArray());

        Bad B(string what, string method, string url, object? body, HttpStatusCode status, string type) =>
            new(what, new HttpMethod(method), url, body switch { null => null, string raw => Json(raw), _ => JsonContent.Create(body) }, status, type);
        var c = $"/api/couriers/{courier}";
        Bad[] corpus =
        [
            B("unknown vehicle", "PUT", c, new { name = "Bo", vehicle = "rocket" }, HttpStatusCode.BadRequest, "invalid"),
            B("no vehicle", "PUT", c, new { name = "Bo" }, HttpStatusCode.BadRequest, "invalid"),
            B("capacity 0", "PUT", c, new { vehicle = "bike", capacity = 0 }, HttpStatusCode.BadRequest, "invalid"),
            B("capacity 21", "PUT", c, new { vehicle = "bike", capacity = 21 }, HttpStatusCode.BadRequest, "invalid"),
            B("a long name", "PUT", c, new { name = new string('x', 101), vehicle = "bike" }, HttpStatusCode.BadRequest, "invalid"),
            B("not JSON", "PUT", c, "{\"vehicle\":", HttpStatusCode.BadRequest, "malformed-request"),
            B("capacity as text", "PUT", c, "{\"vehicle\":\"bike\",\"capacity\":\"two\"}", HttpStatusCode.BadRequest, "malformed-request"),
            B("a bad courier id", "PUT", "/api/couriers/bad%20id!", new { vehicle = "bike" }, HttpStatusCode.BadRequest, "invalid"),
            B("latitude 91", "POST", c + "/online", new { latitude = 91, longitude = 2 }, HttpStatusCode.BadRequest, "invalid"),
            B("no longitude", "POST", c + "/online", new { latitude = 48.85 }, HttpStatusCode.BadRequest, "invalid"),
            B("longitude -181", "POST", c + "/position", new { latitude = 48.85, longitude = -181 }, HttpStatusCode.BadRequest, "invalid"),
            B("latitude as text", "POST", c + "/position", "{\"latitude\":\"north\",\"longitude\":2}", HttpStatusCode.BadRequest, "malformed-request"),
            B("unknown courier online", "POST", $"/api/couriers/{Id("ghost")}/online", new { latitude = 48.85, longitude = 2.35 }, HttpStatusCode.NotFound, "not-found"),
            B("unknown courier read", "GET", $"/api/couriers/{Id("ghost")}", null, HttpStatusCode.NotFound, "not-found"),
            B("an offline courier's position", "POST", $"/api/couriers/{idle}/position", new { latitude = 48.85, longitude = 2.35 }, HttpStatusCode.Conflict, "conflict"),
            B("accepting an unknown order", "POST", $"{c}/offers/{Id("none")}/accept", null, HttpStatusCode.NotFound, "not-found"),
            B("picking up before accepting", "POST", $"{c}/deliveries/{order}/pickup", null, HttpStatusCode.Conflict, "conflict"),
            B("delivering before accepting", "POST", $"{c}/deliveries/{order}/deliver", null, HttpStatusCode.Conflict, "conflict"),
            B("another courier accepting", "POST", $"/api/couriers/{idle}/offers/{order}/accept", null, HttpStatusCode.NotFound, "not-found"),
            B("a bad zone id", "PUT", "/api/zones/abc", new { policy = "naive" }, HttpStatusCode.BadRequest, "invalid"),
            B("unknown policy", "PUT", $"/api/zones/{zoneId}", new { policy = "fastest" }, HttpStatusCode.BadRequest, "invalid"),
            B("offer timeout 0", "PUT", $"/api/zones/{zoneId}", new { offerTimeoutSeconds = 0 }, HttpStatusCode.BadRequest, "invalid"),
            B("negative batch delay", "PUT", $"/api/zones/{zoneId}", new { batchMaxDelayMinutes = -1 }, HttpStatusCode.BadRequest, "invalid"),
            B("zone of latitude 100", "GET", "/api/zones/of?latitude=100&longitude=0", null, HttpStatusCode.BadRequest, "invalid"),
            B("zone of nowhere", "GET", "/api/zones/of", null, HttpStatusCode.BadRequest, "invalid"),
        ];

        var courierBefore = (await Courier(courier)).GetRawText();
        var idleBefore = (await Courier(idle)).GetRawText();
        var zoneBefore = await RawZone(zoneId);
        foreach (var bad in corpus)
        {
            using var request = new HttpRequestMessage(bad.Method, bad.Url) { Content = bad.Body };
            using var response = await _client.SendAsync(request);
            try { await AssertProblem(response, bad.Status, bad.Type); }
            catch (Exception e) { throw new Xunit.Sdk.XunitException($"{bad.What}: {e.Message}"); }
            Assert.True(courierBefore == (await Courier(courier)).GetRawText(), $"{bad.What} changed courier {courier}");
            Assert.True(idleBefore == (await Courier(idle)).GetRawText(), $"{bad.What} changed courier {idle}");
            Assert.True(zoneBefore == await RawZone(zoneId), $"{bad.What} changed zone {zoneId}");
        }

        // Out of order after the accept: delivering before the pickup names the reason.
        await Ok(_client.PostAsync($"{c}/offers/{order}/accept", null));
        using var early = await _client.PostAsync($"{c}/deliveries/{order}/deliver", null);
        var problem = await AssertProblem(early, HttpStatusCode.Conflict, "conflict");
        Assert.Contains("pick it up first", problem.GetProperty("detail").GetString());
        using var decline = await _client.PostAsync($"{c}/offers/{order}/decline", null);
        await AssertProblem(decline, HttpStatusCode.Conflict, "conflict");
    }

    /// <summary>The zone's view without the times that move with the clock (a waiting delivery's queue estimate).</summary>
    private async Task<string> RawZone(string zoneId) => (await Ok(_client.GetAsync($"/api/zones/{zoneId}"))).GetRawText();
}
