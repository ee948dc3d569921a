using System.Net;
using System.Text;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests;

/// <summary>
/// Bad input to every /api/webhooks endpoint: each answer is a problem, and neither the subscriptions nor the deliveries
/// (one subscription with one dead-lettered delivery are there to be changed) change.
/// </summary>
public sealed class WebhookBadInputTests(WebhookEngineFixture engine) : IClassFixture<WebhookEngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    private const string GoodSecret = "0123456789abcdef-secret";

    private static string Subscription(string url = "\"http://127.0.0.1:9/x\"", string events = "[\"order.paid\"]", string secret = "\"" + GoodSecret + "\"", string extra = "") =>
        $$"""{"url":{{url}},"events":{{events}},"secret":{{secret}}{{extra}}}""";

    /// <summary>A bad request, what it must be answered (status and problem type, or the fields of a validation problem).</summary>
    public sealed record Case(string Name, HttpMethod Method, string Path, HttpContent? Content, HttpStatusCode Status, string[] Types, string[]? Fields = null);

    private static Case Post(string name, string body, params string[] fields) =>
        new(name, HttpMethod.Post, "/api/webhooks/subscriptions", Json(body), HttpStatusCode.BadRequest, ["invalid"], fields);

    private static Case Malformed(string name, string body) =>
        new(name, HttpMethod.Post, "/api/webhooks/subscriptions", Json(body), HttpStatusCode.BadRequest, ["malformed-request", "invalid"]);

    private static IEnumerable<Case> Corpus() =>
    [
        Malformed("truncated JSON", """{"url":"http://127.0.0.1:9/x","events":["""),
        Malformed("empty body", ""),
        Malformed("a JSON array", "[]"),
        Malformed("JSON null", "null"),
        Malformed("url as a number", Subscription(url: "5")),
        Malformed("events as a string", Subscription(events: "\"order.paid\"")),
        Malformed("secret as an object", Subscription(secret: "{}")),
        new("not JSON", HttpMethod.Post, "/api/webhooks/subscriptions", new StringContent("url=http://127.0.0.1:9/x", Encoding.UTF8, "application/x-www-form-urlencoded"),
            HttpStatusCode.UnsupportedMediaType, ["unsupported-media-type"]),
        Post("an empty object", "{}", "url", "events", "secret"),
        Post("a relative url", Subscription(url: "\"/hooks\""), "url"),
        Post("an ftp url", Subscription(url: "\"ftp://127.0.0.1/x\""), "url"),
        Post("a file url", Subscription(url: "\"file:///etc/passwd\""), "url"),
        Post("a url with credentials", Subscription(url: "\"http://user:pw@127.0.0.1:9/x\""), "url"),
        Post("a url that is not one", Subscription(url: "\"not a url\""), "url"),
        Post("a url too long", Subscription(url: "\"http://127.0.0.1:9/" + new string('a', 2100) + "\""), "url"),
        Post("no events", Subscription(events: "[]"), "events"),
        Post("an unknown event type", Subscription(events: "[\"order.paid\",\"order.exploded\"]"), "events"),
        Post("a null event type", Subscription(events: "[null]"), "events"),
        Post("an event type in capitals", Subscription(events: "[\"ORDER.PAID\"]"), "events"),
        Post("a short secret", Subscription(secret: "\"short\""), "secret"),
        Post("a long secret", Subscription(secret: "\"" + new string('s', 257) + "\""), "secret"),
        Post("a secret with a newline", Subscription(secret: "\"0123456789abcdef\\n\""), "secret"),
        Post("a long description", Subscription(extra: ",\"description\":\"" + new string('d', 201) + "\""), "description"),
        Post("everything wrong", Subscription(url: "\"ftp://x\"", events: "[\"nope\"]", secret: "\"s\""), "url", "events", "secret"),
        new("read an unknown subscription", HttpMethod.Get, "/api/webhooks/subscriptions/whk_nope", null, HttpStatusCode.NotFound, ["not-found"]),
        new("delete an unknown subscription", HttpMethod.Delete, "/api/webhooks/subscriptions/whk_nope", null, HttpStatusCode.NotFound, ["not-found"]),
        new("replay the dead letters of an unknown subscription", HttpMethod.Post, "/api/webhooks/subscriptions/whk_nope/replay-dead", null, HttpStatusCode.NotFound, ["not-found"]),
        new("replay an unknown delivery", HttpMethod.Post, "/api/webhooks/deliveries/dlv_nope/replay", null, HttpStatusCode.NotFound, ["not-found"]),
        new("deliveries in an unknown status", HttpMethod.Get, "/api/webhooks/deliveries?status=lost", null, HttpStatusCode.BadRequest, ["invalid"], ["status"]),
        new("deliveries with limit 0", HttpMethod.Get, "/api/webhooks/deliveries?limit=0", null, HttpStatusCode.BadRequest, ["invalid"], ["limit"]),
        new("deliveries with a limit too large", HttpMethod.Get, "/api/webhooks/deliveries?limit=1001", null, HttpStatusCode.BadRequest, ["invalid"], ["limit"]),
        new("deliveries with a limit that is no number", HttpMethod.Get, "/api/webhooks/deliveries?limit=many", null, HttpStatusCode.BadRequest, ["malformed-request", "invalid"]),
        new("replacing the subscriptions", HttpMethod.Put, "/api/webhooks/subscriptions", Json(Subscription()), HttpStatusCode.MethodNotAllowed, ["method-not-allowed"]),
    ];

    /// <summary>Every subscription and every delivery with its status and attempts, as the API lists them.</summary>
    private async Task<string> State()
    {
        using var subscriptions = await _client.GetAsync("/api/webhooks/subscriptions");
        using var deliveries = await _client.GetAsync("/api/webhooks/deliveries?limit=1000");
        await ExpectStatus(subscriptions, HttpStatusCode.OK);
        await ExpectStatus(deliveries, HttpStatusCode.OK);
        return await subscriptions.Content.ReadAsStringAsync() + "\n" + await deliveries.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task Every_bad_request_is_a_problem_and_changes_no_subscription_or_delivery()
    {
        await using var failing = new WebhookSubscriber { Answer = (_, _) => 500 };
        var subscription = await failing.SubscribeAsync(_client, "order.placed");
        var sku = Sku("wh-bad");
        await _client.SetStock(sku, 5);
        await _client.PlaceReservedOrder(Line(sku, 1, 1m));
        await Eventually(async () =>
        {
            using var dead = await _client.GetAsync($"/api/webhooks/deliveries?status=dead&subscriptionId={subscription}");
            return (await Body(dead)).GetProperty("deliveries").GetArrayLength();
        }, n => n == 1, TimeSpan.FromSeconds(30), "a dead-lettered delivery");
        var before = await State();

        foreach (var c in Corpus())
        {
            using var request = new HttpRequestMessage(c.Method, c.Path) { Content = c.Content };
            using var response = await _client.SendAsync(request);
            try
            {
                if (c.Fields is { } fields) await AssertValidationProblem(response, fields);
                else await AssertProblem(response, c.Status, requireDetail: true, c.Types);
            }
            catch (Exception e)
            {
                Assert.Fail($"{c.Name}: {e.Message}");
            }
            Assert.True(before == await State(), $"{c.Name} changed the webhook state");
        }
        Assert.Equal(3, failing.Received.Count);
    }

    [Fact]
    public async Task A_subscription_is_answered_201_with_its_id_and_location_and_its_secret_is_never_shown()
    {
        using var created = await _client.PostAsync("/api/webhooks/subscriptions",
            Json(Subscription(events: "[\"order.paid\",\"order.placed\",\"order.paid\"]", extra: ",\"description\":\"erp\"")));

        await ExpectStatus(created, HttpStatusCode.Created);
        var body = await Body(created);
        var id = body.GetProperty("id").GetString()!;
        Assert.Matches("^whk_[0-9a-f]{32}$", id);
        Assert.Equal($"/api/webhooks/subscriptions/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal(["order.paid", "order.placed"], body.GetProperty("events").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("erp", body.GetProperty("description").GetString());
        Assert.DoesNotContain(GoodSecret, body.ToString());
        using var list = await _client.GetAsync("/api/webhooks/subscriptions");
        var listed = await list.Content.ReadAsStringAsync();
        Assert.Contains(id, listed);
        Assert.DoesNotContain(GoodSecret, listed);
        using var one = await _client.GetAsync($"/api/webhooks/subscriptions/{id}");
        await ExpectStatus(one, HttpStatusCode.OK);
        Assert.DoesNotContain(GoodSecret, await one.Content.ReadAsStringAsync());

        using var deleted = await _client.DeleteAsync($"/api/webhooks/subscriptions/{id}");
        await ExpectStatus(deleted, HttpStatusCode.NoContent);
        using var gone = await _client.GetAsync($"/api/webhooks/subscriptions/{id}");
        await AssertProblem(gone, HttpStatusCode.NotFound, "not-found");
    }
}
