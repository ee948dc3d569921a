using OrderEngine.LoadTests.Cli;
using OrderEngine.LoadTests.Core;
using OrderEngine.LoadTests.Reporting;

namespace OrderEngine.LoadTests.Scenarios;

/// <summary>
/// A workload. The generic machinery (<see cref="Runner"/>) sets up the stock the scenario's catalog lists, drives
/// its request sources in a closed or open loop, resolves uncertain outcomes, checks the invariants every run has
/// (no SKU oversold; the engine's reserved + sold equal the quantities of the orders it accepted) and writes the
/// report. A scenario adds its workload, its own stop rule, load shape and checks, and its summary line.
///
/// Adding a scenario (the planned <c>feed</c>: bulk channel ingest): derive from this class, build the SKUs in the
/// constructor, make requests in <see cref="CreateSource"/> (a source may target any endpoint: set the request's
/// method and URI), and register it in <see cref="ScenarioRegistry"/>.
/// </summary>
public abstract class Scenario
{
    protected Scenario(RunOptions run) => Run = run;

    public RunOptions Run { get; }

    /// <summary>The SKUs the scenario needs, with their stock; the runner adds the warm-up SKUs and freezes it.</summary>
    public SkuCatalog Catalog { get; } = new();

    public abstract string Name { get; }

    /// <summary>Scenario parameters as given or defaulted, for the report.</summary>
    public abstract IReadOnlyDictionary<string, string> Parameters { get; }

    /// <summary>A request source for one stream: a closed-loop client, or the open-loop pacer (stream 0).</summary>
    public abstract IRequestSource CreateSource(int stream, EngineHttp http);

    /// <summary>Called for every completed measured request (from many threads at once): keep it cheap.</summary>
    public virtual void OnOutcome(LoadRequest request, Outcome outcome)
    {
    }

    /// <summary>Called when an order whose outcome was unknown got a definitive answer after the run.</summary>
    public virtual void OnResolved(LoadRequest request, Outcome outcome)
    {
    }

    /// <summary>An end earlier than --duration the scenario asks for (Stopwatch ticks), e.g. sold out plus a grace period.</summary>
    public virtual long? StopAtTicks => null;

    /// <summary>
    /// The share of the offered load at a time since the measured phase began (1 = all clients, or the full --rate).
    /// Waves make it vary; it must stay above 0.
    /// </summary>
    public virtual double LoadFactor(TimeSpan sinceStart) => 1.0;

    /// <summary>Checks beyond the common ones, after the run (the engine's stock is given for every touched SKU).</summary>
    public virtual void Verify(VerificationContext context)
    {
    }

    /// <summary>
    /// True for a scenario that drives its measured phase itself (<see cref="MeasureAsync"/>) instead of the common
    /// closed/open-loop driver: the feed streams a few long requests rather than many small ones.
    /// </summary>
    public virtual bool DrivesItsOwnLoad => false;

    /// <summary>How the load was offered, for the report, when the scenario drives it itself (e.g. "1 streamed feed").</summary>
    public virtual string? LoadDescription => null;

    /// <summary>
    /// The measured phase of a scenario that <see cref="DrivesItsOwnLoad"/>: record every outcome in
    /// <see cref="MeasureContext.Metrics"/> (and tick it once a second), keep the SKU ledger of <see cref="Catalog"/>
    /// (touched, accepted, uncertain quantities) so the common stock check applies, and resolve uncertain outcomes itself.
    /// </summary>
    public virtual Task<PhaseResult> MeasureAsync(MeasureContext context, CancellationToken ct) =>
        throw new NotSupportedException($"{Name} uses the common load driver");

    /// <summary>
    /// The engine configuration the scenario needs (environment variables, e.g. the rush's time-compressed dispatch
    /// settings); `--print-engine-env` prints them as NAME=value lines, which bench.sh passes to the engine it starts.
    /// </summary>
    public virtual IReadOnlyList<(string Name, string Value)> EngineEnvironment => [];

    /// <summary>Adds the scenario's figures to the report and returns the one-line summary (pg-baseline style).</summary>
    public abstract string Summarize(RunReport report, RunResult result);
}

/// <summary>What a scenario that drives its own load gets from the runner.</summary>
public sealed record MeasureContext(EngineHttp Http, Metrics Metrics, ProcessSampler? Engine);
