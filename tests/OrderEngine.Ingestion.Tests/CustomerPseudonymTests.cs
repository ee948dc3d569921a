using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using OrderEngine.Domain.Orders;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.PersonalData;
using OrderEngine.Ingestion.Adapters;
using OrderEngine.Ingestion.Channels;
using OrderEngine.Testing;
using static OrderEngine.Ingestion.Tests.IngestionTestKit;

namespace OrderEngine.Ingestion.Tests;

/// <summary>A buyer a channel knows only by an email gets a pseudonymous customer id, never the email itself.</summary>
public sealed class CustomerPseudonymTests
{
    private const string ShopifyGuest = "shopify/rest_2024-04_order_get_api_created.json";
    private const string WooGuest = "woocommerce/rest_v3_order_retrieve.json";

    private static PlaceOrder Shopify(string email, CustomerIdPseudonymizer? ids = null) =>
        AssertAccepted(Assert.Single(new ShopifyAdapter("jsmith.myshopify.com", customerIds: ids ?? CustomerIds)
            .Read(Edited(ShopifyGuest, n => n["orders"]![0]!["email"] = email))));

    private static PlaceOrder WooCommerce(string email) =>
        AssertAccepted(new WooCommerceAdapter("example.com", customerIds: CustomerIds).Map(Edited(WooGuest, n =>
        {
            n["line_items"]![0]!["sku"] = "WOO-SINGLE-1";
            n["billing"]!["email"] = email;
        })));

    private static PlaceOrder Amazon(string email)
    {
        var order = FixtureNode("amazon-sp-api/ordersV0_getOrder_sandbox.json")[0]!["response"]!;
        var items = FixtureNode("amazon-sp-api/ordersV0_getOrderItems_sandbox.json")[0]!["response"]!;
        order["payload"]!["BuyerInfo"] = new JsonObject { ["BuyerEmail"] = email };
        return AssertAccepted(new AmazonAdapter("A3SELLERTEST", customerIds: CustomerIds).Map(Element(order), [Element(items)]));
    }

    /// <summary>Everything the mapped placement carries, as the engine would persist and show it.</summary>
    private static string Everything(PlaceOrder c) => JsonSerializer.Serialize(c);

    [Fact]
    public void Every_adapter_maps_an_email_only_buyer_to_its_pseudonym_and_the_placement_holds_no_email()
    {
        var fromShopify = Shopify("Lovelace@Analytical.test");
        var fromWoo = WooCommerce("Lovelace@Analytical.test");
        var fromAmazon = Amazon("Lovelace@Analytical.test");

        foreach (var c in new[] { fromShopify, fromWoo, fromAmazon })
        {
            Assert.Matches("^email:[0-9a-f]{32}$", c.CustomerId);
            Assert.DoesNotContain("@", Everything(c));
            Assert.DoesNotContain("lovelace", Everything(c), StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("analytical", Everything(c), StringComparison.OrdinalIgnoreCase);
        }
        // One mailbox is one customer wherever it buys (purchase limits, customer reports).
        Assert.Equal(fromShopify.CustomerId, fromWoo.CustomerId);
        Assert.Equal(fromShopify.CustomerId, fromAmazon.CustomerId);
        Assert.Equal(CustomerIds.OfEmail("lovelace@analytical.test"), fromShopify.CustomerId);
    }

    [Fact]
    public void Case_and_surrounding_whitespace_do_not_split_a_customer_and_another_email_is_another_customer()
    {
        var ada = Shopify("ada@example.com").CustomerId;
        Assert.Equal(ada, Shopify("  Ada@EXAMPLE.com ").CustomerId);
        Assert.Equal(ada, WooCommerce("ADA@example.COM\t").CustomerId);
        Assert.NotEqual(ada, Shopify("bob@example.com").CustomerId);
        Assert.NotEqual(ada, Shopify("ada@example.org").CustomerId);
    }

    [Fact]
    public void The_pseudonym_depends_on_the_secret_and_is_the_same_under_the_same_secret()
    {
        var other = new CustomerIdPseudonymizer([.. Enumerable.Range(100, 32).Select(i => (byte)i)]);
        var same = new CustomerIdPseudonymizer([.. Enumerable.Range(1, 32).Select(i => (byte)i)]);

        Assert.NotEqual(Shopify("ada@example.com").CustomerId, Shopify("ada@example.com", other).CustomerId);
        Assert.Equal(Shopify("ada@example.com").CustomerId, Shopify("ada@example.com", same).CustomerId);
    }

    [Fact]
    public void Shop_customer_ids_and_guests_without_email_are_unchanged()
    {
        var registered = AssertAccepted(Assert.Single(new ShopifyAdapter("jsmith.myshopify.com", customerIds: CustomerIds)
            .Read(Fixture("shopify/rest_2024-04_order_get.json"))));
        Assert.StartsWith("jsmith.myshopify.com/customers/", registered.CustomerId);

        var guest = AssertAccepted(Assert.Single(new ShopifyAdapter("jsmith.myshopify.com", customerIds: CustomerIds).Read(Fixture(ShopifyGuest))));
        Assert.StartsWith("jsmith.myshopify.com/guests/", guest.CustomerId);
    }

    [Fact]
    public void Without_a_pseudonymizer_an_email_only_order_is_refused_and_the_reason_does_not_repeat_the_email()
    {
        var result = Assert.Single(RecordFormats.Read(RecordFormats.Shopify("jsmith.myshopify.com"),
            FixtureNode(ShopifyGuest).Also(n => n["orders"]![0]!["email"] = "ada@example.com").ToJsonString(), OrderRules.Default));
        var refused = AssertRefused(result, "pseudonymizer");
        Assert.DoesNotContain("ada@", refused.Reason);
    }

    [Fact]
    public void A_secret_shorter_than_32_bytes_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new CustomerIdPseudonymizer(new byte[31]));
        Assert.Throws<InvalidOperationException>(() => EngineSecrets.Pseudonymizer(Convert.ToBase64String(new byte[16]), () => new byte[32]));
        Assert.Throws<InvalidOperationException>(() => EngineSecrets.Pseudonymizer("not base64!", () => new byte[32]));
    }

    [Fact]
    public void A_configured_secret_is_used_instead_of_the_stored_one()
    {
        var configured = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
        var pseudonymizer = EngineSecrets.Pseudonymizer(Convert.ToBase64String(configured), () => throw new InvalidOperationException("the store must not be asked"));
        Assert.Equal(CustomerIds.OfEmail("ada@example.com"), pseudonymizer.OfEmail("ada@example.com"));
    }
}

/// <summary>The engine's own secret: made once, kept in the database, the same for every node on it.</summary>
public abstract class EngineSecretsCases
{
    protected abstract Task<JournalDatabase> DatabaseAsync();

    protected async Task Nodes_on_one_database_share_one_secret_made_once()
    {
        var database = await DatabaseAsync();
        var first = new EngineSecrets(database, TimeProvider.System);
        var second = new EngineSecrets(database, TimeProvider.System);

        // Two nodes at once against an empty table: one insert wins, both read back its value.
        var both = await Task.WhenAll(first.GetOrCreateAsync(EngineSecrets.CustomerIdSecret), second.GetOrCreateAsync(EngineSecrets.CustomerIdSecret));
        Assert.Equal(32, both[0].Length);
        Assert.Equal(both[0], both[1]);
        // A restart (a new store) reads the same secret; another name is another secret.
        Assert.Equal(both[0], await new EngineSecrets(database, TimeProvider.System).GetOrCreateAsync(EngineSecrets.CustomerIdSecret));
        Assert.NotEqual(both[0], await first.GetOrCreateAsync("another-secret"));

        var a = EngineSecrets.Pseudonymizer(null, () => first.GetOrCreateAsync(EngineSecrets.CustomerIdSecret).GetAwaiter().GetResult());
        var b = EngineSecrets.Pseudonymizer("", () => second.GetOrCreateAsync(EngineSecrets.CustomerIdSecret).GetAwaiter().GetResult());
        Assert.Equal(a.OfEmail("ada@example.com"), b.OfEmail("ada@example.com"));
    }
}

public sealed class SqliteEngineSecretsTests : EngineSecretsCases, IDisposable
{
    private readonly TempDirectory _dir = new();

    protected override Task<JournalDatabase> DatabaseAsync()
    {
        var database = JournalDatabase.From(new PersistenceOptions { SqlitePath = _dir.File("secrets.db") });
        database.Prepare();
        return Task.FromResult(database);
    }

    [Fact]
    public Task Shared_and_kept() => Nodes_on_one_database_share_one_secret_made_once();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}

public sealed class PostgresEngineSecretsTests(PostgresFixture postgres) : EngineSecretsCases, IClassFixture<PostgresFixture>
{
    protected override async Task<JournalDatabase> DatabaseAsync()
    {
        var database = new JournalDatabase(PersistenceProvider.PostgreSql, await postgres.Server.CreateDatabaseAsync("s_" + Guid.NewGuid().ToString("N")));
        database.Prepare();
        return database;
    }

    [PostgresFact]
    public Task Shared_and_kept() => Nodes_on_one_database_share_one_secret_made_once();
}

internal static class JsonNodeExtensions
{
    public static JsonNode Also(this JsonNode node, Action<JsonNode> edit)
    {
        edit(node);
        return node;
    }
}

public sealed class CustomerIdSecretSettingTests
{
    [Theory]
    [InlineData(null, true)]
    [InlineData("", true)]
    [InlineData("AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=", true)] // 32 bytes
    [InlineData("AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHw==", false)] // 31 bytes
    [InlineData("not base64!", false)]
    public void A_configured_secret_must_be_base64_of_at_least_32_bytes(string? secret, bool valid) =>
        Assert.Equal(valid, EngineSecrets.IsValidConfiguredSecret(secret));
}
