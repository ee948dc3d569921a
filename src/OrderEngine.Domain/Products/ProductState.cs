namespace OrderEngine.Domain.Products;

/// <summary>One SKU's product definition; <see cref="Current"/> is null until the first PUT.</summary>
public sealed record ProductState(string Sku, ProductView? Current)
{
    public static ProductState Initial(string sku) => new(sku, null);

    public bool Exists => Current is not null;
}
