using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OrderEngine.Api.Security;

namespace OrderEngine.Api.Tests.Security;

/// <summary>
/// Credentials for the hosted engines of the tests: the node runs with security on and the bootstrap admin key
/// (<see cref="AdminKey"/>, principal <c>key:bootstrap</c>); other roles get real API keys, stored in the node's
/// <c>api_keys</c> table the first time a test asks for them and sent in <c>X-Api-Key</c>.
/// </summary>
public static class TestCredentials
{
    public const string AdminKey = "bootstrap-admin-key-for-tests-0123456789";
    public const string Header = "X-Api-Key";

    private static readonly ConcurrentDictionary<(IServiceProvider Node, string Roles, string Name), string> Keys = new();

    /// <summary>Turns the node's security on with the bootstrap admin key.</summary>
    public static void Configure(IWebHostBuilder builder)
    {
        builder.UseSetting("OrderEngine:Security:Enabled", "true");
        builder.UseSetting("OrderEngine:Security:BootstrapAdminKey", AdminKey);
    }

    /// <summary>Makes <paramref name="client"/> send the bootstrap admin key on every request.</summary>
    public static HttpClient Send(HttpClient client) => WithKey(client, AdminKey);

    /// <summary>Makes <paramref name="client"/> send a stored key with <paramref name="roles"/> (comma-separated) named <paramref name="name"/>.</summary>
    public static HttpClient Send(HttpClient client, IServiceProvider node, string roles, string? name = null) =>
        WithKey(client, KeyFor(node, roles, name));

    /// <summary>Adds a stored key with <paramref name="roles"/> to one request.</summary>
    public static HttpRequestMessage As(this HttpRequestMessage request, IServiceProvider node, string roles, string? name = null)
    {
        request.Headers.Add(Header, KeyFor(node, roles, name));
        return request;
    }

    /// <summary>
    /// A key of the node with <paramref name="roles"/>, stored as <c>POST /api/keys</c> stores one (hashed) the first
    /// time it is asked for; its principal's name is <paramref name="name"/> (by default <c>test-{roles}</c>).
    /// </summary>
    public static string KeyFor(IServiceProvider node, string roles, string? name = null)
    {
        name ??= "test-" + roles.Replace(',', '+').Replace(':', '-');
        return Keys.GetOrAdd((node, roles, name), k => Task.Run(async () =>
        {
            var key = ApiKeyMaterial.NewKey();
            var list = k.Roles.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            await k.Node.GetRequiredService<ApiKeyStore>().CreateAsync(ApiKeyMaterial.NewId(), k.Name, list, ApiKeyMaterial.Hash(key), DateTimeOffset.UtcNow, CancellationToken.None);
            return key;
        }).GetAwaiter().GetResult());
    }

    private static HttpClient WithKey(HttpClient client, string key)
    {
        client.DefaultRequestHeaders.Remove(Header);
        client.DefaultRequestHeaders.Add(Header, key);
        return client;
    }
}
