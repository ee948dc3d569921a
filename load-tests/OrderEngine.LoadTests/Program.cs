using System.Globalization;
using OrderEngine.LoadTests;
using OrderEngine.LoadTests.Cli;
using OrderEngine.LoadTests.Core;
using OrderEngine.LoadTests.Reporting;
using OrderEngine.LoadTests.Scenarios;

// Socket completions run on the socket engine's own thread instead of being handed to the thread pool: one wake-up
// per answer instead of two, measurably less generator CPU per request (load-tests/README.md, "Generator cost"). The
// generator's continuations are short and never block, which is what this needs. The runtime reads the variable once,
// when the first socket is used, so it is set before anything else runs; a value given in the environment wins.
// Not for the dispatch stub: HttpListener blocks in places, and a blocked inline completion stalls every socket.
if (Environment.GetEnvironmentVariable(InlineCompletions.Variable) is null && args is not ["dispatch-stub", ..])
    Environment.SetEnvironmentVariable(InlineCompletions.Variable, "1");

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (cts.IsCancellationRequested) return; // a second Ctrl+C ends the process
    e.Cancel = true;
    Console.Error.WriteLine("\ninterrupted: stopping the load, then checking and reporting what ran");
    cts.Cancel();
};

try
{
    if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
    {
        PrintUsage();
        return args.Length == 0 ? 2 : 0;
    }
    var command = args[0];
    var options = new Args(args.Skip(1));
    switch (command)
    {
        case "selftest":
            options.RejectUnknown();
            return SelfTest.Run();
        case "verify":
            return await VerifyAsync(options);
        case "client-check":
            return await ClientCheck.RunAsync(options);
        case "stub":
            return await StubServer.RunAsync(options, cts.Token);
        case "dispatch-stub":
            return await DispatchStub.RunAsync(options, cts.Token);
        case "read-fill":
            return await OrderEngine.LoadTests.ReadSide.ReadSideFill.RunAsync(options, cts.Token);
        case "read-bench":
            return await OrderEngine.LoadTests.ReadSide.ReadSideBench.RunAsync(options, cts.Token);
        case "node-loss":
            return await NodeLoss.RunAsync(options, cts.Token);
    }
    var info = ScenarioRegistry.Find(command);
    if (info is null)
    {
        Console.Error.WriteLine($"unknown scenario '{command}'");
        PrintUsage();
        return 2;
    }
    if (info.Create is null)
    {
        Console.Error.WriteLine($"scenario '{info.Name}' is planned but not implemented yet: {info.Summary}");
        return 2;
    }
    var run = RunOptions.Parse(options, info.DefaultDuration);
    var scenario = info.Create(run, options);
    var printEnvironment = options.Flag("print-engine-env");
    options.RejectUnknown();
    if (printEnvironment)
    {
        // The engine settings the scenario needs, one NAME=value a line (bench.sh passes them to the engine it starts).
        foreach (var (name, value) in scenario.EngineEnvironment) Console.WriteLine($"{name}={value}");
        return 0;
    }
    return await Runner.RunAsync(scenario, options, cts.Token);
}
catch (OperationCanceledException) when (cts.IsCancellationRequested)
{
    Console.Error.WriteLine("interrupted before the load started; nothing to report");
    return 2;
}
catch (UsageException e)
{
    Console.Error.WriteLine("error: " + e.Message);
    Console.Error.WriteLine("run with --help for the options");
    return 2;
}

// verify: checks a finished run's SKUs again against its ledger (e.g. after touching one by hand, to see it FAIL).
static async Task<int> VerifyAsync(Args options)
{
    var reportPath = options.Raw("report") ?? throw new UsageException("verify needs --report <run>.json");
    var report = ReportWriter.Read(reportPath);
    var ledgerPath = Path.ChangeExtension(reportPath, null) + ".ledger.csv";
    var catalog = ReportWriter.ReadLedger(ledgerPath);
    var url = new Uri(options.String("url", report.Url));
    var settle = options.Duration("settle", TimeSpan.FromSeconds(2));
    var parallelism = options.Int("check-parallelism", 32, 1, 10_000);
    options.RejectUnknown();
    using var http = new EngineHttp(url, parallelism, TimeSpan.FromSeconds(30));
    var (figures, seconds, _) = await InvariantChecker.ReadAsync(http, catalog, Enumerable.Range(0, catalog.Count).ToList(), parallelism, settle, false, CancellationToken.None);
    var checks = InvariantRules.Summarize(figures);
    if (report.Scenario == "flash-sale")
    {
        var flashSku = report.Parameters.GetValueOrDefault("sku");
        var f = figures.FirstOrDefault(x => x.Sku == flashSku);
        if (f is null) checks.Add(new CheckResult("flash: sale SKU read back", false, $"{flashSku} is not in the ledger", []));
        else
            checks.AddRange(FlashSale.CheckTotals((long)report.Figures[FlashSale.UnitsKey], (long)report.Figures[FlashSale.AcceptedTotalKey],
                (long)report.Figures[FlashSale.AttemptsKey], f));
    }
    foreach (var c in checks) Console.WriteLine(c.Line);
    var passed = checks.All(c => c.Passed);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"orderengine verify {report.Scenario} run={report.RunId}: skus={figures.Count} seconds={seconds:0.0} oversell={Runner.OversellVerdict(checks)} check={(passed ? "PASS" : "FAIL")}"));
    return passed ? 0 : 1;
}

static void PrintUsage()
{
    Console.Error.WriteLine("""
        OrderEngine load generator: drives a RUNNING engine over HTTP, then checks its stock through the API.

        usage: dotnet run --project load-tests/OrderEngine.LoadTests -c Release -- <scenario> [options]
               ... -- verify --report <dir>/<run>.json [--url URL] [--settle 2s]   check a finished run's SKUs again
               ... -- selftest                                                     the checker's rules, the raw client, window verdicts (no engine)
               ... -- client-check [--url URL]                                     both load clients classify the same answers alike
               ... -- stub [--port 5099]          an in-memory stand-in for the engine, to measure the generator alone
               ... -- dispatch-stub [--port 5098] [--break double-assign]   a stand-in for the dispatch API's wire format, to run
                                                  restaurant-rush's client side without an engine (its figures say nothing about the engine)
               ... -- read-fill --db FILE [--orders 1000000] [--seed 42]   fill the read tables of a new SQLite file with synthetic orders
               ... -- read-bench [--url URL] [--repeat 5]   time the order search and the reports on an engine started on that file
               ... -- node-loss --urls URL1,URL2,URL3 --kill-pid PID --victim I   kill -9 one node of a cluster under load (node-loss --help)

        common options:
          --url http://127.0.0.1:5000   the engine
          --clients 64                  closed loop: C clients, each sends when its previous request answered (default)
          --rate 2000                   open loop: requests/s on a fixed schedule, latency from the scheduled instant
          --max-in-flight 1024          open loop: requests outstanding at most; those due beyond it are counted as not sent
          --duration 20s | --count N    how long to measure, or how many requests (--duration then caps the run)
          --warmup 2s                   unmeasured warm-up on separate SKUs (0 to skip)
          --seed 42                     random seed (order contents; menus of restaurant-rush)
          --report-dir load-tests/reports
          --run-id ID                   SKU name prefix (default: lt<MMddHHmmss>-<random>)
          --timeout 30s                 per request; a timed-out order is asked about again after the run
          --setup-parallelism 64, --check-parallelism 32, --settle 10s, --reconcile-attempts 5, --reconcile-timeout 60s
          --client raw|httpclient       HTTP client of the load requests: the tool's lean keep-alive client over sockets
                                        (raw, the default) or .NET's HttpClient; `client-check` shows they classify alike
          --engine-pid PID              sample the engine's memory and CPU once a second (Linux /proc)
          --window 60s                  a soak: per-window accepted/s and engine RSS against the first window's, with a
                                        verdict: flat when every full window is within --flat-tolerance 0.10 (±10%)
          --quiet                       no progress lines
          --print-engine-env            print the engine configuration the scenario needs (NAME=value lines) and exit

        scenarios:
        """);
    foreach (var s in ScenarioRegistry.All)
        Console.Error.WriteLine($"  {s.Name,-16} {s.Summary}" + (s.Options.Length > 0 ? $"\n  {"",-16} {s.Options}" : ""));
    Console.Error.WriteLine("""

        exit code: 0 every check passed, 1 a check failed, 2 the run could not be made.
        """);
}
