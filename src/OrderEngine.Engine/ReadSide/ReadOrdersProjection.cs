using System.Data.Common;
using System.Text.Json;
using Akka.Persistence.Query;
using OrderEngine.Domain.Orders;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Projections;

namespace OrderEngine.Engine.ReadSide;

/// <summary>
/// The "read-orders" projection: read_orders, read_order_lines, read_refunds and the sales tables (sales_daily,
/// sales_by_sku, sales_by_customer), from the order events. Per batch: load the rows of the orders it touches (one
/// query per 500 orders), fold the batch in memory (<see cref="ReadOrdersFold"/>), then write the final rows and the
/// summed sales increments with the offset, in one transaction. The increments are safe because the runner never hands
/// a projection an event at or below its committed offset and rows, increments and offset commit together.
/// </summary>
public sealed class ReadOrdersProjection(JournalDatabase database) : IProjection
{
    public const string ProjectionName = "read-orders";

    /// <summary>The tables this projection owns (emptied by a rebuild).</summary>
    public static readonly string[] Tables = ["read_orders", "read_order_lines", "read_refunds", "sales_daily", "sales_by_sku", "sales_by_customer"];

    public string Name => ProjectionName;

    public bool Rebuildable => true;

    public Task<long> LoadOffsetAsync(CancellationToken ct) => ProjectionOffsets.LoadAsync(database, ProjectionName, ct);

    public Task ResetAsync(CancellationToken ct) => ProjectionOffsets.ResetAsync(database, ProjectionName, Tables, ct);

    public Task ApplyAsync(IReadOnlyList<EventEnvelope> batch, CancellationToken ct) =>
        ReadTables.ApplyFoldAsync<IOrderEvent, ReadOrdersChanges>(database, ProjectionName, batch,
            async (connection, events, token) =>
            {
                var (toLoad, withRefunds) = ReadOrdersFold.OrdersToLoad(events);
                var known = await LoadAsync(connection, null, toLoad, withRefunds, token);
                return ReadOrdersFold.Fold(known, events);
            },
            WriteAsync, ct);

    private const string OrderColumns = """
        order_id, channel, external_id, customer_id, country, currency, status, total_e4, refunded_e4, units, payment_method,
        placed_at, received_at, paid_at, shipped_at, delivered_at, updated_at, base_status, payment_ref, shipping_held,
        open_shipments, delivered_shipments, delivery_fulfilment
        """;

    private static async Task<Dictionary<string, ReadOrderRow>> LoadAsync(DbConnection connection, DbTransaction? tx,
        HashSet<string> ids, HashSet<string> withRefunds, CancellationToken ct)
    {
        var rows = new Dictionary<string, ReadOrderRow>(StringComparer.Ordinal);
        if (ids.Count == 0) return rows;
        await ReadTables.ReadWhereInAsync(connection, tx, $"SELECT {OrderColumns} FROM read_orders", "order_id", ids, r =>
        {
            var row = new ReadOrderRow
            {
                OrderId = r.GetString(0),
                Channel = r.GetString(1),
                ExternalId = ReadTables.NullableString(r, 2),
                CustomerId = r.GetString(3),
                Country = ReadTables.NullableString(r, 4),
                Currency = r.GetString(5),
                Status = r.GetString(6),
                TotalE4 = r.GetInt64(7),
                RefundedE4 = r.GetInt64(8),
                Units = r.GetInt32(9),
                PaymentMethod = r.GetString(10),
                PlacedAt = r.GetInt64(11),
                ReceivedAt = r.GetInt64(12),
                PaidAt = ReadTables.NullableLong(r, 13),
                ShippedAt = ReadTables.NullableLong(r, 14),
                DeliveredAt = ReadTables.NullableLong(r, 15),
                UpdatedAt = r.GetInt64(16),
                BaseStatus = Enum.Parse<OrderStatus>(r.GetString(17), ignoreCase: true),
                PaymentRef = ReadTables.NullableString(r, 18),
                ShippingHeld = r.GetInt32(19) != 0,
                OpenShipments = r.GetInt32(20),
                DeliveredShipments = r.GetInt32(21),
                DeliveryFulfilment = ReadTables.NullableString(r, 22),
            };
            rows[row.OrderId] = row;
        }, ct);
        if (rows.Count == 0) return rows;
        await ReadTables.ReadWhereInAsync(connection, tx,
            "SELECT order_id, line_no, sku, quantity, unit_price_e4, line_total_e4, refunded_units, shipped_units FROM read_order_lines",
            "order_id", rows.Keys, r => rows[r.GetString(0)].Lines.Add(new ReadOrderLineRow
            {
                LineNo = r.GetInt32(1),
                Sku = r.GetString(2),
                Quantity = r.GetInt32(3),
                UnitPriceE4 = r.GetInt64(4),
                LineTotalE4 = r.GetInt64(5),
                RefundedUnits = r.GetInt32(6),
                ShippedUnits = r.GetInt32(7),
            }), ct);
        foreach (var row in rows.Values) row.Lines.Sort((a, b) => a.LineNo.CompareTo(b.LineNo));
        var refundOrders = withRefunds.Where(rows.ContainsKey).ToList();
        if (refundOrders.Count > 0)
            await ReadTables.ReadWhereInAsync(connection, tx,
                "SELECT order_id, refund_id, amount_e4, status, requested_at, settled_at, of_payment, lines FROM read_refunds",
                "order_id", refundOrders, r =>
                {
                    var refund = new ReadRefundRow
                    {
                        OrderId = r.GetString(0),
                        RefundId = r.GetString(1),
                        AmountE4 = r.GetInt64(2),
                        Status = r.GetString(3),
                        RequestedAt = r.GetInt64(4),
                        SettledAt = ReadTables.NullableLong(r, 5),
                        OfPayment = r.GetInt32(6) != 0,
                        Lines = JsonSerializer.Deserialize<List<RefundLineJson>>(r.GetString(7))!.Select(l => new RefundLine(l.Sku, l.Quantity)).ToList(),
                    };
                    rows[refund.OrderId].Refunds[refund.RefundId] = refund;
                }, ct);
        return rows;
    }

    private sealed record RefundLineJson(string Sku, int Quantity);

    private static async Task WriteAsync(DbConnection connection, DbTransaction tx, ReadOrdersChanges changes, CancellationToken ct)
    {
        var orders = new RowSet("read_orders",
            ("order_id", ColumnKind.Text), ("channel", ColumnKind.Text), ("external_id", ColumnKind.Text), ("customer_id", ColumnKind.Text),
            ("country", ColumnKind.Text), ("currency", ColumnKind.Text), ("status", ColumnKind.Text), ("total_e4", ColumnKind.Long),
            ("refunded_e4", ColumnKind.Long), ("units", ColumnKind.Int), ("payment_method", ColumnKind.Text), ("placed_at", ColumnKind.Long),
            ("received_at", ColumnKind.Long), ("paid_at", ColumnKind.NullableLong), ("shipped_at", ColumnKind.NullableLong),
            ("delivered_at", ColumnKind.NullableLong), ("updated_at", ColumnKind.Long), ("base_status", ColumnKind.Text),
            ("payment_ref", ColumnKind.Text), ("shipping_held", ColumnKind.Int), ("open_shipments", ColumnKind.Int),
            ("delivered_shipments", ColumnKind.Int), ("delivery_fulfilment", ColumnKind.Text));
        var lines = new RowSet("read_order_lines",
            ("order_id", ColumnKind.Text), ("line_no", ColumnKind.Int), ("sku", ColumnKind.Text), ("quantity", ColumnKind.Int),
            ("unit_price_e4", ColumnKind.Long), ("line_total_e4", ColumnKind.Long), ("refunded_units", ColumnKind.Int),
            ("placed_at", ColumnKind.Long), ("shipped_units", ColumnKind.Int));
        foreach (var o in changes.Orders.Values)
        {
            orders.Add(o.OrderId, o.Channel, o.ExternalId, o.CustomerId, o.Country, o.Currency, o.Status, o.TotalE4, o.RefundedE4, o.Units,
                o.PaymentMethod, o.PlacedAt, o.ReceivedAt, o.PaidAt, o.ShippedAt, o.DeliveredAt, o.UpdatedAt, o.BaseStatus.ToString(),
                o.PaymentRef, o.ShippingHeld ? 1 : 0, o.OpenShipments, o.DeliveredShipments, o.DeliveryFulfilment);
            // Lines change only when placed, refunded or shipped; the placement-only case (the flash sale's) writes them once.
            foreach (var l in o.Lines)
                lines.Add(o.OrderId, l.LineNo, l.Sku, l.Quantity, l.UnitPriceE4, l.LineTotalE4, l.RefundedUnits, o.PlacedAt, l.ShippedUnits);
        }
        var refunds = new RowSet("read_refunds",
            ("order_id", ColumnKind.Text), ("refund_id", ColumnKind.Text), ("amount_e4", ColumnKind.Long), ("status", ColumnKind.Text),
            ("requested_at", ColumnKind.Long), ("settled_at", ColumnKind.NullableLong), ("of_payment", ColumnKind.Int), ("lines", ColumnKind.Text));
        foreach (var r in changes.Refunds.Values)
            refunds.Add(r.OrderId, r.RefundId, r.AmountE4, r.Status, r.RequestedAt, r.SettledAt, r.OfPayment ? 1 : 0,
                JsonSerializer.Serialize(r.Lines.Select(l => new RefundLineJson(l.Sku, l.Quantity))));
        var daily = new RowSet("sales_daily",
            ("day", ColumnKind.Int), ("channel", ColumnKind.Text), ("country", ColumnKind.Text), ("currency", ColumnKind.Text),
            ("payment_method", ColumnKind.Text), ("orders", ColumnKind.Int), ("units", ColumnKind.Int), ("revenue_e4", ColumnKind.Long),
            ("refunded_e4", ColumnKind.Long));
        foreach (var (k, d) in changes.Daily)
            daily.Add(k.Day, k.Channel, k.Country, k.Currency, k.PaymentMethod, d.Orders, d.Units, d.RevenueE4, d.RefundedE4);
        var bySku = new RowSet("sales_by_sku",
            ("day", ColumnKind.Int), ("sku", ColumnKind.Text), ("currency", ColumnKind.Text), ("orders", ColumnKind.Int),
            ("units", ColumnKind.Int), ("revenue_e4", ColumnKind.Long), ("refunded_units", ColumnKind.Int), ("refunded_e4", ColumnKind.Long));
        foreach (var (k, d) in changes.BySku)
            bySku.Add(k.Day, k.Sku, k.Currency, d.Orders, d.Units, d.RevenueE4, d.RefundedUnits, d.RefundedE4);
        var byCustomer = new RowSet("sales_by_customer",
            ("customer_id", ColumnKind.Text), ("currency", ColumnKind.Text), ("orders", ColumnKind.Int), ("units", ColumnKind.Int),
            ("revenue_e4", ColumnKind.Long), ("refunded_e4", ColumnKind.Long), ("first_order_at", ColumnKind.NullableLong),
            ("last_order_at", ColumnKind.NullableLong));
        foreach (var (k, d) in changes.ByCustomer)
            byCustomer.Add(k.CustomerId, k.Currency, d.Orders, d.Units, d.RevenueE4, d.RefundedE4, d.FirstOrderAt, d.LastOrderAt);

        await ReadTables.UpsertAsync(connection, tx, ProviderOf(connection), [
            (orders, """
                ON CONFLICT (order_id) DO UPDATE SET status = excluded.status, refunded_e4 = excluded.refunded_e4, paid_at = excluded.paid_at,
                shipped_at = excluded.shipped_at, delivered_at = excluded.delivered_at, updated_at = excluded.updated_at,
                base_status = excluded.base_status, payment_ref = excluded.payment_ref, shipping_held = excluded.shipping_held,
                open_shipments = excluded.open_shipments, delivered_shipments = excluded.delivered_shipments,
                delivery_fulfilment = excluded.delivery_fulfilment
                """),
            (lines, "ON CONFLICT (order_id, line_no) DO UPDATE SET refunded_units = excluded.refunded_units, shipped_units = excluded.shipped_units"),
            (refunds, "ON CONFLICT (order_id, refund_id) DO UPDATE SET status = excluded.status, settled_at = excluded.settled_at"),
            (daily, """
                ON CONFLICT (day, channel, country, currency, payment_method) DO UPDATE SET orders = sales_daily.orders + excluded.orders,
                units = sales_daily.units + excluded.units, revenue_e4 = sales_daily.revenue_e4 + excluded.revenue_e4,
                refunded_e4 = sales_daily.refunded_e4 + excluded.refunded_e4
                """),
            (bySku, """
                ON CONFLICT (day, sku, currency) DO UPDATE SET orders = sales_by_sku.orders + excluded.orders,
                units = sales_by_sku.units + excluded.units, revenue_e4 = sales_by_sku.revenue_e4 + excluded.revenue_e4,
                refunded_units = sales_by_sku.refunded_units + excluded.refunded_units, refunded_e4 = sales_by_sku.refunded_e4 + excluded.refunded_e4
                """),
            (byCustomer, """
                ON CONFLICT (customer_id, currency) DO UPDATE SET orders = sales_by_customer.orders + excluded.orders,
                units = sales_by_customer.units + excluded.units, revenue_e4 = sales_by_customer.revenue_e4 + excluded.revenue_e4,
                refunded_e4 = sales_by_customer.refunded_e4 + excluded.refunded_e4,
                first_order_at = CASE WHEN excluded.first_order_at IS NOT NULL AND (sales_by_customer.first_order_at IS NULL
                    OR excluded.first_order_at < sales_by_customer.first_order_at) THEN excluded.first_order_at ELSE sales_by_customer.first_order_at END,
                last_order_at = CASE WHEN excluded.last_order_at IS NOT NULL AND (sales_by_customer.last_order_at IS NULL
                    OR excluded.last_order_at > sales_by_customer.last_order_at) THEN excluded.last_order_at ELSE sales_by_customer.last_order_at END
                """),
        ], ct);
    }

    internal static PersistenceProvider ProviderOf(DbConnection connection) =>
        connection is Npgsql.NpgsqlConnection ? PersistenceProvider.PostgreSql : PersistenceProvider.Sqlite;
}
