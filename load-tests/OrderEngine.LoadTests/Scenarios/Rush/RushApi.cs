using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using OrderEngine.LoadTests.Core;

namespace OrderEngine.LoadTests.Scenarios.Rush;

/// <summary>One answer of the engine: status (0 when there was none: timeout or transport error) and body.</summary>
public sealed class ApiAnswer(int status, byte[] body, string? error)
{
    public int Status { get; } = status;
    public byte[] Body { get; } = body;

    /// <summary>The transport failure when there was no answer.</summary>
    public string? Error { get; } = error;

    public bool Ok => Status is >= 200 and < 300;

    /// <summary>No answer, or a 5xx: the request may or may not have taken effect; a repeat is safe (the commands are idempotent).</summary>
    public bool Uncertain => Status == 0 || Status >= 500;

    public string Text => Encoding.UTF8.GetString(Body.AsSpan(0, Math.Min(Body.Length, 400)));

    /// <summary>Reads the JSON body with <paramref name="read"/>; the fallback when it is not JSON or does not have the shape.</summary>
    public T Read<T>(Func<JsonElement, T> read, T fallback)
    {
        if (Body.Length == 0) return fallback;
        try
        {
            using var doc = JsonDocument.Parse(Body);
            return read(doc.RootElement);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            return fallback;
        }
    }
}

/// <summary>
/// The rush scenario's HTTP calls: JSON bodies written with a Utf8JsonWriter, every call recorded in the run's
/// <see cref="Metrics"/> (2xx as accepted, 409 as refused, anything else as other status, no answer as a transport
/// error) and counted per operation and status, so the report shows which endpoint answered what.
/// </summary>
public sealed class RushApi(EngineHttp http, Metrics metrics)
{
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _samples = new(StringComparer.Ordinal);

    /// <summary>"operation status" → count (e.g. "POST offers/accept 409").</summary>
    public SortedDictionary<string, long> Counts() => new(_counts, StringComparer.Ordinal);

    /// <summary>Up to three answer bodies per operation and non-2xx status, to see why.</summary>
    public SortedDictionary<string, string[]> Samples() => new(_samples.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray()), StringComparer.Ordinal);

    public Task<ApiAnswer> GetAsync(string operation, string path, CancellationToken ct) => SendAsync(operation, HttpMethod.Get, path, null, null, ct);

    public Task<ApiAnswer> PostAsync(string operation, string path, Action<Utf8JsonWriter>? body, CancellationToken ct, string? idempotencyKey = null) =>
        SendAsync(operation, HttpMethod.Post, path, body ?? (w => { w.WriteStartObject(); w.WriteEndObject(); }), idempotencyKey, ct);

    public Task<ApiAnswer> PutAsync(string operation, string path, Action<Utf8JsonWriter> body, CancellationToken ct) =>
        SendAsync(operation, HttpMethod.Put, path, body, null, ct);

    public async Task<ApiAnswer> SendAsync(string operation, HttpMethod method, string path, Action<Utf8JsonWriter>? body, string? idempotencyKey, CancellationToken ct)
    {
        byte[]? json = null;
        if (body is not null)
        {
            var buffer = new ArrayBufferWriter<byte>(256);
            using (var writer = new Utf8JsonWriter(buffer))
            {
                body(writer);
            }
            json = buffer.WrittenSpan.ToArray();
        }
        var start = Stopwatch.GetTimestamp();
        metrics.CountSent();
        ApiAnswer answer;
        OutcomeClass cls;
        try
        {
            var (status, bytes) = await http.SendJsonAsync(method, path, json, idempotencyKey, ct).ConfigureAwait(false);
            answer = new ApiAnswer(status, bytes, null);
            cls = status is >= 200 and < 300 ? OutcomeClass.Accepted : status == 409 ? OutcomeClass.Refused : OutcomeClass.OtherStatus;
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            answer = new ApiAnswer(0, [], "timeout: " + e.Message);
            cls = OutcomeClass.Timeout;
        }
        catch (HttpRequestException e)
        {
            answer = new ApiAnswer(0, [], $"{e.HttpRequestError}: {e.Message}");
            cls = OutcomeClass.TransportError;
        }
        catch (IOException e)
        {
            answer = new ApiAnswer(0, [], "IO: " + e.Message);
            cls = OutcomeClass.TransportError;
        }
        var end = Stopwatch.GetTimestamp();
        var key = $"{method.Method} {operation} {(answer.Status == 0 ? "no-answer" : answer.Status.ToString(CultureInfo.InvariantCulture))}";
        _counts.AddOrUpdate(key, 1, (_, n) => n + 1);
        string? error = null;
        if (!answer.Ok)
        {
            error = $"{method.Method} {path}: {answer.Error ?? answer.Text}";
            var q = _samples.GetOrAdd(key, _ => new ConcurrentQueue<string>());
            if (q.Count < 3) q.Enqueue(error);
        }
        metrics.Record(new Outcome(cls, answer.Status, cls == OutcomeClass.Refused ? RefusalKind.Other : RefusalKind.None, start, end, error));
        return answer;
    }
}

/// <summary>Tolerant readers of the engine's camelCase JSON.</summary>
public static class J
{
    public static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static double? Num(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    public static decimal? Dec(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDecimal() : null;

    public static JsonElement? Obj(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? v : null;

    public static IEnumerable<JsonElement> Arr(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray() : [];

    public static DateTimeOffset? Time(JsonElement e, string name) =>
        Str(e, name) is { } s && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var t) ? t : null;

    /// <summary>An id that is either a string element or an object's <paramref name="idName"/>.</summary>
    public static string? Id(JsonElement e, string idName) => e.ValueKind == JsonValueKind.String ? e.GetString() : Str(e, idName);

    public static void Point(Utf8JsonWriter w, MapPoint p)
    {
        w.WriteNumber("latitude", Math.Round(p.Latitude, 7));
        w.WriteNumber("longitude", Math.Round(p.Longitude, 7));
    }
}
