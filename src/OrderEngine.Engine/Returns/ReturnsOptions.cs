using System.Collections.Immutable;
using OrderEngine.Domain.Returns;

namespace OrderEngine.Engine.Returns;

/// <summary>Return rules from configuration (section <c>OrderEngine:Returns</c>).</summary>
public sealed class ReturnsOptions
{
    /// <summary>How many days after delivery a unit may still be returned.</summary>
    public int WindowDays { get; set; } = ReturnRules.DefaultWindowDays;

    /// <summary>SKUs that are never returnable (hygiene products, made to measure...). A product catalogue can supply <see cref="IReturnability"/> instead.</summary>
    public List<string> NonReturnableSkus { get; set; } = [];

    public ReturnRules ToRules(IReturnability? returnability = null) =>
        new(WindowDays, returnability ?? new NonReturnableSkus(NonReturnableSkus.ToImmutableHashSet(StringComparer.Ordinal)));
}
