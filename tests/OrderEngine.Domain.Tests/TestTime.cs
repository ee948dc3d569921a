namespace OrderEngine.Domain.Tests;

/// <summary>Fixed instants for deciders, which take time as an argument and never read a clock.</summary>
internal static class TestTime
{
    public static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static DateTimeOffset Min(int minutes) => T0.AddMinutes(minutes);
}
