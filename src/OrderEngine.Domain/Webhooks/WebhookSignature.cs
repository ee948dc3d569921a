using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace OrderEngine.Domain.Webhooks;

/// <summary>
/// The signature on each delivery: header <c>OrderEngine-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256 of "&lt;t&gt;.&lt;body&gt;"&gt;</c>
/// keyed with the subscription's secret. Signing the timestamp with the body lets a subscriber refuse old replays.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "OrderEngine-Signature";
    public const string EventIdHeader = "OrderEngine-Event-Id";
    public const string EventTypeHeader = "OrderEngine-Event-Type";

    /// <summary>The header value for a body sent at <paramref name="unixSeconds"/>.</summary>
    public static string Sign(string secret, long unixSeconds, string body) =>
        $"t={unixSeconds.ToString(CultureInfo.InvariantCulture)},v1={Hex(secret, unixSeconds, body)}";

    /// <summary>
    /// What a subscriber does: parse t and every v1, recompute, compare in constant time, and refuse a timestamp further
    /// than <paramref name="tolerance"/> from its own clock.
    /// </summary>
    public static bool Verify(string secret, string? header, string body, DateTimeOffset now, TimeSpan tolerance)
    {
        if (string.IsNullOrEmpty(header)) return false;
        long? t = null;
        var signatures = new List<string>();
        foreach (var part in header.Split(','))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0) return false;
            var (key, value) = (part[..eq].Trim(), part[(eq + 1)..].Trim());
            if (key == "t" && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)) t = parsed;
            else if (key == "v1") signatures.Add(value);
        }
        if (t is not { } ts || signatures.Count == 0) return false;
        if (Math.Abs(now.ToUnixTimeSeconds() - ts) > tolerance.TotalSeconds) return false;
        var expected = Encoding.ASCII.GetBytes(Hex(secret, ts, body));
        return signatures.Any(s => CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(s)));
    }

    private static string Hex(string secret, long unixSeconds, string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(
            Encoding.UTF8.GetBytes(secret),
            Encoding.UTF8.GetBytes(unixSeconds.ToString(CultureInfo.InvariantCulture) + "." + body)));
}
