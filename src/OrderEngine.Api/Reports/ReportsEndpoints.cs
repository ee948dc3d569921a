using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using OrderEngine.Engine.Reports;
using OrderEngine.Api.Security;

namespace OrderEngine.Api.Reports;

public sealed record SalesRowView(string Key, string Currency, long Orders, long Units, decimal Revenue, decimal Refunded, decimal Net);

public sealed record SalesReportView(
    string GroupBy,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] DateOnly? From,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] DateOnly? To,
    IReadOnlyList<SalesRowView> Rows,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? NextAfter);

public sealed record InventoryRowView(string Sku, long OnHand, long Reserved, long Sold, long Available, long SoldInWindow, decimal UnitsSoldPerDay,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] decimal? DaysOfCover);

public sealed record InventoryReportView(int Days, DateOnly WindowFrom, DateOnly WindowTo, IReadOnlyList<InventoryRowView> Rows,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? NextAfter);

public sealed record CustomerRowView(string CustomerId, string Currency, long Orders, long Units, decimal Revenue, decimal Refunded, decimal Net,
    DateTimeOffset FirstOrderAt, DateTimeOffset LastOrderAt);

public sealed record CustomersReportView(long Customers, long RepeatCustomers, decimal RepeatRate, IReadOnlyList<CustomerRowView> Rows);

/// <summary>/api/reports: sales, inventory and customers from the read tables, as JSON or (Accept: text/csv) CSV.</summary>
public static partial class ReportsEndpoints
{
    public static readonly IReadOnlyDictionary<string, SalesGrouping> Groupings = new Dictionary<string, SalesGrouping>(StringComparer.Ordinal)
    {
        ["day"] = SalesGrouping.Day,
        ["week"] = SalesGrouping.Week,
        ["month"] = SalesGrouping.Month,
        ["channel"] = SalesGrouping.Channel,
        ["country"] = SalesGrouping.Country,
        ["sku"] = SalesGrouping.Sku,
        ["customer"] = SalesGrouping.Customer,
        ["paymentMethod"] = SalesGrouping.PaymentMethod,
    };

    public static readonly string[] SalesParameters = ["from", "to", "groupBy", "currency", "limit", "after"];

    /// <summary>Where a report continues (the last key of this page), for CSV clients that cannot see the JSON's nextAfter.</summary>
    public const string NextAfterHeader = "Next-After";
    public static readonly string[] InventoryParameters = ["days", "limit", "after"];
    public static readonly string[] CustomersParameters = ["limit", "currency"];

    public static WebApplication MapReportsApi(this WebApplication app)
    {
        var reports = app.MapGroup("/api/reports").WithTags("reports").WithAccess();
        reports.MapGet("/sales", SalesAsync)
            .WithSummary("Paid orders by day, week, month, channel, country, sku, customer or paymentMethod, one row per key and currency, net of refunds; from/to are UTC days (from inclusive, to exclusive); at most limit keys (default 10,000) after the key `after`")
            .Produces<SalesReportView>().Produces(200, contentType: ResponseFormats.CsvMediaType).ProducesProblem(400).ProducesProblem(406)
            .WithName("getSalesReport")
            .WithDescription("Paid orders grouped by day, week, month, channel, country, sku, customer or paymentMethod, per currency and net of refunds, over UTC days [from, to); JSON or CSV by Accept. Read-only, from the read tables.");
        reports.MapGet("/inventory", InventoryAsync)
            .WithSummary("Per SKU: on hand, reserved, sold, available, units sold per day over the last `days` days (default 28) and days of cover")
            .Produces<InventoryReportView>().Produces(200, contentType: ResponseFormats.CsvMediaType).ProducesProblem(400).ProducesProblem(406)
            .WithName("getInventoryReport")
            .WithDescription("Per SKU: on hand, reserved, sold, available, units sold per day over the last days and days of cover; JSON or CSV by Accept. Read-only, from the read tables.");
        reports.MapGet("/customers", CustomersAsync)
            .WithSummary("The customers with most paid orders (limit, default 100), per currency, with first and last order, and the repeat rate over all customers")
            .Produces<CustomersReportView>().Produces(200, contentType: ResponseFormats.CsvMediaType).ProducesProblem(400).ProducesProblem(406)
            .WithName("getCustomersReport")
            .WithDescription("The customers with most paid orders per currency, with first and last order, and the repeat rate over all customers; JSON or CSV by Accept. Read-only, from the read tables.");
        return app;
    }

    private static async Task<IResult> SalesAsync(HttpContext http, ReportStore store, CancellationToken ct)
    {
        if (ResponseFormats.Choose(http.Request, csvAllowed: true) is not { } format) return ResponseFormats.NotAcceptable(http.Request, csvAllowed: true);
        var q = new QueryReader(http.Request.Query, SalesParameters);
        var from = q.Date("from");
        var to = q.Date("to");
        var groupBy = q.Raw("groupBy") is null ? SalesGrouping.Day : q.Enum("groupBy", Groupings);
        var currency = Currency(q);
        var limit = q.Int("limit", 1, SalesQuery.MaxLimit) ?? SalesQuery.DefaultLimit;
        var after = q.String("after", a => !a.Any(char.IsControl), "printable characters (the nextAfter of the previous page)");
        if (from is { } f && to is { } t && f > t) q.Add("from", "is after to (from is inclusive, to exclusive)");
        if (q.HasErrors || groupBy is null) return q.Problem();
        var page = await store.SalesAsync(new SalesQuery(groupBy.Value, from, to, currency, limit, after), ct);
        var rows = page.Rows;
        if (page.NextAfter is not null) http.Response.Headers[NextAfterHeader] = Uri.EscapeDataString(page.NextAfter);
        if (format == ResponseFormat.Csv)
        {
            var csv = new CsvWriter("key", "currency", "orders", "units", "revenue", "refunded", "net");
            foreach (var r in rows) csv.Row(r.Key, r.Currency, r.Orders, r.Units, r.Revenue, r.Refunded, r.Net);
            return csv.ToResult();
        }
        return TypedResults.Ok(new SalesReportView(Groupings.First(g => g.Value == groupBy).Key, from, to,
            rows.Select(r => new SalesRowView(r.Key, r.Currency, r.Orders, r.Units, r.Revenue, r.Refunded, r.Net)).ToList(), page.NextAfter));
    }

    private static async Task<IResult> InventoryAsync(HttpContext http, ReportStore store, TimeProvider clock, CancellationToken ct)
    {
        if (ResponseFormats.Choose(http.Request, csvAllowed: true) is not { } format) return ResponseFormats.NotAcceptable(http.Request, csvAllowed: true);
        var q = new QueryReader(http.Request.Query, InventoryParameters);
        var days = q.Int("days", 1, InventoryQuery.MaxDays) ?? InventoryQuery.DefaultDays;
        var limit = q.Int("limit", 1, InventoryQuery.MaxLimit) ?? InventoryQuery.DefaultLimit;
        var after = q.String("after", OrderEngine.Domain.Identifiers.IsValidEntityId, "a SKU (" + OrderEngine.Domain.Identifiers.EntityIdRule + ")");
        if (q.HasErrors) return q.Problem();
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var report = await store.InventoryAsync(new InventoryQuery(today, days, limit, after), ct);
        if (format == ResponseFormat.Csv)
        {
            var csv = new CsvWriter("sku", "onHand", "reserved", "sold", "available", "soldInWindow", "unitsSoldPerDay", "daysOfCover");
            foreach (var r in report.Rows) csv.Row(r.Sku, r.OnHand, r.Reserved, r.Sold, r.Available, r.SoldInWindow, r.UnitsSoldPerDay, r.DaysOfCover);
            return csv.ToResult();
        }
        return TypedResults.Ok(new InventoryReportView(report.Days, report.WindowFrom, report.WindowTo,
            report.Rows.Select(r => new InventoryRowView(r.Sku, r.OnHand, r.Reserved, r.Sold, r.Available, r.SoldInWindow, r.UnitsSoldPerDay, r.DaysOfCover)).ToList(),
            report.NextAfter));
    }

    private static async Task<IResult> CustomersAsync(HttpContext http, ReportStore store, CancellationToken ct)
    {
        if (ResponseFormats.Choose(http.Request, csvAllowed: true) is not { } format) return ResponseFormats.NotAcceptable(http.Request, csvAllowed: true);
        var q = new QueryReader(http.Request.Query, CustomersParameters);
        var limit = q.Int("limit", 1, CustomersQuery.MaxLimit) ?? CustomersQuery.DefaultLimit;
        var currency = Currency(q);
        if (q.HasErrors) return q.Problem();
        var report = await store.CustomersAsync(new CustomersQuery(limit, currency), ct);
        if (format == ResponseFormat.Csv)
        {
            var csv = new CsvWriter("customerId", "currency", "orders", "units", "revenue", "refunded", "net", "firstOrderAt", "lastOrderAt");
            foreach (var r in report.Rows) csv.Row(r.CustomerId, r.Currency, r.Orders, r.Units, r.Revenue, r.Refunded, r.Net, r.FirstOrderAt, r.LastOrderAt);
            return csv.ToResult();
        }
        return TypedResults.Ok(new CustomersReportView(report.Customers, report.RepeatCustomers, report.RepeatRate,
            report.Rows.Select(r => new CustomerRowView(r.CustomerId, r.Currency, r.Orders, r.Units, r.Revenue, r.Refunded, r.Net, r.FirstOrderAt, r.LastOrderAt)).ToList()));
    }

    private static string? Currency(QueryReader q) => q.String("currency", c => CurrencyCode().IsMatch(c), "an ISO 4217 code of three capital letters");

    [GeneratedRegex("^[A-Z]{3}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex CurrencyCode();
}
