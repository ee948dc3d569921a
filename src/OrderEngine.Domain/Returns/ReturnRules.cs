using System.Collections.Immutable;

namespace OrderEngine.Domain.Returns;

/// <summary>
/// Which products may be returned at all. The product catalogue is the natural source: an implementation backed by it
/// can replace <see cref="NonReturnableSkus"/> (the engine's default, a set from configuration).
/// </summary>
public interface IReturnability
{
    bool IsReturnable(string sku);
}

/// <summary>Every SKU is returnable except those listed.</summary>
public sealed record NonReturnableSkus(ImmutableHashSet<string> Skus) : IReturnability
{
    public static readonly NonReturnableSkus None = new(ImmutableHashSet<string>.Empty);

    public bool IsReturnable(string sku) => !Skus.Contains(sku);
}

/// <summary>The rules a return is approved by: returned within <see cref="WindowDays"/> days of delivery, of returnable products only.</summary>
public sealed record ReturnRules(int WindowDays, IReturnability Returnability)
{
    public const int DefaultWindowDays = 30;

    /// <summary>How long an exchange's replacement that costs more than the credit waits for its difference (default 7 days).</summary>
    public static readonly TimeSpan DefaultDifferenceDueWithin = TimeSpan.FromDays(7);

    /// <summary>
    /// How long an exchange's replacement costing more than the credit holds its units and waits for the customer to
    /// pay the difference; unpaid by then it expires and the credit is refunded to the original payment.
    /// </summary>
    public TimeSpan DifferenceDueWithin { get; init; } = DefaultDifferenceDueWithin;

    public static readonly ReturnRules Default = new(DefaultWindowDays, NonReturnableSkus.None);
}
