using System.Globalization;
using System.IO.Compression;
using nietras.SeparatedValues;
using OrderEngine.Import.Uci;

namespace OrderEngine.Api.Tests.Uci;

/// <summary>
/// The UCI Online Retail December 2010 sample (TestData/datasets, see its README) and a recount of it made here, from
/// the raw file with another CSV reader (Sep) and without the import's code, to check the import and the reports against.
/// </summary>
public static class UciDataset
{
    public static string FilePath => Path.Combine(AppContext.BaseDirectory, "TestData", "datasets", "uci_online_retail_2010-12.csv.gz");

    public static string DerivedPath => Path.Combine(AppContext.BaseDirectory, "TestData", "datasets", "uci_online_retail_monthly_summary_DERIVED.csv");

    private static readonly Lazy<UciConversion> Converted = new(() => OrderEngine.Import.ImportProgram.Convert(FilePath));
    private static readonly Lazy<Recount> Counted = new(() => Recount.Of(RawRows()));

    /// <summary>The import's conversion of the file (computed once per test run).</summary>
    public static UciConversion Conversion => Converted.Value;

    /// <summary>The independent recount (computed once per test run).</summary>
    public static Recount Count => Counted.Value;

    public static TextReader OpenText() => new StreamReader(new GZipStream(File.OpenRead(FilePath), CompressionMode.Decompress));

    /// <summary>The raw rows as Sep reads them: nothing of the import's reader or conversion.</summary>
    public static List<Raw> RawRows()
    {
        using var text = OpenText();
        using var reader = Sep.New(',').Reader(o => o with { Unescape = true }).From(text);
        var rows = new List<Raw>();
        foreach (var row in reader)
        {
            rows.Add(new Raw(
                row["InvoiceNo"].ToString(),
                row["StockCode"].ToString(),
                int.Parse(row["Quantity"].Span, CultureInfo.InvariantCulture),
                DateTime.ParseExact(row["InvoiceDate"].ToString(), "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                decimal.Parse(row["UnitPrice"].Span, CultureInfo.InvariantCulture),
                row["CustomerID"].ToString() is "NA" ? "" : row["CustomerID"].ToString(),
                row["Country"].ToString()));
        }
        return rows;
    }

    public sealed record Raw(string Invoice, string StockCode, int Quantity, DateTime Date, decimal Price, string Customer, string Country);

    /// <summary>The December 2010 row of the DERIVED monthly summary (computed from the full dataset, not by this project).</summary>
    public static Dictionary<string, string> Derived()
    {
        var lines = File.ReadAllLines(DerivedPath);
        var header = lines[0].Split(',');
        var row = lines.Skip(1).Select(l => l.Split(',')).Single(f => f[0] == "2010-12");
        return header.Zip(row, (h, v) => (h, v)).ToDictionary(x => x.h, x => x.v);
    }

    /// <summary>
    /// The countries of December 2010 as ISO codes, written out here (not read from the import): the documented choice,
    /// '' for the names that have no single code.
    /// </summary>
    public static readonly Dictionary<string, string> CountryCodes = new()
    {
        ["United Kingdom"] = "GB", ["Germany"] = "DE", ["France"] = "FR", ["EIRE"] = "IE", ["Norway"] = "NO", ["Portugal"] = "PT",
        ["Belgium"] = "BE", ["Cyprus"] = "CY", ["Spain"] = "ES", ["Netherlands"] = "NL", ["Japan"] = "JP", ["Switzerland"] = "CH",
        ["Italy"] = "IT", ["Australia"] = "AU", ["Lithuania"] = "LT", ["Iceland"] = "IS", ["Sweden"] = "SE", ["Denmark"] = "DK",
        ["Channel Islands"] = "", ["Finland"] = "FI", ["Austria"] = "AT", ["Poland"] = "PL", ["Israel"] = "IL", ["Bahrain"] = "BH",
    };

    /// <summary>What the documentation says the import does, recounted from the raw rows.</summary>
    public sealed record Recount(
        int Rows,
        int Invoices,
        decimal ValueOfAllRows,
        IReadOnlyDictionary<string, List<Raw>> Invoice,
        IReadOnlyList<string> Sales,
        IReadOnlyList<string> CreditNotes,
        IReadOnlyList<string> NegativeAdjustments,
        IReadOnlyList<string> ZeroValue)
    {
        public static Recount Of(List<Raw> rows)
        {
            var byInvoice = rows.GroupBy(r => r.Invoice).ToDictionary(g => g.Key, g => g.ToList());
            var credit = byInvoice.Keys.Where(k => k.StartsWith('C')).ToList();
            var negative = byInvoice.Where(kv => !kv.Key.StartsWith('C') && kv.Value.Any(r => r.Quantity < 0)).Select(kv => kv.Key).ToList();
            var zero = byInvoice.Where(kv => !kv.Key.StartsWith('C') && kv.Value.All(r => r.Quantity > 0) && kv.Value.Sum(r => r.Quantity * r.Price) == 0).Select(kv => kv.Key).ToList();
            var sales = byInvoice.Keys.Except(credit).Except(negative).Except(zero).ToList();
            return new Recount(rows.Count, byInvoice.Count, rows.Sum(r => r.Quantity * r.Price), byInvoice, sales, credit, negative, zero);
        }

        public IEnumerable<Raw> SaleRows => Sales.SelectMany(s => Invoice[s]);

        public decimal SalesRevenue => SaleRows.Sum(r => r.Quantity * r.Price);

        public long SalesUnits => SaleRows.Sum(r => (long)r.Quantity);

        /// <summary>Per UTC day of the invoice (its first row's time: one invoice's rows straddle a minute, never a day): orders, units, revenue.</summary>
        public SortedDictionary<DateOnly, (int Orders, long Units, decimal Revenue)> ByDay() =>
            Group(s => DateOnly.FromDateTime(Invoice[s].Min(r => r.Date)));

        public SortedDictionary<string, (int Orders, long Units, decimal Revenue)> ByCountry() =>
            Group(s => CountryCodes[Invoice[s][0].Country]);

        /// <summary>Units and revenue per StockCode over the sales.</summary>
        public Dictionary<string, (long Units, decimal Revenue, int Orders)> BySku() =>
            SaleRows.GroupBy(r => r.StockCode).ToDictionary(g => g.Key, g => (g.Sum(r => (long)r.Quantity), g.Sum(r => r.Quantity * r.Price), g.Select(r => r.Invoice).Distinct().Count()));

        private SortedDictionary<TKey, (int Orders, long Units, decimal Revenue)> Group<TKey>(Func<string, TKey> key) where TKey : notnull =>
            new(Sales.GroupBy(key).ToDictionary(g => g.Key, g => (g.Count(), g.Sum(s => Invoice[s].Sum(r => (long)r.Quantity)), g.Sum(s => Invoice[s].Sum(r => r.Quantity * r.Price)))));
    }
}
