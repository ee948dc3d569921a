using System.Text.Json.Nodes;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Payments;
using OrderEngine.Ingestion.Adapters;
using static OrderEngine.Ingestion.Tests.IngestionTestKit;

namespace OrderEngine.Ingestion.Tests;

/// <summary>
/// The published Orders v0 material has one real pair: the sandbox getOrder and getOrderItems for TEST_CASE_200, both
/// AmazonOrderId 902-1845936-5435065. The getOrderItems example (903-1671087-0812628) has no order anywhere in the
/// material; the tests that need one build it from the getOrders example's order, and say so.
/// </summary>
public sealed class AmazonAdapterTests
{
    private const string Seller = "A3SELLERTEST";
    private static readonly AmazonAdapter Adapter = new(Seller, customerIds: CustomerIds);

    private static JsonNode SandboxOrder() => FixtureNode("amazon-sp-api/ordersV0_getOrder_sandbox.json")[0]!["response"]!;

    private static JsonNode SandboxItems() => FixtureNode("amazon-sp-api/ordersV0_getOrderItems_sandbox.json")[0]!["response"]!;

    private static JsonNode ExampleOrder() => FixtureNode("amazon-sp-api/ordersV0_getOrders_example.json")["payload"]!["Orders"]![0]!;

    private static JsonNode ExampleItems() => FixtureNode("amazon-sp-api/ordersV0_getOrderItems_example.json");

    private static AdapterResult Map(JsonNode order, params JsonNode[] pages) => Adapter.Map(Element(order), [.. pages.Select(Element)]);

    [Fact]
    public void The_sandbox_order_and_its_items_map_field_by_field_with_exact_money()
    {
        var result = Map(SandboxOrder(), SandboxItems());

        // OrderTotal 11.01 = ItemPrice 10.00 + ItemTax 1.01 (a US order: sales tax comes on top of the price)
        var c = AssertAccepted(result, channelTotal: 11.01m);
        var mapped = (Mapped)result;
        Assert.Equal("amazon", mapped.Channel);
        Assert.Equal("A3SELLERTEST/902-1845936-5435065", mapped.ExternalId);
        Assert.Equal("A3SELLERTEST/buyer-of/902-1845936-5435065", c.CustomerId); // no BuyerInfo in this response
        Assert.Equal("USD", c.Currency);
        AssertLines(c, ("NABetaASINB00551Q3CS", 1, 10.00m));
        Assert.Equal(new OrderCharges(Shipping: 0m, Tax: 1.01m, Discount: 0.00m), c.Charges);
        Assert.Null(c.ShippingAddress);
        Assert.Equal(PaymentMethod.Card, c.PaymentMethod); // "Other" with details ["Standard"]
    }

    [Fact]
    public void The_same_order_from_getOrders_maps_to_the_same_placement()
    {
        var listed = FixtureNode("amazon-sp-api/ordersV0_getOrders_sandbox.json")[0]!["response"]!["payload"]!["Orders"]![0]!;

        Assert.Equal(Describe(AssertAccepted(Map(SandboxOrder(), SandboxItems()))), Describe(AssertAccepted(Map(listed, SandboxItems()))));
    }

    [Fact]
    public void Items_of_another_order_are_refused()
    {
        // As published: the getOrders example's order and the getOrderItems example do not belong together.
        AssertRefused(Map(ExampleOrder(), ExampleItems()),
            "order items.AmazonOrderId: the items belong to order 903-1671087-0812628, not 902-3159896-1390916");
    }

    [Fact]
    public void An_item_list_that_continues_on_another_page_is_refused()
    {
        var items = SandboxItems();
        items["payload"]!["NextToken"] = "2YgYW55IGNhcm5hbCBwbGVhc3VyZS4";
        AssertRefused(Map(SandboxOrder(), items), "order items.NextToken: the item list continues on another page");
    }

    [Fact]
    public void Every_page_of_items_makes_one_placement()
    {
        var first = SandboxItems();
        first["payload"]!["NextToken"] = "page-2";
        var second = JsonNode.Parse("""
            {"payload": {"AmazonOrderId": "902-1845936-5435065", "OrderItems": [
              {"ASIN": "B000000002", "OrderItemId": "2", "SellerSKU": "SECOND-SKU", "QuantityOrdered": 2,
               "ItemPrice": {"CurrencyCode": "USD", "Amount": "5.00"}, "ItemTax": {"CurrencyCode": "USD", "Amount": "0.50"}}]}}
            """)!;
        var order = SandboxOrder();
        order["payload"]!["OrderTotal"]!["Amount"] = "16.51";

        var c = AssertAccepted(Map(order, first, second), channelTotal: 16.51m);
        AssertLines(c, ("NABetaASINB00551Q3CS", 1, 10.00m), ("SECOND-SKU", 2, 2.50m));
        Assert.Equal(1.51m, c.Charges!.Tax);
    }

    [Fact]
    public void The_published_items_mixing_yen_and_pounds_are_refused_naming_the_fields()
    {
        // Pairing built in the test: the getOrders example's order given the items' AmazonOrderId, and the item list
        // taken as complete (its NextToken removed), so that only the items' money is under test.
        var order = ExampleOrder();
        order["AmazonOrderId"] = "903-1671087-0812628";
        var items = ExampleItems();
        items["payload"]!.AsObject().Remove("NextToken");

        var refused = AssertRefused(Map(order, items), "mixed currencies: JPY in ", "GBP in OrderItems[0].BuyerInfo.GiftWrapPrice");
        Assert.Equal("A3SELLERTEST/903-1671087-0812628", refused.ExternalId);
    }

    [Fact]
    public void The_published_yen_prices_with_cents_are_refused()
    {
        // As above, and the one pound amount turned into yen: one currency left, and 25.99 is not an amount of yen.
        var order = ExampleOrder();
        order["AmazonOrderId"] = "903-1671087-0812628";
        var items = ExampleItems();
        items["payload"]!.AsObject().Remove("NextToken");
        items["payload"]!["OrderItems"]![0]!["BuyerInfo"]!["GiftWrapPrice"]!["CurrencyCode"] = "JPY";

        AssertRefused(Map(order, items),
            "OrderItems[0].ItemPrice.Amount: '25.99' has more decimals than JPY allows (0)",
            "OrderItems[1].ItemPrice.Amount: '17.95' has more decimals than JPY allows (0)");
    }

    [Fact]
    public void An_order_priced_in_one_currency_with_items_in_another_is_refused()
    {
        // Pairing built in the test: the sandbox IBA order (EUR, with a BRL payment detail) and the sandbox items (USD)
        // re-keyed to its AmazonOrderId, so that only the currencies are under test.
        var iba = FixtureNode("amazon-sp-api/ordersV0_getOrder_sandbox.json")[1]!["response"]!;
        iba["payload"]!["FulfillmentChannel"] = "MFN"; // shipped by the seller, so that only the currencies are under test
        var items = SandboxItems();
        items["payload"]!["AmazonOrderId"] = "921-3175655-0452641";
        AssertRefused(Map(iba, items), "mixed currencies: EUR in OrderTotal; BRL in PaymentExecutionDetail[0].Payment; USD in OrderItems[0].ItemPrice");
    }

    [Fact]
    public void An_order_fulfilled_by_amazon_is_refused_because_it_does_not_ship_from_this_stock()
    {
        // The sandbox's second getOrder is AFN as published.
        var afn = FixtureNode("amazon-sp-api/ordersV0_getOrder_sandbox.json")[1]!["response"]!;
        var items = SandboxItems();
        items["payload"]!["AmazonOrderId"] = "921-3175655-0452641";
        AssertRefused(Map(afn, items), "FulfillmentChannel: 'AFN' orders are fulfilled by Amazon");
    }

    [Fact]
    public void A_line_price_that_does_not_divide_by_its_quantity_is_refused()
    {
        var items = SandboxItems();
        items["payload"]!["OrderItems"]![0]!["QuantityOrdered"] = 3;
        AssertRefused(Map(SandboxOrder(), items), "OrderItems[0].ItemPrice.Amount: 10.00 for 3 units is not a whole number of USD minor units per unit");
    }

    [Fact]
    public void ItemPrice_is_the_line_total_so_the_unit_price_is_divided_by_the_quantity()
    {
        var items = SandboxItems();
        items["payload"]!["OrderItems"]![0]!["QuantityOrdered"] = 4;

        var c = AssertAccepted(Map(SandboxOrder(), items), channelTotal: 11.01m);
        AssertLines(c, ("NABetaASINB00551Q3CS", 4, 2.50m));
    }

    [Fact]
    public void An_order_total_that_does_not_add_up_is_refused_with_the_arithmetic()
    {
        var order = SandboxOrder();
        order["payload"]!["OrderTotal"]!["Amount"] = "11.10";
        AssertRefused(Map(order, SandboxItems()),
            "totals inconsistent: lines 10.00 + shipping 0.00 + tax 1.01 - discount 0.00 = 11.01, but OrderTotal is 11.10");
    }

    [Fact]
    public void In_a_vat_marketplace_the_price_already_contains_the_tax()
    {
        var order = SandboxOrder();
        order["payload"]!["MarketplaceId"] = "A1PA6795UKMFR9"; // Amazon.de
        order["payload"]!["OrderTotal"] = JsonNode.Parse("""{"CurrencyCode": "EUR", "Amount": "10.00"}""");
        var items = SandboxItems();
        foreach (var money in new[] { "ItemPrice", "ItemTax", "PromotionDiscount" })
            items["payload"]!["OrderItems"]![0]![money]!["CurrencyCode"] = "EUR";

        var c = AssertAccepted(Map(order, items), channelTotal: 10.00m);
        Assert.Equal("EUR", c.Currency);
        Assert.Equal(new OrderCharges(0m, 0m, 0.00m), c.Charges);
    }

    [Fact]
    public void A_marketplace_whose_tax_treatment_is_unknown_is_refused()
    {
        var order = SandboxOrder();
        order["payload"]!["MarketplaceId"] = "AXXXXXXXXXXXX";
        AssertRefused(Map(order, SandboxItems()), "MarketplaceId: 'AXXXXXXXXXXXX': whether its prices include tax is not known");
    }

    [Fact]
    public void Shipping_and_promotions_are_summed_over_the_items()
    {
        var items = SandboxItems();
        var item = items["payload"]!["OrderItems"]![0]!;
        item["ShippingPrice"] = JsonNode.Parse("""{"CurrencyCode": "USD", "Amount": "4.99"}""");
        item["ShippingDiscount"] = JsonNode.Parse("""{"CurrencyCode": "USD", "Amount": "4.99"}""");
        item["PromotionDiscount"]!["Amount"] = "1.00";
        var order = SandboxOrder();
        order["payload"]!["OrderTotal"]!["Amount"] = "10.01";

        var c = AssertAccepted(Map(order, items), channelTotal: 10.01m);
        Assert.Equal(new OrderCharges(Shipping: 4.99m, Tax: 1.01m, Discount: 5.99m), c.Charges);
    }

    [Fact]
    public void Cash_on_delivery_orders_are_placed_as_such_and_their_buyer_email_names_the_customer()
    {
        var order = SandboxOrder();
        order["payload"]!["PaymentMethod"] = "COD";
        order["payload"]!["BuyerInfo"] = JsonNode.Parse("""{"BuyerEmail": "Abc123@Marketplace.Amazon.com"}""");
        order["payload"]!["ShippingAddress"] = JsonNode.Parse(
            """{"Name": "Michigan address", "AddressLine1": "1 Cross St.", "City": "Canton", "StateOrRegion": "MI", "PostalCode": "48817", "CountryCode": "US"}""");

        var c = AssertAccepted(Map(order, SandboxItems()));
        Assert.Equal(PaymentMethod.CashOnDelivery, c.PaymentMethod);
        Assert.Equal(CustomerIds.OfEmail("abc123@marketplace.amazon.com"), c.CustomerId);
        Assert.Equal(new Address("Michigan address", "1 Cross St.", null, "Canton", "MI", "48817", "US", null), c.ShippingAddress);
    }

    [Fact]
    public void An_order_amazon_collected_arrives_paid_with_its_order_total_and_its_purchase_date()
    {
        // The sandbox order: Unshipped, PaymentMethod "Other" with details ["Standard"], OrderTotal 11.01 USD.
        var c = AssertAccepted(Map(SandboxOrder(), SandboxItems()), channelTotal: 11.01m);

        Assert.Equal(new ChannelPayment("Standard", 11.01m, "USD", "902-1845936-5435065"), c.PaidAtChannel);
        Assert.Equal(new DateTimeOffset(1970, 1, 19, 3, 58, 30, TimeSpan.Zero), c.PlacedAt);
    }

    [Fact]
    public void Without_an_order_total_the_payment_is_the_total_the_items_add_up_to()
    {
        var order = SandboxOrder();
        order["payload"]!.AsObject().Remove("OrderTotal");
        Assert.Equal(11.01m, AssertAccepted(Map(order, SandboxItems())).PaidAtChannel!.Amount);
    }

    [Fact]
    public void A_cash_on_delivery_order_is_not_paid_on_arrival()
    {
        var order = SandboxOrder();
        order["payload"]!["PaymentMethod"] = "COD";
        Assert.Null(AssertAccepted(Map(order, SandboxItems())).PaidAtChannel);
    }

    [Theory]
    [InlineData("Pending")]
    [InlineData("PendingAvailability")]
    public void An_order_amazon_has_not_charged_yet_carries_no_payment(string status)
    {
        var order = SandboxOrder();
        order["payload"]!["OrderStatus"] = status;
        Assert.Null(AssertAccepted(Map(order, SandboxItems())).PaidAtChannel);
    }

    [Fact]
    public void Items_repeating_a_sku_are_kept_as_separate_lines_at_their_own_prices()
    {
        var first = SandboxItems();
        first["payload"]!["NextToken"] = "page-2";
        var second = JsonNode.Parse("""
            {"payload": {"AmazonOrderId": "902-1845936-5435065", "OrderItems": [
              {"ASIN": "B00551Q3CS", "OrderItemId": "2", "SellerSKU": "NABetaASINB00551Q3CS", "QuantityOrdered": 2,
               "ItemPrice": {"CurrencyCode": "USD", "Amount": "16.00"}, "ItemTax": {"CurrencyCode": "USD", "Amount": "0.50"}}]}}
            """)!;
        var order = SandboxOrder();
        order["payload"]!["OrderTotal"]!["Amount"] = "27.51";

        var c = AssertAccepted(Map(order, first, second), channelTotal: 27.51m);
        AssertLines(c, ("NABetaASINB00551Q3CS", 1, 10.00m), ("NABetaASINB00551Q3CS", 2, 8.00m));
    }

    [Fact]
    public void A_cod_fee_is_refused_since_the_engine_has_no_charge_for_it()
    {
        var items = SandboxItems();
        items["payload"]!["OrderItems"]![0]!["CODFee"] = JsonNode.Parse("""{"CurrencyCode": "USD", "Amount": "3.00"}""");
        AssertRefused(Map(SandboxOrder(), items), "OrderItems[0].CODFee: a cash-on-delivery fee of 3.00");
    }

    [Fact]
    public void An_item_without_a_seller_sku_is_refused()
    {
        var items = SandboxItems();
        items["payload"]!["OrderItems"]![0]!.AsObject().Remove("SellerSKU");
        AssertRefused(Map(SandboxOrder(), items), "OrderItems[0].SellerSKU: missing");
    }

    [Fact]
    public void A_cancelled_order_is_refused()
    {
        var order = SandboxOrder();
        order["payload"]!["OrderStatus"] = "Canceled";
        AssertRefused(Map(order, SandboxItems()), "OrderStatus: 'Canceled' orders are not placed");
    }

    [Fact]
    public void An_order_without_items_is_refused()
    {
        AssertRefused(Adapter.Map(Element(SandboxOrder())), "OrderItems: no order items given");
    }

    [Fact]
    public void Malformed_json_is_refused_not_thrown()
    {
        AssertRefused(Adapter.Map("{", SandboxItems().ToJsonString()), "order: not valid JSON");
        AssertRefused(Adapter.Map(SandboxOrder().ToJsonString(), "["), "order items page 1: not valid JSON");
    }

    [Fact]
    public void Text_and_element_inputs_agree()
    {
        var fromText = Adapter.Map(SandboxOrder().ToJsonString(), SandboxItems().ToJsonString());
        Assert.Equal(Describe(AssertAccepted(fromText)), Describe(AssertAccepted(Map(SandboxOrder(), SandboxItems()))));
    }
}
