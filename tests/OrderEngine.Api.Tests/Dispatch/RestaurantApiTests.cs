using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OrderEngine.Domain.Dispatch;
using OrderEngine.Engine.Sharding;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests.Dispatch;

/// <summary>/api/restaurants: definition, pause and resume, and the kitchen accepting or rejecting its orders.</summary>
public sealed class RestaurantApiTests(EngineFixture engine) : IClassFixture<EngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    private static readonly object Pasta = new { name = "Pasta Place", latitude = 51.5074, longitude = -0.1278, prepMinutes = 12, menu = new[] { "pasta-1", "tiramisu" } };

    private async Task<JsonElement> Define(string id, object body, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await _client.PutAsJsonAsync($"/api/restaurants/{id}", body);
        await ExpectStatus(response, expected);
        return await Body(response);
    }

    private async Task<JsonElement> Restaurant(string id)
    {
        using var response = await _client.GetAsync($"/api/restaurants/{id}");
        await ExpectStatus(response, HttpStatusCode.OK);
        return await Body(response);
    }

    /// <summary>The restaurant as stored: without the queue ETA, which moves with the clock.</summary>
    private async Task<string> Stored(string id)
    {
        var node = JsonNode.Parse((await Restaurant(id)).GetRawText())!.AsObject();
        node.Remove("queueEtaMinutes");
        return node.ToJsonString();
    }

    /// <summary>What a paid delivery order does: it tells the restaurant, which answers KitchenOrderReceived.</summary>
    private async Task Receive(string id, string orderId)
    {
        var region = engine.Services.GetRequiredService<IRequiredActor<RestaurantRegion>>().ActorRef;
        var received = await region.Ask<KitchenOrderReceived>(
            new ReceiveKitchenOrder(id, orderId, new GeoPoint(51.5226, -0.104), null, 2, DateTimeOffset.UtcNow), TimeSpan.FromSeconds(10));
        Assert.Equal(orderId, received.OrderId);
    }

    private Task<HttpResponseMessage> AcceptOrder(string id, string orderId, object body) =>
        _client.PostAsJsonAsync($"/api/restaurants/{id}/orders/{orderId}/accept", body);

    private Task<HttpResponseMessage> RejectOrder(string id, string orderId, object body) =>
        _client.PostAsJsonAsync($"/api/restaurants/{id}/orders/{orderId}/reject", body);

    [Fact]
    public async Task A_kitchen_accepts_a_received_order_and_the_restaurant_shows_it_accepted_with_its_ready_time()
    {
        var id = Sku("pasta");
        var created = await Define(id, Pasta, HttpStatusCode.Created);
        Assert.Equal("open", created.GetProperty("status").GetString());
        Assert.Equal(51.5074, created.GetProperty("location").GetProperty("latitude").GetDouble());
        Assert.Equal(Geo.Geohash(new GeoPoint(51.5074, -0.1278), 5), created.GetProperty("zoneId").GetString());
        Assert.Equal(created.GetProperty("menu").ToString(), (await Define(id, Pasta)).GetProperty("menu").ToString());

        await Receive(id, "o-1");
        var before = DateTimeOffset.UtcNow;
        using (var accepted = await AcceptOrder(id, "o-1", new { prepMinutes = 10 }))
            await ExpectStatus(accepted, HttpStatusCode.OK);

        var view = await Restaurant(id);
        var order = view.GetProperty("orders").EnumerateArray().Single();
        Assert.Equal(("o-1", "accepted"), (order.GetProperty("orderId").GetString(), order.GetProperty("status").GetString()));
        var readyAt = order.GetProperty("readyAt").GetDateTimeOffset();
        Assert.InRange(readyAt, before.AddMinutes(10).AddSeconds(-1), DateTimeOffset.UtcNow.AddMinutes(10));
        Assert.True(order.TryGetProperty("promisedBy", out _));
        Assert.InRange(view.GetProperty("queueEtaMinutes").GetDecimal(), 9m, 10m);

        // A repeat answers as before; another time, or a rejection, contradicts the acceptance.
        using (var repeat = await AcceptOrder(id, "o-1", new { prepMinutes = 10 }))
            await ExpectStatus(repeat, HttpStatusCode.OK);
        using (var other = await AcceptOrder(id, "o-1", new { prepMinutes = 20 }))
            await AssertProblem(other, HttpStatusCode.Conflict, "conflict");
        using (var reject = await RejectOrder(id, "o-1", new { reason = "too late" }))
            await AssertProblem(reject, HttpStatusCode.Conflict, "conflict");
        Assert.Equal(readyAt, (await Restaurant(id)).GetProperty("orders")[0].GetProperty("readyAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task A_rejected_order_shows_its_reason_and_can_no_longer_be_accepted()
    {
        var id = Sku("reject");
        await Define(id, Pasta, HttpStatusCode.Created);
        await Receive(id, "o-1");

        using (var rejected = await RejectOrder(id, "o-1", new { reason = "out of basil" }))
            await ExpectStatus(rejected, HttpStatusCode.OK);
        var order = (await Restaurant(id)).GetProperty("orders")[0];
        Assert.Equal(("rejected", "out of basil"), (order.GetProperty("status").GetString(), order.GetProperty("reason").GetString()));

        using (var again = await RejectOrder(id, "o-1", new { reason = "out of basil" }))
            await ExpectStatus(again, HttpStatusCode.OK);
        using var accept = await AcceptOrder(id, "o-1", new { prepMinutes = 10 });
        var problem = await AssertProblem(accept, HttpStatusCode.Conflict, "conflict");
        Assert.Contains("out of basil", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_restaurant_paused_by_hand_shows_the_reason_until_resumed_by_hand()
    {
        var id = Sku("pause");
        await Define(id, Pasta, HttpStatusCode.Created);

        using (var paused = await _client.PostAsJsonAsync($"/api/restaurants/{id}/pause", new { reason = "oven broken" }))
            await ExpectStatus(paused, HttpStatusCode.OK);
        var view = await Restaurant(id);
        Assert.Equal(("paused", "oven broken"), (view.GetProperty("status").GetString(), view.GetProperty("pausedReason").GetString()));

        using (var resumed = await _client.PostAsync($"/api/restaurants/{id}/resume", null))
            await ExpectStatus(resumed, HttpStatusCode.OK);
        view = await Restaurant(id);
        Assert.Equal("open", view.GetProperty("status").GetString());
        Assert.False(view.TryGetProperty("pausedReason", out _));
    }

    [Fact]
    public async Task An_accepted_order_that_makes_the_queue_too_long_pauses_the_restaurant_with_the_reason()
    {
        var id = Sku("rush");
        await Define(id, Pasta, HttpStatusCode.Created);
        await Receive(id, "o-1");

        using (var accepted = await AcceptOrder(id, "o-1", new { prepMinutes = 60 }))
            await ExpectStatus(accepted, HttpStatusCode.OK);
        var view = await Restaurant(id);
        Assert.Equal("paused", view.GetProperty("status").GetString());
        Assert.StartsWith("queue ETA 60 min exceeds 45 min", view.GetProperty("pausedReason").GetString());
    }

    [Fact]
    public async Task Unknown_restaurants_and_orders_never_received_are_404_problems()
    {
        using (var unknown = await _client.GetAsync($"/api/restaurants/{Sku("never")}"))
            await AssertProblem(unknown, HttpStatusCode.NotFound, "not-found");
        using (var invalidId = await _client.GetAsync("/api/restaurants/-bad"))
            await AssertProblem(invalidId, HttpStatusCode.NotFound, "not-found");
        var id = Sku("known");
        await Define(id, Pasta, HttpStatusCode.Created);
        using (var notReceived = await AcceptOrder(id, "o-404", new { prepMinutes = 10 }))
            await AssertProblem(notReceived, HttpStatusCode.NotFound, "not-found");
        using (var notReceived = await RejectOrder(id, "o-404", new { reason = "no" }))
            await AssertProblem(notReceived, HttpStatusCode.NotFound, "not-found");
    }

    public static TheoryData<string, string[]> BadDefinitions => new()
    {
        { "{}", ["latitude", "longitude", "name", "prepMinutes"] },
        { """{"name":"","latitude":51.5,"longitude":-0.1,"prepMinutes":12}""", ["name"] },
        { """{"name":"P","latitude":95,"longitude":-0.1,"prepMinutes":12}""", ["latitude"] },
        { """{"name":"P","latitude":51.5,"longitude":-190,"prepMinutes":12}""", ["longitude"] },
        { """{"name":"P","longitude":-0.1,"prepMinutes":12}""", ["latitude"] },
        { """{"name":"P","latitude":51.5,"prepMinutes":12}""", ["longitude"] },
        { """{"name":"P","prepMinutes":12}""", ["latitude", "longitude"] },
        { """{"name":"P","latitude":51.5,"longitude":-0.1,"prepMinutes":0}""", ["prepMinutes"] },
        { """{"name":"P","latitude":51.5,"longitude":-0.1,"prepMinutes":241}""", ["prepMinutes"] },
        { """{"name":"P","latitude":51.5,"longitude":-0.1,"prepMinutes":12,"menu":["ok",""]}""", ["menu[1]"] },
        { """{"name":"P","latitude":51.5,"longitude":-0.1,"prepMinutes":12,"menu":["ok","ok"]}""", ["menu[1]"] },
        { """{"name":"P","latitude":51.5,"longitude":-0.1,"prepMinutes":12,"menu":[null]}""", ["menu[0]"] },
        { """{"name":"P","latitude":"north","longitude":-0.1,"prepMinutes":12}""", [] },
        { """{"name":"P","latitude":51.5,"longitude":-0.1,"prepMinutes":12,"open":"yes"}""", [] },
        { """{"name":"P",""", [] },
        { "[1]", [] },
    };

    [Theory]
    [MemberData(nameof(BadDefinitions))]
    public async Task A_bad_definition_is_a_problem_and_changes_nothing(string body, string[] fields)
    {
        var id = Sku("bad-def");
        await Define(id, Pasta, HttpStatusCode.Created);
        var before = await Stored(id);

        using var response = await _client.PutAsync($"/api/restaurants/{id}", Json(body));

        if (fields.Length > 0) await AssertValidationProblem(response, fields);
        else await AssertProblem(response, HttpStatusCode.BadRequest, "malformed-request", "invalid");
        Assert.Equal(before, await Stored(id));
    }

    public static TheoryData<string, string, string[]> BadKitchenCommands => new()
    {
        { "accept", "{}", ["prepMinutes"] },
        { "accept", """{"prepMinutes":0}""", ["prepMinutes"] },
        { "accept", """{"prepMinutes":-5}""", ["prepMinutes"] },
        { "accept", """{"prepMinutes":300}""", ["prepMinutes"] },
        { "accept", """{"prepMinutes":"ten"}""", [] },
        { "accept", "", [] },
        { "reject", "{}", ["reason"] },
        { "reject", """{"reason":"  "}""", ["reason"] },
        { "reject", $$"""{"reason":"{{new string('x', 501)}}"}""", ["reason"] },
        { "reject", """{"reason":7}""", [] },
        { "pause", "{}", ["reason"] },
        { "pause", """{"reason":""}""", ["reason"] },
        { "pause", "[", [] },
    };

    [Theory]
    [MemberData(nameof(BadKitchenCommands))]
    public async Task A_bad_kitchen_command_is_a_problem_and_changes_nothing(string action, string body, string[] fields)
    {
        var id = Sku("bad-cmd");
        await Define(id, Pasta, HttpStatusCode.Created);
        await Receive(id, "o-1");
        var before = await Stored(id);

        var path = action == "pause" ? $"/api/restaurants/{id}/pause" : $"/api/restaurants/{id}/orders/o-1/{action}";
        using var response = await _client.PostAsync(path, Json(body));

        if (fields.Length > 0) await AssertValidationProblem(response, fields);
        else await AssertProblem(response, HttpStatusCode.BadRequest, "malformed-request", "invalid");
        Assert.Equal(before, await Stored(id));
    }

    [Fact]
    public async Task An_invalid_restaurant_id_in_the_path_is_a_problem()
    {
        using var response = await _client.PutAsJsonAsync("/api/restaurants/-not-an-id", Pasta);
        await AssertValidationProblem(response, "id");
    }
}
