using System.Text.Json;

namespace OrderEngine.Engine.ReadSide;

/// <summary>How the read tables store money, times, days and enum names (see docs/reports.md).</summary>
public static class ReadValues
{
    private const long MillisecondsPerDay = 86_400_000;

    /// <summary>An amount in units of 1/10,000 of its currency, exactly: an amount with more than 4 decimals throws.</summary>
    public static long E4(decimal amount)
    {
        var scaled = amount * 10_000m;
        if (scaled != decimal.Truncate(scaled))
            throw new ArgumentOutOfRangeException(nameof(amount), amount, "an amount in the read tables has at most 4 decimals");
        return decimal.ToInt64(scaled);
    }

    /// <summary>The amount an *_e4 value stands for.</summary>
    public static decimal FromE4(long e4) => e4 / 10_000m;

    public static long Ms(DateTimeOffset at) => at.ToUnixTimeMilliseconds();

    /// <summary>Days since 1970-01-01 UTC of a unix-millisecond time (floored, so times before 1970 fall on the right day).</summary>
    public static int Day(long unixMs) => (int)Math.Floor(unixMs / (double)MillisecondsPerDay);

    /// <summary>An enum value's name as the API writes it (camelCase).</summary>
    public static string Name<T>(T value) where T : struct, Enum => JsonNamingPolicy.CamelCase.ConvertName(value.ToString());
}
