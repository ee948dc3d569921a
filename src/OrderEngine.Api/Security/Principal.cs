using System.Security.Claims;

namespace OrderEngine.Api.Security;

/// <summary>
/// The authenticated principal every scheme builds (docs/security.md): NameIdentifier = the key id or the token's sub,
/// Name = the key's name or the token's name, one Role claim per role.
/// </summary>
public static class Principal
{
    public static EnginePrincipal Of(string scheme, string id, string name, IEnumerable<string> roles)
    {
        var access = PrincipalRoles.Of(roles);
        var identity = new ClaimsIdentity(scheme, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, id));
        identity.AddClaim(new Claim(ClaimTypes.Name, name));
        foreach (var role in access.All) identity.AddClaim(new Claim(ClaimTypes.Role, role));
        return new EnginePrincipal(identity, access, ActorOf(scheme, name));
    }

    /// <summary>Who did it, for attribution: "key:{name}" for an API key, "user:{name}" for a bearer token.</summary>
    public static string Actor(this ClaimsPrincipal principal)
    {
        if (principal is EnginePrincipal engine) return engine.Actor;
        var name = principal.FindFirst(ClaimTypes.Name)?.Value ?? principal.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? "unknown";
        return ActorOf(principal.Identity?.AuthenticationType, name);
    }

    private static string ActorOf(string? scheme, string name) =>
        scheme == ApiKeyAuthenticationHandler.SchemeName ? "key:" + name : "user:" + name;

    /// <summary>
    /// The roles of <paramref name="user"/>'s authenticated identities, read once: an <see cref="EnginePrincipal"/>
    /// carries them; any other principal (a dashboard cookie's, read back from the cookie) has its role claims read.
    /// </summary>
    public static PrincipalRoles RolesOf(ClaimsPrincipal user) =>
        user is EnginePrincipal { Identity.IsAuthenticated: true } engine
            ? engine.Roles
            : PrincipalRoles.Of(user.Identities.Where(i => i.IsAuthenticated).SelectMany(i => i.FindAll(i.RoleClaimType)).Select(c => c.Value));
}

/// <summary>
/// A principal built by this engine's schemes, with what every request asks of it worked out once: its roles as a
/// <see cref="PrincipalRoles"/>, its actor for attribution and its rate-limit partition. A key's principal is built
/// once per key lookup and shared by that key's requests while its cache entry lives (<see cref="ApiKeyCache"/>), so
/// nothing may add claims or identities to it after it is built.
/// </summary>
public sealed class EnginePrincipal : ClaimsPrincipal
{
    public EnginePrincipal(ClaimsIdentity identity, PrincipalRoles roles, string actor) : base(identity)
    {
        Roles = roles;
        Actor = actor;
        var id = identity.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? "";
        // Channel and admin keys share the intake bucket; the class is part of the key so each partition keeps its options.
        RateLimitPartition = (roles.IsAdmin || roles.Channels.Length > 0 ? "c|id:" : "k|id:") + id;
    }

    public PrincipalRoles Roles { get; }

    /// <summary>"key:{name}" or "user:{name}".</summary>
    public string Actor { get; }

    /// <summary>The per-key rate limiter's partition of this principal (see <see cref="RateLimits"/>).</summary>
    public string RateLimitPartition { get; }
}

/// <summary>
/// A principal's roles, parsed once: the plain ones, and the scopes of its <c>channel:</c>, <c>courier:</c> and
/// <c>restaurant:</c> roles. <see cref="Allows"/> is the rule of <see cref="Policies.Matrix"/> for one policy.
/// </summary>
public sealed class PrincipalRoles
{
    private readonly HashSet<string> _plain;

    private PrincipalRoles(string[] all)
    {
        All = all;
        _plain = new HashSet<string>(StringComparer.Ordinal);
        var channels = new List<string>();
        var couriers = new List<string>();
        var restaurants = new List<string>();
        foreach (var role in all)
        {
            if (Security.Roles.Scoped(role, Security.Roles.ChannelPrefix) is { } channel) channels.Add(channel);
            else if (Security.Roles.Scoped(role, Security.Roles.CourierPrefix) is { } courier) couriers.Add(courier);
            else if (Security.Roles.Scoped(role, Security.Roles.RestaurantPrefix) is { } restaurant) restaurants.Add(restaurant);
            else _plain.Add(role);
        }
        (Channels, Couriers, Restaurants) = (channels.ToArray(), couriers.ToArray(), restaurants.ToArray());
        IsAdmin = _plain.Contains(Security.Roles.Admin);
    }

    public static PrincipalRoles Of(IEnumerable<string> roles) => new(roles.Distinct(StringComparer.Ordinal).ToArray());

    /// <summary>Every role, each once, in the order given.</summary>
    public IReadOnlyList<string> All { get; }

    public bool IsAdmin { get; }

    /// <summary>The names of the principal's <c>channel:{name}</c> roles.</summary>
    public string[] Channels { get; }

    public string[] Couriers { get; }

    public string[] Restaurants { get; }

    public bool Has(string plainRole) => _plain.Contains(plainRole);

    public bool HasAny(IReadOnlyList<string> plainRoles)
    {
        foreach (var role in plainRoles)
            if (_plain.Contains(role)) return true;
        return false;
    }

    /// <summary>
    /// Whether these roles pass <paramref name="rule"/> for a request about <paramref name="scopeValue"/> (the route's
    /// channel, courier or restaurant; null when the route has none): admin always, a role of the rule, or a scoped role
    /// matching the rule's scope.
    /// </summary>
    public bool Allows(Policies.Rule rule, string? scopeValue) =>
        IsAdmin || HasAny(rule.Roles) || rule.Scope switch
        {
            Policies.Scope.Channel => scopeValue is not null && Channels.Contains(scopeValue, StringComparer.Ordinal),
            Policies.Scope.AnyChannel => Channels.Length > 0,
            Policies.Scope.Courier => scopeValue is not null && Couriers.Contains(scopeValue, StringComparer.Ordinal),
            Policies.Scope.Restaurant => scopeValue is not null && Restaurants.Contains(scopeValue, StringComparer.Ordinal),
            _ => false,
        };

    /// <summary>Admin, any of <paramref name="alsoRoles"/>, or <c>channel:{channel}</c>.</summary>
    public bool MayActForChannel(string? channel, IReadOnlyList<string> alsoRoles) =>
        IsAdmin || HasAny(alsoRoles) || (channel is not null && Channels.Contains(channel, StringComparer.Ordinal));
}
