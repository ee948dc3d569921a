using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace OrderEngine.Import.Uci;

/// <summary>One invoice's outcome as the feed answered it.</summary>
public sealed record InvoiceOutcome(string ExternalId, UciInvoiceKind Kind, string Outcome, string? Status, string? OrderId, string? Reason, bool AsExpected);

/// <summary>What an import did: stock set up, every invoice's outcome, the channel's counters after.</summary>
public sealed record UciImportReport(
    UciConversion Conversion,
    int StockSet,
    int StockAlreadySet,
    IReadOnlyList<string> StockProblems,
    IReadOnlyList<InvoiceOutcome> Outcomes,
    JsonElement Summary,
    JsonElement? ChannelCounters,
    TimeSpan StockTime,
    TimeSpan FeedTime)
{
    public int Count(string outcome) => Outcomes.Count(o => o.Outcome == outcome);

    public IEnumerable<InvoiceOutcome> Unexpected => Outcomes.Where(o => !o.AsExpected);

    /// <summary>Every invoice answered as documented and every SKU's stock is in place.</summary>
    public bool AsExpected => StockProblems.Count == 0 && Outcomes.Count == Conversion.Orders.Length && !Unexpected.Any();
}

/// <summary>
/// Imports the converted file into a running engine over HTTP: on-hand stock for every SKU the sales need
/// (PUT /api/stock/{sku}, version 1: a first warehouse count; the same count again changes nothing), then the whole
/// file as one CSV feed (POST /api/channels/{channel}/feed), then reads GET /api/channels.
/// </summary>
public sealed class UciImporter(HttpClient http, string channel = UciImporter.DefaultChannel, int parallelism = 64, TextWriter? progress = null)
{
    public const string DefaultChannel = "uci";

    public async Task<UciImportReport> RunAsync(UciConversion conversion, CancellationToken ct = default)
    {
        var watch = Stopwatch.StartNew();
        var (set, already, problems) = await SetStockAsync(conversion, ct);
        var stockTime = watch.Elapsed;
        progress?.WriteLine($"stock: {conversion.StockNeeded.Count} SKUs in {stockTime.TotalSeconds:0.0} s ({set} set, {already} already set, {problems.Count} problems)");

        watch.Restart();
        var feed = UciConverter.FeedText(conversion.Orders);
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(feed));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv") { CharSet = "utf-8" };
        using var response = await http.PostAsync($"/api/channels/{channel}/feed", content, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"the feed was answered {(int)response.StatusCode}: {text}");
        var feedTime = watch.Elapsed;

        var byId = conversion.Orders.ToDictionary(o => o.ExternalId, StringComparer.Ordinal);
        var outcomes = new List<InvoiceOutcome>(conversion.Orders.Length);
        JsonElement summary = default;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var e = JsonDocument.Parse(line).RootElement.Clone();
            if (e.TryGetProperty("summary", out var s))
            {
                summary = s;
                continue;
            }
            var id = Str(e, "externalId") ?? "";
            var outcome = Str(e, "outcome") ?? "";
            var kind = byId.TryGetValue(id, out var o) ? o.Kind : (UciInvoiceKind)(-1);
            outcomes.Add(new InvoiceOutcome(id, kind, outcome, Str(e, "status"), Str(e, "orderId"), Str(e, "reason"), IsExpected(kind, outcome, Str(e, "status"))));
        }
        progress?.WriteLine($"feed: {outcomes.Count} invoices in {feedTime.TotalSeconds:0.0} s");
        return new UciImportReport(conversion, set, already, problems, outcomes, summary, await CountersAsync(ct), stockTime, feedTime);
    }

    /// <summary>
    /// A sale is taken paid (the channel collected its total); a repeat of the import answers it as a duplicate. Every
    /// other invoice is not an order the engine takes: quarantined, with the engine's reason, for an operator to see.
    /// </summary>
    public static bool IsExpected(UciInvoiceKind kind, string outcome, string? status) => kind switch
    {
        UciInvoiceKind.Sale => (outcome == "accepted" && status == "paid") || outcome == "duplicate",
        UciInvoiceKind.CreditNote or UciInvoiceKind.NegativeAdjustment or UciInvoiceKind.ZeroValue => outcome == "quarantined",
        _ => false,
    };

    private async Task<(int Set, int Already, List<string> Problems)> SetStockAsync(UciConversion conversion, CancellationToken ct)
    {
        var set = 0;
        var already = 0;
        var problems = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(conversion.StockNeeded, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = ct }, async (kv, token) =>
        {
            var (sku, units) = (kv.Key, kv.Value);
            using var response = await http.PutAsJsonAsync($"/api/stock/{Uri.EscapeDataString(sku)}", new { onHand = units, version = 1 }, token);
            if (response.IsSuccessStatusCode)
            {
                Interlocked.Increment(ref set);
                return;
            }
            var body = await response.Content.ReadAsStringAsync(token);
            if (response.StatusCode == HttpStatusCode.Conflict)
            {
                // Version 1 was applied before with another count (an earlier import of another file, a merchant's own count):
                // enough if what is there covers the import's units, whether already sold to it or still available.
                using var current = await http.GetAsync($"/api/stock/{Uri.EscapeDataString(sku)}", token);
                if (current.IsSuccessStatusCode)
                {
                    var s = JsonDocument.Parse(await current.Content.ReadAsStringAsync(token)).RootElement;
                    if (s.GetProperty("onHand").GetInt64() >= units)
                    {
                        Interlocked.Increment(ref already);
                        return;
                    }
                }
            }
            problems.Add($"{sku}: {(int)response.StatusCode} {body}");
        });
        return (set, already, [.. problems.OrderBy(p => p, StringComparer.Ordinal)]);
    }

    private async Task<JsonElement?> CountersAsync(CancellationToken ct)
    {
        using var response = await http.GetAsync("/api/channels", ct);
        if (!response.IsSuccessStatusCode) return null;
        var root = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement;
        foreach (var c in root.GetProperty("channels").EnumerateArray())
            if (Str(c, "channel") == channel) return c.Clone();
        return null;
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>The report as the command prints it: outcomes per kind, the figures expected from the file, what went otherwise.</summary>
    public static string Describe(UciImportReport r)
    {
        var c = r.Conversion;
        var b = new StringBuilder();
        string M(decimal v) => v.ToString("#,##0.00", CultureInfo.InvariantCulture);
        b.AppendLine(CultureInfo.InvariantCulture, $"file: {c.Rows:N0} rows, {c.Orders.Length:N0} invoices, Σ Quantity×UnitPrice £{M(c.ValueOfAllRows)} (published for December 2010: 42,481 rows, 2,025 invoices, £748,957.02)");
        b.AppendLine(CultureInfo.InvariantCulture, $"stock: {c.StockNeeded.Count:N0} SKUs set on hand to the units the sales need ({r.StockSet:N0} set, {r.StockAlreadySet:N0} already enough, {r.StockProblems.Count} problems) in {r.StockTime.TotalSeconds:0.0} s");
        b.AppendLine(CultureInfo.InvariantCulture, $"feed: {r.Outcomes.Count:N0} invoices in {r.FeedTime.TotalSeconds:0.0} s ({(r.FeedTime.TotalSeconds > 0 ? r.Outcomes.Count / r.FeedTime.TotalSeconds : 0):0} invoices/s)");
        b.AppendLine("kind                  invoices    rows            value  expected      accepted  duplicate  refused  quarantined  other");
        foreach (var kind in Enum.GetValues<UciInvoiceKind>())
        {
            var f = c.Of(kind);
            var os = r.Outcomes.Where(o => o.Kind == kind).ToList();
            int N(string outcome) => os.Count(o => o.Outcome == outcome);
            var expected = kind == UciInvoiceKind.Sale ? "accepted" : "quarantined";
            b.AppendLine(CultureInfo.InvariantCulture,
                $"{kind,-20} {f.Invoices,9:N0} {f.Rows,7:N0} {M(f.Value),16}  {expected,-12} {N("accepted"),8:N0} {N("duplicate"),10:N0} {N("refused"),8:N0} {N("quarantined"),12:N0} {os.Count - N("accepted") - N("duplicate") - N("refused") - N("quarantined"),6:N0}");
        }
        var sales = c.Of(UciInvoiceKind.Sale);
        b.AppendLine(CultureInfo.InvariantCulture, $"expected in the sales report (GBP, December 2010): {sales.Invoices:N0} orders, {c.Sales.Sum(o => o.Units):N0} units, revenue £{M(sales.Value)}, refunded £0.00");
        b.AppendLine(CultureInfo.InvariantCulture, $"  = the file's £{M(c.ValueOfAllRows)} - credit notes £{M(c.Of(UciInvoiceKind.CreditNote).Value)} (counted apart, in quarantine) - zero-value and negative adjustments £{M(c.Of(UciInvoiceKind.ZeroValue).Value + c.Of(UciInvoiceKind.NegativeAdjustment).Value)}");
        b.AppendLine(CultureInfo.InvariantCulture, $"lines: {c.MergedLines:N0} rows merged into a line of the same SKU and price; SKUs renamed: {(c.SkuRenamed.Count == 0 ? "none" : string.Join(", ", c.SkuRenamed.Select(kv => $"'{kv.Key}' -> {kv.Value}")))}");
        b.AppendLine(CultureInfo.InvariantCulture, $"countries without a code (orders without a country): {(c.UnmappedCountries.Count == 0 ? "none" : string.Join(", ", c.UnmappedCountries.Select(kv => $"{kv.Key} ({kv.Value} invoices)")))}");
        b.AppendLine("engine summary: " + (r.Summary.ValueKind == JsonValueKind.Undefined ? "none" : r.Summary.GetRawText()));
        b.AppendLine("channel counters: " + (r.ChannelCounters?.GetRawText() ?? "not found"));
        foreach (var p in r.StockProblems.Take(20)) b.AppendLine("stock problem: " + p);
        foreach (var u in r.Unexpected.Take(20))
            b.AppendLine(CultureInfo.InvariantCulture, $"unexpected: invoice {u.ExternalId} ({u.Kind}) {u.Outcome}{(u.Status is null ? "" : " " + u.Status)}{(u.Reason is null ? "" : ": " + u.Reason)}");
        b.AppendLine(r.AsExpected ? "result: every invoice as documented (docs/reports.md, \"The UCI Online Retail import\")" : $"result: {r.Unexpected.Count()} invoices not as documented, {r.StockProblems.Count} stock problems, {c.Orders.Length - r.Outcomes.Count} invoices unanswered");
        return b.ToString();
    }
}
