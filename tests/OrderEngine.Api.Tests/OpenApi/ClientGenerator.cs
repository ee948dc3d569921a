using System.Text.Json.Nodes;
using NSwag;
using NSwag.CodeGeneration.CSharp;
using NSwag.CodeGeneration.OperationNameGenerators;

namespace OrderEngine.Api.Tests.OpenApi;

/// <summary>
/// Generates the committed C# client (src/OrderEngine.Client/OrderEngineClient.g.cs) from the served OpenAPI document
/// with NSwag, in process: one class, one method per operation named by its operationId, System.Text.Json, the caller's
/// HttpClient (its BaseAddress is the node). The settings live here only, so the test that checks the committed client
/// and tools/regenerate-client.sh produce the same file.
/// </summary>
public static class ClientGenerator
{
    public const string RegenerateVariable = "ORDERENGINE_REGENERATE_CLIENT";

    public static async Task<string> GenerateAsync(string documentJson)
    {
        var document = await OpenApiDocument.FromJsonAsync(NullableReferencesForNSwag(documentJson));
        var settings = new CSharpClientGeneratorSettings
        {
            ClassName = "OrderEngineClient",
            GenerateClientInterfaces = true,
            UseBaseUrl = false,
            GenerateBaseUrlProperty = false,
            OperationNameGenerator = new SingleClientFromOperationIdOperationNameGenerator(),
            GenerateOptionalParameters = true,
            GenerateExceptionClasses = true,
            ExceptionClass = "OrderEngineApiException",
            CSharpGeneratorSettings =
            {
                Namespace = "OrderEngine.Client",
                JsonLibrary = NJsonSchema.CodeGeneration.CSharp.CSharpJsonLibrary.SystemTextJson,
                GenerateNullableReferenceTypes = false,
                GenerateDataAnnotations = false,
                ClassStyle = NJsonSchema.CodeGeneration.CSharp.CSharpClassStyle.Poco,
            },
        };
        var code = new CSharpClientGenerator(document, settings).GenerateFile();
        // NSwag stamps its own version and the time of generation in comments: keep the file stable for the freshness test.
        return string.Join('\n', code.Replace("\r\n", "\n").Split('\n').Where(l => !l.StartsWith("//     Generated using the NSwag toolchain", StringComparison.Ordinal)));
    }

    /// <summary>
    /// The served document is OpenAPI 3.1 and writes a nullable reference as <c>oneOf: [{type: null}, {$ref}]</c>; NSwag
    /// 14.8 reads that as an empty object of its own (a property typed "Kind2" with no fields, which then fails to read
    /// "standard"). For generation only, such a schema becomes the 3.0 form NSwag understands:
    /// <c>{allOf: [{$ref}], nullable: true}</c>. The served document is not changed.
    /// </summary>
    public static string NullableReferencesForNSwag(string documentJson)
    {
        var root = JsonNode.Parse(documentJson)!;
        Rewrite(root);
        return root.ToJsonString();

        static void Rewrite(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject o:
                    foreach (var combinator in new[] { "oneOf", "anyOf" })
                    {
                        if (o[combinator] is JsonArray options && options.Count == 2
                            && options.Count(x => x?["type"]?.ToJsonString() == "\"null\"") == 1
                            && options.FirstOrDefault(x => x?["$ref"] is not null) is JsonObject reference)
                        {
                            o.Remove(combinator);
                            o["allOf"] = new JsonArray(new JsonObject { ["$ref"] = reference["$ref"]!.GetValue<string>() });
                            o["nullable"] = true;
                        }
                    }
                    foreach (var (_, child) in o.ToList()) Rewrite(child);
                    break;
                case JsonArray a:
                    foreach (var child in a.ToList()) Rewrite(child);
                    break;
            }
        }
    }

    /// <summary>The committed client's path, found from the test's output folder up to the repository root.</summary>
    public static string CommittedPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "src", "OrderEngine.Client", "OrderEngineClient.g.cs");
            if (File.Exists(Path.Combine(dir.FullName, "OrderEngine.sln")) && File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException("src/OrderEngine.Client/OrderEngineClient.g.cs not found above " + AppContext.BaseDirectory);
    }
}
