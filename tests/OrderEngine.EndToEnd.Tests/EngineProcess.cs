using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Reflection;
using System.Text;
using OrderEngine.Testing;

namespace OrderEngine.EndToEnd.Tests;

/// <summary>How to start an engine process: its journal, its order hold time and its working directory.</summary>
/// <param name="Provider">"Sqlite" or "PostgreSql" (OrderEngine__Persistence__Provider).</param>
/// <param name="SqlitePath">The SQLite file (OrderEngine__Persistence__SqlitePath); null for PostgreSQL.</param>
/// <param name="ConnectionString">The PostgreSQL connection string (OrderEngine__Persistence__ConnectionString); null for SQLite.</param>
/// <param name="HoldTime">How long an unpaid order keeps its stock (OrderEngine__Orders__HoldTime).</param>
/// <param name="WorkingDirectory">The process's current directory (a temp directory).</param>
public sealed record EngineSettings(string Provider, string? SqlitePath, string? ConnectionString, TimeSpan HoldTime, string WorkingDirectory)
{
    /// <summary>Further configuration as environment variables (e.g. OrderEngine__Persistence__SnapshotEvery).</summary>
    public IReadOnlyDictionary<string, string> Extra { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// The real OrderEngine.Api running as its own OS process (<c>dotnet OrderEngine.Api.dll --urls http://127.0.0.1:port</c>),
/// configured through environment variables, with its stdout/stderr captured. <see cref="Kill"/> is a real SIGKILL,
/// <see cref="StopAsync"/> a graceful SIGTERM; disposing kills the process if it still runs.
/// </summary>
public sealed class EngineProcess : IAsyncDisposable
{
    /// <summary>How long a starting engine may take to answer 200 on /health/ready.</summary>
    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);
    private const int StartAttempts = 3;
    private const int KeptOutputLines = 4000;

    // Every engine still running, so a test host that ends early (crash, abort) still takes them down.
    private static readonly ConcurrentDictionary<int, Process> Live = new();
    private static readonly Lazy<string> RepoRoot = new(FindRepositoryRoot);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private int _disposed;

    static EngineProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var process in Live.Values)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (Exception)
                {
                    // best effort while the test host goes down
                }
            }
        };
    }

    private EngineProcess(string name, int port, EngineSettings settings, Process process)
    {
        Name = name;
        Port = port;
        Settings = settings;
        _process = process;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        Http = new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        })
        {
            BaseAddress = BaseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
        Http.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
    }

    /// <summary>The bootstrap admin key every node of the scenarios starts with (<c>OrderEngine:Security:BootstrapAdminKey</c>).</summary>
    public const string AdminKey = "bootstrap-admin-key-for-end-to-end-0123456789";

    /// <summary>A label for messages ("sqlite#2").</summary>
    public string Name { get; }

    public int Port { get; }

    public EngineSettings Settings { get; }

    public Uri BaseAddress { get; }

    /// <summary>A client for this engine (base address set, 30 s timeout).</summary>
    public HttpClient Http { get; }

    public int Pid { get; private set; }

    public bool HasExited => _process.HasExited;

    /// <summary>The repository root: the first directory above the test assembly that holds OrderEngine.sln.</summary>
    public static string RepositoryRoot => RepoRoot.Value;

    /// <summary>The configuration this test assembly was built with (Debug/Release); the engine of the same one is started.</summary>
    public static string BuildConfiguration =>
        typeof(EngineProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration is { Length: > 0 } configuration
            ? configuration
            : new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name ?? "Debug"; // bin/<Configuration>/net10.0/

    /// <summary>src/OrderEngine.Api/bin/&lt;Configuration&gt;/net10.0/OrderEngine.Api.dll</summary>
    public static string ApiAssemblyPath =>
        Path.Combine(RepositoryRoot, "src", "OrderEngine.Api", "bin", BuildConfiguration, "net10.0", "OrderEngine.Api.dll");

    /// <summary>
    /// Starts an engine on a free port and waits until /health/ready answers 200 (at most <see cref="ReadyTimeout"/>).
    /// Throws with the tail of the engine's output if it exits or does not become ready.
    /// </summary>
    public static async Task<EngineProcess> StartAsync(EngineSettings settings, string name, CancellationToken ct)
    {
        var dll = ApiAssemblyPath;
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException(
                $"{dll} does not exist; build the solution (or this test project, which builds OrderEngine.Api first) in {BuildConfiguration}.");
        }

        for (var attempt = 1; ; attempt++)
        {
            var engine = Launch(settings, name, FreePort.Next(), dll);
            try
            {
                await engine.WaitUntilReadyAsync(ct).ConfigureAwait(false);
                return engine;
            }
            catch (EngineExitedException) when (attempt < StartAttempts && engine.OutputContains("address already in use"))
            {
                // Another process took the free port between FreePort.Next() and Kestrel's bind: try another one.
                await engine.DisposeAsync().ConfigureAwait(false);
            }
            catch
            {
                await engine.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>Starts an engine on a free port without waiting for it to become ready (to stop it while it starts).</summary>
    public static EngineProcess Launch(EngineSettings settings, string name) => Launch(settings, name, FreePort.Next(), ApiAssemblyPath);

    /// <summary>Starts an engine on the given HTTP port without waiting (cluster bootstrap needs every node's port up front).</summary>
    public static EngineProcess Launch(EngineSettings settings, string name, int port) => Launch(settings, name, port, ApiAssemblyPath);

    /// <summary>Waits until /health/ready answers 200 (at most <see cref="ReadyTimeout"/>); throws with the output's tail otherwise.</summary>
    public Task WaitReadyAsync(CancellationToken ct) => WaitUntilReadyAsync(ct);

    private static EngineProcess Launch(EngineSettings settings, string name, int port, string dll)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = settings.WorkingDirectory,
        };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add($"http://127.0.0.1:{port}");
        // The content root is where appsettings.json is deployed (next to the dll), as when the engine runs from its folder;
        // the working directory stays the temp directory, so nothing is written into the build output.
        info.ArgumentList.Add("--contentRoot");
        info.ArgumentList.Add(Path.GetDirectoryName(dll)!);

        // Nothing inherited from the test host may change the engine's configuration.
        foreach (var key in info.Environment.Keys.ToList())
        {
            if (key.StartsWith("OrderEngine", StringComparison.OrdinalIgnoreCase)
                || key.Equals("ASPNETCORE_URLS", StringComparison.OrdinalIgnoreCase)
                || key.Equals("DOTNET_URLS", StringComparison.OrdinalIgnoreCase)
                || key.Equals("URLS", StringComparison.OrdinalIgnoreCase))
            {
                info.Environment.Remove(key);
            }
        }

        info.Environment["OrderEngine__Persistence__Provider"] = settings.Provider;
        if (settings.SqlitePath is not null)
        {
            info.Environment["OrderEngine__Persistence__SqlitePath"] = settings.SqlitePath;
        }

        if (settings.ConnectionString is not null)
        {
            info.Environment["OrderEngine__Persistence__ConnectionString"] = settings.ConnectionString;
        }

        info.Environment["OrderEngine__Orders__HoldTime"] = settings.HoldTime.ToString("c", System.Globalization.CultureInfo.InvariantCulture);
        // Security on, as a node runs by default; the scenarios' client sends the bootstrap admin key.
        info.Environment["OrderEngine__Security__Enabled"] = "true";
        info.Environment["OrderEngine__Security__BootstrapAdminKey"] = AdminKey;
        foreach (var (key, value) in settings.Extra)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var engine = new EngineProcess(name, port, settings, process);
        process.OutputDataReceived += (_, e) => engine.Record("out", e.Data);
        process.ErrorDataReceived += (_, e) => engine.Record("err", e.Data);
        process.Start();
        engine.Pid = process.Id;
        Live[process.Id] = process;
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        engine.Record("test", $"started pid {process.Id}: {info.FileName} {string.Join(' ', info.ArgumentList)} (cwd {settings.WorkingDirectory}, provider {settings.Provider}, hold {settings.HoldTime})");
        return engine;
    }

    private async Task WaitUntilReadyAsync(CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var last = "no answer yet";
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (_process.HasExited)
            {
                // Let the output handlers drain, so the tail explains the exit.
                await DrainOutputAsync().ConfigureAwait(false);
                throw new EngineExitedException(
                    $"Engine {Name} exited with code {_process.ExitCode} before /health/ready answered 200.{Tail(80, head: 40)}");
            }

            try
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
                attempt.CancelAfter(TimeSpan.FromSeconds(5));
                using var response = await Http.GetAsync("health/ready", attempt.Token).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Record("test", $"ready after {clock.Elapsed.TotalSeconds:0.0} s");
                    return;
                }

                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false)}";
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !ct.IsCancellationRequested))
            {
                last = ex.GetType().Name + ": " + ex.Message;
            }

            if (clock.Elapsed > ReadyTimeout)
            {
                throw new TimeoutException(
                    $"Engine {Name} (pid {Pid}) did not answer 200 on /health/ready within {ReadyTimeout.TotalSeconds:0} s; last answer: {last}.{Tail(40, head: 60)}");
            }

            await Task.Delay(100, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// SIGKILL (Process.Kill sends SIGKILL on Linux), then waits until the process is gone. Nothing of the engine's
    /// shutdown runs: whatever was not yet written is lost, as in a crash or an OOM kill.
    /// </summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // exited meanwhile
            }
        }

        if (!_process.WaitForExit(ExitTimeout))
        {
            throw new InvalidOperationException($"Engine {Name} (pid {Pid}) still runs {ExitTimeout.TotalSeconds:0} s after SIGKILL.{Tail()}");
        }

        Live.TryRemove(Pid, out _);
        Record("test", "killed with SIGKILL");
        DrainOutputAsync().GetAwaiter().GetResult();
    }

    /// <summary>Graceful stop: <c>kill -TERM pid</c>, then waits for the exit; returns the exit code. Kills and throws if it does not exit in 30 s.</summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
        {
            Record("test", "sending SIGTERM");
            using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            {
                UseShellExecute = false,
            }) ?? throw new InvalidOperationException("could not run kill");
            await kill.WaitForExitAsync().ConfigureAwait(false);
            using var timeout = new CancellationTokenSource(ExitTimeout);
            try
            {
                await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                var tail = Tail();
                Kill();
                throw new TimeoutException($"Engine {Name} (pid {Pid}) did not exit within {ExitTimeout.TotalSeconds:0} s of SIGTERM; it was killed.{tail}");
            }
        }

        Live.TryRemove(Pid, out _);
        await DrainOutputAsync().ConfigureAwait(false);
        Record("test", $"exited with code {_process.ExitCode}");
        return _process.ExitCode;
    }

    /// <summary>Marks a message that already carries an engine's output.</summary>
    public const string OutputMarker = "output lines of engine";

    /// <summary>
    /// The last <paramref name="lines"/> lines the engine wrote (stdout and stderr, in arrival order), as a message suffix;
    /// with <paramref name="head"/>, also its first lines (where start-up errors are).
    /// </summary>
    public string Tail(int lines = 80, int head = 0)
    {
        var all = _output.ToArray();
        var first = all.Take(Math.Min(head, Math.Max(0, all.Length - lines))).ToArray();
        var tail = all.Skip(Math.Max(0, all.Length - lines)).ToArray();
        var text = new StringBuilder();
        if (first.Length > 0)
        {
            text.Append($"{Environment.NewLine}--- first {first.Length} {OutputMarker} {Name} (pid {Pid}) ---{Environment.NewLine}")
                .AppendJoin(Environment.NewLine, first);
        }

        text.Append($"{Environment.NewLine}--- last {tail.Length} of {all.Length} {OutputMarker} {Name} (pid {Pid}) ---{Environment.NewLine}")
            .AppendJoin(Environment.NewLine, tail)
            .Append($"{Environment.NewLine}--- end of engine {Name} output ---");
        return text.ToString();
    }

    /// <summary>Every kept output line that contains <paramref name="text"/>.</summary>
    public IReadOnlyList<string> OutputLinesContaining(string text) =>
        _output.Where(l => l.Contains(text, StringComparison.OrdinalIgnoreCase)).ToList();

    private bool OutputContains(string text) => _output.Any(l => l.Contains(text, StringComparison.OrdinalIgnoreCase));

    private void Record(string stream, string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue($"[{DateTime.UtcNow:HH:mm:ss.fff} {stream}] {line}");
        while (_output.Count > KeptOutputLines && _output.TryDequeue(out _))
        {
        }
    }

    private async Task DrainOutputAsync()
    {
        // After the exit, the pipes reach EOF; wait for the handlers to see it (bounded, in case something holds the pipe).
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Kills the engine if it still runs and releases the HTTP client.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return ValueTask.CompletedTask;
        }

        try
        {
            if (!_process.HasExited)
            {
                Kill();
            }
        }
        finally
        {
            Live.TryRemove(Pid, out _);
            Http.Dispose();
            _process.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OrderEngine.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No OrderEngine.sln above {AppContext.BaseDirectory}: cannot find the repository root.");
    }

    private sealed class EngineExitedException(string message) : InvalidOperationException(message);
}
