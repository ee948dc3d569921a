using System.Diagnostics;
using System.Globalization;

namespace OrderEngine.LoadTests.Core;

/// <summary>Resident memory (MB) and CPU use (% of one core) of a process over the last interval.</summary>
public sealed record ProcessSample(double RssMb, double? CpuPercent);

/// <summary>
/// Samples a process from /proc (Linux): the engine, when --engine-pid is given, to see memory growth and CPU
/// saturation next to the throughput; and the generator itself, to show it is not the bottleneck.
/// </summary>
public sealed class ProcessSampler
{
    private const double ClockTicksPerSecond = 100.0; // USER_HZ, 100 on every Linux we run on
    private readonly string _dir;
    private long _lastCpuTicks = -1;
    private long _lastWall;

    public ProcessSampler(int pid) => _dir = $"/proc/{pid}";

    public static ProcessSampler Self() => new(Environment.ProcessId);

    public bool Exists => Directory.Exists(_dir);

    public ProcessSample? Sample()
    {
        try
        {
            var rssKb = 0L;
            foreach (var line in File.ReadLines(Path.Combine(_dir, "status")))
            {
                if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
                rssKb = long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
                break;
            }
            var stat = File.ReadAllText(Path.Combine(_dir, "stat"));
            // Fields after the command name (which may hold spaces) start after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var cpuTicks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            var now = Stopwatch.GetTimestamp();
            double? cpu = null;
            var wall = (now - _lastWall) / (double)Stopwatch.Frequency;
            if (_lastCpuTicks >= 0 && wall >= 0.25)
            {
                // CPU time is counted in 10 ms ticks: over less than a quarter second the share is mostly noise.
                cpu = Math.Round((cpuTicks - _lastCpuTicks) / ClockTicksPerSecond / wall * 100, 1);
            }
            if (_lastCpuTicks < 0 || wall >= 0.25)
            {
                _lastCpuTicks = cpuTicks;
                _lastWall = now;
            }
            return new ProcessSample(Math.Round(rssKb / 1024.0, 1), cpu);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
