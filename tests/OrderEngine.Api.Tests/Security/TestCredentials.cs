using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrderEngine.Api.Tests.Security;

/// <summary>
/// Credentials for the hosted engines of the tests. The node's authentication (API keys, JWT) is not part of this
/// build, so a test-only scheme builds the principal the policies read from a header: <c>X-Test-Roles: operator,channel:shopify</c>
/// (and optionally <c>X-Test-Name</c>), an identity of authentication type "ApiKey" as an API key's would be. With the
/// API keys in: <see cref="Configure"/> sets OrderEngine:Security:BootstrapAdminKey, and <see cref="Send"/> sends X-Api-Key.
/// </summary>
public static class TestCredentials
{
    public const string Scheme = "Test";
    public const string RolesHeader = "X-Test-Roles";
    public const string NameHeader = "X-Test-Name";

    /// <summary>Registers the test scheme as the node's authentication.</summary>
    public static void Configure(IWebHostBuilder builder) =>
        builder.ConfigureTestServices(services =>
            services.AddAuthentication(Scheme).AddScheme<AuthenticationSchemeOptions, TestRolesHandler>(Scheme, _ => { }));

    /// <summary>Makes <paramref name="client"/> send credentials with <paramref name="roles"/> (admin by default) on every request.</summary>
    public static HttpClient Send(HttpClient client, string roles = "admin", string? name = null)
    {
        client.DefaultRequestHeaders.Remove(RolesHeader);
        client.DefaultRequestHeaders.Add(RolesHeader, roles);
        client.DefaultRequestHeaders.Remove(NameHeader);
        client.DefaultRequestHeaders.Add(NameHeader, name ?? "test-" + roles.Replace(',', '+').Replace(':', '-'));
        return client;
    }

    /// <summary>Adds the credentials to one request.</summary>
    public static HttpRequestMessage As(this HttpRequestMessage request, string roles, string? name = null)
    {
        request.Headers.Add(RolesHeader, roles);
        request.Headers.Add(NameHeader, name ?? "test-" + roles.Replace(',', '+').Replace(':', '-'));
        return request;
    }

    private sealed class TestRolesHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var header = Request.Headers[RolesHeader].ToString();
            if (header.Length == 0) return Task.FromResult(AuthenticateResult.NoResult());
            var name = Request.Headers[NameHeader].ToString() is { Length: > 0 } n ? n : "test";
            var claims = new List<Claim> { new(ClaimTypes.NameIdentifier, "id-" + name), new(ClaimTypes.Name, name) };
            claims.AddRange(header.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(r => new Claim(ClaimTypes.Role, r)));
            var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, "ApiKey"));
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, TestCredentials.Scheme)));
        }
    }
}
