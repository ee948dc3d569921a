using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace OrderEngine.Domain;

/// <summary>Formats and derivations of the identifiers that name entities (SKUs, orders, channels).</summary>
public static partial class Identifiers
{
    public const int MaxLength = 64;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex EntityIdPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,31}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex ChannelPattern();

    // \z, not $: $ also matches before a final line break.

    /// <summary>SKUs and order ids appear in URLs and shard keys, so they are limited to URL-safe ASCII.</summary>
    public static bool IsValidEntityId(string? id) => id is not null && EntityIdPattern().IsMatch(id);

    public static bool IsValidChannel(string? channel) => channel is not null && ChannelPattern().IsMatch(channel);

    public const string EntityIdRule = "1-64 characters: letters, digits, '.', '_' or '-', starting with a letter or digit";
    public const string ChannelRule = "1-32 characters: lower-case letters, digits, '.', '_' or '-'";

    /// <summary>
    /// The beginning of the key ids the engine keeps for itself beside customers' keys (a quarantined record's key is
    /// <c>quarantine/q-…</c>): no customer id may begin so, or its personal data would share that record's key.
    /// </summary>
    public const string ReservedKeyIdPrefix = "quarantine/q-";

    /// <summary>A customer id as the engine keeps it: 1-128 characters, none a control character, not a reserved key id.</summary>
    public static bool IsValidCustomerId(string? id) =>
        !string.IsNullOrWhiteSpace(id) && id.Length <= 128 && !id.Any(char.IsControl)
        && !id.StartsWith(ReservedKeyIdPrefix, StringComparison.Ordinal);

    public const string CustomerIdRule = "customerId is required: at most 128 characters, no control characters, not beginning with '" + ReservedKeyIdPrefix + "' (kept for the engine's own keys)";

    /// <summary>The order id for a client's idempotency key: a retry with the same key reaches the same order entity.</summary>
    public static string OrderIdFromIdempotencyKey(string key) => Derive("key\n" + key);

    /// <summary>A stable, valid entity id derived from any text (an automatic refund's id from its payment's reference).</summary>
    public static string Derived(char prefix, string source) => prefix + Derive(source)[1..];

    /// <summary>The order id for an order a channel knows by its own id: a redelivered or replayed order reaches the same entity.</summary>
    public static string OrderIdFromExternal(string channel, string externalId) => Derive("ext\n" + channel + "\n" + externalId);

    private static string Derive(string source)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(source), hash);
        // 120 bits of the hash in Crockford-style base32: short, URL-safe, case-insensitive friendly.
        const string alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
        var chars = new char[1 + 24];
        chars[0] = 'o';
        ulong buffer = 0;
        int bits = 0, ci = 1, bi = 0;
        while (ci < chars.Length)
        {
            if (bits < 5)
            {
                buffer = (buffer << 8) | hash[bi++];
                bits += 8;
            }
            chars[ci++] = alphabet[(int)((buffer >> (bits - 5)) & 31)];
            bits -= 5;
        }
        return new string(chars);
    }
}
