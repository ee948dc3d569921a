using OrderEngine.Domain.Shipments;
using OrderEngine.Engine.Carriers;
using static OrderEngine.Engine.Tests.CarrierTestKit;

namespace OrderEngine.Engine.Tests;

public sealed class EasyPostCarrierTests
{
    private const string Secret = "easypost_webhook_secret";
    private static readonly EasyPostCarrier Carrier = new(Secret);
    private static readonly byte[] Updated = Sample("easypost-tracker-updated.json");

    private static Engine.Payments.WebhookCheck Verify(string? header, byte[]? body = null, DateTimeOffset? now = null) =>
        Carrier.Verify(Headers((EasyPostCarrier.SignatureHeader, header)), body ?? Updated, now ?? Now);

    [Fact]
    public void A_body_signed_with_the_secret_is_accepted() =>
        Assert.True(Verify(EasyPostHeader(Secret, Updated)).Valid);

    [Fact]
    public void Upper_case_hex_and_prefix_are_accepted() =>
        Assert.True(Verify(EasyPostHeader(Secret, Updated).ToUpperInvariant()).Valid);

    [Fact]
    public void The_header_name_is_read_case_insensitively() =>
        Assert.True(Carrier.Verify(Headers(("x-hmac-signature", EasyPostHeader(Secret, Updated))), Updated, Now).Valid);

    [Fact]
    public void The_signature_the_carrier_computes_is_the_documented_one() =>
        Assert.Equal(EasyPostHeader(Secret, Updated), Carrier.SignatureFor(Updated));

    [Fact]
    public void A_non_ascii_secret_is_keyed_in_compatibility_decomposition_or_refused_where_the_runtime_cannot_decompose()
    {
        // U+FB01 (the "fi" ligature) decomposes to "fi" under NFKD, as EasyPost's libraries key the HMAC.
        if (EasyPostCarrier.CanNormalize)
        {
            var carrier = new EasyPostCarrier("\uFB01ve_secret");
            Assert.True(carrier.Verify(Headers((EasyPostCarrier.SignatureHeader, EasyPostHeader("five_secret", Updated))), Updated, Now).Valid);
        }
        else
        {
            var e = Assert.Throws<ArgumentException>(() => new EasyPostCarrier("\uFB01ve_secret"));
            Assert.Contains("ASCII", e.Message);
        }
    }

    [Fact]
    public void A_body_signed_with_another_secret_is_refused()
    {
        var check = Verify(EasyPostHeader("another_secret", Updated));
        Assert.False(check.Valid);
        Assert.Contains("does not match", check.Problem);
    }

    [Fact]
    public void A_body_changed_after_signing_is_refused()
    {
        var tampered = Utf8(System.Text.Encoding.UTF8.GetString(Updated).Replace("9400111899223197428490", "9400111899223197428491"));
        Assert.False(Verify(EasyPostHeader(Secret, Updated), tampered).Valid);
    }

    [Theory]
    [InlineData(null, "missing")]
    [InlineData("", "missing")]
    [InlineData("0123abcd", "does not start with")]
    [InlineData("sha256=0123abcd", "does not start with")]
    [InlineData("hmac-sha256-hex=xyz", "not hexadecimal")]
    [InlineData("hmac-sha256-hex=abc", "not hexadecimal")]
    [InlineData("hmac-sha256-hex=", "does not match")]
    [InlineData("hmac-sha256-hex=00ff", "does not match")]
    public void A_missing_or_malformed_header_is_refused_without_throwing(string? header, string problem)
    {
        var check = Verify(header);
        Assert.False(check.Valid);
        Assert.Contains(problem, check.Problem);
    }

    [Fact]
    public void Nothing_but_the_body_is_signed_so_an_old_delivery_still_verifies_and_repeats_its_event_ids()
    {
        Assert.True(Verify(EasyPostHeader(Secret, Updated), now: Now.AddDays(30)).Valid);
        Assert.Equal(Carrier.Parse(Updated).Select(u => u.EventId), Carrier.Parse(Updated).Select(u => u.EventId));
    }

    [Fact]
    public void Each_tracking_detail_is_one_update_oldest_first_with_its_location_and_message()
    {
        var updates = Carrier.Parse(Updated);
        Assert.Equal([ParcelStatus.LabelCreated, ParcelStatus.InTransit, ParcelStatus.OutForDelivery, ParcelStatus.OutForDelivery], updates.Select(u => u.Status));
        Assert.All(updates, u => Assert.Equal("9400111899223197428490", u.TrackingNumber));
        Assert.Equal(["PORTLAND, OR, 97217", "SEATTLE WA DISTRIBUTION CENTER", "TACOMA, WA, 98402, US"], updates.Take(3).Select(u => u.Location));
        Assert.Equal("Arrived at USPS Regional Facility", updates[1].Description);
        Assert.Equal(new DateTimeOffset(2026, 12, 4, 7, 58, 0, TimeSpan.FromHours(-8)), updates[2].OccurredAt);
        Assert.All(updates, u => Assert.StartsWith("easypost:", u.EventId));
    }

    [Fact]
    public void The_estimate_is_one_more_update_at_the_newest_status()
    {
        var updates = Carrier.Parse(Updated);
        Assert.All(updates.Take(3), u => Assert.Null(u.EstimatedDelivery));
        Assert.Equal(new DateTimeOffset(2026, 12, 4, 20, 0, 0, TimeSpan.Zero), updates[^1].EstimatedDelivery);
        Assert.Equal(ParcelStatus.OutForDelivery, updates[^1].Status);
        Assert.StartsWith("easypost:eta_", updates[^1].EventId);
    }

    [Fact]
    public void Unknown_is_left_out_failure_is_an_exception_and_no_estimate_follows_delivery()
    {
        var updates = Carrier.Parse(Sample("easypost-delivered.json"));
        Assert.Equal([ParcelStatus.Exception, ParcelStatus.Delivered], updates.Select(u => u.Status));
        Assert.Equal("Delivery delayed: severe weather", updates[0].Description);
        Assert.Equal("MEMPHIS, TN, US", updates[0].Location);
        Assert.All(updates, u => Assert.Null(u.EstimatedDelivery));
    }

    [Fact]
    public void A_later_event_repeating_a_detail_gives_it_the_same_id()
    {
        var earlier = Carrier.Parse(Updated);
        var later = Carrier.Parse(Utf8(System.Text.Encoding.UTF8.GetString(Updated)
            .Replace("evt_4f8a1c2b9e7d4a6f8b3c0d1e2f3a4b5c", "evt_ffffffffffffffffffffffffffffffff")
            .Replace("2026-12-04T20:00:00Z", "2026-12-05T20:00:00Z")));
        Assert.Equal(earlier.Take(3).Select(u => u.EventId), later.Take(3).Select(u => u.EventId));
        Assert.NotEqual(earlier[^1].EventId, later[^1].EventId);
    }

    [Theory]
    [InlineData("pre_transit", ParcelStatus.LabelCreated)]
    [InlineData("in_transit", ParcelStatus.InTransit)]
    [InlineData("out_for_delivery", ParcelStatus.OutForDelivery)]
    [InlineData("available_for_pickup", ParcelStatus.OutForDelivery)]
    [InlineData("delivered", ParcelStatus.Delivered)]
    [InlineData("return_to_sender", ParcelStatus.ReturnedToSender)]
    [InlineData("failure", ParcelStatus.Exception)]
    [InlineData("cancelled", ParcelStatus.Exception)]
    public void Each_status_maps_to_its_parcel_status(string status, ParcelStatus parcel) =>
        Assert.Equal(parcel, EasyPostCarrier.Map(status));

    [Theory]
    [InlineData("unknown")]
    [InlineData("error")]
    [InlineData("some_status_added_later")]
    public void Statuses_the_engine_does_not_track_are_left_out(string status)
    {
        Assert.Null(EasyPostCarrier.Map(status));
        var body = Utf8($$$"""{"id":"evt_1","description":"tracker.updated","result":{"object":"Tracker","tracking_code":"T1","tracking_details":[{"status":"{{{status}}}","datetime":"?"}]}}""");
        Assert.Empty(Carrier.Parse(body));
    }

    [Theory]
    [InlineData("batch.created")]
    [InlineData("refund.successful")]
    public void An_event_about_something_else_than_a_tracker_gives_no_update(string description) =>
        Assert.Empty(Carrier.Parse(Utf8($$$"""{"id":"evt_1","object":"Event","description":"{{{description}}}","result":{"id":"batch_1","object":"Batch"}}""")));

    public static TheoryData<string, string> BadBodies => new()
    {
        { "{\"id\":", "not JSON" },
        { "\"tracker.updated\"", "JSON object" },
        { """{"id":"evt_1","result":{"object":"Tracker","tracking_code":"T1"}}""", "description is missing" },
        { """{"id":"evt_1","description":"tracker.updated"}""", "result is missing or not an object" },
        { """{"id":"evt_1","description":"tracker.updated","result":[]}""", "result is missing or not an object" },
        { """{"id":"evt_1","description":"tracker.updated","result":{"object":"Shipment","tracking_code":"T1"}}""", "result.object is 'Shipment'" },
        { """{"id":"evt_1","description":"tracker.updated","result":{"object":"Tracker"}}""", "result.tracking_code is missing" },
        { """{"id":"evt_1","description":"tracker.updated","result":{"object":"Tracker","tracking_code":"T1","tracking_details":"none"}}""", "result.tracking_details must be an array" },
        { """{"id":"evt_1","description":"tracker.updated","result":{"object":"Tracker","tracking_code":"T1","tracking_details":[null]}}""", "result.tracking_details[0] must be a JSON object" },
        { """{"id":"evt_1","description":"tracker.updated","result":{"object":"Tracker","tracking_code":"T1","tracking_details":[{"datetime":"2026-12-01T10:00:00Z"}]}}""", "result.tracking_details[0].status is missing" },
        { """{"id":"evt_1","description":"tracker.updated","result":{"object":"Tracker","tracking_code":"T1","tracking_details":[{"status":"unknown"},{"status":"in_transit"}]}}""", "result.tracking_details[1].datetime is missing" },
        { """{"id":"evt_1","description":"tracker.updated","result":{"object":"Tracker","tracking_code":"T1","tracking_details":[{"status":"in_transit","datetime":"Dec 1 2026"}]}}""", "result.tracking_details[0].datetime 'Dec 1 2026' is not an ISO-8601" },
        { """{"id":"evt_1","description":"tracker.updated","result":{"object":"Tracker","tracking_code":"T1","tracking_details":[{"status":"in_transit","datetime":"2026-12-01T10:00:00Z","tracking_location":"Memphis"}]}}""", "result.tracking_details[0].tracking_location must be a JSON object" },
        { """{"id":"evt_1","description":"tracker.updated","result":{"object":"Tracker","tracking_code":"T1","tracking_details":[{"status":"in_transit","datetime":"2026-12-01T10:00:00Z","tracking_location":{"zip":38118}}]}}""", "result.tracking_details[0].tracking_location.zip must be a string" },
        { """{"id":"evt_1","description":"tracker.updated","result":{"object":"Tracker","tracking_code":"T1","est_delivery_date":"tomorrow"}}""", "result.est_delivery_date 'tomorrow' is not an ISO-8601" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public void A_bad_body_is_refused_naming_the_field(string body, string message)
    {
        var e = Assert.Throws<FormatException>(() => Carrier.Parse(Utf8(body)));
        Assert.Contains(message, e.Message);
    }
}
