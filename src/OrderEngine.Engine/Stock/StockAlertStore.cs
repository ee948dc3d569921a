using System.Data.Common;
using System.Globalization;
using Akka.Persistence.Query;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Projections;

namespace OrderEngine.Engine.Stock;

/// <summary>
/// One low-stock alert as listed: the figures when it was raised, the units available now (from stock_levels when the
/// read side has the SKU, else those when raised), and the units sold over the rate window (net of refunds).
/// </summary>
public sealed record StockAlertRow(
    string Sku,
    bool Open,
    long Available,
    long AvailableWhenRaised,
    long Threshold,
    DateTimeOffset RaisedAt,
    DateTimeOffset? ClearedAt,
    long UnitsSold);

/// <summary>What the replenishment report needs of one SKU: its available units (null: not stocked), its own settings and its sales.</summary>
public sealed record ReplenishmentRow(string Sku, long? Available, ReplenishmentSettings? Settings, DailySales Sales);

/// <summary>
/// The "stock-alerts" projection (stock_alerts and stock_settings, deploy/sql) and the queries of GET /api/alerts and
/// GET /api/replenishment. It reads only the alert and settings events, which are rare (one alert per crossing, not per
/// sale), so a flash sale costs it one offset write per batch; every other event only moves the offset.
/// </summary>
public sealed class StockAlertStore(JournalDatabase database) : IProjection
{
    public const string ProjectionName = "stock-alerts";

    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    private const string OpenState = "open";
    private const string ClearedState = "cleared";

    public string Name => ProjectionName;

    public bool Rebuildable => true;

    public Task<long> LoadOffsetAsync(CancellationToken ct) => ProjectionOffsets.LoadAsync(database, ProjectionName, ct);

    public Task ResetAsync(CancellationToken ct) => ProjectionOffsets.ResetAsync(database, ProjectionName, ["stock_alerts", "stock_settings"], ct);

    /// <summary>Applies the alert and settings events of a batch and moves the offset past it, in one transaction (a replayed batch gives the same rows).</summary>
    public async Task ApplyAsync(IReadOnlyList<EventEnvelope> batch, CancellationToken ct)
    {
        if (batch.Count == 0) return;
        var lastOffset = ProjectionOffsets.Last(batch);
        await using var connection = await database.OpenForProjectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        foreach (var envelope in batch)
        {
            switch (envelope.Event)
            {
                case LowStockRaised x:
                    await Run(connection, tx, """
                        INSERT INTO stock_alerts (sku, state, available, threshold, raised_at, cleared_at, updated_at)
                        VALUES (@sku, @state, @available, @threshold, @at, NULL, @at)
                        ON CONFLICT (sku) DO UPDATE SET state = excluded.state, available = excluded.available, threshold = excluded.threshold,
                            raised_at = excluded.raised_at, cleared_at = NULL, updated_at = excluded.updated_at
                        """, ct, ("sku", x.Sku), ("state", OpenState), ("available", x.Available), ("threshold", x.Threshold), ("at", Ms(x.At)));
                    break;
                case LowStockCleared x:
                    await Run(connection, tx, "UPDATE stock_alerts SET state = @state, cleared_at = @at, updated_at = @at WHERE sku = @sku AND state = @open", ct,
                        ("sku", x.Sku), ("state", ClearedState), ("open", OpenState), ("at", Ms(x.At)));
                    break;
                case LowStockThresholdSet x:
                    await UpsertSettings(connection, tx, x.Sku, "low_stock_below", x.Below, x.At, ct);
                    // An open alert that stays open under the new threshold shows the threshold now in force.
                    if (x.Below > 0)
                    {
                        await Run(connection, tx, "UPDATE stock_alerts SET threshold = @threshold, updated_at = @at WHERE sku = @sku AND state = @open", ct,
                            ("sku", x.Sku), ("threshold", x.Below), ("open", OpenState), ("at", Ms(x.At)));
                    }
                    break;
                case ReplenishmentSettingsSet x:
                    await Run(connection, tx, """
                        INSERT INTO stock_settings (sku, low_stock_below, lead_time_days, service_level_e4, safety_stock, review_days, updated_at)
                        VALUES (@sku, NULL, @lead, @level, @safety, @review, @at)
                        ON CONFLICT (sku) DO UPDATE SET lead_time_days = excluded.lead_time_days, service_level_e4 = excluded.service_level_e4,
                            safety_stock = excluded.safety_stock, review_days = excluded.review_days, updated_at = excluded.updated_at
                        """, ct, ("sku", x.Sku), ("lead", Db(x.Settings.LeadTimeDays)),
                        ("level", Db(x.Settings.ServiceLevel is { } level ? (int?)decimal.ToInt32(level * 10_000m) : null)),
                        ("safety", Db(x.Settings.SafetyStock)), ("review", Db(x.Settings.ReviewDays)), ("at", Ms(x.At)));
                    break;
            }
        }
        await ProjectionOffsets.SaveAsync(connection, tx, ProjectionName, lastOffset, ct);
        await tx.CommitAsync(ct);
    }

    private static Task UpsertSettings(DbConnection c, DbTransaction tx, string sku, string column, long value, DateTimeOffset at, CancellationToken ct) =>
        Run(c, tx, $"""
            INSERT INTO stock_settings (sku, {column}, updated_at) VALUES (@sku, @value, @at)
            ON CONFLICT (sku) DO UPDATE SET {column} = excluded.{column}, updated_at = excluded.updated_at
            """, ct, ("sku", sku), ("value", value), ("at", Ms(at)));

    /// <summary>
    /// Alerts, oldest raised first (then by SKU): the open ones, or all (the latest per SKU) with <paramref name="includeCleared"/>;
    /// each with the units sold (net of refunds, sales_by_sku) on the days <paramref name="fromDay"/> to <paramref name="toDay"/>.
    /// </summary>
    public async Task<IReadOnlyList<StockAlertRow>> ListAsync(string? sku, bool includeCleared, int limit, int fromDay, int toDay, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        var where = new List<string>();
        if (!includeCleared)
        {
            where.Add("a.state = @open");
            command.AddParameter("open", OpenState);
        }
        if (sku is not null)
        {
            where.Add("a.sku = @sku");
            command.AddParameter("sku", sku);
        }
        command.CommandText = $"""
            SELECT a.sku, a.state, a.available, a.threshold, a.raised_at, a.cleared_at, l.available, s.units
            FROM stock_alerts a
            LEFT JOIN stock_levels l ON l.sku = a.sku
            LEFT JOIN (SELECT sku, SUM(units - refunded_units) AS units FROM sales_by_sku WHERE day >= @from AND day <= @to GROUP BY sku) s ON s.sku = a.sku
            {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "")}
            ORDER BY a.raised_at, a.sku
            LIMIT @limit
            """;
        command.AddParameter("from", fromDay);
        command.AddParameter("to", toDay);
        command.AddParameter("limit", limit);
        var rows = new List<StockAlertRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var whenRaised = reader.GetInt64(2);
            rows.Add(new StockAlertRow(
                reader.GetString(0),
                reader.GetString(1) == OpenState,
                reader.IsDBNull(6) ? whenRaised : Convert.ToInt64(reader.GetValue(6), CultureInfo.InvariantCulture),
                whenRaised,
                reader.GetInt64(3),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
                reader.IsDBNull(5) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
                reader.IsDBNull(7) ? 0 : Math.Max(0, Convert.ToInt64(reader.GetValue(7), CultureInfo.InvariantCulture))));
        }
        return rows;
    }

    /// <summary>
    /// Every SKU the read side knows (stocked in stock_levels, or sold in the window), or only <paramref name="sku"/>:
    /// available units, own settings, and the daily sales sums over the days <paramref name="fromDay"/> to <paramref name="toDay"/>.
    /// </summary>
    public async Task<IReadOnlyList<ReplenishmentRow>> ReplenishmentAsync(string? sku, int fromDay, int toDay, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        // Several currencies of one SKU on one day are one day's units: summed per day first, then squared.
        command.CommandText = $"""
            WITH daily AS (
                SELECT sku, day, SUM(units - refunded_units) AS u FROM sales_by_sku
                WHERE day >= @from AND day <= @to {(sku is null ? "" : "AND sku = @sku")}
                GROUP BY sku, day),
            sales AS (SELECT sku, SUM(u) AS units, SUM(u * u) AS squares FROM daily GROUP BY sku),
            skus AS (
                SELECT sku FROM stock_levels {(sku is null ? "" : "WHERE sku = @sku")}
                UNION SELECT sku FROM sales)
            SELECT k.sku, l.available, sa.units, sa.squares, st.lead_time_days, st.service_level_e4, st.safety_stock, st.review_days
            FROM skus k
            LEFT JOIN stock_levels l ON l.sku = k.sku
            LEFT JOIN sales sa ON sa.sku = k.sku
            LEFT JOIN stock_settings st ON st.sku = k.sku
            """;
        command.AddParameter("from", fromDay);
        command.AddParameter("to", toDay);
        if (sku is not null) command.AddParameter("sku", sku);
        var days = toDay - fromDay + 1;
        var rows = new List<ReplenishmentRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            long? Long(int i) => reader.IsDBNull(i) ? null : Convert.ToInt64(reader.GetValue(i), CultureInfo.InvariantCulture);
            int? Int(int i) => reader.IsDBNull(i) ? null : Convert.ToInt32(reader.GetValue(i), CultureInfo.InvariantCulture);
            var units = Long(2) ?? 0;
            var squares = reader.IsDBNull(3) ? 0m : Convert.ToDecimal(reader.GetValue(3), CultureInfo.InvariantCulture);
            var settings = new ReplenishmentSettings(Int(4), Int(5) is { } e4 ? e4 / 10_000m : null, Long(6), Int(7));
            // Refunds beyond a window's sales (a refund of an older order is booked on that order's day) do not make sales negative.
            var sales = units < 0 ? new DailySales(days, 0, 0) : new DailySales(days, units, squares);
            rows.Add(new ReplenishmentRow(reader.GetString(0), Long(1), settings == new ReplenishmentSettings() ? null : settings, sales));
        }
        return rows;
    }

    /// <summary>The day number the read side buckets by: days since 1970-01-01 UTC.</summary>
    public static int DayOf(DateTimeOffset at) => (int)Math.Floor(at.ToUnixTimeMilliseconds() / 86_400_000d);

    private static long Ms(DateTimeOffset at) => at.ToUnixTimeMilliseconds();

    private static object Db<T>(T? value) where T : struct => value.HasValue ? value.Value : DBNull.Value;

    private static async Task Run(DbConnection connection, DbTransaction tx, string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.AddParameter(name, value);
        await command.ExecuteNonQueryAsync(ct);
    }
}
