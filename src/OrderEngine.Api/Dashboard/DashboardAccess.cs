using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using OrderEngine.Api.Security;

namespace OrderEngine.Api.Dashboard;

/// <summary>What a person may do on the dashboard; each is allowed to the roles of the API operation it stands for.</summary>
public enum DashboardAction
{
    /// <summary>Orders, stock, alerts, dispatch, flash sales (GET /api/orders, /api/stock, /api/alerts, /api/zones).</summary>
    Read,
    /// <summary>Approve or reject held orders, refunds, cases, quarantine retries, reconciliation (operator).</summary>
    Operate,
    /// <summary>Set and adjust stock, thresholds (warehouse).</summary>
    Stock,
    /// <summary>Reports, channel counters, CSV downloads (operator, reporting).</summary>
    Reports,
}

/// <summary>
/// The dashboard's log-in and its role checks. The login takes an API key (as X-Api-Key would) and makes a cookie
/// principal with the key's roles and the key's hash; the cookie is checked against the key table on every request
/// (through the same short cache as X-Api-Key), and every action re-checks the key and its role on the server before it
/// is sent, whatever the page showed.
/// </summary>
public sealed class DashboardAccess(
    IOptions<SecurityOptions> security,
    ApiKeyCache keys,
    BootstrapAdminKey bootstrap,
    AuthenticationStateProvider? authentication = null)
{
    public const string KeyHashClaim = "oe:key-hash";

    /// <summary>The roles that may use the dashboard at all (channel, courier and restaurant keys are for machines).</summary>
    public static readonly string[] DashboardRoles = [Roles.Admin, Roles.Operator, Roles.Warehouse, Roles.Reporting];

    /// <summary>The API policy each action stands for: the dashboard allows what the same roles may do through the API.</summary>
    public static readonly IReadOnlyDictionary<DashboardAction, string> PolicyOf = new Dictionary<DashboardAction, string>
    {
        [DashboardAction.Read] = Policies.Read,
        [DashboardAction.Operate] = Policies.Operator,
        [DashboardAction.Stock] = Policies.Warehouse,
        [DashboardAction.Reports] = Policies.Reporting,
    };

    public static bool MayUseDashboard(ClaimsPrincipal user) => DashboardRoles.Any(user.IsInRole);

    /// <summary>Whether <paramref name="user"/>'s roles allow <paramref name="action"/> (admin: everything).</summary>
    public static bool Allows(ClaimsPrincipal user, DashboardAction action) =>
        user.Identity?.IsAuthenticated == true && Policies.Allows(PolicyOf[action], RolesOf(user), null);

    /// <summary>The cookie principal for a key typed on the login page, or null when the key is unknown, revoked or has no dashboard role.</summary>
    public async Task<ClaimsPrincipal?> SignInPrincipalAsync(string? key, CancellationToken ct)
    {
        if (!security.Value.Enabled)
            return Principal("anonymous", "anonymous", ["admin"], "");
        if (string.IsNullOrWhiteSpace(key) || key.Length > 256) return null;
        key = key.Trim();
        var hash = ApiKeyMaterial.Hash(key);
        if (bootstrap.Matches(hash)) return Principal(BootstrapAdminKey.Id, BootstrapAdminKey.Name, ["admin"], hash);
        var record = await keys.FindAsync(hash, ct);
        if (record is null || record.Revoked || !record.Roles.Any(r => DashboardRoles.Contains(r))) return null;
        return Principal(record.Id, record.Name, record.Roles, hash);
    }

    /// <summary>
    /// Throws <see cref="UnauthorizedAccessException"/> unless the signed-in key is still valid and its roles allow
    /// <paramref name="action"/>. Called by every action before it reaches an entity.
    /// </summary>
    public async Task<ClaimsPrincipal> EnsureAsync(DashboardAction action, CancellationToken ct = default)
    {
        var user = authentication is null ? new ClaimsPrincipal() : (await authentication.GetAuthenticationStateAsync()).User;
        if (!await StillValidAsync(user, ct)) throw new UnauthorizedAccessException("the key you logged in with is no longer valid: log in again");
        if (!Allows(user, action)) throw new UnauthorizedAccessException($"your roles ({string.Join(", ", RolesOf(user))}) do not allow this");
        return user;
    }

    public static IEnumerable<string> RolesOf(ClaimsPrincipal user) => user.FindAll(ClaimTypes.Role).Select(c => c.Value);

    /// <summary>Who did it, for attribution: "key:{name}" as for the same call through the API.</summary>
    public static string Actor(ClaimsPrincipal user) => "key:" + (user.Identity?.Name ?? "unknown");

    private async Task<bool> StillValidAsync(ClaimsPrincipal user, CancellationToken ct)
    {
        if (user.Identity?.IsAuthenticated != true) return false;
        if (!security.Value.Enabled) return true;
        var hash = user.FindFirst(KeyHashClaim)?.Value;
        if (string.IsNullOrEmpty(hash)) return false;
        if (bootstrap.Matches(hash)) return true;
        var record = await keys.FindAsync(hash, ct);
        return record is { Revoked: false };
    }

    /// <summary>The cookie handler's check on every request: a revoked or deleted key ends the dashboard session.</summary>
    public static async Task ValidatePrincipalAsync(CookieValidatePrincipalContext context)
    {
        var access = context.HttpContext.RequestServices.GetRequiredService<DashboardAccess>();
        if (context.Principal is null || !await access.StillValidAsync(context.Principal, context.HttpContext.RequestAborted))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(DashboardSetup.Scheme);
        }
    }

    private static ClaimsPrincipal Principal(string id, string name, IEnumerable<string> roles, string hash)
    {
        var principal = OrderEngine.Api.Security.Principal.Of(DashboardSetup.Scheme, id, name, roles);
        ((ClaimsIdentity)principal.Identity!).AddClaim(new Claim(KeyHashClaim, hash));
        return principal;
    }
}
