using System.Text.Json.Nodes;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Payments;
using OrderEngine.Ingestion.Adapters;
using static OrderEngine.Ingestion.Tests.IngestionTestKit;

namespace OrderEngine.Ingestion.Tests;

public sealed class WooCommerceAdapterTests
{
    private const string Store = "example.com";
    private const string Retrieve = "woocommerce/rest_v3_order_retrieve.json";
    private static readonly WooCommerceAdapter Adapter = new(Store, customerIds: CustomerIds);

    [Fact]
    public void The_retrieved_order_is_refused_because_its_first_line_has_no_sku()
    {
        var refused = AssertRefused(Assert.Single(Adapter.Read(Fixture(Retrieve))),
            "line_items[0].sku: missing: a line without a SKU names no stock to reserve (item 'Woo Single #1')");
        Assert.Equal("example.com/727", refused.ExternalId);
    }

    [Fact]
    public void Every_order_of_the_list_names_its_lines_without_sku()
    {
        var results = Adapter.Read(Fixture("woocommerce/rest_v3_orders_list.json"));

        Assert.Equal(2, results.Count);
        AssertRefused(results[0], "line_items[0].sku: missing");
        Assert.Equal("example.com/727", ((Refused)results[0]).ExternalId);
        var second = AssertRefused(results[1], "line_items[0].sku: missing", "line_items[1].sku: missing");
        Assert.Equal("example.com/723", second.ExternalId);
    }

    [Fact]
    public void The_retrieved_order_maps_field_by_field_once_its_line_has_a_sku()
    {
        // Edited in the test: the fixture's first line given a SKU; everything else as published.
        var order = Edited(Retrieve, n => n["line_items"]![0]!["sku"] = "WOO-SINGLE-1");

        // total 29.35 = 2 x 3.00 + 1 x 12.00 + shipping_total 10.00 + total_tax 1.35 - discount_total 0.00
        var c = AssertAccepted(Adapter.Map(order), channelTotal: 29.35m);
        var mapped = (Mapped)Adapter.Map(order);
        Assert.Equal("woocommerce", mapped.Channel);
        Assert.Equal("example.com/727", mapped.ExternalId);
        Assert.Equal(CustomerIds.OfEmail("john.doe@example.com"), c.CustomerId); // customer_id 0: a guest, known by the billing email's pseudonym
        Assert.Equal("USD", c.Currency);
        AssertLines(c, ("WOO-SINGLE-1", 2, 3.00m), ("Bar3", 1, 12.00m));
        Assert.Equal(new OrderCharges(Shipping: 10.00m, Tax: 1.35m, Discount: 0.00m), c.Charges);
        Assert.Equal(new Address("John Doe", "969 Market", null, "San Francisco", "CA", "94103", "US", "(555) 555-5555"), c.ShippingAddress);
        Assert.Equal(PaymentMethod.BankTransfer, c.PaymentMethod); // bacs
    }

    [Fact]
    public void The_retrieved_order_paid_at_the_store_arrives_paid_with_its_order_time()
    {
        // The fixture: status processing, date_paid_gmt 2017-03-22T19:28:08, payment_method_title "Direct Bank Transfer", no transaction_id.
        var c = AssertAccepted(Adapter.Map(Edited(Retrieve, n => n["line_items"]![0]!["sku"] = "WOO-SINGLE-1")), channelTotal: 29.35m);

        Assert.Equal(new ChannelPayment("Direct Bank Transfer", 29.35m, "USD", "example.com/727"), c.PaidAtChannel);
        Assert.Equal(new DateTimeOffset(2017, 3, 22, 19, 28, 2, TimeSpan.Zero), c.PlacedAt); // date_created_gmt, UTC
    }

    [Fact]
    public void An_order_not_paid_yet_carries_no_payment()
    {
        var order = Edited(Retrieve, n =>
        {
            n["line_items"]![0]!["sku"] = "WOO-SINGLE-1";
            n["status"] = "on-hold";
            n["date_paid"] = null;
            n["date_paid_gmt"] = null;
        });
        Assert.Null(AssertAccepted(Adapter.Map(order)).PaidAtChannel);
    }

    [Fact]
    public void A_gateways_transaction_id_is_the_payments_reference()
    {
        var order = Edited(Retrieve, n =>
        {
            n["line_items"]![0]!["sku"] = "WOO-SINGLE-1";
            n["transaction_id"] = "ch_3Nx";
        });
        Assert.Equal("ch_3Nx", AssertAccepted(Adapter.Map(order)).PaidAtChannel!.Reference);
    }

    [Fact]
    public void A_guest_without_an_email_is_a_guest_of_the_store_one_per_order()
    {
        var order = Edited(Retrieve, n =>
        {
            n["line_items"]![0]!["sku"] = "WOO-SINGLE-1";
            n["billing"]!["email"] = "";
        });
        Assert.Equal("example.com/guests/727", AssertAccepted(Adapter.Map(order)).CustomerId);
    }

    [Fact]
    public void Lines_repeating_a_sku_are_kept_as_sent()
    {
        var order = Edited(Retrieve, n =>
        {
            n["line_items"]![0]!["sku"] = "Bar3";
        });
        AssertLines(AssertAccepted(Adapter.Map(order), channelTotal: 29.35m), ("Bar3", 2, 3.00m), ("Bar3", 1, 12.00m));
    }

    public static TheoryData<string, int, decimal> PublishedOrders => new()
    {
        { "woocommerce/rest_v3_orders_list.json", 0, 29.35m },
        { "woocommerce/rest_v3_orders_list.json", 1, 39.00m },
        { "woocommerce/rest_v3_orders_batch_response.json", 0, 62.25m },
        { "woocommerce/rest_v3_orders_batch_response.json", 1, 54.40m },
    };

    [Theory]
    [MemberData(nameof(PublishedOrders))]
    public void Every_published_orders_totals_add_up_under_the_adapters_model(string fixture, int index, decimal total)
    {
        // Edited in the test: every SKU-less line given a SKU, so that only the money model is under test.
        var order = FixtureNode(fixture) is JsonObject o && o["create"] is JsonArray created ? created[index]! : FixtureNode(fixture)[index]!;
        foreach (var line in order["line_items"]!.AsArray())
            if ((string?)line!["sku"] is null or "") line["sku"] = $"FILLED-{line["id"]}";

        var c = AssertAccepted(Adapter.Map(Element(order)), channelTotal: total);
        Assert.Equal(total, decimal.Parse((string)order["total"]!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(decimal.Parse((string)order["total_tax"]!, System.Globalization.CultureInfo.InvariantCulture), c.Charges!.Tax);
    }

    [Fact]
    public void A_registered_customer_is_known_by_store_and_customer_number()
    {
        var order = FixtureNode("woocommerce/rest_v3_orders_list.json")[1]!;
        foreach (var line in order["line_items"]!.AsArray()) line!["sku"] = $"FILLED-{line["id"]}";

        Assert.Equal("example.com/customers/26", AssertAccepted(Adapter.Map(Element(order))).CustomerId);
    }

    [Fact]
    public void The_unit_price_is_the_subtotal_before_discounts_and_the_discount_is_charged_apart()
    {
        // A 1.00 coupon on the 12.00 line: WooCommerce lowers total (and price, total / quantity) and sets discount_total.
        var order = Edited(Retrieve, n =>
        {
            n["line_items"]![0]!["sku"] = "WOO-SINGLE-1";
            n["line_items"]![1]!["total"] = "11.00";
            n["line_items"]![1]!["price"] = 11;
            n["discount_total"] = "1.00";
            n["total"] = "28.35";
        });

        var c = AssertAccepted(Adapter.Map(order), channelTotal: 28.35m);
        AssertLines(c, ("WOO-SINGLE-1", 2, 3.00m), ("Bar3", 1, 12.00m));
        Assert.Equal(1.00m, c.Charges!.Discount);
    }

    [Fact]
    public void A_subtotal_that_does_not_divide_into_unit_prices_is_refused()
    {
        var order = Edited(Retrieve, n =>
        {
            n["line_items"]![0]!["sku"] = "WOO-SINGLE-1";
            n["line_items"]![0]!["subtotal"] = "6.01";
            n["line_items"]![0]!["total"] = "6.01";
            n["line_items"]![0]!["price"] = 3.005;
            n["total"] = "29.36";
        });
        AssertRefused(Adapter.Map(order), "line_items[0].subtotal: 6.01 for 2 units is not a whole number of USD minor units per unit");
    }

    [Fact]
    public void A_price_that_disagrees_with_total_over_quantity_is_refused()
    {
        var order = Edited(Retrieve, n =>
        {
            n["line_items"]![0]!["sku"] = "WOO-SINGLE-1";
            n["line_items"]![0]!["price"] = 4;
        });
        AssertRefused(Adapter.Map(order), "line_items[0].price: 4 disagrees with total / quantity (3.00)");
    }

    [Fact]
    public void A_price_that_is_not_a_decimal_is_refused_naming_the_field()
    {
        var order = Edited(Retrieve, n =>
        {
            n["line_items"]![0]!["sku"] = "WOO-SINGLE-1";
            n["line_items"]![1]!["price"] = "1O.00";
        });
        AssertRefused(Adapter.Map(order), "line_items[1].price: '1O.00' is not a decimal amount");
    }

    [Fact]
    public void Totals_that_do_not_add_up_are_refused_with_the_arithmetic()
    {
        var order = Edited(Retrieve, n =>
        {
            n["line_items"]![0]!["sku"] = "WOO-SINGLE-1";
            n["total"] = "29.53";
        });
        AssertRefused(Adapter.Map(order),
            "totals inconsistent: lines 18.00 + shipping 10.00 + tax 1.35 - discount 0.00 = 29.35, but total is 29.53");
    }

    [Fact]
    public void An_order_with_a_fee_is_refused_since_the_engine_has_no_charge_for_it()
    {
        var order = Edited(Retrieve, n =>
        {
            n["line_items"]![0]!["sku"] = "WOO-SINGLE-1";
            n["fee_lines"]!.AsArray().Add(new JsonObject { ["name"] = "Handling", ["total"] = "2.00" });
            n["total"] = "31.35";
        });
        AssertRefused(Adapter.Map(order), "fee_lines[0]: a fee of 2.00 ('Handling') has no place in the engine's charges");
    }

    [Theory]
    [InlineData("cancelled")]
    [InlineData("refunded")]
    [InlineData("failed")]
    public void Orders_that_no_longer_stand_are_refused(string status)
    {
        var order = Edited(Retrieve, n => n["status"] = status);
        AssertRefused(Adapter.Map(order), $"status: '{status}' orders are not placed");
    }

    [Theory]
    [InlineData("bacs", PaymentMethod.BankTransfer)]
    [InlineData("cheque", PaymentMethod.BankTransfer)]
    [InlineData("cod", PaymentMethod.CashOnDelivery)]
    [InlineData("stripe", PaymentMethod.Card)]
    [InlineData("ppcp-gateway", PaymentMethod.Card)]
    [InlineData("alipay", PaymentMethod.Alipay)]
    [InlineData("wechatpay", PaymentMethod.WeChatPay)]
    [InlineData("pw_gift_card", PaymentMethod.GiftCard)]
    public void Payment_methods_map_to_the_engines(string gateway, PaymentMethod expected)
    {
        var order = Edited(Retrieve, n =>
        {
            n["line_items"]![0]!["sku"] = "WOO-SINGLE-1";
            n["payment_method"] = gateway;
        });
        Assert.Equal(expected, AssertAccepted(Adapter.Map(order)).PaymentMethod);
    }

    [Fact]
    public void A_lower_case_country_is_only_a_spelling_and_is_capitalised()
    {
        var order = Edited(Retrieve, n =>
        {
            n["line_items"]![0]!["sku"] = "WOO-SINGLE-1";
            n["shipping"]!["country"] = "us";
        });
        Assert.Equal("US", AssertAccepted(Adapter.Map(order)).ShippingAddress!.Country);
    }

    [Fact]
    public void A_country_that_is_not_an_iso_code_is_refused()
    {
        var order = Edited(Retrieve, n =>
        {
            n["line_items"]![0]!["sku"] = "WOO-SINGLE-1";
            n["shipping"]!["country"] = "USA";
        });
        AssertRefused(Adapter.Map(order), "shipping.country: 'USA' is not an ISO 3166-1 alpha-2 country code");
    }
}
