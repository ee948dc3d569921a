using System.Globalization;
using OrderEngine.LoadTests.Core;

namespace OrderEngine.LoadTests.Reporting;

/// <summary>One window (e.g. a minute) of a long run, and its figures relative to the first window's.</summary>
public sealed record WindowRow(
    int Index,
    double FromS,
    double ToS,
    bool Full,
    double AcceptedPerS,
    double CompletedPerS,
    double? MaxSecondP99Ms,
    double? EngineRssMb,
    double? EngineCpuPercent,
    double? GeneratorCpuPercent,
    double? AcceptedVsFirst,
    double? RssVsFirst);

/// <summary>The per-window table of a run and whether it stayed flat: every full window within the tolerance of the first.</summary>
public sealed record WindowSummary(double WindowSeconds, double Tolerance, List<WindowRow> Rows, bool? Flat, string Verdict);

/// <summary>
/// Cuts the per-second series into --window windows (a soak: minutes) and compares each full window's accepted/s and
/// the engine's resident memory (mean of the window's samples, with --engine-pid) with the first window's. A run is
/// flat when every full window is within ±--flat-tolerance of the first on both; a last, partial window is shown but
/// not judged. Memory is judged only when it was sampled.
/// </summary>
public static class Windows
{
    public static WindowSummary Analyze(IReadOnlyList<SecondRow> series, TimeSpan window, double tolerance)
    {
        var w = window.TotalSeconds;
        var groups = series
            .Where(r => r.Span > 0)
            .GroupBy(r => (int)Math.Floor((r.T - r.Span / 2) / w)) // a row belongs to the window holding its middle
            .OrderBy(g => g.Key)
            .ToList();
        var rows = new List<WindowRow>();
        WindowRow? first = null;
        foreach (var g in groups)
        {
            var span = g.Sum(r => r.Span);
            if (span < 0.5 && rows.Count > 0) continue; // the last tick's few milliseconds: nothing to show
            var rss = g.Where(r => r.EngineRssMb is not null).Select(r => r.EngineRssMb!.Value).ToList();
            var engineCpu = g.Where(r => r.EngineCpuPercent is not null).Select(r => r.EngineCpuPercent!.Value).ToList();
            var genCpu = g.Where(r => r.GeneratorCpuPercent is not null).Select(r => r.GeneratorCpuPercent!.Value).ToList();
            var p99 = g.Where(r => r.P99Ms is not null).Select(r => r.P99Ms!.Value).ToList();
            var row = new WindowRow(
                g.Key,
                g.Key * w,
                Math.Round(g.Max(r => r.T), 3),
                span >= 0.9 * w,
                Math.Round(g.Sum(r => r.Accepted) / span, 1),
                Math.Round(g.Sum(r => r.Accepted + r.Refused + r.Other + r.Failed) / span, 1),
                p99.Count > 0 ? p99.Max() : null,
                rss.Count > 0 ? Math.Round(rss.Average(), 1) : null,
                engineCpu.Count > 0 ? Math.Round(engineCpu.Average(), 1) : null,
                genCpu.Count > 0 ? Math.Round(genCpu.Average(), 1) : null,
                null,
                null);
            first ??= row;
            rows.Add(row with
            {
                AcceptedVsFirst = first.AcceptedPerS > 0 ? Math.Round(row.AcceptedPerS / first.AcceptedPerS, 3) : null,
                RssVsFirst = first.EngineRssMb is > 0 && row.EngineRssMb is { } r ? Math.Round(r / first.EngineRssMb.Value, 3) : null,
            });
        }

        var judged = rows.Where(r => r.Full).ToList();
        if (judged.Count < 2 || !judged[0].Full || judged[0].Index != rows[0].Index)
            return new WindowSummary(w, tolerance, rows, null, $"n/a (fewer than two full {w:0}s windows)");
        bool Within(double? ratio) => ratio is { } x && Math.Abs(x - 1) <= tolerance;
        var slow = judged.FirstOrDefault(r => !Within(r.AcceptedVsFirst));
        var memorySampled = judged.All(r => r.RssVsFirst is not null);
        var grown = memorySampled ? judged.FirstOrDefault(r => !Within(r.RssVsFirst)) : null;
        var flat = slow is null && grown is null;
        var inv = CultureInfo.InvariantCulture;
        var verdict = flat
            ? (memorySampled ? "yes" : "yes (throughput only: no --engine-pid, memory not sampled)")
            : "NO: " + string.Join(", ", new[]
            {
                slow is null ? null : string.Create(inv, $"window {slow.Index + 1} accepted/s {slow.AcceptedVsFirst:0.00}x the first"),
                grown is null ? null : string.Create(inv, $"window {grown.Index + 1} engine RSS {grown.RssVsFirst:0.00}x the first"),
            }.OfType<string>());
        return new WindowSummary(w, tolerance, rows, flat, verdict);
    }

    /// <summary>" windows=10x60s accepted/s-vs-first=0.95..1.03 rss-vs-first=1.00..1.08 flat=yes" for a summary line.</summary>
    public static string Brief(WindowSummary s)
    {
        var inv = CultureInfo.InvariantCulture;
        var full = s.Rows.Where(r => r.Full).ToList();
        static string Range(IEnumerable<double?> values)
        {
            var v = values.OfType<double>().ToList();
            return v.Count == 0 ? "n/a" : string.Create(CultureInfo.InvariantCulture, $"{v.Min():0.00}..{v.Max():0.00}");
        }
        return string.Create(inv,
            $" windows={full.Count}x{s.WindowSeconds:0}s accepted/s-vs-first={Range(full.Select(r => r.AcceptedVsFirst))} " +
            $"rss-vs-first={Range(full.Select(r => r.RssVsFirst))} flat={(s.Flat switch { true => "yes", false => "NO", null => "n/a" })}");
    }
}
