using System.Collections.Immutable;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Payments;
using OrderEngine.Domain.Webhooks;
using static OrderEngine.Domain.Tests.TestTime;

namespace OrderEngine.Domain.Tests;

/// <summary>The mapping from order events to outbound webhook events.</summary>
public class WebhookEventMappingTests
{
    private const string Pid = "order-o1";

    private static readonly OrderPlaced Placed = new("o1", "web", "c1", "EUR",
        [new OrderLine("A", 3, 4.25m, 12.75m)], 12.75m, new Address("N", "L1", null, "City", null, "1000", "BE", null), Min(15), T0,
        PaymentMethod.Card, Outcome: new PlacementOutcome(OrderStatus.Reserved, [], null, T0));

    private static OutboundEvent Single(object e, long seq = 1) => Assert.Single(OutboundEvents.From(Pid, seq, e));

    private static JsonElement Data(OutboundEvent e) => JsonDocument.Parse(e.Data).RootElement;

    [Fact]
    public void A_placement_is_order_placed_with_its_lines_totals_and_status_but_not_its_address()
    {
        var e = Single(Placed);

        Assert.Equal(OutboundEventTypes.OrderPlaced, e.Type);
        Assert.Equal("o1", e.OrderId);
        Assert.Equal(T0, e.OccurredAt);
        var data = Data(e);
        Assert.Equal("reserved", data.GetProperty("status").GetString());
        Assert.Equal(12.75m, data.GetProperty("total").GetDecimal());
        Assert.Equal("EUR", data.GetProperty("currency").GetString());
        Assert.Equal("card", data.GetProperty("paymentMethod").GetString());
        var line = Assert.Single(data.GetProperty("lines").EnumerateArray());
        Assert.Equal("A", line.GetProperty("sku").GetString());
        Assert.Equal(3, line.GetProperty("quantity").GetInt32());
        Assert.Equal(4.25m, line.GetProperty("unitPrice").GetDecimal());
        Assert.False(data.TryGetProperty("shippingAddress", out _));
    }

    [Fact]
    public void A_confirmed_payment_is_order_paid_with_amount_and_reference()
    {
        var data = Data(Single(new PaymentConfirmed("o1", 12.75m, "EUR", "psp-1", Min(1), "sandbox")));

        Assert.Equal(12.75m, data.GetProperty("amount").GetDecimal());
        Assert.Equal("psp-1", data.GetProperty("reference").GetString());
        Assert.Equal("sandbox", data.GetProperty("provider").GetString());
        Assert.Equal(OutboundEventTypes.OrderPaid, Single(new PaymentConfirmed("o1", 1m, "EUR", "r", T0)).Type);
    }

    [Fact]
    public void An_order_paid_at_the_channel_is_order_placed_and_order_paid()
    {
        var paidAtShop = Placed with
        {
            Channel = "shopify",
            PaidAtChannel = new ChannelPayment("shopify_payments", 12.75m, "EUR", "tx-1"),
            Outcome = new PlacementOutcome(OrderStatus.Paid, [], null, Min(1)),
        };

        var events = OutboundEvents.From(Pid, 1, paidAtShop);

        Assert.Equal([OutboundEventTypes.OrderPlaced, OutboundEventTypes.OrderPaid], events.Select(e => e.Type).ToArray());
        Assert.Equal(2, events.Select(e => e.EventId).Distinct().Count());
        var paid = Data(events[1]);
        Assert.Equal(("channel:shopify", 12.75m, "tx-1"), (paid.GetProperty("provider").GetString(), paid.GetProperty("amount").GetDecimal(), paid.GetProperty("reference").GetString()));
    }

    [Fact]
    public void Shipments_deliveries_and_returns_to_sender_are_order_shipped_delivered_and_returned()
    {
        var shipped = Single(new ShipmentRecorded("o1", "sh-1", [new ShipmentLine("A", 2)], "dhl", "JJD1", "p1", Min(3)));
        Assert.Equal(OutboundEventTypes.OrderShipped, shipped.Type);
        Assert.Equal(("sh-1", "dhl", "JJD1"), (Data(shipped).GetProperty("shipmentId").GetString(), Data(shipped).GetProperty("carrier").GetString(),
            Data(shipped).GetProperty("trackingNumber").GetString()));
        Assert.Equal(2, Data(shipped).GetProperty("lines")[0].GetProperty("quantity").GetInt32());

        Assert.Equal(OutboundEventTypes.OrderDelivered, Single(new ShipmentDelivered("o1", "sh-1", Min(4), Min(5))).Type);
        var returned = Single(new ShipmentReturnedToSender("o1", "sh-2", Min(4), Min(5)));
        Assert.Equal((OutboundEventTypes.OrderReturned, "returnedToSender"), (returned.Type, Data(returned).GetProperty("reason").GetString()));
        var settled = Single(new ReturnSettled("o1", "rma-1", 8.50m, "rf-1", 0m, "", null, Min(6)));
        Assert.Equal((OutboundEventTypes.OrderReturned, "rma-1", 8.50m),
            (settled.Type, Data(settled).GetProperty("returnId").GetString(), Data(settled).GetProperty("refunded").GetDecimal()));
        // The order's own bookkeeping of stock movements is not an event for subscribers.
        Assert.Empty(OutboundEvents.From(Pid, 9, new ShipmentMoved("o1", "sh-1", ShipmentMovement.Left, Min(3))));
    }

    [Fact]
    public void A_restaurant_delivery_picked_up_and_delivered_is_order_shipped_and_delivered_and_other_stages_are_not_events()
    {
        var picked = Single(new DeliveryProgressRecorded("o1", "z-1", DeliveryStage.PickedUp, "c-1", Min(30), null, Min(10), Min(10)));
        Assert.Equal((OutboundEventTypes.OrderShipped, "c-1"), (picked.Type, Data(picked).GetProperty("courierId").GetString()));
        var delivered = Single(new DeliveryProgressRecorded("o1", "z-2", DeliveryStage.Delivered, "c-1", null, null, Min(25), Min(26)));
        Assert.Equal((OutboundEventTypes.OrderDelivered, Min(25)), (delivered.Type, Data(delivered).GetProperty("deliveredAt").GetDateTimeOffset()));
        Assert.Empty(OutboundEvents.From(Pid, 9, new DeliveryProgressRecorded("o1", "z-3", DeliveryStage.CourierAssigned, "c-1", Min(30), null, Min(5), Min(5))));
        Assert.Empty(OutboundEvents.From(Pid, 9, new KitchenNotified("o1", "r-1", Min(2))));
    }

    [Fact]
    public void A_cancellation_is_order_cancelled_with_its_reason()
    {
        var e = Single(new OrderCancelled("o1", "changed my mind", Min(2), By: "customer"));

        Assert.Equal(OutboundEventTypes.OrderCancelled, e.Type);
        Assert.Equal("changed my mind", Data(e).GetProperty("reason").GetString());
        Assert.Equal("customer", Data(e).GetProperty("by").GetString());
    }

    [Fact]
    public void An_expiry_is_order_cancelled_with_reason_expired()
    {
        var e = Single(new OrderExpired("o1", Min(15)));

        Assert.Equal(OutboundEventTypes.OrderCancelled, e.Type);
        Assert.Equal("expired", Data(e).GetProperty("reason").GetString());
        Assert.Equal(Min(15), e.OccurredAt);
    }

    [Fact]
    public void A_succeeded_refund_is_order_refunded_and_a_requested_or_failed_one_is_nothing()
    {
        var e = Single(new RefundSucceeded("o1", "r1", "pr-9", Min(5)));

        Assert.Equal(OutboundEventTypes.OrderRefunded, e.Type);
        Assert.Equal("r1", Data(e).GetProperty("refundId").GetString());
        Assert.Empty(OutboundEvents.From(Pid, 2, new RefundRequested("o1", "r1", "psp-1", null, 1m, "EUR", [], "x", "op", Min(4))));
        Assert.Empty(OutboundEvents.From(Pid, 3, new RefundFailed("o1", "r1", "declined", Min(5))));
    }

    [Fact]
    public void A_placement_refused_after_it_was_written_is_order_cancelled_with_reason_rejected()
    {
        var e = Single(new OrderRejected("o1", [new LineRejection("A", "OutOfStock", "2 available")], T0));

        Assert.Equal(OutboundEventTypes.OrderCancelled, e.Type);
        Assert.Equal("rejected", Data(e).GetProperty("reason").GetString());
    }

    [Fact]
    public void Internal_steps_map_to_nothing()
    {
        Assert.Empty(OutboundEvents.From(Pid, 2, new OrderStockSettled("o1", T0)));
        Assert.Empty(OutboundEvents.From(Pid, 2, new OrderReserved("o1", T0)));
        Assert.Empty(OutboundEvents.From(Pid, 2, new OrderHeld("o1", ["risk"], Min(60), T0)));
        Assert.Empty(OutboundEvents.From(Pid, 2, "not an order event"));
    }

    [Fact]
    public void The_event_id_depends_only_on_where_the_event_sits_in_the_journal()
    {
        var first = Single(Placed, seq: 1);

        Assert.Equal(first, Single(Placed, seq: 1));
        Assert.Equal(first.EventId, OutboundEvents.From(Pid, 1, Placed with { Total = 99m })[0].EventId);
        Assert.NotEqual(first.EventId, Single(Placed, seq: 2).EventId);
        Assert.NotEqual(first.EventId, OutboundEvents.From("order-o2", 1, Placed)[0].EventId);
        Assert.Matches("^evt_[0-9a-f]{32}$", first.EventId);
    }

    [Fact]
    public void The_body_carries_id_type_time_order_and_data()
    {
        var e = Single(new PaymentConfirmed("o1", 12.75m, "EUR", "psp-1", T0.AddMilliseconds(5)));

        var body = JsonDocument.Parse(e.Body()).RootElement;

        Assert.Equal(e.EventId, body.GetProperty("id").GetString());
        Assert.Equal("order.paid", body.GetProperty("type").GetString());
        Assert.Equal("2025-03-01T12:00:00.005Z", body.GetProperty("occurredAt").GetString());
        Assert.Equal("o1", body.GetProperty("orderId").GetString());
        Assert.Equal(12.75m, body.GetProperty("data").GetProperty("amount").GetDecimal());
        Assert.Equal(e.Body(), e.Body());
    }
}

/// <summary>The retry schedule of a delivery.</summary>
public class WebhookDeliveryPolicyTests
{
    private static readonly WebhookDeliveryPolicy Policy = new(5, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1));

    [Fact]
    public void The_delay_doubles_after_each_failure_up_to_the_maximum()
    {
        Assert.Equal(
            [TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(40), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)],
            Enumerable.Range(1, 5).Select(Policy.Delay));
    }

    [Fact]
    public void Jitter_spreads_the_next_attempt_over_the_upper_half_of_the_delay()
    {
        Assert.Equal(new DeliveryStep.RetryAt(T0.AddSeconds(10)), Policy.AfterFailure(2, T0, 0.0));
        Assert.Equal(new DeliveryStep.RetryAt(T0.AddSeconds(15)), Policy.AfterFailure(2, T0, 0.5));
        Assert.Equal(new DeliveryStep.RetryAt(T0.AddSeconds(20)), Policy.AfterFailure(2, T0, 1.0));
    }

    [Fact]
    public void The_last_allowed_attempt_failing_dead_letters_the_delivery()
    {
        Assert.IsType<DeliveryStep.RetryAt>(Policy.AfterFailure(4, T0, 0.3));
        Assert.IsType<DeliveryStep.DeadLetter>(Policy.AfterFailure(5, T0, 0.3));
        Assert.IsType<DeliveryStep.DeadLetter>(new WebhookDeliveryPolicy(1, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)).AfterFailure(1, T0, 0));
    }

    [Property(MaxTest = 500)]
    public Property A_retry_is_always_after_now_within_the_maximum_and_the_same_for_the_same_random(PositiveInt attempts, NormalFloat random)
    {
        var r = Math.Abs(random.Get) % 1.0;
        var a = Math.Min(attempts.Get, 200);
        var step = Policy.AfterFailure(a, T0, r);
        var again = Policy.AfterFailure(a, T0, r);
        var ok = step switch
        {
            DeliveryStep.RetryAt at => a < Policy.MaxAttempts && at.At > T0 && at.At <= T0 + Policy.MaxDelay && at.At >= T0 + Policy.Delay(a) / 2,
            DeliveryStep.DeadLetter => a >= Policy.MaxAttempts,
            _ => false,
        };
        return (ok && step == again).Label($"attempts {a}, random {r}: {step}");
    }
}

/// <summary>Signing and verifying a delivery, with fixed vectors a subscriber can check their own code against.</summary>
public class WebhookSignatureTests
{
    private const string Secret = "whsec_test_0123456789";
    private const string Body = """{"id":"evt_1","type":"order.paid"}""";
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    [Fact]
    public void The_signature_is_the_hex_hmac_sha256_of_timestamp_dot_body()
    {
        Assert.Equal("t=1700000000,v1=70169da4ab8246b152ffcd2acd145cc60abfbfe6ff6015e35ac913c0bd11bd16", WebhookSignature.Sign(Secret, 1_700_000_000, Body));
        Assert.Equal("t=1800000000,v1=827d23340d5ff849517c93ab1fd48709f45380fe1982ee8908190b3b5442f114",
            WebhookSignature.Sign("sécret-ünïcode-key", 1_800_000_000, """{"note":"café"}"""));
    }

    [Fact]
    public void A_signed_body_verifies_within_the_tolerance()
    {
        var header = WebhookSignature.Sign(Secret, At.ToUnixTimeSeconds(), Body);

        Assert.True(WebhookSignature.Verify(Secret, header, Body, At.AddMinutes(4), TimeSpan.FromMinutes(5)));
        Assert.True(WebhookSignature.Verify(Secret, header, Body, At.AddMinutes(-4), TimeSpan.FromMinutes(5)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("v1=70169da4ab8246b152ffcd2acd145cc60abfbfe6ff6015e35ac913c0bd11bd16")]
    [InlineData("t=1700000000")]
    [InlineData("t=1700000000,v1=00169da4ab8246b152ffcd2acd145cc60abfbfe6ff6015e35ac913c0bd11bd16")]
    [InlineData("t=1700000001,v1=70169da4ab8246b152ffcd2acd145cc60abfbfe6ff6015e35ac913c0bd11bd16")]
    [InlineData("t=-1700000000,v1=70169da4ab8246b152ffcd2acd145cc60abfbfe6ff6015e35ac913c0bd11bd16")]
    [InlineData("garbage")]
    public void A_missing_malformed_or_wrong_signature_does_not_verify(string? header)
    {
        Assert.False(WebhookSignature.Verify(Secret, header, Body, At, TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void A_changed_body_another_secret_or_an_old_timestamp_does_not_verify()
    {
        var header = WebhookSignature.Sign(Secret, At.ToUnixTimeSeconds(), Body);

        Assert.False(WebhookSignature.Verify(Secret, header, Body + " ", At, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify(Secret + "x", header, Body, At, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify(Secret, header, Body, At.AddMinutes(6), TimeSpan.FromMinutes(5)));
    }
}

/// <summary>The rules of a subscription request.</summary>
public class WebhookSubscriptionTests
{
    private const string Secret = "0123456789abcdef";

    private static string[] FieldsOf(SubscribeWebhook request) =>
        [.. WebhookSubscriptions.Validate(request).Errors.Select(e => e.Field).Distinct().Order(StringComparer.Ordinal)];

    [Fact]
    public void A_valid_request_gives_its_spec_with_events_deduplicated()
    {
        var (errors, spec) = WebhookSubscriptions.Validate(new("https://example.test/hooks?x=1", ["order.paid", "order.placed", "order.paid"], Secret, "  "));

        Assert.Empty(errors);
        Assert.NotNull(spec);
        Assert.Equal("https://example.test/hooks?x=1", spec.Url.AbsoluteUri);
        Assert.Equal(["order.paid", "order.placed"], spec.Events.ToArray());
        Assert.Null(spec.Description);
    }

    [Theory]
    [InlineData(null, "url")]
    [InlineData("", "url")]
    [InlineData("/relative", "url")]
    [InlineData("ftp://example.test/x", "url")]
    [InlineData("file:///etc/passwd", "url")]
    [InlineData("https://user:pw@example.test/x", "url")]
    [InlineData("https://example.test/x#frag", "url")]
    [InlineData("not a url", "url")]
    public void A_bad_url_is_refused(string? url, string field)
    {
        Assert.Equal([field], FieldsOf(new(url, ["order.paid"], Secret, null)));
    }

    [Fact]
    public void Missing_empty_or_unknown_event_types_are_refused()
    {
        Assert.Equal(["events"], FieldsOf(new("http://127.0.0.1/x", null, Secret, null)));
        Assert.Equal(["events"], FieldsOf(new("http://127.0.0.1/x", [], Secret, null)));
        Assert.Equal(["events"], FieldsOf(new("http://127.0.0.1/x", ["order.paid", "order.exploded"], Secret, null)));
        Assert.Equal(["events"], FieldsOf(new("http://127.0.0.1/x", [null], Secret, null)));
        Assert.Equal(["events"], FieldsOf(new("http://127.0.0.1/x", ["ORDER.PAID"], Secret, null)));
    }

    [Fact]
    public void A_secret_out_of_bounds_and_a_long_description_are_refused()
    {
        Assert.Equal(["secret"], FieldsOf(new("http://127.0.0.1/x", ["order.paid"], null, null)));
        Assert.Equal(["secret"], FieldsOf(new("http://127.0.0.1/x", ["order.paid"], new string('s', 15), null)));
        Assert.Equal(["secret"], FieldsOf(new("http://127.0.0.1/x", ["order.paid"], new string('s', 257), null)));
        Assert.Equal(["secret"], FieldsOf(new("http://127.0.0.1/x", ["order.paid"], "0123456789abcdef\n", null)));
        Assert.Equal(["description"], FieldsOf(new("http://127.0.0.1/x", ["order.paid"], Secret, new string('d', 201))));
        Assert.Equal(["description", "events", "secret", "url"], FieldsOf(new(null, null, null, new string('d', 201))));
    }

    [Fact]
    public void Every_listed_event_type_is_accepted()
    {
        Assert.Empty(WebhookSubscriptions.Validate(new("http://127.0.0.1/x", [.. OutboundEventTypes.All], Secret, null)).Errors);
        Assert.Equal(9, OutboundEventTypes.All.Length);
    }
}
