using System.Net;
using System.Text.Json;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests.Security;

/// <summary>API keys end to end: the bootstrap key, created keys, revocation, the admin endpoints and their bad input.</summary>
public sealed class ApiKeyTests(SecuredEngineFixture engine) : IClassFixture<SecuredEngineFixture>
{
    private readonly HttpClient _client = engine.CreateAnonymousClient();

    [Fact]
    public async Task Without_credentials_an_api_call_is_a_401_problem_and_health_and_the_document_stay_open()
    {
        using var none = await _client.GetAsync("/api/stock/" + Sku("X"));
        var problem = await AssertProblem(none, HttpStatusCode.Unauthorized, "unauthenticated");
        Assert.Contains("X-Api-Key", problem.GetProperty("detail").GetString());
        Assert.Equal("ApiKey header=\"X-Api-Key\"", none.Headers.WwwAuthenticate.ToString());

        using var ready = await _client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var document = await _client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, document.StatusCode);
    }

    [Fact]
    public async Task The_bootstrap_key_is_an_admin_key()
    {
        using var response = await _client.SendAs(HttpMethod.Get, "/api/keys", SecuredEngineFixture.AdminKey);
        await ExpectStatus(response, HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_unknown_key_is_a_401_problem()
    {
        using var response = await _client.SendAs(HttpMethod.Get, "/api/keys", "oe_not-a-key-anyone-made");
        await AssertProblem(response, HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task A_created_key_authenticates_with_its_roles_and_is_shown_once()
    {
        var (id, key) = await _client.CreateKey("warehouse scanner", "warehouse", "channel:shopify");
        Assert.StartsWith("oe_", key);
        // 256 random bits, base64url without padding: 43 characters that are safe in a URL or a header.
        Assert.Equal(43, key.Length - 3);
        Assert.Matches("^[A-Za-z0-9_-]+$", key[3..]);

        var sku = Sku("K");
        using (var put = await _client.SendAs(HttpMethod.Put, $"/api/stock/{sku}", key, body: new { onHand = 3, version = 1 }))
            await ExpectStatus(put, HttpStatusCode.OK);

        // Not an admin: the admin endpoints answer 403, as a problem.
        using (var forbidden = await _client.SendAs(HttpMethod.Get, "/api/keys", key))
            await AssertProblem(forbidden, HttpStatusCode.Forbidden, "forbidden");

        // The list shows the key's name and roles, never the key nor its hash.
        using var list = await _client.SendAs(HttpMethod.Get, "/api/keys", SecuredEngineFixture.AdminKey);
        var text = await list.Content.ReadAsStringAsync();
        Assert.DoesNotContain(key, text);
        Assert.DoesNotContain(OrderEngine.Api.Security.ApiKeyMaterial.Hash(key), text);
        var listed = JsonDocument.Parse(text).RootElement.GetProperty("keys").EnumerateArray().Single(k => k.GetProperty("id").GetString() == id);
        Assert.Equal("warehouse scanner", listed.GetProperty("name").GetString());
        Assert.Equal(["warehouse", "channel:shopify"], listed.GetProperty("roles").EnumerateArray().Select(r => r.GetString()!));
        Assert.False(listed.TryGetProperty("revokedAt", out _));
        Assert.DoesNotContain(listed.EnumerateObject(), p => p.Name is "key" or "hash");
    }

    [Fact]
    public async Task A_revoked_key_is_refused_at_once_on_the_node_that_revoked_it()
    {
        var (id, key) = await _client.CreateKey("temp", "reporting");
        using (var before = await _client.SendAs(HttpMethod.Get, "/api/stock/" + Sku("R"), key))
            Assert.NotEqual(HttpStatusCode.Unauthorized, before.StatusCode);

        using (var revoke = await _client.SendAs(HttpMethod.Delete, $"/api/keys/{id}", SecuredEngineFixture.AdminKey))
            await ExpectStatus(revoke, HttpStatusCode.NoContent);
        using (var again = await _client.SendAs(HttpMethod.Delete, $"/api/keys/{id}", SecuredEngineFixture.AdminKey))
            await ExpectStatus(again, HttpStatusCode.NoContent);

        using var after = await _client.SendAs(HttpMethod.Get, "/api/stock/" + Sku("R"), key);
        await AssertProblem(after, HttpStatusCode.Unauthorized, "unauthenticated");
        using var list = await _client.SendAs(HttpMethod.Get, "/api/keys", SecuredEngineFixture.AdminKey);
        var listed = (await Body(list)).GetProperty("keys").EnumerateArray().Single(k => k.GetProperty("id").GetString() == id);
        Assert.True(listed.TryGetProperty("revokedAt", out _));
    }

    [Fact]
    public async Task Revoking_an_unknown_key_is_a_404_problem()
    {
        using var response = await _client.SendAs(HttpMethod.Delete, "/api/keys/key-nothing", SecuredEngineFixture.AdminKey);
        await AssertProblem(response, HttpStatusCode.NotFound, "unknown-api-key");
    }

    public static TheoryData<string, string[]> BadKeys => new()
    {
        { """{"roles":["admin"]}""", ["name"] },
        { """{"name":"  ","roles":["admin"]}""", ["name"] },
        { """{"name":"x"}""", ["roles"] },
        { """{"name":"x","roles":[]}""", ["roles"] },
        { """{"name":"x","roles":["root"]}""", ["roles[0]"] },
        { """{"name":"x","roles":["admin","channel:"]}""", ["roles[1]"] },
        { """{"name":"x","roles":["channel:Shop Ify"]}""", ["roles[0]"] },
        { """{"name":"x","roles":["channel:../etc"]}""", ["roles[0]"] },
        { """{"name":"x","roles":[null]}""", ["roles[0]"] },
        { """{"name":"x","roles":["admin","admin"]}""", ["roles"] },
        { "{\"name\":\"" + new string('n', 101) + "\",\"roles\":[\"admin\"]}", ["name"] },
    };

    [Theory]
    [MemberData(nameof(BadKeys))]
    public async Task A_bad_key_request_is_a_400_problem_and_stores_nothing(string body, string[] fields)
    {
        var before = await KeyCount();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/keys") { Content = Json(body) };
        request.Headers.Add("X-Api-Key", SecuredEngineFixture.AdminKey);
        using var response = await _client.SendAsync(request);
        await AssertValidationProblem(response, fields);
        Assert.Equal(before, await KeyCount());
    }

    private async Task<int> KeyCount()
    {
        using var list = await _client.SendAs(HttpMethod.Get, "/api/keys", SecuredEngineFixture.AdminKey);
        return (await Body(list)).GetProperty("keys").GetArrayLength();
    }
}
