using OrderEngine.Domain.Shipments;
using OrderEngine.Engine.Carriers;
using static OrderEngine.Engine.Tests.CarrierTestKit;

namespace OrderEngine.Engine.Tests;

public sealed class SandboxCarrierTests
{
    private const string Secret = "sandbox_carrier_secret";
    private static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);
    private static readonly SandboxCarrier Carrier = new(Secret, Tolerance);
    private static readonly byte[] Body = Sample("sandbox-in-transit.json");

    private static Engine.Payments.WebhookCheck Verify(string? header, byte[]? body = null, DateTimeOffset? now = null) =>
        Carrier.Verify(Headers((SandboxCarrier.SignatureHeader, header)), body ?? Body, now ?? Now);

    [Fact]
    public void A_body_signed_now_with_the_secret_is_accepted() =>
        Assert.True(Verify(SandboxHeader(Secret, Body, Now)).Valid);

    [Fact]
    public void The_header_the_sandbox_signs_is_the_documented_one() =>
        Assert.Equal(SandboxHeader(Secret, Body, Now), Carrier.SignatureFor(Body, Now));

    [Fact]
    public void The_vector_of_the_docs_curl_example_computed_with_openssl_verifies()
    {
        // docs/carriers.md: secret dev-carrier-secret, t=1796378400, signed with `openssl dgst -sha256 -hmac`.
        var body = Utf8("""{"id":"evt_sbx_0001","trackingNumber":"SBX100200300","status":"inTransit","occurredAt":"2026-12-03T09:30:00Z","eta":"2026-12-05T18:00:00Z","location":"Leipzig hub, DE","description":"Departed sorting centre"}""");
        var carrier = new SandboxCarrier("dev-carrier-secret", Tolerance);
        var header = "t=1796378400,v1=8110235a434e66954b3b82f11dbd27e31fc3160ec7377f72ead5a788bbfb8421";
        Assert.True(carrier.Verify(Headers((SandboxCarrier.SignatureHeader, header)), body, DateTimeOffset.FromUnixTimeSeconds(1796378400)).Valid);
    }

    [Fact]
    public void The_header_name_is_read_case_insensitively() =>
        Assert.True(Carrier.Verify(Headers(("sandbox-carrier-signature", SandboxHeader(Secret, Body, Now))), Body, Now).Valid);

    [Fact]
    public void A_body_signed_with_another_secret_is_refused()
    {
        var check = Verify(SandboxHeader("another_secret", Body, Now));
        Assert.False(check.Valid);
        Assert.Contains("does not match", check.Problem);
    }

    [Fact]
    public void A_body_changed_after_signing_is_refused()
    {
        var tampered = Utf8(System.Text.Encoding.UTF8.GetString(Body).Replace("inTransit", "delivered"));
        Assert.False(Verify(SandboxHeader(Secret, Body, Now), tampered).Valid);
    }

    [Theory]
    [InlineData(-301)]
    [InlineData(301)]
    [InlineData(-86_400)]
    public void A_timestamp_further_than_the_tolerance_from_now_is_refused_as_a_replay(int seconds)
    {
        var check = Verify(SandboxHeader(Secret, Body, Now.AddSeconds(seconds)));
        Assert.False(check.Valid);
        Assert.Contains("replay", check.Problem);
    }

    [Theory]
    [InlineData(-299)]
    [InlineData(299)]
    public void A_timestamp_within_the_tolerance_is_accepted(int seconds) =>
        Assert.True(Verify(SandboxHeader(Secret, Body, Now.AddSeconds(seconds))).Valid);

    [Theory]
    [InlineData(null, "missing")]
    [InlineData("", "missing")]
    [InlineData("garbage", "timestamp")]
    [InlineData("v1=00ff", "timestamp")]
    [InlineData("t=abc,v1=00ff", "timestamp")]
    [InlineData("t=-5,v1=00ff", "timestamp")]
    [InlineData("t=99999999999999999999,v1=00ff", "timestamp")]
    [InlineData("t=1796378400", "no v1")]
    [InlineData("t=1796378400,v1=not-hex", "does not match")]
    [InlineData("t=1796378400,v0=00ff", "no v1")]
    public void A_missing_or_malformed_header_is_refused_without_throwing(string? header, string problem)
    {
        var check = Verify(header);
        Assert.False(check.Valid);
        Assert.Contains(problem, check.Problem);
    }

    [Fact]
    public void One_good_signature_among_several_is_enough_as_when_a_secret_is_rotated()
    {
        var good = SandboxHeader(Secret, Body, Now);
        var t = good.Split(',')[0];
        Assert.True(Verify($"{t},v1={new string('0', 64)},{good.Split(',')[1]}").Valid);
    }

    [Fact]
    public void An_event_is_read_with_its_eta_location_and_description()
    {
        var update = Assert.Single(Carrier.Parse(Body));
        Assert.Equal(new TrackingUpdate("SBX100200300", "evt_sbx_0001", ParcelStatus.InTransit,
            new DateTimeOffset(2026, 12, 3, 9, 30, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 5, 18, 0, 0, TimeSpan.Zero),
            "Leipzig hub, DE", "Departed sorting centre"), update);
    }

    [Theory]
    [InlineData("labelCreated", ParcelStatus.LabelCreated)]
    [InlineData("inTransit", ParcelStatus.InTransit)]
    [InlineData("outForDelivery", ParcelStatus.OutForDelivery)]
    [InlineData("failedAttempt", ParcelStatus.FailedAttempt)]
    [InlineData("delivered", ParcelStatus.Delivered)]
    [InlineData("returnedToSender", ParcelStatus.ReturnedToSender)]
    [InlineData("exception", ParcelStatus.Exception)]
    public void Each_status_word_maps_to_its_parcel_status(string word, ParcelStatus status)
    {
        var body = Utf8($$"""{"id":"evt_1","trackingNumber":"T1","status":"{{word}}","occurredAt":"2026-12-03T09:30:00Z"}""");
        var update = Assert.Single(Carrier.Parse(body));
        Assert.Equal(status, update.Status);
        Assert.Null(update.EstimatedDelivery);
        Assert.Null(update.Location);
    }

    [Fact]
    public void Every_parcel_status_has_a_status_word() =>
        Assert.Equal(Enum.GetValues<ParcelStatus>().Order(), SandboxCarrier.Statuses.Values.Order());

    [Fact]
    public void A_batch_is_read_oldest_first_keeping_each_events_id_and_offset()
    {
        var updates = Carrier.Parse(Sample("sandbox-batch.json"));
        Assert.Equal(["evt_sbx_0010", "evt_sbx_0011", "evt_sbx_0012"], updates.Select(u => u.EventId));
        Assert.Equal([ParcelStatus.LabelCreated, ParcelStatus.OutForDelivery, ParcelStatus.Delivered], updates.Select(u => u.Status));
        Assert.Equal(new DateTimeOffset(2026, 12, 4, 6, 5, 0, TimeSpan.Zero), updates[1].OccurredAt);
    }

    [Fact]
    public void The_same_payload_read_twice_gives_the_same_event_ids() =>
        Assert.Equal(Carrier.Parse(Sample("sandbox-batch.json")).Select(u => u.EventId), Carrier.Parse(Sample("sandbox-batch.json")).Select(u => u.EventId));

    public static TheoryData<string, string> BadBodies => new()
    {
        { "not json", "not JSON" },
        { "", "not JSON" },
        { "42", "JSON object" },
        { "[]", "empty array" },
        { "[1]", "[0] must be a JSON object" },
        { """{"trackingNumber":"T1","status":"inTransit","occurredAt":"2026-12-03T09:30:00Z"}""", "id is missing" },
        { """{"id":7,"trackingNumber":"T1","status":"inTransit","occurredAt":"2026-12-03T09:30:00Z"}""", "id is missing or not a string" },
        { """{"id":"  ","trackingNumber":"T1","status":"inTransit","occurredAt":"2026-12-03T09:30:00Z"}""", "id is missing" },
        { """{"id":"evt_1","status":"inTransit","occurredAt":"2026-12-03T09:30:00Z"}""", "trackingNumber is missing" },
        { $$"""{"id":"evt_1","trackingNumber":"{{new string('9', 129)}}","status":"inTransit","occurredAt":"2026-12-03T09:30:00Z"}""", "trackingNumber is longer than 128" },
        { """{"id":"evt_1","trackingNumber":"T\u00011","status":"inTransit","occurredAt":"2026-12-03T09:30:00Z"}""", "trackingNumber contains control characters" },
        { """{"id":"evt_1","trackingNumber":"T1","occurredAt":"2026-12-03T09:30:00Z"}""", "status is missing" },
        { """{"id":"evt_1","trackingNumber":"T1","status":"lost","occurredAt":"2026-12-03T09:30:00Z"}""", "status 'lost' is not one of" },
        { """{"id":"evt_1","trackingNumber":"T1","status":"InTransit","occurredAt":"2026-12-03T09:30:00Z"}""", "status 'InTransit' is not one of" },
        { """{"id":"evt_1","trackingNumber":"T1","status":"inTransit"}""", "occurredAt is missing" },
        { """{"id":"evt_1","trackingNumber":"T1","status":"inTransit","occurredAt":"yesterday"}""", "occurredAt 'yesterday' is not an ISO-8601" },
        { """{"id":"evt_1","trackingNumber":"T1","status":"inTransit","occurredAt":"2026-12-03T09:30:00"}""", "occurredAt '2026-12-03T09:30:00' has no UTC offset" },
        { """{"id":"evt_1","trackingNumber":"T1","status":"inTransit","occurredAt":"2026-02-30T09:30:00Z"}""", "occurredAt '2026-02-30T09:30:00Z' is not a valid" },
        { """{"id":"evt_1","trackingNumber":"T1","status":"inTransit","occurredAt":1796378400}""", "occurredAt is missing or not a string" },
        { """{"id":"evt_1","trackingNumber":"T1","status":"inTransit","occurredAt":"2026-12-03T09:30:00Z","eta":"soon"}""", "eta 'soon' is not an ISO-8601" },
        { """{"id":"evt_1","trackingNumber":"T1","status":"inTransit","occurredAt":"2026-12-03T09:30:00Z","location":{"city":"Leipzig"}}""", "location must be a string" },
        { """{"id":"evt_1","trackingNumber":"T1","status":"inTransit","occurredAt":"2026-12-03T09:30:00Z","description":false}""", "description must be a string" },
        { """[{"id":"evt_1","trackingNumber":"T1","status":"inTransit","occurredAt":"2026-12-03T09:30:00Z"},{"trackingNumber":"T1","status":"delivered","occurredAt":"2026-12-04T09:30:00Z"}]""", "[1].id is missing" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public void A_bad_body_is_refused_naming_the_field(string body, string message)
    {
        var e = Assert.Throws<FormatException>(() => Carrier.Parse(Utf8(body)));
        Assert.Contains(message, e.Message);
    }
}
