using System.Globalization;
using System.Text.Json;
using OrderEngine.Import.Uci;
using Xunit.Abstractions;
using static OrderEngine.Api.Tests.Uci.UciDataset;

namespace OrderEngine.Api.Tests.Uci;

/// <summary>
/// An engine set up as the import documents it: invoices of up to 675 lines, so orders may have up to 1000
/// (OrderEngine__Orders__MaxLines=1000, the default is 100).
/// </summary>
public class UciEngineFixture : EngineFixture
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["OrderEngine:Orders:MaxLines"] = "1000",
    };
}

/// <summary>
/// The import command's importer against a real engine (one node over HTTP, SQLite): every December 2010 invoice of the
/// UCI Online Retail file is accepted paid or quarantined as docs/reports.md says, the channel's counters add up, the
/// orders carry the file's values, stock is exactly sold out, and importing again changes nothing.
/// </summary>
public sealed class UciImportTests(UciEngineFixture engine, ITestOutputHelper output) : IClassFixture<UciEngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    [Fact]
    public async Task Every_invoice_is_accepted_paid_or_quarantined_as_documented_and_a_second_import_changes_nothing()
    {
        var c = Conversion;
        var r = Count;
        var report = await new UciImporter(_client).RunAsync(c);
        output.WriteLine(UciImporter.Describe(report));

        Assert.Empty(report.StockProblems);
        Assert.Equal(c.StockNeeded.Count, report.StockSet);
        Assert.Equal(2_025, report.Outcomes.Count);
        Assert.True(report.AsExpected, string.Join("\n", report.Unexpected.Take(10)));
        Assert.Equal(r.Sales.Order(), report.Outcomes.Where(o => o.Outcome == "accepted").Select(o => o.ExternalId).Order());
        Assert.All(report.Outcomes.Where(o => o.Outcome == "accepted"), o => Assert.Equal("paid", o.Status));
        Assert.Equal(r.CreditNotes.Concat(r.NegativeAdjustments).Concat(r.ZeroValue).Order(),
            report.Outcomes.Where(o => o.Outcome == "quarantined").Select(o => o.ExternalId).Order());
        Assert.Equal((2_025L, 1_559L, 0L, 466L, 0L, 0L), Summary(report.Summary));

        // The engine's own reasons: a credit note's or an adjustment's quantity below 1; a zero-value invoice's payment of 0.
        Assert.All(report.Outcomes.Where(o => o.Kind is UciInvoiceKind.CreditNote or UciInvoiceKind.NegativeAdjustment),
            o => Assert.Matches(@"quantity: '-\d+' is not a whole number of units", o.Reason));
        Assert.All(report.Outcomes.Where(o => o.Kind == UciInvoiceKind.ZeroValue),
            o => Assert.Contains("paidAtChannel.amount: a collected amount is positive", o.Reason));

        var counters = await Api.Eventually(() => _client.Counters("uci"), x => x.Received == 2_025, TimeSpan.FromSeconds(10), "the uci channel's counters");
        Assert.Equal((2_025L, 1_559L, 0L, 0L, 466L), (counters.Received, counters.Accepted, counters.Duplicates, counters.Refused, counters.Quarantined));
        Assert.Equal(466, await QuarantinedCount());

        await TheOrdersCarryTheFilesValues(report);
        await EveryTopSkuIsSoldOut();

        // Fed again (a re-run of the command): the sales answer as duplicates, the quarantined records are stored once.
        var again = await new UciImporter(_client).RunAsync(c);
        output.WriteLine(UciImporter.Describe(again));
        Assert.True(again.AsExpected, string.Join("\n", again.Unexpected.Take(10)));
        Assert.Equal((2_025L, 0L, 1_559L, 466L, 0L, 0L), Summary(again.Summary));
        Assert.Equal(c.StockNeeded.Count, again.StockSet); // the same count at the same version: nothing changes
        Assert.Equal(466, await QuarantinedCount());
        await EveryTopSkuIsSoldOut();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"first import: stock {report.StockTime.TotalSeconds:0.0} s, feed {report.FeedTime.TotalSeconds:0.0} s; second: stock {again.StockTime.TotalSeconds:0.0} s, feed {again.FeedTime.TotalSeconds:0.0} s"));
    }

    private async Task<int> QuarantinedCount()
    {
        using var response = await _client.GetQuarantine("uci", "?limit=1000");
        return (await Api.Body(response)).GetProperty("records").GetArrayLength();
    }

    private static (long, long, long, long, long, long) Summary(JsonElement s) =>
        (s.GetProperty("records").GetInt64(), s.GetProperty("accepted").GetInt64(), s.GetProperty("duplicates").GetInt64(),
         s.GetProperty("quarantined").GetInt64(), s.GetProperty("refused").GetInt64(), s.GetProperty("unavailable").GetInt64());

    private async Task TheOrdersCarryTheFilesValues(UciImportReport report)
    {
        var r = Count;
        var ids = report.Outcomes.Where(o => o.Outcome == "accepted").ToDictionary(o => o.ExternalId, o => o.OrderId!);
        // The largest invoice, a guest's, one with a free item, one with a SKU at two prices, one without a country.
        var largest = r.Sales.MaxBy(s => r.Invoice[s].Count)!;
        var guest = r.Sales.First(s => r.Invoice[s][0].Customer == "");
        var free = r.Sales.First(s => r.Invoice[s].Any(x => x.Price == 0));
        var twoPrices = r.Sales.First(s => r.Invoice[s].GroupBy(x => x.StockCode).Any(g => g.Select(x => x.Price).Distinct().Count() > 1));
        var noCountry = r.Sales.First(s => r.Invoice[s][0].Country == "Channel Islands");
        foreach (var invoice in new[] { largest, guest, free, twoPrices, noCountry })
        {
            var rows = r.Invoice[invoice];
            var order = await _client.Order(ids[invoice]);
            var total = rows.Sum(x => x.Quantity * x.Price);
            Assert.Equal("uci", order.Str("channel"));
            Assert.Equal(invoice, order.Str("externalId"));
            Assert.Equal("GBP", order.Str("currency"));
            Assert.Equal(total, order.Dec("total"));
            Assert.Equal(total, order.GetProperty("payment").GetProperty("amount").GetDecimal());
            Assert.Equal("channel:uci", order.GetProperty("payment").GetProperty("provider").GetString());
            Assert.Equal(new DateTimeOffset(rows.Min(x => x.Date), TimeSpan.Zero), order.GetProperty("placedAt").GetDateTimeOffset());
            Assert.Equal(rows[0].Customer == "" ? $"uci/guests/{invoice}" : $"uci-{rows[0].Customer}", order.Str("customerId"));
            var country = CountryCodes[rows[0].Country];
            if (country == "") Assert.False(order.TryGetProperty("shippingAddress", out var a) && a.ValueKind != JsonValueKind.Null, order.GetRawText());
            else Assert.Equal(country, order.GetProperty("shippingAddress").GetProperty("country").GetString());
            var lines = order.GetProperty("lines").EnumerateArray()
                .GroupBy(l => (l.GetProperty("sku").GetString()!, l.GetProperty("unitPrice").GetDecimal()))
                .ToDictionary(g => g.Key, g => g.Sum(l => l.GetProperty("quantity").GetInt32()));
            var expected = rows.GroupBy(x => (UciConverter.SkuOf(x.StockCode), x.Price)).ToDictionary(g => g.Key, g => g.Sum(x => x.Quantity));
            Assert.Equal(expected, lines);
            Assert.Contains(order.GetProperty("history").EnumerateArray(), h => h.GetProperty("status").GetString() == "paid");
        }
    }

    /// <summary>Stock was set to the units the sales need, so the ten best-selling SKUs are sold out exactly.</summary>
    private async Task EveryTopSkuIsSoldOut()
    {
        foreach (var (sku, units) in Conversion.StockNeeded.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(10))
        {
            var stock = await _client.Stock(sku);
            Assert.Equal(new StockFigures(sku, units, 0, units, 0), stock);
        }
    }
}

/// <summary>
/// An engine left at the default of 100 lines per order: the import says which invoices it refused and fails, rather
/// than splitting an invoice into orders the shop never had.
/// </summary>
public sealed class UciImportDefaultLimitTests(EngineFixture engine) : IClassFixture<EngineFixture>
{
    [Fact]
    public async Task Without_the_higher_line_limit_the_large_invoices_are_quarantined_and_the_import_is_not_as_documented()
    {
        var r = Count;
        var largest = r.Sales.MaxBy(s => r.Invoice[s].Count)!;
        var small = r.Sales.First(s => r.Invoice[s].Count < 10);
        using var text = OpenText();
        var two = UciConverter.Convert(UciCsv.Read(text).Where(x => x.InvoiceNo == largest || x.InvoiceNo == small).ToList());

        var report = await new UciImporter(engine.Client, "uci-limit").RunAsync(two);

        Assert.False(report.AsExpected);
        Assert.Empty(report.StockProblems);
        var refused = Assert.Single(report.Unexpected);
        Assert.Equal((largest, "quarantined"), (refused.ExternalId, refused.Outcome));
        Assert.Contains("an order may have at most 100 lines", refused.Reason);
        Assert.Contains(report.Outcomes, o => o.ExternalId == small && o.Outcome == "accepted");
        Assert.Contains($"unexpected: invoice {largest} (Sale) quarantined", UciImporter.Describe(report));
    }
}
