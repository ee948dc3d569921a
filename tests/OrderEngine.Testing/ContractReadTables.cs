using System.Data.Common;

namespace OrderEngine.Testing;

/// <summary>
/// Rows by hand in the read tables that the alerts and replenishment queries read (sales_by_sku, stock_levels), as
/// their projections would write them. The tables are the engine's own (deploy/sql, made by JournalDatabase.Prepare).
/// </summary>
public static class ContractReadTables
{
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
