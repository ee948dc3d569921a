using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using OrderEngine.LoadTests.Cli;
using OrderEngine.LoadTests.Core;

namespace OrderEngine.LoadTests.ReadSide;

/// <summary>
/// read-fill: writes N synthetic orders straight into the read tables of a fresh SQLite file (read_orders,
/// read_order_lines, sales_daily, sales_by_sku, sales_by_customer, stock_levels, stock_daily, with the issue 11
/// contract's columns and semantics), so the search and the reports can be timed over a million orders without
/// placing a million orders first. Spreads: the 365 days before today with a weekly rhythm, four channels, 20
/// countries (Zipf) each with its currency, 4,000 SKUs (Zipf), 100,000 customers (Zipf, so some order often),
/// 1-4 lines, realistic statuses (about 80% paid), 4% of paid orders partly or fully refunded.
/// </summary>
public static class ReadSideFill
{
    private static readonly string[] Channels = ["web", "shopify", "amazon", "pos"];
    private static readonly double[] ChannelShare = [0.5, 0.25, 0.15, 0.10];
    private static readonly (string Country, string Currency)[] Countries =
    [
        ("GB", "GBP"), ("DE", "EUR"), ("FR", "EUR"), ("US", "USD"), ("NL", "EUR"), ("ES", "EUR"), ("IT", "EUR"), ("IE", "EUR"),
        ("BE", "EUR"), ("CH", "CHF"), ("AU", "AUD"), ("PT", "EUR"), ("JP", "JPY"), ("NO", "NOK"), ("SE", "SEK"), ("DK", "DKK"),
        ("FI", "EUR"), ("AT", "EUR"), ("PL", "PLN"), ("CA", "CAD"),
    ];
    private static readonly (string Status, double Share, bool Paid)[] StatusMix =
    [
        ("delivered", 0.55, true), ("shipped", 0.12, true), ("paid", 0.10, true), ("refunded", 0.03, true), ("cancelled", 0.08, false),
        ("expired", 0.05, false), ("reserved", 0.04, false), ("rejected", 0.02, false), ("onHold", 0.01, false),
    ];
    private static readonly string[] Methods = ["card", "card", "card", "bankTransfer", "giftCard", "cashOnDelivery"];

    /// <summary>
    /// The engine's own SQLite schema (deploy/sql/sqlite.sql, embedded), so the filled file has exactly the tables and
    /// indexes the engine makes. The read tables' indexes are dropped while the rows go in and made again after.
    /// </summary>
    private static string Schema()
    {
        using var stream = typeof(ReadSideFill).Assembly.GetManifestResourceStream("OrderEngine.Schema.sqlite.sql")
            ?? throw new InvalidOperationException("the embedded deploy/sql/sqlite.sql is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static readonly string[] FilledTables =
        ["read_orders", "read_order_lines", "sales_daily", "sales_by_sku", "sales_by_customer", "stock_levels", "stock_daily"];

    public static async Task<int> RunAsync(Args options, CancellationToken ct)
    {
        var path = options.Raw("db") ?? throw new UsageException("read-fill needs --db <file.db> (a new file)");
        var count = options.Int("orders", 1_000_000, 1, 50_000_000);
        var seed = options.Int("seed", 42);
        options.RejectUnknown();
        if (File.Exists(path)) throw new UsageException($"{path} exists; read-fill writes a fresh file");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var clock = Stopwatch.StartNew();
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path }.ConnectionString);
        await connection.OpenAsync(ct);
        await Exec(connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;" + Schema());
        await DropIndexesAsync(connection, ct);

        var random = new Random(seed);
        var countries = new ZipfSampler(Countries.Length, 1.2);
        var skus = new ZipfSampler(4000, 0.9);
        var customers = new ZipfSampler(100_000, 0.8);
        // A customer lives in one country (and pays in its currency); which country follows the countries' Zipf spread.
        var homeOf = Enumerable.Range(0, 100_000).Select(_ => countries.Next(random)).ToArray();
        var prices = Enumerable.Range(0, 4000).Select(i => (long)(new Random(seed + i).Next(50, 20_000)) * 100).ToArray(); // 0.50-200.00
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var start = now - 365L * 86_400_000;
        var daily = new Dictionary<(int, string, string, string, string), long[]>();
        var bySku = new Dictionary<(int, int, string), long[]>();
        var byCustomer = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var skuSold = new long[4000];
        var skuDaily = new Dictionary<(int, int), long>();

        await using (var tx = connection.BeginTransaction())
        {
            var order = Prepared(connection, tx, """
                INSERT INTO read_orders (order_id, channel, external_id, customer_id, country, currency, status, total_e4, refunded_e4,
                  units, payment_method, placed_at, received_at, paid_at, shipped_at, delivered_at, updated_at,
                  base_status, shipping_held, open_shipments, delivered_shipments)
                VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8, @p9, @p10, @p11, @p12, @p13, @p14, @p15, @p16, @p6, 0, 0, 0)
                """, 17);
            var line = Prepared(connection, tx, """
                INSERT INTO read_order_lines (order_id, line_no, sku, quantity, unit_price_e4, line_total_e4, refunded_units, placed_at, shipped_units)
                VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, 0)
                """, 8);
            var lineSkus = new List<(int Sku, int Qty, long Price, int Refunded)>(4);
            for (var i = 0; i < count; i++)
            {
                // Days: uniform over the year with weekends 40% busier (rejection sampling keeps it simple).
                long placed;
                do placed = start + (long)(random.NextDouble() * (now - start));
                while (DayOfWeek(placed) < 5 && random.NextDouble() > 1 / 1.4); // a weekday is kept 1 time in 1.4
                var channel = Channels[Pick(random, ChannelShare)];
                var who = customers.Next(random);
                var (country, currency) = Countries[homeOf[who]];
                var customer = "cust-" + who.ToString("00000", CultureInfo.InvariantCulture);
                var status = StatusMix[Pick(random, StatusMix.Select(s => s.Share).ToArray())];
                var method = Methods[random.Next(Methods.Length)];
                lineSkus.Clear();
                var lines = 1 + (int)Math.Min(3, -Math.Log(random.NextDouble()) * 0.8);
                for (var l = 0; l < lines; l++)
                {
                    var sku = skus.Next(random);
                    lineSkus.Add((sku, 1 + (random.Next(10) == 0 ? random.Next(2, 6) : 0), prices[sku], 0));
                }
                var refund = status.Status == "refunded" || (status.Paid && random.Next(100) == 0);
                if (refund)
                    for (var l = 0; l < lineSkus.Count; l++)
                        if (status.Status == "refunded" || l == 0) lineSkus[l] = lineSkus[l] with { Refunded = lineSkus[l].Qty };
                var total = lineSkus.Sum(x => x.Qty * x.Price);
                var refunded = lineSkus.Sum(x => x.Refunded * x.Price);
                var units = lineSkus.Sum(x => x.Qty);
                var id = "o-" + i.ToString("x8", CultureInfo.InvariantCulture) + "-" + random.Next(0x10000).ToString("x4", CultureInfo.InvariantCulture);
                long? paidAt = status.Paid ? placed + 60_000 : null;
                long? shippedAt = status.Status is "shipped" or "delivered" ? placed + 86_400_000 : null;
                long? deliveredAt = status.Status == "delivered" ? placed + 3 * 86_400_000L : null;
                Run(order, id, channel, channel == "pos" ? DBNull.Value : "ext-" + i.ToString(CultureInfo.InvariantCulture), customer, country,
                    currency, status.Status, total, refunded, units, method, placed, placed + 200, Db(paidAt), Db(shippedAt), Db(deliveredAt), placed);
                for (var l = 0; l < lineSkus.Count; l++)
                {
                    var x = lineSkus[l];
                    Run(line, id, l, SkuName(x.Sku), x.Qty, x.Price, x.Qty * x.Price, x.Refunded, placed);
                }
                if (!status.Paid) continue;
                var day = (int)(placed / 86_400_000);
                Add(daily, (day, channel, country, currency, method), 1, units, total, refunded);
                foreach (var g in lineSkus.GroupBy(x => x.Sku))
                {
                    Add(bySku, (day, g.Key, currency), 1, g.Sum(x => x.Qty), g.Sum(x => x.Qty * x.Price), g.Sum(x => x.Refunded), g.Sum(x => x.Refunded * x.Price));
                    var net = g.Sum(x => x.Qty - x.Refunded);
                    skuSold[g.Key] += net;
                    skuDaily[(g.Key, day)] = skuDaily.GetValueOrDefault((g.Key, day)) + net;
                }
                var key = customer + "|" + currency;
                if (byCustomer.TryGetValue(key, out var c))
                {
                    c[0]++; c[1] += units; c[2] += total; c[3] += refunded;
                    c[4] = Math.Min(c[4], placed);
                    c[5] = Math.Max(c[5], placed);
                }
                else byCustomer[key] = [1, units, total, refunded, placed, placed];
                if (i % 100_000 == 99_999) Console.Error.WriteLine($"  {i + 1:N0} orders, {clock.Elapsed.TotalSeconds:0} s");
            }

            var sd = Prepared(connection, tx, "INSERT INTO sales_daily VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8)", 9);
            foreach (var ((day, channel, country, currency, method), v) in daily) Run(sd, day, channel, country, currency, method, v[0], v[1], v[2], v[3]);
            var ss = Prepared(connection, tx, "INSERT INTO sales_by_sku VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7)", 8);
            foreach (var ((day, sku, currency), v) in bySku) Run(ss, day, SkuName(sku), currency, v[0], v[1], v[2], v[3], v[4]);
            var sc = Prepared(connection, tx, "INSERT INTO sales_by_customer VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7)", 8);
            foreach (var (key, v) in byCustomer)
            {
                var bar = key.IndexOf('|', StringComparison.Ordinal);
                Run(sc, key[..bar], key[(bar + 1)..], v[0], v[1], v[2], v[3], v[4], v[5]);
            }
            var sl = Prepared(connection, tx, "INSERT INTO stock_levels VALUES (@p0, @p1, @p2, @p3, @p4, @p5)", 6);
            for (var s = 0; s < 4000; s++)
            {
                var onHand = skuSold[s] + random.Next(0, 500);
                var reserved = Math.Min(onHand - skuSold[s], random.Next(0, 10));
                Run(sl, SkuName(s), onHand, reserved, skuSold[s], onHand - reserved - skuSold[s], now);
            }
            var sdl = Prepared(connection, tx, "INSERT INTO stock_daily VALUES (@p0, @p1, @p2)", 3);
            foreach (var ((sku, day), units) in skuDaily) Run(sdl, SkuName(sku), day, units);
            await tx.CommitAsync(ct);
        }
        Console.Error.WriteLine($"  rows written in {clock.Elapsed.TotalSeconds:0} s; indexing");
        await Exec(connection, Schema() + "ANALYZE;"); // IF NOT EXISTS: makes again only the dropped indexes
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"read-fill: {count:N0} orders into {path} in {clock.Elapsed.TotalSeconds:0.0} s (sales_daily {daily.Count:N0} rows, sales_by_sku {bySku.Count:N0}, sales_by_customer {byCustomer.Count:N0}, stock_daily {skuDaily.Count:N0})"));
        return 0;
    }

    private static async Task DropIndexesAsync(SqliteConnection connection, CancellationToken ct)
    {
        var names = new List<string>();
        await using (var query = connection.CreateCommand())
        {
            query.CommandText = $"SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({string.Join(", ", FilledTables.Select(t => $"'{t}'"))})";
            await using var reader = await query.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) names.Add(reader.GetString(0));
        }
        foreach (var name in names) await Exec(connection, $"DROP INDEX {name};");
    }

    private static string SkuName(int sku) => "SKU-" + sku.ToString("00000", CultureInfo.InvariantCulture);

    private static int DayOfWeek(long unixMs) => (int)((unixMs / 86_400_000 + 3) % 7); // 0 = Monday

    private static object Db(long? value) => value is { } v ? v : DBNull.Value;

    private static int Pick(Random random, double[] shares)
    {
        var r = random.NextDouble() * shares.Sum();
        for (var i = 0; i < shares.Length; i++)
            if ((r -= shares[i]) < 0) return i;
        return shares.Length - 1;
    }

    private static long[] Add<TKey>(Dictionary<TKey, long[]> sums, TKey key, params long[] values) where TKey : notnull
    {
        if (!sums.TryGetValue(key, out var acc))
        {
            sums[key] = acc = (long[])values.Clone();
            return acc;
        }
        for (var i = 0; i < values.Length; i++) acc[i] += values[i];
        return acc;
    }

    private static SqliteCommand Prepared(SqliteConnection connection, SqliteTransaction tx, string sql, int parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        for (var i = 0; i < parameters; i++) command.Parameters.Add(new SqliteParameter("@p" + i, null));
        command.Prepare();
        return command;
    }

    private static void Run(SqliteCommand command, params object[] values)
    {
        for (var i = 0; i < values.Length; i++) command.Parameters[i].Value = values[i];
        command.ExecuteNonQuery();
    }

    private static async Task Exec(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync();
    }
}
