using System.Globalization;

namespace OrderEngine.LoadTests.Scenarios.Rush;

/// <summary>
/// The order rate over the run: from <see cref="BaseRate"/> at the start, rising linearly to <see cref="PeakRate"/> at
/// the middle of <see cref="Duration"/>, then falling back to the base rate at the end (orders/s, real time).
/// </summary>
public sealed record RateProfile(double BaseRate, double PeakRate, TimeSpan Duration)
{
    public double RateAt(double seconds)
    {
        var d = Duration.TotalSeconds;
        if (seconds < 0 || seconds > d || d <= 0) return 0;
        var x = seconds / (d / 2);
        var triangle = x <= 1 ? x : 2 - x;
        return BaseRate + (PeakRate - BaseRate) * triangle;
    }

    /// <summary>The expected number of orders over the whole profile (the area under the rate).</summary>
    public double ExpectedCount => (BaseRate + PeakRate) / 2 * Duration.TotalSeconds;

    /// <summary>
    /// The arrival times (seconds from the start) of a Poisson stream with this rate, drawn by thinning: candidates at
    /// the peak rate, each kept with probability rate(t) / peak. The same seed gives the same stream.
    /// </summary>
    public List<double> Arrivals(Random random)
    {
        var times = new List<double>();
        var peak = Math.Max(PeakRate, BaseRate);
        if (peak <= 0) return times;
        var t = 0.0;
        var end = Duration.TotalSeconds;
        while (true)
        {
            t += -Math.Log(1 - random.NextDouble()) / peak;
            if (t > end) break;
            if (random.NextDouble() * peak <= RateAt(t)) times.Add(t);
        }
        return times;
    }
}

/// <summary>A courier's vehicle: its real-world speed (scaled for the run) and default capacity, as the engine's defaults.</summary>
public sealed record Vehicle(string Name, double SpeedKmh, int Capacity)
{
    public static readonly IReadOnlyList<Vehicle> All = [new("bike", 15, 2), new("scooter", 25, 3), new("car", 30, 4)];

    public static Vehicle Of(string name) => All.FirstOrDefault(v => v.Name == name) ?? throw new Cli.UsageException($"unknown vehicle '{name}' (bike, scooter, car)");
}

/// <summary>
/// Time compression: a run at scale S plays S simulated seconds per real second. Speeds are multiplied by S, minutes
/// divided by S. The engine is not told the scale; it is started with the scaled configuration this prints.
/// </summary>
public sealed record TimeScale(double Scale)
{
    public double Speed(Vehicle v) => v.SpeedKmh * Scale;

    public double Minutes(double realMinutes) => realMinutes / Scale;

    /// <summary>Real seconds of the compressed run as simulated minutes.</summary>
    public double SimulatedMinutes(double seconds) => seconds * Scale / 60.0;

    /// <summary>
    /// The engine configuration the run needs, as environment variables (OrderEngine__Dispatch__...): the vehicle
    /// speeds times the scale, the engine's minute settings divided by it (their defaults: batching 5, promise slack
    /// 10, pause above 45 and resume below 30 minutes of queue), and the offer timeout in real seconds.
    /// </summary>
    public IReadOnlyList<(string Name, string Value)> EngineEnvironment(int offerTimeoutSeconds, int zonePrecision)
    {
        static string N(double v) => Math.Round(v, 6).ToString("0.######", CultureInfo.InvariantCulture);
        var env = new List<(string, string)>();
        foreach (var v in Vehicle.All)
        {
            env.Add(($"OrderEngine__Dispatch__Vehicles__{v.Name}__SpeedKmh", N(Speed(v))));
            env.Add(($"OrderEngine__Dispatch__Vehicles__{v.Name}__Capacity", v.Capacity.ToString(CultureInfo.InvariantCulture)));
        }
        env.Add(("OrderEngine__Dispatch__OfferTimeoutSeconds", offerTimeoutSeconds.ToString(CultureInfo.InvariantCulture)));
        env.Add(("OrderEngine__Dispatch__BatchMaxDelayMinutes", N(Minutes(5))));
        env.Add(("OrderEngine__Dispatch__PromiseSlackMinutes", N(Minutes(10))));
        env.Add(("OrderEngine__Dispatch__PauseAboveQueueEtaMinutes", N(Minutes(45))));
        env.Add(("OrderEngine__Dispatch__ResumeBelowQueueEtaMinutes", N(Minutes(30))));
        env.Add(("OrderEngine__Dispatch__ZonePrecision", zonePrecision.ToString(CultureInfo.InvariantCulture)));
        // The periodic checks, compressed too but not below what keeps an engine calm: a zone's re-assignment tick
        // (5 s) and a restaurant's queue check, which lifts an automatic pause (10 s).
        env.Add(("OrderEngine__Dispatch__TickInterval", Interval(TimeSpan.FromSeconds(Math.Max(0.5, 5 / Scale)))));
        env.Add(("OrderEngine__Dispatch__KitchenQueueCheckInterval", Interval(TimeSpan.FromSeconds(Math.Max(1, 10 / Scale)))));
        return env;
    }

    private static string Interval(TimeSpan t) => t.ToString("c", CultureInfo.InvariantCulture);
}

/// <summary>Nearest-rank percentiles of a list of values (the rush's per-order latencies are a few thousand at most).</summary>
public static class Percentiles
{
    public static double? Of(IReadOnlyCollection<double> values, double percentile)
    {
        if (values.Count == 0) return null;
        var sorted = values.OrderBy(v => v).ToArray();
        var rank = (int)Math.Ceiling(percentile / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}

/// <summary>
/// A deterministic draw in [0, 1) from a few integers: the same order (and courier, attempt) gets the same decision in
/// both zones, so the two policies see the same kitchens and the same couriers' habits.
/// </summary>
public static class Draw
{
    public static double Unit(int seed, int a, int b = 0, int c = 0, int d = 0)
    {
        ulong x = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL);
        x = Mix(x ^ (uint)a);
        x = Mix(x ^ ((ulong)(uint)b << 21));
        x = Mix(x ^ ((ulong)(uint)c << 42));
        x = Mix(x ^ (uint)d * 0xBF58476D1CE4E5B9UL);
        return (x >> 11) * (1.0 / (1UL << 53));
    }

    private static ulong Mix(ulong z)
    {
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
