using Microsoft.AspNetCore.Mvc;
using OrderEngine.Engine.Database;

namespace OrderEngine.Api.Http;

/// <summary>
/// While this node sees its database away (<see cref="DatabaseMonitor"/>), requests that would write to it are answered
/// 503 with Retry-After at once instead of each waiting out its ask timeout. Reads go on: an entity already awake answers
/// from memory, and a read that needs the database fails fast and is answered 503 too (see <see cref="EntityGateway"/>).
/// </summary>
internal sealed class DatabaseGateMiddleware(RequestDelegate next, DatabaseMonitor monitor)
{
    public async Task InvokeAsync(HttpContext http)
    {
        if (monitor.IsAvailable || !IsDatabaseBound(http.Request))
        {
            await next(http);
            return;
        }
        await WriteUnavailableAsync(http, monitor, "the database is unavailable; the request was not carried out and retrying it (same Idempotency-Key) is safe");
    }

    /// <summary>A write under /api: every one of them ends in a journal write or a read-table write.</summary>
    private static bool IsDatabaseBound(HttpRequest request) =>
        request.Path.StartsWithSegments("/api") && !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method));

    /// <summary>Writes the 503 "database unavailable" problem with the monitor's Retry-After.</summary>
    public static Task WriteUnavailableAsync(HttpContext http, DatabaseMonitor monitor, string detail)
    {
        http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        http.Response.Headers.RetryAfter = monitor.Options.RetryAfterHeader;
        return http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = DatabaseUnavailableProblem(detail),
        }).AsTask();
    }

    public static ProblemDetails DatabaseUnavailableProblem(string detail) => new()
    {
        Status = StatusCodes.Status503ServiceUnavailable,
        Type = Problems.TypeOf("DatabaseUnavailable"),
        Title = "The database is unavailable; try again shortly",
        Detail = detail,
    };
}
