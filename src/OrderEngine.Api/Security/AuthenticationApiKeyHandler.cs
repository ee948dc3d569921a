using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace OrderEngine.Api.Security;

/// <summary>
/// The "ApiKey" scheme: the X-Api-Key header, looked up by its SHA-256 (through <see cref="ApiKeyCache"/>), or the
/// bootstrap admin key from configuration. Its 401 and 403 are problem answers. With security off it admits every
/// request as the admin "anonymous" (see <see cref="SecurityOptions.Enabled"/>).
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptions<SecurityOptions> security,
    ApiKeyCache keys,
    BootstrapAdminKey bootstrap) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!security.Value.Enabled) return Success(Anonymous);
        if (!Request.Headers.TryGetValue(HeaderName, out var values)) return AuthenticateResult.NoResult();
        // The failure messages never carry the key: the framework logs them.
        if (values.Count != 1 || string.IsNullOrWhiteSpace(values[0]) || values[0]!.Length > 256)
            return AuthenticateResult.Fail("the X-Api-Key header must hold one key");
        Span<byte> hash = stackalloc byte[ApiKeyMaterial.HashSize];
        ApiKeyMaterial.Hash(values[0]!, hash);
        if (bootstrap.Matches(hash)) return Success(bootstrap.Principal);
        var (record, principal) = await keys.FindPrincipalAsync(Convert.ToHexStringLower(hash), Context.RequestAborted);
        if (record is null) return AuthenticateResult.Fail("unknown API key");
        if (record.Revoked || principal is null) return AuthenticateResult.Fail($"API key {record.Id} is revoked");
        return Success(principal);
    }

    /// <summary>Every request's principal while security is off.</summary>
    private static readonly EnginePrincipal Anonymous = Principal.Of(SchemeName, "anonymous", "anonymous", [Roles.Admin]);

    private AuthenticateResult Success(ClaimsPrincipal principal) =>
        AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var detail = Request.Headers.ContainsKey(HeaderName)
            ? "the API key is unknown or revoked"
            : "send an API key in the X-Api-Key header or a bearer token in the Authorization header";
        // RFC 9110: a 401 names how to authenticate (the scheme is this engine's own: a key in a header).
        Response.Headers.WWWAuthenticate = $"{SchemeName} header=\"{HeaderName}\"";
        return AuthenticationProblems.WriteUnauthenticatedAsync(Context, detail);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        AuthenticationProblems.WriteForbiddenAsync(Context);
}

/// <summary>The bootstrap admin key (OrderEngine:Security:BootstrapAdminKey), kept as its hash only.</summary>
public sealed class BootstrapAdminKey
{
    public const string Id = "bootstrap";
    public const string Name = "bootstrap";

    private readonly byte[]? _hash;

    public BootstrapAdminKey(IOptions<SecurityOptions> options)
    {
        if (options.Value.BootstrapAdminKey is { Length: > 0 } key)
        {
            _hash = new byte[ApiKeyMaterial.HashSize];
            ApiKeyMaterial.Hash(key, _hash);
        }
    }

    public bool Configured => _hash is not null;

    /// <summary>The bootstrap key's principal: one admin, built once.</summary>
    public EnginePrincipal Principal { get; } = Security.Principal.Of(ApiKeyAuthenticationHandler.SchemeName, Id, Name, [Roles.Admin]);

    /// <summary>Whether a key's SHA-256 is the bootstrap key's (compared in constant time).</summary>
    public bool Matches(ReadOnlySpan<byte> hash) => _hash is not null && CryptographicOperations.FixedTimeEquals(_hash, hash);

    /// <summary>Whether a key's hash, as stored (lower-case hex), is the bootstrap key's.</summary>
    public bool Matches(string hash) => _hash is not null && CryptographicOperations.FixedTimeEquals(
        Encoding.ASCII.GetBytes(Convert.ToHexStringLower(_hash)), Encoding.ASCII.GetBytes(hash));
}
