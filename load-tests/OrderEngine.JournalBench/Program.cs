using OrderEngine.JournalBench;

// dotnet run -c Release --project load-tests/OrderEngine.JournalBench -- [journals|shapes|batches|all]
//     [--entities 1000] [--events 5] [--rounds 2] [--rows 4096] [--backends sqlite,postgres]
// journals: both write journals on each backend; shapes: the statement shapes the journal chose between;
// batches: OrderEngine's journal on PostgreSQL with 1-4 concurrent batches.
var mode = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "all";
int Option(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
}
var backendsArg = Array.IndexOf(args, "--backends") is var b and >= 0 && b + 1 < args.Length ? args[b + 1] : "sqlite,postgres";
var backends = backendsArg.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

await using var bench = await Backends.StartAsync(backends);
if (mode is "journals" or "all")
    await JournalRun.RunAsync(bench, Option("--entities", 1000), Option("--events", 5), Option("--rounds", 2));
if (mode is "batches")
    await JournalRun.SweepConcurrentBatchesAsync(bench, Option("--entities", 1000), Option("--events", 5), [1, 2, 3, 4], Option("--rounds", 2));
if (mode is "shapes" or "all")
    await StatementShapes.RunAsync(bench, Option("--rows", 4096));
