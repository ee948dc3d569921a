using System.Security.Claims;
using Akka.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OrderEngine.Api.Http;
using OrderEngine.Api.Orders;
using OrderEngine.Domain;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Sharding;
using OrderEngine.Api.Security;

namespace OrderEngine.Api.Stock;

/// <summary>/api/stock: set, adjust and read one SKU's stock.</summary>
public static class StockEndpoints
{
    public static WebApplication MapStockApi(this WebApplication app)
    {
        var stock = app.MapGroup("/api/stock").WithTags("stock").WithAccess();
        stock.MapGet("/{sku}", GetAsync).WithSummary("Read a SKU's on hand, reserved, sold and available units").ProducesProblem(404)
            .WithName("getStock")
            .ProducesProblem(400)
            .WithDescription("Reads a SKU's units on hand, reserved, sold and available, its version, and the last warehouse write to it (lastChange: who, when, what). Read-only.");
        stock.MapPut("/{sku}", SetAsync)
            .WithSummary("Set the absolute count on hand (a warehouse count with a version; older versions are refused)")
            .ProducesProblem(400).ProducesProblem(409)
            .WithName("setStock")
            .WithDescription("Sets the absolute count on hand, as a warehouse reports it, with its version: an older version is refused (409) and so is a count below reserved + sold. The same count and version again change nothing. Creates the SKU's stock when new. Attributed to the authenticated caller (key:{name} or user:{name}): the answer and GET /api/stock/{sku} show the last such change in lastChange (by, at, summary).");
        stock.MapPost("/{sku}/adjustments", AdjustAsync)
            .WithSummary("Change the count on hand by a delta with a reason; idempotent by adjustmentId or Idempotency-Key")
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(409).ProducesProblem(422)
            .WithName("adjustStock")
            .WithDescription("Changes the count on hand by a delta with a reason (received, damaged, correction, returned). Idempotent by adjustmentId or Idempotency-Key: a repeat counts once, the same id with a different adjustment is 422; below reserved + sold is 409. Attributed to the authenticated caller (key:{name} or user:{name}): the answer and GET /api/stock/{sku} show the last such change in lastChange (by, at, summary).");
        stock.MapPut("/{sku}/limit", SetLimitAsync)
            .WithSummary("Set or lift the per-customer purchase limit (a flash sale's per-buyer limit: orders over it are refused)")
            .ProducesProblem(400).ProducesProblem(404)
            .WithName("setPurchaseLimit")
            .WithDescription("Sets or lifts the SKU's per-customer purchase limit (a flash sale's per-buyer limit); orders over it are refused. Repeating it changes nothing. Attributed to the authenticated caller (key:{name} or user:{name}): the answer and GET /api/stock/{sku} show the last such change in lastChange (by, at, summary).");
        stock.MapPut("/{sku}/alert", SetAlertAsync)
            .WithSummary("Set the SKU's low-stock threshold: one alert while fewer units are available (0 turns its alerts off)")
            .ProducesProblem(400).ProducesProblem(404)
            .WithName("setLowStockThreshold")
            .WithDescription("Sets the SKU's low-stock threshold: one alert while fewer units are available; 0 turns its alerts off. Repeating it changes nothing. Attributed to the authenticated caller (key:{name} or user:{name}): the answer and GET /api/stock/{sku} show the last such change in lastChange (by, at, summary).");
        stock.MapPut("/{sku}/replenishment", SetReplenishmentAsync)
            .WithSummary("Set the SKU's replenishment settings (lead time, service level or fixed safety stock, review period); a missing field uses the default")
            .ProducesProblem(400).ProducesProblem(404)
            .WithName("setReplenishmentSettings")
            .WithDescription("Sets the SKU's replenishment settings (lead time, service level or fixed safety stock, review period); a missing field uses the default. Repeating it changes nothing. Attributed to the authenticated caller (key:{name} or user:{name}): the answer and GET /api/stock/{sku} show the last such change in lastChange (by, at, summary).");
        return app;
    }

    private static async Task<Results<Ok<StockView>, ProblemHttpResult>> SetAlertAsync(
        string sku, [FromBody] LowStockAlertRequest body, IRequiredActor<StockRegion> region, EntityGateway gateway, ClaimsPrincipal user, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(sku)) return InvalidSku();
        if (body.Below is not { } below)
            return Problems.Validation("the threshold is missing", new Dictionary<string, string[]> { ["below"] = ["below is required: a whole number of units, 0 or more (0 turns alerts off)"] });
        return Map(await gateway.Ask<IStockReply>(region.ActorRef, new SetLowStockThreshold(sku, below, user.Actor()), ct));
    }

    private static async Task<Results<Ok<StockView>, ProblemHttpResult>> SetReplenishmentAsync(
        string sku, [FromBody] ReplenishmentSettingsRequest body, IRequiredActor<StockRegion> region, EntityGateway gateway, ClaimsPrincipal user, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(sku)) return InvalidSku();
        var settings = new ReplenishmentSettings(body.LeadTimeDays, body.ServiceLevel, body.SafetyStock, body.ReviewDays);
        if (settings.Errors() is { Count: > 0 } errors)
            return Problems.Validation("the replenishment settings are invalid",
                errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()));
        return Map(await gateway.Ask<IStockReply>(region.ActorRef, new SetReplenishmentSettings(sku, settings, user.Actor()), ct));
    }

    private static async Task<Results<Ok<StockView>, ProblemHttpResult>> SetLimitAsync(
        string sku, [FromBody] PurchaseLimitRequest body, IRequiredActor<StockRegion> region, EntityGateway gateway, ClaimsPrincipal user, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(sku)) return InvalidSku();
        return Map(await gateway.Ask<IStockReply>(region.ActorRef, new SetPurchaseLimit(sku, body.PerCustomer, user.Actor()), ct));
    }

    private static async Task<Results<Ok<StockView>, ProblemHttpResult>> GetAsync(
        string sku, IRequiredActor<StockRegion> region, EntityGateway gateway, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(sku)) return InvalidSku();
        return Map(await gateway.Ask<IStockReply>(region.ActorRef, new GetStock(sku), ct));
    }

    private static async Task<Results<Ok<StockView>, ProblemHttpResult>> SetAsync(
        string sku, [FromBody] SetStockRequest body, IRequiredActor<StockRegion> region, EntityGateway gateway, ClaimsPrincipal user, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(sku)) return InvalidSku();
        return Map(await gateway.Ask<IStockReply>(region.ActorRef, new SetOnHand(sku, body.OnHand, body.Version, user.Actor()), ct));
    }

    private static async Task<Results<Ok<StockView>, ProblemHttpResult>> AdjustAsync(
        string sku,
        [FromBody] AdjustStockRequest body,
        [FromHeader(Name = OrdersEndpoints.IdempotencyKeyHeader)] string? idempotencyKey,
        IRequiredActor<StockRegion> region,
        EntityGateway gateway,
        ClaimsPrincipal user,
        CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(sku)) return InvalidSku();
        // Only a reason's exact name: Enum.TryParse would also take numbers and comma-combined names.
        var reason = Enum.GetValues<AdjustmentReason>().FirstOrDefault(r => string.Equals(r.ToString(), body.Reason, StringComparison.OrdinalIgnoreCase), (AdjustmentReason)(-1));
        if (!Enum.IsDefined(reason))
            return Problems.Validation("unknown adjustment reason", new Dictionary<string, string[]>
            {
                ["reason"] = ["one of: received, damaged, correction, returned"],
            });
        var adjustmentId = body.AdjustmentId ?? idempotencyKey ?? "a" + Guid.CreateVersion7().ToString("N");
        return Map(await gateway.Ask<IStockReply>(region.ActorRef, new AdjustOnHand(sku, adjustmentId, body.Delta, reason, body.Note, user.Actor()), ct));
    }

    private static Results<Ok<StockView>, ProblemHttpResult> Map(IStockReply reply) => reply switch
    {
        StockAccepted a => TypedResults.Ok(a.View),
        StockRefused r => EntityGateway.Problem(r.Rejection),
        _ => throw new InvalidOperationException($"unexpected reply {reply.GetType().Name}"),
    };

    private static ProblemHttpResult InvalidSku() =>
        Problems.Validation("the SKU in the path is invalid", new Dictionary<string, string[]> { ["sku"] = ["sku must be " + Identifiers.EntityIdRule] });
}
