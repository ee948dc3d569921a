using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace OrderEngine.Import.Uci;

/// <summary>What an invoice of the file is, and so what the engine is expected to do with it.</summary>
public enum UciInvoiceKind
{
    /// <summary>A sale: positive quantities, a positive total. Sent paid at the channel: expected <c>accepted</c> (status paid).</summary>
    Sale,

    /// <summary>A 'C' invoice: negative quantities, no reference to the invoice it credits. Expected <c>quarantined</c>.</summary>
    CreditNote,

    /// <summary>Not a 'C' invoice but negative quantities (at price 0, no customer: stock written off). Expected <c>quarantined</c>.</summary>
    NegativeAdjustment,

    /// <summary>Positive quantities but a total of 0 (price 0, no customer: stock found or moved). Nothing was collected. Expected <c>quarantined</c>.</summary>
    ZeroValue,
}

/// <summary>One order line of the feed.</summary>
public sealed record FeedLine(string Sku, int Quantity, decimal UnitPrice);

/// <summary>One record of the CSV channel feed: an invoice of the file.</summary>
/// <param name="Total">Σ quantity × unit price of the lines; for a sale, the amount the channel collected.</param>
/// <param name="SourceRows">The file's rows this invoice had (before lines of one SKU and price were merged).</param>
/// <param name="Value">Σ Quantity × UnitPrice over the file's rows (equals <paramref name="Total"/>).</param>
public sealed record FeedOrder(
    string ExternalId,
    UciInvoiceKind Kind,
    string? CustomerId,
    DateTimeOffset PlacedAt,
    string SourceCountry,
    string? Country,
    ImmutableArray<FeedLine> Lines,
    decimal Total,
    int SourceRows)
{
    public bool IsPaid => Kind == UciInvoiceKind.Sale;

    public string PaymentReference => "uci-invoice-" + ExternalId;

    public int Units => Lines.Sum(l => l.Quantity);

    /// <summary>Days since 1970-01-01 (UTC) of the order time, as the read side buckets sales.</summary>
    public DateOnly Day => DateOnly.FromDateTime(PlacedAt.UtcDateTime);
}

/// <summary>Figures of one kind of invoice: how many, their rows, their value.</summary>
public sealed record KindFigures(int Invoices, int Rows, decimal Value);

/// <summary>
/// The file turned into feed records, with what the engine is expected to do with each and the figures the reports
/// should show for the accepted sales.
/// </summary>
public sealed record UciConversion(
    ImmutableArray<FeedOrder> Orders,
    int Rows,
    decimal ValueOfAllRows,
    ImmutableDictionary<UciInvoiceKind, KindFigures> ByKind,
    ImmutableSortedDictionary<string, long> StockNeeded,
    ImmutableSortedDictionary<string, string> SkuRenamed,
    ImmutableSortedDictionary<string, int> UnmappedCountries,
    int MergedLines)
{
    public IEnumerable<FeedOrder> Sales => Orders.Where(o => o.IsPaid);

    public KindFigures Of(UciInvoiceKind kind) => ByKind.TryGetValue(kind, out var f) ? f : new KindFigures(0, 0, 0m);

    /// <summary>Revenue of the accepted sales: what the sales report should total (no refunds are recorded).</summary>
    public decimal SalesRevenue => Of(UciInvoiceKind.Sale).Value;
}

/// <summary>
/// The pure conversion of the UCI Online Retail rows into OrderEngine's CSV channel feed (docs/reports.md, "The UCI
/// Online Retail import"): one record per invoice, in the order invoices first appear in the file.
/// </summary>
public static class UciConverter
{
    public const string Currency = "GBP";

    public static readonly string[] FeedColumns =
        ["externalId", "currency", "sku", "quantity", "unitPrice", "customerId", "country", "placedAt", "paymentAmount", "paymentCurrency", "paymentReference"];

    /// <summary>A StockCode as an engine SKU (letters, digits, '.', '_', '-'; 1-64; starting with a letter or digit): other characters become '-'.</summary>
    public static string SkuOf(string stockCode)
    {
        var b = new StringBuilder(stockCode.Length);
        foreach (var ch in stockCode.Trim()) b.Append(char.IsAsciiLetterOrDigit(ch) || ch is '.' or '_' or '-' ? ch : '-');
        var sku = b.ToString();
        if (sku.Length == 0 || !char.IsAsciiLetterOrDigit(sku[0])) sku = "x" + sku;
        return sku.Length > 64 ? throw new FormatException($"StockCode '{stockCode}' is longer than a SKU may be (64)") : sku;
    }

    /// <summary>A UCI CustomerID as the engine's customer: "uci-{id}"; blank is a guest (the feed derives uci/guests/{invoice}).</summary>
    public static string? CustomerOf(string customerId) => string.IsNullOrWhiteSpace(customerId) ? null : "uci-" + customerId.Trim();

    public static UciInvoiceKind KindOf(string invoiceNo, IReadOnlyCollection<UciRow> rows) =>
        invoiceNo.StartsWith('C') ? UciInvoiceKind.CreditNote
        : rows.Any(r => r.Quantity <= 0) ? UciInvoiceKind.NegativeAdjustment
        : rows.Sum(r => r.Value) <= 0 ? UciInvoiceKind.ZeroValue
        : UciInvoiceKind.Sale;

    public static UciConversion Convert(IEnumerable<UciRow> rows)
    {
        var invoices = new Dictionary<string, List<UciRow>>(StringComparer.Ordinal);
        var order = new List<string>();
        var count = 0;
        var all = 0m;
        foreach (var r in rows)
        {
            count++;
            all += r.Value;
            if (!invoices.TryGetValue(r.InvoiceNo, out var list))
            {
                invoices[r.InvoiceNo] = list = [];
                order.Add(r.InvoiceNo);
            }
            list.Add(r);
        }

        var renamed = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var skuOwner = new Dictionary<string, string>(StringComparer.Ordinal);
        string Sku(string code)
        {
            var sku = SkuOf(code);
            if (skuOwner.TryGetValue(sku, out var owner) && owner != code)
                throw new FormatException($"StockCodes '{owner}' and '{code}' would both be SKU '{sku}'");
            skuOwner[sku] = code;
            if (sku != code) renamed[code] = sku;
            return sku;
        }

        var unmapped = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var stock = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var kinds = new Dictionary<UciInvoiceKind, KindFigures>();
        var merged = 0;
        var orders = ImmutableArray.CreateBuilder<FeedOrder>(order.Count);
        foreach (var invoiceNo in order)
        {
            var list = invoices[invoiceNo];
            var first = list[0];
            var customers = list.Select(r => r.CustomerId).Distinct().ToList();
            var countries = list.Select(r => r.Country).Distinct().ToList();
            if (customers.Count > 1) throw new FormatException($"invoice {invoiceNo}: rows name {customers.Count} customers");
            if (countries.Count > 1) throw new FormatException($"invoice {invoiceNo}: rows name {countries.Count} countries");
            var kind = KindOf(invoiceNo, list);
            ImmutableArray<FeedLine> lines;
            if (kind == UciInvoiceKind.Sale)
            {
                // One line per SKU and price, in the order they first appear: the same SKU at the same price on two rows is one
                // line of the summed quantity (same units, same value); a second price (a free item beside paid ones) stays a line.
                var byKey = new Dictionary<(string, decimal), int>();
                var b = new List<FeedLine>();
                foreach (var r in list)
                {
                    var key = (Sku(r.StockCode), r.UnitPrice);
                    if (byKey.TryGetValue(key, out var at))
                    {
                        b[at] = b[at] with { Quantity = b[at].Quantity + r.Quantity };
                        merged++;
                    }
                    else
                    {
                        byKey[key] = b.Count;
                        b.Add(new FeedLine(key.Item1, r.Quantity, r.UnitPrice));
                    }
                }
                lines = [.. b];
                foreach (var l in lines) stock[l.Sku] = stock.GetValueOrDefault(l.Sku) + l.Quantity;
            }
            else
            {
                // Not an order the engine takes: sent as the file has it, row by row, so the quarantined record shows the source.
                lines = [.. list.Select(r => new FeedLine(Sku(r.StockCode), r.Quantity, r.UnitPrice))];
            }
            var code = UciCountries.CodeOf(first.Country);
            if (code is null) unmapped[first.Country] = unmapped.GetValueOrDefault(first.Country) + 1;
            var value = list.Sum(r => r.Value);
            orders.Add(new FeedOrder(
                invoiceNo, kind, CustomerOf(first.CustomerId),
                new DateTimeOffset(list.Min(r => r.InvoiceDate), TimeSpan.Zero),
                first.Country, code, lines, value, list.Count));
            var k = kinds.GetValueOrDefault(kind, new KindFigures(0, 0, 0m));
            kinds[kind] = new KindFigures(k.Invoices + 1, k.Rows + list.Count, k.Value + value);
        }
        return new UciConversion(orders.MoveToImmutable(), count, all, kinds.ToImmutableDictionary(),
            stock.ToImmutableSortedDictionary(StringComparer.Ordinal), renamed.ToImmutableSortedDictionary(StringComparer.Ordinal),
            unmapped.ToImmutableSortedDictionary(StringComparer.Ordinal), merged);
    }

    /// <summary>The records as the CSV channel feed (docs/channels.md): a header, then one row per line, an order's rows consecutive.</summary>
    public static void WriteFeed(IEnumerable<FeedOrder> orders, TextWriter w)
    {
        w.Write(string.Join(",", FeedColumns));
        w.Write('\n');
        foreach (var o in orders)
        {
            var placedAt = o.PlacedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            // A sale was paid at the channel (the web shop took the money): all three payment columns. Anything else
            // collected nothing: a zero-value invoice says so (amount 0, which the engine refuses as a payment), the
            // credit notes and negative adjustments leave the payment empty.
            var payment = o.Kind switch
            {
                UciInvoiceKind.Sale => $"{Money(o.Total)},{Currency},{o.PaymentReference}",
                UciInvoiceKind.ZeroValue => $"0.00,{Currency},{o.PaymentReference}",
                _ => ",,",
            };
            foreach (var l in o.Lines)
            {
                w.Write(string.Join(",", Cell(o.ExternalId), Currency, Cell(l.Sku), l.Quantity.ToString(CultureInfo.InvariantCulture), Money(l.UnitPrice),
                    Cell(o.CustomerId ?? ""), o.Country ?? "", placedAt, payment));
                w.Write('\n');
            }
        }
    }

    public static string FeedText(IEnumerable<FeedOrder> orders)
    {
        var w = new StringWriter(CultureInfo.InvariantCulture);
        WriteFeed(orders, w);
        return w.ToString();
    }

    public static string Money(decimal amount) => amount.ToString("0.00##", CultureInfo.InvariantCulture);

    private static string Cell(string s) => s.IndexOfAny([',', '"', '\n', '\r']) < 0 ? s : "\"" + s.Replace("\"", "\"\"") + "\"";
}
