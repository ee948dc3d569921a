using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using OrderEngine.Domain.Shipments;
using OrderEngine.Engine.Payments;

namespace OrderEngine.Engine.Carriers;

/// <summary>
/// Tracking through EasyPost's tracker webhooks. The header <c>X-Hmac-Signature: hmac-sha256-hex=&lt;hex&gt;</c> is the
/// HMAC-SHA256 of the raw body keyed with the webhook secret (NFKD-normalised, UTF-8, as EasyPost's client libraries do);
/// nothing else is signed, so there is no timestamp to refuse a replay by (a replay repeats event ids the parcel already
/// has, and changes nothing). The body is an Event <c>{"id": "evt_…", "object": "Event", "description": "tracker.updated",
/// "result": {Tracker}}</c>; the Tracker carries <c>tracking_code</c>, <c>status</c>, <c>est_delivery_date</c> and every
/// <c>tracking_details</c> entry so far. Each entry is one update (see <see cref="Map"/>); the estimate is one more.
/// </summary>
public sealed class EasyPostCarrier(string secret) : ICarrier
{
    public const string CarrierName = "easypost";
    public const string SignatureHeader = "X-Hmac-Signature";
    public const string SignaturePrefix = "hmac-sha256-hex=";

    /// <summary>The events whose result is a Tracker; any other event (batches, refunds, …) is left out.</summary>
    public static readonly IReadOnlySet<string> TrackerEvents = new HashSet<string>(StringComparer.Ordinal) { "tracker.created", "tracker.updated" };

    private readonly byte[] _secret = Encoding.UTF8.GetBytes(Normalized(secret));

    public string Name => CarrierName;

    public WebhookCheck Verify(Func<string, string?> header, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        var value = header(SignatureHeader)?.Trim();
        if (string.IsNullOrEmpty(value)) return WebhookCheck.Fail($"the {SignatureHeader} header is missing");
        if (!value.StartsWith(SignaturePrefix, StringComparison.OrdinalIgnoreCase))
            return WebhookCheck.Fail($"the {SignatureHeader} header does not start with {SignaturePrefix}");
        var hex = value[SignaturePrefix.Length..];
        byte[] given;
        try { given = Convert.FromHexString(hex); }
        catch (FormatException) { return WebhookCheck.Fail($"the {SignatureHeader} header's signature is not hexadecimal"); }
        return CryptographicOperations.FixedTimeEquals(given, Sign(body)) ? WebhookCheck.Ok : WebhookCheck.Fail("the signature does not match");
    }

    /// <summary>HMAC-SHA256 of the raw body with the normalised secret.</summary>
    public byte[] Sign(ReadOnlySpan<byte> body) => HMACSHA256.HashData(_secret, body);

    /// <summary>The header value EasyPost would send for a body.</summary>
    public string SignatureFor(ReadOnlySpan<byte> body) => SignaturePrefix + Convert.ToHexStringLower(Sign(body));

    /// <summary>
    /// An EasyPost tracker status as a parcel status; null for those left out: unknown (the carrier has nothing yet),
    /// error (EasyPost could not get tracking from the carrier: not a parcel event) and any status added later.
    /// </summary>
    public static ParcelStatus? Map(string status) => status switch
    {
        "pre_transit" => ParcelStatus.LabelCreated,
        "in_transit" => ParcelStatus.InTransit,
        "out_for_delivery" => ParcelStatus.OutForDelivery,
        // Waiting at a carrier location: the last step before the customer has it, as out for delivery is.
        "available_for_pickup" => ParcelStatus.OutForDelivery,
        "delivered" => ParcelStatus.Delivered,
        "return_to_sender" => ParcelStatus.ReturnedToSender,
        // failure covers undeliverable, damaged, weather holds; cancelled means the label will not travel: a person should look.
        "failure" or "cancelled" => ParcelStatus.Exception,
        _ => null,
    };

    public IReadOnlyList<TrackingUpdate> Parse(ReadOnlySpan<byte> body)
    {
        using var doc = CarrierJson.Parse(body);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new FormatException("the body must be a JSON object");
        var description = CarrierJson.Text(root, "description", "");
        if (!TrackerEvents.Contains(description)) return [];
        var tracker = CarrierJson.Object(root, "result", "");
        if (CarrierJson.OptionalText(tracker, "object", "result") is { } kind && kind != "Tracker")
            throw new FormatException($"result.object is '{CarrierJson.Cut(kind, 40)}' where a {description} event carries a Tracker");
        var trackingNumber = CarrierJson.Identifier(tracker, "tracking_code", "result");
        var checkpoints = new List<TrackingHistory.Checkpoint>();
        var i = 0;
        foreach (var detail in CarrierJson.OptionalArray(tracker, "tracking_details", "result"))
        {
            var path = $"result.tracking_details[{i++}]";
            if (detail.ValueKind != JsonValueKind.Object) throw new FormatException($"{path} must be a JSON object");
            if (Map(CarrierJson.Text(detail, "status", path)) is not { } status) continue;
            var occurredAt = CarrierJson.Instant(CarrierJson.Text(detail, "datetime", path), path + ".datetime", offsetOptional: true);
            checkpoints.Add(new TrackingHistory.Checkpoint(status, occurredAt, Location(detail, path),
                CarrierJson.Cut(CarrierJson.OptionalText(detail, "message", path) ?? CarrierJson.OptionalText(detail, "description", path))));
        }
        var estimate = CarrierJson.OptionalInstant(tracker, "est_delivery_date", "result", offsetOptional: true);
        return TrackingHistory.Updates(CarrierName, trackingNumber, checkpoints, estimate);
    }

    private static string? Location(JsonElement detail, string path)
    {
        if (!detail.TryGetProperty("tracking_location", out var at) || at.ValueKind == JsonValueKind.Null) return null;
        if (at.ValueKind != JsonValueKind.Object) throw new FormatException($"{path}.tracking_location must be a JSON object");
        var p = path + ".tracking_location";
        return CarrierJson.JoinParts(
            CarrierJson.OptionalText(at, "city", p), CarrierJson.OptionalText(at, "state", p),
            CarrierJson.OptionalText(at, "zip", p), CarrierJson.OptionalText(at, "country", p));
    }

    /// <summary>
    /// Whether this runtime can put text in Unicode compatibility decomposition (it cannot with invariant globalisation,
    /// which OrderEngine builds with).
    /// </summary>
    public static bool CanNormalize { get; } = Probe();

    /// <summary>
    /// The secret in Unicode compatibility decomposition, as EasyPost's libraries key the HMAC with. An ASCII secret is
    /// its own decomposition; another one is refused where the runtime cannot decompose it, as every webhook would
    /// otherwise fail to verify for no visible reason.
    /// </summary>
    private static string Normalized(string secret)
    {
        if (secret.All(char.IsAscii)) return secret;
        if (!CanNormalize)
            throw new ArgumentException("the EasyPost webhook secret has non-ASCII characters, which this node cannot normalise as EasyPost does; use an ASCII secret", nameof(secret));
        return secret.Normalize(NormalizationForm.FormKD);
    }

    private static bool Probe()
    {
        try { return "\uFB01".Normalize(NormalizationForm.FormKD) == "fi"; }
        catch (PlatformNotSupportedException) { return false; }
    }
}
