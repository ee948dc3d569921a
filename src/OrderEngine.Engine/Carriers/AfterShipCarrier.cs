using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using OrderEngine.Domain.Shipments;
using OrderEngine.Engine.Payments;

namespace OrderEngine.Engine.Carriers;

/// <summary>
/// Tracking through AfterShip's tracking webhooks. The header <c>aftership-hmac-sha256</c> is the base64 HMAC-SHA256 of the
/// raw body keyed with the webhook secret; nothing else is signed, so there is no timestamp to refuse a replay by (a
/// replay repeats event ids the parcel already has, and changes nothing). The body is
/// <c>{"event": "tracking_update" | "edd_revise" | "tracking_pending_time", "event_id": "…", "msg": {tracking}, "ts": …}</c>
/// where the tracking carries <c>tracking_number</c>, <c>tag</c>/<c>subtag</c>, the estimates and every checkpoint so far.
/// Each checkpoint is one update (see <see cref="Map"/>); the estimate is one more.
/// </summary>
public sealed class AfterShipCarrier(string secret) : ICarrier
{
    public const string CarrierName = "aftership";
    public const string SignatureHeader = "aftership-hmac-sha256";

    /// <summary>The events whose <c>msg</c> is a tracking; any other event is left out.</summary>
    public static readonly IReadOnlySet<string> TrackingEvents = new HashSet<string>(StringComparer.Ordinal) { "tracking_update", "edd_revise", "tracking_pending_time" };

    private readonly byte[] _secret = Encoding.UTF8.GetBytes(secret);

    public string Name => CarrierName;

    public WebhookCheck Verify(Func<string, string?> header, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        var value = header(SignatureHeader)?.Trim();
        if (string.IsNullOrEmpty(value)) return WebhookCheck.Fail($"the {SignatureHeader} header is missing");
        var given = new byte[32];
        if (!Convert.TryFromBase64String(value, given, out var written) || written != given.Length)
            return WebhookCheck.Fail($"the {SignatureHeader} header is not a base64 HMAC-SHA256");
        return CryptographicOperations.FixedTimeEquals(given, Sign(body)) ? WebhookCheck.Ok : WebhookCheck.Fail("the signature does not match");
    }

    /// <summary>HMAC-SHA256 of the raw body with the secret.</summary>
    public byte[] Sign(ReadOnlySpan<byte> body) => HMACSHA256.HashData(_secret, body);

    /// <summary>The header value AfterShip would send for a body.</summary>
    public string SignatureFor(ReadOnlySpan<byte> body) => Convert.ToBase64String(Sign(body));

    /// <summary>
    /// An AfterShip tag (and subtag) as a parcel status; null for those left out: Pending (no carrier information yet),
    /// Expired (no news for 30 days: not a carrier event) and any tag added later.
    /// </summary>
    public static ParcelStatus? Map(string tag, string? subtag) => tag switch
    {
        "InfoReceived" => ParcelStatus.LabelCreated,
        "InTransit" => ParcelStatus.InTransit,
        "OutForDelivery" => ParcelStatus.OutForDelivery,
        // Waiting at a pickup point: the last step before the customer has it, as out for delivery is.
        "AvailableForPickup" => ParcelStatus.OutForDelivery,
        "AttemptFail" => ParcelStatus.FailedAttempt,
        "Delivered" => ParcelStatus.Delivered,
        // Exception_010 returning to sender, Exception_011 returned to sender.
        "Exception" when subtag is "Exception_010" or "Exception_011" => ParcelStatus.ReturnedToSender,
        "Exception" => ParcelStatus.Exception,
        _ => null,
    };

    public IReadOnlyList<TrackingUpdate> Parse(ReadOnlySpan<byte> body)
    {
        using var doc = CarrierJson.Parse(body);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new FormatException("the body must be a JSON object");
        var kind = CarrierJson.Text(root, "event", "");
        if (!TrackingEvents.Contains(kind)) return [];
        var msg = CarrierJson.Object(root, "msg", "");
        var trackingNumber = CarrierJson.Identifier(msg, "tracking_number", "msg");
        var checkpoints = new List<TrackingHistory.Checkpoint>();
        var i = 0;
        foreach (var cp in CarrierJson.OptionalArray(msg, "checkpoints", "msg"))
        {
            var path = $"msg.checkpoints[{i++}]";
            if (cp.ValueKind != JsonValueKind.Object) throw new FormatException($"{path} must be a JSON object");
            if (Map(CarrierJson.Text(cp, "tag", path), CarrierJson.OptionalText(cp, "subtag", path)) is not { } status) continue;
            var occurredAt = CarrierJson.Instant(CarrierJson.Text(cp, "checkpoint_time", path), path + ".checkpoint_time", offsetOptional: true);
            checkpoints.Add(new TrackingHistory.Checkpoint(status, occurredAt, Location(cp, path),
                CarrierJson.Cut(CarrierJson.OptionalText(cp, "message", path) ?? CarrierJson.OptionalText(cp, "subtag_message", path))));
        }
        return TrackingHistory.Updates(CarrierName, trackingNumber, checkpoints, Estimate(msg));
    }

    /// <summary>
    /// The newest estimate: latest_estimated_delivery (the end of its range when it is one), else the carrier's, else
    /// AfterShip's own, else the older expected_delivery.
    /// </summary>
    private static DateTimeOffset? Estimate(JsonElement msg) =>
        Range(msg, "latest_estimated_delivery", "datetime", "datetime_max")
        ?? Range(msg, "courier_estimated_delivery_date", "estimated_delivery_date", "estimated_delivery_date_max")
        ?? Range(msg, "aftership_estimated_delivery_date", "estimated_delivery_date", "estimated_delivery_date_max")
        ?? CarrierJson.OptionalInstant(msg, "expected_delivery", "msg", offsetOptional: true);

    private static DateTimeOffset? Range(JsonElement msg, string name, string value, string upper) =>
        Nested(msg, name) is { } e
            ? CarrierJson.OptionalInstant(e, value, "msg." + name, offsetOptional: true) ?? CarrierJson.OptionalInstant(e, upper, "msg." + name, offsetOptional: true)
            : null;

    private static JsonElement? Nested(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? v : null;

    /// <summary>City, state, postal code and country when the checkpoint has them, else its free-text location.</summary>
    private static string? Location(JsonElement cp, string path) =>
        CarrierJson.JoinParts(
            CarrierJson.OptionalText(cp, "city", path),
            CarrierJson.OptionalText(cp, "state", path),
            CarrierJson.OptionalText(cp, "postal_code", path) ?? CarrierJson.OptionalText(cp, "zip", path),
            CarrierJson.OptionalText(cp, "country_region", path) ?? CarrierJson.OptionalText(cp, "country_iso3", path))
        ?? CarrierJson.Cut(CarrierJson.OptionalText(cp, "location", path));
}
