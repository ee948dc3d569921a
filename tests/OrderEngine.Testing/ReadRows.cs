using System.Data.Common;

namespace OrderEngine.Testing;

/// <summary>A line of an order written straight into the read tables.</summary>
public sealed record SeedLine(string Sku, int Quantity, decimal UnitPrice, int RefundedUnits = 0);

/// <summary>An order as the read-orders projection would have written it (only what the queries read).</summary>
public sealed record SeedOrder(
    string OrderId,
    DateTimeOffset PlacedAt,
    IReadOnlyList<SeedLine> Lines,
    string Channel = "web",
    string CustomerId = "c-1",
    string Currency = "EUR",
    string Status = "paid",
    string? Country = "DE",
    string PaymentMethod = "card",
    bool Paid = true,
    decimal Refunded = 0m,
    string? ExternalId = null)
{
    public decimal Total => Lines.Sum(l => l.Quantity * l.UnitPrice);
    public int Units => Lines.Sum(l => l.Quantity);
}

/// <summary>
/// Fills the read tables by hand with the contract's semantics (a paid order counts in the sales tables at its placed_at
/// day, its refunds netted in the same bucket), on SQLite or PostgreSQL, for tests of the queries that read them.
/// </summary>
public static class ReadRows
{
    public static long E4(decimal amount) => decimal.ToInt64(amount * 10_000m);

    public static int DayOf(DateTimeOffset at) => (int)Math.Floor(at.ToUnixTimeMilliseconds() / 86_400_000d);

    public static async Task AddOrdersAsync(DbConnection connection, IEnumerable<SeedOrder> orders)
    {
        await using var tx = await connection.BeginTransactionAsync();
        foreach (var o in orders) await AddOrderAsync(connection, tx, o);
        await tx.CommitAsync();
    }

    private static async Task AddOrderAsync(DbConnection connection, DbTransaction tx, SeedOrder o)
    {
        var placed = o.PlacedAt.ToUnixTimeMilliseconds();
        await ExecAsync(connection, tx, """
            INSERT INTO read_orders (order_id, channel, external_id, customer_id, country, currency, status, total_e4, refunded_e4, units,
              payment_method, placed_at, received_at, paid_at, shipped_at, delivered_at, updated_at,
              base_status, shipping_held, open_shipments, delivered_shipments)
            VALUES (@id, @channel, @ext, @customer, @country, @currency, @status, @total, @refunded, @units, @method, @placed, @placed, @paid, NULL, NULL, @placed,
              @status, 0, 0, 0)
            """,
            ("id", o.OrderId), ("channel", o.Channel), ("ext", (object?)o.ExternalId ?? DBNull.Value), ("customer", o.CustomerId),
            ("country", (object?)o.Country ?? DBNull.Value), ("currency", o.Currency), ("status", o.Status), ("total", E4(o.Total)),
            ("refunded", E4(o.Refunded)), ("units", o.Units), ("method", o.PaymentMethod), ("placed", placed),
            ("paid", o.Paid ? placed + 1000 : DBNull.Value));
        for (var i = 0; i < o.Lines.Count; i++)
        {
            var l = o.Lines[i];
            await ExecAsync(connection, tx, """
                INSERT INTO read_order_lines (order_id, line_no, sku, quantity, unit_price_e4, line_total_e4, refunded_units, placed_at, shipped_units)
                VALUES (@id, @no, @sku, @qty, @price, @total, @refunded, @placed, 0)
                """,
                ("id", o.OrderId), ("no", i), ("sku", l.Sku), ("qty", l.Quantity), ("price", E4(l.UnitPrice)), ("total", E4(l.Quantity * l.UnitPrice)),
                ("refunded", l.RefundedUnits), ("placed", placed));
        }
        if (!o.Paid) return;
        var day = DayOf(o.PlacedAt);
        await ExecAsync(connection, tx, """
            INSERT INTO sales_daily (day, channel, country, currency, payment_method, orders, units, revenue_e4, refunded_e4)
            VALUES (@day, @channel, @country, @currency, @method, 1, @units, @revenue, @refunded)
            ON CONFLICT (day, channel, country, currency, payment_method) DO UPDATE SET orders = sales_daily.orders + 1,
              units = sales_daily.units + excluded.units, revenue_e4 = sales_daily.revenue_e4 + excluded.revenue_e4,
              refunded_e4 = sales_daily.refunded_e4 + excluded.refunded_e4
            """,
            ("day", day), ("channel", o.Channel), ("country", o.Country ?? ""), ("currency", o.Currency), ("method", o.PaymentMethod),
            ("units", o.Units), ("revenue", E4(o.Total)), ("refunded", E4(o.Refunded)));
        // A refund's amount per SKU: the refunded units at their price (what the projection derives from the refund's lines).
        foreach (var g in o.Lines.GroupBy(l => l.Sku))
            await ExecAsync(connection, tx, """
                INSERT INTO sales_by_sku (day, sku, currency, orders, units, revenue_e4, refunded_units, refunded_e4)
                VALUES (@day, @sku, @currency, 1, @units, @revenue, @runits, @refunded)
                ON CONFLICT (day, sku, currency) DO UPDATE SET orders = sales_by_sku.orders + 1, units = sales_by_sku.units + excluded.units,
                  revenue_e4 = sales_by_sku.revenue_e4 + excluded.revenue_e4, refunded_units = sales_by_sku.refunded_units + excluded.refunded_units,
                  refunded_e4 = sales_by_sku.refunded_e4 + excluded.refunded_e4
                """,
                ("day", day), ("sku", g.Key), ("currency", o.Currency), ("units", g.Sum(l => l.Quantity)),
                ("revenue", E4(g.Sum(l => l.Quantity * l.UnitPrice))), ("runits", g.Sum(l => l.RefundedUnits)),
                ("refunded", E4(g.Sum(l => l.RefundedUnits * l.UnitPrice))));
        await ExecAsync(connection, tx, """
            INSERT INTO sales_by_customer (customer_id, currency, orders, units, revenue_e4, refunded_e4, first_order_at, last_order_at)
            VALUES (@customer, @currency, 1, @units, @revenue, @refunded, @placed, @placed)
            ON CONFLICT (customer_id, currency) DO UPDATE SET orders = sales_by_customer.orders + 1, units = sales_by_customer.units + excluded.units,
              revenue_e4 = sales_by_customer.revenue_e4 + excluded.revenue_e4, refunded_e4 = sales_by_customer.refunded_e4 + excluded.refunded_e4,
              first_order_at = CASE WHEN excluded.first_order_at < sales_by_customer.first_order_at THEN excluded.first_order_at ELSE sales_by_customer.first_order_at END,
              last_order_at = CASE WHEN excluded.last_order_at > sales_by_customer.last_order_at THEN excluded.last_order_at ELSE sales_by_customer.last_order_at END
            """,
            ("customer", o.CustomerId), ("currency", o.Currency), ("units", o.Units), ("revenue", E4(o.Total)), ("refunded", E4(o.Refunded)),
            ("placed", placed));
    }

    public static async Task AddStockAsync(DbConnection connection, string sku, long onHand, long reserved, long sold, IEnumerable<(int Day, int Units)> daily)
    {
        await ExecAsync(connection, null, """
            INSERT INTO stock_levels (sku, on_hand, reserved, sold, available, updated_at) VALUES (@sku, @onHand, @reserved, @sold, @available, 0)
            """, ("sku", sku), ("onHand", onHand), ("reserved", reserved), ("sold", sold), ("available", onHand - reserved - sold));
        foreach (var (day, units) in daily)
            await ExecAsync(connection, null, "INSERT INTO stock_daily (sku, day, units_sold) VALUES (@sku, @day, @units)",
                ("sku", sku), ("day", day), ("units", units));
    }

    public static async Task ExecAsync(DbConnection connection, DbTransaction? tx, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value;
            command.Parameters.Add(p);
        }
        await command.ExecuteNonQueryAsync();
    }
}
