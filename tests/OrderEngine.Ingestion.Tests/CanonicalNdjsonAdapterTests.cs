using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Payments;
using OrderEngine.Ingestion.Adapters;
using static OrderEngine.Ingestion.Tests.IngestionTestKit;

namespace OrderEngine.Ingestion.Tests;

public sealed class CanonicalNdjsonAdapterTests
{
    private const string Full =
        """{"externalId": "web-1001", "channel": "web", "customerId": "c-1", "currency": "EUR", "lines": [{"sku": "A-1", "quantity": 2, "unitPrice": 9.99}, {"sku": "B-7", "quantity": 1, "unitPrice": 5}], "shippingAddress": {"name": "Ada Buyer", "line1": "1 Main St", "city": "Berlin", "postalCode": "10115", "country": "DE"}, "paymentMethod": "cashOnDelivery", "charges": {"shipping": 4.90, "tax": 0, "discount": 2.00}}""";

    private const string Minimal =
        """{"externalId": "web-1002", "channel": "web", "customerId": "c-2", "currency": "JPY", "lines": [{"sku": "A-1", "quantity": 1, "unitPrice": 1200}]}""";

    private static Task<List<AdapterResult>> Read(string feed) => ToListAsync(new CanonicalNdjsonAdapter().ReadAsync(new StringReader(feed)));

    [Fact]
    public async Task A_line_in_the_api_shape_maps_field_by_field()
    {
        var result = Assert.Single(await Read(Full + "\n"));

        // 2 x 9.99 + 1 x 5 + shipping 4.90 + tax 0 - discount 2.00
        var c = AssertAccepted(result, channelTotal: 27.88m);
        Assert.Equal("web-1001", ((Mapped)result).ExternalId);
        Assert.Equal("web", c.Channel);
        Assert.Equal("c-1", c.CustomerId);
        Assert.Equal("EUR", c.Currency);
        AssertLines(c, ("A-1", 2, 9.99m), ("B-7", 1, 5m));
        Assert.Equal(new Address("Ada Buyer", "1 Main St", null, "Berlin", null, "10115", "DE", null), c.ShippingAddress);
        Assert.Equal(PaymentMethod.CashOnDelivery, c.PaymentMethod);
        Assert.Equal(new OrderCharges(4.90m, 0m, 2.00m), c.Charges);
    }

    [Fact]
    public async Task Optional_fields_take_the_apis_defaults()
    {
        var c = AssertAccepted(Assert.Single(await Read(Minimal)), channelTotal: 1200m);
        Assert.Equal(PaymentMethod.Card, c.PaymentMethod);
        Assert.Equal(OrderCharges.None, c.Charges);
        Assert.Null(c.ShippingAddress);
    }

    [Fact]
    public async Task A_record_the_channel_already_charged_carries_its_payment_and_order_time()
    {
        var line = Minimal.Replace("\"lines\"", """ "placedAt": "2026-11-30T08:15:00+01:00", "payment": {"amount": 1200, "currency": "JPY", "reference": "pay-77"}, "lines" """);

        var c = AssertAccepted(Assert.Single(await Read(line)), channelTotal: 1200m);
        Assert.Equal(new ChannelPayment("card", 1200m, "JPY", "pay-77"), c.PaidAtChannel);
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 8, 15, 0, TimeSpan.FromHours(1)), c.PlacedAt);
    }

    [Fact]
    public async Task A_payment_may_name_its_method_and_be_partial()
    {
        var line = Minimal.Replace("\"lines\"", """ "payment": {"amount": 500, "currency": "JPY", "reference": "pay-78", "method": "paypay"}, "lines" """);
        Assert.Equal(new ChannelPayment("paypay", 500m, "JPY", "pay-78"), AssertAccepted(Assert.Single(await Read(line))).PaidAtChannel);
    }

    [Fact]
    public async Task A_record_without_payment_carries_none_and_is_reserved_as_before()
    {
        var c = AssertAccepted(Assert.Single(await Read(Minimal)));
        Assert.Null(c.PaidAtChannel);
        Assert.Null(c.PlacedAt);
    }

    [Theory]
    [InlineData("""{"amount": 1200, "currency": "JPY"}""", "payment.reference: missing")]
    [InlineData("""{"amount": "1200", "currency": "JPY", "reference": "r"}""", "payment.amount: expected a JSON number")]
    [InlineData("""{"amount": 1200, "currency": "JPY", "reference": "r", "fee": 3}""", "payment.fee: unknown field")]
    [InlineData("""{"amount": 1300, "currency": "JPY", "reference": "r"}""", "paidAtChannel.amount: the channel collected 1300 JPY, more than the order's total 1200 JPY")]
    [InlineData("""{"amount": 1200, "currency": "EUR", "reference": "r"}""", "paidAtChannel.currency")]
    [InlineData("\"paid\"", "payment: expected an object")]
    public async Task A_payment_that_is_incomplete_or_more_than_the_order_is_refused_naming_the_field(string payment, string reason)
    {
        var line = Minimal.Replace("\"lines\"", $$""" "payment": {{payment}}, "lines" """);
        AssertRefused(Assert.Single(await Read(line)), reason);
    }

    [Fact]
    public async Task A_placed_at_without_an_offset_is_refused()
    {
        var line = Minimal.Replace("\"lines\"", """ "placedAt": "2026-11-30T08:15:00", "lines" """);
        AssertRefused(Assert.Single(await Read(line)), "placedAt: '2026-11-30T08:15:00' is not an ISO 8601 time with an offset");
    }

    [Fact]
    public async Task A_record_without_channel_takes_the_feeds_channel()
    {
        var adapter = new CanonicalNdjsonAdapter(channel: "store");
        var result = Assert.Single(await ToListAsync(adapter.ReadAsync(new StringReader(Minimal.Replace("\"channel\": \"web\", ", "")))));

        var c = AssertAccepted(result);
        Assert.Equal("store", c.Channel);
        Assert.Equal("store", ((Mapped)result).Channel);
    }

    [Fact]
    public async Task A_record_naming_its_channel_keeps_it_so_the_intake_can_refuse_a_mismatch()
    {
        var adapter = new CanonicalNdjsonAdapter(channel: "store");
        Assert.Equal("web", ((Mapped)Assert.Single(await ToListAsync(adapter.ReadAsync(new StringReader(Minimal))))).Channel);
    }

    [Fact]
    public async Task Without_a_feed_channel_a_record_without_channel_is_refused()
    {
        AssertRefused(Assert.Single(await Read(Minimal.Replace("\"channel\": \"web\", ", ""))), "channel: missing");
    }

    [Fact]
    public async Task A_record_without_customer_is_a_guest_of_its_channel_one_per_order()
    {
        var c = AssertAccepted(Assert.Single(await Read(Minimal.Replace("\"customerId\": \"c-2\", ", ""))));
        Assert.Equal("web/guests/web-1002", c.CustomerId);
    }

    [Fact]
    public async Task A_malformed_line_is_refused_with_its_line_number_and_the_feed_goes_on()
    {
        var results = await Read(Full + "\n" + """{"externalId": "web-x", "channel": """ + "\n" + Minimal + "\n");

        Assert.Equal(3, results.Count);
        AssertAccepted(results[0]);
        var refused = AssertRefused(results[1], "line 2: not valid JSON");
        Assert.Null(refused.ExternalId);
        AssertAccepted(results[2]);
    }

    [Fact]
    public async Task A_line_lacking_required_fields_is_refused_naming_each()
    {
        var results = await Read("""{"externalId": "web-3", "channel": "web", "lines": [{"sku": "A-1", "unitPrice": 1}]}""");

        var refused = AssertRefused(Assert.Single(results), "line 1: ", "currency: missing", "lines[0].quantity: missing");
        Assert.Equal("web-3", refused.ExternalId);
    }

    [Fact]
    public async Task A_line_without_external_id_is_refused()
    {
        AssertRefused(Assert.Single(await Read(Minimal.Replace("\"externalId\": \"web-1002\", ", ""))), "line 1: externalId: missing");
    }

    [Fact]
    public async Task An_amount_written_as_a_string_is_refused_as_in_the_api()
    {
        AssertRefused(Assert.Single(await Read(Minimal.Replace("1200", "\"1200\""))), "lines[0].unitPrice: expected a JSON number, found a string");
    }

    [Fact]
    public async Task An_amount_with_more_decimals_than_the_currency_is_refused()
    {
        AssertRefused(Assert.Single(await Read(Minimal.Replace("1200", "1200.5"))), "lines[0].unitPrice: '1200.5' has more decimals than JPY allows (0)");
    }

    [Fact]
    public async Task Trailing_zeros_are_not_precision()
    {
        AssertLines(AssertAccepted(Assert.Single(await Read(Minimal.Replace("1200", "1200.00")))), ("A-1", 1, 1200m));
    }

    [Fact]
    public async Task An_unknown_field_is_refused_rather_than_ignored()
    {
        var feed = Full.Replace("\"shipping\": 4.90", "\"shiping\": 4.90");
        AssertRefused(Assert.Single(await Read(feed)), "charges.shiping: unknown field");
    }

    [Fact]
    public async Task A_client_chosen_id_is_refused_since_the_id_derives_from_channel_and_external_id()
    {
        AssertRefused(Assert.Single(await Read(Minimal.Replace("{", "{\"id\": \"ord-1\", ")[..])), "id: a feed record is identified by channel and externalId");
    }

    [Fact]
    public async Task Property_names_match_case_insensitively_as_in_the_api()
    {
        var feed = Minimal.Replace("\"unitPrice\"", "\"UnitPrice\"").Replace("\"customerId\"", "\"CustomerID\"");
        Assert.Equal("c-2", AssertAccepted(Assert.Single(await Read(feed))).CustomerId);
    }

    [Fact]
    public async Task An_unknown_payment_method_is_refused()
    {
        AssertRefused(Assert.Single(await Read(Full.Replace("cashOnDelivery", "paypal"))), "paymentMethod: 'paypal' is not a payment method");
        AssertRefused(Assert.Single(await Read(Full.Replace("\"cashOnDelivery\"", "\"1\""))), "paymentMethod: '1' is not a payment method");
    }

    [Fact]
    public async Task What_the_engine_would_refuse_is_refused_here_in_the_engines_words()
    {
        var feed = Minimal.Replace("""[{"sku": "A-1", "quantity": 1, "unitPrice": 1200}]""",
            """[{"sku": "A-1", "quantity": 6000, "unitPrice": 1200}, {"sku": "A-1", "quantity": 5000, "unitPrice": 1000}]""");
        var refused = AssertRefused(Assert.Single(await Read(feed)),
            "line 1: the engine would refuse the mapped order: lines[1].quantity: SKU A-1 is ordered 11000 times over its lines");
        Assert.Equal("web-1002", refused.ExternalId);
    }

    [Fact]
    public async Task Lines_repeating_a_sku_are_kept_as_sent()
    {
        var feed = Minimal.Replace("""[{"sku": "A-1", "quantity": 1, "unitPrice": 1200}]""",
            """[{"sku": "A-1", "quantity": 1, "unitPrice": 1200}, {"sku": "A-1", "quantity": 2, "unitPrice": 1000}]""");
        AssertLines(AssertAccepted(Assert.Single(await Read(feed))), ("A-1", 1, 1200m), ("A-1", 2, 1000m));
    }

    [Fact]
    public async Task Blank_lines_and_crlf_endings_are_tolerated()
    {
        var results = await Read("\r\n" + Full + "\r\n\r\n   \n" + Minimal + "\r\n");
        Assert.Equal(2, results.Count);
        Assert.All(results, r => AssertAccepted(r));
    }

    [Fact]
    public async Task A_line_longer_than_the_limit_is_refused_without_stopping_the_feed()
    {
        var adapter = new CanonicalNdjsonAdapter(maxLineLength: 300);
        var longLine = Full.Replace("Ada Buyer", new string('x', 400));
        var results = await ToListAsync(adapter.ReadAsync(new StringReader(longLine + "\n" + Minimal)));

        Assert.Equal(2, results.Count);
        AssertRefused(results[0], "line 1: longer than 300 characters");
        AssertAccepted(results[1]);
    }

    [Fact]
    public async Task A_line_that_is_not_an_object_is_refused()
    {
        AssertRefused(Assert.Single(await Read("[1, 2, 3]")), "line 1: expected an order object, found an array");
    }
}
