namespace OrderEngine.Domain.Products;

/// <summary>A message addressed to one product's entity (one per SKU).</summary>
public interface IProductMessage : IOrderEngineMessage
{
    string Sku { get; }
}

/// <summary>A command the product entity decides on.</summary>
public interface IProductCommand : IProductMessage;

/// <summary>A parcel's outer size in centimetres, as it leaves the warehouse.</summary>
public sealed record Dimensions(decimal LengthCm, decimal WidthCm, decimal HeightCm)
{
    /// <summary>The volume in cubic centimetres.</summary>
    public decimal VolumeCm3() => LengthCm * WidthCm * HeightCm;

    /// <summary>The longest side, which carriers limit.</summary>
    public decimal LongestSideCm() => Math.Max(LengthCm, Math.Max(WidthCm, HeightCm));
}

/// <summary>
/// Defines or replaces what a SKU is for shipping and returns (an upsert). Fields the caller left out arrive as null and
/// are refused with a field error; repeating the same definition changes nothing.
/// </summary>
public sealed record PutProduct(string Sku, string? Name, decimal? WeightKg, Dimensions? Dimensions, bool Returnable = true, string? HsCode = null) : IProductCommand;

/// <summary>Asks for a product's definition (answered with <see cref="ProductAccepted"/>, or <see cref="ProductRefused"/> NotFound).</summary>
public sealed record GetProduct(string Sku) : IProductMessage;
