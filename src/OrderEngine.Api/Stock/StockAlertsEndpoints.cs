using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using OrderEngine.Api.Http;
using OrderEngine.Domain;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Stock;
using OrderEngine.Api.Security;

namespace OrderEngine.Api.Stock;

/// <summary>One low-stock alert: units available now and when it was raised, the threshold, the rate of sale and the days it covers.</summary>
public sealed record StockAlertView(
    string Sku,
    string State,
    long Available,
    long AvailableWhenRaised,
    long Threshold,
    DateTimeOffset RaisedAt,
    DateTimeOffset? ClearedAt,
    decimal UnitsSoldPerDay,
    decimal? DaysOfCover);

/// <summary>The answer of GET /api/alerts: the rate of sale is measured over the <c>rateDays</c> days ending today (UTC).</summary>
public sealed record StockAlertList(int RateDays, IReadOnlyList<StockAlertView> Alerts);

/// <summary>One SKU's replenishment suggestion (docs/reports.md, "Replenishment").</summary>
public sealed record ReplenishmentView(
    string Sku,
    bool Stocked,
    long Available,
    long UnitsSold,
    decimal Velocity,
    double DailyStdDev,
    int LeadTimeDays,
    int ReviewDays,
    decimal? ServiceLevel,
    long SafetyStock,
    long ReorderPoint,
    long SuggestedQuantity,
    decimal? DaysOfCover,
    bool Reorder);

/// <summary>The answer of GET /api/replenishment: the sales window's days (inclusive, UTC) and one row per SKU, fewest days of cover first.</summary>
public sealed record ReplenishmentReport(int Window, DateOnly From, DateOnly To, IReadOnlyList<ReplenishmentView> Items);

/// <summary>GET /api/alerts (open low-stock alerts) and GET /api/replenishment (reorder points and suggested quantities), from the read side.</summary>
public static class StockAlertsEndpoints
{
    public static WebApplication MapStockAlertsApi(this WebApplication app)
    {
        app.MapGet("/api/alerts", ListAlertsAsync).WithTags("stock")
            .WithSummary("Open low-stock alerts (state=all: with the cleared ones), with the rate of sale and days of cover (read side: eventually consistent)")
            .ProducesProblem(400)
            .WithName("listStockAlerts").WithAccess()
            .WithDescription("Open low-stock alerts (state=all: with the cleared ones) with the rate of sale and days of cover, from the read side (eventually consistent). Read-only.");
        app.MapGet("/api/replenishment", ReplenishmentAsync).WithTags("stock")
            .WithSummary("Per SKU: sales velocity over a window, safety stock, reorder point and suggested order quantity, fewest days of cover first")
            .ProducesProblem(400)
            .WithName("getReplenishment").WithAccess()
            .WithDescription("Per SKU: sales velocity over a window, safety stock, reorder point and suggested order quantity, fewest days of cover first. Read-only.");
        return app;
    }

    private static async Task<Results<Ok<StockAlertList>, ProblemHttpResult>> ListAlertsAsync(
        string? sku, string? state, string? limit, StockAlertStore store, IOptions<OrderEngineOptions> options, TimeProvider clock, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (sku is not null && !Identifiers.IsValidEntityId(sku)) errors["sku"] = ["sku must be " + Identifiers.EntityIdRule];
        var includeCleared = false;
        if (state is not null)
        {
            if (state == "all") includeCleared = true;
            else if (state != "open") errors["state"] = ["state must be open (the default) or all"];
        }
        var take = ParseInt(limit, "limit", StockAlertStore.DefaultLimit, 1, StockAlertStore.MaxLimit, errors);
        if (errors.Count > 0) return Problems.Validation("the query is invalid", errors);

        var rateDays = options.Value.Stock.Replenishment.AlertRateDays;
        var today = StockAlertStore.DayOf(clock.GetUtcNow());
        var rows = await store.ListAsync(sku, includeCleared, take, today - rateDays + 1, today, ct);
        return TypedResults.Ok(new StockAlertList(rateDays, [.. rows.Select(r =>
        {
            var sales = new DailySales(rateDays, r.UnitsSold, 0);
            return new StockAlertView(r.Sku, r.Open ? "open" : "cleared", r.Available, r.AvailableWhenRaised, r.Threshold, r.RaisedAt, r.ClearedAt,
                Math.Round(sales.Velocity, 4), Round(Replenishment.DaysOfCover(r.Available, sales), 2));
        })]));
    }

    private static async Task<Results<Ok<ReplenishmentReport>, ProblemHttpResult>> ReplenishmentAsync(
        string? sku, string? window, string? asOf, string? limit, StockAlertStore store, IOptions<OrderEngineOptions> options, TimeProvider clock,
        CancellationToken ct)
    {
        var defaults = options.Value.Stock.Replenishment;
        var errors = new Dictionary<string, string[]>();
        if (sku is not null && !Identifiers.IsValidEntityId(sku)) errors["sku"] = ["sku must be " + Identifiers.EntityIdRule];
        var days = ParseInt(window, "window", defaults.WindowDays, 1, ReplenishmentOptions.MaxWindowDays, errors);
        var take = ParseInt(limit, "limit", StockAlertStore.DefaultLimit, 1, StockAlertStore.MaxLimit, errors);
        var lastDay = StockAlertStore.DayOf(clock.GetUtcNow());
        if (asOf is not null)
        {
            if (DateOnly.TryParseExact(asOf, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) && date.Year >= 1970)
                lastDay = date.DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;
            else errors["asOf"] = ["asOf must be a date as yyyy-MM-dd, 1970 or later: the last day of the sales window"];
        }
        if (errors.Count > 0) return Problems.Validation("the query is invalid", errors);

        var firstDay = lastDay - days + 1;
        var fallback = defaults.ToDefaults();
        var rows = await store.ReplenishmentAsync(sku, firstDay, lastDay, ct);
        var items = rows.Select(r =>
            {
                var available = Math.Max(0, r.Available ?? 0);
                // Nothing is known to be on order (purchase orders are not kept): on order counts as 0.
                var plan = Replenishment.Plan(r.Sales, available, 0, (r.Settings ?? new ReplenishmentSettings()).Over(fallback));
                return new ReplenishmentView(r.Sku, r.Available is not null, available, r.Sales.Units, Math.Round(plan.Velocity, 4),
                    Math.Round(plan.DailyStdDev, 4), plan.LeadTimeDays, plan.ReviewDays, plan.ServiceLevel, plan.SafetyStock, plan.ReorderPoint,
                    plan.SuggestedQuantity, Round(plan.DaysOfCover, 2), plan.AtOrBelowReorderPoint);
            })
            .OrderBy(v => v.DaysOfCover is null ? 1 : 0).ThenBy(v => v.DaysOfCover).ThenBy(v => v.Sku, StringComparer.Ordinal)
            .Take(take)
            .ToList();
        var epoch = DateOnly.FromDateTime(DateTime.UnixEpoch);
        return TypedResults.Ok(new ReplenishmentReport(days, epoch.AddDays(firstDay), epoch.AddDays(lastDay), items));
    }

    /// <summary>An optional whole number within [min, max]; anything else names the parameter in <paramref name="errors"/>.</summary>
    private static int ParseInt(string? value, string name, int fallback, int min, int max, Dictionary<string, string[]> errors)
    {
        if (value is null) return fallback;
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed >= min && parsed <= max) return parsed;
        errors[name] = [$"{name} must be a whole number between {min} and {max}"];
        return fallback;
    }

    private static decimal? Round(decimal? value, int decimals) => value is { } v ? Math.Round(v, decimals) : null;
}
