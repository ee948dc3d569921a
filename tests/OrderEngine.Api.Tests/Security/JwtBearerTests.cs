using System.Net;
using System.Security.Claims;
using OrderEngine.Api.Security;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests.Security;

/// <summary>Bearer tokens checked with the configured symmetric key, issuer and audience (no network), and their roles.</summary>
public sealed class JwtBearerTests(SecuredEngineFixture engine) : IClassFixture<SecuredEngineFixture>
{
    private readonly HttpClient _client = engine.CreateAnonymousClient();

    [Fact]
    public async Task A_valid_token_authenticates()
    {
        using var response = await _client.SendAs(HttpMethod.Get, "/api/stock/" + Sku("J"), bearer: SecuredEngineFixture.Token());
        Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.NotEqual(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task An_expired_token_is_a_401_problem_saying_so()
    {
        var token = SecuredEngineFixture.Token(expires: DateTime.UtcNow.AddMinutes(-5));
        using var response = await _client.SendAs(HttpMethod.Get, "/api/stock/" + Sku("J"), bearer: token);
        var problem = await AssertProblem(response, HttpStatusCode.Unauthorized, "unauthenticated");
        Assert.Contains("expired", problem.GetProperty("detail").GetString());
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    public static TheoryData<string> SpoiltTokens => new()
    {
        SecuredEngineFixture.Token(signingKey: "another-signing-key-0123456789-abcdefghij"),
        SecuredEngineFixture.Token(audience: "someone-else"),
        SecuredEngineFixture.Token(issuer: "https://other-issuer.test"),
        "not.a.token",
    };

    [Theory]
    [MemberData(nameof(SpoiltTokens))]
    public async Task A_token_with_a_wrong_signature_audience_or_issuer_is_a_401_problem(string token)
    {
        using var response = await _client.SendAs(HttpMethod.Get, "/api/stock/" + Sku("J"), bearer: token);
        await AssertProblem(response, HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task Roles_come_from_the_roles_claim()
    {
        // /api/keys is for admins: an operator's token is authenticated but forbidden, an admin's is allowed.
        using (var operatorToken = await _client.SendAs(HttpMethod.Get, "/api/keys", bearer: SecuredEngineFixture.Token(roles: ["operator"])))
            await AssertProblem(operatorToken, HttpStatusCode.Forbidden, "forbidden");
        using (var adminToken = await _client.SendAs(HttpMethod.Get, "/api/keys", bearer: SecuredEngineFixture.Token(roles: ["operator", "admin"])))
            await ExpectStatus(adminToken, HttpStatusCode.OK);
    }

    [Fact]
    public void The_principal_of_a_token_has_the_contract_claims()
    {
        var token = new ClaimsPrincipal(new ClaimsIdentity(
        [
            new Claim("sub", "u-42"), new Claim("preferred_username", "ada"),
            new Claim("roles", "operator"), new Claim("roles", "channel:shopify"), new Claim("roles", "root"),
        ], "Bearer"));
        var principal = AuthenticationSetup.FromToken(token);
        Assert.Equal("u-42", principal.FindFirst(ClaimTypes.NameIdentifier)?.Value);
        Assert.Equal("ada", principal.Identity?.Name);
        // Unknown roles are dropped: a provider's own roles grant nothing here.
        Assert.Equal(["operator", "channel:shopify"], principal.FindAll(ClaimTypes.Role).Select(c => c.Value));
        Assert.True(principal.IsInRole("operator"));
        Assert.Equal("user:ada", principal.Actor());
        Assert.Equal("key:ops", Principal.Of(ApiKeyAuthenticationHandler.SchemeName, "key-1", "ops", ["admin"]).Actor());
    }
}
