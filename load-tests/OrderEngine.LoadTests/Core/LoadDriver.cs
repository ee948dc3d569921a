using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using OrderEngine.LoadTests.Cli;

namespace OrderEngine.LoadTests.Core;

/// <summary>How one phase (warm-up or measurement) ended.</summary>
public sealed record PhaseResult(string Name, long StartTicks, long StopTicks, long EndTicks, string StopReason)
{
    /// <summary>From the start to the last completed request.</summary>
    public double Seconds => (EndTicks - StartTicks) / (double)Stopwatch.Frequency;

    /// <summary>From the start until no further request was issued.</summary>
    public double IssueSeconds => (StopTicks - StartTicks) / (double)Stopwatch.Frequency;
}

/// <summary>What a phase asks of the driver.</summary>
public sealed class PhasePlan
{
    public required string Name { get; init; }
    public required Func<int, IRequestSource> Sources { get; init; }
    public required Metrics Metrics { get; init; }
    public required TimeSpan Duration { get; init; }
    public long? Count { get; init; }
    public Func<TimeSpan, double> LoadFactor { get; init; } = _ => 1.0;
    public Func<long?> StopAtTicks { get; init; } = () => null;
    public Action<LoadRequest, Outcome>? OnOutcome { get; init; }
}

/// <summary>
/// Offers the load. Closed loop: C clients, each sends its next request when the previous one answered, latency
/// from the actual send. Open loop: a pacer thread issues requests at their scheduled instants whatever the engine
/// does, latency from the scheduled instant (so a stalled engine shows as latency, not as fewer requests: no
/// coordinated omission); at most --max-in-flight requests are outstanding, those due beyond it are counted as not sent.
/// Every completion goes to the metrics, the SKU ledger, and the queue of outcomes to resolve after the run.
/// </summary>
public sealed class LoadDriver(RunOptions run, ILoadClient http, SkuCatalog catalog, ConcurrentQueue<LoadRequest> uncertain, ProcessSampler? engine)
{
    private readonly ProcessSampler _self = ProcessSampler.Self();
    private long _inFlight;
    private long _issued;
    private int _stop;
    private string _stopReason = "";
    private long _stopTicks;

    public long InFlight => Interlocked.Read(ref _inFlight);

    public async Task<PhaseResult> RunAsync(PhasePlan plan, CancellationToken ct)
    {
        _inFlight = 0;
        _issued = 0;
        _stop = 0;
        _stopReason = "";
        var start = Stopwatch.GetTimestamp();
        engine?.Sample();
        _self.Sample();
        using var tickerCts = new CancellationTokenSource();
        var ticker = TickerAsync(plan, start, tickerCts.Token);

        Task load;
        if (run.Mode == LoadMode.Closed)
        {
            var clients = new Task[run.Clients];
            for (var i = 0; i < clients.Length; i++)
            {
                var index = i;
                clients[i] = Task.Run(() => ClientAsync(index, plan, start));
            }
            load = Task.WhenAll(clients);
        }
        else
        {
            var pacerDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var pacer = new Thread(() =>
            {
                try
                {
                    Pace(plan, start);
                    pacerDone.SetResult();
                }
                catch (Exception e)
                {
                    pacerDone.SetException(e);
                }
            })
            { IsBackground = true, Name = "open-loop pacer", Priority = ThreadPriority.AboveNormal };
            pacer.Start();
            load = WaitOpenLoopAsync(pacerDone.Task);
        }

        // The controller: ends issuing on the duration, the scenario's own end, the count, or Ctrl+C.
        var deadline = start + (long)(plan.Duration.TotalSeconds * Stopwatch.Frequency);
        while (Volatile.Read(ref _stop) == 0)
        {
            var now = Stopwatch.GetTimestamp();
            if (ct.IsCancellationRequested) RequestStop("interrupted");
            else if (now >= deadline) RequestStop("duration");
            else if (plan.StopAtTicks() is { } at && now >= at) RequestStop("scenario end");
            // 20 ms between looks: each look is a wake-up of the generator, and the stop instant needs no finer grain
            // (the flash sale's windows are cut at recorded completion times, not at this loop's).
            else await Task.WhenAny(load, Task.Delay(20, CancellationToken.None)).ConfigureAwait(false);
            if (load.IsCompleted) RequestStop(_stopReason.Length > 0 ? _stopReason : "count");
        }
        // Let outstanding requests finish (each is bounded by the client timeout).
        var drainLimit = Task.Delay(run.Timeout + TimeSpan.FromSeconds(10), CancellationToken.None);
        if (await Task.WhenAny(load, drainLimit).ConfigureAwait(false) == drainLimit)
            Console.Error.WriteLine($"warning: {InFlight} requests still outstanding after the drain limit");
        var end = Stopwatch.GetTimestamp();
        await tickerCts.CancelAsync().ConfigureAwait(false);
        try
        {
            await ticker.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        var elapsed = (end - start) / (double)Stopwatch.Frequency;
        var last = plan.Metrics.Tick(elapsed, InFlight, engine?.Sample(), _self.Sample());
        if (!run.Quiet) WriteProgress(plan, elapsed, last, final: true);
        return new PhaseResult(plan.Name, start, Interlocked.Read(ref _stopTicks), end, _stopReason);
    }

    private void RequestStop(string reason)
    {
        if (Interlocked.CompareExchange(ref _stop, 1, 0) == 0)
        {
            _stopReason = reason;
            Interlocked.Exchange(ref _stopTicks, Stopwatch.GetTimestamp());
        }
    }

    private async Task ClientAsync(int index, PhasePlan plan, long start)
    {
        var source = plan.Sources(index);
        while (Volatile.Read(ref _stop) == 0)
        {
            // Waves: a client beyond the active share sits out until the load rises again.
            var since = Stopwatch.GetElapsedTime(start);
            if (index >= Math.Ceiling(run.Clients * plan.LoadFactor(since)))
            {
                await Task.Delay(20).ConfigureAwait(false);
                continue;
            }
            if (plan.Count is { } count && Interlocked.Increment(ref _issued) > count)
            {
                RequestStop("count");
                break;
            }
            var request = source.Next();
            catalog.Touch(request.Lines);
            plan.Metrics.CountSent();
            Interlocked.Increment(ref _inFlight);
            var outcome = await http.SendAsync(request, Stopwatch.GetTimestamp()).ConfigureAwait(false);
            Interlocked.Decrement(ref _inFlight);
            Complete(plan, request, outcome);
        }
    }

    private void Pace(PhasePlan plan, long start)
    {
        var source = plan.Sources(0);
        var frequency = (double)Stopwatch.Frequency;
        var next = 0.0; // seconds since start at which the next request is due
        while (Volatile.Read(ref _stop) == 0)
        {
            var now = (Stopwatch.GetTimestamp() - start) / frequency;
            while (next <= now && Volatile.Read(ref _stop) == 0)
            {
                if (plan.Count is { } count && ++_issued > count)
                {
                    RequestStop("count");
                    return;
                }
                var intended = start + (long)(next * frequency);
                if (Interlocked.Read(ref _inFlight) >= run.MaxInFlight)
                {
                    plan.Metrics.CountNotSent();
                }
                else
                {
                    var request = source.Next();
                    catalog.Touch(request.Lines);
                    plan.Metrics.CountSent();
                    Interlocked.Increment(ref _inFlight);
                    _ = FireAsync(plan, request, intended);
                }
                var factor = Math.Max(plan.LoadFactor(TimeSpan.FromSeconds(next)), 0.001);
                next += 1.0 / (run.Rate * factor);
            }
            // Sleep rather than spin: a spinning pacer would take a core from the engine on a small machine. A request
            // may so leave up to ~1 ms after its instant; that delay counts in its latency (measured from the instant).
            var wait = next - (Stopwatch.GetTimestamp() - start) / frequency;
            if (wait > 0) Thread.Sleep(wait > 0.003 ? (int)Math.Min(wait * 1000 - 1, 50) : 1);
        }
    }

    private async Task FireAsync(PhasePlan plan, LoadRequest request, long intended)
    {
        Outcome outcome;
        try
        {
            outcome = await http.SendAsync(request, intended).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            outcome = new Outcome(OutcomeClass.TransportError, 0, RefusalKind.None, intended, Stopwatch.GetTimestamp(), e.GetType().Name + ": " + e.Message);
        }
        Interlocked.Decrement(ref _inFlight);
        Complete(plan, request, outcome);
    }

    private async Task WaitOpenLoopAsync(Task pacer)
    {
        await pacer.ConfigureAwait(false);
        while (Interlocked.Read(ref _inFlight) > 0) await Task.Delay(2).ConfigureAwait(false);
    }

    private void Complete(PhasePlan plan, LoadRequest request, in Outcome outcome)
    {
        plan.Metrics.Record(outcome);
        if (outcome.Class == OutcomeClass.Accepted) catalog.Accept(request.Lines);
        else if (!outcome.IsDefinitive) uncertain.Enqueue(request);
        plan.OnOutcome?.Invoke(request, outcome);
    }

    private async Task TickerAsync(PhasePlan plan, long start, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
        {
            var elapsed = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;
            var row = plan.Metrics.Tick(elapsed, InFlight, engine?.Sample(), _self.Sample());
            if (!run.Quiet) WriteProgress(plan, elapsed, row, final: false);
        }
    }

    private static readonly bool Interactive = !Console.IsErrorRedirected;

    private static void WriteProgress(PhasePlan plan, double elapsed, SecondRow row, bool final)
    {
        var m = plan.Metrics;
        var inv = CultureInfo.InvariantCulture;
        // The last line covers the whole phase (its own interval may be a few milliseconds).
        var rate = final
            ? m.Completed / Math.Max(elapsed, 1e-3)
            : (row.Accepted + row.Refused + row.Other + row.Failed) / Math.Max(row.Span, 1e-3);
        var p99 = m.P99SoFar is { } p ? p.ToString("0.0", inv) + "ms" : "-";
        var engine = row.EngineRssMb is { } rss ? $" engine={rss:0}MB" + (row.EngineCpuPercent is { } ec ? $"/{ec:0}%cpu" : "") : "";
        var gen = row.GeneratorCpuPercent is { } g ? $" gen={g:0}%cpu" : "";
        var notSent = m.NotSent > 0 ? $" not-sent={m.NotSent}" : "";
        var line = string.Create(inv,
            $"[{plan.Name} {elapsed,5:0.0}s] sent={m.Sent} ok={m.Count(OutcomeClass.Accepted)} refused={m.Count(OutcomeClass.Refused)} " +
            $"errors={m.Count(OutcomeClass.OtherStatus) + m.Failed}{notSent} {(final ? "avg-" : "")}rate={rate:0}/s p99={p99} inflight={row.InFlight}{engine}{gen}");
        if (Interactive) Console.Error.Write("\r" + line.PadRight(Math.Min(Console.BufferWidth > 0 ? Console.BufferWidth - 1 : 160, 200)) + (final ? "\n" : ""));
        else Console.Error.WriteLine(line);
    }
}
