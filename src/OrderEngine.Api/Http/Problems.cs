using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace OrderEngine.Api.Http;

/// <summary>RFC 9457 problem details with stable type URIs, one per kind of refusal.</summary>
public static class Problems
{
    public static string TypeOf(string code) => "urn:orderengine:problem:" + Kebab(code);

    public static ProblemHttpResult Of(int status, string code, string title, string detail, IDictionary<string, object?>? extensions = null)
    {
        var problem = new ProblemDetails { Status = status, Type = TypeOf(code), Title = title, Detail = detail };
        if (extensions is not null)
            foreach (var (k, v) in extensions) problem.Extensions[k] = v;
        return TypedResults.Problem(problem);
    }

    public static ProblemHttpResult Validation(string detail, IDictionary<string, string[]> errors) =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors)
        {
            Status = StatusCodes.Status400BadRequest,
            Type = TypeOf("invalid"),
            Title = "The request is invalid",
            Detail = detail,
        });

    public static ProblemHttpResult Unavailable(string detail) =>
        Of(StatusCodes.Status503ServiceUnavailable, "unavailable", "Try again shortly", detail);

    private static string Kebab(string code)
    {
        var sb = new System.Text.StringBuilder(code.Length + 8);
        for (var i = 0; i < code.Length; i++)
        {
            var c = code[i];
            if (char.IsUpper(c) && i > 0) sb.Append('-');
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }
}
