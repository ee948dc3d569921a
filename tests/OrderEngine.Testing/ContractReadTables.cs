using System.Data.Common;

namespace OrderEngine.Testing;

/// <summary>
/// The read tables of the read-side contract that the alerts and replenishment queries read (sales_by_sku,
/// stock_levels, stock_daily), created as the contract gives them, for tests on a branch where the projections that
/// own them are not built yet. IF NOT EXISTS: where deploy/sql already made them, this changes nothing.
/// </summary>
public static class ContractReadTables
{
    public const string Ddl = """
        CREATE TABLE IF NOT EXISTS sales_by_sku (
            day INTEGER NOT NULL, sku VARCHAR(64) NOT NULL, currency VARCHAR(3) NOT NULL,
            orders INTEGER NOT NULL, units INTEGER NOT NULL, revenue_e4 BIGINT NOT NULL, refunded_units INTEGER NOT NULL, refunded_e4 BIGINT NOT NULL,
            PRIMARY KEY (day, sku, currency));
        CREATE TABLE IF NOT EXISTS stock_levels (
            sku VARCHAR(64) PRIMARY KEY, on_hand BIGINT NOT NULL, reserved BIGINT NOT NULL, sold BIGINT NOT NULL, available BIGINT NOT NULL, updated_at BIGINT NOT NULL);
        CREATE TABLE IF NOT EXISTS stock_daily (
            sku VARCHAR(64) NOT NULL, day INTEGER NOT NULL, units_sold INTEGER NOT NULL, PRIMARY KEY (sku, day));
        """;

    public static async Task CreateAsync(DbConnection connection)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Ddl;
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Adds (or replaces) one day's sales of a SKU in one currency.</summary>
    public static Task SaleAsync(DbConnection connection, int day, string sku, string currency, int units, int refundedUnits = 0) =>
        ExecuteAsync(connection, $"""
            INSERT INTO sales_by_sku (day, sku, currency, orders, units, revenue_e4, refunded_units, refunded_e4)
            VALUES ({day}, '{sku}', '{currency}', 1, {units}, {units * 10_000L}, {refundedUnits}, {refundedUnits * 10_000L})
            ON CONFLICT (day, sku, currency) DO UPDATE SET units = excluded.units, refunded_units = excluded.refunded_units
            """);

    /// <summary>Sets a SKU's row in stock_levels (the figures its stock entity would answer).</summary>
    public static Task LevelAsync(DbConnection connection, string sku, long onHand, long reserved, long sold) =>
        ExecuteAsync(connection, $"""
            INSERT INTO stock_levels (sku, on_hand, reserved, sold, available, updated_at)
            VALUES ('{sku}', {onHand}, {reserved}, {sold}, {onHand - reserved - sold}, 0)
            ON CONFLICT (sku) DO UPDATE SET on_hand = excluded.on_hand, reserved = excluded.reserved, sold = excluded.sold, available = excluded.available
            """);

    private static async Task ExecuteAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
