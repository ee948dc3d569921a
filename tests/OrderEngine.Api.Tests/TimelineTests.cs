using System.Net;
using System.Text.Json;
using OrderEngine.Domain;
using static OrderEngine.Api.Tests.Api;
using static OrderEngine.Api.Tests.Webhooks;

namespace OrderEngine.Api.Tests;

/// <summary>GET /api/orders/{id}/events: every event of the order, in order, with when, who caused it and what it means.</summary>
public sealed class TimelineTests(TimelineEngineFixture engine) : IClassFixture<TimelineEngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    private sealed record Entry(long SequenceNr, string Type, DateTimeOffset At, string By, string Summary);

    private async Task<Entry[]> Events(string id)
    {
        using var response = await _client.GetAsync($"/api/orders/{id}/events");
        await ExpectStatus(response, HttpStatusCode.OK);
        var entries = (await Body(response)).EnumerateArray().Select(e =>
        {
            Assert.True(e.TryGetProperty("event", out var evt) && evt.ValueKind == JsonValueKind.Object, $"entry without its event: {e}");
            return new Entry(e.GetProperty("sequenceNr").GetInt64(), e.Str("type"), e.GetProperty("at").GetDateTimeOffset(), e.Str("by"), e.Str("summary"));
        }).ToArray();
        // In journal order: numbered 1, 2, 3 … with times that never go back; each says what happened.
        Assert.Equal(Enumerable.Range(1, entries.Length).Select(i => (long)i), entries.Select(e => e.SequenceNr));
        for (var i = 1; i < entries.Length; i++) Assert.True(entries[i].At >= entries[i - 1].At, $"entry {i + 1} is dated before entry {i}");
        Assert.All(entries, e => Assert.False(string.IsNullOrWhiteSpace(e.Summary), $"{e.Type} has no summary"));
        return entries;
    }

    private static void AssertTimeline(Entry[] entries, params (string Type, string By)[] expected) =>
        Assert.Equal(expected, entries.Select(e => (e.Type, e.By)).ToArray());

    [Fact]
    public async Task A_paid_and_refunded_order_lists_placement_payment_and_refund_events_with_who_caused_them()
    {
        var sku = Sku("tl-paid");
        await _client.SetStock(sku, 10);
        var (id, _) = await _client.PlaceReservedOrder(Line(sku, 2, 4.25m));
        var paymentId = await _client.PayByWebhook(id, 8.50m);
        await _client.SettledOrder(id);
        await _client.RefundAccepted(id, new { reason = "returned", by = "operator:alice" }, NewKey());
        await _client.OrderEventually(id, o => o.Status() == "refunded");

        var entries = await Events(id);

        AssertTimeline(entries,
            ("order.placed", "channel:web"),
            ("order.payment-confirmed", "provider:sandbox"),
            ("order.stock-settled", "system"),
            ("order.refund-requested", "key:bootstrap"), // the caller, not the body's "by"
            ("order.refund-succeeded", "provider:sandbox"));
        // The placement is written once its lines are reserved: one entry tells both.
        Assert.Contains("8.50 EUR", entries[0].Summary);
        Assert.Contains("every line reserved", entries[0].Summary);
        Assert.Contains(paymentId, entries[1].Summary);
        Assert.Contains("returned", entries[3].Summary);
    }

    [Fact]
    public async Task A_held_order_approved_by_an_operator_shows_the_hold_and_the_operator()
    {
        var sku = Sku("tl-held");
        await _client.SetStock(sku, 10);
        using (var placed = await _client.PlaceOrder(NewKey(), new
        {
            channel = "marketplace",
            customerId = TimelineEngineFixture.BlockedCustomer,
            currency = "EUR",
            lines = new[] { Line(sku, 1, 5m) },
        }))
        {
            await ExpectStatus(placed, HttpStatusCode.Created);
            var id = (await Body(placed)).Str("id");
            using (var review = await _client.Review(id, "approve", "bob", "verified")) await ExpectStatus(review, HttpStatusCode.OK);
            using (var pay = await _client.Pay(id, 5m, "EUR", "psp-tl")) await ExpectStatus(pay, HttpStatusCode.OK);
            await _client.SettledOrder(id);

            var entries = await Events(id);

            AssertTimeline(entries,
                ("order.placed", "channel:marketplace"),
                ("order.approved", "operator:key:bootstrap"), // the caller, not the body's operator
                ("order.payment-confirmed", "operator"),
                ("order.stock-settled", "system"));
            Assert.Contains("held for review", entries[0].Summary);
            Assert.Contains("block list", entries[0].Summary);
        }
    }

    [Fact]
    public async Task A_payment_anomaly_shows_the_provider_and_the_automatic_refund()
    {
        var sku = Sku("tl-anomaly");
        await _client.SetStock(sku, 10);
        var (id, _) = await _client.PlaceReservedOrder(Line(sku, 2, 4.25m));
        var paymentId = NewPaymentId();
        await _client.Deliver(Captured(id, 1.00m, "EUR", paymentId));
        await _client.OrderEventually(id, o => o.Refunds().Any(r => r.Str("status") == "succeeded"));

        var entries = await Events(id);

        AssertTimeline(entries,
            ("order.placed", "channel:web"),
            ("order.payment-anomaly-recorded", "provider:sandbox"),
            ("order.refund-requested", "system"),
            ("order.refund-succeeded", "provider:sandbox"));
        Assert.Contains(paymentId, entries[1].Summary);
    }

    [Fact]
    public async Task A_cancelled_order_shows_the_cancellation_and_the_release()
    {
        var sku = Sku("tl-cancel");
        await _client.SetStock(sku, 10);
        var (id, _) = await _client.PlaceReservedOrder(Line(sku, 1, 4.25m));
        using (var cancel = await _client.Cancel(id, "found it cheaper")) await ExpectStatus(cancel, HttpStatusCode.OK);
        await _client.SettledOrder(id);

        var entries = await Events(id);

        AssertTimeline(entries,
            ("order.placed", "channel:web"),
            ("order.cancelled", "key:bootstrap"), // the caller who cancelled
            ("order.stock-settled", "system"));
        Assert.Contains("found it cheaper", entries[1].Summary);
    }

    [Fact]
    public async Task The_timeline_of_an_unknown_order_is_404()
    {
        using var response = await _client.GetAsync($"/api/orders/{Identifiers.OrderIdFromIdempotencyKey(NewKey())}/events");

        await AssertProblem(response, HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task The_timeline_of_an_order_id_that_cannot_exist_is_404()
    {
        using var response = await _client.GetAsync("/api/orders/-no~such~id/events");

        await AssertProblem(response, HttpStatusCode.NotFound, "not-found");
    }
}
