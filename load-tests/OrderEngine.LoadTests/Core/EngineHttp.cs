using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Serialization;

namespace OrderEngine.LoadTests.Core;

/// <summary>GET /api/stock/{sku} as the engine answers it.</summary>
public sealed record StockView(string Sku, long OnHand, long Reserved, long Sold, long Available, long Version);

/// <summary>The body of PUT /api/stock/{sku}.</summary>
public sealed record SetStockBody(long OnHand, long Version);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(StockView))]
[JsonSerializable(typeof(SetStockBody))]
internal sealed partial class EngineJsonContext : JsonSerializerContext;

/// <summary>
/// The generator's HttpClient connection to the engine: one shared <see cref="HttpClient"/> over a
/// <see cref="SocketsHttpHandler"/> sized for the run (one connection per client or in-flight request). It sets up
/// stock, reads it back and asks again about uncertain orders; it carries the load itself with --client httpclient
/// (the default, --client raw, is <see cref="RawHttp"/>).
/// </summary>
public sealed class EngineHttp : ILoadClient, IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly HttpClient _http;

    public Uri BaseUri { get; }

    public EngineHttp(Uri baseUri, int connections, TimeSpan timeout)
    {
        BaseUri = baseUri;
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = Math.Max(connections, 1) + 16, // + a few for setup, checks and reconciliation
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
            AllowAutoRedirect = false,
        };
        _http = EngineKey.Authorize(new HttpClient(handler) { BaseAddress = baseUri, Timeout = timeout });
        _http.DefaultRequestVersion = HttpVersion.Version11;
        _http.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
    }

    public Uri Resolve(string relative) => new(BaseUri, relative);

    /// <summary>Sends one load request and classifies the answer; never throws for an HTTP or transport failure.</summary>
    /// <param name="startTicks">The instant latency is measured from (the intended send time in the open loop).</param>
    public async Task<Outcome> SendAsync(LoadRequest request, long startTicks)
    {
        using var message = new HttpRequestMessage(request.Method, request.Uri);
        var content = new ByteArrayContent(request.Body);
        content.Headers.ContentType = Json;
        message.Content = content;
        if (request.IdempotencyKey is not null) message.Headers.TryAddWithoutValidation("Idempotency-Key", request.IdempotencyKey);
        try
        {
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            // Read the whole body: the latency includes it and the connection goes back to the pool clean.
            var buffer = ArrayPool<byte>.Shared.Rent(ResponseClassifier.KeptBodyBytes + 512);
            try
            {
                // The first ~3.5 KB are kept (enough for any problem body); the rest is read into the last 512 bytes and dropped.
                const int Spill = 512;
                var kept = 0;
                await using (var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false))
                {
                    while (true)
                    {
                        var room = kept < buffer.Length - Spill ? buffer.AsMemory(kept) : buffer.AsMemory(buffer.Length - Spill);
                        var n = await stream.ReadAsync(room).ConfigureAwait(false);
                        if (n == 0) break;
                        if (kept < buffer.Length - Spill) kept += n;
                    }
                }
                return ResponseClassifier.Classify(status, buffer.AsSpan(0, kept), startTicks, Stopwatch.GetTimestamp());
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        catch (TaskCanceledException e) when (e.InnerException is TimeoutException)
        {
            return new Outcome(OutcomeClass.Timeout, 0, RefusalKind.None, startTicks, Stopwatch.GetTimestamp(), "timeout");
        }
        catch (HttpRequestException e)
        {
            return new Outcome(OutcomeClass.TransportError, 0, RefusalKind.None, startTicks, Stopwatch.GetTimestamp(),
                e.HttpRequestError + ": " + e.Message);
        }
        catch (IOException e)
        {
            return new Outcome(OutcomeClass.TransportError, 0, RefusalKind.None, startTicks, Stopwatch.GetTimestamp(),
                "IO: " + e.Message);
        }
        catch (OperationCanceledException e)
        {
            return new Outcome(OutcomeClass.TransportError, 0, RefusalKind.None, startTicks, Stopwatch.GetTimestamp(),
                "cancelled: " + e.Message);
        }
    }

    /// <summary>PUT /api/stock/{sku}; returns the status code and, on failure, the body.</summary>
    public async Task<(int Status, string? Body)> PutStockAsync(string sku, long onHand, long version, CancellationToken ct)
    {
        using var response = await _http.PutAsJsonAsync("api/stock/" + sku, new SetStockBody(onHand, version),
            EngineJsonContext.Default.SetStockBody, ct).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        var body = status == 200 ? null : await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        return (status, body);
    }

    /// <summary>GET /api/stock/{sku}: the view, or null with the status code when there is none.</summary>
    public async Task<(StockView? View, int Status, string? Body)> GetStockAsync(string sku, CancellationToken ct)
    {
        using var response = await _http.GetAsync("api/stock/" + sku, ct).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        if (status != 200) return (null, status, await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
        var view = await response.Content.ReadFromJsonAsync(EngineJsonContext.Default.StockView, ct).ConfigureAwait(false);
        return (view, status, null);
    }

    /// <summary>A GET of any path: the status code and the whole body (the feed's checks read channels and orders).</summary>
    public async Task<(int Status, byte[] Body)> GetBytesAsync(string path, CancellationToken ct)
    {
        using var response = await _http.GetAsync(path, ct).ConfigureAwait(false);
        return ((int)response.StatusCode, await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false));
    }

    /// <summary>
    /// Any request with an optional JSON body (and Idempotency-Key): the status code and the whole answer. Throws like
    /// HttpClient does (HttpRequestException, TaskCanceledException on timeout); the rush scenario's callers classify those.
    /// </summary>
    public async Task<(int Status, byte[] Body)> SendJsonAsync(HttpMethod method, string path, byte[]? json, string? idempotencyKey, CancellationToken ct)
    {
        using var message = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            message.Content = new ByteArrayContent(json);
            message.Content.Headers.ContentType = Json;
        }
        if (idempotencyKey is not null) message.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        using var response = await _http.SendAsync(message, ct).ConfigureAwait(false);
        return ((int)response.StatusCode, await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false));
    }

    /// <summary>GET /health/ready, to fail fast with a clear message when no engine is listening.</summary>
    public async Task<(bool Ready, string Detail)> ReadyAsync(CancellationToken ct)
    {
        try
        {
            using var response = await _http.GetAsync("health/ready", ct).ConfigureAwait(false);
            return (response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false)}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (false, e.Message);
        }
    }

    public void Dispose() => _http.Dispose();
}
