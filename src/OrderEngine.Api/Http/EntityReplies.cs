using Akka.Actor;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Database;
using OrderEngine.Engine.Hosting;

namespace OrderEngine.Api.Http;

/// <summary>Asks a shard region and maps entity refusals to problem details; no business rule lives here.</summary>
public sealed class EntityGateway(IOptions<OrderEngineOptions> options, DatabaseMonitor? database = null)
{
    private readonly TimeSpan _timeout = options.Value.AskTimeout;

    /// <summary>
    /// Asks an entity; while the database is away, briefly (see <see cref="DatabaseMonitor.AskAsync{T}"/>). An order
    /// command carries the request's trace context to its entity when spans are recorded (otherwise it is sent as is).
    /// </summary>
    public Task<T> Ask<T>(IActorRef region, object message, CancellationToken ct)
    {
        var sent = OrderEngine.Engine.Telemetry.TracedCommand.Wrap(message);
        return database is null ? region.Ask<T>(sent, _timeout, ct) : database.AskAsync<T>(region, sent, _timeout, ct);
    }

    public static ProblemHttpResult Problem(OrderRejection r, string? orderId = null) => r.Code switch
    {
        OrderRejectionCode.Invalid when !r.Errors.IsDefaultOrEmpty => Problems.Validation(r.Message,
            r.Errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray())),
        OrderRejectionCode.Invalid => Problems.Of(400, r.Code.ToString(), "The request is invalid", r.Message),
        OrderRejectionCode.NotFound => Problems.Of(404, r.Code.ToString(), "No such order", r.Message),
        OrderRejectionCode.IdempotencyConflict => Problems.Of(422, r.Code.ToString(), "Idempotency key reused with a different request", r.Message),
        OrderRejectionCode.PaymentMismatch => Problems.Of(422, r.Code.ToString(), "The payment does not match the order", r.Message),
        OrderRejectionCode.RefundTooLarge => Problems.Of(422, r.Code.ToString(), "The refund is larger than what is left to refund", r.Message),
        OrderRejectionCode.HoldExpired => Problems.Of(409, r.Code.ToString(), "The order's hold has expired", r.Message),
        OrderRejectionCode.LinesNotReserved => LinesNotReserved(orderId, r.Lines),
        OrderRejectionCode.Overloaded => Problems.Of(429, r.Code.ToString(), "Too many placements of this SKU at once", r.Message),
        _ => Problems.Of(409, r.Code.ToString(), "The order's status does not allow this", r.Message),
    };

    /// <summary>409 naming each line that could not be reserved; no order was placed and nothing is held.</summary>
    public static ProblemHttpResult LinesNotReserved(string? orderId, IEnumerable<LineRejection> lines)
    {
        var refused = lines.ToArray();
        return Problems.Of(409, nameof(OrderRejectionCode.LinesNotReserved), "Some lines could not be reserved",
            string.Join("; ", refused.Select(l => $"{l.Sku}: {l.Reason}")),
            new Dictionary<string, object?>
            {
                ["orderId"] = orderId,
                ["lines"] = refused.Select(l => new RefusedLine(l.Sku, l.Code, l.Reason)).ToArray(),
            });
    }

    /// <summary>A refused line as the problem body shows it.</summary>
    public sealed record RefusedLine(string Sku, string Code, string Reason);

    public static ProblemHttpResult Problem(StockRejection r) => r.Code switch
    {
        StockRejectionCode.Invalid => Problems.Of(400, r.Code.ToString(), "The request is invalid", r.Message),
        StockRejectionCode.UnknownSku => Problems.Of(404, r.Code.ToString(), "No such SKU", r.Message),
        StockRejectionCode.AdjustmentConflict => Problems.Of(422, r.Code.ToString(), "Adjustment id reused with a different adjustment", r.Message),
        StockRejectionCode.PurchaseLimitExceeded => Problems.Of(409, r.Code.ToString(), "Over the per-customer limit", r.Message),
        _ => Problems.Of(409, r.Code.ToString(), "The stock does not allow this", r.Message),
    };
}
