using System.Globalization;
using System.Text.RegularExpressions;
using OrderEngine.LoadTests.Core;

namespace OrderEngine.LoadTests.Cli;

/// <summary>How the load is offered: C clients in a closed loop, or a fixed arrival rate (open loop).</summary>
public enum LoadMode
{
    Closed,
    Open,
}

/// <summary>The options every scenario shares.</summary>
public sealed partial class RunOptions
{
    public required Uri Url { get; init; }
    public required LoadMode Mode { get; init; }
    public required int Clients { get; init; }
    public required double Rate { get; init; }
    public required int MaxInFlight { get; init; }
    public required TimeSpan Duration { get; init; }
    public required long? Count { get; init; }
    public required TimeSpan Warmup { get; init; }
    public required int Seed { get; init; }
    public required string ReportDir { get; init; }
    public required string RunId { get; init; }
    public required TimeSpan Timeout { get; init; }
    public required int SetupParallelism { get; init; }
    public required int CheckParallelism { get; init; }
    public required TimeSpan Settle { get; init; }
    public required int ReconcileAttempts { get; init; }
    public required TimeSpan ReconcileTimeout { get; init; }
    public required int? EnginePid { get; init; }
    public required bool Quiet { get; init; }

    /// <summary>--window: cut the per-second series into windows (a soak: 60s) and judge each against the first.</summary>
    public required TimeSpan? Window { get; init; }

    /// <summary>--flat-tolerance: how far (0.10 = ±10%) a window may be from the first and still count as flat.</summary>
    public required double FlatTolerance { get; init; }

    /// <summary>The HTTP client that carries the load requests (--client raw|httpclient).</summary>
    public required LoadClientKind Client { get; init; }

    /// <summary>The number of HTTP connections the generator may open: one per client or per in-flight request.</summary>
    public int Connections => Mode == LoadMode.Closed ? Clients : MaxInFlight;

    /// <summary>"clients=64" or "rate=2000": how the load was offered, for the summary line.</summary>
    public string ClientLabel => Client == LoadClientKind.Raw ? "raw" : "httpclient";

    public string LoadLabel => Mode == LoadMode.Closed
        ? $"clients={Clients}"
        : $"rate={Rate.ToString("0.##", CultureInfo.InvariantCulture)}";

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,23}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex RunIdPattern();

    public static RunOptions Parse(Args a, TimeSpan defaultDuration)
    {
        var hasRate = a.Has("rate");
        var hasClients = a.Has("clients");
        if (hasRate && hasClients)
            throw new UsageException("give either --clients (closed loop) or --rate (open loop), not both");
        var url = a.String("url", "http://127.0.0.1:5000");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            throw new UsageException($"--url: '{url}' is not an http(s) URL");
        var seed = a.Int("seed", 42);
        var runId = a.Raw("run-id") ?? DefaultRunId();
        if (!RunIdPattern().IsMatch(runId))
            throw new UsageException("--run-id: 1-24 characters, lower-case letters, digits and '-', starting with a letter or digit");
        var rate = a.Double("rate", 0, 0.001, 10_000_000);
        var count = a.Has("count") ? a.Long("count", 0, 1) : (long?)null;
        // With --count alone the count ends the run; --duration still caps it when given.
        var duration = a.Duration("duration") ?? (count is null ? defaultDuration : TimeSpan.FromHours(24));
        if (duration <= TimeSpan.Zero) throw new UsageException("--duration must be positive");
        var clients = a.Int("clients", 64, 1, 100_000);
        return new RunOptions
        {
            Url = uri,
            Mode = hasRate ? LoadMode.Open : LoadMode.Closed,
            Clients = clients,
            Rate = rate,
            MaxInFlight = a.Int("max-in-flight", hasRate ? 1024 : clients, 1, 100_000),
            Duration = duration,
            Count = count,
            Warmup = a.Duration("warmup", TimeSpan.FromSeconds(2)),
            Seed = seed,
            ReportDir = a.String("report-dir", Path.Combine("load-tests", "reports")),
            RunId = runId,
            Timeout = a.Duration("timeout", TimeSpan.FromSeconds(30)),
            SetupParallelism = a.Int("setup-parallelism", 64, 1, 10_000),
            CheckParallelism = a.Int("check-parallelism", 32, 1, 10_000),
            Settle = a.Duration("settle", TimeSpan.FromSeconds(10)),
            ReconcileAttempts = a.Int("reconcile-attempts", 5, 0, 100),
            ReconcileTimeout = a.Duration("reconcile-timeout", TimeSpan.FromSeconds(60)),
            EnginePid = a.Has("engine-pid") ? a.Int("engine-pid", 0, 1) : null,
            Quiet = a.Flag("quiet"),
            Window = a.Duration("window") is { } window
                ? (window >= TimeSpan.FromSeconds(2) ? window : throw new UsageException("--window: at least 2s (the series has one row a second)"))
                : null,
            FlatTolerance = a.Double("flat-tolerance", 0.10, 0, 10),
            Client = a.String("client", "raw") switch
            {
                "raw" => LoadClientKind.Raw,
                "httpclient" => LoadClientKind.HttpClient,
                var v => throw new UsageException($"--client: raw or httpclient, not '{v}'"),
            },
        };
    }

    /// <summary>A run id that differs between runs (so SKU names never collide) and is short enough for SKU names.</summary>
    private static string DefaultRunId() =>
        "lt" + DateTime.UtcNow.ToString("MMddHHmmss", CultureInfo.InvariantCulture) + "-" +
        Random.Shared.Next(0, 0x10000).ToString("x4", CultureInfo.InvariantCulture);
}
