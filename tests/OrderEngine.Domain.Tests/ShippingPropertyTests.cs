using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Products;
using OrderEngine.Domain.ShippingMethods;
using static OrderEngine.Domain.Tests.ShippingTestKit;

namespace OrderEngine.Domain.Tests;

/// <summary>
/// Invariants of the shipping choice over random rules and orders: the choice is eligible and the cheapest by the
/// tie-break, limits are never crossed, dimensional weight is billed when larger, free shipping starts exactly at its
/// threshold; and a repeated product definition changes nothing.
/// </summary>
public class ShippingPropertyTests
{
    [Property(MaxTest = 500, Arbitrary = [typeof(ShippingArbitraries)])]
    public void The_choice_is_eligible_and_the_cheapest_by_the_tie_break(ShippingScenario s)
    {
        var q = s.Quote();
        var eligible = q.Options.Where(o => o.Eligible).ToList();
        if (q.Choice.IsNone)
        {
            Assert.Empty(eligible);
            return;
        }
        var chosen = q.Options.Single(o => o.MethodId == q.Choice.MethodId);
        Assert.True(chosen.Eligible, $"chose ineligible {chosen.MethodId}: {string.Join(", ", chosen.Reasons)}");
        Assert.Equal(chosen.Cost, q.Choice.Cost);
        Assert.All(eligible, o => Assert.True(
            o.Cost > chosen.Cost || (o.Cost == chosen.Cost && (o.Priority > chosen.Priority ||
                (o.Priority == chosen.Priority && string.CompareOrdinal(o.MethodId, chosen.MethodId) >= 0))),
            $"{o.MethodId} ({o.Cost}, priority {o.Priority}) beats the chosen {chosen.MethodId} ({chosen.Cost}, priority {chosen.Priority})"));
        Assert.All(eligible, o => Assert.Empty(o.Reasons));
    }

    [Property(MaxTest = 500, Arbitrary = [typeof(ShippingArbitraries)])]
    public void A_method_over_its_weight_limits_is_never_offered(ShippingScenario s)
    {
        var q = s.Quote();
        foreach (var m in s.Rules.Methods)
        {
            var o = q.Option(m.Id);
            if (m.MaxWeightKg is { } max && o.ActualWeightKg > max) Assert.False(o.Eligible, $"{m.Id} offered at {o.ActualWeightKg} kg over {max}");
            if (m.MinWeightKg is { } min && o.ActualWeightKg < min) Assert.False(o.Eligible, $"{m.Id} offered at {o.ActualWeightKg} kg under {min}");
            if (m.MaxDimensionalWeightKg is { } maxDim && o.DimensionalWeightKg > maxDim) Assert.False(o.Eligible, $"{m.Id} offered at {o.DimensionalWeightKg} kg dimensional");
            if (m.MaxItemDimensionCm is { } side && s.Order.Lines.Any(l => l.Product?.Dimensions.LongestSideCm() > side)) Assert.False(o.Eligible);
        }
    }

    [Property(MaxTest = 500, Arbitrary = [typeof(ShippingArbitraries)])]
    public void The_chargeable_weight_is_the_larger_of_actual_and_dimensional(ShippingScenario s)
    {
        var q = s.Quote();
        foreach (var m in s.Rules.Methods)
        {
            var o = q.Option(m.Id);
            var exact = s.Order.Lines.Sum(l => l.Product is { } p ? l.Quantity * p.Dimensions.VolumeCm3() / m.DimDivisor : 0m);
            Assert.InRange(o.DimensionalWeightKg - exact, 0m, 0.001m);
            Assert.Equal(Math.Max(o.ActualWeightKg, o.DimensionalWeightKg), o.ChargeableWeightKg);
            if (o.Cost is { } cost && !o.FreeShipping)
            {
                var rate = m.Rates.Where(r => r.Currency == s.Order.Currency && (r.Zone is null || r.Zone == o.Zone)).OrderBy(r => r.Zone is null ? 1 : 0).First();
                Assert.Equal(ShippingChooser.Price(rate, o.ChargeableWeightKg), cost);
            }
        }
    }

    [Property(MaxTest = 500, Arbitrary = [typeof(ShippingArbitraries)])]
    public void Free_shipping_applies_exactly_at_or_over_the_threshold(ShippingScenario s)
    {
        var q = s.Quote();
        foreach (var m in s.Rules.Methods)
        {
            var o = q.Option(m.Id);
            if (o.Cost is null) continue;
            var threshold = m.FreeShippingFrom.FirstOrDefault(f => f.Currency == s.Order.Currency);
            Assert.Equal(threshold is not null && s.Order.OrderValue >= threshold.Amount, o.FreeShipping);
            if (o.FreeShipping) Assert.Equal(0m, o.Cost);
        }
    }

    [Property(MaxTest = 300, Arbitrary = [typeof(ShippingArbitraries)])]
    public void Repeating_a_product_definition_changes_nothing(PutProduct[] puts)
    {
        var state = ProductState.Initial("SKU-1");
        foreach (var put in puts)
        {
            var first = ProductDecider.Decide(state, put, TestTime.T0);
            var after = ProductDecider.Fold(state, first.Events);
            var again = ProductDecider.Decide(after, put, TestTime.T0.AddMinutes(1));
            Assert.Empty(again.Events);
            Assert.Equal(first.Rejection?.Code, again.Rejection?.Code);
            if (first.IsRejected) Assert.Same(state, after);
            state = after;
        }
    }
}

/// <summary>An order against rules, at a moment.</summary>
public sealed record ShippingScenario(ShippingRules Rules, ShipmentFacts Order, DateTimeOffset Now)
{
    public ShippingQuote Quote() => ShippingChooser.Quote(Rules, Order, Now);

    public override string ToString() =>
        $"to {Order.Destination?.Country} {Order.Destination?.City}, {Order.Currency} {Order.OrderValue}, cod {Order.CashOnDelivery}, lines " +
        string.Join("; ", Order.Lines.Select(l => $"{l.Sku} x{l.Quantity} {l.Product}")) + ", methods " +
        string.Join("; ", Rules.Methods.Select(m => $"{m.Id} max {m.MaxWeightKg} dim {m.MaxDimensionalWeightKg} div {m.DimDivisor} prio {m.Priority} free {string.Join(",", m.FreeShippingFrom)}"));
}

/// <summary>Generators for shipping scenarios: the test rules with varied limits, divisors, priorities and thresholds; orders of small pools of products.</summary>
public static class ShippingArbitraries
{
    private static readonly Address[] Addresses = [BerlinAddress, MunichAddress, ParisAddress, NewYorkAddress];

    private static Gen<ShippingMethod> Vary(ShippingMethod m) =>
        from max in Gen.Elements<decimal?>(null, 2m, 10m, 30m, m.MaxWeightKg)
        from maxDim in Gen.Elements<decimal?>(null, 3m, 20m)
        from divisor in Gen.Elements(4000m, 5000m, 6000m)
        from priority in Gen.Choose(0, 3)
        from free in Gen.Elements<decimal?>(null, 20m, 50m, 100m)
        from sameAsStandard in Gen.Frequency((4, Gen.Constant(false)), (1, Gen.Constant(true)))
        select m with
        {
            MaxWeightKg = m.MinWeightKg is { } min && max < min ? m.MaxWeightKg : max,
            MaxDimensionalWeightKg = maxDim,
            DimDivisor = divisor,
            Priority = priority,
            FreeShippingFrom = free is { } f ? [new FreeShippingThreshold("EUR", f)] : [],
            // Some methods take standard's prices, so equal costs meet the tie-break.
            Rates = sameAsStandard && m.Kind != ShippingKind.SameDay ? Rules().Methods.Single(x => x.Id == "standard").Rates : m.Rates,
        };

    private static readonly Gen<ProductSpec> Product =
        from grams in Gen.Frequency((4, Gen.Choose(50, 5_000)), (2, Gen.Choose(5_000, 25_000)))
        from l in Gen.Choose(1, 130) from w in Gen.Choose(1, 60) from h in Gen.Choose(1, 60)
        select new ProductSpec(grams / 1000m, new Dimensions(l, w, h));

    private static readonly Gen<ShippedItem> Line =
        from sku in Gen.Elements("A", "B", "C", "D")
        from qty in Gen.Frequency((5, Gen.Choose(1, 2)), (1, Gen.Choose(3, 8)))
        from cents in Gen.Choose(100, 6_000)
        from known in Gen.Frequency((9, Gen.Constant(true)), (1, Gen.Constant(false)))
        from spec in Product
        select new ShippedItem(sku, qty, cents / 100m, known ? spec : null);

    public static Arbitrary<ShippingScenario> Scenario()
    {
        var gen =
            from methods in Gen.CollectToArray(Rules().Methods, Vary)
            from unknownWeight in Gen.Elements<decimal?>(null, 1m)
            from to in Gen.Elements(Addresses)
            from count in Gen.Choose(1, 4)
            from lines in Line.ArrayOf(count)
            from currency in Gen.Frequency((9, Gen.Constant("EUR")), (1, Gen.Constant("USD")))
            from cod in Gen.Frequency((4, Gen.Constant(false)), (1, Gen.Constant(true)))
            from threshold in Gen.Elements(0, 1)
            from hours in Gen.Choose(0, 24 * 7)
            let value = lines.Sum(l => l.Quantity * l.UnitPrice)
            select new ShippingScenario(
                Rules(unknownWeight) with { Methods = [.. methods] },
                new ShipmentFacts(to, currency, threshold == 1 ? 50m : value, cod, [.. lines]),
                FridayMorning.AddHours(hours));
        return Arb.From(gen);
    }

    public static Arbitrary<PutProduct> Put()
    {
        var gen =
            from name in Gen.Elements("Mug", " Mug ", "", "Tea pot")
            from kg in Gen.Elements<decimal?>(0.4m, 0.5m, 0m, null, 0.0001m)
            from side in Gen.Elements(10m, 12.5m, 0m)
            from returnable in Gen.Elements(true, false)
            from hs in Gen.Elements<string?>(null, "691200", "x")
            select new PutProduct("SKU-1", name, kg, new Dimensions(side, 10, 10), returnable, hs);
        return Arb.From(gen);
    }
}
