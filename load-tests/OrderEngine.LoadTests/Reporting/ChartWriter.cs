using ScottPlot;

namespace OrderEngine.LoadTests.Reporting;

/// <summary>
/// A PNG of the per-second series: accepted, refused and failed requests per second (left axis) and the p99 of
/// each second (right axis). A chart that cannot be drawn is a warning, never a failed run.
/// </summary>
public static class ChartWriter
{
    public static string? TryWrite(string path, RunReport report)
    {
        try
        {
            var rows = report.Series.Where(r => r.Span >= 0.5).ToList();
            if (rows.Count == 0) return null;
            var t = rows.Select(r => r.T).ToArray();
            var plot = new Plot();
            Line(plot, t, rows.Select(r => r.Accepted / r.Span).ToArray(), "accepted/s", Colors.SeaGreen);
            if (rows.Any(r => r.Refused > 0)) Line(plot, t, rows.Select(r => r.Refused / r.Span).ToArray(), "refused/s", Colors.Orange);
            if (rows.Any(r => r.Other + r.Failed > 0)) Line(plot, t, rows.Select(r => (r.Other + r.Failed) / r.Span).ToArray(), "errors/s", Colors.Red);
            if (rows.Any(r => r.NotSent > 0)) Line(plot, t, rows.Select(r => r.NotSent / r.Span).ToArray(), "not sent/s", Colors.Gray);
            var withLatency = rows.Where(r => r.P99Ms is not null).ToList();
            if (withLatency.Count > 0)
            {
                var p99 = plot.Add.Scatter(withLatency.Select(r => r.T).ToArray(), withLatency.Select(r => r.P99Ms!.Value).ToArray());
                p99.LegendText = "p99 ms (right)";
                p99.Color = Colors.SteelBlue;
                p99.LinePattern = LinePattern.Dashed;
                p99.MarkerSize = 0;
                p99.Axes.YAxis = plot.Axes.Right;
                plot.Axes.Right.Label.Text = "p99 latency (ms)";
            }
            plot.Title($"{report.Scenario} · {(report.Mode == "open" ? $"rate {report.Rate}/s" : report.Mode == "closed" ? $"{report.Clients} clients" : report.Mode)} · {report.Url}");
            plot.XLabel("time since start of measurement (s)");
            plot.YLabel("requests per second");
            plot.ShowLegend(Alignment.UpperRight);
            plot.SavePng(path, 1000, 450);
            return path;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Console.Error.WriteLine($"warning: no chart ({e.GetType().Name}: {e.Message})");
            return null;
        }
    }

    private static void Line(Plot plot, double[] t, double[] values, string label, Color color)
    {
        var s = plot.Add.Scatter(t, values);
        s.LegendText = label;
        s.Color = color;
        s.MarkerSize = 3;
    }
}
