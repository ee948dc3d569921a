using System.Collections.Immutable;
using System.Text.Json;
using OrderEngine.Domain.Orders;
using OrderEngine.Engine.PersonalData;
using OrderEngine.Ingestion.Adapters;
using OrderEngine.Ingestion.Channels;
using static OrderEngine.Ingestion.Tests.IngestionTestKit;

namespace OrderEngine.Ingestion.Tests;

/// <summary>
/// OrderEngine's own feeds (NDJSON, CSV; inbox, bulk feed, RabbitMQ and quarantine retries all read them through
/// <see cref="RecordFormats"/>): a customerId that is an email is placed under its pseudonym, never in clear.
/// </summary>
public sealed class CanonicalEmailCustomerIdTests
{
    private static readonly string Pseudonym = IngestionTestKit.CustomerIds.OfEmail("ann.buyer@example.com");

    private static string NdjsonRecord(string customerId) =>
        JsonSerializer.Serialize(new { externalId = "e-1", customerId, currency = "EUR", lines = new[] { new { sku = "SKU-1", quantity = 1, unitPrice = 2.5m } } });

    private static string CsvRecord(string customerId) => $"""
        externalId,customerId,currency,sku,quantity,unitPrice
        e-1,"{customerId}",EUR,SKU-1,1,2.50
        e-1,"{customerId}",EUR,SKU-2,2,1.00

        """;

    /// <summary>The same payload read both ways a reader reads one: whole (a message, a retry) and streamed (a feed, the inbox).</summary>
    private static async Task<IReadOnlyList<AdapterResult>> BothWays(string format, string payload, CustomerIdPseudonymizer? ids)
    {
        var whole = RecordFormats.Read(format, payload, OrderRules.Default, "web", ids);
        var streamed = new List<AdapterResult>();
        await foreach (var r in RecordFormats.ReadAsync(format, new StringReader(payload), OrderRules.Default, "web", customerIds: ids)) streamed.Add(r);
        Assert.Equal(whole.Count, streamed.Count);
        return [.. whole, .. streamed];
    }

    [Theory]
    [InlineData(RecordFormats.Ndjson)]
    [InlineData(RecordFormats.Csv)]
    public async Task A_feed_record_whose_customer_id_is_an_email_is_placed_under_its_pseudonym_and_holds_no_email(string format)
    {
        foreach (var email in new[] { "Ann.Buyer@Example.com ", "ann.buyer@example.com", " ANN.BUYER@EXAMPLE.COM" })
        {
            var payload = format == RecordFormats.Ndjson ? NdjsonRecord(email) : CsvRecord(email);
            foreach (var result in await BothWays(format, payload, IngestionTestKit.CustomerIds))
            {
                var placement = AssertAccepted(result);
                Assert.Equal(Pseudonym, placement.CustomerId);
                Assert.DoesNotContain("@", JsonSerializer.Serialize(placement));
                Assert.DoesNotContain("ann.buyer", JsonSerializer.Serialize(placement), StringComparison.OrdinalIgnoreCase);
            }
        }
    }

    [Theory]
    [InlineData(RecordFormats.Ndjson, "acme/customers/42")]
    [InlineData(RecordFormats.Ndjson, "team@north")]
    [InlineData(RecordFormats.Csv, "C-1001")]
    [InlineData(RecordFormats.Csv, "@handle")]
    public async Task A_customer_id_that_is_no_email_is_kept_as_it_is(string format, string customerId)
    {
        var payload = format == RecordFormats.Ndjson ? NdjsonRecord(customerId) : CsvRecord(customerId);
        foreach (var result in await BothWays(format, payload, IngestionTestKit.CustomerIds))
            Assert.Equal(customerId, AssertAccepted(result).CustomerId);
    }

    [Theory]
    [InlineData(RecordFormats.Ndjson)]
    [InlineData(RecordFormats.Csv)]
    public async Task Without_a_pseudonymizer_an_email_customer_id_is_refused_and_the_reason_does_not_repeat_it(string format)
    {
        var payload = format == RecordFormats.Ndjson ? NdjsonRecord("ann.buyer@example.com") : CsvRecord("ann.buyer@example.com");
        foreach (var result in await BothWays(format, payload, null))
        {
            var refused = AssertRefused(result, "customerId", "pseudonymizer");
            Assert.DoesNotContain("ann.buyer", refused.Reason, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void Csv_rows_of_one_order_that_disagree_on_an_email_customer_id_are_refused_without_quoting_it()
    {
        const string csv = """
            externalId,customerId,currency,sku,quantity,unitPrice
            e-1,ann.buyer@example.com,EUR,SKU-1,1,2.50
            e-1,bob.other@example.com,EUR,SKU-2,2,1.00

            """;
        var refused = AssertRefused(Assert.Single(RecordFormats.Read(RecordFormats.Csv, csv, OrderRules.Default, "web", IngestionTestKit.CustomerIds)),
            "customerId", "differs");
        Assert.DoesNotContain("@", refused.Reason);
    }

    [Fact]
    public void An_invalid_customer_id_is_still_refused()
    {
        var tooLong = new string('c', 129);
        var refused = AssertRefused(Assert.Single(RecordFormats.Read(RecordFormats.Ndjson, NdjsonRecord(tooLong), OrderRules.Default, "web", IngestionTestKit.CustomerIds)),
            "customerId");
        Assert.DoesNotContain(tooLong, refused.Reason);
    }

    [Theory]
    [InlineData("ann@example.com")]
    [InlineData(" Ann.Buyer@Example.com ")]
    [InlineData("o'brien+orders@mail.example.ie")]
    [InlineData("first.last@sub.domain.co.uk")]
    [InlineData("jörg@bücher.de")]
    [InlineData("x@xn--bcher-kva.example")]
    [InlineData("acme/customers/ann@example.com")]
    public void These_are_emails(string id) => Assert.True(CustomerEmails.IsEmail(id), id);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("customer-1")]
    [InlineData("email:0123456789abcdef0123456789abcdef")]
    [InlineData("team@north")]
    [InlineData("@example.com")]
    [InlineData("ann@")]
    [InlineData("ann@@example.com")]
    [InlineData("ann@example.c")]
    [InlineData("ann@example.123")]
    [InlineData("ann@-example.com")]
    [InlineData("ann@example..com")]
    [InlineData("ann buyer@example.com")]
    [InlineData("ann@exa mple.com")]
    [InlineData("\"ann\"@example.com")]
    [InlineData("ann@[192.168.0.1]")]
    public void These_are_not(string? id) => Assert.False(CustomerEmails.IsEmail(id), id);

    [Fact]
    public void An_email_longer_than_254_characters_is_not_taken_as_one()
    {
        var local = new string('a', 64);
        var domain = string.Join('.', Enumerable.Repeat(new string('b', 60), 4)) + ".com"; // 248 characters
        Assert.False(CustomerEmails.IsEmail(local + "@" + domain));
        Assert.True(CustomerEmails.IsEmail(local[..1] + "@" + domain));
        Assert.False(CustomerEmails.IsEmail(new string('a', 65) + "@example.com")); // a local part is at most 64
    }

    [Fact]
    public void An_email_is_looked_up_by_its_pseudonym_and_its_old_spellings_and_another_id_by_itself()
    {
        Assert.Equal([Pseudonym, "Ann.Buyer@Example.com ", "Ann.Buyer@Example.com", "ann.buyer@example.com"],
            CustomerEmails.LookupIds("Ann.Buyer@Example.com ", IngestionTestKit.CustomerIds));
        Assert.Equal(["customer-1"], CustomerEmails.LookupIds("customer-1", IngestionTestKit.CustomerIds));
    }

    [Fact]
    public void A_blocked_customer_named_by_email_is_blocked_under_its_pseudonym_too()
    {
        var rules = OrderRules.Default with
        {
            Review = ReviewRules.None with { BlockedCustomers = ImmutableHashSet.Create(StringComparer.Ordinal, "Ann.Buyer@Example.com", "c-9") },
        };
        var blocked = CustomerEmails.WithPseudonymousBlockList(rules, () => IngestionTestKit.CustomerIds).ReviewRules.BlockedCustomers;
        Assert.Equal(new[] { "Ann.Buyer@Example.com", "c-9", Pseudonym }.Order(StringComparer.Ordinal), blocked.Order(StringComparer.Ordinal));

        var plain = OrderRules.Default with { Review = ReviewRules.None with { BlockedCustomers = ["c-9"] } };
        Assert.Same(plain, CustomerEmails.WithPseudonymousBlockList(plain, () => throw new InvalidOperationException("no pseudonymizer is needed")));
    }
}
