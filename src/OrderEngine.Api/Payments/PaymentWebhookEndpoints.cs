using Akka.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using OrderEngine.Api.Http;
using OrderEngine.Domain;
using OrderEngine.Domain.Orders;
using OrderEngine.Engine.Payments;
using OrderEngine.Engine.Sharding;
using OrderEngine.Api.Security;

namespace OrderEngine.Api.Payments;

/// <summary>
/// POST /api/payments/{provider}/webhook: a provider's signed notification. The raw body is verified before anything is
/// read from it; a bad or stale signature is 401 and changes nothing; a repeated event id is 200 and changes nothing.
/// </summary>
public static class PaymentWebhookEndpoints
{
    /// <summary>What the provider is told: the order as it now stands, so a person reading the provider's log sees the outcome.</summary>
    public sealed record WebhookAnswer(string EventId, string OrderId, OrderStatus OrderStatus, string Outcome);

    public static WebApplication MapPaymentsApi(this WebApplication app)
    {
        app.MapPost("/api/payments/{provider}/webhook", ReceiveAsync)
            .WithTags("payments")
            .WithSummary("A payment provider's signed webhook (payment captured, refund settled)")
            .Accepts<object>("application/json")
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(404).ProducesProblem(409)
            .WithName("receivePaymentWebhook").WithAccess()
            .WithDescription("A payment provider's signed webhook (payment captured, refund settled), verified before anything is read (401: nothing changes). Pays the order or settles its refund; a repeated delivery changes nothing, a second or mismatched payment is recorded as an anomaly (refunded or held as configured).");
        return app;
    }

    private static async Task<Results<Ok<WebhookAnswer>, ProblemHttpResult>> ReceiveAsync(
        string provider, HttpRequest request, PaymentProviders providers, IRequiredActor<OrderRegion> region, EntityGateway gateway,
        TimeProvider clock, CancellationToken ct)
    {
        if (providers.Find(provider) is not { } p || p is ManualProvider)
            return Problems.Of(404, "UnknownProvider", "No such payment provider", $"no payment provider '{provider}' is configured");
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, ct);
        var body = buffer.ToArray();
        var check = p.Verify(name => request.Headers.TryGetValue(name, out var v) ? v.ToString() : null, body, clock.GetUtcNow());
        if (!check.Valid) return Problems.Of(401, "BadSignature", "The webhook could not be verified", check.Problem!);
        ProviderNotification notification;
        try
        {
            notification = p.Parse(body);
        }
        catch (FormatException e)
        {
            return Problems.Of(400, "MalformedWebhook", "The webhook could not be read", e.Message);
        }
        if (!Identifiers.IsValidEntityId(notification.OrderId))
            return Problems.Of(404, "NotFound", "No such order", $"order {notification.OrderId} does not exist");
        IOrderCommand command = notification switch
        {
            PaymentCaptured c => new RecordProviderPayment(c.OrderId, p.Name, c.EventId, c.PaymentId, c.Amount, c.Currency),
            RefundSettled r => new RecordRefundOutcome(r.OrderId, r.RefundId, r.Succeeded, r.ProviderRefundId, r.FailureReason, r.EventId),
            _ => throw new InvalidOperationException(notification.GetType().Name),
        };
        return await gateway.Ask<IOrderReply>(region.ActorRef, command, ct) switch
        {
            OrderAccepted a => TypedResults.Ok(new WebhookAnswer(notification.EventId, a.OrderId, a.View.Status, Outcome(a.View, notification))),
            OrderRefused r => EntityGateway.Problem(r.Rejection),
            var other => throw new InvalidOperationException($"unexpected reply {other.GetType().Name}"),
        };
    }

    private static string Outcome(OrderView order, ProviderNotification n) => n switch
    {
        PaymentCaptured c when order.Anomalies.Any(a => a.PaymentId == c.PaymentId) =>
            "anomaly: " + order.Anomalies.Last(a => a.PaymentId == c.PaymentId).Reason,
        PaymentCaptured => "payment accepted",
        RefundSettled r => $"refund {r.RefundId} recorded",
        _ => "recorded",
    };
}
