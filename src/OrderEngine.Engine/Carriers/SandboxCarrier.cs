using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using OrderEngine.Domain.Shipments;
using OrderEngine.Engine.Payments;

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

    public WebhookCheck Verify(Func<string, string?> header, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        var value = header(SignatureHeader);
        if (string.IsNullOrWhiteSpace(value)) return WebhookCheck.Fail($"the {SignatureHeader} header is missing");
        string? t = null;
        var signatures = new List<string>();
        foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0) continue;
            var (key, v) = (part[..eq], part[(eq + 1)..]);
            if (key == "t") t = v;
            else if (key == "v1") signatures.Add(v);
        }
        if (t is null || !long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
            return WebhookCheck.Fail($"the {SignatureHeader} header has no timestamp t=<unix seconds>");
        if (signatures.Count == 0) return WebhookCheck.Fail($"the {SignatureHeader} header has no v1 signature");
        var sentAt = DateTimeOffset.FromUnixTimeSeconds(seconds);
        if ((now - sentAt).Duration() > tolerance)
            return WebhookCheck.Fail($"the webhook's timestamp {sentAt:O} is more than {tolerance} away from now; refused as a possible replay");
        var expected = Sign(t, body);
        foreach (var candidate in signatures)
        {
            byte[] given;
            try { given = Convert.FromHexString(candidate); }
            catch (FormatException) { continue; }
            if (CryptographicOperations.FixedTimeEquals(given, expected)) return WebhookCheck.Ok;
        }
        return WebhookCheck.Fail("the signature does not match");
    }

    /// <summary>The v1 signature of a body sent at unix time <paramref name="timestamp"/>.</summary>
    public byte[] Sign(string timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp + ".");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return HMACSHA256.HashData(_secret, message);
    }

    /// <summary>A complete header value for a body sent at <paramref name="at"/> (what the sandbox carrier would send).</summary>
    public string SignatureFor(ReadOnlySpan<byte> body, DateTimeOffset at)
    {
        var t = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"t={t},v1={Convert.ToHexStringLower(Sign(t, body))}";
    }

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
