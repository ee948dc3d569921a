using System.Net;
using Microsoft.Extensions.DependencyInjection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrderEngine.Ingestion.Adapters;
using static OrderEngine.Api.Tests.Api;
using static OrderEngine.Api.Tests.ChannelTestKit;

namespace OrderEngine.Api.Tests;

/// <summary>
/// An engine with Shopify shops and WooCommerce stores configured, each with its own webhook secret, and stock for the
/// SKUs of the published orders. Each test uses its own shop or store, so the same published order is a different order
/// in each (the external id is shop/order id).
/// </summary>
public sealed class ChannelWebhookEngineFixture : EngineFixture, IAsyncLifetime
{
    /// <summary>The secret of Shopify's published vector, configured for the shop the vector and the main order go to.</summary>
    public const string ShopifySecret = "test_secret_key";

    public static readonly string[] ShopifySkus = ["IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK"];

    /// <summary>The published WooCommerce order's SKUs once its empty one is filled in (in the tests).</summary>
    public static readonly string[] WooSkus = ["WOO-SINGLE-1", "Bar3"];

    public static string SecretOf(string account) => account == "jsmith.myshopify.com" ? ShopifySecret : "secret-of-" + account;

    /// <summary>A shop domain longer than the quarantine's source column leaves room for after "webhook/shopify:".</summary>
    public const string LongShop = "a-rather-long-shop-handle-of-forty-chars-x.myshopify.com";

    public static readonly string[] Shops =
        ["jsmith.myshopify.com", "redelivery.myshopify.com", "unsigned.myshopify.com", "topics.myshopify.com", "legacy.myshopify.com", "mixedcase.myshopify.com", LongShop, "pseudonym.myshopify.com", "erasure.myshopify.com"];

    public static readonly string[] Stores = ["example.com", "asis.example.com", "unsigned.example.com", "topics.example.com"];

    protected override IReadOnlyDictionary<string, string> Settings
    {
        get
        {
            var settings = new Dictionary<string, string>();
            foreach (var shop in Shops) settings[$"OrderEngine:Channels:Shopify:{shop}:Secret"] = SecretOf(shop);
            foreach (var store in Stores) settings[$"OrderEngine:Channels:WooCommerce:{store}:Secret"] = SecretOf(store);
            // A store listed without a secret is not a store webhooks are taken from: anyone could sign for it.
            settings["OrderEngine:Channels:WooCommerce:nosecret.example.com:Secret"] = "";
            return settings;
        }
    }

    public new async Task InitializeAsync()
    {
        await base.InitializeAsync();
        foreach (var sku in ShopifySkus.Concat(WooSkus)) await Client.SetStock(sku, 1000);
    }
}

/// <summary>
/// POST /api/channels/shopify/{shop}/orders and /api/channels/woocommerce/{store}/orders with the platforms' published
/// orders and signature vectors: a verified order is placed once however often it is delivered, an unverified one changes
/// nothing, and a verified one the adapter cannot map is kept in quarantine with its body and reason.
/// </summary>
public sealed class ChannelWebhookTests(ChannelWebhookEngineFixture engine) : IClassFixture<ChannelWebhookEngineFixture>
{
    private const string OrderGet = "shopify/rest_2024-04_order_get.json";
    private const string Legacy = "shopify/rest_legacy_order_python_fixture.json";
    private const string WooRetrieve = "woocommerce/rest_v3_order_retrieve.json";
    private readonly HttpClient _client = engine.Client;

    private static string Secret(string account) => ChannelWebhookEngineFixture.SecretOf(account);

    private async Task<Dictionary<string, StockFigures>> StockOf(IEnumerable<string> skus)
    {
        var figures = new Dictionary<string, StockFigures>();
        foreach (var sku in skus) figures[sku] = await _client.Stock(sku);
        return figures;
    }

    /// <summary>Each SKU holds <paramref name="by"/> more units: reserved, or sold once the order is paid (a paid-on-arrival order).</summary>
    private async Task AssertReservedMore(Dictionary<string, StockFigures> before, int by)
    {
        foreach (var (sku, was) in before)
        {
            var now = await _client.Stock(sku);
            Assert.Equal(was.Reserved + was.Sold + by, now.Reserved + now.Sold);
            Assert.Equal(was.OnHand, now.OnHand);
        }
    }

    /// <summary>The published WooCommerce order with its empty SKU filled in, serialised, and signed for the store.</summary>
    private static (byte[] Body, string Signature) WooOrderWithSkus(string store)
    {
        var order = FixtureNode(WooRetrieve);
        order["line_items"]![0]!["sku"] = "WOO-SINGLE-1"; // the one edit: the fixture's first line has sku ""
        var body = Encoding.UTF8.GetBytes(order.ToJsonString());
        return (body, Sign(Secret(store), body));
    }

    private async Task<string> IdOfEmail(string email)
    {
        using var response = await _client.GetAsync("/api/customers/id-of?email=" + Uri.EscapeDataString(email));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.Str("customerId");
    }

    private async Task<string> TextOf(string url)
    {
        using var response = await _client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {body}");
        return body;
    }

    // ---- Shopify ----

    [Fact]
    public async Task A_Shopify_order_without_a_customer_record_carries_no_email_in_the_order_search_or_customers_report_and_id_of_finds_it()
    {
        const string shop = "pseudonym.myshopify.com";
        var node = FixtureNode(OrderGet);
        node["order"]!["customer"] = null; // no customer record: the buyer is known only by the order's email
        node["order"]!["email"] = "Bob.Norman@Mail.Example.com";
        node["order"]!["contact_email"] = "Bob.Norman@Mail.Example.com";
        var body = Encoding.UTF8.GetBytes(node.ToJsonString());

        using var response = await _client.PostShopify(shop, body, Sign(ChannelWebhookEngineFixture.SecretOf(shop), body));
        Assert.Equal("accepted", (await WebhookOutcome(response)).Outcome());
        var id = OrderIdOf("shopify", shop + "/450789469");

        var order = await _client.PaidOrderEventually(id);
        var customerId = order.Str("customerId");
        Assert.Matches("^email:[0-9a-f]{32}$", customerId);
        Assert.DoesNotContain("norman@", (await TextOf($"/api/orders/{id}")).ToLowerInvariant());

        // The operator handling a data subject request finds the id from the email, whatever its case or spacing.
        Assert.Equal(customerId, await IdOfEmail(" bob.norman@mail.example.COM "));
        Assert.NotEqual(customerId, await IdOfEmail("bob.norman@mail.example.org"));

        // The read tables: the search and the customers report carry the pseudonym, never the email.
        var search = await Eventually(() => TextOf("/api/orders?channel=shopify&limit=500"), t => t.Contains(id, StringComparison.Ordinal),
            TimeSpan.FromSeconds(20), "the order in the search");
        var item = JsonDocument.Parse(search).RootElement.GetProperty("items").EnumerateArray().Single(i => i.Str("orderId") == id);
        Assert.Equal(customerId, item.Str("customerId"));
        Assert.DoesNotContain("norman@", search.ToLowerInvariant());
        var customers = await Eventually(() => TextOf("/api/reports/customers?limit=10000"), t => t.Contains(customerId, StringComparison.Ordinal),
            TimeSpan.FromSeconds(20), "the customer in the customers report");
        Assert.DoesNotContain("norman@", customers.ToLowerInvariant());
    }

    /// <summary>The quarantine's payloads as the database holds them (every record of the channel).</summary>
    private async Task<List<string>> RawQuarantinePayloads(string channel)
    {
        var database = engine.Services.GetRequiredService<OrderEngine.Engine.Hosting.JournalDatabase>();
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT payload FROM quarantine WHERE channel = @channel";
        OrderEngine.Engine.Hosting.DbCommandExtensions.AddParameter(command, "channel", channel);
        var payloads = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) payloads.Add(reader.GetString(0));
        return payloads;
    }

    [Fact]
    public async Task A_quarantined_Shopify_order_is_sealed_at_rest_shown_to_operators_and_erased_with_its_buyer_by_email()
    {
        const string shop = "erasure.myshopify.com";
        // Two orders the adapter refuses (a line without a SKU) of two buyers known only by their emails.
        byte[] BadOrder(long id, string email, string name, string street)
        {
            var node = FixtureNode(OrderGet);
            node["order"]!["id"] = id;
            node["order"]!["customer"] = null;
            node["order"]!["email"] = email;
            node["order"]!["contact_email"] = email;
            node["order"]!["line_items"]![0]!["sku"] = "";
            foreach (var address in new[] { "shipping_address", "billing_address" })
            {
                node["order"]![address]!["name"] = name;
                node["order"]![address]!["last_name"] = name.Split(' ')[1];
                node["order"]![address]!["address1"] = street;
            }
            return Encoding.UTF8.GetBytes(node.ToJsonString());
        }
        var erased = BadOrder(9001, "Carla.Quarantine@mail.example.com", "Carla Quarantinova", "Erasure Lane 7");
        var kept = BadOrder(9002, "dora.keep@mail.example.com", "Dora Keepington", "Staying Road 9");
        using (var response = await _client.PostShopify(shop, erased, Sign(Secret(shop), erased)))
            Assert.Equal("quarantined", (await WebhookOutcome(response)).Outcome());
        using (var response = await _client.PostShopify(shop, kept, Sign(Secret(shop), kept)))
            Assert.Equal("quarantined", (await WebhookOutcome(response)).Outcome());

        // At rest: no name, email or street in clear. To an operator: the payload as the shop sent it.
        var raw = string.Join("\n", await RawQuarantinePayloads("shopify"));
        foreach (var value in new[] { "Quarantinova", "carla.quarantine", "Carla.Quarantine", "Erasure Lane", "Keepington", "dora.keep", "Staying Road" })
            Assert.DoesNotContain(value, raw, StringComparison.Ordinal);
        var listed = (await _client.Quarantine("shopify")).Where(r => r.Str("source") == "webhook/shopify:" + shop).ToList();
        var carla = listed.Single(r => r.Str("externalId") == shop + "/9001");
        var dora = listed.Single(r => r.Str("externalId") == shop + "/9002");
        Assert.Equal(Encoding.UTF8.GetString(erased), carla.Str("payload"));
        Assert.DoesNotContain("Quarantinova", carla.Str("reason"));

        // The data subject asks by email: id-of gives the id, the erasure takes the quarantined record with it.
        var customerId = await IdOfEmail("carla.quarantine@mail.example.com");
        using (var erase = await _client.DeleteAsync($"/api/customers/{Uri.EscapeDataString(customerId)}/personal-data"))
        {
            var erasure = JsonDocument.Parse(await erase.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(HttpStatusCode.OK, erase.StatusCode);
            Assert.Equal(1, erasure.GetProperty("keysDestroyed").GetInt32()); // the record's key (no order, so no customer key)
        }

        var after = (await _client.Quarantine("shopify")).Where(r => r.Str("source") == "webhook/shopify:" + shop).ToList();
        var gone = after.Single(r => r.Str("id") == carla.Str("id"));
        Assert.Equal("[erased]", gone.Str("payload"));
        Assert.Equal(carla.Str("reason"), gone.Str("reason")); // the record stays: channel, source, reason, times
        Assert.Equal(Encoding.UTF8.GetString(kept), after.Single(r => r.Str("id") == dora.Str("id")).Str("payload")); // another buyer's: untouched
        Assert.Contains("[erased]", await RawQuarantinePayloads("shopify"));
        Assert.DoesNotContain("Quarantinova", string.Join("\n", await RawQuarantinePayloads("shopify")), StringComparison.Ordinal);
        var status = JsonDocument.Parse(await TextOf($"/api/customers/{Uri.EscapeDataString(customerId)}/personal-data")).RootElement;
        Assert.Equal(1, Assert.Single(status.GetProperty("erasures").EnumerateArray().ToList()).GetProperty("keysDestroyed").GetInt32());

        using var asStored = await _client.Retry("shopify", carla.Str("id"));
        await AssertProblem(asStored, HttpStatusCode.Conflict, "payload-erased");
        using var withPayload = await _client.Retry("shopify", carla.Str("id"), Encoding.UTF8.GetString(erased));
        await AssertProblem(withPayload, HttpStatusCode.Conflict, "payload-erased");
    }

    [Theory]
    [InlineData("")]
    [InlineData("?email=")]
    [InlineData("?email=%20%20")]
    public async Task Id_of_without_an_email_is_a_validation_problem(string query)
    {
        using var response = await _client.GetAsync("/api/customers/id-of" + query);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_signed_Shopify_order_is_placed_with_the_channels_exact_totals_paid_at_shopify_and_holds_its_stock()
    {
        const string shop = "jsmith.myshopify.com";
        var body = FixtureBytes(OrderGet); // byte for byte as published: the signature covers the raw body
        var before = await StockOf(ChannelWebhookEngineFixture.ShopifySkus);

        using var response = await _client.PostShopify(shop, body, Sign(ChannelWebhookEngineFixture.ShopifySecret, body));

        var outcome = await WebhookOutcome(response);
        var id = OrderIdOf("shopify", "jsmith.myshopify.com/450789469");
        Assert.Equal("accepted", outcome.Outcome());
        Assert.Equal("shopify", outcome.Str("channel"));
        Assert.Equal("jsmith.myshopify.com/450789469", outcome.Str("externalId"));
        Assert.Equal(id, outcome.Str("orderId"));
        // The fixture's financial_status is partially_refunded with nothing outstanding: Shopify charged it, so it arrives paid.
        Assert.Equal("paid", outcome.Str("status"));

        var order = await _client.PaidOrderEventually(id);
        var payment = order.GetProperty("payment");
        Assert.Equal((598.94m, "USD", "channel:shopify", "bogus"), (payment.Dec("amount"), payment.Str("currency"), payment.Str("provider"), payment.Str("method")));
        Assert.Equal(DateTimeOffset.Parse("2008-01-10T11:00:00-05:00"), order.GetProperty("placedAt").GetDateTimeOffset());
        Assert.Equal("shopify", order.Str("channel"));
        Assert.Equal("USD", order.Str("currency"));
        Assert.Equal("jsmith.myshopify.com/customers/207119551", order.Str("customerId"));
        // total_price 598.94 = 3 x 199.00 + shipping 0.00 + total_tax 11.94 - total_discounts 10.00
        Assert.Equal(598.94m, order.Dec("total"));
        var charges = order.GetProperty("charges");
        Assert.Equal((0.00m, 11.94m, 10.00m), (charges.Dec("shipping"), charges.Dec("tax"), charges.Dec("discount")));
        Assert.Equal(
            new[] { ("IPOD2008GREEN", 1, 199.00m), ("IPOD2008RED", 1, 199.00m), ("IPOD2008BLACK", 1, 199.00m) },
            order.GetProperty("lines").EnumerateArray().Select(l => (l.Str("sku"), l.GetProperty("quantity").GetInt32(), l.Dec("unitPrice"))).ToArray());
        Assert.Equal("jsmith.myshopify.com/450789469", order.Str("externalId"));
        await AssertReservedMore(before, 1);
    }

    [Fact]
    public async Task A_redelivered_Shopify_webhook_is_answered_duplicate_and_places_nothing_more()
    {
        const string shop = "redelivery.myshopify.com";
        var body = FixtureBytes(OrderGet);
        var signature = Sign(Secret(shop), body);
        var before = await StockOf(ChannelWebhookEngineFixture.ShopifySkus);
        var countersBefore = await _client.Counters("shopify");

        using var first = await _client.PostShopify(shop, body, signature);
        using var second = await _client.PostShopify(shop, body, signature);

        var a = await WebhookOutcome(first);
        var b = await WebhookOutcome(second);
        Assert.Equal("accepted", a.Outcome());
        Assert.Equal("duplicate", b.Outcome());
        Assert.Equal(OrderIdOf("shopify", "redelivery.myshopify.com/450789469"), a.Str("orderId"));
        Assert.Equal(a.Str("orderId"), b.Str("orderId"));
        await _client.PaidOrderEventually(a.Str("orderId"));
        await AssertReservedMore(before, 1); // one order's worth, not two
        var counters = await _client.Counters("shopify");
        Assert.Equal(countersBefore.Received + 2, counters.Received);
        Assert.Equal(countersBefore.Accepted + 1, counters.Accepted);
        Assert.Equal(countersBefore.Duplicates + 1, counters.Duplicates);
        Assert.Equal(countersBefore.Quarantined, counters.Quarantined);
    }

    [Fact]
    public async Task A_Shopify_webhook_with_a_missing_or_wrong_signature_is_refused_401_and_stores_nothing()
    {
        const string shop = "unsigned.myshopify.com";
        var order = FixtureBytes(OrderGet);
        var refusable = FixtureBytes(Legacy); // would be quarantined if it got past the signature
        var countersBefore = await _client.Counters();
        var quarantineBefore = await _client.Quarantine("shopify", includeResolved: true);

        foreach (var body in new[] { order, refusable })
        {
            foreach (var signature in new[]
                     {
                         null, // no header at all
                         "",
                         Sign("secret-of-jsmith.myshopify.com", body), // another shop's secret
                         Sign(Secret(shop), Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body) + " ")), // a different body
                         Convert.ToBase64String(new byte[32]),
                         "not base64!",
                     })
            {
                using var response = await _client.PostShopify(shop, body, signature);
                await AssertProblem(response, HttpStatusCode.Unauthorized, "bad-signature");
            }
        }

        await _client.AssertNoOrder(OrderIdOf("shopify", "unsigned.myshopify.com/450789469"));
        Assert.Equal(quarantineBefore.Select(r => r.Str("id")), (await _client.Quarantine("shopify", includeResolved: true)).Select(r => r.Str("id")));
        Assert.Equal(countersBefore, await _client.Counters());
    }

    [Fact]
    public async Task A_webhook_for_a_shop_or_store_that_is_not_configured_with_a_secret_is_404()
    {
        var body = FixtureBytes(OrderGet);
        using var shopify = await _client.PostShopify("nobody.myshopify.com", body, Sign("anything", body));
        await AssertProblem(shopify, HttpStatusCode.NotFound, "unknown-store");

        var (woo, _) = WooOrderWithSkus("example.com");
        using var unknownStore = await _client.PostWooCommerce("nobody.example.com", woo, Sign("anything", woo));
        await AssertProblem(unknownStore, HttpStatusCode.NotFound, "unknown-store");
        // WooCommerce itself signs with an empty secret (its published vector): configured so, a store is not taken from.
        using var emptySecret = await _client.PostWooCommerce("nosecret.example.com", woo, Sign("", woo));
        await AssertProblem(emptySecret, HttpStatusCode.NotFound, "unknown-store");

        await _client.AssertNoOrder(OrderIdOf("shopify", "nobody.myshopify.com/450789469"));
        await _client.AssertNoOrder(OrderIdOf("woocommerce", "nosecret.example.com/727"));
    }

    [Fact]
    public async Task A_signed_Shopify_webhook_of_another_topic_is_acknowledged_202_and_ignored()
    {
        const string shop = "topics.myshopify.com";
        var body = FixtureBytes(OrderGet);
        var countersBefore = await _client.Counters("shopify");

        using var response = await _client.PostShopify(shop, body, Sign(Secret(shop), body), topic: "orders/updated");

        await ExpectStatus(response, HttpStatusCode.Accepted);
        Assert.Contains("orders/updated", (await Body(response)).Str("ignored"));
        await _client.AssertNoOrder(OrderIdOf("shopify", "topics.myshopify.com/450789469"));
        Assert.Equal(countersBefore, await _client.Counters("shopify"));
        // The topic is only looked at once the body is verified: unsigned, another topic is still 401.
        using var unsigned = await _client.PostShopify(shop, body, null, topic: "orders/updated");
        await AssertProblem(unsigned, HttpStatusCode.Unauthorized, "bad-signature");
    }

    [Fact]
    public async Task Shopifys_published_vector_verifies_and_its_body_which_is_no_order_is_quarantined_as_received()
    {
        var (secret, rawBody, header) = SignatureVector("shopify/webhook_hmac_test_vector.json");
        Assert.Equal(ChannelWebhookEngineFixture.ShopifySecret, secret);
        Assert.Equal(header, Sign(secret, Encoding.UTF8.GetBytes(rawBody))); // the tests sign as Shopify does

        using var response = await _client.PostShopify("jsmith.myshopify.com", Encoding.UTF8.GetBytes(rawBody), header);

        var outcome = await WebhookOutcome(response);
        Assert.Equal("quarantined", outcome.Outcome());
        Assert.False(outcome.TryGetProperty("orderId", out _));
        var quarantineId = outcome.Str("quarantineId");
        var reason = outcome.Str("reason");
        Assert.StartsWith("id:", reason);
        var record = Assert.Single(await _client.Quarantine("shopify"), r => r.Str("id") == quarantineId);
        Assert.Equal(rawBody, record.Str("payload"));
        Assert.Equal(reason, record.Str("reason"));
        Assert.Equal("webhook/shopify:jsmith.myshopify.com", record.Str("source"));
        Assert.Equal("shopify", record.Str("channel"));
    }

    [Fact]
    public async Task A_signed_Shopify_order_whose_totals_do_not_add_up_is_quarantined_and_taken_in_when_retried_corrected()
    {
        const string shop = "legacy.myshopify.com";
        var body = FixtureBytes(Legacy);
        var id = OrderIdOf("shopify", "legacy.myshopify.com/450789469");

        using var response = await _client.PostShopify(shop, body, Sign(Secret(shop), body));

        var outcome = await WebhookOutcome(response);
        Assert.Equal("quarantined", outcome.Outcome());
        Assert.Equal("legacy.myshopify.com/450789469", outcome.Str("externalId"));
        Assert.Contains("totals inconsistent: lines 597.00 + shipping 0.00 + tax 11.94 - discount 0.00 = 608.94, but total_price is 409.94", outcome.Str("reason"));
        var record = Assert.Single(await _client.Quarantine("shopify"), r => r.Str("id") == outcome.Str("quarantineId"));
        Assert.Equal(Encoding.UTF8.GetString(body), record.Str("payload"));
        Assert.Equal("legacy.myshopify.com/450789469", record.Str("externalId"));
        await _client.AssertNoOrder(id);

        // The operator's correction: without the third line, which the order's totals do not count.
        var corrected = FixtureNode(Legacy);
        corrected["order"]!["line_items"]!.AsArray().RemoveAt(2);
        using var retry = await _client.Retry("shopify", record.Str("id"), corrected.ToJsonString());

        await ExpectStatus(retry, HttpStatusCode.OK);
        var retried = await Body(retry);
        Assert.Equal("accepted", retried.Outcome());
        Assert.Equal(id, retried.Str("orderId"));
        var order = await _client.Order(id);
        Assert.Equal(409.94m, order.Dec("total")); // 2 x 199.00 + tax 11.94
        Assert.DoesNotContain(await _client.Quarantine("shopify"), r => r.Str("id") == record.Str("id"));
    }

    [Fact]
    public async Task A_quarantined_webhook_from_a_long_shop_domain_is_retried_as_that_shops_order()
    {
        const string shop = ChannelWebhookEngineFixture.LongShop;
        var body = FixtureBytes(Legacy);
        using var response = await _client.PostShopify(shop, body, Sign(Secret(shop), body));
        var outcome = await WebhookOutcome(response);
        Assert.Equal($"{shop}/450789469", outcome.Str("externalId"));
        var record = Assert.Single(await _client.Quarantine("shopify"), r => r.Str("id") == outcome.Str("quarantineId"));
        // The source names the whole shop: read back under a shorter name the order would get another id.
        Assert.Equal($"webhook/shopify:{shop}", record.Str("source"));
        var corrected = FixtureNode(Legacy);
        corrected["order"]!["line_items"]!.AsArray().RemoveAt(2);

        using var retry = await _client.Retry("shopify", record.Str("id"), corrected.ToJsonString());

        await ExpectStatus(retry, HttpStatusCode.OK);
        Assert.Equal(OrderIdOf("shopify", shop + "/450789469"), (await Body(retry)).Str("orderId"));
        Assert.DoesNotContain(await _client.Quarantine("shopify"), r => r.Str("id") == record.Str("id"));
    }

    [Fact]
    public async Task A_shop_domain_is_matched_whatever_its_case_and_names_one_shop()
    {
        var body = FixtureBytes(OrderGet);

        using var upper = await _client.PostShopify("MixedCase.MyShopify.com", body, Sign(Secret("mixedcase.myshopify.com"), body));
        using var lower = await _client.PostShopify("mixedcase.myshopify.com", body, Sign(Secret("mixedcase.myshopify.com"), body));

        var first = await WebhookOutcome(upper);
        Assert.Equal("accepted", first.Outcome());
        Assert.Equal("mixedcase.myshopify.com/450789469", first.Str("externalId"));
        Assert.Equal("duplicate", (await WebhookOutcome(lower)).Outcome());
    }

    // ---- WooCommerce ----

    [Fact]
    public void WooCommerces_published_vector_is_what_the_tests_and_the_engine_compute()
    {
        var (secret, rawBody, header) = SignatureVector("woocommerce/webhook_signature_test_vector.json");

        Assert.Equal(header, Sign(secret, Encoding.UTF8.GetBytes(rawBody)));
        Assert.True(WooCommerceWebhook.Verify(secret, rawBody, header));
        Assert.False(WooCommerceWebhook.Verify("secret-of-example.com", rawBody, header));
    }

    [Fact]
    public async Task A_signed_WooCommerce_order_with_its_skus_filled_in_is_placed_once_with_exact_totals()
    {
        const string store = "example.com";
        var (body, signature) = WooOrderWithSkus(store);
        var before = await StockOf(ChannelWebhookEngineFixture.WooSkus);

        using var first = await _client.PostWooCommerce(store, body, signature);
        using var again = await _client.PostWooCommerce(store, body, signature);

        var outcome = await WebhookOutcome(first);
        var id = OrderIdOf("woocommerce", "example.com/727");
        Assert.Equal("accepted", outcome.Outcome());
        Assert.Equal("example.com/727", outcome.Str("externalId"));
        Assert.Equal(id, outcome.Str("orderId"));
        var repeat = await WebhookOutcome(again);
        Assert.Equal("duplicate", repeat.Outcome());
        Assert.Equal(id, repeat.Str("orderId"));

        // The fixture has date_paid_gmt: the store's checkout collected it, so it arrives paid.
        var order = await _client.PaidOrderEventually(id);
        Assert.Equal("channel:woocommerce", order.GetProperty("payment").Str("provider"));
        Assert.Equal(DateTimeOffset.Parse("2017-03-22T19:28:02Z"), order.GetProperty("placedAt").GetDateTimeOffset());
        // total 29.35 = 2 x 3.00 + 1 x 12.00 + shipping_total 10.00 + total_tax 1.35 - discount_total 0.00
        Assert.Equal(29.35m, order.Dec("total"));
        var charges = order.GetProperty("charges");
        Assert.Equal((10.00m, 1.35m), (charges.Dec("shipping"), charges.Dec("tax")));
        Assert.Equal(
            new[] { ("WOO-SINGLE-1", 2, 3.00m), ("Bar3", 1, 12.00m) },
            order.GetProperty("lines").EnumerateArray().Select(l => (l.Str("sku"), l.GetProperty("quantity").GetInt32(), l.Dec("unitPrice"))).ToArray());
        // A guest known by the billing email: its pseudonym, never the email.
        Assert.Equal(await IdOfEmail("john.doe@example.com"), order.Str("customerId"));
        Assert.Matches("^email:[0-9a-f]{32}$", order.Str("customerId"));
        Assert.Equal("bankTransfer", order.Str("paymentMethod"));
        // Paid on arrival: its units are held as sold rather than reserved.
        await _client.StockEventually("WOO-SINGLE-1", s => s.Sold == before["WOO-SINGLE-1"].Sold + 2 && s.Reserved == before["WOO-SINGLE-1"].Reserved);
        await _client.StockEventually("Bar3", s => s.Sold == before["Bar3"].Sold + 1 && s.Reserved == before["Bar3"].Reserved);
    }

    [Fact]
    public async Task The_published_WooCommerce_order_is_quarantined_because_its_first_line_has_no_sku()
    {
        const string store = "asis.example.com";
        var body = FixtureBytes(WooRetrieve);

        using var response = await _client.PostWooCommerce(store, body, Sign(Secret(store), body));

        var outcome = await WebhookOutcome(response);
        Assert.Equal("quarantined", outcome.Outcome());
        Assert.Equal("asis.example.com/727", outcome.Str("externalId"));
        Assert.Contains("line_items[0].sku: missing", outcome.Str("reason"));
        var record = Assert.Single(await _client.Quarantine("woocommerce"), r => r.Str("id") == outcome.Str("quarantineId"));
        Assert.Equal(Encoding.UTF8.GetString(body), record.Str("payload"));
        Assert.Equal("webhook/woocommerce:asis.example.com", record.Str("source"));
        await _client.AssertNoOrder(OrderIdOf("woocommerce", "asis.example.com/727"));
    }

    [Fact]
    public async Task A_WooCommerce_webhook_with_a_missing_or_wrong_signature_is_refused_401_and_stores_nothing()
    {
        const string store = "unsigned.example.com";
        var (body, _) = WooOrderWithSkus(store);
        var countersBefore = await _client.Counters();
        var quarantineBefore = await _client.Quarantine("woocommerce", includeResolved: true);

        foreach (var signature in new[] { null, "", Sign("secret-of-example.com", body), Sign("", body), Sign(Secret(store), [.. body, (byte)' ']) })
        {
            using var response = await _client.PostWooCommerce(store, body, signature);
            await AssertProblem(response, HttpStatusCode.Unauthorized, "bad-signature");
        }

        await _client.AssertNoOrder(OrderIdOf("woocommerce", "unsigned.example.com/727"));
        Assert.Equal(quarantineBefore.Select(r => r.Str("id")), (await _client.Quarantine("woocommerce", includeResolved: true)).Select(r => r.Str("id")));
        Assert.Equal(countersBefore, await _client.Counters());
    }

    [Fact]
    public async Task A_signed_WooCommerce_webhook_of_another_topic_is_acknowledged_202_and_ignored()
    {
        const string store = "topics.example.com";
        var (body, signature) = WooOrderWithSkus(store);

        using var response = await _client.PostWooCommerce(store, body, signature, topic: "order.updated");

        await ExpectStatus(response, HttpStatusCode.Accepted);
        Assert.Contains("order.updated", (await Body(response)).Str("ignored"));
        await _client.AssertNoOrder(OrderIdOf("woocommerce", "topics.example.com/727"));
    }
}
