using OrderEngine.Domain.Shipments;
using OrderEngine.Engine.Carriers;
using static OrderEngine.Engine.Tests.CarrierTestKit;

namespace OrderEngine.Engine.Tests;

public sealed class AfterShipCarrierTests
{
    private const string Secret = "aftership_webhook_secret";
    private static readonly AfterShipCarrier Carrier = new(Secret);
    private static readonly byte[] Update = Sample("aftership-tracking-update.json");

    private static Engine.Payments.WebhookCheck Verify(string? header, byte[]? body = null, DateTimeOffset? now = null) =>
        Carrier.Verify(Headers((AfterShipCarrier.SignatureHeader, header)), body ?? Update, now ?? Now);

    [Fact]
    public void A_body_signed_with_the_secret_is_accepted() =>
        Assert.True(Verify(AfterShipHeader(Secret, Update)).Valid);

    [Fact]
    public void The_header_as_sent_with_capitals_is_found() =>
        Assert.True(Carrier.Verify(Headers(("Aftership-Hmac-Sha256", AfterShipHeader(Secret, Update))), Update, Now).Valid);

    [Fact]
    public void The_signature_the_carrier_computes_is_the_documented_one() =>
        Assert.Equal(AfterShipHeader(Secret, Update), Carrier.SignatureFor(Update));

    [Fact]
    public void A_vector_computed_with_openssl_verifies()
    {
        // `printf '%s' "$BODY" | openssl dgst -sha256 -hmac dev-carrier-secret -binary | base64`
        var body = Utf8("""{"id":"evt_sbx_0001","trackingNumber":"SBX100200300","status":"inTransit","occurredAt":"2026-12-03T09:30:00Z","eta":"2026-12-05T18:00:00Z","location":"Leipzig hub, DE","description":"Departed sorting centre"}""");
        Assert.True(new AfterShipCarrier("dev-carrier-secret").Verify(Headers((AfterShipCarrier.SignatureHeader, "95l4mbG0g5cfDZ8YdS6umHQHcL3ktICnQYNrXyF0ZQI=")), body, Now).Valid);
    }

    [Fact]
    public void A_body_signed_with_another_secret_is_refused()
    {
        var check = Verify(AfterShipHeader("another_secret", Update));
        Assert.False(check.Valid);
        Assert.Contains("does not match", check.Problem);
    }

    [Fact]
    public void A_body_changed_after_signing_is_refused()
    {
        var tampered = Utf8(System.Text.Encoding.UTF8.GetString(Update).Replace("\"OutForDelivery\"", "\"Delivered\""));
        Assert.False(Verify(AfterShipHeader(Secret, Update), tampered).Valid);
    }

    [Theory]
    [InlineData(null, "missing")]
    [InlineData("  ", "missing")]
    [InlineData("not base64!", "not a base64")]
    [InlineData("AAAA", "not a base64")]
    [InlineData("hmac-sha256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "not a base64")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "does not match")]
    public void A_missing_or_malformed_header_is_refused_without_throwing(string? header, string problem)
    {
        var check = Verify(header);
        Assert.False(check.Valid);
        Assert.Contains(problem, check.Problem);
    }

    [Fact]
    public void Nothing_but_the_body_is_signed_so_an_old_delivery_still_verifies_and_repeats_its_event_ids()
    {
        Assert.True(Verify(AfterShipHeader(Secret, Update), now: Now.AddDays(30)).Valid);
        Assert.Equal(Carrier.Parse(Update).Select(u => u.EventId), Carrier.Parse(Update).Select(u => u.EventId));
    }

    [Fact]
    public void Each_checkpoint_is_one_update_oldest_first_and_pending_is_left_out()
    {
        var updates = Carrier.Parse(Update);
        Assert.Equal(
            [ParcelStatus.LabelCreated, ParcelStatus.InTransit, ParcelStatus.OutForDelivery, ParcelStatus.OutForDelivery],
            updates.Select(u => u.Status));
        Assert.All(updates, u => Assert.Equal("1Z999AA10123456784", u.TrackingNumber));
        Assert.Equal(
            [new DateTimeOffset(2026, 12, 1, 9, 12, 0, TimeSpan.FromHours(-5)), new DateTimeOffset(2026, 12, 2, 18, 31, 0, TimeSpan.FromHours(-5))],
            updates.Take(2).Select(u => u.OccurredAt));
        Assert.Equal("Departed from Facility", updates[1].Description);
    }

    [Fact]
    public void A_checkpoint_time_without_offset_is_read_as_utc() =>
        Assert.Equal(new DateTimeOffset(2026, 12, 4, 3, 2, 0, TimeSpan.Zero), Carrier.Parse(Update)[2].OccurredAt);

    [Fact]
    public void The_location_is_city_state_postal_code_and_country_else_the_carriers_free_text()
    {
        var updates = Carrier.Parse(Update);
        Assert.Equal(["Louisville, KY, USA", "Columbus, OH, 43228, USA", "Pittsburgh, PA, US"], updates.Take(3).Select(u => u.Location));
    }

    [Fact]
    public void The_newest_estimate_is_one_more_update_at_the_newest_status_and_checkpoints_carry_none()
    {
        var updates = Carrier.Parse(Update);
        Assert.All(updates.Take(3), u => Assert.Null(u.EstimatedDelivery));
        var eta = updates[^1];
        Assert.Equal(new DateTimeOffset(2026, 12, 4, 19, 0, 0, TimeSpan.FromHours(-5)), eta.EstimatedDelivery);
        Assert.Equal(ParcelStatus.OutForDelivery, eta.Status);
        Assert.Equal(updates[2].OccurredAt, eta.OccurredAt);
        Assert.StartsWith("aftership:eta_", eta.EventId);
    }

    [Fact]
    public void A_revised_estimate_repeats_the_checkpoint_ids_and_adds_one_new_estimate_update()
    {
        var first = Carrier.Parse(Update);
        var revised = Carrier.Parse(Sample("aftership-edd-revise.json"));
        Assert.Equal(first.Take(3).Select(u => u.EventId), revised.Take(3).Select(u => u.EventId));
        Assert.NotEqual(first[^1].EventId, revised[^1].EventId);
        // A range estimate is read as the end of the range.
        Assert.Equal(new DateTimeOffset(2026, 12, 5, 21, 0, 0, TimeSpan.FromHours(-5)), revised[^1].EstimatedDelivery);
    }

    [Fact]
    public void Returning_and_returned_to_sender_subtags_are_returned_to_sender_and_no_estimate_follows_a_final_status()
    {
        var updates = Carrier.Parse(Sample("aftership-returned-to-sender.json"));
        Assert.Equal(
            [ParcelStatus.InTransit, ParcelStatus.FailedAttempt, ParcelStatus.OutForDelivery, ParcelStatus.ReturnedToSender, ParcelStatus.ReturnedToSender],
            updates.Select(u => u.Status));
        Assert.Equal("Kiel, DEU", updates[1].Location);
        Assert.All(updates, u => Assert.Null(u.EstimatedDelivery));
        Assert.Equal(updates.Count, updates.Select(u => u.EventId).Distinct().Count());
    }

    [Theory]
    [InlineData("InfoReceived", null, ParcelStatus.LabelCreated)]
    [InlineData("InTransit", "InTransit_007", ParcelStatus.InTransit)]
    [InlineData("OutForDelivery", null, ParcelStatus.OutForDelivery)]
    [InlineData("AvailableForPickup", "AvailableForPickup_001", ParcelStatus.OutForDelivery)]
    [InlineData("AttemptFail", "AttemptFail_001", ParcelStatus.FailedAttempt)]
    [InlineData("Delivered", "Delivered_003", ParcelStatus.Delivered)]
    [InlineData("Exception", "Exception_010", ParcelStatus.ReturnedToSender)]
    [InlineData("Exception", "Exception_011", ParcelStatus.ReturnedToSender)]
    [InlineData("Exception", "Exception_013", ParcelStatus.Exception)]
    [InlineData("Exception", null, ParcelStatus.Exception)]
    public void Each_tag_maps_to_its_parcel_status(string tag, string? subtag, ParcelStatus status) =>
        Assert.Equal(status, AfterShipCarrier.Map(tag, subtag));

    [Theory]
    [InlineData("Pending")]
    [InlineData("Expired")]
    [InlineData("SomeTagAddedLater")]
    [InlineData("intransit")]
    public void Tags_the_engine_does_not_track_are_left_out(string tag)
    {
        Assert.Null(AfterShipCarrier.Map(tag, null));
        var body = Utf8($$$"""{"event":"tracking_update","msg":{"tracking_number":"T1","checkpoints":[{"tag":"{{{tag}}}","checkpoint_time":"not even a time"}]}}""");
        Assert.Empty(Carrier.Parse(body));
    }

    [Theory]
    [InlineData("tracking_pending_time")]
    [InlineData("some_event_added_later")]
    public void An_event_with_nothing_to_track_gives_no_update(string kind) =>
        Assert.Empty(Carrier.Parse(Utf8($$"""{"event":"{{kind}}","event_id":"e1","msg":{"tracking_number":"T1","tag":"Pending","checkpoints":[]},"ts":1796378400}""")));

    public static TheoryData<string, string> BadBodies => new()
    {
        { "{", "not JSON" },
        { "[]", "JSON object" },
        { """{"msg":{"tracking_number":"T1"}}""", "event is missing" },
        { """{"event":1,"msg":{"tracking_number":"T1"}}""", "event is missing or not a string" },
        { """{"event":"tracking_update"}""", "msg is missing or not an object" },
        { """{"event":"tracking_update","msg":"T1"}""", "msg is missing or not an object" },
        { """{"event":"tracking_update","msg":{"checkpoints":[]}}""", "msg.tracking_number is missing" },
        { """{"event":"tracking_update","msg":{"tracking_number":12345}}""", "msg.tracking_number is missing or not a string" },
        { """{"event":"tracking_update","msg":{"tracking_number":"T1","checkpoints":{}}}""", "msg.checkpoints must be an array" },
        { """{"event":"tracking_update","msg":{"tracking_number":"T1","checkpoints":["InTransit"]}}""", "msg.checkpoints[0] must be a JSON object" },
        { """{"event":"tracking_update","msg":{"tracking_number":"T1","checkpoints":[{"checkpoint_time":"2026-12-01T10:00:00Z"}]}}""", "msg.checkpoints[0].tag is missing" },
        { """{"event":"tracking_update","msg":{"tracking_number":"T1","checkpoints":[{"tag":"Pending"},{"tag":"InTransit"}]}}""", "msg.checkpoints[1].checkpoint_time is missing" },
        { """{"event":"tracking_update","msg":{"tracking_number":"T1","checkpoints":[{"tag":"InTransit","checkpoint_time":"01/12/2026 10:00"}]}}""", "msg.checkpoints[0].checkpoint_time '01/12/2026 10:00' is not an ISO-8601" },
        { """{"event":"tracking_update","msg":{"tracking_number":"T1","checkpoints":[{"tag":"InTransit","checkpoint_time":"2026-12-01T10:00:00Z","city":42}]}}""", "msg.checkpoints[0].city must be a string" },
        { """{"event":"tracking_update","msg":{"tracking_number":"T1","checkpoints":[{"tag":"InTransit","subtag":7,"checkpoint_time":"2026-12-01T10:00:00Z"}]}}""", "msg.checkpoints[0].subtag must be a string" },
        { """{"event":"edd_revise","msg":{"tracking_number":"T1","latest_estimated_delivery":{"datetime":"next week"},"checkpoints":[]}}""", "msg.latest_estimated_delivery.datetime 'next week' is not an ISO-8601" },
        { """{"event":"tracking_update","msg":{"tracking_number":"T1","expected_delivery":"2026-13-01"}}""", "msg.expected_delivery '2026-13-01' is not a valid" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public void A_bad_body_is_refused_naming_the_field(string body, string message)
    {
        var e = Assert.Throws<FormatException>(() => Carrier.Parse(Utf8(body)));
        Assert.Contains(message, e.Message);
    }
}
