namespace OrderEngine.Testing;

/// <summary>
/// The read tables of the issue 11 contract, for tests of the queries over them (search, reports) that fill them by
/// hand. The same statements run on SQLite and PostgreSQL; IF NOT EXISTS, so they are harmless where the engine's own
/// schema (deploy/sql) already made the tables.
/// </summary>
public static class ReadTables
{
    public const string Ddl = """
        CREATE TABLE IF NOT EXISTS read_orders (
          order_id VARCHAR(64) NOT NULL PRIMARY KEY, channel VARCHAR(32) NOT NULL, external_id VARCHAR(128) NULL,
          customer_id VARCHAR(128) NOT NULL, country VARCHAR(8) NULL, currency VARCHAR(3) NOT NULL, status VARCHAR(24) NOT NULL,
          total_e4 BIGINT NOT NULL, refunded_e4 BIGINT NOT NULL, units INTEGER NOT NULL, payment_method VARCHAR(24) NOT NULL,
          placed_at BIGINT NOT NULL, received_at BIGINT NOT NULL, paid_at BIGINT NULL, shipped_at BIGINT NULL,
          delivered_at BIGINT NULL, updated_at BIGINT NOT NULL, base_status VARCHAR(24) NOT NULL, payment_ref VARCHAR(300) NULL,
          shipping_held INTEGER NOT NULL, open_shipments INTEGER NOT NULL, delivered_shipments INTEGER NOT NULL,
          delivery_fulfilment VARCHAR(16) NULL);
        CREATE INDEX IF NOT EXISTS ix_read_orders_placed ON read_orders (placed_at, order_id);
        CREATE INDEX IF NOT EXISTS ix_read_orders_status ON read_orders (status, placed_at, order_id);
        CREATE INDEX IF NOT EXISTS ix_read_orders_channel ON read_orders (channel, placed_at, order_id);
        CREATE INDEX IF NOT EXISTS ix_read_orders_customer ON read_orders (customer_id, placed_at, order_id);
        CREATE TABLE IF NOT EXISTS read_order_lines (
          order_id VARCHAR(64) NOT NULL, line_no INTEGER NOT NULL, sku VARCHAR(64) NOT NULL, quantity INTEGER NOT NULL,
          unit_price_e4 BIGINT NOT NULL, line_total_e4 BIGINT NOT NULL, refunded_units INTEGER NOT NULL, placed_at BIGINT NOT NULL,
          shipped_units INTEGER NOT NULL, PRIMARY KEY (order_id, line_no));
        CREATE INDEX IF NOT EXISTS ix_read_order_lines_sku ON read_order_lines (sku, placed_at, order_id);
        CREATE TABLE IF NOT EXISTS read_refunds (
          refund_id VARCHAR(64) NOT NULL, order_id VARCHAR(64) NOT NULL, amount_e4 BIGINT NOT NULL, status VARCHAR(16) NOT NULL,
          requested_at BIGINT NOT NULL, settled_at BIGINT NULL, PRIMARY KEY (order_id, refund_id));
        CREATE TABLE IF NOT EXISTS sales_daily (
          day INTEGER NOT NULL, channel VARCHAR(32) NOT NULL, country VARCHAR(8) NOT NULL, currency VARCHAR(3) NOT NULL,
          payment_method VARCHAR(24) NOT NULL, orders INTEGER NOT NULL, units INTEGER NOT NULL, revenue_e4 BIGINT NOT NULL,
          refunded_e4 BIGINT NOT NULL, PRIMARY KEY (day, channel, country, currency, payment_method));
        CREATE TABLE IF NOT EXISTS sales_by_sku (
          day INTEGER NOT NULL, sku VARCHAR(64) NOT NULL, currency VARCHAR(3) NOT NULL, orders INTEGER NOT NULL, units INTEGER NOT NULL,
          revenue_e4 BIGINT NOT NULL, refunded_units INTEGER NOT NULL, refunded_e4 BIGINT NOT NULL, PRIMARY KEY (day, sku, currency));
        CREATE TABLE IF NOT EXISTS sales_by_customer (
          customer_id VARCHAR(128) NOT NULL, currency VARCHAR(3) NOT NULL, orders INTEGER NOT NULL, units INTEGER NOT NULL,
          revenue_e4 BIGINT NOT NULL, refunded_e4 BIGINT NOT NULL, first_order_at BIGINT NOT NULL, last_order_at BIGINT NOT NULL,
          PRIMARY KEY (customer_id, currency));
        CREATE TABLE IF NOT EXISTS stock_levels (
          sku VARCHAR(64) NOT NULL PRIMARY KEY, on_hand BIGINT NOT NULL, reserved BIGINT NOT NULL, sold BIGINT NOT NULL,
          available BIGINT NOT NULL, updated_at BIGINT NOT NULL);
        CREATE TABLE IF NOT EXISTS stock_daily (
          sku VARCHAR(64) NOT NULL, day INTEGER NOT NULL, units_sold INTEGER NOT NULL, PRIMARY KEY (sku, day));
        """;
}
