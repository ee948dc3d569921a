using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Payments;
using OrderEngine.Ingestion.Adapters;
using static OrderEngine.Ingestion.Tests.IngestionTestKit;

namespace OrderEngine.Ingestion.Tests;

public sealed class CanonicalCsvAdapterTests
{
    private const string Header = "externalId,channel,customerId,currency,sku,quantity,unitPrice,paymentMethod,shipping,tax,discount,name,line1,line2,city,region,postalCode,country,phone";

    private static Task<List<AdapterResult>> Read(string csv) => ToListAsync(new CanonicalCsvAdapter().ReadAsync(new StringReader(csv)));

    [Fact]
    public async Task Consecutive_rows_with_one_external_id_form_one_order_field_by_field()
    {
        var csv = Header + "\r\n"
            + "pos-1,pos,c-9,EUR,A-1,2,9.99,bankTransfer,4.90,1.00,0.50,\"Buyer, Ada\",\"1 \"\"Main\"\" St\",\"Hof 2\r\nLinks\",Berlin,BE,10115,DE,+49 30 1\r\n"
            + "pos-1,pos,c-9,EUR,B-7,1,5.00,bankTransfer,4.90,1.00,0.50,\"Buyer, Ada\",\"1 \"\"Main\"\" St\",\"Hof 2\r\nLinks\",Berlin,BE,10115,DE,+49 30 1\r\n"
            + "pos-2,pos,c-3,JPY,A-1,1,1200,,,,,,,,,,,,\r\n";

        var results = await Read(csv);

        Assert.Equal(2, results.Count);
        // 2 x 9.99 + 5.00 + 4.90 + 1.00 - 0.50
        var c = AssertAccepted(results[0], channelTotal: 30.38m);
        Assert.Equal("pos-1", ((Mapped)results[0]).ExternalId);
        Assert.Equal("pos", c.Channel);
        Assert.Equal("c-9", c.CustomerId);
        Assert.Equal("EUR", c.Currency);
        AssertLines(c, ("A-1", 2, 9.99m), ("B-7", 1, 5.00m));
        Assert.Equal(PaymentMethod.BankTransfer, c.PaymentMethod);
        Assert.Equal(new OrderCharges(4.90m, 1.00m, 0.50m), c.Charges);
        Assert.Equal(new Address("Buyer, Ada", "1 \"Main\" St", "Hof 2\r\nLinks", "Berlin", "BE", "10115", "DE", "+49 30 1"), c.ShippingAddress);

        var second = AssertAccepted(results[1], channelTotal: 1200m);
        AssertLines(second, ("A-1", 1, 1200m));
        Assert.Equal(PaymentMethod.Card, second.PaymentMethod);
        Assert.Null(second.ShippingAddress);
        Assert.Equal(new OrderCharges(0m, 0m, 0m), second.Charges);
    }

    [Fact]
    public async Task Only_the_required_columns_are_needed_in_any_order_and_case()
    {
        var csv = "SKU,Quantity,UnitPrice,ExternalId,Channel,CustomerId,Currency\nA-1,3,2.50,m-1,market,c-1,USD\n";
        var c = AssertAccepted(Assert.Single(await Read(csv)), channelTotal: 7.50m);
        AssertLines(c, ("A-1", 3, 2.50m));
    }

    [Fact]
    public async Task Rows_of_one_order_that_disagree_on_an_order_level_column_refuse_the_order()
    {
        var csv = Header + "\n"
            + "pos-1,pos,c-9,EUR,A-1,2,9.99,,,,,,,,,,,,\n"
            + "pos-1,pos,c-9,USD,B-7,1,5.00,,,,,,,,,,,,\n"
            + "pos-2,pos,c-3,EUR,A-1,1,1.00,,,,,,,,,,,,\n";

        var results = await Read(csv);

        Assert.Equal(2, results.Count);
        var refused = AssertRefused(results[0], "lines 2-3: ", "line 3: currency: 'USD' differs from 'EUR' on line 2; the rows of one order must agree");
        Assert.Equal("pos-1", refused.ExternalId);
        AssertAccepted(results[1]);
    }

    [Fact]
    public async Task Rows_of_one_order_that_disagree_on_shipping_refuse_the_order()
    {
        var csv = Header + "\n"
            + "pos-1,pos,c-9,EUR,A-1,2,9.99,,4.90,,,,,,,,,,\n"
            + "pos-1,pos,c-9,EUR,B-7,1,5.00,,,,,,,,,,,,\n";
        AssertRefused(Assert.Single(await Read(csv)), "line 3: shipping: '' differs from '4.90' on line 2");
    }

    [Fact]
    public async Task A_bad_decimal_is_refused_naming_line_and_column()
    {
        var csv = Header + "\npos-1,pos,c-9,EUR,A-1,2,1O.00,,,,,,,,,,,,\n";
        AssertRefused(Assert.Single(await Read(csv)), "line 2: unitPrice: '1O.00' is not a decimal amount");
    }

    [Fact]
    public async Task A_comma_decimal_is_not_read_as_an_amount()
    {
        var csv = Header + "\npos-1,pos,c-9,EUR,A-1,2,\"9,99\",,,,,,,,,,,,\n";
        AssertRefused(Assert.Single(await Read(csv)), "line 2: unitPrice: '9,99' is not a decimal amount");
    }

    [Fact]
    public async Task An_amount_with_more_decimals_than_the_currency_is_refused()
    {
        var csv = Header + "\npos-1,pos,c-9,EUR,A-1,2,9.999,,,,,,,,,,,,\n";
        AssertRefused(Assert.Single(await Read(csv)), "line 2: unitPrice: '9.999' has more decimals than EUR allows (2)");
    }

    [Fact]
    public async Task A_quantity_that_is_not_a_whole_number_is_refused()
    {
        var csv = Header + "\npos-1,pos,c-9,EUR,A-1,2.5,9.99,,,,,,,,,,,,\n";
        AssertRefused(Assert.Single(await Read(csv)), "line 2: quantity: '2.5' is not a whole number of units");
    }

    [Fact]
    public async Task An_unknown_column_refuses_the_file()
    {
        var csv = "externalId,channel,customerId,currency,sku,quantity,unitPrice,postcode\npos-1,pos,c-9,EUR,A-1,2,9.99,10115\n";
        var refused = AssertRefused(Assert.Single(await Read(csv)), "line 1: header: unknown column 'postcode'");
        Assert.Null(refused.ExternalId);
    }

    [Fact]
    public async Task A_missing_required_column_refuses_the_file()
    {
        var csv = "externalId,channel,customerId,currency,sku,quantity\npos-1,pos,c-9,EUR,A-1,2\n";
        AssertRefused(Assert.Single(await Read(csv)), "line 1: header: missing required column(s) unitPrice");
    }

    [Fact]
    public async Task A_malformed_row_is_refused_and_the_next_order_still_read()
    {
        var csv = Header + "\n"
            + "pos-1,pos,c-9,EUR,A-1,2,9.99,,,,,Ada \"The\" Buyer,,,,,,,\n"
            + "pos-2,pos,c-3,EUR,A-1,1,1.00,,,,,,,,,,,,\n";

        var results = await Read(csv);

        Assert.Equal(2, results.Count);
        AssertRefused(results[0], "line 2: a double quote inside an unquoted field");
        Assert.Equal("pos-1", ((Refused)results[0]).ExternalId);
        AssertAccepted(results[1]);
    }

    [Fact]
    public async Task A_row_with_the_wrong_number_of_fields_is_refused()
    {
        var csv = Header + "\npos-1,pos,c-9,EUR,A-1,2,9.99\n";
        AssertRefused(Assert.Single(await Read(csv)), "line 2: 7 fields where the header has 19");
    }

    [Fact]
    public async Task An_unterminated_quote_ends_the_file_with_a_refusal()
    {
        var csv = Header + "\n"
            + "pos-1,pos,c-9,EUR,A-1,2,9.99,,,,,,\"1 Main St,,,,,,\n"
            + "pos-2,pos,c-3,EUR,A-1,1,1.00,,,,,,,,,,,,\n";

        AssertRefused(Assert.Single(await Read(csv)), "the quoted field opened on line 2 is never closed");
    }

    [Fact]
    public async Task A_row_without_external_id_is_refused_alone()
    {
        var csv = Header + "\n"
            + "pos-1,pos,c-9,EUR,A-1,2,9.99,,,,,,,,,,,,\n"
            + ",pos,c-9,EUR,B-7,1,5.00,,,,,,,,,,,,\n"
            + "pos-1,pos,c-9,EUR,B-7,1,5.00,,,,,,,,,,,,\n";

        var results = await Read(csv);

        Assert.Equal(3, results.Count);
        AssertAccepted(results[0]);
        var alone = AssertRefused(results[1], "line 3: externalId: missing");
        Assert.Null(alone.ExternalId);
        AssertAccepted(results[2]); // not consecutive with line 2: its own order, with the same id
        Assert.Equal(((Mapped)results[0]).Command.OrderId, ((Mapped)results[2]).Command.OrderId);
    }

    [Fact]
    public async Task An_order_with_more_rows_than_lines_allowed_is_refused()
    {
        var rows = string.Concat(Enumerable.Range(0, 101).Select(i => $"big-1,pos,c-9,EUR,S-{i},1,1.00,,,,,,,,,,,,\n"));
        AssertRefused(Assert.Single(await Read(Header + "\n" + rows)), "101 rows: an order may have at most 100 lines");
    }

    [Fact]
    public async Task A_byte_order_mark_before_the_header_is_not_part_of_the_first_column()
    {
        var csv = "\uFEFFexternalId,channel,customerId,currency,sku,quantity,unitPrice\r\nm-1,market,c-1,USD,A-1,3,2.50\r\n";
        AssertAccepted(Assert.Single(await Read(csv)), channelTotal: 7.50m);
    }

    [Fact]
    public async Task Line_numbers_count_the_line_breaks_inside_quoted_fields()
    {
        var csv = Header + "\r\n"
            + "pos-1,pos,c-9,EUR,A-1,2,9.99,,,,,,\"Hof 2\r\nLinks\r\nOben\",,,,,,\r\n"
            + "pos-2,pos,c-3,EUR,A-1,1,1O.00,,,,,,,,,,,,\r\n";

        var results = await Read(csv);

        AssertAccepted(results[0]);
        AssertRefused(results[1], "line 5: unitPrice: '1O.00' is not a decimal amount"); // the record on line 2 spans lines 2-4
    }

    [Fact]
    public async Task Text_after_a_closing_quote_is_refused()
    {
        var csv = Header + "\npos-1,pos,c-9,EUR,A-1,2,9.99,,,,,\"Ada\" Buyer,,,,,,,\n";
        AssertRefused(Assert.Single(await Read(csv)), "line 2: text after the closing quote of a quoted field");
    }

    [Fact]
    public async Task A_record_longer_than_the_limit_is_refused_and_the_next_order_still_read()
    {
        var adapter = new CanonicalCsvAdapter(maxRecordLength: 200);
        var csv = Header + "\n"
            + "pos-1,pos,c-9,EUR,A-1,2,9.99,,,,," + new string('x', 300) + ",,,,,,,\n"
            + "pos-2,pos,c-3,EUR,A-1,1,1.00,,,,,,,,,,,,\n";

        var results = await ToListAsync(adapter.ReadAsync(new StringReader(csv)));

        Assert.Equal(2, results.Count);
        AssertRefused(results[0], "line 2: the record is longer than 200 characters");
        AssertAccepted(results[1]);
    }

    [Fact]
    public async Task Lone_carriage_returns_end_records_too()
    {
        var csv = "externalId,channel,customerId,currency,sku,quantity,unitPrice\rm-1,market,c-1,USD,A-1,3,2.50\rm-2,market,c-1,USD,A-1,1,2.50";
        var results = await Read(csv);
        Assert.Equal(2, results.Count);
        Assert.All(results, r => AssertAccepted(r));
    }

    [Fact]
    public async Task Rows_without_channel_take_the_files_channel_and_rows_without_customer_are_a_guests()
    {
        var adapter = new CanonicalCsvAdapter(channel: "store");
        var csv = "externalId,currency,sku,quantity,unitPrice\ns-1,EUR,A-1,1,2.00\n";

        var c = AssertAccepted(Assert.Single(await ToListAsync(adapter.ReadAsync(new StringReader(csv)))));
        Assert.Equal("store", c.Channel);
        Assert.Equal("store/guests/s-1", c.CustomerId);
    }

    [Fact]
    public async Task Without_a_files_channel_a_row_without_channel_is_refused()
    {
        AssertRefused(Assert.Single(await Read("externalId,currency,sku,quantity,unitPrice\ns-1,EUR,A-1,1,2.00\n")), "line 2: channel: missing");
    }

    [Fact]
    public async Task Payment_columns_make_an_order_paid_at_the_channel_with_its_order_time()
    {
        var csv = "externalId,channel,currency,sku,quantity,unitPrice,placedAt,paymentAmount,paymentCurrency,paymentReference\n"
            + "p-1,pos,EUR,A-1,2,9.99,2026-12-01T10:00:00Z,24.98,EUR,till-7/0042\n"
            + "p-1,pos,EUR,A-1,1,5.00,2026-12-01T10:00:00Z,24.98,EUR,till-7/0042\n";

        var c = AssertAccepted(Assert.Single(await Read(csv)), channelTotal: 24.98m);
        AssertLines(c, ("A-1", 2, 9.99m), ("A-1", 1, 5.00m)); // one SKU on two rows at two prices: kept as sent
        Assert.Equal(new ChannelPayment("card", 24.98m, "EUR", "till-7/0042"), c.PaidAtChannel);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero), c.PlacedAt);
    }

    [Fact]
    public async Task A_payment_without_its_reference_is_refused()
    {
        var csv = "externalId,channel,customerId,currency,sku,quantity,unitPrice,paymentAmount,paymentCurrency\np-1,pos,c-1,EUR,A-1,2,9.99,19.98,EUR\n";
        AssertRefused(Assert.Single(await Read(csv)), "line 2: paymentReference: missing");
    }

    [Fact]
    public async Task An_empty_file_yields_nothing()
    {
        Assert.Empty(await Read(""));
        Assert.Empty(await Read(Header + "\n"));
    }
}
