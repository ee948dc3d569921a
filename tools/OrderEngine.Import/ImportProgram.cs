using System.IO.Compression;
using OrderEngine.Import.Uci;

namespace OrderEngine.Import;

/// <summary>The command line: <c>import-uci --engine URL --file CSV</c> (see README.md).</summary>
public static class ImportProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args is not ["import-uci", .. var rest])
        {
            Usage();
            return args is [] or ["-h" or "--help" or "help"] ? (args.Length == 0 ? 2 : 0) : 2;
        }
        string engine = "http://127.0.0.1:5000", channel = UciImporter.DefaultChannel;
        string? file = null;
        var parallelism = 64;
        var timeout = TimeSpan.FromMinutes(10);
        var dryRun = false;
        for (var i = 0; i < rest.Length; i++)
        {
            string Next() => i + 1 < rest.Length ? rest[++i] : throw new ArgumentException($"{rest[i]} needs a value");
            switch (rest[i])
            {
                case "--engine": engine = Next(); break;
                case "--file": file = Next(); break;
                case "--channel": channel = Next(); break;
                case "--parallelism": parallelism = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--timeout": timeout = TimeSpan.FromSeconds(double.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture)); break;
                case "--dry-run": dryRun = true; break;
                default:
                    Console.Error.WriteLine($"error: unknown option '{rest[i]}'");
                    Usage();
                    return 2;
            }
        }
        if (file is null)
        {
            Console.Error.WriteLine("error: import-uci needs --file <csv>");
            return 2;
        }
        var conversion = Convert(file);
        if (dryRun)
        {
            // The feed as it would be posted, on stdout: to look at, or to post by hand (curl --data-binary @-).
            UciConverter.WriteFeed(conversion.Orders, Console.Out);
            return 0;
        }
        using var http = new HttpClient { BaseAddress = new Uri(engine), Timeout = timeout };
        var report = await new UciImporter(http, channel, parallelism, Console.Error).RunAsync(conversion);
        Console.Write(UciImporter.Describe(report));
        return report.AsExpected ? 0 : 1;
    }

    /// <summary>Reads the file (plain or .gz) and converts it.</summary>
    public static UciConversion Convert(string path)
    {
        using var stream = File.OpenRead(path);
        using Stream body = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(stream, CompressionMode.Decompress) : stream;
        using var reader = new StreamReader(body, System.Text.Encoding.UTF8);
        return UciConverter.Convert(UciCsv.Read(reader));
    }

    private static void Usage() => Console.Error.WriteLine("""
        OrderEngine dataset import: converts a dataset into the CSV channel feed and posts it to a running engine.

        usage: dotnet run --project tools/OrderEngine.Import -- import-uci --file <csv[.gz]> [options]
          --engine http://127.0.0.1:5000   the engine (start it with OrderEngine__Orders__MaxLines=1000: invoices have up to 675 lines)
          --channel uci                    the channel the invoices arrive on
          --parallelism 64                 stock set-up requests in flight
          --timeout 600                    seconds the feed may take
          --dry-run                        print the converted feed (CSV) instead of posting it

        Sets on-hand stock for every SKU the sales need, feeds every invoice, prints what was accepted, refused and
        quarantined beside the figures expected from the file; exit code 0 when every invoice went as documented in
        docs/reports.md ("The UCI Online Retail import").
        """);
}
