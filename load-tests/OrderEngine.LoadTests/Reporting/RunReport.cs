using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Serialization;
using HdrHistogram;
using OrderEngine.LoadTests.Core;

namespace OrderEngine.LoadTests.Reporting;

/// <summary>Everything one run measured and checked; written as JSON and rendered as Markdown.</summary>
public sealed class RunReport
{
    public string Tool { get; set; } = "OrderEngine.LoadTests";
    public string Scenario { get; set; } = "";
    public string RunId { get; set; } = "";
    public string Url { get; set; } = "";
    public string StartedAtUtc { get; set; } = "";

    /// <summary>When the measured phase began (Unix ms): the per-second series' t = 0, for tools that line it up with others (profile.sh).</summary>
    public long MeasureStartedAtUnixMs { get; set; }
    public string Mode { get; set; } = "";
    public int? Clients { get; set; }
    public double? Rate { get; set; }
    public int MaxInFlight { get; set; }
    public SortedDictionary<string, string> Options { get; set; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, string> Parameters { get; set; } = new(StringComparer.Ordinal);
    public MachineInfo Machine { get; set; } = new();
    public SetupSummary Setup { get; set; } = new();
    public PhaseSummary? Warmup { get; set; }
    public double DurationSeconds { get; set; }
    public string StopReason { get; set; } = "";
    public CountsSummary Counts { get; set; } = new();
    public SortedDictionary<string, double> Throughput { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Scenario-specific figures (units sold, selling window, refusal share, ...).</summary>
    public SortedDictionary<string, double> Figures { get; set; } = new(StringComparer.Ordinal);

    public List<LatencySummary> Latency { get; set; } = [];

    /// <summary>Scenario-specific latency splits (flash sale: while selling, after sell-out).</summary>
    public List<LatencySummary> PhaseLatency { get; set; } = [];

    public SortedDictionary<string, long> StatusCodes { get; set; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, long> TransportErrors { get; set; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, string[]> ErrorSamples { get; set; } = new(StringComparer.Ordinal);
    public ReconcileResult? Reconcile { get; set; }
    public int CheckedSkus { get; set; }
    public double CheckSeconds { get; set; }
    public List<CheckResult> Checks { get; set; } = [];
    public bool Passed { get; set; }
    public GeneratorSummary Generator { get; set; } = new();

    /// <summary>With --window: the run cut into windows, each against the first (a soak's flatness).</summary>
    public WindowSummary? Windows { get; set; }

    /// <summary>Each projection's worst lag behind the journal during the measured phase (GET /api/projections), and when it caught up.</summary>
    public List<OrderEngine.LoadTests.Core.ProjectionLag> ProjectionLag { get; set; } = [];
    public List<SecondRow> Series { get; set; } = [];

    /// <summary>Scenario tables (the restaurant rush: its zones side by side, and orders waiting over time).</summary>
    public List<ReportTable> Tables { get; set; } = [];
    public string Summary { get; set; } = "";
}

/// <summary>A titled table of text cells, rendered as is in the Markdown report.</summary>
public sealed class ReportTable
{
    public string Title { get; set; } = "";
    public string Note { get; set; } = "";
    public List<string> Columns { get; set; } = [];
    public List<List<string>> Rows { get; set; } = [];
}

public sealed class MachineInfo
{
    public int Cores { get; set; } = Environment.ProcessorCount;
    public double MemoryGiB { get; set; } = ReadMemoryGiB();
    public string Os { get; set; } = RuntimeInformation.OSDescription;
    public string Runtime { get; set; } = RuntimeInformation.FrameworkDescription;
    public string LoadAverageAtStart { get; set; } = ReadLoadAverage();
    public string LoadAverageAtEnd { get; set; } = "";

    public static string ReadLoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static double ReadMemoryGiB()
    {
        try
        {
            var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            var kb = long.Parse(line.AsSpan(9).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
            return Math.Round(kb / 1024.0 / 1024.0, 1);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or FormatException)
        {
            return Math.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1024.0 / 1024 / 1024, 1);
        }
    }
}

public sealed class SetupSummary
{
    public int Skus { get; set; }
    public double Seconds { get; set; }
    public double SkusPerSecond { get; set; }
    public int Retries { get; set; }
    public List<string> Failures { get; set; } = [];
}

public sealed class PhaseSummary
{
    public double Seconds { get; set; }
    public long Sent { get; set; }
    public long Accepted { get; set; }
    public long Refused { get; set; }
    public long Errors { get; set; }
}

public sealed class CountsSummary
{
    public long Sent { get; set; }
    public long NotSent { get; set; }
    public long Completed { get; set; }
    public long Accepted { get; set; }
    public long Refused { get; set; }
    public long RefusedInsufficientStock { get; set; }
    public long RefusedUnknownSku { get; set; }
    public long RefusedOther { get; set; }
    public long OtherStatus { get; set; }
    public long Timeouts { get; set; }
    public long TransportErrors { get; set; }
}

/// <summary>The load generator's own CPU use: over the whole run, and over the measured phase per completed request.</summary>
public sealed class GeneratorSummary
{
    public string Client { get; set; } = "";
    public bool InlineSocketCompletions { get; set; }
    public double CpuSeconds { get; set; }
    public double CpuPercentOfOneCore { get; set; }
    public double MeasuredCpuSeconds { get; set; }
    public double MeasuredCpuPercentOfOneCore { get; set; }
    public double? CpuMicrosPerRequest { get; set; }
}

/// <summary>Latency percentiles in milliseconds of one class of requests.</summary>
public sealed record LatencySummary(string Name, long Count, double MeanMs, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs)
{
    public static LatencySummary From(string name, HistogramBase h) => h.TotalCount == 0
        ? new LatencySummary(name, 0, 0, 0, 0, 0, 0, 0)
        : new LatencySummary(name, h.TotalCount, Math.Round(h.GetMean() / 1000.0, 3),
            Metrics.Ms(h.GetValueAtPercentile(50)), Metrics.Ms(h.GetValueAtPercentile(90)), Metrics.Ms(h.GetValueAtPercentile(99)),
            Metrics.Ms(h.GetValueAtPercentile(99.9)), Metrics.Ms(h.GetMaxValue()));

    /// <summary>"n=... avg=...ms p50=...ms p99=...ms max=...ms", as pg-baseline's latency.py prints it.</summary>
    public string Brief() => Count == 0
        ? "n=0"
        : string.Create(CultureInfo.InvariantCulture, $"n={Count} avg={MeanMs:0.00}ms p50={P50Ms:0.00}ms p99={P99Ms:0.00}ms max={MaxMs:0.00}ms");
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RunReport))]
internal sealed partial class ReportJsonContext : JsonSerializerContext;
