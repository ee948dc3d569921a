using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OrderEngine.Api.Http;
using OrderEngine.Engine.Hosting;

namespace OrderEngine.Api.Security;

/// <summary>
/// Authentication (docs/security.md): API keys (X-Api-Key) and JWT bearer tokens, one principal shape for both, 401 and
/// 403 as problem answers, and every endpoint requiring an authenticated principal unless it allows anonymous callers.
/// </summary>
public static class AuthenticationSetup
{
    /// <summary>The default scheme: forwards to "Bearer" for an Authorization: Bearer header, to "ApiKey" otherwise.</summary>
    public const string DefaultScheme = "OrderEngine";

    public const string BearerScheme = JwtBearerDefaults.AuthenticationScheme;

    public static IServiceCollection AddOrderEngineAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(SecurityOptions.Section);
        services.AddOptions<SecurityOptions>().Bind(section);
        var options = section.Get<SecurityOptions>() ?? new SecurityOptions();
        options.Validate();
        services.AddSingleton(sp => new ApiKeyStore(sp.GetRequiredService<JournalDatabase>()));
        services.AddSingleton<ApiKeyCache>();
        services.AddSingleton<BootstrapAdminKey>();
        services.AddHostedService<AuthenticationNotice>();

        var bearer = options.Enabled && options.Jwt.Configured;
        // With bearer tokens configured, a policy scheme picks the handler per request; without, the API key handler is
        // the default itself (one handler per request instead of two).
        var auth = services.AddAuthentication(o =>
        {
            o.DefaultScheme = bearer ? DefaultScheme : ApiKeyAuthenticationHandler.SchemeName;
        });
        if (bearer)
            auth.AddPolicyScheme(DefaultScheme, "API key or bearer token", o => o.ForwardDefaultSelector = http =>
                http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? BearerScheme
                    : ApiKeyAuthenticationHandler.SchemeName);
        auth.AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        if (bearer) auth.AddJwtBearer(BearerScheme, o => ConfigureJwt(o, options.Jwt));

        // Every endpoint needs an authenticated principal unless it says otherwise (AllowAnonymous, or its own policy).
        services.AddAuthorization(o => o.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        return services;
    }

    /// <summary>
    /// Authentication, then the rate limiter (per key for a principal, per client IP or per hashed credential for a
    /// request that failed to authenticate), then authorization: a flood of bad or missing credentials is refused 429
    /// like any other before its 401s, and a principal's refused (403) calls count against its own key. The database
    /// gate comes after.
    /// </summary>
    public static IApplicationBuilder UseOrderEngineAuthentication(this IApplicationBuilder app) =>
        app.UseAuthentication().UseRateLimiter().UseAuthorization();

    private static void ConfigureJwt(JwtBearerOptions o, SecurityOptions.JwtSettings jwt)
    {
        o.MapInboundClaims = false;
        if (!string.IsNullOrWhiteSpace(jwt.Authority))
        {
            o.Authority = jwt.Authority;
            o.Audience = jwt.Audience;
            o.TokenValidationParameters.ValidateAudience = true;
        }
        else
        {
            o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = jwt.Issuer,
                ValidAudience = jwt.Audience,
                IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(jwt.SigningKey!)),
                ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            };
        }
        o.TokenValidationParameters.ValidateIssuer = true;
        o.TokenValidationParameters.ValidateAudience = true;
        o.TokenValidationParameters.ValidateLifetime = true;
        o.TokenValidationParameters.RequireExpirationTime = true;
        o.TokenValidationParameters.ClockSkew = TimeSpan.FromSeconds(30);
        o.Events = new JwtBearerEvents
        {
            OnTokenValidated = ctx =>
            {
                if (ctx.Principal is { } token) ctx.Principal = FromToken(token);
                return Task.CompletedTask;
            },
            // The handler's own 401 and 403 have empty bodies: write the problem answers instead.
            OnChallenge = async ctx =>
            {
                ctx.HandleResponse();
                ctx.Response.Headers.WWWAuthenticate = "Bearer";
                await AuthenticationProblems.WriteUnauthenticatedAsync(ctx.HttpContext, ctx.AuthenticateFailure is SecurityTokenExpiredException
                    ? "the bearer token has expired"
                    : "the bearer token is not valid (signature, issuer, audience or lifetime)");
            },
            OnForbidden = ctx => AuthenticationProblems.WriteForbiddenAsync(ctx.HttpContext),
        };
    }

    /// <summary>The contract's principal from a validated token: sub, name (or preferred_username), one role per "roles" entry.</summary>
    internal static ClaimsPrincipal FromToken(ClaimsPrincipal token)
    {
        var sub = token.FindFirst("sub")?.Value ?? "unknown";
        var name = token.FindFirst("name")?.Value ?? token.FindFirst("preferred_username")?.Value ?? sub;
        var roles = token.FindAll("roles").Select(c => c.Value).Where(ApiKeyRoles.IsValid);
        return Principal.Of(BearerScheme, sub, name, roles);
    }
}

/// <summary>The 401 and 403 problem answers (urn:orderengine:problem:unauthenticated and :forbidden).</summary>
public static class AuthenticationProblems
{
    public static Task WriteUnauthenticatedAsync(HttpContext http, string detail) =>
        WriteAsync(http, StatusCodes.Status401Unauthorized, "Unauthenticated", "Authentication is required", detail);

    public static Task WriteForbiddenAsync(HttpContext http) =>
        WriteAsync(http, StatusCodes.Status403Forbidden, "Forbidden", "Not allowed",
            "the credentials are valid but their roles do not allow this operation");

    private static async Task WriteAsync(HttpContext http, int status, string code, string title, string detail)
    {
        if (http.Response.HasStarted) return;
        http.Response.StatusCode = status;
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails { Status = status, Type = Problems.TypeOf(code), Title = title, Detail = detail },
        });
    }
}

/// <summary>
/// Says at start how the node authenticates: off (a warning), the bootstrap admin key in use (never printed), or — with
/// neither a bootstrap key nor any key in the table — how to make the first key.
/// </summary>
internal sealed class AuthenticationNotice(IOptions<SecurityOptions> options, ApiKeyStore store, ILogger<AuthenticationNotice> log) : BackgroundService
{
    public const string HowToMakeTheFirstKey =
        "no API key exists and no bootstrap admin key is configured, so no request can be authenticated. Make the first admin key " +
        "with `dotnet OrderEngine.Api.dll keys create --name ops --roles admin` (same configuration, database reachable; it prints the key once), " +
        "or start the node with OrderEngine__Security__BootstrapAdminKey set to a secret of at least 32 characters and create keys with POST /api/keys";

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        var security = options.Value;
        if (!security.Enabled)
        {
            log.LogWarning("security is disabled (OrderEngine:Security:Enabled=false): every request is admitted as admin; never run so on a network");
            return;
        }
        if (!string.IsNullOrEmpty(security.BootstrapAdminKey))
        {
            log.LogInformation("the bootstrap admin key (OrderEngine:Security:BootstrapAdminKey) is in use; create stored keys and remove it");
            return;
        }
        try
        {
            if (await store.CountActiveAsync(ct) == 0) log.LogWarning(HowToMakeTheFirstKey);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            log.LogWarning("could not count the API keys at start: {Reason}", e.GetBaseException().Message);
        }
    }
}
