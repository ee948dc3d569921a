using System.Diagnostics;
using System.Runtime.InteropServices;

namespace OrderEngine.StockBench;

/// <summary>
/// CPU time of the calling thread (Linux), so a measurement on a shared, busy machine counts the work done rather than
/// the time spent waiting for a core. Falls back to elapsed time where the clock is not available.
/// </summary>
public static partial class ThreadCpu
{
    private const int ClockThreadCpuTimeId = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out Timespec time);

    private static readonly bool Available = OperatingSystem.IsLinux() && TryRead(out _);

    private static bool TryRead(out TimeSpan time)
    {
        try
        {
            if (ClockGetTime(ClockThreadCpuTimeId, out var t) == 0)
            {
                time = TimeSpan.FromTicks(t.Seconds * TimeSpan.TicksPerSecond + t.Nanoseconds / 100);
                return true;
            }
        }
        catch (DllNotFoundException)
        {
        }
        catch (EntryPointNotFoundException)
        {
        }
        time = default;
        return false;
    }

    /// <summary>The calling thread's CPU time so far, or the time elapsed where that is not available.</summary>
    public static TimeSpan Now() => Available && TryRead(out var t) ? t : Stopwatch.GetElapsedTime(0);
}
