using System.Data.Common;
using System.Globalization;
using OrderEngine.Engine.Hosting;

namespace OrderEngine.Engine.Reports;

/// <summary>How the sales report groups its rows (always also by currency).</summary>
public enum SalesGrouping { Day, Week, Month, Channel, Country, Sku, Customer, PaymentMethod }

/// <summary>
/// A sales report's question. Days are UTC dates of placed_at: <see cref="From"/> inclusive, <see cref="To"/> exclusive.
/// At most <see cref="Limit"/> keys (each with its currencies) after the key <see cref="After"/>, in ordinal key order.
/// </summary>
public sealed record SalesQuery(SalesGrouping GroupBy, DateOnly? From = null, DateOnly? To = null, string? Currency = null,
    int Limit = SalesQuery.DefaultLimit, string? After = null)
{
    public const int DefaultLimit = 10_000;
    public const int MaxLimit = 100_000;
}

/// <summary>A page of the sales report; <see cref="NextAfter"/> (null on the last page) is the key to continue after.</summary>
public sealed record SalesPage(IReadOnlyList<SalesRow> Rows, string? NextAfter);

/// <summary>One row of the sales report: one key in one currency (two currencies are never added together).</summary>
public sealed record SalesRow(string Key, string Currency, long Orders, long Units, decimal Revenue, decimal Refunded)
{
    public decimal Net => Revenue - Refunded;
}

public sealed record InventoryQuery(DateOnly Today, int Days = InventoryQuery.DefaultDays, int Limit = InventoryQuery.DefaultLimit, string? After = null)
{
    public const int DefaultDays = 28;
    public const int MaxDays = 366;
    public const int DefaultLimit = 1000;
    public const int MaxLimit = 10_000;
}

/// <summary>A SKU's stock and its pace: units sold per day over the window, and how many days the available units last at that pace.</summary>
public sealed record InventoryRow(string Sku, long OnHand, long Reserved, long Sold, long Available, long SoldInWindow, decimal UnitsSoldPerDay, decimal? DaysOfCover);

public sealed record InventoryReport(DateOnly WindowFrom, DateOnly WindowTo, int Days, IReadOnlyList<InventoryRow> Rows, string? NextAfter);

public sealed record CustomersQuery(int Limit = CustomersQuery.DefaultLimit, string? Currency = null)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 10_000;
}

/// <summary>A customer's paid orders in one currency.</summary>
public sealed record CustomerRow(string CustomerId, string Currency, long Orders, long Units, decimal Revenue, decimal Refunded,
    DateTimeOffset FirstOrderAt, DateTimeOffset LastOrderAt)
{
    public decimal Net => Revenue - Refunded;
}

/// <summary>The customers with most orders, and over all customers the share who ordered more than once.</summary>
public sealed record CustomersReport(long Customers, long RepeatCustomers, decimal RepeatRate, IReadOnlyList<CustomerRow> Rows);

/// <summary>
/// The reports, read from the aggregate read tables (sales_daily, sales_by_sku, sales_by_customer, stock_levels,
/// stock_daily) with plain SQL that runs on SQLite and PostgreSQL. Amounts are summed as whole 1/10,000 units and
/// turned into decimals only at the end, so nothing is rounded; every sum is per currency.
/// </summary>
public sealed class ReportStore(JournalDatabase database)
{
    public async Task<SalesPage> SalesAsync(SalesQuery query, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        var where = new List<string>();
        var byCustomerOverDays = query.GroupBy == SalesGrouping.Customer && (query.From is not null || query.To is not null);
        if (query.GroupBy == SalesGrouping.Customer)
        {
            if (byCustomerOverDays)
            {
                // sales_by_customer has no days: over a date range, the paid orders themselves (read_orders, by placed_at).
                where.Add("paid_at IS NOT NULL");
                // "+placed_at": not by the placed_at index (a range of up to every order, then a sort), but by the
                // covering read_orders_paid_by_customer index, read in customer order and grouped as it is read.
                if (query.From is { } f) { where.Add("+placed_at >= @fromAt"); command.AddParameter("fromAt", MillisOf(f)); }
                if (query.To is { } t) { where.Add("+placed_at < @toAt"); command.AddParameter("toAt", MillisOf(t)); }
            }
        }
        else
        {
            // By SKU, "+day" keeps the planner on the covering sales_by_sku_sku index (grouped as it is read) rather than a
            // range of the day key followed by a sort of every row in it.
            var day = query.GroupBy == SalesGrouping.Sku ? "+day" : "day";
            if (query.From is { } f) { where.Add($"{day} >= @fromDay"); command.AddParameter("fromDay", ReadAmounts.DayOf(f)); }
            if (query.To is { } t) { where.Add($"{day} < @toDay"); command.AddParameter("toDay", ReadAmounts.DayOf(t)); }
        }
        if (query.Currency is not null) { where.Add("currency = @currency"); command.AddParameter("currency", query.Currency); }
        var filter = where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where);
        const string sums = "SUM(orders), SUM(units), SUM(revenue_e4), SUM(refunded_e4)";
        command.CommandText = query.GroupBy switch
        {
            SalesGrouping.Day or SalesGrouping.Week or SalesGrouping.Month =>
                $"SELECT day, currency, {sums} FROM sales_daily {filter} GROUP BY day, currency",
            SalesGrouping.Channel => $"SELECT channel, currency, {sums} FROM sales_daily {filter} GROUP BY channel, currency",
            SalesGrouping.Country => $"SELECT country, currency, {sums} FROM sales_daily {filter} GROUP BY country, currency",
            SalesGrouping.PaymentMethod => $"SELECT payment_method, currency, {sums} FROM sales_daily {filter} GROUP BY payment_method, currency",
            SalesGrouping.Sku => $"SELECT sku, currency, {sums} FROM sales_by_sku {filter} GROUP BY sku, currency",
            SalesGrouping.Customer when byCustomerOverDays =>
                $"SELECT customer_id, currency, COUNT(*), SUM(units), SUM(total_e4), SUM(refunded_e4) FROM read_orders {filter} GROUP BY customer_id, currency",
            SalesGrouping.Customer => $"SELECT customer_id, currency, orders, units, revenue_e4, refunded_e4 FROM sales_by_customer {filter}",
            _ => throw new ArgumentOutOfRangeException(nameof(query)),
        };
        var sum = new Dictionary<(string Key, string Currency), long[]>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var key = query.GroupBy switch
                {
                    SalesGrouping.Day => KeyOfDay(ToInt(reader.GetValue(0))),
                    SalesGrouping.Week => KeyOfWeek(ToInt(reader.GetValue(0))),
                    SalesGrouping.Month => KeyOfMonth(ToInt(reader.GetValue(0))),
                    _ => reader.IsDBNull(0) ? "" : reader.GetString(0),
                };
                var at = (key, reader.GetString(1));
                if (!sum.TryGetValue(at, out var acc)) sum[at] = acc = new long[4];
                for (var i = 0; i < 4; i++) acc[i] += reader.IsDBNull(2 + i) ? 0 : ToLong(reader.GetValue(2 + i));
            }
        }
        var keys = sum.Keys.Select(k => k.Key).Where(k => query.After is null || string.CompareOrdinal(k, query.After) > 0)
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Take(query.Limit + 1).ToList();
        var next = keys.Count > query.Limit ? keys[query.Limit - 1] : null;
        var page = keys.Take(query.Limit).ToHashSet(StringComparer.Ordinal);
        var rows = sum.Where(kv => page.Contains(kv.Key.Key))
            .OrderBy(kv => kv.Key.Key, StringComparer.Ordinal).ThenBy(kv => kv.Key.Currency, StringComparer.Ordinal)
            .Select(kv => new SalesRow(kv.Key.Key, kv.Key.Currency, kv.Value[0], kv.Value[1], ReadAmounts.FromE4(kv.Value[2]), ReadAmounts.FromE4(kv.Value[3])))
            .ToList();
        return new SalesPage(rows, next);
    }

    public async Task<InventoryReport> InventoryAsync(InventoryQuery query, CancellationToken ct)
    {
        // The window is the last `days` UTC days, today included.
        var toDay = ReadAmounts.DayOf(query.Today) + 1;
        var fromDay = toDay - query.Days;
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT s.sku, s.on_hand, s.reserved, s.sold, s.available,
              (SELECT SUM(d.units_sold) FROM stock_daily d WHERE d.sku = s.sku AND d.day >= @fromDay AND d.day < @toDay)
            FROM stock_levels s {(query.After is null ? "" : "WHERE s.sku > @after")}
            ORDER BY s.sku LIMIT @limit
            """;
        command.AddParameter("fromDay", fromDay);
        command.AddParameter("toDay", toDay);
        if (query.After is not null) command.AddParameter("after", query.After);
        command.AddParameter("limit", query.Limit + 1);
        var rows = new List<InventoryRow>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var sold = reader.IsDBNull(5) ? 0 : ToLong(reader.GetValue(5));
                var available = ToLong(reader.GetValue(4));
                var perDay = Math.Round((decimal)sold / query.Days, 4, MidpointRounding.ToEven);
                decimal? cover = sold > 0 ? Math.Round(available * (decimal)query.Days / sold, 1, MidpointRounding.ToEven) : null;
                rows.Add(new InventoryRow(reader.GetString(0), ToLong(reader.GetValue(1)), ToLong(reader.GetValue(2)), ToLong(reader.GetValue(3)),
                    available, sold, perDay, cover));
            }
        }
        string? next = null;
        if (rows.Count > query.Limit)
        {
            rows.RemoveAt(rows.Count - 1);
            next = rows[^1].Sku;
        }
        return new InventoryReport(ReadAmounts.DateOf(fromDay), ReadAmounts.DateOf(toDay), query.Days, rows, next);
    }

    public async Task<CustomersReport> CustomersAsync(CustomersQuery query, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var currency = query.Currency is null ? "" : "WHERE currency = @currency";
        // One pass over the customers (grouped in primary-key order, no sort) gives the count, the repeat customers
        // and the top N by orders (a bounded heap here), instead of one grouping for the rate and another for the top.
        long customers = 0, repeat = 0;
        var top = new PriorityQueue<(string Id, long Orders), (long Orders, string Id)>(Comparer<(long Orders, string Id)>.Create((a, b) =>
            a.Orders != b.Orders ? a.Orders.CompareTo(b.Orders) : string.CompareOrdinal(b.Id, a.Id)));
        await using (var summary = connection.CreateCommand())
        {
            summary.CommandText = $"SELECT customer_id, SUM(orders) FROM sales_by_customer {currency} GROUP BY customer_id";
            if (query.Currency is not null) summary.AddParameter("currency", query.Currency);
            await using var reader = await summary.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var id = reader.GetString(0);
                var n = ToLong(reader.GetValue(1));
                customers++;
                if (n > 1) repeat++;
                if (top.Count < query.Limit) top.Enqueue((id, n), (n, id));
                else if (top.Peek() is var least && (n > least.Orders || (n == least.Orders && string.CompareOrdinal(id, least.Id) < 0)))
                    top.EnqueueDequeue((id, n), (n, id));
            }
        }
        var ordersOf = top.UnorderedItems.ToDictionary(x => x.Element.Id, x => x.Element.Orders, StringComparer.Ordinal);
        var rows = new List<CustomerRow>(ordersOf.Count);
        foreach (var chunk in ordersOf.Keys.Chunk(500))
        {
            await using var command = connection.CreateCommand();
            var names = chunk.Select((id, i) =>
            {
                command.AddParameter("c" + i, id);
                return "@c" + i;
            }).ToList();
            command.CommandText = $"""
                SELECT customer_id, currency, orders, units, revenue_e4, refunded_e4, first_order_at, last_order_at FROM sales_by_customer
                WHERE customer_id IN ({string.Join(", ", names)}) {(query.Currency is null ? "" : "AND currency = @currency")}
                """;
            if (query.Currency is not null) command.AddParameter("currency", query.Currency);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                rows.Add(new CustomerRow(reader.GetString(0), reader.GetString(1), ToLong(reader.GetValue(2)), ToLong(reader.GetValue(3)),
                    ReadAmounts.FromE4(ToLong(reader.GetValue(4))), ReadAmounts.FromE4(ToLong(reader.GetValue(5))),
                    DateTimeOffset.FromUnixTimeMilliseconds(ToLong(reader.GetValue(6))), DateTimeOffset.FromUnixTimeMilliseconds(ToLong(reader.GetValue(7)))));
        }
        var ordered = rows
            .OrderByDescending(r => ordersOf[r.CustomerId]).ThenBy(r => r.CustomerId, StringComparer.Ordinal).ThenBy(r => r.Currency, StringComparer.Ordinal)
            .ToList();
        var rate = customers == 0 ? 0m : Math.Round((decimal)repeat / customers, 4, MidpointRounding.ToEven);
        return new CustomersReport(customers, repeat, rate, ordered);
    }

    public static string KeyOfDay(int day) => ReadAmounts.DateOf(day).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The ISO 8601 week of a day, as 2010-W48 (the week's year, which differs from the date's near New Year).</summary>
    public static string KeyOfWeek(int day)
    {
        var date = ReadAmounts.DateOf(day).ToDateTime(TimeOnly.MinValue);
        return string.Create(CultureInfo.InvariantCulture, $"{ISOWeek.GetYear(date):0000}-W{ISOWeek.GetWeekOfYear(date):00}");
    }

    public static string KeyOfMonth(int day) => ReadAmounts.DateOf(day).ToString("yyyy-MM", CultureInfo.InvariantCulture);

    private static long MillisOf(DateOnly date) => new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds();

    private static long ToLong(object value) => Convert.ToInt64(value, CultureInfo.InvariantCulture);

    private static int ToInt(object value) => Convert.ToInt32(value, CultureInfo.InvariantCulture);
}
