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
        var document = await OpenApiDocument.FromJsonAsync(documentJson);
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
