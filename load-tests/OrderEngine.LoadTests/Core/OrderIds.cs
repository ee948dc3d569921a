using System.Security.Cryptography;
using System.Text;

namespace OrderEngine.LoadTests.Core;

/// <summary>
/// The engine's order id for an order a channel knows by its own id, copied from OrderEngine.Domain
/// <c>Identifiers.OrderIdFromExternal</c> (the tool deliberately has no reference to src/): SHA-256 of
/// "ext\n{channel}\n{externalId}", 120 bits of it in base32 after an 'o'. If the engine's derivation changes, the feed
/// scenario's check "every outcome names the derived order id" fails and says so.
/// </summary>
public static class OrderIds
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    public static string FromExternal(string channel, string externalId)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes("ext\n" + channel + "\n" + externalId), hash);
        Span<char> chars = stackalloc char[25];
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
            chars[ci++] = Alphabet[(int)((buffer >> (bits - 5)) & 31)];
            bits -= 5;
        }
        return new string(chars);
    }
}
