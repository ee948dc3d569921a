using OrderEngine.Testing;
using Xunit.Sdk;

namespace OrderEngine.EndToEnd.Tests;

/// <summary>What every test bed does with the engine processes it started: failures shown with their output, and the cleanup.</summary>
public static class EngineProcesses
{
    /// <summary>Runs a test body; a failure is rethrown with the tails of the engines' outputs in its message.</summary>
    public static async Task RunShowingOutputAsync(Func<Task> body, IReadOnlyCollection<EngineProcess> engines, int tailLines = 80)
    {
        try
        {
            await body().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not SkipException && engines.Count > 0)
        {
            // The runner prints the inner exception in full after this message, so only its first line is repeated here.
            var firstLine = ex.Message.Split('\n', 2)[0].TrimEnd();
            var tails = string.Concat(engines.Select(e => e.Tail(tailLines)));
            throw new EngineTestFailure($"{ex.GetType().Name}: {firstLine} (full failure below the engine output){tails}", ex);
        }
    }

    /// <summary>Kills whatever still runs, then deletes the working directory; throws once for every process that would not stop.</summary>
    public static async Task DisposeAllAsync(IEnumerable<EngineProcess> engines, TempDirectory directory)
    {
        List<Exception> problems = [];
        foreach (var engine in engines)
        {
            try
            {
                await engine.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                problems.Add(ex);
            }
        }

        directory.Dispose();
        if (problems.Count > 0)
        {
            throw new AggregateException("engine processes could not all be stopped", problems);
        }
    }
}
