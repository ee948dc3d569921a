namespace OrderEngine.Api.Security;

/// <summary>OrderEngine:Security (docs/security.md).</summary>
public sealed class SecurityOptions
{
    public const string Section = "OrderEngine:Security";

    /// <summary>
    /// On by default. Off, every request is admitted as an admin principal named "anonymous" (a warning says so at start):
    /// for tests and a trusted local run only, never on a network.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The first admin key, from configuration (an environment variable or a secret store, not a committed file): accepted
    /// as an admin key, never written to the database. At least 32 characters. Replace it by a stored key and remove it.
    /// </summary>
    public string? BootstrapAdminKey { get; set; }

    /// <summary>How long a key lookup is kept in memory: a revocation shows on every node within this time.</summary>
    public TimeSpan ApiKeyCacheTime { get; set; } = TimeSpan.FromSeconds(5);

    public JwtSettings Jwt { get; set; } = new();

    /// <summary>Bearer tokens: validated against an OIDC authority (its discovery document and keys) or a symmetric key.</summary>
    public sealed class JwtSettings
    {
        /// <summary>The OpenID Connect provider (https), whose discovery document gives the issuer and signing keys.</summary>
        public string? Authority { get; set; }

        /// <summary>The audience tokens must name (required with an authority).</summary>
        public string? Audience { get; set; }

        /// <summary>A shared HMAC-SHA256 key (at least 32 bytes of UTF-8) for tests and small setups without a provider.</summary>
        public string? SigningKey { get; set; }

        /// <summary>The issuer tokens must name when they are checked with <see cref="SigningKey"/>.</summary>
        public string? Issuer { get; set; }

        public bool Configured => !string.IsNullOrWhiteSpace(Authority) || !string.IsNullOrWhiteSpace(SigningKey);
    }

    /// <summary>Refuses a configuration that would be unsafe or could not work (the node does not start).</summary>
    public void Validate()
    {
        if (BootstrapAdminKey is { Length: > 0 } key && key.Length < 32)
            throw new InvalidOperationException($"{Section}:BootstrapAdminKey must have at least 32 characters (use 256 random bits, e.g. `openssl rand -base64 32`)");
        if (ApiKeyCacheTime < TimeSpan.Zero || ApiKeyCacheTime > TimeSpan.FromMinutes(5))
            throw new InvalidOperationException($"{Section}:ApiKeyCacheTime must be between 0 and 5 minutes (a revocation shows within it)");
        if (!string.IsNullOrWhiteSpace(Jwt.Authority) && !string.IsNullOrWhiteSpace(Jwt.SigningKey))
            throw new InvalidOperationException($"{Section}:Jwt: set Authority or SigningKey, not both");
        if (!string.IsNullOrWhiteSpace(Jwt.Authority) && string.IsNullOrWhiteSpace(Jwt.Audience))
            throw new InvalidOperationException($"{Section}:Jwt:Audience is required with an Authority");
        if (!string.IsNullOrWhiteSpace(Jwt.SigningKey))
        {
            if (System.Text.Encoding.UTF8.GetByteCount(Jwt.SigningKey) < 32)
                throw new InvalidOperationException($"{Section}:Jwt:SigningKey must have at least 32 bytes");
            if (string.IsNullOrWhiteSpace(Jwt.Issuer) || string.IsNullOrWhiteSpace(Jwt.Audience))
                throw new InvalidOperationException($"{Section}:Jwt:Issuer and Audience are required with a SigningKey");
        }
    }
}
