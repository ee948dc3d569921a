using System.Collections.Immutable;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Returns;

namespace OrderEngine.Engine.Returns;

/// <summary>Return rules from configuration (section <c>OrderEngine:Returns</c>).</summary>
public sealed class ReturnsOptions
{
    /// <summary>How many days after delivery a unit may still be returned.</summary>
    public int WindowDays { get; set; } = ReturnRules.DefaultWindowDays;

    /// <summary>SKUs that are never returnable (hygiene products, made to measure...). A product catalogue can supply <see cref="IReturnability"/> instead.</summary>
    public List<string> NonReturnableSkus { get; set; } = [];

    /// <summary>
    /// How long an exchange's replacement that costs more than the credit waits for the customer to pay the difference
    /// (it holds its units meanwhile); unpaid by then, it expires and the credit is refunded to the original payment.
    /// </summary>
    public TimeSpan DifferenceDueWithin { get; set; } = ReturnRules.DefaultDifferenceDueWithin;

    public ReturnRules ToRules(IReturnability? returnability = null)
    {
        if (DifferenceDueWithin < OrderRules.MinHoldFor || DifferenceDueWithin > OrderRules.MaxHoldFor)
            throw new InvalidOperationException(
                $"OrderEngine:Returns:DifferenceDueWithin must be between {OrderRules.MinHoldFor} and {OrderRules.MaxHoldFor}; it is {DifferenceDueWithin}");
        return new(WindowDays, returnability ?? new NonReturnableSkus(NonReturnableSkus.ToImmutableHashSet(StringComparer.Ordinal)))
        {
            DifferenceDueWithin = DifferenceDueWithin,
        };
    }
}
