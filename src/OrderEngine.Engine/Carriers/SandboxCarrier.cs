using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using OrderEngine.Domain.Shipments;
using OrderEngine.Engine.Payments;

using OrderEngine.Domain;

namespace OrderEngine.Engine.Carriers;

/// <summary>
/// A carrier shaped like the real ones, for trying OrderEngine out and for tests. Webhooks carry the header
/// <c>Sandbox-Carrier-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256(secret, t + "." + raw body)&gt;</c> and a JSON
/// body that is one event or an array of events:
/// <c>{"id": "evt_…", "trackingNumber": "…", "status": "inTransit", "occurredAt": "2026-12-04T09:30:00Z",
/// "eta": "2026-12-05T18:00:00Z"?, "location": "…"?, "description": "…"?}</c>.
/// </summary>
public sealed class SandboxCarrier(string secret, TimeSpan tolerance) : ICarrier
{
    public const string CarrierName = "sandbox";
    public const string SignatureHeader = "Sandbox-Carrier-Signature";

    /// <summary>The body's status words and what they mean.</summary>
    public static readonly IReadOnlyDictionary<string, ParcelStatus> Statuses = new Dictionary<string, ParcelStatus>(StringComparer.Ordinal)
    {
        ["labelCreated"] = ParcelStatus.LabelCreated,
        ["inTransit"] = ParcelStatus.InTransit,
        ["outForDelivery"] = ParcelStatus.OutForDelivery,
        ["failedAttempt"] = ParcelStatus.FailedAttempt,
        ["delivered"] = ParcelStatus.Delivered,
        ["returnedToSender"] = ParcelStatus.ReturnedToSender,
        ["exception"] = ParcelStatus.Exception,
    };

    private readonly byte[] _secret = Encoding.UTF8.GetBytes(secret);

    public string Name => CarrierName;

    public WebhookCheck Verify(Func<string, string?> header, ReadOnlySpan<byte> body, DateTimeOffset now) =>
        TimestampedHmac.Problem(SignatureHeader, header(SignatureHeader), body, _secret, now, tolerance) is { } problem
            ? WebhookCheck.Fail(problem)
            : WebhookCheck.Ok;

    /// <summary>The v1 signature of a body sent at unix time <paramref name="timestamp"/>.</summary>
    public byte[] Sign(string timestamp, ReadOnlySpan<byte> body) => TimestampedHmac.Sign(_secret, timestamp, body);

    /// <summary>A complete header value for a body sent at <paramref name="at"/> (what the sandbox carrier would send).</summary>
    public string SignatureFor(ReadOnlySpan<byte> body, DateTimeOffset at) => TimestampedHmac.HeaderFor(_secret, body, at);

    public IReadOnlyList<TrackingUpdate> Parse(ReadOnlySpan<byte> body)
    {
        using var doc = CarrierJson.Parse(body);
        var root = doc.RootElement;
        switch (root.ValueKind)
        {
            case JsonValueKind.Object:
                return [Event(root, "")];
            case JsonValueKind.Array:
                var updates = root.EnumerateArray().Select((e, i) => e.ValueKind == JsonValueKind.Object
                    ? Event(e, $"[{i}]")
                    : throw new FormatException($"[{i}] must be a JSON object")).ToList();
                if (updates.Count == 0) throw new FormatException("the body is an empty array; send at least one event");
                return updates.OrderBy(u => u.OccurredAt).ToList();
            default:
                throw new FormatException("the body must be a JSON object (one event) or an array of events");
        }
    }

    private static TrackingUpdate Event(JsonElement e, string path)
    {
        var id = CarrierJson.Identifier(e, "id", path);
        var trackingNumber = CarrierJson.Identifier(e, "trackingNumber", path);
        var word = CarrierJson.Text(e, "status", path);
        if (!Statuses.TryGetValue(word, out var status))
            throw new FormatException($"{CarrierJson.Join(path, "status")} '{CarrierJson.Cut(word, 40)}' is not one of {string.Join(", ", Statuses.Keys)}");
        var occurredAt = CarrierJson.Instant(CarrierJson.Text(e, "occurredAt", path), CarrierJson.Join(path, "occurredAt"), offsetOptional: false);
        var eta = CarrierJson.OptionalInstant(e, "eta", path, offsetOptional: false);
        return new TrackingUpdate(trackingNumber, id, status, occurredAt, eta,
            CarrierJson.Cut(CarrierJson.OptionalText(e, "location", path)),
            CarrierJson.Cut(CarrierJson.OptionalText(e, "description", path)));
    }
}
