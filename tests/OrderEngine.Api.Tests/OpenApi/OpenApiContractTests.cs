using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using OrderEngine.Testing;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests.OpenApi;

/// <summary>
/// The OpenAPI document is the contract clients are generated from: clean under Spectral's spectral:oas ruleset, every
/// operation with a stable camelCase operationId, a description, a declared tag and its responses; and its browsable
/// reference at /scalar is served entirely by the node.
/// </summary>
public sealed class OpenApiContractTests(EngineFixture engine) : IClassFixture<EngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];

    [SpectralFact]
    public async Task The_served_document_has_no_spectral_errors_or_warnings()
    {
        var spectral = Spectral.Find() ?? throw new InvalidOperationException(Spectral.Missing + "; CI=true, so the OpenAPI lint must run, not skip.");
        using var dir = new TempDirectory();
        var path = dir.File("openapi.json");
        await File.WriteAllTextAsync(path, await _client.GetStringAsync("/openapi/v1.json"));

        var findings = await Spectral.LintAsync(spectral, path, TimeSpan.FromSeconds(120));

        var serious = findings.Where(f => f.Severity <= 1).ToList();
        Assert.True(serious.Count == 0, $"spectral:oas found {serious.Count(f => f.Severity == 0)} errors and {serious.Count(f => f.Severity == 1)} warnings:\n" + string.Join('\n', serious));
    }

    [Fact]
    public async Task Every_operation_has_a_unique_camelCase_operationId_a_description_a_declared_tag_and_a_success_response()
    {
        var document = await Body(await _client.GetAsync("/openapi/v1.json"));
        var declaredTags = document.GetProperty("tags").EnumerateArray().Select(t => t.GetProperty("name").GetString()!).ToHashSet();
        var ids = new Dictionary<string, string>();
        var faults = new List<string>();
        foreach (var (method, path, operation) in Operations(document))
        {
            var at = $"{method.ToUpperInvariant()} {path}";
            if (!operation.TryGetProperty("operationId", out var id) || !Regex.IsMatch(id.GetString()!, "^[a-z][a-zA-Z0-9]+$"))
                faults.Add($"{at}: no camelCase operationId");
            else if (!ids.TryAdd(id.GetString()!, at))
                faults.Add($"{at}: operationId {id} is also {ids[id.GetString()!]}'s");
            if (!operation.TryGetProperty("description", out var d) || d.GetString()!.Length < 20)
                faults.Add($"{at}: no description");
            if (!operation.TryGetProperty("tags", out var tags) || tags.GetArrayLength() == 0)
                faults.Add($"{at}: no tag");
            else
                faults.AddRange(tags.EnumerateArray().Where(t => !declaredTags.Contains(t.GetString()!)).Select(t => $"{at}: tag {t} is not declared in the document"));
            var statuses = operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToList();
            if (!statuses.Any(s => s.StartsWith('2')))
                faults.Add($"{at}: no success response");
            if (path.StartsWith("/api/", StringComparison.Ordinal) && !statuses.Contains("503"))
                faults.Add($"{at}: no 503 (every /api operation can be refused by the overload gate)");
            foreach (var r in operation.GetProperty("responses").EnumerateObject().Where(r => r.Name[0] is '4' or '5'))
                if (!r.Value.TryGetProperty("content", out var c) || !c.TryGetProperty("application/problem+json", out _))
                    faults.Add($"{at}: {r.Name} is not described as application/problem+json");
        }
        Assert.True(ids.Count >= 80, $"only {ids.Count} operations in the document");
        Assert.True(faults.Count == 0, string.Join('\n', faults));
    }

    [Fact]
    public async Task The_document_names_the_API_with_contact_license_and_a_server()
    {
        var info = (await Body(await _client.GetAsync("/openapi/v1.json"))).GetProperty("info");

        Assert.Equal("OrderEngine API", info.GetProperty("title").GetString());
        Assert.Contains("problem+json", info.GetProperty("description").GetString());
        Assert.True(info.GetProperty("contact").TryGetProperty("name", out _));
        Assert.True(info.GetProperty("license").TryGetProperty("name", out _));
    }

    [Fact]
    public async Task The_api_reference_at_scalar_is_served_with_its_assets_from_the_node_itself()
    {
        using var page = await _client.GetAsync("/scalar/");
        await ExpectStatus(page, HttpStatusCode.OK);
        var html = await page.Content.ReadAsStringAsync();

        Assert.Contains("OrderEngine API", html);
        var assets = Regex.Matches(html, "(?:src|href)=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(assets);
        Assert.DoesNotContain(assets, a => a.Contains("//", StringComparison.Ordinal));
        foreach (var asset in assets)
        {
            using var response = await _client.GetAsync(new Uri(new Uri(_client.BaseAddress!, "/scalar/"), asset));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"/scalar/{asset}: {(int)response.StatusCode}");
        }
        // The default fonts would come from Scalar's font CDN; they are switched off.
        Assert.DoesNotContain("\"withDefaultFonts\":true", html);
        Assert.Contains("\"withDefaultFonts\":false", html);
    }

    public static IEnumerable<(string Method, string Path, JsonElement Operation)> Operations(JsonElement document) =>
        document.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Where(m => Methods.Contains(m.Name)).Select(m => (m.Name, p.Name, m.Value)));
}
