using System.Collections.Immutable;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.ShippingMethods;
using static OrderEngine.Domain.Tests.ShippingTestKit;

namespace OrderEngine.Domain.Tests;

public class ShippingRulesValidatorTests
{
    private static string[] Fields(ImmutableArray<FieldError> errors) => [.. errors.Select(e => e.Field).Distinct().Order(StringComparer.Ordinal)];

    [Fact]
    public void The_test_rules_are_valid()
    {
        Assert.Empty(ShippingRulesValidator.Validate(Rules()));
    }

    [Fact]
    public void Every_problem_is_named_by_its_path()
    {
        var rules = Rules() with
        {
            Warehouse = new Warehouse("de", null, "", null, "Mars/Olympus"),
            Zones = [.. Rules().Zones, new ShippingZone("empty", [], [], []), new ShippingZone("de", ["Germany"], [], [])],
            Methods =
            [
                Rules().Methods[1] with
                {
                    Id = "express",
                    Zones = ["de", "moon"],
                    Rates = [new ShippingRate("EURO", null, [new WeightBracket(5, 1m), new WeightBracket(2, 1.234m)]), new ShippingRate("EUR", "de", [], 1m, null)],
                    MinWeightKg = 40, MaxWeightKg = 30,
                },
                Rules().Methods[0] with { Delivery = new DeliveryWindow(0, 1, "25:00"), Carrier = "" },
                Rules().Methods[2] with { Id = "express", FreeShippingFrom = [new FreeShippingThreshold("EUR", 0.001m)], Delivery = new DeliveryWindow(5, 2), Kind = (ShippingKind)0 },
            ],
            UnknownProductWeightKg = 0,
        };
        var errors = ShippingRulesValidator.Validate(rules);
        Assert.Equal(
        [
            "methods[0].minWeightKg",
            "methods[0].rates[0].brackets[1].upToKg",
            "methods[0].rates[0].currency",
            "methods[0].rates[1]",
            "methods[0].zones[1]",
            "methods[1].carrier",
            "methods[1].delivery",
            "methods[1].delivery.cutOff",
            "methods[2].delivery.maxBusinessDays",
            "methods[2].freeShippingFrom[0].amount",
            "methods[2].id",
            "methods[2].kind",
            "unknownProductWeightKg",
            "warehouse.city",
            "warehouse.country",
            "warehouse.timeZone",
            "zones[3]",
            "zones[4].countries[0]",
            "zones[4].id",
        ], Fields(errors));
        Assert.All(errors, e => Assert.False(string.IsNullOrWhiteSpace(e.Message)));
    }

    [Fact]
    public void A_document_with_nothing_in_it_says_what_is_required()
    {
        var errors = ShippingRulesValidator.Validate(new ShippingRulesDocument().ToRules());
        Assert.Equal(["methods", "warehouse.city", "warehouse.country"], Fields(errors));
    }

    [Fact]
    public void A_method_with_missing_fields_names_each()
    {
        var document = new ShippingRulesDocument
        {
            Warehouse = new WarehouseDocument { Country = "DE", City = "Berlin" },
            Zones = [new ZoneDocument { Id = "de", Countries = ["DE"] }],
            Methods = [new MethodDocument { Id = "m", Zones = ["de"], Rates = [new RateDocument { Currency = "EUR", Brackets = [new BracketDocument { UpToKg = 1 }] }] }],
        };
        var errors = ShippingRulesValidator.Validate(document.ToRules());
        Assert.Equal(["methods[0].carrier", "methods[0].delivery.maxBusinessDays", "methods[0].delivery.minBusinessDays", "methods[0].kind", "methods[0].rates[0].brackets[0].price"],
            Fields(errors));
    }

    [Fact]
    public void Rules_survive_the_document_round_trip()
    {
        var rules = Rules(unknownWeight: 1.5m);
        Assert.True(ShippingRulesDecider.SameRules(rules, ShippingRulesDocument.From(rules).ToRules()));
    }

    [Fact]
    public void Setting_the_same_rules_again_changes_nothing_and_invalid_rules_change_nothing()
    {
        var state = ShippingRulesState.FromConfiguration(Rules());
        var first = ShippingRulesDecider.Decide(state, new SetShippingRules(Rules(), "alice"), TestTime.T0);
        var set = Assert.IsType<ShippingRulesSet>(Assert.Single(first.Events));
        Assert.Equal(1, set.Version);
        state = ShippingRulesDecider.Evolve(state, set);
        Assert.Equal(ShippingRulesSource.Api, state.Source);

        var again = ShippingRulesDecider.Decide(state, new SetShippingRules(ShippingRulesDocument.From(Rules()).ToRules(), "bob"), TestTime.T0);
        Assert.False(again.IsRejected);
        Assert.Empty(again.Events);

        var bad = ShippingRulesDecider.Decide(state, new SetShippingRules(Rules() with { Methods = [] }, "bob"), TestTime.T0);
        Assert.True(bad.IsRejected);
        Assert.Empty(bad.Events);
        Assert.Equal("methods", Assert.Single(bad.Rejection!.Errors).Field);
    }
}
