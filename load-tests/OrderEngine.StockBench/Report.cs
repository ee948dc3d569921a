using System.Globalization;
using System.Text.Json;

namespace OrderEngine.StockBench;

/// <summary>Prints one run, or two runs side by side with the ratios that matter, as Markdown tables.</summary>
public static class Report
{
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    private static string F(double v, int digits = 1) => v.ToString("N" + digits, CultureInfo.InvariantCulture);

    private static string Ratio(double a, double b) => b == 0 ? "–" : (a / b).ToString("0.00", CultureInfo.InvariantCulture) + "×";

    public static void PrintOne(RunResult r, TextWriter w)
    {
        w.WriteLine();
        w.WriteLine($"## {r.Label} {r.Commit} ({r.At:yyyy-MM-dd HH:mm} UTC, {r.Machine})");
        w.WriteLine();
        w.WriteLine("| open reservations | state MB | decider µs/sale | (elapsed) | decider B/sale | expiry decision µs | snapshot ms | snapshot MB | restore ms | events/snapshot | snapshot µs/sale | entity µs/sale | (elapsed) | entity B/sale | sales | snapshots |");
        w.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var s in r.Sizes)
        {
            w.WriteLine($"| {s.OpenReservations:N0} | {F(s.StateMegabytes)} | {F(s.DomainUsPerSale, 2)} | {F(s.DomainWallUsPerSale, 2)} | {F(s.DomainBytesPerSale, 0)} | {F(s.ExpiryCheckUs, 2)} | "
                + $"{F(s.SnapshotMs)} | {F(s.SnapshotMegabytes)} | {F(s.RestoreMs)} | {s.SnapshotIntervalEvents:N0} | {F(s.SnapshotUsPerSale, 2)} | "
                + $"{F(s.ActorCpuUsPerSale)} | {F(s.ActorWallUsPerSale)} | {F(s.ActorBytesPerSale, 0)} | {s.ActorSales:N0} | {s.ActorSnapshots} |");
        }
        w.WriteLine();
        if (r.Sizes.Count > 1)
        {
            var (small, large) = (r.Sizes[0], r.Sizes[^1]);
            w.WriteLine($"Per-sale cost at {large.OpenReservations:N0} open / at {small.OpenReservations:N0}: decider incl. snapshots "
                + $"{Ratio(large.DomainTotalUsPerSale, small.DomainTotalUsPerSale)}, entity incl. snapshots {Ratio(large.ActorTotalUsPerSale, small.ActorTotalUsPerSale)}");
        }
    }

    public static void PrintComparison(RunResult before, RunResult after, TextWriter w)
    {
        PrintOne(before, w);
        PrintOne(after, w);
        w.WriteLine();
        w.WriteLine($"## {before.Label} → {after.Label}: CPU per sale (reserve + commit), snapshots included");
        w.WriteLine();
        w.WriteLine("| open reservations | decider µs ({0}) | decider µs ({1}) | entity µs ({0}) | entity µs ({1}) | entity B ({0}) | entity B ({1}) | expiry decision µs ({0}) | expiry decision µs ({1}) | state MB ({0}) | state MB ({1}) |"
            .Replace("{0}", before.Label).Replace("{1}", after.Label));
        w.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var b in before.Sizes)
        {
            if (after.Sizes.Find(x => x.OpenReservations == b.OpenReservations) is not { } a) continue;
            w.WriteLine($"| {b.OpenReservations:N0} | {F(b.DomainTotalUsPerSale, 2)} | {F(a.DomainTotalUsPerSale, 2)} | {F(b.ActorTotalUsPerSale)} | {F(a.ActorTotalUsPerSale)} | "
                + $"{F(b.ActorBytesPerSale, 0)} | {F(a.ActorBytesPerSale, 0)} | {F(b.ExpiryCheckUs, 2)} | {F(a.ExpiryCheckUs, 2)} | {F(b.StateMegabytes)} | {F(a.StateMegabytes)} |");
        }
        w.WriteLine();
        if (before.Sizes.Count > 1 && after.Sizes.Count > 1)
        {
            w.WriteLine($"Ratio of the per-sale cost at {before.Sizes[^1].OpenReservations:N0} open reservations to that at {before.Sizes[0].OpenReservations:N0}:");
            w.WriteLine();
            w.WriteLine($"| | {before.Label} | {after.Label} |");
            w.WriteLine("|---|---:|---:|");
            w.WriteLine($"| decider + evolve + snapshot | {Ratio(before.Sizes[^1].DomainTotalUsPerSale, before.Sizes[0].DomainTotalUsPerSale)} | {Ratio(after.Sizes[^1].DomainTotalUsPerSale, after.Sizes[0].DomainTotalUsPerSale)} |");
            w.WriteLine($"| StockActor on an in-memory journal | {Ratio(before.Sizes[^1].ActorTotalUsPerSale, before.Sizes[0].ActorTotalUsPerSale)} | {Ratio(after.Sizes[^1].ActorTotalUsPerSale, after.Sizes[0].ActorTotalUsPerSale)} |");
        }
    }
}
