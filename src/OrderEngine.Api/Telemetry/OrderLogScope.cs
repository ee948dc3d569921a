using System.Collections;
using OrderEngine.Domain;

namespace OrderEngine.Api.Telemetry;

/// <summary>
/// Every log line written while an /api/orders request is handled carries the order's id as the <c>OrderId</c> scope
/// property: from the route (/api/orders/{id}/…), or for a placement from its Idempotency-Key (the id the engine derives
/// from it). Registered as a startup filter so the scope also covers the exception handler's log. The id is derived
/// only when a line is actually written; the cost per request is the scope itself.
/// </summary>
internal sealed class OrderLogScopeStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        var log = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("OrderEngine.Api.Orders");
        app.Use(async (http, nextStep) =>
        {
            var scope = OrderLogScope.For(http.Request);
            if (scope is null)
            {
                await nextStep(http);
                return;
            }
            using (log.BeginScope(scope)) await nextStep(http);
        });
        next(app);
    };
}

/// <summary>The <c>OrderId</c> scope property of an order request (derived lazily from the Idempotency-Key for a placement).</summary>
internal sealed class OrderLogScope : IReadOnlyList<KeyValuePair<string, object?>>
{
    private readonly string? _id;
    private readonly string? _idempotencyKey;
    private string? _derived;

    private OrderLogScope(string? id, string? idempotencyKey) => (_id, _idempotencyKey) = (id, idempotencyKey);

    public static OrderLogScope? For(HttpRequest request)
    {
        var path = request.Path.Value;
        const string prefix = "/api/orders";
        if (path is null || !path.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) return null;
        var rest = path.AsSpan(prefix.Length).TrimStart('/');
        if (rest.IsEmpty)
        {
            // A placement: identified by its Idempotency-Key (an id or external id in the body is not read here).
            var key = request.Headers["Idempotency-Key"].ToString();
            return key.Length is > 0 and <= 255 ? new OrderLogScope(null, key) : null;
        }
        var slash = rest.IndexOf('/');
        var id = (slash < 0 ? rest : rest[..slash]).ToString();
        return id.Length == 0 || id.Equals("search", StringComparison.OrdinalIgnoreCase) ? null : new OrderLogScope(id, null);
    }

    private string OrderId => _id ?? (_derived ??= Identifiers.OrderIdFromIdempotencyKey(_idempotencyKey!));

    public KeyValuePair<string, object?> this[int index] =>
        index == 0 ? new KeyValuePair<string, object?>("OrderId", OrderId) : throw new ArgumentOutOfRangeException(nameof(index));

    public int Count => 1;

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        yield return this[0];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => "OrderId:" + OrderId;
}
