namespace OrderEngine.Domain.Stock;

/// <summary>
/// A SKU's own replenishment settings; a null field falls back to the configured default. <paramref name="SafetyStock"/>
/// is a fixed safety stock in units that replaces the one computed from <paramref name="ServiceLevel"/> (so at most one
/// of the two is given).
/// </summary>
public sealed record ReplenishmentSettings(int? LeadTimeDays = null, decimal? ServiceLevel = null, long? SafetyStock = null, int? ReviewDays = null)
{
    public const int MaxDays = 365;
    public const decimal MinServiceLevel = 0.5m;
    public const decimal MaxServiceLevel = 0.9999m;

    /// <summary>What is wrong with these settings, by field (empty when they are valid).</summary>
    public IReadOnlyList<(string Field, string Message)> Errors()
    {
        var errors = new List<(string, string)>();
        if (LeadTimeDays is < 0 or > MaxDays) errors.Add(("leadTimeDays", $"leadTimeDays must be between 0 and {MaxDays}"));
        if (ReviewDays is < 0 or > MaxDays) errors.Add(("reviewDays", $"reviewDays must be between 0 and {MaxDays}"));
        if (ServiceLevel is { } level && (level < MinServiceLevel || level > MaxServiceLevel || decimal.Round(level, 4) != level))
            errors.Add(("serviceLevel", $"serviceLevel must be between {MinServiceLevel} and {MaxServiceLevel} with at most 4 decimals"));
        if (SafetyStock is < 0 or > StockDecider.MaxUnits) errors.Add(("safetyStock", $"safetyStock must be between 0 and {StockDecider.MaxUnits}"));
        if (SafetyStock is not null && ServiceLevel is not null)
            errors.Add(("safetyStock", "give either serviceLevel (safety stock computed from the variability of sales) or a fixed safetyStock, not both"));
        return errors;
    }

    /// <summary>These settings, with each missing field taken from <paramref name="defaults"/>.</summary>
    public ReplenishmentSettings Over(ReplenishmentSettings defaults) => new(
        LeadTimeDays ?? defaults.LeadTimeDays,
        SafetyStock is not null ? null : ServiceLevel ?? (defaults.SafetyStock is not null ? null : defaults.ServiceLevel),
        SafetyStock ?? (ServiceLevel is not null ? null : defaults.SafetyStock),
        ReviewDays ?? defaults.ReviewDays);
}

/// <summary>
/// Units sold per day over a window of <paramref name="Days"/> days, as the sums the read side keeps: the total
/// <paramref name="Units"/> and the sum of each day's units squared (days without sales count as 0).
/// </summary>
public readonly record struct DailySales(int Days, long Units, decimal SumOfSquares)
{
    /// <summary>The sums of a series of daily units (one entry per day of the window).</summary>
    public static DailySales Of(IReadOnlyCollection<long> perDay) =>
        new(perDay.Count, perDay.Sum(), perDay.Aggregate(0m, (sum, u) => sum + (decimal)u * u));

    /// <summary>Mean units per day (the sales velocity).</summary>
    public decimal Velocity => Days <= 0 ? 0m : (decimal)Units / Days;

    /// <summary>The sample standard deviation of daily units (n − 1); 0 for a window of one day.</summary>
    public double DailyStdDev
    {
        get
        {
            if (Days < 2) return 0;
            // Σu² − (Σu)²/n in decimal: exact for any realistic figures, where doubles would cancel catastrophically.
            var squares = SumOfSquares - (decimal)Units * Units / Days;
            return squares <= 0 ? 0 : Math.Sqrt((double)(squares / (Days - 1)));
        }
    }
}

/// <summary>One SKU's replenishment figures; quantities in whole units (rounded up), velocity in units per day.</summary>
public sealed record ReplenishmentPlan(
    decimal Velocity,
    double DailyStdDev,
    int LeadTimeDays,
    int ReviewDays,
    decimal? ServiceLevel,
    long SafetyStock,
    long ReorderPoint,
    long SuggestedQuantity,
    decimal? DaysOfCover,
    bool AtOrBelowReorderPoint);

/// <summary>
/// The replenishment arithmetic (docs/reports.md, "Replenishment"):
/// safety stock = z(service level) × σ_daily × √lead time (or the fixed safety stock);
/// reorder point = velocity × lead time + safety stock;
/// suggested quantity = max(0, reorder point + velocity × review days − available − on order), rounded up.
/// </summary>
public static class Replenishment
{
    /// <summary>The settings used when neither the SKU nor the configuration gives one.</summary>
    public static readonly ReplenishmentSettings BuiltInDefaults = new(LeadTimeDays: 7, ServiceLevel: 0.95m, ReviewDays: 7);

    /// <summary>
    /// The plan for a SKU with <paramref name="available"/> units (and <paramref name="onOrder"/> on their way) that sold
    /// <paramref name="sales"/>, under <paramref name="settings"/> with every field set (<see cref="ReplenishmentSettings.Over"/>).
    /// </summary>
    public static ReplenishmentPlan Plan(DailySales sales, long available, long onOrder, ReplenishmentSettings settings)
    {
        var lead = settings.LeadTimeDays ?? throw new ArgumentException("a lead time is required", nameof(settings));
        var review = settings.ReviewDays ?? throw new ArgumentException("a review period is required", nameof(settings));
        var sigma = sales.DailyStdDev;
        long safety;
        if (settings.SafetyStock is { } fixedSafety) safety = fixedSafety;
        else
        {
            var level = settings.ServiceLevel ?? throw new ArgumentException("a service level or a safety stock is required", nameof(settings));
            safety = RoundUp((decimal)(Z((double)level) * sigma * Math.Sqrt(lead)));
        }
        // Velocity × days as Units × days / window: one division, so whole figures stay whole.
        var days = Math.Max(1, sales.Days);
        var leadDemand = (decimal)sales.Units * lead / days;
        var cycleDemand = (decimal)sales.Units * review / days;
        var reorderPoint = RoundUp(leadDemand + safety);
        var suggested = Math.Max(0, RoundUp(leadDemand + safety + cycleDemand - available - onOrder));
        var velocity = sales.Velocity;
        return new ReplenishmentPlan(
            velocity, sigma, lead, review, settings.SafetyStock is null ? settings.ServiceLevel : null, safety, reorderPoint, suggested,
            DaysOfCover(available, sales), available + onOrder <= reorderPoint);
    }

    /// <summary>How many days <paramref name="available"/> units last at the window's velocity; null when nothing sold.</summary>
    public static decimal? DaysOfCover(long available, DailySales sales) =>
        sales.Units <= 0 || sales.Days <= 0 ? null : Math.Max(0, available) * (decimal)sales.Days / sales.Units;

    /// <summary>Rounds up to whole units; a value within a millionth of a whole number is that number (the square root is a double).</summary>
    public static long RoundUp(decimal units) => (long)Math.Ceiling(Math.Round(units, 6));

    /// <summary>
    /// The standard normal quantile z(p) (Φ(z) = p), by Acklam's rational approximation (relative error below 1.2e-9),
    /// for 0 &lt; p &lt; 1.
    /// </summary>
    public static double Z(double p)
    {
        if (!(p > 0 && p < 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "p must be strictly between 0 and 1");
        const double pLow = 0.02425, pHigh = 1 - pLow;
        double[] a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
        double[] b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
        double[] c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
        double[] d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
        if (p < pLow)
        {
            var q = Math.Sqrt(-2 * Math.Log(p));
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        if (p > pHigh)
        {
            var q = Math.Sqrt(-2 * Math.Log(1 - p));
            return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        {
            var q = p - 0.5;
            var r = q * q;
            return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
        }
    }
}
