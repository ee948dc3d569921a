namespace OrderEngine.Engine.Reports;

/// <summary>Conversions between the read tables' stored forms and the values the API shows.</summary>
public static class ReadAmounts
{
    private const long MillisPerDay = 86_400_000;

    /// <summary>An amount stored as a whole number of 1/10,000 units, exactly (no floating point on the way).</summary>
    public static decimal FromE4(long e4) => new decimal(e4) / 10_000m;

    /// <summary>The read tables' day: whole days since 1970-01-01 UTC.</summary>
    public static int DayOf(DateOnly date) => date.DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    public static DateOnly DateOf(int day) => DateOnly.FromDayNumber(DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber + day);

    public static int DayOf(DateTimeOffset instant) => (int)Math.Floor(instant.ToUnixTimeMilliseconds() / (double)MillisPerDay);

    public static DateTimeOffset? InstantOf(long? unixMs) => unixMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
}
