using OrderEngine.Domain.ShippingMethods;
using static OrderEngine.Domain.Tests.ShippingTestKit;

namespace OrderEngine.Domain.Tests;

public class ShippingChooserTests
{
    [Fact]
    public void The_cheapest_eligible_method_is_chosen_with_its_reason()
    {
        var q = ShippingChooser.Quote(Rules(), Order(MunichAddress, Line("MUG", 2, 12.50m, Spec(0.4m))), FridayMorning);

        Assert.Equal("standard", q.Choice.MethodId);
        Assert.Equal(4.90m, q.Choice.Cost);
        Assert.StartsWith("cheapest eligible: standard (Standard, Carrier standard), 4.90 EUR, 0.8 kg billed (actual)", q.Choice.Reason);
        Assert.Equal(["express", "standard"], q.Options.Where(o => o.Eligible).Ids().ToArray());
        Assert.Contains("does not deliver to DE 80331 München", q.Option("same-day").Reasons.Single());
        Assert.Equal("actual weight 0.8 kg is under the 30 kg minimum", q.Option("freight").Reasons.Single());
    }

    [Fact]
    public void Same_city_as_the_warehouse_matches_by_country_and_city_whatever_the_case()
    {
        var address = BerlinAddress with { City = " berlin " };
        var q = ShippingChooser.Quote(Rules(), Order(address, Line("MUG", 1, 10m, Spec(1m))), FridayMorning);
        Assert.True(q.Option("same-day").Eligible);
        Assert.Equal("berlin", q.Option("same-day").Zone);
        // Another country's Berlin is not the warehouse's city.
        var elsewhere = ShippingChooser.Quote(Rules(), Order(BerlinAddress with { Country = "US" }, Line("MUG", 1, 10m, Spec(1m))), FridayMorning);
        Assert.False(elsewhere.Option("same-day").Eligible);
    }

    [Fact]
    public void Dimensional_weight_is_billed_when_larger_than_the_actual_weight()
    {
        // 60 x 40 x 40 cm = 96,000 cm3 / 5000 = 19.2 kg dimensional for a 3 kg parcel.
        var q = ShippingChooser.Quote(Rules(), Order(MunichAddress, Line("PILLOW", 1, 20m, Spec(3m, 60, 40, 40))), FridayMorning);
        var standard = q.Option("standard");
        Assert.Equal(19.2m, standard.DimensionalWeightKg);
        Assert.Equal(19.2m, standard.ChargeableWeightKg);
        Assert.Equal(16.90m, standard.Cost);
        Assert.Contains("19.2 kg billed (dimensional; actual 3 kg)", q.Choice.Reason);
    }

    [Fact]
    public void Free_shipping_applies_from_the_threshold_exactly()
    {
        var at = ShippingChooser.Quote(Rules(), Order(MunichAddress, Line("MUG", 4, 12.50m, Spec(0.4m))), FridayMorning);
        var below = ShippingChooser.Quote(Rules(), Order(MunichAddress, Line("MUG", 1, 49.99m, Spec(0.4m))), FridayMorning);
        Assert.Equal(0m, at.Option("standard").Cost);
        Assert.True(at.Option("standard").FreeShipping);
        Assert.Contains("0.00 EUR (free shipping)", at.Choice.Reason);
        Assert.Equal(4.90m, below.Option("standard").Cost);
    }

    [Fact]
    public void Cash_on_delivery_leaves_out_methods_that_do_not_collect()
    {
        var order = Order(MunichAddress, Line("MUG", 1, 10m, Spec(1m))) with { CashOnDelivery = true };
        var q = ShippingChooser.Quote(Rules(), order, FridayMorning);
        Assert.Contains("no cash on delivery", q.Option("express").Reasons);
        Assert.True(q.Option("standard").Eligible);
    }

    [Fact]
    public void A_method_without_a_price_in_the_order_currency_is_ineligible()
    {
        var order = Order(MunichAddress, Line("MUG", 1, 10m, Spec(1m))) with { Currency = "USD" };
        var q = ShippingChooser.Quote(Rules(), order, FridayMorning);
        Assert.True(q.Choice.IsNone);
        Assert.Contains("no price in USD for zone de", q.Option("standard").Reasons);
    }

    [Fact]
    public void Heavy_orders_go_by_freight_priced_per_started_kilogram()
    {
        var q = ShippingChooser.Quote(Rules(), Order(MunichAddress, Line("ANVIL", 2, 100m, Spec(20.3m, 40, 30, 30))), FridayMorning);
        Assert.Equal("freight", q.Choice.MethodId);
        Assert.Equal(49m + 0.80m * 41, q.Choice.Cost);
        Assert.Contains("actual weight 40.6 kg is over the 30 kg limit", q.Option("standard").Reasons);
    }

    [Fact]
    public void An_item_longer_than_the_limit_is_named()
    {
        var q = ShippingChooser.Quote(Rules(), Order(BerlinAddress, Line("POLE", 1, 10m, Spec(2m, 150, 5, 5))), FridayMorning);
        Assert.Contains("POLE is 150 cm long, over the 100 cm limit", q.Option("same-day").Reasons);
        Assert.Contains("POLE is 150 cm long, over the 120 cm limit", q.Option("standard").Reasons);
    }

    [Fact]
    public void No_eligible_method_names_every_methods_reasons()
    {
        var q = ShippingChooser.Quote(Rules(), Order(NewYorkAddress, Line("MUG", 1, 10m, Spec(1m))), FridayMorning);
        Assert.True(q.Choice.IsNone);
        Assert.Null(q.Choice.Cost);
        Assert.StartsWith("no shipping method is eligible: same-day: does not deliver to US 10004 New York", q.Choice.Reason);
        Assert.Contains("freight: does not deliver to US", q.Choice.Reason);
    }

    [Fact]
    public void An_order_without_an_address_has_no_eligible_method()
    {
        var q = ShippingChooser.Quote(Rules(), Order(null, Line("MUG", 1, 10m, Spec(1m))), FridayMorning);
        Assert.All(q.Options, o => Assert.Contains("the order has no shipping address", o.Reasons));
        Assert.True(q.Choice.IsNone);
    }

    [Fact]
    public void An_unknown_product_makes_the_order_ineligible_unless_a_default_weight_is_configured()
    {
        var order = Order(MunichAddress, Line("MUG", 1, 10m, Spec(1m)), Line("GHOST", 1, 5m, null));
        var strict = ShippingChooser.Quote(Rules(), order, FridayMorning);
        Assert.True(strict.Choice.IsNone);
        Assert.Contains("no product definition (weight, dimensions) for GHOST", strict.Choice.Reason);

        var lenient = ShippingChooser.Quote(Rules(unknownWeight: 2m), order, FridayMorning);
        Assert.Equal("standard", lenient.Choice.MethodId);
        Assert.Equal(3m, lenient.Option("standard").ActualWeightKg);
        Assert.Contains("no product definition for GHOST: counted as 2 kg each, without dimensions", lenient.Choice.Reason);
    }

    [Fact]
    public void Postal_prefixes_and_regions_narrow_a_zone()
    {
        var rules = Rules() with
        {
            Zones = [.. Rules().Zones.Select(z => z.Id == "de" ? z with { PostalPrefixes = ["80", "81"], Regions = ["BY"] } : z)],
        };
        Assert.True(ShippingChooser.Quote(rules, Order(MunichAddress, Line("MUG", 1, 10m, Spec(1m))), FridayMorning).Option("standard").Eligible);
        Assert.False(ShippingChooser.Quote(rules, Order(MunichAddress with { PostalCode = "10117" }, Line("MUG", 1, 10m, Spec(1m))), FridayMorning).Option("standard").Eligible);
        Assert.False(ShippingChooser.Quote(rules, Order(MunichAddress with { Region = "BE" }, Line("MUG", 1, 10m, Spec(1m))), FridayMorning).Option("standard").Eligible);
    }

    [Fact]
    public void Delivery_dates_count_business_days_from_the_day_the_parcel_leaves()
    {
        var window = new DeliveryWindow(2, 4, "16:00");
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        // Friday before the cut-off: leaves Friday, 2-4 business days later is Tuesday to Thursday.
        var before = ShippingChooser.DeliveryDates(window, TimeZoneInfo.ConvertTime(FridayMorning, berlin));
        Assert.Equal((new DateOnly(2026, 12, 8), new DateOnly(2026, 12, 10)), before);
        // Friday after the cut-off (17:00 Berlin): leaves Monday.
        var after = ShippingChooser.DeliveryDates(window, TimeZoneInfo.ConvertTime(FridayMorning.AddHours(7), berlin));
        Assert.Equal((new DateOnly(2026, 12, 9), new DateOnly(2026, 12, 11)), after);
        // Saturday: leaves Monday; same-day then means Monday.
        var sameDay = ShippingChooser.DeliveryDates(new DeliveryWindow(0, 0, "14:00"), TimeZoneInfo.ConvertTime(FridayMorning.AddDays(1), berlin));
        Assert.Equal((new DateOnly(2026, 12, 7), new DateOnly(2026, 12, 7)), sameDay);
    }

    [Fact]
    public void Same_day_after_its_cut_off_is_promised_for_the_next_business_day()
    {
        // 14:30 Berlin on Friday is after the 14:00 cut-off.
        var q = ShippingChooser.Quote(Rules(), Order(BerlinAddress, Line("MUG", 1, 10m, Spec(1m))), FridayMorning.AddHours(4.5));
        Assert.Equal(new DateOnly(2026, 12, 7), q.Option("same-day").EarliestDelivery);
    }

    [Fact]
    public void Equal_costs_are_broken_by_priority_and_said_so()
    {
        var rules = Rules() with
        {
            Methods = [.. Rules().Methods.Select(m => m.Id == "express" ? m with { Rates = [Eur("de", (31.5m, 4.90m))], Priority = 5 } : m)],
        };
        var q = ShippingChooser.Quote(rules, Order(MunichAddress, Line("MUG", 1, 10m, Spec(1m))), FridayMorning);
        Assert.Equal("standard", q.Choice.MethodId);
        Assert.Contains("same cost as express, chosen by priority", q.Choice.Reason);
    }

    [Fact]
    public void An_operator_may_override_with_any_defined_method_and_the_reason_keeps_why_it_was_ineligible()
    {
        var q = ShippingChooser.Quote(Rules(), Order(MunichAddress, Line("MUG", 1, 10m, Spec(1m))), FridayMorning);
        var choice = ShippingChooser.Override(q, "freight", "alice", "customer asked");
        Assert.NotNull(choice);
        Assert.Equal("freight", choice.MethodId);
        Assert.Equal("alice", choice.ChosenBy);
        Assert.StartsWith("chosen by alice (customer asked): freight", choice.Reason);
        Assert.Contains("overriding: actual weight 1 kg is under the 30 kg minimum", choice.Reason);
        Assert.Null(ShippingChooser.Override(q, "teleport", "alice", null));
    }
}
