using System.Net;
using System.Text.Json;
using OrderEngine.Testing;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests;

/// <summary>An engine whose webhook dispatcher polls often and retries fast, so retries and dead letters happen within a test.</summary>
public sealed class WebhookEngineFixture : EngineFixture
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["OrderEngine:Webhooks:PollInterval"] = "00:00:00.050",
        ["OrderEngine:Webhooks:BackoffBase"] = "00:00:00.200",
        ["OrderEngine:Webhooks:BackoffMax"] = "00:00:00.500",
        ["OrderEngine:Webhooks:MaxAttempts"] = "3",
        ["OrderEngine:Webhooks:SendTimeout"] = "00:00:05",
    };
}

/// <summary>Order events delivered to a subscriber listening on 127.0.0.1: signed, retried, dead-lettered and replayed.</summary>
public sealed class WebhookDeliveryTests(WebhookEngineFixture engine) : IClassFixture<WebhookEngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    private async Task<(string Sku, string OrderId)> ReservedOrder(string name)
    {
        var sku = Sku(name);
        await _client.SetStock(sku, 10);
        var (id, _) = await _client.PlaceReservedOrder(Line(sku, 2, 5m));
        return (sku, id);
    }

    private async Task<List<JsonElement>> Deliveries(string subscriptionId, string? status = null)
    {
        using var response = await _client.GetAsync($"/api/webhooks/deliveries?subscriptionId={subscriptionId}{(status is null ? "" : "&status=" + status)}");
        await ExpectStatus(response, HttpStatusCode.OK);
        return [.. (await Body(response)).GetProperty("deliveries").EnumerateArray()];
    }

    private static List<ReceivedWebhook> Of(IReadOnlyList<ReceivedWebhook> received, string orderId) => [.. received.Where(r => r.OrderId == orderId)];

    [Fact]
    public async Task A_subscriber_receives_order_placed_and_order_paid_with_valid_signatures_and_the_event_id_in_a_header()
    {
        await using var subscriber = new WebhookSubscriber();
        var subscription = await subscriber.SubscribeAsync(_client, "order.placed", "order.paid");
        var (_, id) = await ReservedOrder("wh-paid");
        using (var paid = await _client.Pay(id, 10m, "EUR", "psp-wh-1")) await ExpectStatus(paid, HttpStatusCode.OK);

        var received = Of(await subscriber.EventuallyAsync(r => Of(r, id).Select(w => w.Type).Distinct().Count() == 2, "order.placed and order.paid"), id);

        Assert.All(received, r =>
        {
            Assert.True(r.SignatureValid, $"bad signature on {r.Body}");
            Assert.Equal(r.EventId, r.HeaderEventId);
            Assert.Equal(r.Type, r.HeaderType);
        });
        var placed = received.First(r => r.Type == "order.placed");
        Assert.Equal(10m, placed.Data.GetProperty("total").GetDecimal());
        Assert.Equal("reserved", placed.Data.GetProperty("status").GetString());
        var payment = received.First(r => r.Type == "order.paid");
        Assert.Equal("psp-wh-1", payment.Data.GetProperty("reference").GetString());
        Assert.NotEqual(placed.EventId, payment.EventId);
        await Eventually(() => Deliveries(subscription, "delivered"), d => d.Count(x => x.GetProperty("orderId").GetString() == id) == 2,
            TimeSpan.FromSeconds(10), "both deliveries marked delivered");
    }

    [Fact]
    public async Task A_cancelled_order_is_delivered_as_order_cancelled_only_to_subscribers_of_that_type()
    {
        await using var cancellations = new WebhookSubscriber();
        await using var payments = new WebhookSubscriber();
        await cancellations.SubscribeAsync(_client, "order.cancelled");
        var paymentsSubscription = await payments.SubscribeAsync(_client, "order.paid");
        var (_, id) = await ReservedOrder("wh-cancel");
        using (var cancelled = await _client.Cancel(id, "changed my mind")) await ExpectStatus(cancelled, HttpStatusCode.OK);

        var received = Of(await cancellations.EventuallyAsync(r => Of(r, id).Count > 0, "order.cancelled"), id);

        var cancellation = Assert.Single(received);
        Assert.Equal("order.cancelled", cancellation.Type);
        Assert.Equal("changed my mind", cancellation.Data.GetProperty("reason").GetString());
        Assert.True(cancellation.SignatureValid);
        Assert.Empty(Of(payments.Received, id));
        Assert.DoesNotContain(await Deliveries(paymentsSubscription), d => d.GetProperty("orderId").GetString() == id);
    }

    [Fact]
    public async Task A_subscriber_that_answers_500_first_gets_the_same_event_again()
    {
        await using var subscriber = new WebhookSubscriber { Answer = (_, before) => before == 0 ? 500 : 200 };
        var subscription = await subscriber.SubscribeAsync(_client, "order.placed");
        var (_, id) = await ReservedOrder("wh-retry");

        var received = Of(await subscriber.EventuallyAsync(r => Of(r, id).Count >= 2, "a retry after the 500"), id);

        Assert.Equal([500, 200], received.Take(2).Select(r => r.Answered));
        Assert.Single(received.Select(r => r.EventId).Distinct());
        Assert.All(received, r => Assert.True(r.SignatureValid));
        var delivery = Assert.Single(await Eventually(() => Deliveries(subscription, "delivered"), d => d.Count == 1, TimeSpan.FromSeconds(10), "delivered"));
        Assert.Equal(2, delivery.GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task A_subscriber_that_always_fails_ends_in_the_dead_letter_list_and_a_replay_sends_the_event_again()
    {
        await using var subscriber = new WebhookSubscriber { Answer = (_, _) => 500 };
        var subscription = await subscriber.SubscribeAsync(_client, "order.placed");
        var (_, id) = await ReservedOrder("wh-dead");

        var dead = Assert.Single(await Eventually(() => Deliveries(subscription, "dead"), d => d.Count == 1, TimeSpan.FromSeconds(30), "a dead letter"));

        Assert.Equal(3, dead.GetProperty("attempts").GetInt32());
        Assert.StartsWith("HTTP 500", dead.GetProperty("lastError").GetString());
        Assert.Equal(id, dead.GetProperty("orderId").GetString());
        Assert.Equal(3, Of(subscriber.Received, id).Count);

        subscriber.Answer = (_, _) => 200;
        using (var replay = await _client.PostAsync($"/api/webhooks/deliveries/{dead.GetProperty("id").GetString()}/replay", null))
        {
            await ExpectStatus(replay, HttpStatusCode.Accepted);
            Assert.Equal("dead", (await Body(replay)).GetProperty("previousStatus").GetString());
        }

        var received = Of(await subscriber.EventuallyAsync(r => Of(r, id).Any(w => w.Answered == 200), "the replayed event"), id);
        Assert.Single(received.Select(r => r.EventId).Distinct());
        Assert.True(received[^1].SignatureValid);
        await Eventually(() => Deliveries(subscription, "delivered"), d => d.Count == 1, TimeSpan.FromSeconds(10), "delivered after replay");
        Assert.Empty(await Deliveries(subscription, "dead"));
    }

    [Fact]
    public async Task Replaying_a_subscriptions_dead_letters_sends_them_all_again()
    {
        await using var subscriber = new WebhookSubscriber { Answer = (_, _) => 503 };
        var subscription = await subscriber.SubscribeAsync(_client, "order.placed", "order.cancelled");
        var (_, id) = await ReservedOrder("wh-dead-all");
        using (var cancelled = await _client.Cancel(id)) await ExpectStatus(cancelled, HttpStatusCode.OK);
        await Eventually(() => Deliveries(subscription, "dead"), d => d.Count == 2, TimeSpan.FromSeconds(30), "two dead letters");
        subscriber.Answer = (_, _) => 200;

        using (var replay = await _client.PostAsync($"/api/webhooks/subscriptions/{subscription}/replay-dead", null))
        {
            await ExpectStatus(replay, HttpStatusCode.Accepted);
            Assert.Equal(2, (await Body(replay)).GetProperty("replayed").GetInt32());
        }

        await Eventually(() => Deliveries(subscription, "delivered"), d => d.Count == 2, TimeSpan.FromSeconds(10), "both delivered");
        Assert.Equal(["order.cancelled", "order.placed"],
            Of(subscriber.Received, id).Where(r => r.Answered == 200).Select(r => r.Type).Order(StringComparer.Ordinal));
    }
}

/// <summary>The outbox outlives the engine: a delivery still pending when a node stops is sent by the next one on the same database.</summary>
public sealed class WebhookRestartTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> Engine() =>
        new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            OrderEngine.Api.Tests.Security.TestCredentials.Configure(b);
            b.UseSetting("OrderEngine:Persistence:SqlitePath", _directory.File("oe.db"));
            b.UseSetting("OrderEngine:Cluster:Port", "0");
            b.UseSetting("OrderEngine:Webhooks:PollInterval", "00:00:00.050");
            b.UseSetting("OrderEngine:Webhooks:BackoffBase", "00:00:00.200");
            b.UseSetting("OrderEngine:Webhooks:BackoffMax", "00:00:00.500");
            b.UseSetting("OrderEngine:Webhooks:MaxAttempts", "100");
        });

    [Fact]
    public async Task A_delivery_pending_when_the_engine_stops_is_sent_after_it_starts_again()
    {
        await using var subscriber = new WebhookSubscriber { Answer = (_, _) => 503 };
        string id, subscription;
        await using (var first = Engine())
        {
            var client = OrderEngine.Api.Tests.Security.TestCredentials.Send(first.CreateClient());
            await EngineFixture.WaitUntilReadyAsync(client);
            subscription = await subscriber.SubscribeAsync(client, "order.placed");
            var sku = Sku("wh-restart");
            await client.SetStock(sku, 5);
            (id, _) = await client.PlaceReservedOrder(Line(sku, 1, 3m));
            await subscriber.EventuallyAsync(r => r.Any(w => w.OrderId == id), "a first, failed attempt");
        }
        var failedBefore = subscriber.Received.Count(r => r.OrderId == id);
        subscriber.Answer = (_, _) => 200;

        await using var second = Engine();
        var again = OrderEngine.Api.Tests.Security.TestCredentials.Send(second.CreateClient());
        await EngineFixture.WaitUntilReadyAsync(again);

        var received = await subscriber.EventuallyAsync(r => r.Any(w => w.OrderId == id && w.Answered == 200), "the event after the restart");
        Assert.True(failedBefore >= 1);
        Assert.All(received.Where(r => r.OrderId == id), r => Assert.True(r.SignatureValid));
        Assert.Single(received.Where(r => r.OrderId == id).Select(r => r.EventId).Distinct());
        await Eventually(async () =>
            {
                using var list = await again.GetAsync($"/api/webhooks/deliveries?subscriptionId={subscription}&status=delivered");
                return (await Body(list)).GetProperty("deliveries").GetArrayLength();
            }, n => n == 1, TimeSpan.FromSeconds(10), "the delivery marked delivered");
    }
}
