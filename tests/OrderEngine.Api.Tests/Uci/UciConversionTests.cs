using System.Globalization;
using nietras.SeparatedValues;
using OrderEngine.Import.Uci;
using static OrderEngine.Api.Tests.Uci.UciDataset;

namespace OrderEngine.Api.Tests.Uci;

/// <summary>
/// The import's conversion (file → CSV feed records) against the file itself: the published and derived figures, then a
/// recount made from the raw rows here (UciDataset.Recount) against the converted records and against the feed text as
/// it is posted (read back with Sep, as the engine reads it). No engine.
/// </summary>
public sealed class UciConversionTests
{
    private static readonly UciConversion C = Conversion;
    private static readonly Recount R = Count;

    [Fact]
    public void The_file_has_the_published_december_2010_figures()
    {
        var derived = Derived();
        Assert.Equal(42_481, R.Rows);
        Assert.Equal(2_025, R.Invoices);
        Assert.Equal(748_957.02m, R.ValueOfAllRows);
        Assert.Equal(int.Parse(derived["line_rows"], CultureInfo.InvariantCulture), C.Rows);
        Assert.Equal(int.Parse(derived["distinct_invoices"], CultureInfo.InvariantCulture), C.Orders.Length);
        Assert.Equal(decimal.Parse(derived["revenue_sum_qty_x_unitprice_all_rows_GBP"], CultureInfo.InvariantCulture), C.ValueOfAllRows);
        Assert.Equal(int.Parse(derived["distinct_cancellation_invoices"], CultureInfo.InvariantCulture), C.Of(UciInvoiceKind.CreditNote).Invoices);
        Assert.Equal(decimal.Parse(derived["value_of_C_invoices_GBP"], CultureInfo.InvariantCulture), C.Of(UciInvoiceKind.CreditNote).Value);
        // Excluding the credit notes is what the accepted sales add up to: the other invoices left out are worth 0.
        Assert.Equal(decimal.Parse(derived["revenue_excluding_C_invoices_GBP"], CultureInfo.InvariantCulture), C.SalesRevenue);
        Assert.Equal(0m, C.Of(UciInvoiceKind.ZeroValue).Value + C.Of(UciInvoiceKind.NegativeAdjustment).Value);
    }

    [Fact]
    public void Every_invoice_is_one_record_of_the_documented_kind()
    {
        Assert.Equal(R.Invoice.Keys.Order(StringComparer.Ordinal), C.Orders.Select(o => o.ExternalId).Order(StringComparer.Ordinal));
        Assert.Equal(R.Sales.Order(), Ids(UciInvoiceKind.Sale));
        Assert.Equal(R.CreditNotes.Order(), Ids(UciInvoiceKind.CreditNote));
        Assert.Equal(R.NegativeAdjustments.Order(), Ids(UciInvoiceKind.NegativeAdjustment));
        Assert.Equal(R.ZeroValue.Order(), Ids(UciInvoiceKind.ZeroValue));
        Assert.Equal((1_559, 326, 70, 70), (R.Sales.Count, R.CreditNotes.Count, R.NegativeAdjustments.Count, R.ZeroValue.Count));
        // The file as it is: every credit note has only negative quantities; the other negative invoices are one row at price 0 without a customer.
        Assert.All(R.CreditNotes, id => Assert.All(R.Invoice[id], r => Assert.True(r.Quantity < 0)));
        Assert.All(R.NegativeAdjustments.Concat(R.ZeroValue), id => Assert.All(R.Invoice[id], r => Assert.True(r.Price == 0 && r.Customer == "")));
        foreach (var o in C.Orders)
        {
            var rows = R.Invoice[o.ExternalId];
            Assert.Equal(rows.Count, o.SourceRows);
            Assert.Equal(rows.Sum(r => r.Quantity * r.Price), o.Total);
            Assert.Equal(new DateTimeOffset(rows.Min(r => r.Date), TimeSpan.Zero), o.PlacedAt);
            Assert.Equal(rows[0].Customer == "" ? null : "uci-" + rows[0].Customer, o.CustomerId);
            Assert.Equal(CountryCodes[rows[0].Country] is "" ? null : CountryCodes[rows[0].Country], o.Country);
        }
        Assert.Equal(new Dictionary<string, int> { ["Channel Islands"] = 1 }, C.UnmappedCountries.ToDictionary());
    }

    private static IEnumerable<string> Ids(UciInvoiceKind kind) => C.Orders.Where(o => o.Kind == kind).Select(o => o.ExternalId).Order();

    [Fact]
    public void A_sales_lines_are_one_per_sku_and_price_with_the_units_and_value_of_its_rows()
    {
        var merged = 0;
        foreach (var o in C.Sales)
        {
            var rows = R.Invoice[o.ExternalId];
            var expected = rows.GroupBy(r => (Sku: UciConverter.SkuOf(r.StockCode), r.Price)).ToDictionary(g => g.Key, g => g.Sum(r => r.Quantity));
            merged += rows.Count - expected.Count;
            Assert.Equal(expected.Count, o.Lines.Length);
            Assert.Equal(expected, o.Lines.ToDictionary(l => (l.Sku, l.UnitPrice), l => l.Quantity));
            Assert.All(o.Lines, l => Assert.True(l.Quantity > 0));
        }
        Assert.Equal(merged, C.MergedLines);
        Assert.True(merged > 0, "the file has rows of one SKU and price in one invoice");
        // Free items are kept as lines at 0.00 beside the paid ones: units sold, no revenue.
        Assert.Equal(R.SaleRows.Count(r => r.Price == 0) > 0, C.Sales.Any(o => o.Lines.Any(l => l.UnitPrice == 0)));
        Assert.Contains(C.Sales, o => o.Lines.Any(l => l.UnitPrice == 0));
        // A SKU at two prices in one invoice stays two lines.
        Assert.Contains(C.Sales, o => o.Lines.GroupBy(l => l.Sku).Any(g => g.Count() > 1));
        // The largest invoices have more lines than the engine's default limit (100): the import asks for a higher one.
        Assert.Equal(675, C.Sales.Max(o => o.Lines.Length));
        Assert.Equal(44, C.Sales.Count(o => o.Lines.Length > 100));
    }

    [Fact]
    public void Stock_codes_that_are_not_skus_are_renamed_and_stock_covers_exactly_the_units_sold()
    {
        Assert.Equal(new Dictionary<string, string> { ["BANK CHARGES"] = "BANK-CHARGES" }, C.SkuRenamed.ToDictionary());
        var expected = R.SaleRows.GroupBy(r => UciConverter.SkuOf(r.StockCode)).ToDictionary(g => g.Key, g => g.Sum(r => (long)r.Quantity));
        Assert.Equal(expected.OrderBy(kv => kv.Key, StringComparer.Ordinal), C.StockNeeded.OrderBy(kv => kv.Key, StringComparer.Ordinal));
        Assert.Equal(R.SalesUnits, C.StockNeeded.Values.Sum());
    }

    [Fact]
    public void The_feed_text_recounts_to_the_file_per_day_per_country_and_per_sku()
    {
        var feed = ReadFeed(UciConverter.FeedText(C.Orders));
        Assert.Equal(2_025, feed.Count);
        var sales = feed.Values.Where(o => o.PaymentAmount is > 0).ToList();
        Assert.Equal(R.Sales.Order(), sales.Select(o => o.Id).Order());
        Assert.All(sales, o => Assert.Equal(o.Lines.Sum(l => l.Quantity * l.Price), o.PaymentAmount));
        Assert.All(feed.Values, o => Assert.Equal(o.Id.StartsWith('C') || R.NegativeAdjustments.Contains(o.Id) ? null : "GBP", o.PaymentCurrency));

        var byDay = new SortedDictionary<DateOnly, (int, long, decimal)>(sales.GroupBy(o => DateOnly.FromDateTime(o.PlacedAt.UtcDateTime))
            .ToDictionary(g => g.Key, g => (g.Count(), g.Sum(o => o.Lines.Sum(l => (long)l.Quantity)), g.Sum(o => o.PaymentAmount!.Value))));
        Assert.Equal(R.ByDay(), byDay);
        Assert.Equal(20, byDay.Count); // trading days of December 2010: none on Saturdays, none from the 24th

        var byCountry = new SortedDictionary<string, (int, long, decimal)>(sales.GroupBy(o => o.Country)
            .ToDictionary(g => g.Key, g => (g.Count(), g.Sum(o => o.Lines.Sum(l => (long)l.Quantity)), g.Sum(o => o.PaymentAmount!.Value))));
        Assert.Equal(R.ByCountry(), byCountry);
        Assert.Equal(823_746.14m, byCountry.Values.Sum(v => v.Item3));

        var units = sales.SelectMany(o => o.Lines).GroupBy(l => l.Sku).ToDictionary(g => g.Key, g => g.Sum(l => (long)l.Quantity));
        var top = R.BySku().OrderByDescending(kv => kv.Value.Units).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(10).ToList();
        Assert.All(top, kv => Assert.Equal(kv.Value.Units, units[UciConverter.SkuOf(kv.Key)]));
        Assert.Equal(R.SalesUnits, units.Values.Sum());
    }

    [Fact]
    public void The_records_the_engine_must_not_take_as_sales_carry_no_payment_or_a_zero_one()
    {
        var feed = ReadFeed(UciConverter.FeedText(C.Orders));
        Assert.All(R.CreditNotes.Concat(R.NegativeAdjustments), id =>
        {
            Assert.Null(feed[id].PaymentAmount);
            Assert.All(feed[id].Lines, l => Assert.True(l.Quantity < 0)); // the engine quarantines a quantity below 1
        });
        Assert.All(R.ZeroValue, id => Assert.Equal(0m, feed[id].PaymentAmount)); // the engine quarantines a payment of 0
        // Rows of a credit note are sent as in the file (not merged), so its quarantined record shows the source.
        Assert.Equal(R.CreditNotes.Sum(id => R.Invoice[id].Count), R.CreditNotes.Sum(id => feed[id].Lines.Count));
    }

    [Fact]
    public void The_reader_takes_quoted_fields_and_refuses_a_row_that_does_not_read()
    {
        const string header = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n";
        var rows = UciCsv.Read(new StringReader(header + "536365,85123A,\"WHITE \"\"HEART\"\", HOLDER\",6,2010-12-01 08:26:00,2.55,17850,United Kingdom\n"
            + "C536379,D,Discount,-1,2010-12-01 09:41:00,27.5,NA,EIRE\n")).ToList();
        Assert.Equal("WHITE \"HEART\", HOLDER", rows[0].Description);
        Assert.Equal((6, 2.55m, "17850", 2L), (rows[0].Quantity, rows[0].UnitPrice, rows[0].CustomerId, rows[0].Line));
        Assert.Equal(("", -1, true), (rows[1].CustomerId, rows[1].Quantity, rows[1].IsCreditNote));
        var bad = Assert.Throws<FormatException>(() => UciCsv.Read(new StringReader(header + "536365,X,d,six,2010-12-01 08:26:00,1,1,France\n")).ToList());
        Assert.Contains("line 2: Quantity 'six'", bad.Message);
        Assert.Throws<FormatException>(() => UciCsv.Read(new StringReader("a,b\n1,2\n")).ToList());
    }

    private sealed record FeedLine(string Sku, int Quantity, decimal Price);

    private sealed record FeedRecord(string Id, DateTimeOffset PlacedAt, string Country, decimal? PaymentAmount, string? PaymentCurrency, List<FeedLine> Lines);

    /// <summary>The posted CSV read back with Sep: consecutive rows of one externalId are one order, as the engine reads them.</summary>
    private static Dictionary<string, FeedRecord> ReadFeed(string text)
    {
        using var reader = Sep.New(',').Reader(o => o with { Unescape = true }).FromText(text);
        var records = new Dictionary<string, FeedRecord>();
        string? last = null;
        foreach (var row in reader)
        {
            var id = row["externalId"].ToString();
            var amount = row["paymentAmount"].ToString();
            var currency = row["paymentCurrency"].ToString();
            if (id != last)
            {
                Assert.False(records.ContainsKey(id), $"rows of {id} are not consecutive");
                records[id] = new FeedRecord(id, DateTimeOffset.Parse(row["placedAt"].ToString(), CultureInfo.InvariantCulture), row["country"].ToString(),
                    amount.Length > 0 ? decimal.Parse(amount, CultureInfo.InvariantCulture) : null, currency.Length > 0 ? currency : null, []);
                Assert.Equal("GBP", row["currency"].ToString());
                last = id;
            }
            records[id].Lines.Add(new FeedLine(row["sku"].ToString(), int.Parse(row["quantity"].Span, CultureInfo.InvariantCulture), decimal.Parse(row["unitPrice"].Span, CultureInfo.InvariantCulture)));
        }
        return records;
    }
}
