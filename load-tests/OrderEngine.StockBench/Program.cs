using System.Text.Json;
using OrderEngine.StockBench;

// The stock benchmark: what one sale costs a stock entity that holds 0 … 1,000,000 open reservations.
//   run     [--label L] [--commit C] [--sizes 0,10000,100000,1000000] [--seconds 2] [--reps 3] [--out file.json]
//   compare before.json after.json
// load-tests/stock-bench.sh builds it against an earlier commit and against this tree and runs both.
var command = args.Length > 0 ? args[0] : "run";
string? Option(string name, string? fallback = null)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

switch (command)
{
    case "run":
    {
        var settings = new BenchSettings(
            Label: Option("--label", "this tree")!,
            Commit: Option("--commit", "")!,
            Sizes: [.. Option("--sizes", "0,10000,100000,1000000")!.Split(',').Select(int.Parse)],
            SecondsPerRep: double.Parse(Option("--seconds", "2")!, System.Globalization.CultureInfo.InvariantCulture),
            Reps: int.Parse(Option("--reps", "3")!));
        var result = await StockBench.Run(settings, Console.Out);
        if (Option("--out") is { } path) await File.WriteAllTextAsync(path, JsonSerializer.Serialize(result, Report.Json));
        Report.PrintOne(result, Console.Out);
        return 0;
    }
    case "compare" when args.Length == 3:
    {
        var before = JsonSerializer.Deserialize<RunResult>(await File.ReadAllTextAsync(args[1]), Report.Json)!;
        var after = JsonSerializer.Deserialize<RunResult>(await File.ReadAllTextAsync(args[2]), Report.Json)!;
        Report.PrintComparison(before, after, Console.Out);
        return 0;
    }
    default:
        Console.Error.WriteLine("usage: run [--label L] [--commit C] [--sizes 0,10000,...] [--seconds 2] [--reps 3] [--out file.json] | compare before.json after.json");
        return 2;
}
