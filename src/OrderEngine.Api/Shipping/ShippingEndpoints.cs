using System.Security.Claims;
using System.Collections.Immutable;
using Akka.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OrderEngine.Api.Http;
using OrderEngine.Domain;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.ShippingMethods;
using OrderEngine.Engine.Sharding;
using OrderEngine.Engine.Shipping;
using OrderEngine.Api.Security;

namespace OrderEngine.Api.Shipping;

/// <summary>The rules in force, as GET /api/shipping/rules shows them; <see cref="Rules"/> is what PUT takes.</summary>
public sealed record ShippingRulesResponse(long Version, ShippingRulesSource Source, string? By, DateTimeOffset? UpdatedAt, ShippingRulesDocument Rules);

/// <summary>GET /api/orders/{id}/shipping-options: every method judged for the order, and the one the rules choose.</summary>
public sealed record ShippingOptionsResponse(
    string OrderId,
    string Currency,
    ImmutableArray<ShippingOption> Options,
    ImmutableArray<string> Notes,
    ShippingChoice Choice);

/// <summary>/api/shipping/rules (read and replace the shipping rules) and /api/orders/{id}/shipping-options.</summary>
public static class ShippingEndpoints
{
    public const string OperatorHeader = "X-Operator";

    public static WebApplication MapShippingApi(this WebApplication app)
    {
        var shipping = app.MapGroup("/api/shipping").WithTags("shipping").WithAccess();
        shipping.MapGet("/rules", GetRulesAsync).WithSummary("The shipping rules in force, with their version and source (configuration or api)")
            .WithName("getShippingRules")
            .WithDescription("The shipping rules in force, with their version and source (configuration or api). Read-only.");
        shipping.MapPut("/rules", PutRulesAsync)
            .WithSummary("Replace the shipping rules on every node: every problem is named and nothing changes unless all are fixed")
            .ProducesProblem(400)
            .WithName("putShippingRules")
            .WithDescription("Replaces the shipping rules on every node. Every problem is named with its path and nothing changes unless all are fixed; the same rules again change nothing. Attributed to the authenticated caller (key:{name} or user:{name}); the X-Operator header is accepted for older clients and ignored.");
        app.MapGet("/api/orders/{id}/shipping-options", OptionsAsync).WithTags("orders")
            .WithSummary("The shipping methods for an order: each eligible or not (with reasons), its cost and delivery dates, and the choice")
            .ProducesProblem(404)
            .WithName("getShippingOptions").WithAccess()
            .WithDescription("The shipping methods for an order: each eligible or not with its reasons, its cost and delivery dates, and the method chosen. Read-only.");
        app.MapPost("/api/orders/{id}/shipping", OverrideAsync).WithTags("orders")
            .WithSummary("An operator sets the order's shipping method (any method the rules define); it lifts a hold for no eligible method")
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(409)
            .WithName("setShippingMethod").WithAccess()
            .WithDescription("An operator sets the order's shipping method (any method the rules define); it lifts a hold for no eligible method. Repeating it changes nothing. Attributed to the authenticated caller (key:{name} or user:{name}); the body's by field is accepted for older clients and ignored.");
        return app;
    }

    private static async Task<Results<Ok<OrderView>, ProblemHttpResult>> OverrideAsync(
        string id, [FromBody] ShippingOverrideBody body, IRequiredActor<OrderRegion> orders, EntityGateway gateway, ShippingQuotes quotes, ClaimsPrincipal user, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(id))
            return EntityGateway.Problem(OrderRejection.Of(OrderRejectionCode.NotFound, $"order {id} does not exist"));
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(body.MethodId)) errors["methodId"] = ["a method the shipping rules define"];
        // Who chooses it is the caller; the body's by is ignored.
        var by = user.Actor();
        if (string.IsNullOrWhiteSpace(by) || by.Length > 100 || by.Any(char.IsControl)) errors["by"] = ["who chooses it (1-100 printable characters)"];
        if (body.Note is { Length: > 500 }) errors["note"] = ["at most 500 characters"];
        if (errors.Count > 0) return Problems.Validation("the shipping choice is invalid", errors);
        if (await gateway.Ask<IOrderReply>(orders.ActorRef, new GetOrder(id), ct) is not OrderAccepted { View: var view })
            return EntityGateway.Problem(OrderRejection.Of(OrderRejectionCode.NotFound, $"order {id} does not exist"));
        var quote = await quotes.QuoteAsync(view, ct);
        if (ShippingChooser.Override(quote, body.MethodId!, by, body.Note) is not { } choice)
            return Problems.Validation("no such shipping method", new Dictionary<string, string[]>
            {
                ["methodId"] = [$"the rules define {string.Join(", ", quote.Options.Select(o => o.MethodId))}"],
            });
        return await gateway.Ask<IOrderReply>(orders.ActorRef, new OverrideShippingMethod(id, choice), ct) switch
        {
            OrderAccepted a => TypedResults.Ok(a.View),
            OrderRefused r => EntityGateway.Problem(r.Rejection),
            var other => throw new InvalidOperationException($"unexpected reply {other.GetType().Name}"),
        };
    }

    private static async Task<Ok<ShippingRulesResponse>> GetRulesAsync(ShippingQuotes quotes, CancellationToken ct) =>
        TypedResults.Ok(Response(await quotes.CurrentRulesAsync(ct)));

    private static async Task<Results<Ok<ShippingRulesResponse>, ProblemHttpResult>> PutRulesAsync(
        [FromBody] ShippingRulesDocument body, [FromHeader(Name = OperatorHeader)] string? by, ShippingQuotes quotes, ClaimsPrincipal user, CancellationToken ct)
    {
        if (by is not null && (by.Length is 0 or > 100 || by.Any(char.IsControl)))
            return Problems.Validation("the X-Operator header is invalid", new Dictionary<string, string[]> { [OperatorHeader] = ["1-100 printable characters"] });
        return await quotes.SetRulesAsync(body.ToRules(), user.Actor(), ct) switch
        {
            ShippingRulesAnswer answer => TypedResults.Ok(Response(answer)),
            ShippingRulesRefused refused => Problems.Validation(refused.Message,
                refused.Errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray())),
            var other => throw new InvalidOperationException($"unexpected reply {other.GetType().Name}"),
        };
    }

    private static async Task<Results<Ok<ShippingOptionsResponse>, ProblemHttpResult>> OptionsAsync(
        string id, IRequiredActor<OrderRegion> orders, EntityGateway gateway, ShippingQuotes quotes, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(id))
            return EntityGateway.Problem(OrderRejection.Of(OrderRejectionCode.NotFound, $"order {id} does not exist"));
        switch (await gateway.Ask<IOrderReply>(orders.ActorRef, new GetOrder(id), ct))
        {
            case OrderAccepted a:
                var quote = await quotes.QuoteAsync(a.View, ct);
                return TypedResults.Ok(new ShippingOptionsResponse(a.OrderId, a.View.Currency, quote.Options, quote.Notes, quote.Choice));
            case OrderRefused r:
                return EntityGateway.Problem(r.Rejection);
            case var other:
                throw new InvalidOperationException($"unexpected reply {other.GetType().Name}");
        }
    }

    private static ShippingRulesResponse Response(ShippingRulesAnswer a) =>
        new(a.Version, a.Source, a.By, a.UpdatedAt, ShippingRulesDocument.From(a.Rules));
}

/// <summary>The body of POST /api/orders/{id}/shipping: the method an operator chooses, who, and why.</summary>
public sealed record ShippingOverrideBody(string? MethodId, string? By, string? Note);
