using Akka.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OrderEngine.Api.Http;
using OrderEngine.Domain;
using OrderEngine.Domain.Products;
using OrderEngine.Engine.Sharding;
using OrderEngine.Api.Security;

namespace OrderEngine.Api.Products;

/// <summary>The body of PUT /api/products/{sku}: what the SKU weighs and measures, and whether it may be returned.</summary>
public sealed record ProductRequest(string? Name, decimal? WeightKg, DimensionsRequest? Dimensions, bool? Returnable, string? HsCode);

/// <summary>A parcel's outer size in centimetres.</summary>
public sealed record DimensionsRequest(decimal? LengthCm, decimal? WidthCm, decimal? HeightCm);

/// <summary>/api/products: define and read the products' shipping facts (one entity per SKU).</summary>
public static class ProductsEndpoints
{
    public static WebApplication MapProductsApi(this WebApplication app)
    {
        var products = app.MapGroup("/api/products").WithTags("products").WithAccess();
        products.MapPut("/{sku}", PutAsync)
            .WithSummary("Define or replace a product: name, weightKg, dimensions (cm), returnable (default true), hsCode; a repeat changes nothing")
            .ProducesProblem(400)
            .WithName("putProduct")
            .WithDescription("Defines or replaces a product: name, weight, dimensions, returnable and HS code; these choose how its orders ship. A repeat changes nothing.");
        products.MapGet("/{sku}", GetAsync).WithSummary("Read a product's definition").ProducesProblem(404)
            .WithName("getProduct")
            .ProducesProblem(400)
            .WithDescription("Reads a product's definition. Read-only.");
        return app;
    }

    private static async Task<Results<Ok<ProductView>, ProblemHttpResult>> PutAsync(
        string sku, [FromBody] ProductRequest body, IRequiredActor<ProductRegion> region, EntityGateway gateway, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(sku)) return InvalidSku();
        // Missing sizes become 0, which the product's rules refuse with the field's name.
        var dimensions = body.Dimensions is { } d ? new Dimensions(d.LengthCm ?? 0, d.WidthCm ?? 0, d.HeightCm ?? 0) : null;
        var command = new PutProduct(sku, body.Name, body.WeightKg, dimensions, body.Returnable ?? true, body.HsCode);
        return Map(await gateway.Ask<IProductReply>(region.ActorRef, command, ct));
    }

    private static async Task<Results<Ok<ProductView>, ProblemHttpResult>> GetAsync(
        string sku, IRequiredActor<ProductRegion> region, EntityGateway gateway, CancellationToken ct)
    {
        if (!Identifiers.IsValidEntityId(sku)) return InvalidSku();
        return Map(await gateway.Ask<IProductReply>(region.ActorRef, new GetProduct(sku), ct));
    }

    private static Results<Ok<ProductView>, ProblemHttpResult> Map(IProductReply reply) => reply switch
    {
        ProductAccepted a => TypedResults.Ok(a.View),
        ProductRefused { Rejection: var r } when r.Code == ProductRejectionCode.NotFound => Problems.Of(404, "NotFound", "No such product", r.Message),
        ProductRefused { Rejection: var r } when !r.Errors.IsDefaultOrEmpty => Problems.Validation(r.Message,
            r.Errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray())),
        ProductRefused { Rejection: var r } => Problems.Of(400, r.Code.ToString(), "The request is invalid", r.Message),
        _ => throw new InvalidOperationException($"unexpected reply {reply.GetType().Name}"),
    };

    private static ProblemHttpResult InvalidSku() =>
        Problems.Validation("the SKU in the path is invalid", new Dictionary<string, string[]> { ["sku"] = ["sku must be " + Identifiers.EntityIdRule] });
}
