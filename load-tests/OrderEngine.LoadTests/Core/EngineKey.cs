namespace OrderEngine.LoadTests.Core;

/// <summary>
/// The API key every request of the load tool carries in <c>X-Api-Key</c>: the environment variable ORDERENGINE_KEY
/// (load-tests/lib.sh starts its engines with it as the bootstrap admin key; deploy/local-cluster.sh prints its own with
/// <c>key</c>). Unset, requests carry none (an engine with security off, or one older than its API keys).
/// </summary>
public static class EngineKey
{
    public const string Header = "X-Api-Key";

    public static string? Value { get; } = Environment.GetEnvironmentVariable("ORDERENGINE_KEY") is { Length: > 0 } key ? key : null;

    /// <summary>Makes <paramref name="http"/> send the key on every request (when there is one).</summary>
    public static HttpClient Authorize(HttpClient http)
    {
        if (Value is not null) http.DefaultRequestHeaders.TryAddWithoutValidation(Header, Value);
        return http;
    }
}
