using System.Security.Cryptography;
using System.Text;
using OrderEngine.Domain.Orders;

namespace OrderEngine.Engine.PersonalData;

/// <summary>
/// AES-GCM sealing of one personal field with its customer's key. A sealed field is the text
/// <c>pii1:</c> + base64(nonce | tag | ciphertext): the prefix is the version marker that tells it from a clear value
/// written before encryption existed. The associated data binds the ciphertext to its customer and field, so a value
/// copied to another customer or field does not open.
/// </summary>
public static class PersonalDataCipher
{
    /// <summary>The prefix of a sealed value.</summary>
    public const string Prefix = "pii1:";

    /// <summary>What a personal field reads as once its customer's key is gone (or the value does not open).</summary>
    public const string Erased = "[erased]";

    public const int KeySize = 32;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    /// <summary>A new random 256-bit key.</summary>
    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(KeySize);

    public static bool IsSealed(string? value) => value is not null && value.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>Seals a value (null stays null) for the customer and field.</summary>
    public static string? Seal(byte[] key, string customerId, string field, string? value)
    {
        if (value is null) return null;
        using var aes = new AesGcm(key, TagSize);
        return Seal(aes, customerId, field, value);
    }

    private static string? Seal(AesGcm aes, string customerId, string field, string? value)
    {
        if (value is null) return null;
        var plain = Encoding.UTF8.GetBytes(value);
        var blob = new byte[NonceSize + TagSize + plain.Length];
        var nonce = blob.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        aes.Encrypt(nonce, plain, blob.AsSpan(NonceSize + TagSize), blob.AsSpan(NonceSize, TagSize), AssociatedData(customerId, field));
        return Prefix + Convert.ToBase64String(blob);
    }

    /// <summary>
    /// Opens a sealed value; false when it does not open with this key for this customer and field (another key, an
    /// erased one, or a value altered or moved). A value without the prefix is clear text and is returned as it is.
    /// </summary>
    public static bool TryOpen(byte[]? key, string customerId, string field, string? value, out string? clear)
    {
        clear = value;
        if (!IsSealed(value)) return true;
        clear = null;
        if (key is null) return false;
        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(value!.Substring(Prefix.Length));
        }
        catch (FormatException)
        {
            return false;
        }
        if (blob.Length < NonceSize + TagSize) return false;
        var plain = new byte[blob.Length - NonceSize - TagSize];
        try
        {
            using var aes = new AesGcm(key, TagSize);
            aes.Decrypt(blob.AsSpan(0, NonceSize), blob.AsSpan(NonceSize + TagSize), blob.AsSpan(NonceSize, TagSize), plain, AssociatedData(customerId, field));
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
        clear = Encoding.UTF8.GetString(plain);
        return true;
    }

    /// <summary>Opens a value, or gives the erased marker when it does not open.</summary>
    public static string? OpenOrErased(byte[]? key, string customerId, string field, string? value) =>
        TryOpen(key, customerId, field, value, out var clear) ? clear : Erased;

    private static byte[] AssociatedData(string customerId, string field) => Encoding.UTF8.GetBytes("orderengine/pii1\n" + customerId + "\n" + field);

    // ---- addresses ----

    /// <summary>
    /// The personal fields of an address: name, street lines and phone. City, region, postal code and country are the
    /// shipping facts (method choice, zones, the country of reports) and stay readable after an erasure.
    /// </summary>
    public static bool HasPersonalFields(Address? a) => a is not null && (a.Name is not null || a.Line1 is not null || a.Line2 is not null || a.Phone is not null);

    /// <summary>The address with its personal fields sealed.</summary>
    public static Address Seal(byte[] key, string customerId, Address a)
    {
        // One key schedule for the four fields of a placement's write.
        using var aes = new AesGcm(key, TagSize);
        return a with
        {
            Name = Seal(aes, customerId, "address.name", a.Name),
            Line1 = Seal(aes, customerId, "address.line1", a.Line1),
            Line2 = Seal(aes, customerId, "address.line2", a.Line2),
            Phone = Seal(aes, customerId, "address.phone", a.Phone),
        };
    }

    /// <summary>The address with its personal fields replaced by the erased marker (nothing personal is written).</summary>
    public static Address Erase(Address a) => a with
    {
        Name = a.Name is null ? null : Erased,
        Line1 = a.Line1 is null ? null : Erased,
        Line2 = a.Line2 is null ? null : Erased,
        Phone = a.Phone is null ? null : Erased,
    };

    public static bool HasSealedFields(Address? a) => a is not null && (IsSealed(a.Name) || IsSealed(a.Line1) || IsSealed(a.Line2) || IsSealed(a.Phone));

    /// <summary>The address with its sealed fields opened; a field that does not open reads as the erased marker.</summary>
    public static Address Open(byte[]? key, string customerId, Address a) => a with
    {
        Name = OpenOrErased(key, customerId, "address.name", a.Name),
        Line1 = OpenOrErased(key, customerId, "address.line1", a.Line1),
        Line2 = OpenOrErased(key, customerId, "address.line2", a.Line2),
        Phone = OpenOrErased(key, customerId, "address.phone", a.Phone),
    };

    // ---- key wrapping ----

    private const string RawPrefix = "k1:";
    private const string WrappedPrefix = "w1:";

    /// <summary>The key as stored: wrapped with the master key when one is configured, else base64 as it is.</summary>
    public static string Wrap(byte[] key, byte[]? masterKey, string customerId)
    {
        if (masterKey is null) return RawPrefix + Convert.ToBase64String(key);
        var blob = new byte[NonceSize + TagSize + key.Length];
        RandomNumberGenerator.Fill(blob.AsSpan(0, NonceSize));
        using var aes = new AesGcm(masterKey, TagSize);
        aes.Encrypt(blob.AsSpan(0, NonceSize), key, blob.AsSpan(NonceSize + TagSize), blob.AsSpan(NonceSize, TagSize), AssociatedData(customerId, "key"));
        return WrappedPrefix + Convert.ToBase64String(blob);
    }

    /// <summary>The key from its stored form; a wrapped key needs the master key it was wrapped with.</summary>
    public static byte[] Unwrap(string stored, byte[]? masterKey, string customerId)
    {
        if (stored.StartsWith(RawPrefix, StringComparison.Ordinal)) return Convert.FromBase64String(stored[RawPrefix.Length..]);
        if (!stored.StartsWith(WrappedPrefix, StringComparison.Ordinal)) throw new CryptographicException("unknown format of a stored personal data key");
        if (masterKey is null) throw new CryptographicException("personal data keys are wrapped but OrderEngine:Security:PersonalDataMasterKey is not set");
        var blob = Convert.FromBase64String(stored[WrappedPrefix.Length..]);
        var key = new byte[blob.Length - NonceSize - TagSize];
        using var aes = new AesGcm(masterKey, TagSize);
        aes.Decrypt(blob.AsSpan(0, NonceSize), blob.AsSpan(NonceSize + TagSize), blob.AsSpan(NonceSize, TagSize), key, AssociatedData(customerId, "key"));
        return key;
    }
}
