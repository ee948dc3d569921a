using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.PersonalData;
using OrderEngine.Ingestion.Intake;
using OrderEngine.Testing;
using static OrderEngine.Ingestion.Tests.IngestionTestKit;

namespace OrderEngine.Ingestion.Tests.Intake;

/// <summary>
/// Personal data in the quarantine (docs/security.md, "The quarantine and the inbox"): payloads sealed at rest with a key
/// per record, linked to their customers; an erasure of one of them overwrites the payload and destroys the key, in the
/// erasure's transaction and audit; resolved records are purged after the retention, unresolved ones never; rows an
/// earlier version wrote in clear read as they are and are sealed by the sweep.
/// </summary>
public abstract class QuarantinePersonalDataTests
{
    protected abstract Task<JournalDatabase> DatabaseAsync();

    private const string Shop = "jsmith.myshopify.com";
    private static readonly DateTimeOffset At = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Shopify's order with a line without a SKU: Bob Norman, bob.norman@mail.example.com, Chestnut Street 92, customer 207119551.</summary>
    private static string ShopifyPayload()
    {
        var node = FixtureNode("shopify/rest_2024-04_order_get.json");
        node["order"]!["line_items"]![0]!["sku"] = "";
        return node.ToJsonString();
    }

    /// <summary>WooCommerce's guest order as published (lines without SKUs): John Doe, john.doe@example.com, 969 Market.</summary>
    private static string WooPayload() => Fixture("woocommerce/rest_v3_order_retrieve.json");

    /// <summary>A canonical record with a name, street, phone and an email in a field the format does not have.</summary>
    private const string NdjsonPayload = "{\"externalId\":\"nd-1\",\"customerId\":\"c-9\",\"currency\":\"EUR\","
        + "\"lines\":[{\"sku\":\"A-1\",\"quantity\":0,\"unitPrice\":1.00}],"
        + "\"shippingAddress\":{\"name\":\"Ann Example\",\"line1\":\"1 Elm Street\",\"phone\":\"+49 30 1234567\",\"city\":\"Berlin\",\"country\":\"DE\"},"
        + "\"email\":\"Ann.Example@Mail.example.org\"}";

    private static readonly string[] Personal =
    [
        "Norman", "bob.norman", "Chestnut", "459-2181",
        "\"John\"", "john.doe", "969 Market", "555-5555",
        "Ann Example", "ann.example", "Elm Street", "1234567",
    ];

    private static async Task<string?> RawPayload(JournalDatabase database, string id)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT payload FROM quarantine WHERE id = @id";
        command.AddParameter("id", id);
        return await command.ExecuteScalarAsync() as string;
    }

    private static async Task<bool> KeyHeld(JournalDatabase database, string id)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM customer_keys WHERE customer_id = @id AND key_material IS NOT NULL";
        command.AddParameter("id", QuarantineStore.KeyIdOf(id));
        return Convert.ToInt64(await command.ExecuteScalarAsync()) == 1;
    }

    private static void AssertNothingPersonal(string? text)
    {
        Assert.NotNull(text);
        // Case-sensitive, and each value long or with a character base64 has not, so a sealed text cannot hold one by chance.
        foreach (var value in Personal) Assert.DoesNotContain(value, text, StringComparison.Ordinal);
    }

    private static async Task<(string Shopify, string Woo, string Ndjson)> AddAll(QuarantineStore store)
    {
        var shopify = await store.AddAsync("shopify", "webhook/shopify:" + Shop, Shop + "/450789469", "line_items[0].sku: missing", ShopifyPayload(), At, CancellationToken.None);
        var woo = await store.AddAsync("woocommerce", "webhook/woocommerce:example.com", "example.com/727", "line_items[0].sku: missing", WooPayload(), At, CancellationToken.None);
        var ndjson = await store.AddAsync("store", "feed/ndjson", "nd-1", "line 1: email: unknown field", NdjsonPayload, At, CancellationToken.None);
        return (shopify, woo, ndjson);
    }

    protected async Task Quarantined_payloads_are_sealed_at_rest_read_clear_and_linked_to_their_customers()
    {
        var database = await DatabaseAsync();
        var store = Quarantine(database);

        var (shopify, woo, ndjson) = await AddAll(store);

        foreach (var id in new[] { shopify, woo, ndjson })
        {
            var raw = await RawPayload(database, id);
            Assert.StartsWith(PersonalDataCipher.Prefix, raw);
            AssertNothingPersonal(raw);
            Assert.True(await KeyHeld(database, id));
        }
        Assert.Equal(ShopifyPayload(), (await store.GetAsync("shopify", shopify, CancellationToken.None))!.Payload);
        Assert.Equal(WooPayload(), (await store.GetAsync("woocommerce", woo, CancellationToken.None))!.Payload);
        Assert.Equal(NdjsonPayload, Assert.Single(await store.ListAsync("store", false, 10, CancellationToken.None)).Payload);
        Assert.Equal(
            new[] { CustomerIds.OfEmail("bob.norman@mail.example.com"), Shop + "/customers/207119551" }.Order(StringComparer.Ordinal),
            await store.SubjectsAsync(shopify, CancellationToken.None));
        Assert.Contains(CustomerIds.OfEmail("john.doe@example.com"), await store.SubjectsAsync(woo, CancellationToken.None));
        Assert.Equal(new[] { "c-9", CustomerIds.OfEmail("ann.example@mail.example.org") }.Order(StringComparer.Ordinal),
            await store.SubjectsAsync(ndjson, CancellationToken.None));
        foreach (var id in new[] { shopify, woo, ndjson }) AssertNothingPersonal(string.Join(" ", await store.SubjectsAsync(id, CancellationToken.None)));
    }

    protected async Task Erasing_a_customer_overwrites_its_quarantined_records_only_audited_and_a_new_delivery_is_kept()
    {
        var database = await DatabaseAsync();
        var keys = Keys(database);
        var store = Quarantine(database, keys);
        var (shopify, woo, ndjson) = await AddAll(store);

        // A data subject request by email: id-of gives the pseudonym, the erasure takes it.
        var byEmail = await keys.EraseAsync(CustomerIds.OfEmail(" Bob.Norman@mail.example.com "), "key:dpo", CancellationToken.None);

        Assert.Equal(1, byEmail.KeysDestroyed); // no order, so no customer key: the record's own key
        var erased = (await store.GetAsync("shopify", shopify, CancellationToken.None))!;
        Assert.Equal(QuarantineStore.ErasedPayload, erased.Payload);
        Assert.True(erased.IsErased);
        Assert.Equal(("shopify", "webhook/shopify:" + Shop, Shop + "/450789469", "line_items[0].sku: missing", At),
            (erased.Channel, erased.Source, erased.ExternalId, erased.Reason, erased.ReceivedAt)); // the record stays
        Assert.Equal(QuarantineStore.ErasedPayload, await RawPayload(database, shopify));
        Assert.False(await KeyHeld(database, shopify));
        Assert.Equal(WooPayload(), (await store.GetAsync("woocommerce", woo, CancellationToken.None))!.Payload); // unrelated: untouched
        Assert.Equal(NdjsonPayload, (await store.GetAsync("store", ndjson, CancellationToken.None))!.Payload);
        var (_, audit) = await keys.StatusAsync(CustomerIds.OfEmail("bob.norman@mail.example.com"), CancellationToken.None);
        Assert.Equal(1, Assert.Single(audit).KeysDestroyed);

        // By the customer id the record's adapter gave; again: nothing left, audited with 0.
        Assert.Equal(1, (await keys.EraseAsync("c-9", "key:dpo", CancellationToken.None)).KeysDestroyed);
        Assert.Equal(QuarantineStore.ErasedPayload, await RawPayload(database, ndjson));
        Assert.Equal(0, (await keys.EraseAsync("c-9", "key:dpo", CancellationToken.None)).KeysDestroyed);
        Assert.Equal(WooPayload(), (await store.GetAsync("woocommerce", woo, CancellationToken.None))!.Payload);

        // The shop sends the same order again later: a new hand-over, stored again (new key), not lost.
        var again = await store.AddAsync("shopify", "webhook/shopify:" + Shop, Shop + "/450789469", "line_items[0].sku: missing", ShopifyPayload(), At.AddDays(1), CancellationToken.None);
        Assert.Equal(shopify, again);
        Assert.Equal(ShopifyPayload(), (await store.GetAsync("shopify", shopify, CancellationToken.None))!.Payload);
        AssertNothingPersonal(await RawPayload(database, shopify));
    }

    protected async Task A_customer_id_that_is_an_email_erases_the_records_linked_to_its_pseudonym()
    {
        var database = await DatabaseAsync();
        var keys = Keys(database);
        var store = Quarantine(database, keys);
        var id = await store.AddAsync("store", "feed/ndjson", "nd-2", "line 1: lines[0].quantity: quantity 0 is not at least 1",
            NdjsonPayload.Replace("\"c-9\"", "\"ann@shop.example\"", StringComparison.Ordinal), At, CancellationToken.None);

        Assert.DoesNotContain("ann@shop.example", string.Join(" ", await store.SubjectsAsync(id, CancellationToken.None)));

        Assert.Equal(1, (await keys.EraseAsync("ann@shop.example", "key:dpo", CancellationToken.None)).KeysDestroyed);
        Assert.Equal(QuarantineStore.ErasedPayload, await RawPayload(database, id));
    }

    protected async Task Resolved_records_are_purged_after_the_retention_and_unresolved_ones_never()
    {
        var database = await DatabaseAsync();
        var store = Quarantine(database);
        var (oldResolved, recentResolved, unresolved) = await AddAll(store);
        await store.ResolveAsync(oldResolved, At.AddDays(1), CancellationToken.None);
        await store.ResolveAsync(recentResolved, At.AddDays(9), CancellationToken.None);
        var now = At.AddDays(10);

        await QuarantineSweep.SweepAsync(store, TimeSpan.FromDays(7), now, NullLogger.Instance, CancellationToken.None);

        Assert.Equal(QuarantineStore.ErasedPayload, await RawPayload(database, oldResolved));
        Assert.False(await KeyHeld(database, oldResolved));
        Assert.Equal(WooPayload(), (await store.GetAsync("woocommerce", recentResolved, CancellationToken.None))!.Payload);
        Assert.Equal(NdjsonPayload, (await store.GetAsync("store", unresolved, CancellationToken.None))!.Payload);

        // Years later, the unresolved record is still whole: it is the only copy of what the channel handed over.
        await QuarantineSweep.SweepAsync(store, TimeSpan.FromDays(7), now.AddYears(5), NullLogger.Instance, CancellationToken.None);
        Assert.Equal(QuarantineStore.ErasedPayload, await RawPayload(database, recentResolved));
        Assert.Equal(NdjsonPayload, (await store.GetAsync("store", unresolved, CancellationToken.None))!.Payload);
    }

    protected async Task With_a_retention_of_zero_a_resolved_record_is_purged_at_once()
    {
        var database = await DatabaseAsync();
        var store = Quarantine(database, resolvedRetention: TimeSpan.Zero);
        var (shopify, woo, _) = await AddAll(store);

        await store.ResolveAsync(shopify, At, CancellationToken.None);

        Assert.Equal(QuarantineStore.ErasedPayload, await RawPayload(database, shopify));
        Assert.Equal(WooPayload(), (await store.GetAsync("woocommerce", woo, CancellationToken.None))!.Payload);
    }

    protected async Task A_clear_row_of_an_earlier_version_reads_as_it_is_and_the_sweep_seals_and_links_it()
    {
        var database = await DatabaseAsync();
        var keys = Keys(database);
        var store = Quarantine(database, keys);
        var id = QuarantineStore.IdOf("shopify", "webhook/shopify:" + Shop, ShopifyPayload(), "old reason");
        await using (var connection = await database.OpenAsync(CancellationToken.None))
        await using (var insert = connection.CreateCommand())
        {
            insert.CommandText = """
                INSERT INTO quarantine (id, channel, source, external_id, reason, payload, received_at, resolved_at)
                VALUES (@id, 'shopify', @source, NULL, 'old reason', @payload, 0, NULL)
                """;
            insert.AddParameter("id", id);
            insert.AddParameter("source", "webhook/shopify:" + Shop);
            insert.AddParameter("payload", ShopifyPayload());
            await insert.ExecuteNonQueryAsync();
        }
        Assert.Equal(ShopifyPayload(), (await store.GetAsync("shopify", id, CancellationToken.None))!.Payload);

        await QuarantineSweep.SweepAsync(store, TimeSpan.FromDays(7), At, NullLogger.Instance, CancellationToken.None);

        AssertNothingPersonal(await RawPayload(database, id));
        Assert.Equal(ShopifyPayload(), (await store.GetAsync("shopify", id, CancellationToken.None))!.Payload);
        Assert.Equal(1, (await keys.EraseAsync(Shop + "/customers/207119551", "key:dpo", CancellationToken.None)).KeysDestroyed);
        Assert.Equal(QuarantineStore.ErasedPayload, await RawPayload(database, id));
    }
}

public sealed class SqliteQuarantinePersonalDataTests : QuarantinePersonalDataTests, IDisposable
{
    private readonly TempDirectory _directory = new();

    protected override Task<JournalDatabase> DatabaseAsync()
    {
        var database = new JournalDatabase(PersistenceProvider.Sqlite,
            new SqliteConnectionStringBuilder { DataSource = _directory.File($"qp-{Guid.NewGuid():N}.db") }.ConnectionString);
        database.Prepare();
        return Task.FromResult(database);
    }

    [Fact]
    public Task Payloads_are_sealed_read_clear_and_linked() => Quarantined_payloads_are_sealed_at_rest_read_clear_and_linked_to_their_customers();

    [Fact]
    public Task An_erasure_overwrites_only_its_customers_records() => Erasing_a_customer_overwrites_its_quarantined_records_only_audited_and_a_new_delivery_is_kept();

    [Fact]
    public Task An_email_customer_id_reaches_its_pseudonym() => A_customer_id_that_is_an_email_erases_the_records_linked_to_its_pseudonym();

    [Fact]
    public Task Resolved_records_are_purged_after_the_retention() => Resolved_records_are_purged_after_the_retention_and_unresolved_ones_never();

    [Fact]
    public Task A_zero_retention_purges_at_once() => With_a_retention_of_zero_a_resolved_record_is_purged_at_once();

    [Fact]
    public Task Clear_rows_are_read_and_sealed() => A_clear_row_of_an_earlier_version_reads_as_it_is_and_the_sweep_seals_and_links_it();

    public void Dispose() => _directory.Dispose();
}

public sealed class PostgresQuarantinePersonalDataTests(PostgresFixture postgres) : QuarantinePersonalDataTests, IClassFixture<PostgresFixture>
{
    protected override async Task<JournalDatabase> DatabaseAsync()
    {
        var database = new JournalDatabase(PersistenceProvider.PostgreSql, await postgres.Server.CreateDatabaseAsync("qp_" + Guid.NewGuid().ToString("N")));
        database.Prepare();
        return database;
    }

    [PostgresFact]
    public Task Payloads_are_sealed_read_clear_and_linked() => Quarantined_payloads_are_sealed_at_rest_read_clear_and_linked_to_their_customers();

    [PostgresFact]
    public Task An_erasure_overwrites_only_its_customers_records() => Erasing_a_customer_overwrites_its_quarantined_records_only_audited_and_a_new_delivery_is_kept();

    [PostgresFact]
    public Task An_email_customer_id_reaches_its_pseudonym() => A_customer_id_that_is_an_email_erases_the_records_linked_to_its_pseudonym();

    [PostgresFact]
    public Task Resolved_records_are_purged_after_the_retention() => Resolved_records_are_purged_after_the_retention_and_unresolved_ones_never();

    [PostgresFact]
    public Task A_zero_retention_purges_at_once() => With_a_retention_of_zero_a_resolved_record_is_purged_at_once();

    [PostgresFact]
    public Task Clear_rows_are_read_and_sealed() => A_clear_row_of_an_earlier_version_reads_as_it_is_and_the_sweep_seals_and_links_it();
}

/// <summary>A quarantined record's key id is one no customer id may be, so no order's personal data shares its key.</summary>
public sealed class QuarantineKeyIdTests
{
    [Fact]
    public void A_record_key_id_is_refused_as_a_customer_id_and_a_shop_named_quarantine_is_not()
    {
        var keyId = QuarantineStore.KeyIdOf(QuarantineStore.IdOf("shopify", "webhook", "{\"id\":1}", "bad"));
        Assert.False(OrderEngine.Domain.Identifiers.IsValidCustomerId(keyId));
        Assert.True(OrderEngine.Domain.Identifiers.IsValidCustomerId("quarantine/customers/42"));
    }
}
