using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace OrderEngine.Domain;

/// <summary>
/// The signature scheme of the sandbox payment provider and the sandbox carrier: a header
/// <c>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256(secret, t + "." + raw body)&gt;</c>. Signing the timestamp with the
/// body lets the receiver refuse an old delivery replayed; several <c>v1=</c> may be given (one valid is enough), which
/// lets a secret be rotated.
/// </summary>
public static class TimestampedHmac
{
    /// <summary>The v1 signature of a body sent at unix time <paramref name="timestamp"/>.</summary>
    public static byte[] Sign(byte[] secret, string timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp + ".");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return HMACSHA256.HashData(secret, message);
    }

    /// <summary>A complete header value for a body sent at <paramref name="at"/>.</summary>
    public static string HeaderFor(byte[] secret, ReadOnlySpan<byte> body, DateTimeOffset at)
    {
        var t = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"t={t},v1={Convert.ToHexStringLower(Sign(secret, t, body))}";
    }

    /// <summary>Why the header <paramref name="headerName"/> does not prove the body fresh and signed with the secret (null: it does).</summary>
    public static string? Problem(string headerName, string? value, ReadOnlySpan<byte> body, byte[] secret, DateTimeOffset now, TimeSpan tolerance)
    {
        if (string.IsNullOrWhiteSpace(value)) return $"the {headerName} header is missing";
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
            return $"the {headerName} header has no timestamp t=<unix seconds>";
        if (signatures.Count == 0) return $"the {headerName} header has no v1 signature";
        var sentAt = DateTimeOffset.FromUnixTimeSeconds(seconds);
        if ((now - sentAt).Duration() > tolerance)
            return $"the webhook's timestamp {sentAt:O} is more than {tolerance} away from now; refused as a possible replay";
        var expected = Sign(secret, t, body);
        foreach (var candidate in signatures)
        {
            byte[] given;
            try { given = Convert.FromHexString(candidate); }
            catch (FormatException) { continue; }
            if (CryptographicOperations.FixedTimeEquals(given, expected)) return null;
        }
        return "the signature does not match";
    }
}
