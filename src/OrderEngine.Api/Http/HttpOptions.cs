namespace OrderEngine.Api.Http;

/// <summary>HTTP edge settings, bound from "OrderEngine:Http".</summary>
public sealed class HttpOptions
{
    public const string Section = "OrderEngine:Http";

    /// <summary>The largest request body accepted; a larger one is answered 413 before it is read.</summary>
    public long MaxRequestBodyBytes { get; set; } = 64 * 1024;
}
