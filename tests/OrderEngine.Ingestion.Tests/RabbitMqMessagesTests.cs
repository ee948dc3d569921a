using System.Text;
using OrderEngine.Domain.Orders;
using OrderEngine.Ingestion.Adapters;
using OrderEngine.Ingestion.Channels;
using OrderEngine.Ingestion.Intake;
using OrderEngine.Ingestion.RabbitMq;

namespace OrderEngine.Ingestion.Tests;

/// <summary>How a queue message's body becomes records: never an exception, always at least one record.</summary>
public sealed class RabbitMqMessagesTests
{
    private static readonly IntakeSource Source = RabbitMqMessages.SourceOf("orders.store", RecordFormats.Ndjson);

    private const string Order = """{"externalId":"m-1","channel":"store","customerId":"c-1","currency":"EUR","lines":[{"sku":"A-1","quantity":2,"unitPrice":1.25}]}""";

    private static IReadOnlyList<IntakeRecord> Read(byte[] body) => RabbitMqMessages.Records("store", Source, body, OrderRules.Default, IngestionTestKit.CustomerIds);

    [Fact]
    public void A_pretty_printed_order_is_one_record_not_a_line_each()
    {
        var pretty = System.Text.Json.Nodes.JsonNode.Parse(Order)!.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
        Assert.Contains('\n', pretty);

        var record = Assert.Single(Read(Encoding.UTF8.GetBytes(pretty)));

        var mapped = Assert.IsType<Mapped>(record.Result);
        Assert.Equal("m-1", mapped.ExternalId);
        Assert.Equal(2, Assert.Single(mapped.Command.Lines).Quantity);
    }

    [Fact]
    public void Several_json_lines_are_several_orders()
    {
        var body = Order + "\n" + Order.Replace("m-1", "m-2", StringComparison.Ordinal) + "\n";

        var records = Read(Encoding.UTF8.GetBytes(body));

        Assert.Equal(["m-1", "m-2"], records.Select(r => ((Mapped)r.Result).ExternalId));
    }

    [Theory]
    [InlineData(new byte[] { 0x7B, 0xFF, 0xFE, 0x7D }, "not UTF-8")]
    [InlineData(new byte[] { 0x20, 0x0A }, "empty")]
    [InlineData(new byte[] { 0x6E, 0x6F }, "not valid JSON")]
    public void A_body_that_holds_no_readable_order_is_one_refused_record_with_its_payload(byte[] body, string reason)
    {
        var record = Assert.Single(Read(body));

        var refused = Assert.IsType<Refused>(record.Result);
        Assert.Contains(reason, refused.Reason);
        Assert.NotNull(record.Raw);
    }

    [Fact]
    public void A_queue_name_with_a_slash_survives_the_stored_source()
    {
        var source = RabbitMqMessages.SourceOf("shop/orders%eu", "shopify:jsmith.myshopify.com");

        var parsed = IntakeSource.Parse(source.ToString());

        Assert.Equal("shopify:jsmith.myshopify.com", parsed.Format);
        Assert.Equal(source.Origin, parsed.Origin);
        Assert.Equal("rabbitmq:shop%2Forders%25eu", parsed.Origin);
    }

    [Fact]
    public void A_broken_pretty_printed_order_is_one_refused_record_holding_the_whole_message()
    {
        const string body = "{\n  \"externalId\": \"p-1\",\n  \"channel\": \"store\",\n}\n";

        var record = Assert.Single(Read(Encoding.UTF8.GetBytes(body)));

        var refused = Assert.IsType<Refused>(record.Result);
        Assert.StartsWith("not valid JSON", refused.Reason);
        Assert.Equal(body, record.Raw);
    }
}
