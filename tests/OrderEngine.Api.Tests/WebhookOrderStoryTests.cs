using System.Net;
using static OrderEngine.Api.Tests.Api;
using static OrderEngine.Api.Tests.Webhooks;

namespace OrderEngine.Api.Tests;

/// <summary>The sandbox payment provider (refunds succeed at once) with fast webhook delivery.</summary>
public class WebhookSandboxEngineFixture : SandboxEngineFixture
{
    public static readonly Dictionary<string, string> FastDelivery = new()
    {
        ["OrderEngine:Webhooks:PollInterval"] = "00:00:00.050",
        ["OrderEngine:Webhooks:BackoffBase"] = "00:00:00.200",
        ["OrderEngine:Webhooks:BackoffMax"] = "00:00:00.500",
    };

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(Sandbox("Succeeded").Concat(FastDelivery));
}

/// <summary>As <see cref="WebhookSandboxEngineFixture"/>, with unpaid orders holding their stock for two seconds only.</summary>
public sealed class WebhookShortHoldEngineFixture : WebhookSandboxEngineFixture
{
    protected override IReadOnlyDictionary<string, string> Settings =>
        new Dictionary<string, string>(Sandbox("Succeeded").Concat(FastDelivery)) { ["OrderEngine:Orders:HoldTime"] = "00:00:02" };
}

/// <summary>A whole order story told to a subscriber: placed, paid by the provider, refunded; signed, each event once at least.</summary>
public sealed class WebhookRefundStoryTests(WebhookSandboxEngineFixture engine) : IClassFixture<WebhookSandboxEngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    [Fact]
    public async Task An_order_paid_by_its_provider_and_refunded_is_told_as_placed_paid_and_refunded()
    {
        await using var subscriber = new WebhookSubscriber();
        await subscriber.SubscribeAsync(_client, "order.placed", "order.paid", "order.refunded", "order.cancelled");
        var sku = Sku("wh-refund");
        await _client.SetStock(sku, 10);
        var (id, _) = await _client.PlaceReservedOrder(Line(sku, 2, 6m));
        var paymentId = await _client.PayByWebhook(id, 12m);
        await _client.SettledOrder(id);
        using (var refund = await _client.Refund(id, new { reason = "returned", by = "operator:alice" }, NewKey()))
            await ExpectStatus(refund, HttpStatusCode.Accepted);

        var received = (await subscriber.EventuallyAsync(r => r.Where(w => w.OrderId == id).Select(w => w.Type).Distinct().Count() == 3,
            "placed, paid and refunded")).Where(w => w.OrderId == id).ToList();

        Assert.Equal(["order.paid", "order.placed", "order.refunded"], received.Select(r => r.Type).Distinct().Order(StringComparer.Ordinal));
        Assert.All(received, r => Assert.True(r.SignatureValid, r.Body));
        var paid = received.First(r => r.Type == "order.paid");
        Assert.Equal("sandbox", paid.Data.GetProperty("provider").GetString());
        Assert.Equal(paymentId, paid.Data.GetProperty("reference").GetString());
        Assert.False(string.IsNullOrEmpty(received.First(r => r.Type == "order.refunded").Data.GetProperty("refundId").GetString()));
        Assert.DoesNotContain(received, r => r.Type == "order.cancelled");
    }
}

/// <summary>An unpaid order whose hold ends is told as order.cancelled with reason "expired".</summary>
public sealed class WebhookExpiryTests(WebhookShortHoldEngineFixture engine) : IClassFixture<WebhookShortHoldEngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    [Fact]
    public async Task An_expired_order_is_delivered_as_order_cancelled_with_reason_expired()
    {
        await using var subscriber = new WebhookSubscriber();
        await subscriber.SubscribeAsync(_client, "order.cancelled");
        var sku = Sku("wh-expire");
        await _client.SetStock(sku, 10);
        var (id, _) = await _client.PlaceReservedOrder(Line(sku, 1, 2m));

        var cancelled = (await subscriber.EventuallyAsync(r => r.Any(w => w.OrderId == id), "order.cancelled after expiry")).First(w => w.OrderId == id);

        Assert.Equal("order.cancelled", cancelled.Type);
        Assert.Equal("expired", cancelled.Data.GetProperty("reason").GetString());
        Assert.True(cancelled.SignatureValid);
        Assert.Equal("expired", (await _client.Order(id)).Status());
    }
}
