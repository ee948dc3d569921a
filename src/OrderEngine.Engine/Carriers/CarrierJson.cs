using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using OrderEngine.Domain.Shipments;

namespace OrderEngine.Engine.Carriers;

/// <summary>Reading carrier webhook bodies: fields by path, so a <see cref="FormatException"/> names the field that is wrong.</summary>
internal static partial class CarrierJson
{
    /// <summary>Longest tracking number or event id accepted: real ones are under 40 characters, and they are stored.</summary>
    public const int MaxIdLength = 128;

    /// <summary>Longest location or description kept; a longer carrier message is cut, not refused.</summary>
    public const int MaxTextLength = 500;

    public static JsonDocument Parse(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
            return JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException e)
        {
            throw new FormatException("the body is not JSON: " + e.Message, e);
        }
    }

    public static JsonElement Object(JsonElement e, string name, string path)
    {
        if (!e.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.Object)
            throw new FormatException($"{Join(path, name)} is missing or not an object");
        return v;
    }

    /// <summary>An array, or an empty one when the field is absent or null.</summary>
    public static IEnumerable<JsonElement> OptionalArray(JsonElement e, string name, string path)
    {
        if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return [];
        if (v.ValueKind != JsonValueKind.Array) throw new FormatException($"{Join(path, name)} must be an array");
        return v.EnumerateArray();
    }

    public static string Text(JsonElement e, string name, string path)
    {
        if (e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(v.GetString()))
            return v.GetString()!.Trim();
        throw new FormatException($"{Join(path, name)} is missing or not a string");
    }

    /// <summary>A string, or null when absent, null or blank; any other kind of value is an error.</summary>
    public static string? OptionalText(JsonElement e, string name, string path)
    {
        if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.String) throw new FormatException($"{Join(path, name)} must be a string");
        var s = v.GetString()!.Trim();
        return s.Length == 0 ? null : s;
    }

    /// <summary>An identifier that will be stored and looked up: bounded, no control characters.</summary>
    public static string Identifier(JsonElement e, string name, string path)
    {
        var s = Text(e, name, path);
        if (s.Length > MaxIdLength) throw new FormatException($"{Join(path, name)} is longer than {MaxIdLength} characters");
        if (s.Any(char.IsControl)) throw new FormatException($"{Join(path, name)} contains control characters");
        return s;
    }

    /// <summary>
    /// An ISO-8601 instant. Without a UTC offset it is read as UTC when <paramref name="offsetOptional"/> (some carriers
    /// report local time without a zone); a date alone is that day at 00:00 UTC.
    /// </summary>
    public static DateTimeOffset Instant(string text, string field, bool offsetOptional)
    {
        var m = IsoInstant().Match(text);
        if (!m.Success) throw new FormatException($"{field} '{Cut(text, 40)}' is not an ISO-8601 date-time");
        var hasOffset = m.Groups["offset"].Success;
        var hasTime = m.Groups["time"].Success;
        if (hasTime && !hasOffset && !offsetOptional) throw new FormatException($"{field} '{text}' has no UTC offset (end it with Z or ±hh:mm)");
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
            throw new FormatException($"{field} '{Cut(text, 40)}' is not a valid date-time");
        return value;
    }

    public static DateTimeOffset? OptionalInstant(JsonElement e, string name, string path, bool offsetOptional)
    {
        var text = OptionalText(e, name, path);
        return text is null ? null : Instant(text, Join(path, name), offsetOptional);
    }

    /// <summary>Non-empty parts joined by ", ", cut to <see cref="MaxTextLength"/>; null when there is none.</summary>
    public static string? JoinParts(params string?[] parts)
    {
        var joined = string.Join(", ", parts.Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => p!.Trim()));
        return joined.Length == 0 ? null : Cut(joined, MaxTextLength);
    }

    public static string? Cut(string? text, int max = MaxTextLength) =>
        text is null ? null : text.Length <= max ? text : text[..max];

    public static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}(?<time>[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(?<offset>Z|z|[+-]\d{2}(:?\d{2})?)?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoInstant();
}

/// <summary>
/// Turns a carrier's tracking history (a list of checkpoints, none with an id of its own) into updates whose ids are the
/// same on every delivery that repeats the checkpoint, plus one update for the delivery estimate.
/// </summary>
internal static class TrackingHistory
{
    /// <summary>One checkpoint of a carrier, its status already mapped.</summary>
    public sealed record Checkpoint(ParcelStatus Status, DateTimeOffset OccurredAt, string? Location, string? Description);

    /// <summary>
    /// The checkpoints oldest first, one update each (ids derived from tracking number, status and time; two checkpoints
    /// alike in all three are one event). When the carrier gives an estimate and the parcel is not at a final status, one
    /// more update carries it: the newest status again, at the newest checkpoint's time, with an id derived from the
    /// estimate, so it is recorded once per distinct estimate however many deliveries repeat it.
    /// </summary>
    public static IReadOnlyList<TrackingUpdate> Updates(string carrier, string trackingNumber, IEnumerable<Checkpoint> checkpoints, DateTimeOffset? estimate)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var updates = new List<TrackingUpdate>();
        foreach (var c in checkpoints.OrderBy(c => c.OccurredAt))
        {
            var id = DerivedId(carrier, "cp", trackingNumber, c.Status.ToString(), c.OccurredAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            if (seen.Add(id)) updates.Add(new TrackingUpdate(trackingNumber, id, c.Status, c.OccurredAt, null, c.Location, c.Description));
        }
        if (estimate is { } eta && updates.Count > 0 && !updates[^1].Status.IsFinal())
        {
            var latest = updates[^1];
            var id = DerivedId(carrier, "eta", trackingNumber, eta.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            updates.Add(new TrackingUpdate(trackingNumber, id, latest.Status, latest.OccurredAt, eta, latest.Location,
                "estimated delivery " + eta.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC"));
        }
        return updates;
    }

    /// <summary>"&lt;carrier&gt;:&lt;kind&gt;_&lt;first 32 hex of SHA-256 over the parts&gt;".</summary>
    public static string DerivedId(string carrier, string kind, params string[] parts)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", parts)));
        return $"{carrier}:{kind}_{Convert.ToHexStringLower(hash)[..32]}";
    }
}
