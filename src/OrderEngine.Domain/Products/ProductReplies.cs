using System.Collections.Immutable;
using OrderEngine.Domain.Orders;

namespace OrderEngine.Domain.Products;

public enum ProductRejectionCode
{
    /// <summary>The definition is malformed (see the field errors).</summary>
    Invalid,
    /// <summary>No product was ever defined for this SKU.</summary>
    NotFound,
}

/// <summary>Why a product command was refused; a refusal changes nothing.</summary>
public sealed record ProductRejection(ProductRejectionCode Code, string Message, ImmutableArray<FieldError> Errors);

/// <summary>A product as shown to clients and to the shipping choice.</summary>
public sealed record ProductView(
    string Sku,
    string Name,
    decimal WeightKg,
    Dimensions Dimensions,
    bool Returnable,
    string? HsCode,
    long Revision,
    DateTimeOffset UpdatedAt);

/// <summary>A product entity's answer.</summary>
public interface IProductReply : IProductMessage;

/// <summary>The command took effect (or had already) and is durable, or the query's answer.</summary>
public sealed record ProductAccepted(string Sku, ProductView View) : IProductReply;

/// <summary>The command was refused and changed nothing (or the product is unknown).</summary>
public sealed record ProductRefused(string Sku, ProductRejection Rejection) : IProductReply;
