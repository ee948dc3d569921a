using OrderEngine.Domain;
using OrderEngine.Ingestion.Adapters;
using static OrderEngine.Ingestion.Tests.IngestionTestKit;

namespace OrderEngine.Ingestion.Tests;

/// <summary>Guarantee 3: a redelivered or replayed order reaches the same entity; orders of different shops never do.</summary>
public sealed class OrderIdentityTests
{
    private const string OrderGet = "shopify/rest_2024-04_order_get.json";

    private static string OrderIdOf(AdapterResult r) => Assert.IsType<Mapped>(r).Command.OrderId;

    [Fact]
    public void The_same_order_delivered_twice_gets_the_same_order_id()
    {
        var adapter = new ShopifyAdapter("jsmith.myshopify.com", customerIds: CustomerIds);
        var first = OrderIdOf(Assert.Single(adapter.Read(Fixture(OrderGet))));
        var again = OrderIdOf(Assert.Single(new ShopifyAdapter("jsmith.myshopify.com", customerIds: CustomerIds).Read(Fixture(OrderGet))));
        var viaList = OrderIdOf(Assert.Single(adapter.Read(Fixture("shopify/rest_2024-04_orders_list_status_any.json"))));

        Assert.Equal(first, again);
        Assert.Equal(first, viaList);
        Assert.Equal(Identifiers.OrderIdFromExternal("shopify", "jsmith.myshopify.com/450789469"), first);
    }

    [Fact]
    public void The_shop_domain_is_case_insensitive()
    {
        Assert.Equal(
            OrderIdOf(Assert.Single(new ShopifyAdapter("jsmith.myshopify.com", customerIds: CustomerIds).Read(Fixture(OrderGet)))),
            OrderIdOf(Assert.Single(new ShopifyAdapter("JSmith.MyShopify.com", customerIds: CustomerIds).Read(Fixture(OrderGet)))));
    }

    [Fact]
    public void The_same_order_number_in_two_shops_gets_two_order_ids()
    {
        var a = Assert.IsType<Mapped>(Assert.Single(new ShopifyAdapter("jsmith.myshopify.com", customerIds: CustomerIds).Read(Fixture(OrderGet))));
        var b = Assert.IsType<Mapped>(Assert.Single(new ShopifyAdapter("other-shop.myshopify.com", customerIds: CustomerIds).Read(Fixture(OrderGet))));

        Assert.NotEqual(a.Command.OrderId, b.Command.OrderId);
        Assert.NotEqual(a.Command.CustomerId, b.Command.CustomerId); // customer 207119551 of one shop is not that of another
    }

    [Fact]
    public void The_same_id_on_two_channels_gets_two_order_ids()
    {
        Assert.NotEqual(Identifiers.OrderIdFromExternal("shopify", "example.com/727"), Identifiers.OrderIdFromExternal("woocommerce", "example.com/727"));
    }

    [Fact]
    public void A_replay_through_the_canonical_feed_reaches_the_same_order_as_the_channel_adapter()
    {
        var fromShopify = OrderIdOf(Assert.Single(new ShopifyAdapter("jsmith.myshopify.com", customerIds: CustomerIds).Read(Fixture(OrderGet))));
        var line = """{"externalId": "jsmith.myshopify.com/450789469", "channel": "shopify", "customerId": "c", "currency": "USD", "lines": [{"sku": "A", "quantity": 1, "unitPrice": 1}]}""";

        Assert.Equal(fromShopify, OrderIdOf(new CanonicalNdjsonAdapter().MapLine(line, 1)));
    }

    [Fact]
    public void An_empty_account_is_a_configuration_error()
    {
        Assert.Throws<ArgumentException>(() => new ShopifyAdapter(" ", customerIds: CustomerIds));
        Assert.Throws<ArgumentException>(() => new WooCommerceAdapter("my store"));
        Assert.Throws<ArgumentException>(() => new AmazonAdapter(""));
    }
}
