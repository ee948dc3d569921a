using System.Security.Claims;

namespace OrderEngine.Api.Security;

/// <summary>
/// The authenticated principal every scheme builds (docs/security.md): NameIdentifier = the key id or the token's sub,
/// Name = the key's name or the token's name, one Role claim per role.
/// </summary>
public static class Principal
{
    public static ClaimsPrincipal Of(string scheme, string id, string name, IEnumerable<string> roles)
    {
        var identity = new ClaimsIdentity(scheme, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, id));
        identity.AddClaim(new Claim(ClaimTypes.Name, name));
        foreach (var role in roles.Distinct(StringComparer.Ordinal)) identity.AddClaim(new Claim(ClaimTypes.Role, role));
        return new ClaimsPrincipal(identity);
    }

    /// <summary>Who did it, for attribution: "key:{name}" for an API key, "user:{name}" for a bearer token.</summary>
    public static string Actor(this ClaimsPrincipal principal)
    {
        var name = principal.FindFirst(ClaimTypes.Name)?.Value ?? principal.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? "unknown";
        return principal.Identity?.AuthenticationType == ApiKeyAuthenticationHandler.SchemeName ? "key:" + name : "user:" + name;
    }
}
