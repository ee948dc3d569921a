using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using OrderEngine.Api.Http;

namespace OrderEngine.Api.Reports;

public enum ResponseFormat { Json, Csv }

/// <summary>Chooses JSON or CSV from the Accept header (highest quality first; no header means JSON).</summary>
public static class ResponseFormats
{
    public const string CsvMediaType = "text/csv";

    /// <summary>The format to answer in, or null when the client accepts none the endpoint can write.</summary>
    public static ResponseFormat? Choose(HttpRequest request, bool csvAllowed)
    {
        var accept = request.Headers.Accept;
        if (accept.Count == 0 || accept.All(string.IsNullOrWhiteSpace)) return ResponseFormat.Json;
        if (!MediaTypeHeaderValue.TryParseList(accept, out var types)) return null;
        foreach (var type in types.OrderByDescending(t => t.Quality ?? 1.0))
        {
            if (type.Quality is 0) continue;
            var media = type.MediaType.Value?.ToLowerInvariant();
            switch (media)
            {
                case "application/json" or "application/*" or "*/*" or "application/problem+json":
                    return ResponseFormat.Json;
                case CsvMediaType or "text/*" when csvAllowed:
                    return ResponseFormat.Csv;
            }
        }
        return null;
    }

    public static ProblemHttpResult NotAcceptable(HttpRequest request, bool csvAllowed) =>
        Problems.Of(StatusCodes.Status406NotAcceptable, "NotAcceptable", "No acceptable representation",
            $"{request.Path} answers {(csvAllowed ? "application/json or text/csv" : "application/json")}, not '{request.Headers.Accept}'");
}
