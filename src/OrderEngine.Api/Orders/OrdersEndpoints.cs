using System.Security.Claims;
using System.Collections.Immutable;
using Akka.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OrderEngine.Api.Http;
using OrderEngine.Api.Security;
using OrderEngine.Domain;
using OrderEngine.Domain.Dispatch;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Payments;
using OrderEngine.Engine.Orders;
using OrderEngine.Engine.PersonalData;
using OrderEngine.Engine.Sharding;

namespace OrderEngine.Api.Orders;

/// <summary>/api/orders: place, read, pay and cancel orders. Each handler maps HTTP to one entity message and back.</summary>
public static class OrdersEndpoints
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public static WebApplication MapOrdersApi(this WebApplication app)
    {
        var orders = app.MapGroup("/api/orders").WithTags("orders").WithAccess();
        orders.MapPost("/", PlaceAsync)
            .WithSummary("Place an order: 201 once every line is reserved, 409 naming the lines that could not be (or a delivery's restaurant that takes no orders now)")
            .ProducesProblem(400).ProducesProblem(409).ProducesProblem(413).ProducesProblem(422).ProducesProblem(429).ProducesProblem(503)
            .WithName("placeOrder")
            .WithDescription("Prices the order and reserves every line's stock; answers 201 once every line is reserved and the order is durable. An order that cannot be covered is refused with 409 naming each line, and nothing stays reserved. Idempotent by the body's id, the Idempotency-Key header, or (channel, externalId): a retry returns the same order; without any of them a retry makes a second order. Too many placements of one SKU at once: 429 with Retry-After. A customerId that is an email address is replaced by its pseudonymous id (\"email:\" + a keyed digest), which the answer shows; the email is kept nowhere.");
        orders.MapGet("/{id}", GetAsync).WithSummary("Read an order").ProducesProblem(404)
            .WithName("getOrder")
            .WithDescription("Reads an order from its entity: status, lines, totals, payment, refunds, shipping and delivery. Read-only.");
        orders.MapPost("/{id}/payment", PayAsync)
            .WithSummary("Confirm the payment of an order; amount and currency must match its total")
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(409).ProducesProblem(422)
            .WithName("payOrder")
            .WithDescription("Confirms the payment of a reserved order; amount and currency must match its total exactly (422 otherwise). The reserved units become sold and the order paid. Idempotent: the same payment again answers the paid order.");
        orders.MapPost("/{id}/cancel", CancelAsync)
            .WithSummary("Cancel an unpaid order and release its stock")
            .ProducesProblem(404).ProducesProblem(409)
            .WithName("cancelOrder")
            .ProducesProblem(400)
            .WithDescription("Cancels an unpaid order (placed, reserved, on hold, or confirmed cash on delivery and not yet shipped) and releases its reserved stock; a payment it holds is refunded. A paid order is ended by a refund instead (409). Repeating it answers the cancelled order. Attributed to the authenticated caller (key:{name} or user:{name}): the timeline's cancelled entry (and the refund it starts) shows it in by.");
        orders.MapPost("/{id}/review", ReviewAsync)
            .WithSummary("An operator approves or rejects an order held for review")
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(409)
            .WithName("reviewOrder")
            .WithDescription("An operator approves or rejects an order held for review; approval moves it on, rejection releases its stock. Repeating the same decision changes nothing. Attributed to the authenticated caller (key:{name} or user:{name}); the body's operator field is accepted for older clients and ignored.");
        orders.MapPost("/{id}/refunds", RefundAsync)
            .WithSummary("Refund lines, an amount, or everything left; 202 once requested of the provider (idempotent by refundId or Idempotency-Key)")
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(409).ProducesProblem(422)
            .WithName("refundOrder")
            .WithDescription("Refunds lines, an amount, or everything left through the payment's provider; answers 202 once requested, and the refund moves requested → succeeded or failed. Refunded units go back on sale. Idempotent by refundId or Idempotency-Key (one of them is required). Attributed to the authenticated caller (key:{name} or user:{name}); the body's by field is accepted for older clients and ignored.");
        orders.MapPost("/{id}/refunds/{refundId}/outcome", RefundOutcomeAsync)
            .WithSummary("Record the outcome of a refund carried out at the selling channel that collected the payment")
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(409)
            .WithName("recordRefundOutcome")
            .WithDescription("Records the outcome of a refund carried out at the selling channel that collected the payment (or a cash-on-delivery refund). A refund whose provider reports its own outcome is 409. Repeating the same outcome changes nothing. Attributed to the authenticated caller (key:{name} or user:{name}); the body's by field is accepted for older clients and ignored.");
        orders.MapGet("/{id}/events", EventsAsync)
            .WithSummary("The order's timeline: every event in order, with its time and who caused it")
            .ProducesProblem(404)
            .WithName("getOrderEvents")
            .WithDescription("The order's timeline from the journal: every event in order, with its time and who caused it. Read-only.");
        return app;
    }

    private static async Task<Results<Created<OrderView>, ProblemHttpResult>> PlaceAsync(
        [FromBody] PlaceOrderRequest body,
        [FromHeader(Name = IdempotencyKeyHeader)] string? idempotencyKey,
        PlacementGate gate,
        PlacementLimits limits,
        IRequiredActor<RestaurantRegion> restaurants,
        IRequiredActor<OrderRegion> orders,
        EntityGateway gateway,
        HttpContext http,
        CancellationToken ct)
    {
        if (idempotencyKey is not null && (idempotencyKey.Length is 0 or > 255 || idempotencyKey.Any(char.IsControl)))
            return Problems.Validation("the Idempotency-Key header is invalid", new Dictionary<string, string[]>
            {
                [IdempotencyKeyHeader] = ["1-255 printable characters"],
            });
        if (body.UnknownFields() is { Count: > 0 } unknown)
            return Problems.Validation($"the body has {(unknown.Count == 1 ? "a field" : "fields")} POST /api/orders does not take: {string.Join(", ", unknown.Keys)}", unknown);
        // A channel key places orders for its own channel only (a leaked key cannot place another channel's orders).
        if (!http.User.MayActForChannel(http.RequestServices.GetRequiredService<Policies.SecurityMode>(), body.Channel))
            return Policies.ChannelForbidden(body.Channel);
        if (idempotencyKey is not null && (body.Id is not null || body.ExternalId is not null))
            return Problems.Validation("an order is identified by its Idempotency-Key, by its id, or by its channel and externalId: give only one",
                new Dictionary<string, string[]> { [IdempotencyKeyHeader] = ["not allowed together with id or externalId"] });
        var identified = body.Id is not null || body.ExternalId is { Length: > 0 } || idempotencyKey is not null;
        var orderId = body.Id
            ?? (body.ExternalId is { Length: > 0 } ext ? Identifiers.OrderIdFromExternal(body.Channel ?? "", ext) : null)
            ?? (idempotencyKey is not null ? Identifiers.OrderIdFromIdempotencyKey(idempotencyKey) : NewOrderId());
        var command = new PlaceOrder(
            orderId,
            body.Channel ?? "",
            // An email given as the customer id is kept as its pseudonym, never in clear (docs/security.md, "Customer ids from
            // emails"); the pseudonymizer (its secret may be read from the database once) is asked only then.
            CustomerEmails.IsEmail(body.CustomerId) ? http.RequestServices.GetRequiredService<CustomerIdPseudonymizer>().OfEmail(body.CustomerId!) : body.CustomerId ?? "",
            body.Currency ?? "",
            body.Lines?.Select(l => l is null ? null! : new OrderLineRequest(l.Sku ?? "", l.Quantity, l.UnitPrice)).ToImmutableArray() ?? [],
            body.ShippingAddress is { } addr ? new Address(addr.Name, addr.Line1, addr.Line2, addr.City, addr.Region, addr.PostalCode, addr.Country, addr.Phone) : null,
            body.PaymentMethod ?? PaymentMethod.Card,
            body.Charges is { } ch ? new OrderCharges(ch.Shipping, ch.Tax, ch.Discount) : null,
            body.ExternalId,
            Delivery: body.Delivery is { } d
                ? new DeliveryRequest(d.RestaurantId ?? "",
                    d.DropOff is { } p ? new GeoPoint(p.Latitude ?? double.NaN, p.Longitude ?? double.NaN) : null!, d.PromisedBy)
                : null);
        // Flash-sale placement limits (per client IP, per customer): a retry of an order already placed is answered, not refused.
        if (limits.TryAcquire(command.CustomerId, RateLimits.ClientIp(http)) is { } limited
            && !(identified && Identifiers.IsValidEntityId(orderId) && await gateway.Ask<IOrderReply>(orders.ActorRef, new GetOrder(orderId), ct) is OrderAccepted))
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(limited.RetryAfter.TotalSeconds));
            http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.Problem(RateLimits.RateLimitedProblem(seconds, limited.Detail));
        }
        if (command.Delivery is { } delivery && await RestaurantRefusesAsync(delivery, orderId, restaurants.ActorRef, orders.ActorRef, gateway, ct) is { } refused)
            return refused;
        var reply = await gate.PlaceAsync(command, ct);
        if (reply is OrderRefused { Rejection.Code: OrderRejectionCode.Overloaded }) http.Response.Headers.RetryAfter = "1";
        return reply switch
        {
            OrderRefused r => EntityGateway.Problem(r.Rejection, r.OrderId),
            // An order rejected by an earlier version, which wrote rejections down, answered again.
            OrderAccepted { View.Status: OrderStatus.Rejected } a => EntityGateway.LinesNotReserved(a.OrderId,
                a.View.Lines.Where(l => l.RejectionCode is not null).Select(l => new LineRejection(l.Sku, l.RejectionCode!, l.RejectionReason ?? ""))),
            OrderAccepted a => TypedResults.Created($"/api/orders/{a.OrderId}", a.View),
            _ => throw new InvalidOperationException($"unexpected reply {reply.GetType().Name}"),
        };
    }

    /// <summary>
    /// Asks a delivery's restaurant whether it takes orders now: a problem when it is unknown (400 naming
    /// delivery.restaurantId) or paused or closed (409 with its reason). A malformed restaurant id is left to the order's
    /// own validation, and a placement already made is left to the order to answer as before (a client's retry).
    /// </summary>
    private static async Task<ProblemHttpResult?> RestaurantRefusesAsync(
        DeliveryRequest delivery, string orderId, Akka.Actor.IActorRef restaurants, Akka.Actor.IActorRef orders, EntityGateway gateway, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(delivery.RestaurantId)) return null;
        var answer = await gateway.Ask<RestaurantTakesOrders>(restaurants, new CheckRestaurantTakesOrders(delivery.RestaurantId), ct);
        if (answer.Known && answer.Takes) return null;
        if (Identifiers.IsValidEntityId(orderId) && await gateway.Ask<IOrderReply>(orders, new GetOrder(orderId), ct) is OrderAccepted) return null;
        return answer.Known
            ? Problems.Of(409, "RestaurantNotTakingOrders", "The restaurant takes no orders now",
                $"restaurant {delivery.RestaurantId} takes no orders now: {answer.Reason ?? "closed"}",
                new Dictionary<string, object?> { ["restaurantId"] = delivery.RestaurantId, ["reason"] = answer.Reason })
            : Problems.Validation($"no restaurant {delivery.RestaurantId} is defined", new Dictionary<string, string[]>
            {
                ["delivery.restaurantId"] = [$"no restaurant {delivery.RestaurantId} is defined"],
            });
    }

    private static async Task<Results<Ok<OrderView>, ProblemHttpResult>> GetAsync(
        string id, IRequiredActor<OrderRegion> region, EntityGateway gateway, ClaimsPrincipal user, Policies.SecurityMode security, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(id)) return NoSuchOrder(id);
        var reply = await gateway.Ask<IOrderReply>(region.ActorRef, new GetOrder(id), ct);
        // A channel key reads its own channel's orders only; another channel's order is as if it did not exist.
        if (reply is OrderAccepted { View: var view } && !user.MayActForChannel(security, view.Channel, Roles.Operator, Roles.Warehouse, Roles.Reporting))
            return NoSuchOrder(id);
        return Map(reply);
    }

    private static async Task<Results<Ok<OrderView>, ProblemHttpResult>> PayAsync(
        string id, [FromBody] PaymentRequest body, IRequiredActor<OrderRegion> region, EntityGateway gateway, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(id)) return NoSuchOrder(id);
        return Map(await gateway.Ask<IOrderReply>(region.ActorRef, new ConfirmPayment(id, body.Amount, body.Currency ?? "", body.Reference ?? ""), ct));
    }

    private static async Task<Results<Ok<OrderView>, ProblemHttpResult>> CancelAsync(
        string id, [FromBody] CancelRequest? body, IRequiredActor<OrderRegion> region, EntityGateway gateway, ClaimsPrincipal user, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(id)) return NoSuchOrder(id);
        return Map(await gateway.Ask<IOrderReply>(region.ActorRef, new CancelOrder(id, body?.Reason ?? "cancelled by request", user.Actor()), ct));
    }

    private static async Task<Results<Ok<OrderView>, ProblemHttpResult>> ReviewAsync(
        string id, [FromBody] ReviewRequest body, IRequiredActor<OrderRegion> region, EntityGateway gateway, ClaimsPrincipal user, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(id)) return NoSuchOrder(id);
        bool? approve = body.Decision?.ToLowerInvariant() switch { "approve" => true, "reject" => false, _ => null };
        if (approve is null)
            return Problems.Validation("the decision is invalid", new Dictionary<string, string[]> { ["decision"] = ["approve or reject"] });
        return Map(await gateway.Ask<IOrderReply>(region.ActorRef, new ReviewOrder(id, approve.Value, body.Reason ?? "", user.Actor()), ct));
    }

    private static async Task<Results<Accepted<OrderView>, ProblemHttpResult>> RefundAsync(
        string id,
        [FromBody] RefundRequestBody body,
        [FromHeader(Name = IdempotencyKeyHeader)] string? idempotencyKey,
        IRequiredActor<OrderRegion> region,
        EntityGateway gateway,
        ClaimsPrincipal user,
        CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(id)) return NoSuchOrder(id);
        var refundId = body.RefundId ?? (idempotencyKey is null ? null : Identifiers.Derived('r', "refund\n" + id + "\n" + idempotencyKey));
        if (refundId is null)
            return Problems.Validation("a refund needs an id", new Dictionary<string, string[]>
            {
                ["refundId"] = ["give refundId in the body or an Idempotency-Key header, so a retried refund counts once"],
            });
        var lines = body.Lines?.Select(l => l is null ? new RefundLine("", 0) : new RefundLine(l.Sku ?? "", l.Quantity)).ToImmutableArray() ?? [];
        var reply = await gateway.Ask<IOrderReply>(region.ActorRef, new RequestRefund(id, refundId, body.Amount, lines, body.Reason ?? "", user.Actor(), body.PaymentReference), ct);
        return reply switch
        {
            OrderAccepted a => TypedResults.Accepted($"/api/orders/{id}", a.View),
            OrderRefused r => EntityGateway.Problem(r.Rejection),
            _ => throw new InvalidOperationException($"unexpected reply {reply.GetType().Name}"),
        };
    }

    private static async Task<Results<Ok<OrderView>, ProblemHttpResult>> RefundOutcomeAsync(
        string id, string refundId, [FromBody] RefundOutcomeBody body, IRequiredActor<OrderRegion> region, EntityGateway gateway, ClaimsPrincipal user, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(id)) return NoSuchOrder(id);
        if (body.Succeeded is not { } succeeded)
            return Problems.Validation("the outcome is missing", new Dictionary<string, string[]> { ["succeeded"] = ["true (the channel paid it back) or false"] });
        return Map(await gateway.Ask<IOrderReply>(region.ActorRef,
            new RecordRefundOutcome(id, refundId, succeeded, body.Reference, body.Reason, RecordedBy: user.Actor()), ct));
    }

    private static async Task<Results<Ok<IReadOnlyList<TimelineEntry>>, ProblemHttpResult>> EventsAsync(
        string id, OrderTimelineQuery timeline, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(id)) return NoSuchOrder(id);
        var entries = await timeline.ReadAsync(id, ct);
        return entries.Count == 0 ? NoSuchOrder(id) : TypedResults.Ok(entries);
    }

    private static Results<Ok<OrderView>, ProblemHttpResult> Map(IOrderReply reply) => reply switch
    {
        OrderAccepted a => TypedResults.Ok(a.View),
        OrderRefused r => EntityGateway.Problem(r.Rejection),
        _ => throw new InvalidOperationException($"unexpected reply {reply.GetType().Name}"),
    };

    private static ProblemHttpResult NoSuchOrder(string id) =>
        EntityGateway.Problem(OrderRejection.Of(OrderRejectionCode.NotFound, $"order {id} does not exist"));

    /// <summary>A fresh id for a request that carries no idempotency key (such a request is not safe to retry).</summary>
    private static string NewOrderId() => "o" + Guid.CreateVersion7().ToString("N");
}
