using FsCheck;
using FsCheck.Xunit;
using OrderEngine.Domain.Stock;

namespace OrderEngine.Domain.Tests;

/// <summary>The replenishment arithmetic, against figures computed by hand and against its own definition.</summary>
public class ReplenishmentTests
{
    private static readonly long[] Week = [10, 12, 8, 10, 10, 14, 6];

    [Fact]
    public void Velocity_and_daily_deviation_of_a_week_computed_by_hand()
    {
        // Σ = 70, mean 10; deviations 0, 2, −2, 0, 0, 4, −4: Σ² = 40; sample variance 40 / 6.
        var sales = DailySales.Of(Week);
        Assert.Equal(new DailySales(7, 70, 740m), sales);
        Assert.Equal(10m, sales.Velocity);
        Assert.Equal(Math.Sqrt(40.0 / 6), sales.DailyStdDev, 12);
    }

    [Fact]
    public void Reorder_point_and_suggested_quantity_from_a_service_level()
    {
        // z(0.95) = 1.644854; safety = 1.644854 × 2.581989 × √4 = 8.494 → 9 units.
        // Reorder point = 10 × 4 + 9 = 49; suggested = 49 + 10 × 7 − 30 = 89; cover = 30 / 10 = 3 days.
        var plan = Replenishment.Plan(DailySales.Of(Week), available: 30, onOrder: 0, new(LeadTimeDays: 4, ServiceLevel: 0.95m, ReviewDays: 7));

        Assert.Equal(9, plan.SafetyStock);
        Assert.Equal(49, plan.ReorderPoint);
        Assert.Equal(89, plan.SuggestedQuantity);
        Assert.Equal(3m, plan.DaysOfCover);
        Assert.True(plan.AtOrBelowReorderPoint);
        Assert.Equal(0.95m, plan.ServiceLevel);
    }

    [Fact]
    public void A_fixed_safety_stock_replaces_the_computed_one_and_on_order_units_count()
    {
        // Reorder point = 10 × 4 + 20 = 60; suggested = 60 + 70 − 30 − 25 = 75.
        var plan = Replenishment.Plan(DailySales.Of(Week), available: 30, onOrder: 25, new(LeadTimeDays: 4, SafetyStock: 20, ReviewDays: 7));

        Assert.Equal(20, plan.SafetyStock);
        Assert.Equal(60, plan.ReorderPoint);
        Assert.Equal(75, plan.SuggestedQuantity);
        Assert.Null(plan.ServiceLevel);
    }

    [Fact]
    public void Fractions_of_a_unit_are_rounded_up()
    {
        // 10 units in 28 days: 0.357/day; lead and review 7 days: 2.5 units each. Steady sales (one unit on ten days)
        // still vary: keep the safety stock out of it with a fixed 0.
        var sales = new DailySales(28, 10, 10);
        var plan = Replenishment.Plan(sales, available: 1, onOrder: 0, new(LeadTimeDays: 7, SafetyStock: 0, ReviewDays: 7));

        Assert.Equal(3, plan.ReorderPoint);        // ⌈2.5⌉
        Assert.Equal(4, plan.SuggestedQuantity);   // ⌈2.5 + 2.5 − 1⌉
        Assert.Equal(2.8m, plan.DaysOfCover);      // 1 × 28 / 10
    }

    [Fact]
    public void Enough_stock_suggests_nothing()
    {
        var plan = Replenishment.Plan(DailySales.Of(Week), available: 500, onOrder: 0, new(LeadTimeDays: 4, ServiceLevel: 0.95m, ReviewDays: 7));
        Assert.Equal(0, plan.SuggestedQuantity);
        Assert.False(plan.AtOrBelowReorderPoint);
        Assert.Equal(50m, plan.DaysOfCover);
    }

    [Fact]
    public void No_sales_means_no_velocity_no_safety_stock_and_no_days_of_cover()
    {
        var plan = Replenishment.Plan(new DailySales(28, 0, 0), available: 12, onOrder: 0, new(LeadTimeDays: 7, ServiceLevel: 0.99m, ReviewDays: 7));
        Assert.Equal(0m, plan.Velocity);
        Assert.Equal(0, plan.DailyStdDev);
        Assert.Equal(0, plan.SafetyStock);
        Assert.Equal(0, plan.ReorderPoint);
        Assert.Equal(0, plan.SuggestedQuantity);
        Assert.Null(plan.DaysOfCover);
    }

    [Fact]
    public void Steady_sales_need_no_safety_stock()
    {
        var plan = Replenishment.Plan(DailySales.Of([5, 5, 5, 5]), available: 0, onOrder: 0, new(LeadTimeDays: 3, ServiceLevel: 0.99m, ReviewDays: 2));
        Assert.Equal(0, plan.SafetyStock);
        Assert.Equal(15, plan.ReorderPoint);
        Assert.Equal(25, plan.SuggestedQuantity);
        Assert.Equal(0m, plan.DaysOfCover);
    }

    [Theory]
    [InlineData(0.5, 0.0)]
    [InlineData(0.8, 0.8416212335729143)]
    [InlineData(0.9, 1.2815515655446004)]
    [InlineData(0.95, 1.6448536269514722)]
    [InlineData(0.975, 1.959963984540054)]
    [InlineData(0.99, 2.3263478740408408)]
    [InlineData(0.9999, 3.719016485455709)]
    public void The_normal_quantile_matches_the_tables(double p, double z)
    {
        Assert.Equal(z, Replenishment.Z(p), 7);
    }

    [Fact]
    public void A_skus_own_settings_take_the_missing_fields_from_the_defaults()
    {
        var defaults = new ReplenishmentSettings(LeadTimeDays: 7, ServiceLevel: 0.95m, ReviewDays: 7);
        Assert.Equal(new ReplenishmentSettings(3, 0.95m, null, 7), new ReplenishmentSettings(LeadTimeDays: 3).Over(defaults));
        Assert.Equal(new ReplenishmentSettings(7, null, 40, 7), new ReplenishmentSettings(SafetyStock: 40).Over(defaults));
        Assert.Equal(new ReplenishmentSettings(7, 0.99m, null, 7),
            new ReplenishmentSettings(ServiceLevel: 0.99m).Over(defaults with { ServiceLevel = null, SafetyStock = 5 }));
    }

    [Theory]
    [InlineData(-1, null, null, null, "leadTimeDays")]
    [InlineData(366, null, null, null, "leadTimeDays")]
    [InlineData(null, 0.49, null, null, "serviceLevel")]
    [InlineData(null, 1.0, null, null, "serviceLevel")]
    [InlineData(null, 0.95001, null, null, "serviceLevel")]
    [InlineData(null, null, -1L, null, "safetyStock")]
    [InlineData(null, 0.9, 3L, null, "safetyStock")]
    [InlineData(null, null, null, -2, "reviewDays")]
    public void Invalid_settings_name_their_field(int? lead, double? level, long? safety, int? review, string field)
    {
        var errors = new ReplenishmentSettings(lead, level is null ? null : (decimal)level, safety, review).Errors();
        Assert.Contains(errors, e => e.Field == field);
    }

    // ---- properties ----

    private static (decimal Mean, double Sd) TwoPass(long[] days)
    {
        var mean = days.Sum() / (decimal)days.Length;
        if (days.Length < 2) return (mean, 0);
        var squares = days.Sum(d => (double)((d - mean) * (d - mean)));
        return (mean, Math.Sqrt(squares / (days.Length - 1)));
    }

    [Property(MaxTest = 500)]
    public void The_sums_give_the_mean_and_deviation_of_the_days_themselves(NonEmptyArray<ushort> sold)
    {
        long[] days = [.. sold.Get.Select(u => (long)u)];
        var sales = DailySales.Of(days);
        var (mean, sd) = TwoPass(days);
        Assert.Equal(mean, sales.Velocity);
        Assert.Equal(sd, sales.DailyStdDev, Math.Max(1e-9, sd * 1e-9) is var tolerance ? tolerance : 0);
    }

    [Property(MaxTest = 500)]
    public void The_suggestion_covers_lead_time_review_and_safety_and_never_goes_negative(
        NonEmptyArray<byte> sold, ushort available, byte onOrder, byte lead, byte review, bool fixedSafety)
    {
        long[] days = [.. sold.Get.Select(u => (long)u)];
        var sales = DailySales.Of(days);
        var settings = fixedSafety
            ? new ReplenishmentSettings(lead % 60, null, lead % 17, review % 30)
            : new ReplenishmentSettings(lead % 60, 0.9m, null, review % 30);
        var plan = Replenishment.Plan(sales, available, onOrder, settings);

        var velocity = (decimal)sales.Units / sales.Days;
        Assert.True(plan.SuggestedQuantity >= 0);
        Assert.True(plan.SafetyStock >= 0);
        Assert.True(plan.ReorderPoint >= velocity * settings.LeadTimeDays!.Value - 0.000001m, "the reorder point covers the lead time");
        Assert.Equal(plan.ReorderPoint, Replenishment.RoundUp(velocity * settings.LeadTimeDays.Value + plan.SafetyStock));
        // Ordering the suggestion brings the stock position up to cover the reorder point and the review period, by less than one unit more.
        var target = plan.ReorderPoint - (plan.ReorderPoint - (velocity * settings.LeadTimeDays.Value + plan.SafetyStock)) + velocity * settings.ReviewDays!.Value;
        var position = available + onOrder + plan.SuggestedQuantity;
        Assert.True(position >= target - 0.000001m, $"position {position} below target {target}");
        if (plan.SuggestedQuantity > 0) Assert.True(position < target + 1, $"position {position} over target {target} by a unit or more");
        // One more unit available never asks for more.
        Assert.True(Replenishment.Plan(sales, available + 1, onOrder, settings).SuggestedQuantity <= plan.SuggestedQuantity);
    }

    [Property(MaxTest = 200)]
    public void The_quantile_grows_with_the_service_level(ushort a, ushort b)
    {
        double p = 0.5 + (a % 4999) / 10_000.0, q = 0.5 + (b % 4999) / 10_000.0;
        if (p < q) Assert.True(Replenishment.Z(p) < Replenishment.Z(q));
        Assert.True(Replenishment.Z(p) >= 0);
    }
}
