using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace OrderEngine.Api.Tests.Security;

/// <summary>An engine with authentication on: a bootstrap admin key and JWTs checked with a symmetric key.</summary>
public sealed class SecuredEngineFixture : EngineFixture
{
    public const string AdminKey = TestCredentials.AdminKey;
    public const string SigningKey = "signing-key-for-tests-0123456789-abcdefgh";
    public const string Issuer = "https://issuer.test";
    public const string Audience = "orderengine";

    protected override IReadOnlyDictionary<string, string> Settings => Secured;

    public static IReadOnlyDictionary<string, string> Secured => new Dictionary<string, string>
    {
        ["OrderEngine:Security:Enabled"] = "true",
        ["OrderEngine:Security:BootstrapAdminKey"] = AdminKey,
        ["OrderEngine:Security:Jwt:SigningKey"] = SigningKey,
        ["OrderEngine:Security:Jwt:Issuer"] = Issuer,
        ["OrderEngine:Security:Jwt:Audience"] = Audience,
    };

    /// <summary>A token as a provider would issue it; every part can be spoilt by a test.</summary>
    public static string Token(
        string sub = "u-1", string name = "Ada Operator", string[]? roles = null, string issuer = Issuer, string audience = Audience,
        string signingKey = SigningKey, DateTime? expires = null)
    {
        var claims = new Dictionary<string, object> { ["sub"] = sub, ["name"] = name, ["roles"] = roles ?? ["operator"] };
        var notBefore = (expires ?? DateTime.UtcNow.AddMinutes(10)) > DateTime.UtcNow ? DateTime.UtcNow.AddMinutes(-1) : DateTime.UtcNow.AddHours(-2);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Claims = claims,
            NotBefore = notBefore,
            IssuedAt = notBefore,
            Expires = expires ?? DateTime.UtcNow.AddMinutes(10),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(signingKey)), SecurityAlgorithms.HmacSha256),
        });
    }
}

/// <summary>Requests with chosen credentials.</summary>
public static class Credentials
{
    public static async Task<HttpResponseMessage> SendAs(this HttpClient client, HttpMethod method, string path, string? apiKey = null, string? bearer = null, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (apiKey is not null) request.Headers.Add("X-Api-Key", apiKey);
        if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        if (body is not null) request.Content = JsonContent.Create(body);
        return await client.SendAsync(request);
    }

    /// <summary>Creates a key with the bootstrap admin key; (id, key).</summary>
    public static async Task<(string Id, string Key)> CreateKey(this HttpClient client, string name, params string[] roles)
    {
        using var response = await client.SendAs(HttpMethod.Post, "/api/keys", SecuredEngineFixture.AdminKey, body: new { name, roles });
        await Api.ExpectStatus(response, System.Net.HttpStatusCode.Created);
        var body = await Api.Body(response);
        return (body.GetProperty("id").GetString()!, body.GetProperty("key").GetString()!);
    }
}
