using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit.Abstractions;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests.OpenApi;

/// <summary>
/// Bad input over every operation, generated from the OpenAPI document: absurd path and query values, malformed JSON,
/// bodies of the wrong shape and, for each field of the body's schema, a value of the wrong type or out of range. The
/// engine must never answer 5xx, every 4xx must be an RFC 9457 problem (application/problem+json with type, title and
/// status), and every status it answers must be one the document declares for that operation.
/// </summary>
public sealed class BadInputFromContractTests(EngineFixture engine, ITestOutputHelper output) : IClassFixture<EngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    private static readonly string[] AbsurdSegments =
    [
        new('x', 300), "-1", "0", " ", "null", "..", "a/b", "%", "ü😀", "'; drop table journal; --", "99999999999999999999999",
    ];

    private static readonly string[] AbsurdQueryValues =
    [
        "", "abc", "-1", "0", "99999999999999999999999", "1e400", "NaN", "true", "2026-13-45", new('z', 5000), "ü😀",
    ];

    [Fact]
    public async Task No_operation_answers_bad_input_with_a_5xx_or_without_a_problem_or_with_an_undeclared_status()
    {
        var document = await Body(await _client.GetAsync("/openapi/v1.json"));
        var faults = new List<string>();
        var sent = 0;
        var statuses = new SortedDictionary<int, int>();
        foreach (var (method, template, operation) in OpenApiContractTests.Operations(document))
        {
            var declared = operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToHashSet();
            foreach (var (what, request) in Requests(document, method, template, operation))
            {
                using (request)
                {
                    sent++;
                    using var response = await _client.SendAsync(request);
                    var status = (int)response.StatusCode;
                    statuses[status] = statuses.GetValueOrDefault(status) + 1;
                    var at = $"{method.ToUpperInvariant()} {template} with {what}: {status}";
                    if (status >= 500)
                        faults.Add($"{at} {Truncate(await response.Content.ReadAsStringAsync())}");
                    else if (status >= 400 && await ProblemFault(response) is { } fault)
                        faults.Add($"{at}: {fault}");
                    if (!declared.Contains(status.ToString()) && !await FrameworkAnswer(response))
                        faults.Add($"{at} is not declared (declared: {string.Join(", ", declared.Order())})");
                }
            }
        }
        output.WriteLine($"{sent} requests over {OpenApiContractTests.Operations(document).Count()} operations; answers: {string.Join(", ", statuses.Select(s => $"{s.Key}×{s.Value}"))}");
        Assert.True(sent > 500, $"only {sent} requests were generated");
        Assert.True(faults.Count == 0, $"{faults.Count} faults:\n" + string.Join('\n', faults.Distinct().Take(200)));
    }

    /// <summary>
    /// Answers the framework gives on any route before a handler runs, which the document describes once instead of on
    /// every operation: 404 for a path no route matches (a segment with a slash in it), 405, 413 and 415.
    /// </summary>
    private static async Task<bool> FrameworkAnswer(HttpResponseMessage response) => (int)response.StatusCode switch
    {
        404 => (await response.Content.ReadAsStringAsync()).Contains("nothing is served at", StringComparison.Ordinal),
        405 or 413 or 415 => true,
        _ => false,
    };

    private static async Task<string?> ProblemFault(HttpResponseMessage response)
    {
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            return $"Content-Type is {response.Content.Headers.ContentType?.MediaType ?? "none"}, not application/problem+json";
        try
        {
            var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            if (!problem.TryGetProperty("type", out var type) || !(type.GetString() ?? "").StartsWith(ProblemType, StringComparison.Ordinal)) return $"problem without an orderengine type: {problem}";
            if (!problem.TryGetProperty("title", out _)) return $"problem without a title: {problem}";
            if (!problem.TryGetProperty("status", out var s) || s.GetInt32() != (int)response.StatusCode) return $"problem status differs from the answer's: {problem}";
            return null;
        }
        catch (JsonException e)
        {
            return "the body is not JSON: " + e.Message;
        }
    }

    /// <summary>The bad requests for one operation: each absurd value in one place, everything else ordinary.</summary>
    private static IEnumerable<(string What, HttpRequestMessage Request)> Requests(JsonElement document, string method, string template, JsonElement operation)
    {
        var parameters = operation.TryGetProperty("parameters", out var p) ? p.EnumerateArray().ToList() : [];
        var pathNames = parameters.Where(x => x.GetProperty("in").GetString() == "path").Select(x => x.GetProperty("name").GetString()!).ToList();
        var queryNames = parameters.Where(x => x.GetProperty("in").GetString() == "query").Select(x => x.GetProperty("name").GetString()!).ToList();
        var bodySchema = operation.TryGetProperty("requestBody", out var rb) && rb.GetProperty("content").TryGetProperty("application/json", out var media) && media.TryGetProperty("schema", out var sch)
            ? Resolve(document, sch) : (JsonElement?)null;
        var takesBody = operation.TryGetProperty("requestBody", out _);
        var ordinaryBody = bodySchema is { } bs ? Ordinary(document, bs, 0)?.ToJsonString() ?? "{}" : "{}";

        string Path(string? badName, string badValue) =>
            pathNames.Aggregate(template, (t, n) => t.Replace("{" + n + "}", Uri.EscapeDataString(n == badName ? badValue : "fuzz-" + n)));

        HttpRequestMessage Make(string path, string? body, string? contentType = "application/json")
        {
            var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), path);
            if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, contentType ?? "application/json");
            return request;
        }

        var defaultBody = takesBody ? ordinaryBody : null;
        foreach (var name in pathNames)
            foreach (var value in AbsurdSegments)
                yield return ($"path {name}={Short(value)}", Make(Path(name, value), defaultBody));
        foreach (var name in queryNames)
            foreach (var value in AbsurdQueryValues)
                yield return ($"query {name}={Short(value)}", Make(Path(null, "") + "?" + name + "=" + Uri.EscapeDataString(value), defaultBody));
        if (!takesBody) yield break;
        var path0 = Path(null, "");
        foreach (var raw in new[] { "{", "[", "", "null", "[]", "\"text\"", "42", "{\"a\":", "{}}", "\u0000", "{\"lines\": [null]}" })
            yield return ($"body {Short(raw)}", Make(path0, raw));
        yield return ("a text/plain body", Make(path0, ordinaryBody, "text/plain"));
        if (bodySchema is not { } schema || !schema.TryGetProperty("properties", out var properties)) yield break;
        foreach (var property in properties.EnumerateObject())
        {
            foreach (var wrong in WrongValues(document, property.Value))
            {
                var body = JsonNode.Parse(ordinaryBody) as JsonObject ?? new JsonObject();
                body[property.Name] = wrong?.DeepClone();
                yield return ($"body {property.Name}={Short(wrong?.ToJsonString() ?? "null")}", Make(path0, body.ToJsonString()));
            }
        }
    }

    /// <summary>Values of the wrong type for a field, and absurd values of its own type.</summary>
    private static IEnumerable<JsonNode?> WrongValues(JsonElement document, JsonElement schema)
    {
        var resolved = Resolve(document, schema);
        var types = Types(resolved);
        if (!types.Contains("string")) yield return JsonValue.Create("not-a-" + (types.FirstOrDefault() ?? "value"));
        if (!types.Contains("number") && !types.Contains("integer")) yield return JsonValue.Create(12345);
        if (!types.Contains("object")) yield return new JsonObject { ["unexpected"] = true };
        if (!types.Contains("array")) yield return new JsonArray(1, "two");
        if (!types.Contains("boolean")) yield return JsonValue.Create(true);
        if (types.Contains("integer") || types.Contains("number"))
        {
            yield return JsonNode.Parse("1e400");
            yield return JsonValue.Create(-1);
            yield return JsonValue.Create(long.MaxValue);
            yield return JsonValue.Create(1.5);
        }
        if (types.Contains("string"))
        {
            yield return JsonValue.Create(new string('s', 20_000));
            yield return JsonValue.Create("");
            yield return JsonValue.Create("\u0001\u0002");
        }
        if (types.Contains("array"))
        {
            yield return new JsonArray(JsonValue.Create("x"), null, new JsonObject());
            yield return new JsonArray(Enumerable.Range(0, 200).Select(i => (JsonNode?)new JsonObject()).ToArray());
        }
        if (!types.Contains("null")) yield return null;
    }

    /// <summary>An ordinary value of a schema (every property set), so one wrong field is what the request gets wrong.</summary>
    private static JsonNode? Ordinary(JsonElement document, JsonElement schema, int depth)
    {
        var s = Resolve(document, schema);
        if (depth > 4) return null;
        if (s.TryGetProperty("enum", out var e) && e.GetArrayLength() > 0) return JsonNode.Parse(e[0].GetRawText());
        var types = Types(s);
        if (types.Contains("object") || s.TryGetProperty("properties", out _))
        {
            var o = new JsonObject();
            if (s.TryGetProperty("properties", out var props))
                foreach (var prop in props.EnumerateObject()) o[prop.Name] = Ordinary(document, prop.Value, depth + 1);
            return o;
        }
        if (types.Contains("array"))
            return s.TryGetProperty("items", out var items) ? new JsonArray(Ordinary(document, items, depth + 1)) : new JsonArray();
        if (types.Contains("integer")) return JsonValue.Create(1);
        if (types.Contains("number")) return JsonValue.Create(1.5);
        if (types.Contains("boolean")) return JsonValue.Create(true);
        if (types.Contains("string"))
            return JsonValue.Create(s.TryGetProperty("format", out var f) && f.GetString() == "date-time" ? "2026-01-01T00:00:00Z" : "fuzz");
        return null;
    }

    private static HashSet<string> Types(JsonElement schema)
    {
        var types = new HashSet<string>();
        if (schema.TryGetProperty("type", out var t))
        {
            if (t.ValueKind == JsonValueKind.Array) foreach (var x in t.EnumerateArray()) types.Add(x.GetString()!);
            else types.Add(t.GetString()!);
        }
        return types;
    }

    private static JsonElement Resolve(JsonElement document, JsonElement schema)
    {
        for (var i = 0; i < 10 && schema.TryGetProperty("$ref", out var r); i++)
        {
            var node = document;
            foreach (var part in r.GetString()!.TrimStart('#', '/').Split('/')) node = node.GetProperty(part);
            schema = node;
        }
        // nullable written as oneOf/anyOf [null, $ref]: take the non-null branch
        foreach (var combinator in new[] { "oneOf", "anyOf", "allOf" })
            if (schema.TryGetProperty(combinator, out var options))
                foreach (var option in options.EnumerateArray())
                    if (!(option.TryGetProperty("type", out var ty) && ty.ValueKind == JsonValueKind.String && ty.GetString() == "null"))
                        return Resolve(document, option);
        return schema;
    }

    private static string Short(string s) => s.Length <= 40 ? s : s[..20] + $"…({s.Length} chars)";

    private static string Truncate(string s) => s.Length <= 300 ? s : s[..300] + "…";
}
