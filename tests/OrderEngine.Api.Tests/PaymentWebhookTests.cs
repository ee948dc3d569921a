using System.Net;
using System.Text.Json;
using OrderEngine.Domain;
using static OrderEngine.Api.Tests.Api;
using static OrderEngine.Api.Tests.Webhooks;

namespace OrderEngine.Api.Tests;

/// <summary>
/// POST /api/payments/{provider}/webhook with the sandbox provider: a signed capture pays the order; anything unsigned,
/// stale, replayed, unreadable or addressed to nothing changes nothing; a capture that does not fit the order is recorded
/// as an anomaly and that payment is refunded.
/// </summary>
public sealed class PaymentWebhookTests(SandboxEngineFixture engine) : IClassFixture<SandboxEngineFixture>
{
    private const decimal Total = 12.75m;
    private readonly HttpClient _client = engine.Client;

    /// <summary>A SKU with 10 on hand and an order reserving 3 of it at 4.25 EUR (total 12.75).</summary>
    private async Task<(string Sku, string Id)> ReservedOrder(string name)
    {
        var sku = Sku(name);
        await _client.SetStock(sku, 10);
        var (id, order) = await _client.PlaceReservedOrder(Line(sku, 3, 4.25m));
        Assert.Equal(Total, order.Dec("total"));
        return (sku, id);
    }

    /// <summary>Proves a refused delivery used nothing up: the right capture is still accepted and pays the order.</summary>
    private async Task AssertStillPayable(string id, string sku)
    {
        var paymentId = await _client.PayByWebhook(id, Total);
        var order = await _client.Order(id);
        Assert.Equal("paid", order.Status());
        Assert.Equal(paymentId, order.Payment()!.Value.Str("reference"));
        await _client.StockEventually(sku, s => s.Sold == 3);
    }

    // ---- the happy path ----

    [Fact]
    public async Task A_signed_capture_of_the_exact_total_pays_the_order_and_commits_its_stock()
    {
        var (sku, id) = await ReservedOrder("wh-pay");
        var paymentId = NewPaymentId();
        var eventId = NewEventId();

        var answer = await _client.Deliver(Captured(id, Total, "EUR", paymentId, eventId));

        Assert.Equal(eventId, answer.Str("eventId"));
        Assert.Equal(id, answer.Str("orderId"));
        Assert.Equal("paid", answer.Str("orderStatus"));
        Assert.Equal("payment accepted", answer.Str("outcome"));
        var order = await _client.Order(id);
        Assert.Equal("paid", order.Status());
        var payment = order.Payment()!.Value;
        Assert.Equal(paymentId, payment.Str("reference"));
        Assert.Equal("sandbox", payment.Str("provider"));
        Assert.Equal(Total, payment.Dec("amount"));
        Assert.Equal("EUR", payment.Str("currency"));
        Assert.Empty(order.Anomalies());
        Assert.Empty(order.Refunds());
        await _client.StockEventually(sku, s => s.Sold == 3);
        Assert.Equal(new StockFigures(sku, 10, 0, 3, 7), await _client.Stock(sku));
    }

    [Fact]
    public async Task A_timestamp_within_the_tolerance_is_accepted()
    {
        var (_, id) = await ReservedOrder("wh-recent");
        var body = Captured(id, Total);

        using var response = await _client.PostWebhook(body, Sign(body, DateTimeOffset.UtcNow - Tolerance + TimeSpan.FromSeconds(30)));

        await ExpectStatus(response, HttpStatusCode.OK);
        Assert.Equal("paid", (await _client.Order(id)).Status());
    }

    [Fact]
    public async Task A_header_carrying_an_old_and_a_current_signature_is_accepted()
    {
        var (_, id) = await ReservedOrder("wh-rotation");
        var body = Captured(id, Total);
        var now = DateTimeOffset.UtcNow;
        var good = Sign(body, now);
        var old = Sign(body, now, "the-previous-secret");
        // Secret rotation: the provider sends one v1 per secret it still signs with.
        var header = $"{good},{old[(old.IndexOf(',') + 1)..]}";

        using var response = await _client.PostWebhook(body, header);

        await ExpectStatus(response, HttpStatusCode.OK);
        Assert.Equal("paid", (await _client.Order(id)).Status());
    }

    // ---- signature and freshness: 401, nothing changes ----

    [Fact]
    public async Task A_webhook_signed_with_another_secret_is_401_and_changes_nothing()
    {
        var (sku, id) = await ReservedOrder("wh-secret");
        var before = await _client.Snapshot(id, sku);
        var body = Captured(id, Total);

        using var response = await _client.PostWebhook(body, Sign(body, DateTimeOffset.UtcNow, "not-the-secret"));

        await AssertProblem(response, HttpStatusCode.Unauthorized, "bad-signature");
        await _client.AssertUnchanged(before, id, sku);
        await AssertStillPayable(id, sku);
    }

    [Fact]
    public async Task A_body_changed_after_signing_is_401_and_changes_nothing()
    {
        var (sku, id) = await ReservedOrder("wh-tamper");
        var before = await _client.Snapshot(id, sku);
        var eventId = NewEventId();
        var paymentId = NewPaymentId();
        var signed = Captured(id, 0.01m, "EUR", paymentId, eventId);
        var sent = Captured(id, Total, "EUR", paymentId, eventId);

        using var response = await _client.PostWebhook(sent, Sign(signed, DateTimeOffset.UtcNow));

        await AssertProblem(response, HttpStatusCode.Unauthorized, "bad-signature");
        await _client.AssertUnchanged(before, id, sku);
        // The refused delivery did not use up its event id: the genuine delivery of that event is accepted.
        var answer = await _client.Deliver(sent);
        Assert.Equal("payment accepted", answer.Str("outcome"));
    }

    [Fact]
    public async Task A_webhook_without_the_signature_header_is_401_and_changes_nothing()
    {
        var (sku, id) = await ReservedOrder("wh-unsigned");
        var before = await _client.Snapshot(id, sku);

        using var response = await _client.PostWebhook(Captured(id, Total), signature: null);

        await AssertProblem(response, HttpStatusCode.Unauthorized, "bad-signature");
        await _client.AssertUnchanged(before, id, sku);
        await AssertStillPayable(id, sku);
    }

    [Theory]
    [InlineData("no-timestamp")]
    [InlineData("no-signature")]
    [InlineData("not-hex")]
    [InlineData("empty")]
    [InlineData("timestamp-not-a-number")]
    public async Task A_malformed_signature_header_is_401_and_changes_nothing(string kind)
    {
        var (sku, id) = await ReservedOrder("wh-header");
        var before = await _client.Snapshot(id, sku);
        var body = Captured(id, Total);
        var good = Sign(body, DateTimeOffset.UtcNow);
        var (t, v1) = (good[..good.IndexOf(',')], good[(good.IndexOf(',') + 1)..]);
        var header = kind switch
        {
            "no-timestamp" => v1,
            "no-signature" => t,
            "not-hex" => t + ",v1=zz" + v1[5..],
            "empty" => " ",
            "timestamp-not-a-number" => "t=soon," + v1,
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        using var response = await _client.PostWebhook(body, header);

        await AssertProblem(response, HttpStatusCode.Unauthorized, "bad-signature");
        await _client.AssertUnchanged(before, id, sku);
    }

    [Fact]
    public async Task A_correctly_signed_webhook_older_than_the_tolerance_is_401_and_changes_nothing()
    {
        var (sku, id) = await ReservedOrder("wh-stale");
        var before = await _client.Snapshot(id, sku);
        var body = Captured(id, Total);

        using var response = await _client.PostWebhook(body, Sign(body, DateTimeOffset.UtcNow - Tolerance - TimeSpan.FromMinutes(1)));

        await AssertProblem(response, HttpStatusCode.Unauthorized, "bad-signature");
        await _client.AssertUnchanged(before, id, sku);
        await AssertStillPayable(id, sku);
    }

    [Fact]
    public async Task A_correctly_signed_webhook_dated_beyond_the_tolerance_in_the_future_is_401_and_changes_nothing()
    {
        var (sku, id) = await ReservedOrder("wh-future");
        var before = await _client.Snapshot(id, sku);
        var body = Captured(id, Total);

        using var response = await _client.PostWebhook(body, Sign(body, DateTimeOffset.UtcNow + Tolerance + TimeSpan.FromMinutes(1)));

        await AssertProblem(response, HttpStatusCode.Unauthorized, "bad-signature");
        await _client.AssertUnchanged(before, id, sku);
        await AssertStillPayable(id, sku);
    }

    // ---- replays ----

    [Fact]
    public async Task A_replayed_event_is_200_and_changes_nothing_leaving_one_payment()
    {
        var (sku, id) = await ReservedOrder("wh-replay");
        var body = Captured(id, Total);
        await _client.Deliver(body);
        await _client.SettledOrder(id);
        var before = await _client.Snapshot(id, sku);

        var again = await _client.Deliver(body);

        Assert.Equal("paid", again.Str("orderStatus"));
        await _client.AssertUnchanged(before, id, sku);
        var order = await _client.Order(id);
        Assert.Single(order.GetProperty("history").EnumerateArray(), h => h.Str("status") == "paid");
        Assert.Empty(order.Anomalies());
        Assert.Empty(order.Refunds());
        Assert.Equal(new StockFigures(sku, 10, 0, 3, 7), await _client.Stock(sku));
    }

    [Fact]
    public async Task An_event_id_seen_before_is_ignored_even_when_its_body_differs()
    {
        var (sku, id) = await ReservedOrder("wh-replay-diff");
        var eventId = NewEventId();
        var paymentId = NewPaymentId();
        await _client.Deliver(Captured(id, Total, "EUR", paymentId, eventId));
        await _client.SettledOrder(id);
        var before = await _client.Snapshot(id, sku);

        // Same event id, another payment of another amount: a replay, not a second payment (no anomaly, no refund).
        var answer = await _client.Deliver(Captured(id, 99m, "EUR", NewPaymentId(), eventId));

        Assert.Equal("paid", answer.Str("orderStatus"));
        await _client.AssertUnchanged(before, id, sku);
        var order = await _client.Order(id);
        Assert.Equal(paymentId, order.Payment()!.Value.Str("reference"));
        Assert.Empty(order.Anomalies());
        Assert.Empty(order.Refunds());
    }

    [Fact]
    public async Task The_same_payment_delivered_again_under_a_new_event_id_changes_nothing()
    {
        var (sku, id) = await ReservedOrder("wh-redeliver");
        var paymentId = NewPaymentId();
        await _client.Deliver(Captured(id, Total, "EUR", paymentId));
        await _client.SettledOrder(id);
        var before = await _client.Snapshot(id, sku);

        var answer = await _client.Deliver(Captured(id, Total, "EUR", paymentId));

        Assert.Equal("payment accepted", answer.Str("outcome"));
        await _client.AssertUnchanged(before, id, sku);
    }

    // ---- addressed to nothing ----

    [Fact]
    public async Task A_capture_for_an_unknown_order_is_404_and_creates_nothing()
    {
        var id = Identifiers.OrderIdFromIdempotencyKey(NewKey());

        using var response = await _client.PostSigned(Captured(id, Total));

        await AssertProblem(response, HttpStatusCode.NotFound, "not-found");
        await _client.AssertNoOrder(id);
    }

    [Fact]
    public async Task A_capture_naming_an_order_id_that_cannot_exist_is_404()
    {
        using var response = await _client.PostSigned(Captured("not a valid id!", Total));

        await AssertProblem(response, HttpStatusCode.NotFound, "not-found");
    }

    [Theory]
    [InlineData("stripe")]
    [InlineData("manual")]
    public async Task A_webhook_for_a_provider_that_is_not_configured_is_404_and_changes_nothing(string provider)
    {
        var (sku, id) = await ReservedOrder("wh-provider");
        var before = await _client.Snapshot(id, sku);
        var body = Captured(id, Total);

        using var response = await _client.PostWebhook(body, Sign(body, DateTimeOffset.UtcNow), provider);

        await AssertProblem(response, HttpStatusCode.NotFound, "unknown-provider");
        await _client.AssertUnchanged(before, id, sku);
        await AssertStillPayable(id, sku);
    }

    // ---- unreadable bodies: 400, nothing changes ----

    [Theory]
    [InlineData("not json at all")]
    [InlineData("")]
    [InlineData("""{"id":"evt_1","type":"payment.captured","data":{"orderId":"{order}","paymentId":"p1","amount":"12.75","currency":"EUR"}""")]
    [InlineData("""{"type":"payment.captured","data":{"orderId":"{order}","paymentId":"p1","amount":"12.75","currency":"EUR"}}""")]
    [InlineData("""{"id":"{event}","data":{"orderId":"{order}","paymentId":"p1","amount":"12.75","currency":"EUR"}}""")]
    [InlineData("""{"id":"{event}","type":"payment.refunded","data":{"orderId":"{order}","paymentId":"p1","amount":"12.75","currency":"EUR"}}""")]
    [InlineData("""{"id":"{event}","type":"payment.captured"}""")]
    [InlineData("""{"id":"{event}","type":"payment.captured","data":"{order}"}""")]
    [InlineData("""{"id":"{event}","type":"payment.captured","data":{"paymentId":"p1","amount":"12.75","currency":"EUR"}}""")]
    [InlineData("""{"id":"{event}","type":"payment.captured","data":{"orderId":"{order}","amount":"12.75","currency":"EUR"}}""")]
    [InlineData("""{"id":"{event}","type":"payment.captured","data":{"orderId":"{order}","paymentId":"p1","currency":"EUR"}}""")]
    [InlineData("""{"id":"{event}","type":"payment.captured","data":{"orderId":"{order}","paymentId":"p1","amount":"12.75"}}""")]
    [InlineData("""{"id":42,"type":"payment.captured","data":{"orderId":"{order}","paymentId":"p1","amount":"12.75","currency":"EUR"}}""")]
    [InlineData("""{"id":"{event}","type":"payment.captured","data":{"orderId":"{order}","paymentId":"p1","amount":12.75,"currency":"EUR"}}""")]
    [InlineData("""{"id":"{event}","type":"payment.captured","data":{"orderId":"{order}","paymentId":"p1","amount":"12,75","currency":"EUR"}}""")]
    [InlineData("""{"id":"{event}","type":"payment.captured","data":{"orderId":"{order}","paymentId":"p1","amount":"twelve","currency":"EUR"}}""")]
    [InlineData("""{"id":"{event}","type":"payment.captured","data":{"orderId":"{order}","paymentId":"p1","amount":"-12.75","currency":"EUR"}}""")]
    [InlineData("""{"id":"{event}","type":"payment.captured","data":{"orderId":"{order}","paymentId":"p1","amount":"1.275e1","currency":"EUR"}}""")]
    [InlineData("""{"id":"{event}","type":"payment.captured","data":{"orderId":"{order}","paymentId":"p1","amount":" ","currency":"EUR"}}""")]
    [InlineData("""{"id":"{event}","type":"payment.captured","data":{"orderId":"{order}","paymentId":"p1","amount":"99999999999999999999999999999999","currency":"EUR"}}""")]
    [InlineData("""{"id":"{event}","type":"payment.captured","data":{"orderId":"{order}","paymentId":"p1","amount":null,"currency":"EUR"}}""")]
    public async Task An_unreadable_capture_is_400_and_changes_nothing(string template)
    {
        var (sku, id) = await ReservedOrder("wh-malformed");
        var before = await _client.Snapshot(id, sku);
        var body = template.Replace("{order}", id).Replace("{event}", NewEventId());

        using var response = await _client.PostSigned(body);

        await AssertProblem(response, HttpStatusCode.BadRequest, "malformed-webhook");
        await _client.AssertUnchanged(before, id, sku);
        await AssertStillPayable(id, sku);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"payment.captured\"")]
    [InlineData("42")]
    [InlineData("null")]
    public async Task A_signed_body_that_is_json_but_not_an_object_is_400_and_changes_nothing(string body)
    {
        var (sku, id) = await ReservedOrder("wh-not-object");
        var before = await _client.Snapshot(id, sku);

        using var response = await _client.PostSigned(body);

        await AssertProblem(response, HttpStatusCode.BadRequest, "malformed-webhook");
        await _client.AssertUnchanged(before, id, sku);
    }

    [Fact]
    public async Task A_capture_of_zero_is_400_and_changes_nothing()
    {
        var (sku, id) = await ReservedOrder("wh-zero");
        var before = await _client.Snapshot(id, sku);

        using var response = await _client.PostSigned(Captured(id, 0m));

        await AssertProblem(response, HttpStatusCode.BadRequest, "invalid", "malformed-webhook");
        await _client.AssertUnchanged(before, id, sku);
        await AssertStillPayable(id, sku);
    }

    // ---- anomalies: the money is taken, so it is recorded and that payment refunded ----

    /// <summary>Asserts the order holds exactly one anomaly for the payment, and one refund of exactly that payment that succeeded.</summary>
    private async Task<JsonElement> AssertAnomalyRefunded(string id, string paymentId, decimal amount, string currency, string reasonPart)
    {
        var order = await _client.OrderEventually(id, o => o.Refunds().Any(r => r.Str("status") != "requested"));
        var anomaly = Assert.Single(order.Anomalies());
        Assert.Equal(paymentId, anomaly.Str("paymentId"));
        Assert.Equal("sandbox", anomaly.Str("provider"));
        Assert.Equal(amount, anomaly.Dec("amount"));
        Assert.Equal(currency, anomaly.Str("currency"));
        Assert.Contains(reasonPart, anomaly.Str("reason"));
        var refund = Assert.Single(order.Refunds());
        Assert.Equal(paymentId, refund.Str("paymentReference"));
        Assert.Equal("sandbox", refund.Str("provider"));
        Assert.Equal(amount, refund.Dec("amount"));
        Assert.Equal(currency, refund.Str("currency"));
        Assert.Equal("system", refund.Str("by"));
        Assert.Equal("succeeded", refund.Str("status"));
        return order;
    }

    [Fact]
    public async Task A_capture_of_the_wrong_amount_is_an_anomaly_refunded_and_the_order_stays_reserved()
    {
        var (sku, id) = await ReservedOrder("wh-amount");
        var paymentId = NewPaymentId();

        var answer = await _client.Deliver(Captured(id, 12.74m, "EUR", paymentId));

        Assert.StartsWith("anomaly", answer.Str("outcome"));
        Assert.Equal("reserved", answer.Str("orderStatus"));
        var order = await AssertAnomalyRefunded(id, paymentId, 12.74m, "EUR", "amount");
        Assert.Equal("reserved", order.Status());
        Assert.Null(order.Payment());
        Assert.Equal(0m, order.Dec("refundable"));
        Assert.Equal(new StockFigures(sku, 10, 3, 0, 7), await _client.Stock(sku));
        await AssertStillPayable(id, sku);
    }

    [Fact]
    public async Task A_capture_in_the_wrong_currency_is_an_anomaly_refunded_and_the_order_stays_reserved()
    {
        var (sku, id) = await ReservedOrder("wh-currency");
        var paymentId = NewPaymentId();

        var answer = await _client.Deliver(Captured(id, Total, "USD", paymentId));

        Assert.StartsWith("anomaly", answer.Str("outcome"));
        Assert.Equal("reserved", answer.Str("orderStatus"));
        var order = await AssertAnomalyRefunded(id, paymentId, Total, "USD", "currency");
        Assert.Equal("reserved", order.Status());
        Assert.Null(order.Payment());
        Assert.Equal(new StockFigures(sku, 10, 3, 0, 7), await _client.Stock(sku));
        await AssertStillPayable(id, sku);
    }

    [Fact]
    public async Task A_second_payment_for_a_paid_order_is_an_anomaly_refunded_and_the_first_payment_stands()
    {
        var (sku, id) = await ReservedOrder("wh-double");
        var first = await _client.PayByWebhook(id, Total);
        await _client.SettledOrder(id);
        var second = NewPaymentId();

        var answer = await _client.Deliver(Captured(id, Total, "EUR", second));

        Assert.StartsWith("anomaly", answer.Str("outcome"));
        var order = await AssertAnomalyRefunded(id, second, Total, "EUR", "second payment");
        Assert.Equal("paid", order.Status());
        Assert.Equal(first, order.Payment()!.Value.Str("reference"));
        Assert.Single(order.GetProperty("history").EnumerateArray(), h => h.Str("status") == "paid");
        // The refund was of the second payment: the order's own payment is untouched and fully refundable.
        Assert.Equal(Total, order.Dec("refundable"));
        Assert.Equal(new StockFigures(sku, 10, 0, 3, 7), await _client.Stock(sku));
    }

    [Fact]
    public async Task A_capture_for_a_cancelled_order_is_an_anomaly_refunded_and_the_order_stays_cancelled()
    {
        var (sku, id) = await ReservedOrder("wh-cancelled");
        using (var cancel = await _client.Cancel(id)) await ExpectStatus(cancel, HttpStatusCode.OK);
        await _client.StockEventually(sku, s => s.Reserved == 0);
        var paymentId = NewPaymentId();

        var answer = await _client.Deliver(Captured(id, Total, "EUR", paymentId));

        Assert.StartsWith("anomaly", answer.Str("outcome"));
        Assert.Equal("cancelled", answer.Str("orderStatus"));
        var order = await AssertAnomalyRefunded(id, paymentId, Total, "EUR", "cancelled");
        Assert.Equal("cancelled", order.Status());
        Assert.Null(order.Payment());
        Assert.Equal(new StockFigures(sku, 10, 0, 0, 10), await _client.Stock(sku));
    }

    [Fact]
    public async Task A_replayed_anomaly_is_200_and_changes_nothing()
    {
        var (sku, id) = await ReservedOrder("wh-anomaly-replay");
        var body = Captured(id, 1m);
        await _client.Deliver(body);
        await _client.OrderEventually(id, o => o.Refunds().Any(r => r.Str("status") == "succeeded"));
        var before = await _client.Snapshot(id, sku);

        await _client.Deliver(body);

        await _client.AssertUnchanged(before, id, sku);
        var order = await _client.Order(id);
        Assert.Single(order.Anomalies());
        Assert.Single(order.Refunds());
    }
}

/// <summary>A capture that arrives for an order whose hold already ran out (two-second hold).</summary>
public sealed class PaymentWebhookExpiryTests(SandboxShortHoldEngineFixture engine) : IClassFixture<SandboxShortHoldEngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    [Fact]
    public async Task A_capture_for_an_expired_order_is_an_anomaly_refunded_and_the_order_stays_expired()
    {
        var sku = Sku("wh-expired");
        await _client.SetStock(sku, 10);
        var (id, placed) = await _client.PlaceReservedOrder(Line(sku, 3, 4.25m));
        await _client.OrderEventually(id, o => o.Status() == "expired", TimeSpan.FromSeconds(15));
        await _client.StockEventually(sku, s => s.Reserved == 0, TimeSpan.FromSeconds(15));
        var paymentId = NewPaymentId();

        var answer = await _client.Deliver(Captured(id, placed.Dec("total"), "EUR", paymentId));

        Assert.StartsWith("anomaly", answer.Str("outcome"));
        Assert.Equal("expired", answer.Str("orderStatus"));
        var order = await _client.OrderEventually(id, o => o.Refunds().Any(r => r.Str("status") != "requested"));
        Assert.Equal("expired", order.Status());
        Assert.Null(order.Payment());
        Assert.Equal(paymentId, Assert.Single(order.Anomalies()).Str("paymentId"));
        var refund = Assert.Single(order.Refunds());
        Assert.Equal(paymentId, refund.Str("paymentReference"));
        Assert.Equal(12.75m, refund.Dec("amount"));
        Assert.Equal("succeeded", refund.Str("status"));
        Assert.Equal(new StockFigures(sku, 10, 0, 0, 10), await _client.Stock(sku));
    }
}

/// <summary>OnAnomaly=Hold: a capture that does not fit a live order holds it for a person instead of refunding at once.</summary>
public sealed class PaymentAnomalyHoldTests(AnomalyHoldEngineFixture engine) : IClassFixture<AnomalyHoldEngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    private async Task<(string Sku, string Id)> ReservedOrder(string name)
    {
        var sku = Sku(name);
        await _client.SetStock(sku, 10);
        var (id, _) = await _client.PlaceReservedOrder(Line(sku, 3, 4.25m));
        return (sku, id);
    }

    [Fact]
    public async Task A_capture_of_the_wrong_amount_puts_the_order_on_hold_with_the_reason_and_refunds_nothing()
    {
        var (sku, id) = await ReservedOrder("hold-amount");
        var paymentId = NewPaymentId();

        var answer = await _client.Deliver(Captured(id, 10m, "EUR", paymentId));

        Assert.StartsWith("anomaly", answer.Str("outcome"));
        Assert.Equal("onHold", answer.Str("orderStatus"));
        var order = await _client.Order(id);
        Assert.Equal("onHold", order.Status());
        var reason = Assert.Single(order.HoldReasons());
        Assert.StartsWith("payment anomaly", reason);
        Assert.Contains("amount", reason);
        Assert.Equal(paymentId, Assert.Single(order.Anomalies()).Str("paymentId"));
        Assert.Empty(order.Refunds());
        Assert.Null(order.Payment());
        Assert.Equal(new StockFigures(sku, 10, 3, 0, 7), await _client.Stock(sku));
    }

    [Fact]
    public async Task A_capture_for_a_cancelled_order_is_refunded_even_under_the_hold_policy()
    {
        var (sku, id) = await ReservedOrder("hold-cancelled");
        using (var cancel = await _client.Cancel(id)) await ExpectStatus(cancel, HttpStatusCode.OK);
        var paymentId = NewPaymentId();

        await _client.Deliver(Captured(id, 12.75m, "EUR", paymentId));

        var order = await _client.OrderEventually(id, o => o.Refunds().Any(r => r.Str("status") == "succeeded"));
        Assert.Equal("cancelled", order.Status());
        Assert.Equal(paymentId, Assert.Single(order.Refunds()).Str("paymentReference"));
        await _client.StockEventually(sku, s => s.Reserved == 0);
    }

    [Fact]
    public async Task Rejecting_an_order_held_for_a_payment_anomaly_refunds_that_payment()
    {
        var (sku, id) = await ReservedOrder("hold-reject");
        var paymentId = NewPaymentId();
        await _client.Deliver(Captured(id, 10m, "EUR", paymentId));
        Assert.Equal("onHold", (await _client.Order(id)).Status());

        using var review = await _client.Review(id, "reject", "bob", "amount does not match");

        await ExpectStatus(review, HttpStatusCode.OK);
        Assert.Equal("cancelled", (await Body(review)).Status());
        await _client.StockEventually(sku, s => s.Reserved == 0);
        // The 10 EUR were captured and the order is now cancelled: that money must go back.
        var order = await _client.OrderEventually(id, o => o.Refunds().Any(r => r.Str("paymentReference") == paymentId && r.Str("status") == "succeeded"));
        Assert.Equal(10m, order.Refunds().Single(r => r.Str("paymentReference") == paymentId).Dec("amount"));
    }

    [Fact]
    public async Task Cancelling_an_order_held_for_a_payment_anomaly_refunds_that_payment()
    {
        var (sku, id) = await ReservedOrder("hold-cancel");
        var paymentId = NewPaymentId();
        await _client.Deliver(Captured(id, 10m, "EUR", paymentId));
        Assert.Equal("onHold", (await _client.Order(id)).Status());

        using var cancel = await _client.Cancel(id);

        await ExpectStatus(cancel, HttpStatusCode.OK);
        await _client.StockEventually(sku, s => s.Reserved == 0);
        var order = await _client.OrderEventually(id, o => o.Refunds().Any(r => r.Str("paymentReference") == paymentId && r.Str("status") == "succeeded"));
        Assert.Equal("cancelled", order.Status());
    }
}
