using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OrderEngine.Api.Http;

namespace OrderEngine.Api.Security;

/// <summary>
/// /api/keys (admin): create a key (answered once, with the key), list keys (never a key or its hash), revoke a key.
/// </summary>
public static class ApiKeysEndpoints
{
    /// <summary>POST /api/keys.</summary>
    public sealed record CreateKeyRequest(string? Name, List<string?>? Roles);

    /// <summary>The new key: shown in this answer only, never again.</summary>
    public sealed record CreatedKey(string Id, string Key, string Name, IReadOnlyList<string> Roles);

    public sealed record KeyList(IReadOnlyList<ApiKeyView> Keys);

    public static WebApplication MapApiKeysApi(this WebApplication app)
    {
        var group = app.MapGroup("/api/keys").WithTags("keys").WithAccess();
        group.MapPost("", CreateAsync)
            .WithSummary("Create an API key ({name, roles}); the key is in this answer only")
            .ProducesProblem(400)
            .WithName("createApiKey")
            .WithDescription("Creates an API key with a name and roles (admin, operator, warehouse, reporting, courier, restaurant, channel:{name}). The answer holds the key: it is shown once, only its SHA-256 is stored. Admin only.");
        group.MapGet("", ListAsync)
            .WithSummary("Every API key, revoked ones too (never a key or its hash)")
            .WithName("listApiKeys")
            .WithDescription("Every API key with its name, roles, creation and revocation times; never the key or its hash. Read-only; admin only.");
        group.MapDelete("/{id}", RevokeAsync)
            .WithSummary("Revoke an API key")
            .ProducesProblem(404)
            .WithName("revokeApiKey")
            .WithDescription("Revokes an API key: it authenticates nothing from then on (on every node within the key cache time, 5 s by default). Revoking a revoked key changes nothing. Admin only.");
        return app;
    }

    private static async Task<Results<Created<CreatedKey>, ProblemHttpResult>> CreateAsync(
        [FromBody] CreateKeyRequest body, ApiKeyStore store, TimeProvider clock, CancellationToken ct)
    {
        var errors = ApiKeyRoles.Validate(body.Name, body.Roles);
        if (errors.Count > 0) return Problems.Validation("the key is invalid; nothing was stored", errors);
        var roles = body.Roles!.Select(r => r!).ToList();
        var id = ApiKeyMaterial.NewId();
        var key = ApiKeyMaterial.NewKey();
        await store.CreateAsync(id, body.Name!.Trim(), roles, ApiKeyMaterial.Hash(key), clock.GetUtcNow(), ct);
        return TypedResults.Created($"/api/keys/{id}", new CreatedKey(id, key, body.Name.Trim(), roles));
    }

    private static async Task<Ok<KeyList>> ListAsync(ApiKeyStore store, CancellationToken ct) =>
        TypedResults.Ok(new KeyList(await store.ListAsync(ct)));

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(
        string id, ApiKeyStore store, ApiKeyCache cache, TimeProvider clock, CancellationToken ct)
    {
        if (!await store.RevokeAsync(id, clock.GetUtcNow(), ct))
            return Problems.Of(404, "UnknownApiKey", "No such API key", $"no API key '{id}'");
        cache.Clear();
        return TypedResults.NoContent();
    }
}
