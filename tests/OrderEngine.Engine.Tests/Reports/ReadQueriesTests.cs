using System.Data.Common;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Reports;
using OrderEngine.Testing;

namespace OrderEngine.Engine.Tests.Reports;

/// <summary>The order search and the reports over read tables filled by hand, on each database.</summary>
public abstract class ReadQueriesCases
{
    private static readonly DateTimeOffset T0 = new(2010, 12, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly string[] Statuses = ["paid", "reserved", "shipped", "cancelled", "delivered"];
    private static readonly string[] Channels = ["web", "shopify", "pos"];

    protected abstract Task<JournalDatabase> CreateDatabaseAsync();

    private async Task<(JournalDatabase Database, DbConnection Connection)> EmptyAsync()
    {
        var database = await CreateDatabaseAsync();
        database.Prepare(); // the engine's own schema (deploy/sql), read tables included
        var connection = await database.OpenAsync(CancellationToken.None);
        return (database, connection);
    }

    /// <summary>Orders with ids of equal length (so every collation sorts them alike), several sharing a placed_at.</summary>
    private static List<SeedOrder> Orders(int count, int seed, int idBase = 0)
    {
        var random = new Random(seed);
        return Enumerable.Range(idBase, count).Select(i => new SeedOrder(
            $"o-{i:000000}",
            T0.AddMinutes(random.Next(0, 60 * 24 * 40) / 7 * 7), // minutes rounded to 7: ties in placed_at
            random.Next(4) == 0
                ? [new SeedLine($"sku-{random.Next(5)}", 1 + random.Next(3), 2.5m), new SeedLine($"sku-{random.Next(5)}", 1, 0.0001m)]
                : [new SeedLine($"sku-{random.Next(5)}", 1 + random.Next(3), 19.99m)],
            Channel: Channels[random.Next(Channels.Length)],
            CustomerId: $"cust-{random.Next(20):00}",
            Currency: random.Next(3) == 0 ? "GBP" : "EUR",
            Status: Statuses[random.Next(Statuses.Length)])).ToList();
    }

    private static IEnumerable<SeedOrder> Newest(IEnumerable<SeedOrder> orders) =>
        orders.OrderByDescending(o => o.PlacedAt).ThenByDescending(o => o.OrderId, StringComparer.Ordinal);

    private static async Task<List<string>> WalkAsync(OrderSearchStore store, OrderSearchQuery query, Func<int, Task>? afterPage = null)
    {
        var seen = new List<string>();
        var pages = 0;
        while (true)
        {
            var page = await store.SearchAsync(query, CancellationToken.None);
            Assert.True(page.Items.Count <= query.Limit);
            seen.AddRange(page.Items.Select(i => i.OrderId));
            if (page.Next is null) return seen;
            Assert.Equal(query.Limit, page.Items.Count); // only the last page is short
            query = query with { After = OrderSearchKey.Decode(page.Next.Encode()) }; // through the opaque form, as a client does
            if (afterPage is not null) await afterPage(++pages);
        }
    }

    [Fact]
    public async Task Search_pages_walk_every_order_exactly_once_newest_first()
    {
        var (database, connection) = await EmptyAsync();
        await using var _ = connection;
        var orders = Orders(237, seed: 1);
        await ReadRows.AddOrdersAsync(connection, orders);
        var store = new OrderSearchStore(database);

        var walked = await WalkAsync(store, new OrderSearchQuery(Limit: 10));

        Assert.Equal(Newest(orders).Select(o => o.OrderId), walked);
        var first = (await store.SearchAsync(new OrderSearchQuery(Limit: 1), CancellationToken.None)).Items.Single();
        var newest = Newest(orders).First();
        Assert.Equal((newest.OrderId, newest.Total, newest.Units, newest.PlacedAt, newest.Status), (first.OrderId, first.Total, first.Units, first.PlacedAt, first.Status));
    }

    [Fact]
    public async Task Orders_placed_while_a_client_pages_shift_nothing_newer_ones_wait_for_a_new_search_older_ones_come_once()
    {
        var (database, connection) = await EmptyAsync();
        await using var _ = connection;
        var orders = Orders(120, seed: 2);
        await ReadRows.AddOrdersAsync(connection, orders);
        var newer = Orders(15, seed: 3, idBase: 500_000).Select(o => o with { PlacedAt = o.PlacedAt.AddDays(100) }).ToList();
        var older = Orders(15, seed: 4, idBase: 600_000).Select(o => o with { PlacedAt = o.PlacedAt.AddDays(-100) }).ToList();
        var store = new OrderSearchStore(database);

        var walked = await WalkAsync(store, new OrderSearchQuery(Limit: 25), async page =>
        {
            if (page == 2) await ReadRows.AddOrdersAsync(connection, newer.Concat(older));
        });

        Assert.Equal(Newest(orders.Concat(older)).Select(o => o.OrderId), walked);
        Assert.Equal(Newest(orders.Concat(older).Concat(newer)).Select(o => o.OrderId), await WalkAsync(store, new OrderSearchQuery(Limit: 500)));
    }

    [Fact]
    public async Task A_search_over_several_ids_of_one_customer_pages_through_their_orders_once_each_newest_first()
    {
        var (database, connection) = await EmptyAsync();
        await using var _ = connection;
        var orders = Orders(300, seed: 9);
        await ReadRows.AddOrdersAsync(connection, orders);
        var store = new OrderSearchStore(database);
        string[] ids = ["cust-04", "cust-12", "cust-17", "nobody"];
        var from = T0.AddDays(3);

        foreach (var (query, limit) in new[] { (new OrderSearchQuery(), 5), (new OrderSearchQuery(Status: "paid", From: from), 3), (new OrderSearchQuery(Sku: "sku-2"), 4) })
        {
            var expected = Newest(orders.Where(o => ids.Contains(o.CustomerId)
                && (query.Status is null || o.Status == query.Status) && (query.From is null || o.PlacedAt >= query.From)
                && (query.Sku is null || o.Lines.Any(l => l.Sku == query.Sku)))).Select(o => o.OrderId).ToList();
            Assert.NotEmpty(expected);
            var seen = new List<string>();
            var q = query with { Limit = limit };
            while (true)
            {
                var page = await store.SearchAnyCustomerAsync(q, ids, CancellationToken.None);
                seen.AddRange(page.Items.Select(i => i.OrderId));
                if (page.Next is null) break;
                Assert.Equal(limit, page.Items.Count);
                q = q with { After = OrderSearchKey.Decode(page.Next.Encode()) };
            }
            Assert.Equal(expected, seen);
        }
        // One id is the plain search.
        Assert.Equal(await WalkAsync(store, new OrderSearchQuery(CustomerId: "cust-04", Limit: 6)),
            (await store.SearchAnyCustomerAsync(new OrderSearchQuery(Limit: 500), ["cust-04"], CancellationToken.None)).Items.Select(i => i.OrderId));
    }

    [Fact]
    public async Task Search_filters_combine_and_each_combination_pages_through_the_same_rows_as_a_full_filter()
    {
        var (database, connection) = await EmptyAsync();
        await using var _ = connection;
        var orders = Orders(300, seed: 5);
        await ReadRows.AddOrdersAsync(connection, orders);
        var store = new OrderSearchStore(database);
        var from = T0.AddDays(5);
        var to = T0.AddDays(30);
        var queries = new[]
        {
            new OrderSearchQuery(Status: "paid"),
            new OrderSearchQuery(Channel: "pos", Status: "shipped"),
            new OrderSearchQuery(CustomerId: "cust-07"),
            new OrderSearchQuery(Sku: "sku-3"),
            new OrderSearchQuery(Sku: "sku-1", Channel: "web", From: from),
            new OrderSearchQuery(Status: "paid", Channel: "web", CustomerId: "cust-03", Sku: "sku-2", From: from, To: to),
            new OrderSearchQuery(From: from, To: to),
            new OrderSearchQuery(CustomerId: "cust-11", To: to),
        };
        foreach (var query in queries)
        {
            var expected = Newest(orders.Where(o =>
                (query.Status is null || o.Status == query.Status) && (query.Channel is null || o.Channel == query.Channel)
                && (query.CustomerId is null || o.CustomerId == query.CustomerId) && (query.Sku is null || o.Lines.Any(l => l.Sku == query.Sku))
                && (query.From is null || o.PlacedAt >= query.From) && (query.To is null || o.PlacedAt < query.To))).Select(o => o.OrderId).ToList();
            Assert.NotEmpty(expected);
            Assert.Equal(expected, await WalkAsync(store, query with { Limit = 7 }));
        }
        Assert.Empty(await WalkAsync(store, new OrderSearchQuery(Status: "paid", CustomerId: "nobody")));
    }

    [Fact]
    public async Task An_order_with_two_lines_of_the_searched_sku_is_listed_once()
    {
        var (database, connection) = await EmptyAsync();
        await using var _ = connection;
        var orders = Enumerable.Range(0, 9).Select(i => new SeedOrder($"o-{i:000000}", T0.AddMinutes(i),
            i % 2 == 0 ? [new SeedLine("twice", 1, 1m), new SeedLine("other", 1, 1m), new SeedLine("twice", 2, 1m)] : [new SeedLine("twice", 1, 1m)])).ToList();
        await ReadRows.AddOrdersAsync(connection, orders);

        var walked = await WalkAsync(new OrderSearchStore(database), new OrderSearchQuery(Sku: "twice", Limit: 2));

        Assert.Equal(Newest(orders).Select(o => o.OrderId), walked);
    }

    [Fact]
    public async Task Every_filter_combination_is_answered_from_an_index_in_search_order_without_a_sort()
    {
        var (database, connection) = await EmptyAsync();
        await using var _ = connection;
        await FillForPlansAsync(connection);
        var after = new OrderSearchKey(T0.AddDays(25).ToUnixTimeMilliseconds(), "o-136000");
        var filters = new List<OrderSearchQuery>();
        foreach (var status in new[] { null, "paid" })
        foreach (var channel in new[] { null, "web" })
        foreach (var customer in new[] { null, "cust-07" })
        foreach (var sku in new[] { null, "sku-3" })
        foreach (var range in new[] { false, true })
        foreach (var cursor in new[] { null, after })
            filters.Add(new OrderSearchQuery(status, channel, customer, sku, range ? T0 : null, range ? T0.AddDays(20) : null, 50, cursor));
        foreach (var query in filters)
        {
            var plan = await PlanAsync(connection, database.Provider, query);
            // With two equality filters the planner may drive from the more selective one's index and sort what it found
            // (bounded by that filter, still a seek). One filter or none reads its index in search order and stops after
            // the page, however large the table.
            var sortAllowed = new[] { query.Status, query.Channel, query.CustomerId, query.Sku }.Count(f => f is not null) >= 2;
            Assert.True(UsesIndex(database.Provider, plan, sortAllowed), $"{query}:\n{plan}");
        }
    }

    /// <summary>Enough rows (and statistics) that the planner's choice is the one it makes over a large table.</summary>
    private static async Task FillForPlansAsync(DbConnection connection)
    {
        const string numbers = "(WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 39999) SELECT i FROM n) g";
        var t0 = T0.ToUnixTimeMilliseconds();
        await ReadRows.ExecAsync(connection, null, $"""
            INSERT INTO read_orders (order_id, channel, external_id, customer_id, country, currency, status, total_e4, refunded_e4, units,
              payment_method, placed_at, received_at, paid_at, shipped_at, delivered_at, updated_at,
              base_status, shipping_held, open_shipments, delivered_shipments)
            SELECT 'o-' || (100000 + i), CASE i % 3 WHEN 0 THEN 'web' WHEN 1 THEN 'pos' ELSE 'shopify' END, NULL, 'cust-' || (i % 200), 'DE', 'EUR',
              CASE i % 5 WHEN 0 THEN 'paid' WHEN 1 THEN 'reserved' WHEN 2 THEN 'shipped' WHEN 3 THEN 'cancelled' ELSE 'delivered' END,
              10000, 0, 1, 'card', {t0} + i * CAST(60000 AS BIGINT), {t0} + i * CAST(60000 AS BIGINT), NULL, NULL, NULL, {t0},
              'placed', 0, 0, 0
            FROM {numbers}
            """);
        await ReadRows.ExecAsync(connection, null, $"""
            INSERT INTO read_order_lines (order_id, line_no, sku, quantity, unit_price_e4, line_total_e4, refunded_units, placed_at, shipped_units)
            SELECT 'o-' || (100000 + i), 0, 'sku-' || (i % 50), 1, 10000, 10000, 0, {t0} + i * CAST(60000 AS BIGINT), 0 FROM {numbers}
            """);
        await ReadRows.ExecAsync(connection, null, "ANALYZE");
    }

    private static async Task<string> PlanAsync(DbConnection connection, PersistenceProvider provider, OrderSearchQuery query)
    {
        await using var command = OrderSearchStore.Build(connection, query, query.Limit + 1);
        command.CommandText = (provider == PersistenceProvider.Sqlite ? "EXPLAIN QUERY PLAN " : "EXPLAIN ") + command.CommandText;
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) lines.Add(reader.GetValue(reader.FieldCount - 1)?.ToString() ?? "");
        return string.Join("\n", lines);
    }

    private static bool UsesIndex(PersistenceProvider provider, string plan, bool sortAllowed) => provider == PersistenceProvider.Sqlite
        ? (sortAllowed || !plan.Contains("TEMP B-TREE", StringComparison.Ordinal)) && (plan.Contains("INDEX read_orders_", StringComparison.Ordinal) || plan.Contains("INDEX read_order_lines_", StringComparison.Ordinal))
          && !plan.Split('\n').Any(l => l.StartsWith("SCAN", StringComparison.Ordinal) && !l.Contains("INDEX", StringComparison.Ordinal))
        : (sortAllowed || !plan.Contains("Sort", StringComparison.Ordinal)) && !plan.Contains("Seq Scan", StringComparison.Ordinal)
          && plan.Contains("Index", StringComparison.Ordinal);

    [Fact]
    public async Task Sales_keep_currencies_apart_count_only_paid_orders_and_net_refunds_in_the_order_s_bucket()
    {
        var (database, connection) = await EmptyAsync();
        await using var _ = connection;
        var day1 = new DateTimeOffset(2010, 12, 1, 23, 59, 59, TimeSpan.Zero);
        var day2 = new DateTimeOffset(2010, 12, 2, 0, 0, 0, TimeSpan.Zero);
        await ReadRows.AddOrdersAsync(connection, [
            new SeedOrder("o-000001", day1, [new SeedLine("a", 2, 10.0001m)], Currency: "EUR", Channel: "web", Country: "DE"),
            new SeedOrder("o-000002", day1, [new SeedLine("a", 1, 7.5m, RefundedUnits: 1)], Currency: "EUR", Channel: "pos", Country: null, Refunded: 7.5m),
            new SeedOrder("o-000003", day1, [new SeedLine("a", 3, 1.1m)], Currency: "GBP", Channel: "web", Country: "GB", PaymentMethod: "bankTransfer"),
            new SeedOrder("o-000004", day2, [new SeedLine("b", 1, 0.0001m), new SeedLine("a", 1, 100m, RefundedUnits: 1)], Currency: "EUR", Refunded: 100m),
            new SeedOrder("o-000005", day2, [new SeedLine("a", 5, 99m)], Currency: "EUR", Paid: false, Status: "reserved"),
        ]);
        var reports = new ReportStore(database);

        var byDay = (await reports.SalesAsync(new SalesQuery(SalesGrouping.Day), CancellationToken.None)).Rows;
        Assert.Equal([
            new SalesRow("2010-12-01", "EUR", 2, 3, 27.5002m, 7.5m),
            new SalesRow("2010-12-01", "GBP", 1, 3, 3.3m, 0m),
            new SalesRow("2010-12-02", "EUR", 1, 2, 100.0001m, 100m)], byDay);
        Assert.Equal([20.0002m, 3.3m, 0.0001m], byDay.Select(r => r.Net));

        Assert.Equal([new SalesRow("2010-12-01", "EUR", 2, 3, 27.5002m, 7.5m)],
            (await reports.SalesAsync(new SalesQuery(SalesGrouping.Day, new DateOnly(2010, 12, 1), new DateOnly(2010, 12, 2), "EUR"), CancellationToken.None)).Rows);
        Assert.Equal([new SalesRow("", "EUR", 1, 1, 7.5m, 7.5m), new SalesRow("DE", "EUR", 2, 4, 120.0003m, 100m), new SalesRow("GB", "GBP", 1, 3, 3.3m, 0m)],
            (await reports.SalesAsync(new SalesQuery(SalesGrouping.Country), CancellationToken.None)).Rows);
        Assert.Equal([new SalesRow("pos", "EUR", 1, 1, 7.5m, 7.5m), new SalesRow("web", "EUR", 2, 4, 120.0003m, 100m), new SalesRow("web", "GBP", 1, 3, 3.3m, 0m)],
            (await reports.SalesAsync(new SalesQuery(SalesGrouping.Channel), CancellationToken.None)).Rows);
        Assert.Equal([new SalesRow("bankTransfer", "GBP", 1, 3, 3.3m, 0m), new SalesRow("card", "EUR", 3, 5, 127.5003m, 107.5m)],
            (await reports.SalesAsync(new SalesQuery(SalesGrouping.PaymentMethod), CancellationToken.None)).Rows);
        Assert.Equal([new SalesRow("a", "EUR", 3, 4, 127.5002m, 107.5m), new SalesRow("a", "GBP", 1, 3, 3.3m, 0m), new SalesRow("b", "EUR", 1, 1, 0.0001m, 0m)],
            (await reports.SalesAsync(new SalesQuery(SalesGrouping.Sku), CancellationToken.None)).Rows);
        Assert.Equal([new SalesRow("c-1", "EUR", 3, 5, 127.5003m, 107.5m), new SalesRow("c-1", "GBP", 1, 3, 3.3m, 0m)],
            (await reports.SalesAsync(new SalesQuery(SalesGrouping.Customer), CancellationToken.None)).Rows);
        // Over a date range, by customer reads the paid orders themselves.
        Assert.Equal([new SalesRow("c-1", "EUR", 1, 2, 100.0001m, 100m)],
            (await reports.SalesAsync(new SalesQuery(SalesGrouping.Customer, new DateOnly(2010, 12, 2)), CancellationToken.None)).Rows);
        Assert.Equal([new SalesRow("c-1", "EUR", 2, 3, 27.5002m, 7.5m), new SalesRow("c-1", "GBP", 1, 3, 3.3m, 0m)],
            (await reports.SalesAsync(new SalesQuery(SalesGrouping.Customer, To: new DateOnly(2010, 12, 2)), CancellationToken.None)).Rows);
    }

    [Fact]
    public async Task Weeks_are_iso_weeks_and_months_calendar_months_across_a_new_year()
    {
        var (database, connection) = await EmptyAsync();
        await using var _ = connection;
        var days = new[] { new DateTimeOffset(2010, 12, 1, 12, 0, 0, TimeSpan.Zero), new(2010, 12, 5, 12, 0, 0, TimeSpan.Zero),
            new(2010, 12, 6, 12, 0, 0, TimeSpan.Zero), new(2011, 1, 2, 12, 0, 0, TimeSpan.Zero), new(2011, 1, 3, 12, 0, 0, TimeSpan.Zero) };
        await ReadRows.AddOrdersAsync(connection, days.Select((d, i) => new SeedOrder($"o-{i:000000}", d, [new SeedLine("a", 1, 1m)])));
        var reports = new ReportStore(database);

        var weeks = (await reports.SalesAsync(new SalesQuery(SalesGrouping.Week), CancellationToken.None)).Rows;
        Assert.Equal([("2010-W48", 2L), ("2010-W49", 1L), ("2010-W52", 1L), ("2011-W01", 1L)], weeks.Select(r => (r.Key, r.Orders)));
        var months = (await reports.SalesAsync(new SalesQuery(SalesGrouping.Month), CancellationToken.None)).Rows;
        Assert.Equal([("2010-12", 3L), ("2011-01", 2L)], months.Select(r => (r.Key, r.Orders)));
    }

    [Fact]
    public async Task Sales_pages_by_key_keep_each_key_s_currencies_together()
    {
        var (database, connection) = await EmptyAsync();
        await using var _ = connection;
        await ReadRows.AddOrdersAsync(connection, Enumerable.Range(0, 10).Select(i =>
            new SeedOrder($"o-{i:000000}", T0, [new SeedLine($"s{i % 5}", 1, 1m)], Currency: i % 2 == 0 ? "EUR" : "GBP")));
        var reports = new ReportStore(database);

        var pages = new List<SalesPage>();
        string? after = null;
        do
        {
            var page = await reports.SalesAsync(new SalesQuery(SalesGrouping.Sku, Limit: 2, After: after), CancellationToken.None);
            pages.Add(page);
            after = page.NextAfter;
        } while (after is not null);

        Assert.Equal([["s0", "s0", "s1", "s1"], ["s2", "s2", "s3", "s3"], ["s4", "s4"]], pages.Select(p => p.Rows.Select(r => r.Key).ToArray()));
        Assert.Equal(10, pages.Sum(p => p.Rows.Sum(r => r.Orders)));
    }

    [Fact]
    public async Task Inventory_gives_units_per_day_over_the_window_and_days_of_cover_null_without_sales()
    {
        var (database, connection) = await EmptyAsync();
        await using var _ = connection;
        var today = new DateOnly(2011, 1, 28);
        var t = ReadAmounts.DayOf(today);
        await ReadRows.AddStockAsync(connection, "a", onHand: 100, reserved: 4, sold: 40, daily: [(t, 10), (t - 27, 18), (t - 28, 1000), (t + 1, 500)]);
        await ReadRows.AddStockAsync(connection, "b", onHand: 5, reserved: 0, sold: 0, daily: []);
        await ReadRows.AddStockAsync(connection, "c", onHand: 7, reserved: 0, sold: 7, daily: [(t - 1, 7)]);
        var reports = new ReportStore(database);

        var report = await reports.InventoryAsync(new InventoryQuery(today), CancellationToken.None);

        Assert.Equal(new DateOnly(2011, 1, 1), report.WindowFrom);
        Assert.Equal([
            new InventoryRow("a", 100, 4, 40, 56, 28, 1m, 56m),
            new InventoryRow("b", 5, 0, 0, 5, 0, 0m, null),
            new InventoryRow("c", 7, 0, 7, 0, 7, 0.25m, 0m)], report.Rows);
        var paged = await reports.InventoryAsync(new InventoryQuery(today, Days: 7, Limit: 2), CancellationToken.None);
        Assert.Equal(["a", "b"], paged.Rows.Select(r => r.Sku));
        Assert.Equal("b", paged.NextAfter);
        Assert.Equal(new InventoryRow("a", 100, 4, 40, 56, 10, 1.4286m, 39.2m), paged.Rows[0]);
        var rest = await reports.InventoryAsync(new InventoryQuery(today, Days: 7, Limit: 2, After: "b"), CancellationToken.None);
        Assert.Equal(["c"], rest.Rows.Select(r => r.Sku));
        Assert.Null(rest.NextAfter);
    }

    [Fact]
    public async Task Customers_report_lists_the_busiest_customers_per_currency_and_the_repeat_rate_of_all()
    {
        var (database, connection) = await EmptyAsync();
        await using var _ = connection;
        await ReadRows.AddOrdersAsync(connection, [
            new SeedOrder("o-000001", T0, [new SeedLine("a", 1, 10m)], CustomerId: "ann"),
            new SeedOrder("o-000002", T0.AddDays(3), [new SeedLine("a", 1, 5m)], CustomerId: "ann", Currency: "GBP", Refunded: 1m),
            new SeedOrder("o-000003", T0.AddDays(1), [new SeedLine("a", 2, 10m)], CustomerId: "bob"),
            new SeedOrder("o-000004", T0.AddDays(2), [new SeedLine("a", 1, 10m)], CustomerId: "bob"),
            new SeedOrder("o-000005", T0.AddDays(2), [new SeedLine("a", 1, 10m)], CustomerId: "bob"),
            new SeedOrder("o-000006", T0, [new SeedLine("a", 1, 10m)], CustomerId: "cat"),
            new SeedOrder("o-000007", T0, [new SeedLine("a", 1, 10m)], CustomerId: "dan", Paid: false),
        ]);
        var reports = new ReportStore(database);

        var all = await reports.CustomersAsync(new CustomersQuery(), CancellationToken.None);
        Assert.Equal((3L, 2L, 0.6667m), (all.Customers, all.RepeatCustomers, all.RepeatRate));
        Assert.Equal([
            new CustomerRow("bob", "EUR", 3, 4, 40m, 0m, T0.AddDays(1), T0.AddDays(2)),
            new CustomerRow("ann", "EUR", 1, 1, 10m, 0m, T0, T0),
            new CustomerRow("ann", "GBP", 1, 1, 5m, 1m, T0.AddDays(3), T0.AddDays(3)),
            new CustomerRow("cat", "EUR", 1, 1, 10m, 0m, T0, T0)], all.Rows);
        var top = await reports.CustomersAsync(new CustomersQuery(Limit: 1), CancellationToken.None);
        Assert.Equal(["bob"], top.Rows.Select(r => r.CustomerId));
        var eur = await reports.CustomersAsync(new CustomersQuery(Currency: "EUR"), CancellationToken.None);
        Assert.Equal((3L, 1L), (eur.Customers, eur.RepeatCustomers)); // in euros alone, ann ordered once
    }
}

public sealed class SqliteReadQueriesTests : ReadQueriesCases, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    protected override Task<JournalDatabase> CreateDatabaseAsync() =>
        Task.FromResult(JournalDatabase.From(new PersistenceOptions { SqlitePath = _dir.File(Guid.NewGuid().ToString("N") + ".db") }));
}

public sealed class PostgresReadQueriesTests(PostgresFixture postgres) : ReadQueriesCases, IClassFixture<PostgresFixture>
{
    protected override async Task<JournalDatabase> CreateDatabaseAsync() => JournalDatabase.From(new PersistenceOptions
    {
        Provider = PersistenceProvider.PostgreSql,
        ConnectionString = await postgres.Server.CreateDatabaseAsync("reads_" + Guid.NewGuid().ToString("N")[..12]),
    });
}
