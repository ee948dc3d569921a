using System.Diagnostics;
using OrderEngine.Testing;
using Xunit.Abstractions;

namespace OrderEngine.EndToEnd.Tests;

/// <summary>
/// One test's world: a temp working directory, one database, and every engine process the test starts on it (a restart
/// is a new process on the same database). Disposing kills whatever still runs and deletes the directory; a failure
/// raised inside <see cref="RunAsync"/> is rethrown with the tail of every engine's output.
/// </summary>
public sealed class EngineTestBed : IAsyncDisposable
{
    private readonly List<EngineProcess> _engines = [];
    private readonly ITestOutputHelper _output;
    private readonly TempDirectory _directory;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public EngineTestBed(ITestOutputHelper output, TempDirectory directory, EngineSettings settings)
    {
        _output = output;
        _directory = directory;
        Settings = settings;
    }

    public EngineSettings Settings { get; }

    /// <summary>Starts a new engine process on this test's database and waits until it is ready.</summary>
    public async Task<EngineProcess> StartEngineAsync(CancellationToken ct)
    {
        var name = $"{Settings.Provider.ToLowerInvariant()}#{_engines.Count + 1}";
        var started = Stopwatch.StartNew();
        var engine = await EngineProcess.StartAsync(Settings, name, ct).ConfigureAwait(false);
        _engines.Add(engine);
        Log($"engine {name} (pid {engine.Pid}) ready on {engine.BaseAddress} after {started.Elapsed.TotalSeconds:0.0} s");
        return engine;
    }

    /// <summary>Writes a timestamped line to the test's output (shown by the runner for failed tests and in detailed logs).</summary>
    public void Log(string message) => _output.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:0.000} s] {message}");

    /// <summary>Runs the test body; a failure is rethrown with the tails of the engines' outputs in its message.</summary>
    public Task RunAsync(Func<Task> body) => EngineProcesses.RunShowingOutputAsync(body, _engines);

    public async ValueTask DisposeAsync() => await EngineProcesses.DisposeAllAsync(_engines, _directory).ConfigureAwait(false);
}

/// <summary>A failed end-to-end check, carrying the engines' output tails; the original failure is the inner exception.</summary>
public sealed class EngineTestFailure(string message, Exception inner) : Exception(message, inner);
