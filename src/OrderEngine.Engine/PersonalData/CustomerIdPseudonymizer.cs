using System.Security.Cryptography;
using System.Text;

namespace OrderEngine.Engine.PersonalData;

/// <summary>
/// The customer id of a buyer known only by an email: <c>email:</c> + the first 32 hex digits (128 bits) of
/// HMAC-SHA256(secret, the email trimmed and lower-cased). Deterministic under one secret, so one mailbox stays one
/// customer (purchase limits, customer reports) on every node and across restarts; without the secret the id does not
/// lead back to the email (a dictionary of emails cannot be hashed against it). The secret is never logged.
/// </summary>
public sealed class CustomerIdPseudonymizer
{
    public const string Prefix = "email:";

    /// <summary>The least secret length, in bytes.</summary>
    public const int MinSecretBytes = 32;

    private readonly byte[] _secret;

    public CustomerIdPseudonymizer(byte[] secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (secret.Length < MinSecretBytes) throw new ArgumentException($"the customer id secret must be at least {MinSecretBytes} bytes", nameof(secret));
        _secret = (byte[])secret.Clone();
    }

    /// <summary>The pseudonymous customer id of an email (trimmed and lower-cased first: one mailbox, one customer).</summary>
    public string OfEmail(string email)
    {
        ArgumentNullException.ThrowIfNull(email);
        var normalized = email.Trim().ToLowerInvariant();
        if (normalized.Length == 0) throw new ArgumentException("an empty email has no customer id", nameof(email));
        var mac = HMACSHA256.HashData(_secret, Encoding.UTF8.GetBytes(normalized));
        return Prefix + Convert.ToHexStringLower(mac, 0, 16);
    }
}
