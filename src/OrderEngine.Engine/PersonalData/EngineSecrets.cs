using System.Security.Cryptography;
using OrderEngine.Engine.Hosting;

namespace OrderEngine.Engine.PersonalData;

/// <summary>
/// Secrets the engine makes for itself when none is configured, kept in <c>engine_secrets</c> (name, value, created_at).
/// The first node to ask creates the value (<c>INSERT … ON CONFLICT DO NOTHING</c>) and every node reads back the one
/// stored, so the nodes of one cluster agree. Values are never logged.
/// </summary>
public sealed class EngineSecrets(JournalDatabase database, TimeProvider clock)
{
    /// <summary>The name of the customer id secret (see <see cref="CustomerIdPseudonymizer"/>).</summary>
    public const string CustomerIdSecret = "customer-id-secret";

    /// <summary>The stored secret of that name, created (32 random bytes) when there is none yet.</summary>
    public async Task<byte[]> GetOrCreateAsync(string name, CancellationToken ct = default)
    {
        await using var connection = await database.OpenAsync(ct);
        await using (var insert = connection.CreateCommand())
        {
            insert.CommandText = "INSERT INTO engine_secrets (name, value, created_at) VALUES (@name, @value, @at) ON CONFLICT (name) DO NOTHING";
            insert.AddParameter("name", name);
            insert.AddParameter("value", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
            insert.AddParameter("at", clock.GetUtcNow().ToUnixTimeMilliseconds());
            await insert.ExecuteNonQueryAsync(ct);
        }
        await using var select = connection.CreateCommand();
        select.CommandText = "SELECT value FROM engine_secrets WHERE name = @name";
        select.AddParameter("name", name);
        var stored = await select.ExecuteScalarAsync(ct) as string
            ?? throw new InvalidOperationException($"engine secret '{name}' was not stored");
        return Convert.FromBase64String(stored);
    }

    public const string BadSecretMessage = "OrderEngine:Security:CustomerIdSecret must be base64 of at least 32 random bytes";

    /// <summary>True when no secret is configured, or the configured one is base64 of at least 32 bytes.</summary>
    public static bool IsValidConfiguredSecret(string? configuredSecret)
    {
        if (string.IsNullOrWhiteSpace(configuredSecret)) return true;
        try
        {
            return Convert.FromBase64String(configuredSecret.Trim()).Length >= CustomerIdPseudonymizer.MinSecretBytes;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// The customer id pseudonymizer: under <c>OrderEngine:Security:CustomerIdSecret</c> (base64, at least 32 bytes)
    /// when set, else under the secret this engine keeps in its database.
    /// </summary>
    public static CustomerIdPseudonymizer Pseudonymizer(string? configuredSecret, Func<byte[]> stored)
    {
        if (string.IsNullOrWhiteSpace(configuredSecret)) return new CustomerIdPseudonymizer(stored());
        byte[] secret;
        try
        {
            secret = Convert.FromBase64String(configuredSecret.Trim());
        }
        catch (FormatException)
        {
            throw new InvalidOperationException(BadSecretMessage);
        }
        return secret.Length >= CustomerIdPseudonymizer.MinSecretBytes
            ? new CustomerIdPseudonymizer(secret)
            : throw new InvalidOperationException(BadSecretMessage);
    }
}
