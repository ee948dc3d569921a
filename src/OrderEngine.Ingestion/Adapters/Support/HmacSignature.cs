using System.Security.Cryptography;
using System.Text;

namespace OrderEngine.Ingestion.Adapters.Support;

/// <summary>The scheme Shopify and WooCommerce share: base64(HMAC-SHA256(secret, raw body)), compared in constant time.</summary>
internal static class HmacSignature
{
    public static bool VerifyBase64Sha256(string secret, ReadOnlySpan<byte> rawBody, string? headerValue)
    {
        if (string.IsNullOrEmpty(headerValue)) return false;
        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), rawBody, expected);
        // Room for more than a SHA-256 so an over-long header decodes and then fails the length check, not the decoder.
        Span<byte> given = stackalloc byte[2 * HMACSHA256.HashSizeInBytes];
        if (!Convert.TryFromBase64String(headerValue, given, out var written) || written != HMACSHA256.HashSizeInBytes) return false;
        return CryptographicOperations.FixedTimeEquals(expected, given[..written]);
    }
}
