namespace OrderEngine.Domain.Products;

/// <summary>A fact about one product, persisted in its entity's journal.</summary>
public interface IProductEvent : IProductMessage
{
    DateTimeOffset At { get; }
}

/// <summary>
/// The product's definition as of <paramref name="Revision"/> (1 for the first, one more for each change): each event
/// carries the whole definition, so recovery needs only the last one and a new field can be added with a default.
/// </summary>
public sealed record ProductDefined(
    string Sku,
    string Name,
    decimal WeightKg,
    Dimensions Dimensions,
    bool Returnable,
    string? HsCode,
    long Revision,
    DateTimeOffset At) : IProductEvent;
