using OrderEngine.Testing;
using Xunit.Abstractions;

namespace OrderEngine.EndToEnd.Tests;

/// <summary>
/// SIGTERM at any moment of start-up stops the node cleanly: an orchestrator that gives up on a starting pod (or an
/// operator's Ctrl+C) must not see a crash (exit 134 and an unhandled exception, as when the stop cancelled Kestrel's
/// bind). The moments are spread over the whole start, from the runtime loading to the first ready answer.
/// </summary>
public sealed class StartupStopScenarios(ITestOutputHelper output)
{
    [Fact]
    public async Task Sigterm_at_any_moment_of_start_up_exits_cleanly()
    {
        using var directory = new TempDirectory();
        var delays = new[] { 0.2, 0.4, 0.6, 0.8, 1.0, 1.3, 1.6, 2.0, 2.5, 3.5 };
        var outcomes = new List<string>();
        foreach (var delay in delays)
        {
            var settings = new EngineSettings("Sqlite", directory.File($"stop-{delay}.db"), null, TimeSpan.FromMinutes(15), directory.Path);
            await using var engine = EngineProcess.Launch(settings, $"stop-at-{delay}s");
            await Task.Delay(TimeSpan.FromSeconds(delay));
            var code = await engine.StopAsync();
            outcomes.Add($"{delay}s: exit {code}");
            // 143 is the runtime's own answer to SIGTERM before the host has installed its handler (nothing has started).
            Assert.True(code is 0 or 143, $"SIGTERM {delay} s into start-up: exit code {code}.{engine.Tail(60)}");
            Assert.Empty(engine.OutputLinesContaining("Unhandled exception"));
        }
        output.WriteLine(string.Join(Environment.NewLine, outcomes));
    }

    [Fact]
    public async Task A_node_that_cannot_reach_its_database_at_start_says_why_and_exits_1_without_a_crash()
    {
        using var directory = new TempDirectory();
        var nobody = FreePort.Next(); // nothing listens there
        var settings = new EngineSettings("PostgreSql", null, $"Host=127.0.0.1;Port={nobody};Username=x;Database=x;Timeout=3", TimeSpan.FromMinutes(15), directory.Path);
        await using var engine = EngineProcess.Launch(settings, "no-database");
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!engine.HasExited) await Task.Delay(200, deadline.Token);
        var code = await engine.StopAsync();

        output.WriteLine($"exit {code}");
        Assert.True(code == 1, $"exit code {code}.{engine.Tail(60)}");
        Assert.NotEmpty(engine.OutputLinesContaining("OrderEngine node stopped: it could not start or run"));
        Assert.Empty(engine.OutputLinesContaining("Unhandled exception"));
    }
}
