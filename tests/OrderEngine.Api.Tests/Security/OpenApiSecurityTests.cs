using System.Text.Json;
using OrderEngine.Api.Tests.OpenApi;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests.Security;

/// <summary>
/// The document declares both ways in (X-Api-Key and a JWT bearer token), requires either everywhere, and marks the
/// anonymous operations (the signed webhooks) with an empty requirement; the others declare their 401 and 403.
/// </summary>
public sealed class OpenApiSecurityTests(SecuredEngineFixture engine) : IClassFixture<SecuredEngineFixture>
{
    private static readonly string[] Anonymous =
    [
        "POST /api/payments/{provider}/webhook",
        "POST /api/carriers/{carrier}/webhook",
        "POST /api/channels/shopify/{shop}/orders",
        "POST /api/channels/woocommerce/{store}/orders",
    ];

    [Fact]
    public async Task The_document_declares_the_schemes_and_a_global_requirement()
    {
        var document = await Body(await engine.CreateAnonymousClient().GetAsync("/openapi/v1.json"));
        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        var apiKey = schemes.GetProperty("ApiKey");
        Assert.Equal(("apiKey", "header", "X-Api-Key"), (apiKey.GetProperty("type").GetString(), apiKey.GetProperty("in").GetString(), apiKey.GetProperty("name").GetString()));
        var bearer = schemes.GetProperty("Bearer");
        Assert.Equal(("http", "bearer", "JWT"), (bearer.GetProperty("type").GetString(), bearer.GetProperty("scheme").GetString(), bearer.GetProperty("bearerFormat").GetString()));

        // Either scheme satisfies the document: two requirements, one scheme each.
        var security = document.GetProperty("security").EnumerateArray().Select(r => r.EnumerateObject().Select(p => p.Name).Single()).Order();
        Assert.Equal(["ApiKey", "Bearer"], security);
    }

    [Fact]
    public async Task Anonymous_operations_have_an_empty_requirement_and_the_others_their_401_and_403()
    {
        var document = await Body(await engine.CreateAnonymousClient().GetAsync("/openapi/v1.json"));
        var faults = new List<string>();
        var anonymous = new List<string>();
        foreach (var (method, path, operation) in OpenApiContractTests.Operations(document))
        {
            var at = $"{method.ToUpperInvariant()} {path}";
            if (operation.TryGetProperty("security", out var security))
            {
                if (security.GetArrayLength() == 1 && security[0].ValueKind == JsonValueKind.Object && !security[0].EnumerateObject().Any())
                    anonymous.Add(at);
                else
                    faults.Add($"{at}: a requirement of its own");
                continue;
            }
            var responses = operation.GetProperty("responses");
            if (!responses.TryGetProperty("401", out _) || !responses.TryGetProperty("403", out _))
                faults.Add($"{at}: no 401 or 403");
        }
        Assert.True(faults.Count == 0, string.Join('\n', faults));
        Assert.Equal(Anonymous.Order(), anonymous.Order());
    }

    [Fact]
    public async Task What_the_document_says_is_anonymous_is_so_and_nothing_else_is()
    {
        // A signed webhook without credentials reaches its handler (which refuses the missing signature or unknown
        // provider itself: not a 401 from authentication); a secured operation without credentials is a 401.
        using var webhook = await engine.CreateAnonymousClient().PostAsync("/api/payments/nobody/webhook", Json("{}"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, webhook.StatusCode);
        using var secured = await engine.CreateAnonymousClient().PostAsync("/api/channels/amazon/s-1/orders", Json("{}"));
        await AssertProblem(secured, System.Net.HttpStatusCode.Unauthorized, "unauthenticated");
    }
}
