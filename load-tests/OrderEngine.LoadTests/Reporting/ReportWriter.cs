using System.Globalization;
using System.Text;
using System.Text.Json;
using OrderEngine.LoadTests.Core;

namespace OrderEngine.LoadTests.Reporting;

/// <summary>
/// Writes a run's report as &lt;scenario&gt;-&lt;timestamp&gt;.md and .json, a chart of the per-second series as .png,
/// and its SKU ledger as .ledger.csv.
/// </summary>
public static class ReportWriter
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string BaseName(RunReport report, DateTime startedUtc) =>
        $"{report.Scenario}-{startedUtc.ToString("yyyyMMdd-HHmmss", Inv)}";

    public static (string Markdown, string Json, string Ledger) Write(string dir, string baseName, RunReport report, SkuCatalog catalog)
    {
        Directory.CreateDirectory(dir);
        var json = Path.Combine(dir, baseName + ".json");
        var md = Path.Combine(dir, baseName + ".md");
        var ledger = Path.Combine(dir, baseName + ".ledger.csv");
        File.WriteAllText(json, JsonSerializer.Serialize(report, ReportJsonContext.Default.RunReport));
        var chart = ChartWriter.TryWrite(Path.Combine(dir, baseName + ".png"), report);
        File.WriteAllText(md, Markdown(report, chart is null ? null : Path.GetFileName(chart)));
        WriteLedger(ledger, catalog);
        return (md, json, ledger);
    }

    public static RunReport Read(string path) =>
        JsonSerializer.Deserialize(File.ReadAllText(path), ReportJsonContext.Default.RunReport)
        ?? throw new InvalidDataException($"{path} holds no report");

    /// <summary>Every touched SKU with its set-up count and the client's ledger, so `verify` can check it again later.</summary>
    private static void WriteLedger(string path, SkuCatalog catalog)
    {
        using var w = new StreamWriter(path, false, new UTF8Encoding(false));
        w.WriteLine("sku,onHand,accepted,uncertain,mayLeave");
        foreach (var sku in catalog.TouchedSkus())
            w.WriteLine(string.Create(Inv, $"{catalog.Name(sku)},{catalog.OnHand(sku)},{catalog.Accepted(sku)},{catalog.Uncertain(sku)},{catalog.MayLeave(sku)}"));
    }

    public static SkuCatalog ReadLedger(string path)
    {
        var catalog = new SkuCatalog();
        var rows = new List<(long Accepted, long Uncertain, long MayLeave)>();
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            if (line.Length == 0) continue;
            var p = line.Split(',');
            catalog.Add(p[0], long.Parse(p[1], Inv));
            // mayLeave: a fifth column since the restaurant rush (older ledgers have four).
            rows.Add((long.Parse(p[2], Inv), long.Parse(p[3], Inv), p.Length > 4 ? long.Parse(p[4], Inv) : 0));
        }
        catalog.Freeze();
        for (var i = 0; i < rows.Count; i++) catalog.Restore(i, rows[i].Accepted, rows[i].Uncertain, rows[i].MayLeave);
        return catalog;
    }

    public static string Markdown(RunReport r, string? chart = null)
    {
        var sb = new StringBuilder();
        void L(string s = "") => sb.Append(s).Append('\n');
        string F(double v) => v.ToString(v >= 100 ? "0" : "0.##", Inv);

        L($"# OrderEngine load test: {r.Scenario}");
        L();
        L($"**{(r.Passed ? "PASS" : "FAIL")}** · `{r.Summary}`");
        L();
        L("| | |");
        L("|---|---|");
        L($"| engine | {r.Url} |");
        L($"| run id | `{r.RunId}` (SKU prefix) |");
        L($"| started (UTC) | {r.StartedAtUtc} |");
        L($"| load | {(r.Mode == "open" ? $"open loop, {F(r.Rate ?? 0)} requests/s, at most {r.MaxInFlight} in flight" : r.Mode == "closed" ? $"closed loop, {r.Clients} clients" : r.Mode)} |");
        L($"| measured | {F(r.DurationSeconds)} s (ended by: {r.StopReason}) |");
        L($"| set-up | {r.Setup.Skus} SKUs in {F(r.Setup.Seconds)} s ({F(r.Setup.SkusPerSecond)}/s, {r.Setup.Retries} retries) |");
        if (r.Warmup is { } w) L($"| warm-up | {F(w.Seconds)} s, {w.Sent} requests ({w.Accepted} accepted, {w.Errors} errors), not measured |");
        L($"| machine | {r.Machine.Cores} cores, {F(r.Machine.MemoryGiB)} GiB, {r.Machine.Os}, {r.Machine.Runtime} |");
        L($"| load average | {r.Machine.LoadAverageAtStart} at start, {r.Machine.LoadAverageAtEnd} at end |");
        L($"| generator CPU | {F(r.Generator.CpuSeconds)} s ({F(r.Generator.CpuPercentOfOneCore)}% of one core over the run); measured phase: {F(r.Generator.MeasuredCpuSeconds)} s ({F(r.Generator.MeasuredCpuPercentOfOneCore)}% of one core)"
          + (r.Generator.CpuMicrosPerRequest is { } us ? $", **{F(us)} µs per request**" : "") + $", client {r.Generator.Client}, inline socket completions {(r.Generator.InlineSocketCompletions ? "on" : "off")} |");
        L();
        L("## Options");
        L();
        L("| option | value |");
        L("|---|---|");
        foreach (var (k, v) in r.Options) L($"| --{k} | {v} |");
        foreach (var (k, v) in r.Parameters) L($"| {k} (scenario) | {v} |");
        L();
        L("## Counts and throughput");
        L();
        var c = r.Counts;
        L("| | |");
        L("|---|---|");
        L($"| sent | {c.Sent} |");
        if (c.NotSent > 0) L($"| **not sent** (in-flight cap reached) | {c.NotSent} |");
        L($"| accepted (201) | {c.Accepted} |");
        L($"| refused (409) | {c.Refused} (insufficient stock {c.RefusedInsufficientStock}, unknown SKU {c.RefusedUnknownSku}, other {c.RefusedOther}) |");
        L($"| other HTTP status | {c.OtherStatus} |");
        L($"| timeouts | {c.Timeouts} |");
        L($"| transport errors | {c.TransportErrors} |");
        foreach (var (k, v) in r.Throughput) L($"| {k} | {F(v)} |");
        foreach (var (k, v) in r.Figures) L($"| {k} | {F(v)} |");
        L();
        foreach (var table in r.Tables)
        {
            L($"## {table.Title}");
            L();
            if (table.Note.Length > 0)
            {
                L(table.Note);
                L();
            }
            L("| " + string.Join(" | ", table.Columns) + " |");
            L("|" + string.Concat(table.Columns.Select(_ => "---|")));
            foreach (var row in table.Rows) L("| " + string.Join(" | ", row) + " |");
            L();
        }
        L("## Latency (ms)");
        L();
        LatencyTable(sb, r.Latency);
        if (r.PhaseLatency.Count > 0)
        {
            L();
            L("Split by phase:");
            L();
            LatencyTable(sb, r.PhaseLatency);
        }
        L();
        L("## HTTP status codes and errors");
        L();
        L("| status | count |");
        L("|---|---|");
        foreach (var (k, v) in r.StatusCodes) L($"| {k} | {v} |");
        foreach (var (k, v) in r.TransportErrors) L($"| {k} | {v} |");
        if (r.ErrorSamples.Count > 0)
        {
            L();
            L("Samples:");
            L();
            foreach (var (k, samples) in r.ErrorSamples)
                foreach (var s in samples) L($"- {k}: `{s.Replace('`', '\'').Replace('\n', ' ')}`");
        }
        if (r.Reconcile is { Uncertain: > 0 } rc)
        {
            L();
            L($"Orders with an unknown outcome asked again with the same Idempotency-Key: {rc.Uncertain} → {rc.Accepted} accepted, " +
              $"{rc.Refused} refused, {rc.Invalid} invalid, **{rc.Unresolved} unresolved** ({F(rc.Seconds)} s).");
        }
        L();
        L("## Invariants");
        L();
        L($"{r.CheckedSkus} SKUs read back in {F(r.CheckSeconds)} s.");
        L();
        foreach (var check in r.Checks)
        {
            L($"- **{(check.Passed ? "PASS" : "FAIL")}** {check.Name}: {check.Detail}");
            foreach (var e in check.Examples.Skip(1)) L($"  - {e}");
        }
        if (r.Windows is { } ws)
        {
            L();
            L($"## Over time: {F(ws.WindowSeconds)} s windows against the first");
            L();
            L($"Flat (every full window within ±{F(ws.Tolerance * 100)}% of the first on accepted/s and engine RSS): **{ws.Verdict}**");
            L();
            L("| window | from s | to s | full | accepted/s | vs first | completed/s | max 1-s p99 ms | engine RSS MB (mean) | vs first | engine CPU % | gen CPU % |");
            L("|---|---|---|---|---|---|---|---|---|---|---|---|");
            foreach (var row in ws.Rows)
                L($"| {row.Index + 1} | {F(row.FromS)} | {F(row.ToS)} | {(row.Full ? "yes" : "partial")} | {F(row.AcceptedPerS)} | {Opt(row.AcceptedVsFirst)} | {F(row.CompletedPerS)} | {Opt(row.MaxSecondP99Ms)} | {Opt(row.EngineRssMb)} | {Opt(row.RssVsFirst)} | {Opt(row.EngineCpuPercent)} | {Opt(row.GeneratorCpuPercent)} |");
        }
        L();
        L("## Throughput per second");
        L();
        if (chart is not null)
        {
            L($"![requests per second and p99 latency]({chart})");
            L();
        }
        var engine = r.Series.Any(s => s.EngineRssMb is not null);
        L("| t (s) | sent | accepted | refused | other | failed | not sent | in flight | p50 ms | p99 ms | max ms | gen CPU %" + (engine ? " | engine RSS MB | engine CPU % |" : " |"));
        L("|---|---|---|---|---|---|---|---|---|---|---|---" + (engine ? "|---|---|" : "|"));
        foreach (var s in r.Series)
        {
            L($"| {F(s.T)} | {s.Sent} | {s.Accepted} | {s.Refused} | {s.Other} | {s.Failed} | {s.NotSent} | {s.InFlight} | {Opt(s.P50Ms)} | {Opt(s.P99Ms)} | {Opt(s.MaxMs)} | {Opt(s.GeneratorCpuPercent)}"
              + (engine ? $" | {Opt(s.EngineRssMb)} | {Opt(s.EngineCpuPercent)} |" : " |"));
        }
        return sb.ToString();

        string Opt(double? v) => v is { } x ? F(x) : "";
    }

    private static void LatencyTable(StringBuilder sb, IEnumerable<LatencySummary> rows)
    {
        sb.Append("| class | n | mean | p50 | p90 | p99 | p99.9 | max |\n|---|---|---|---|---|---|---|---|\n");
        foreach (var l in rows.Where(l => l.Count > 0 || l.Name is "all" or "accepted (201)" or "refused (409)"))
            sb.Append(string.Create(Inv, $"| {l.Name} | {l.Count} | {l.MeanMs:0.00} | {l.P50Ms:0.00} | {l.P90Ms:0.00} | {l.P99Ms:0.00} | {l.P999Ms:0.00} | {l.MaxMs:0.00} |\n"));
    }
}
