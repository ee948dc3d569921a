using System.Text.Json.Nodes;
using OrderEngine.Domain;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Payments;
using OrderEngine.Ingestion.Adapters;
using static OrderEngine.Ingestion.Tests.IngestionTestKit;

namespace OrderEngine.Ingestion.Tests;

public sealed class ShopifyAdapterTests
{
    private const string Shop = "jsmith.myshopify.com";
    private const string OrderGet = "shopify/rest_2024-04_order_get.json";
    private static readonly ShopifyAdapter Adapter = new(Shop, customerIds: CustomerIds);

    [Fact]
    public void The_2024_04_order_maps_field_by_field_with_exact_money()
    {
        var result = Assert.Single(Adapter.Read(Fixture(OrderGet)));

        // total_price 598.94 = 3 x 199.00 + shipping 0.00 + total_tax 11.94 - total_discounts 10.00
        var c = AssertAccepted(result, channelTotal: 598.94m);
        var mapped = (Mapped)result;
        Assert.Equal("shopify", mapped.Channel);
        Assert.Equal("jsmith.myshopify.com/450789469", mapped.ExternalId);
        Assert.Equal(Identifiers.OrderIdFromExternal("shopify", "jsmith.myshopify.com/450789469"), c.OrderId);
        Assert.Equal("jsmith.myshopify.com/customers/207119551", c.CustomerId);
        Assert.Equal("USD", c.Currency);
        AssertLines(c, ("IPOD2008GREEN", 1, 199.00m), ("IPOD2008RED", 1, 199.00m), ("IPOD2008BLACK", 1, 199.00m));
        Assert.Equal(new OrderCharges(Shipping: 0.00m, Tax: 11.94m, Discount: 10.00m), c.Charges);
        Assert.Equal(new Address("Bob Norman", "Chestnut Street 92", null, "Louisville", "KY", "40202", "US", "+1(502)-459-2181"), c.ShippingAddress);
        Assert.Equal(PaymentMethod.Card, c.PaymentMethod); // "bogus" is Shopify's test card gateway
    }

    [Fact]
    public void The_orders_list_envelope_and_a_bare_webhook_body_map_to_the_same_placement_as_the_order_envelope()
    {
        var single = AssertAccepted(Assert.Single(Adapter.Read(Fixture(OrderGet))));
        var fromList = AssertAccepted(Assert.Single(Adapter.Read(Fixture("shopify/rest_2024-04_orders_list_status_any.json"))));
        var bare = AssertAccepted(Adapter.Map(Element(FixtureNode(OrderGet)["order"]!.ToJsonString())));

        Assert.Equal(Describe(single), Describe(fromList));
        Assert.Equal(Describe(single), Describe(bare));
    }

    [Fact]
    public void The_legacy_fixture_is_refused_because_its_lines_do_not_add_up_to_its_totals()
    {
        // Its three lines at 199.00 make 597.00, but total_line_items_price and total_price were left at two lines' worth.
        var refused = AssertRefused(Assert.Single(Adapter.Read(Fixture("shopify/rest_legacy_order_python_fixture.json"))),
            "total_line_items_price: 398.00, but the line items come to 597.00",
            "totals inconsistent: lines 597.00 + shipping 0.00 + tax 11.94 - discount 0.00 = 608.94, but total_price is 409.94");
        Assert.Equal("jsmith.myshopify.com/450789469", refused.ExternalId);
    }

    [Fact]
    public void The_legacy_shape_maps_once_its_figures_agree()
    {
        // Edited in the test: the legacy fixture without its third line, which its totals do not count.
        var order = Edited("shopify/rest_legacy_order_python_fixture.json", n => n["order"]!["line_items"]!.AsArray().RemoveAt(2));

        var c = AssertAccepted(Adapter.Map(order), channelTotal: 409.94m);
        AssertLines(c, ("IPOD2008GREEN", 1, 199.00m), ("IPOD2008RED", 1, 199.00m));
        Assert.Equal(new OrderCharges(0.00m, 11.94m, 0.00m), c.Charges);
        Assert.Equal(PaymentMethod.Card, c.PaymentMethod); // legacy "gateway": "authorize_net"
        Assert.Equal("jsmith.myshopify.com/customers/207119551", c.CustomerId);
        Assert.Equal(new Address("Bob Norman", "Chestnut Street 92", null, "Louisville", "KY", "40202", "US", "555-625-1199"), c.ShippingAddress);
    }

    [Fact]
    public void An_api_created_order_without_customer_or_email_is_a_guests_order_paid_at_shopify()
    {
        // The fixture: financial_status "paid", no customer, an empty email, no gateway, no transactions.
        var c = AssertAccepted(Assert.Single(Adapter.Read(Fixture("shopify/rest_2024-04_order_get_api_created.json"))), channelTotal: 199.00m);

        Assert.Equal("jsmith.myshopify.com/guests/1073459972", c.CustomerId);
        // "paid" is paid in full: total_price. Its total_outstanding (199.00) contradicts that status and is not read for it.
        Assert.Equal(new ChannelPayment("shopify", 199.00m, "USD", "jsmith.myshopify.com/1073459972"), c.PaidAtChannel);
        Assert.Equal(new DateTimeOffset(2024, 4, 2, 9, 4, 18, TimeSpan.FromHours(-5)), c.PlacedAt);
    }

    [Fact]
    public void A_guest_id_is_stable_so_a_redelivered_guest_order_is_the_same_placement()
    {
        var first = AssertAccepted(Assert.Single(Adapter.Read(Fixture("shopify/rest_2024-04_order_get_api_created.json"))));
        var again = AssertAccepted(Assert.Single(new ShopifyAdapter("JSmith.myshopify.com", customerIds: CustomerIds).Read(Fixture("shopify/rest_2024-04_order_get_api_created.json"))));
        Assert.Equal(first, again with { Lines = first.Lines });
        Assert.Equal(Describe(first), Describe(again));
    }

    [Fact]
    public void An_order_with_only_an_email_is_placed_for_the_pseudonym_of_that_email()
    {
        var order = Edited("shopify/rest_2024-04_order_get_api_created.json", n => n["orders"]![0]!["email"] = "Buyer@Example.COM");

        var c = AssertAccepted(Assert.Single(Adapter.Read(order)), channelTotal: 199.00m);
        Assert.Equal(CustomerIds.OfEmail("buyer@example.com"), c.CustomerId);
        Assert.Matches("^email:[0-9a-f]{32}$", c.CustomerId);
        AssertLines(c, ("IPOD2009BLACK", 1, 199.00m));
        Assert.Null(c.ShippingAddress);
    }

    [Fact]
    public void A_refunded_order_is_refused_rather_than_placed()
    {
        AssertRefused(Assert.Single(Adapter.Read(Fixture("shopify/rest_2024-04_order_cancel_with_refund.json"))),
            "financial_status: 'refunded'");
    }

    [Fact]
    public void A_cancelled_order_is_refused()
    {
        var order = Edited(OrderGet, n => n["order"]!["cancelled_at"] = "2024-04-02T09:00:00-05:00");
        AssertRefused(Adapter.Map(order), "cancelled_at: the order was cancelled");
    }

    [Fact]
    public void A_line_without_a_sku_is_refused_naming_the_line()
    {
        var order = Edited(OrderGet, n => n["order"]!["line_items"]![1]!["sku"] = "");
        var refused = AssertRefused(Adapter.Map(order), "line_items[1].sku: missing: a line without a SKU names no stock to reserve (item 'IPod Nano - 8gb - red')");
        Assert.Equal("jsmith.myshopify.com/450789469", refused.ExternalId);
    }

    [Fact]
    public void A_sku_the_engine_cannot_key_stock_on_is_refused()
    {
        var order = Edited(OrderGet, n => n["order"]!["line_items"]![0]!["sku"] = "IPOD 2008 GREEN");
        AssertRefused(Adapter.Map(order), "line_items[0].sku: 'IPOD 2008 GREEN' is not a usable SKU");
    }

    [Fact]
    public void A_price_that_is_not_a_decimal_is_refused_naming_the_field()
    {
        var order = Edited(OrderGet, n => n["order"]!["line_items"]![1]!["price"] = "1O.00");
        AssertRefused(Adapter.Map(order), "line_items[1].price: '1O.00' is not a decimal amount");
    }

    [Fact]
    public void A_price_with_more_decimals_than_the_currency_is_refused()
    {
        var order = Edited(OrderGet, n => n["order"]!["line_items"]![0]!["price"] = "199.001");
        AssertRefused(Adapter.Map(order), "line_items[0].price: '199.001' has more decimals than USD allows (2)");
    }

    [Fact]
    public void A_price_written_as_a_json_number_is_refused_as_shopify_writes_money_as_strings()
    {
        var order = Edited(OrderGet, n => n["order"]!["line_items"]![0]!["price"] = 199.0);
        AssertRefused(Adapter.Map(order), "line_items[0].price: expected a decimal string, found the number");
    }

    [Fact]
    public void Totals_that_do_not_add_up_are_refused_with_the_arithmetic()
    {
        var order = Edited(OrderGet, n => n["order"]!["total_price"] = "598.95");
        AssertRefused(Adapter.Map(order),
            "totals inconsistent: lines 597.00 + shipping 0.00 + tax 11.94 - discount 10.00 = 598.94, but total_price is 598.95");
    }

    [Fact]
    public void With_taxes_included_the_tax_is_not_charged_again()
    {
        var order = Edited(OrderGet, n =>
        {
            n["order"]!["taxes_included"] = true;
            n["order"]!["total_price"] = "587.00";
        });

        var c = AssertAccepted(Adapter.Map(order), channelTotal: 587.00m);
        Assert.Equal(new OrderCharges(0.00m, 0m, 10.00m), c.Charges);
    }

    [Fact]
    public void Shipping_is_the_sum_of_the_shipping_lines()
    {
        var order = Edited(OrderGet, n =>
        {
            n["order"]!["shipping_lines"]!.AsArray().Add(new JsonObject { ["price"] = "4.50", ["title"] = "Express" });
            n["order"]!["shipping_lines"]![0]!["price"] = "1.25";
            n["order"]!["total_price"] = "604.69";
        });

        var c = AssertAccepted(Adapter.Map(order), channelTotal: 604.69m);
        Assert.Equal(5.75m, c.Charges!.Shipping);
    }

    [Fact]
    public void A_money_bag_in_another_currency_is_refused_as_mixed_currencies()
    {
        var order = Edited(OrderGet, n => n["order"]!["total_price_set"]!["shop_money"]!["currency_code"] = "EUR");
        AssertRefused(Adapter.Map(order), "total_price_set.shop_money.currency_code: mixed currencies: 'EUR' differs from the order's currency USD");
    }

    [Fact]
    public void Duties_are_refused_since_the_engine_has_no_charge_for_them()
    {
        var order = Edited(OrderGet, n => n["order"]!["original_total_duties_set"] = JsonNode.Parse(
            """{"shop_money": {"amount": "5.00", "currency_code": "USD"}, "presentment_money": {"amount": "5.00", "currency_code": "USD"}}"""));
        AssertRefused(Adapter.Map(order), "original_total_duties_set: the order carries duties");
    }

    [Fact]
    public void Lines_repeating_a_sku_are_kept_as_the_channel_sent_them()
    {
        var order = Edited(OrderGet, n => n["order"]!["line_items"]![2]!["sku"] = "IPOD2008GREEN");

        var c = AssertAccepted(Adapter.Map(order), channelTotal: 598.94m);
        AssertLines(c, ("IPOD2008GREEN", 1, 199.00m), ("IPOD2008RED", 1, 199.00m), ("IPOD2008GREEN", 1, 199.00m));
    }

    [Fact]
    public void Lines_repeating_a_sku_at_different_prices_keep_each_price()
    {
        var order = Edited(OrderGet, n =>
        {
            n["order"]!["line_items"]![2]!["sku"] = "IPOD2008GREEN";
            n["order"]!["line_items"]![2]!["price"] = "150.00";
            n["order"]!["total_line_items_price"] = "548.00";
            n["order"]!["total_price"] = "549.94";
        });

        var c = AssertAccepted(Adapter.Map(order), channelTotal: 549.94m);
        AssertLines(c, ("IPOD2008GREEN", 1, 199.00m), ("IPOD2008RED", 1, 199.00m), ("IPOD2008GREEN", 1, 150.00m));
        Assert.Equal(549.94m, c.PaidAtChannel!.Amount); // partially_refunded, nothing outstanding: paid in full
    }

    [Fact]
    public void The_channels_order_time_is_created_at()
    {
        var c = AssertAccepted(Assert.Single(Adapter.Read(Fixture(OrderGet))));
        Assert.Equal(new DateTimeOffset(2008, 1, 10, 11, 0, 0, TimeSpan.FromHours(-5)), c.PlacedAt);
    }

    [Fact]
    public void A_created_at_that_is_not_an_iso_time_is_refused_naming_it()
    {
        var order = Edited(OrderGet, n => n["order"]!["created_at"] = "10/01/2008 11:00");
        AssertRefused(Adapter.Map(order), "created_at: '10/01/2008 11:00' is not an ISO 8601 time");
    }

    [Fact]
    public void A_partially_refunded_order_without_transactions_was_paid_its_total_less_what_is_outstanding()
    {
        // The fixture: financial_status "partially_refunded", total_outstanding 0.00, gateway "bogus".
        var c = AssertAccepted(Assert.Single(Adapter.Read(Fixture(OrderGet))), channelTotal: 598.94m);
        Assert.Equal(new ChannelPayment("bogus", 598.94m, "USD", "jsmith.myshopify.com/450789469"), c.PaidAtChannel);
    }

    private static JsonArray Transactions(params (long Id, string Kind, string Status, string Amount)[] ts) =>
        [.. ts.Select(t => (JsonNode)new JsonObject
        {
            ["id"] = t.Id, ["kind"] = t.Kind, ["status"] = t.Status, ["amount"] = t.Amount, ["currency"] = "USD", ["gateway"] = "bogus",
            ["authorization"] = "auth-" + t.Id,
        })];

    [Fact]
    public void A_paid_order_with_transactions_carries_the_sum_of_its_successful_sales_and_captures()
    {
        var order = Edited(OrderGet, n =>
        {
            n["order"]!["financial_status"] = "paid";
            n["order"]!["transactions"] = Transactions(
                (1001, "authorization", "success", "598.94"), // not money collected
                (1002, "capture", "success", "300.00"),
                (1003, "sale", "failure", "298.94"),          // failed
                (1004, "sale", "success", "298.94"));
        });

        var c = AssertAccepted(Adapter.Map(order), channelTotal: 598.94m);
        Assert.Equal(new ChannelPayment("bogus", 598.94m, "USD", "1002,1004"), c.PaidAtChannel);
    }

    [Fact]
    public void A_partially_paid_order_carries_what_was_collected_as_a_partial_payment()
    {
        var order = Edited(OrderGet, n =>
        {
            n["order"]!["financial_status"] = "partially_paid";
            n["order"]!["transactions"] = Transactions((2001, "sale", "success", "200.00"), (2002, "sale", "pending", "398.94"));
        });

        var c = AssertAccepted(Adapter.Map(order), channelTotal: 598.94m);
        Assert.Equal(new ChannelPayment("bogus", 200.00m, "USD", "2001"), c.PaidAtChannel);
    }

    [Fact]
    public void A_partially_paid_order_without_transactions_was_paid_its_total_less_what_is_outstanding()
    {
        var order = Edited(OrderGet, n =>
        {
            n["order"]!["financial_status"] = "partially_paid";
            n["order"]!["total_outstanding"] = "398.94";
        });

        Assert.Equal(200.00m, AssertAccepted(Adapter.Map(order)).PaidAtChannel!.Amount);
    }

    [Fact]
    public void A_partially_paid_order_that_does_not_say_how_much_was_collected_is_refused()
    {
        var order = Edited(OrderGet, n =>
        {
            n["order"]!["financial_status"] = "partially_paid";
            n["order"]!.AsObject().Remove("total_outstanding");
        });

        AssertRefused(Adapter.Map(order), "total_outstanding: missing: financial_status is 'partially_paid'");
    }

    [Fact]
    public void A_partially_refunded_order_without_total_outstanding_was_paid_in_full()
    {
        var order = Edited(OrderGet, n => n["order"]!.AsObject().Remove("total_outstanding"));
        Assert.Equal(598.94m, AssertAccepted(Adapter.Map(order)).PaidAtChannel!.Amount);
    }

    [Fact]
    public void Transactions_that_collected_more_than_the_total_are_refused()
    {
        var order = Edited(OrderGet, n =>
        {
            n["order"]!["financial_status"] = "paid";
            n["order"]!["transactions"] = Transactions((3001, "sale", "success", "598.94"), (3002, "capture", "success", "10.00"));
        });

        AssertRefused(Adapter.Map(order), "transactions: the successful sales and captures come to 608.94, more than total_price 598.94");
    }

    [Theory]
    [InlineData("pending")]
    [InlineData("authorized")]
    [InlineData("unpaid")]
    public void An_order_shopify_has_not_charged_carries_no_payment_and_is_reserved_as_before(string status)
    {
        var order = Edited(OrderGet, n =>
        {
            n["order"]!["financial_status"] = status;
            n["order"]!["transactions"] = Transactions((4001, "authorization", "success", "598.94"));
        });

        Assert.Null(AssertAccepted(Adapter.Map(order)).PaidAtChannel);
    }

    [Fact]
    public void The_legacy_fixture_is_authorized_only_so_it_carries_no_payment()
    {
        var order = Edited("shopify/rest_legacy_order_python_fixture.json", n => n["order"]!["line_items"]!.AsArray().RemoveAt(2));
        Assert.Null(AssertAccepted(Adapter.Map(order)).PaidAtChannel);
    }

    [Fact]
    public void A_cash_on_delivery_order_marked_paid_carries_no_channel_payment()
    {
        var order = Edited(OrderGet, n =>
        {
            n["order"]!["financial_status"] = "paid";
            n["order"]!["payment_gateway_names"] = new JsonArray("Cash on Delivery (COD)");
        });

        var c = AssertAccepted(Adapter.Map(order));
        Assert.Equal(PaymentMethod.CashOnDelivery, c.PaymentMethod);
        Assert.Null(c.PaidAtChannel);
    }

    [Theory]
    [InlineData("bogus", PaymentMethod.Card)]
    [InlineData("shopify_payments", PaymentMethod.Card)]
    [InlineData("Cash on Delivery (COD)", PaymentMethod.CashOnDelivery)]
    [InlineData("manual", PaymentMethod.BankTransfer)]
    [InlineData("Bank Deposit", PaymentMethod.BankTransfer)]
    [InlineData("alipay", PaymentMethod.Alipay)]
    [InlineData("WeChat Pay", PaymentMethod.WeChatPay)]
    [InlineData("gift_card", PaymentMethod.GiftCard)]
    public void Payment_gateways_map_to_the_engines_payment_methods(string gateway, PaymentMethod expected)
    {
        var order = Edited(OrderGet, n => n["order"]!["payment_gateway_names"] = new JsonArray(gateway));
        Assert.Equal(expected, AssertAccepted(Adapter.Map(order)).PaymentMethod);
    }

    [Fact]
    public void A_gift_card_next_to_another_gateway_leaves_the_choice_to_the_other()
    {
        var order = Edited(OrderGet, n => n["order"]!["payment_gateway_names"] = new JsonArray("gift_card", "Cash on Delivery (COD)"));
        Assert.Equal(PaymentMethod.CashOnDelivery, AssertAccepted(Adapter.Map(order)).PaymentMethod);
    }

    [Fact]
    public void A_payload_that_is_not_json_is_refused_not_thrown()
    {
        AssertRefused(Assert.Single(Adapter.Read("{\"order\": ")), "not valid JSON");
        AssertRefused(Assert.Single(Adapter.Read("[1, 2]")), "payload: expected");
    }

    [Fact]
    public void A_field_of_the_wrong_kind_is_refused_not_thrown()
    {
        var order = Edited(OrderGet, n => n["order"]!["line_items"]![0]!["quantity"] = "one");
        AssertRefused(Adapter.Map(order), "line_items[0].quantity: a string is not a whole number of units");
    }
}
