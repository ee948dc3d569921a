using System.Text.Json.Nodes;
using OrderEngine.Domain.Orders;
using OrderEngine.Ingestion.Adapters;
using OrderEngine.Ingestion.Channels;
using static OrderEngine.Ingestion.Tests.IngestionTestKit;

namespace OrderEngine.Ingestion.Tests;

/// <summary>Records read again by format name (a queue's format, a quarantined record's retry), as the sources do.</summary>
public sealed class RecordFormatsTests
{
    [Fact]
    public void An_amazon_record_carries_the_order_and_its_item_pages_and_maps_like_the_adapter()
    {
        var record = new JsonObject
        {
            ["order"] = FixtureNode("amazon-sp-api/ordersV0_getOrder_sandbox.json")[0]!["response"]!.DeepClone(),
            ["orderItems"] = new JsonArray(FixtureNode("amazon-sp-api/ordersV0_getOrderItems_sandbox.json")[0]!["response"]!.DeepClone()),
        };

        var result = Assert.Single(RecordFormats.Read(RecordFormats.Amazon("A3SELLERTEST"), record.ToJsonString(), OrderRules.Default, customerIds: CustomerIds));

        var c = AssertAccepted(result, channelTotal: 11.01m);
        Assert.Equal("A3SELLERTEST/902-1845936-5435065", ((Mapped)result).ExternalId);
        Assert.Equal("A3SELLERTEST/902-1845936-5435065", c.ExternalId);
    }

    [Theory]
    [InlineData("""{"order": {}}""", "orderItems")]
    [InlineData("""{"orderItems": []}""", "expected {\"order\"")]
    [InlineData("""not json""", "not valid JSON")]
    public void An_amazon_record_without_its_parts_is_refused_with_the_reason(string payload, string reason)
    {
        var refused = Assert.IsType<Refused>(Assert.Single(RecordFormats.Read(RecordFormats.Amazon("A3SELLERTEST"), payload, OrderRules.Default, customerIds: CustomerIds)));
        Assert.Contains(reason, refused.Reason);
    }

    [Fact]
    public void A_csv_order_quarantined_as_header_and_rows_reads_back_as_the_same_order()
    {
        const string csv = "externalId,channel,customerId,currency,sku,quantity,unitPrice,city\n" +
                           "o-1,store,c-1,EUR,A-1,2,1.50,\"Ghent, BE\"\n" +
                           "o-1,store,c-1,EUR,B-2,1,3.00,\"Ghent, BE\"\n" +
                           "o-2,store,c-1,EUR,A-1,0,1.50,Ghent\n";
        var results = RecordFormats.Read(RecordFormats.Csv, csv, OrderRules.Default, customerIds: CustomerIds);
        Assert.Equal(2, results.Count);
        var raw = Assert.IsType<Refused>(results[1]).Raw!;
        Assert.Equal("externalId,channel,customerId,currency,sku,quantity,unitPrice,city\no-2,store,c-1,EUR,A-1,0,1.50,Ghent", raw);

        // The first order's raw text, read on its own, is the same order (quoted fields survive the round trip).
        var again = Assert.Single(RecordFormats.Read(RecordFormats.Csv, results[0].Raw!, OrderRules.Default, customerIds: CustomerIds));
        var (first, second) = (((Mapped)results[0]).Command, ((Mapped)again).Command);
        Assert.Equal(first.Lines.AsEnumerable(), second.Lines.AsEnumerable());
        Assert.Equal(first with { Lines = default }, second with { Lines = default });
    }

    [Fact]
    public void An_unknown_format_is_an_error_not_a_refusal()
    {
        Assert.False(RecordFormats.IsKnown("xml"));
        Assert.Throws<ArgumentException>(() => RecordFormats.Read("xml", "<order/>", OrderRules.Default, customerIds: CustomerIds));
    }
}
