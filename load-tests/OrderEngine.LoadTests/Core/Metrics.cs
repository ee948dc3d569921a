using System.Collections.Concurrent;
using HdrHistogram;

namespace OrderEngine.LoadTests.Core;

/// <summary>
/// Everything measured during one phase: a thread-safe HdrHistogram recorder per outcome class (latency in
/// microseconds), counters per class and per HTTP status, refusal reasons, transport failures with a few samples,
/// and a once-a-second series built by <see cref="Tick"/> from interval histograms and counter deltas.
/// Recording is a few interlocked increments and one wait-free histogram write, so it stays off the critical path.
/// </summary>
public sealed class Metrics
{
    public const long HighestMicros = 3_600_000_000; // one hour
    public static readonly int ClassCount = Enum.GetValues<OutcomeClass>().Length;

    private readonly Recorder[] _recorders;
    private readonly HistogramBase?[] _intervals;
    private readonly LongHistogram[] _cumulative;
    private readonly LongHistogram _all;
    private readonly LongHistogram _second;
    private readonly long[] _classCounts;
    private readonly long[] _statusCounts = new long[600];
    private readonly long[] _refusals = new long[Enum.GetValues<RefusalKind>().Length];
    private readonly ConcurrentDictionary<string, long> _transportErrors = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _samples = new(StringComparer.Ordinal);
    private readonly List<SecondRow> _series = [];
    private readonly object _tickLock = new();
    private long _sent;
    private long _notSent;
    private long[] _lastCounts;
    private long _lastSent;
    private long _lastNotSent;
    private double _lastTickSeconds;

    public Metrics()
    {
        _recorders = new Recorder[ClassCount];
        _intervals = new HistogramBase?[ClassCount];
        _cumulative = new LongHistogram[ClassCount];
        _classCounts = new long[ClassCount];
        _lastCounts = new long[ClassCount];
        for (var i = 0; i < ClassCount; i++)
        {
            _recorders[i] = HistogramFactory.With64BitBucketSize().WithValuesFrom(1).WithValuesUpTo(HighestMicros)
                .WithPrecisionOf(3).WithThreadSafeWrites().WithThreadSafeReads().Create();
            _cumulative[i] = NewHistogram();
        }
        _all = NewHistogram();
        _second = NewHistogram();
    }

    public static LongHistogram NewHistogram() => new(1, HighestMicros, 3);

    public long Sent => Interlocked.Read(ref _sent);
    public long NotSent => Interlocked.Read(ref _notSent);
    public long Count(OutcomeClass c) => Interlocked.Read(ref _classCounts[(int)c]);
    public long Answered => Count(OutcomeClass.Accepted) + Count(OutcomeClass.Refused) + Count(OutcomeClass.OtherStatus);
    public long Failed => Count(OutcomeClass.Timeout) + Count(OutcomeClass.TransportError);
    public long Completed => Answered + Failed;
    public long Refusals(RefusalKind k) => Interlocked.Read(ref _refusals[(int)k]);
    public IReadOnlyList<SecondRow> Series => _series;

    public void CountSent() => Interlocked.Increment(ref _sent);

    public void CountSent(long n) => Interlocked.Add(ref _sent, n);

    /// <summary>An open-loop request that was due but not sent because the in-flight cap was reached.</summary>
    public void CountNotSent() => Interlocked.Increment(ref _notSent);

    public void Record(in Outcome o)
    {
        var c = (int)o.Class;
        var micros = Math.Min(o.LatencyMicros, HighestMicros);
        _recorders[c].RecordValue(micros);
        Interlocked.Increment(ref _classCounts[c]);
        if (o.Status is > 0 and < 600) Interlocked.Increment(ref _statusCounts[o.Status]);
        if (o.Class == OutcomeClass.Refused) Interlocked.Increment(ref _refusals[(int)o.Refusal]);
        switch (o.Class)
        {
            case OutcomeClass.TransportError or OutcomeClass.Timeout:
                var kind = o.Class == OutcomeClass.Timeout ? "timeout" : Kind(o.Error);
                _transportErrors.AddOrUpdate(kind, 1, (_, n) => n + 1);
                Sample(kind, o.Error);
                break;
            case OutcomeClass.OtherStatus:
                Sample("HTTP " + o.Status, o.Error);
                break;
            case OutcomeClass.Refused when o.Refusal != RefusalKind.InsufficientStock:
                Sample("409 " + o.Refusal, o.Error);
                break;
        }
    }

    private static string Kind(string? error)
    {
        if (error is null) return "transport";
        var colon = error.IndexOf(':');
        return colon > 0 ? error[..colon] : error;
    }

    private void Sample(string key, string? text)
    {
        var q = _samples.GetOrAdd(key, _ => new ConcurrentQueue<string>());
        if (q.Count < 3) q.Enqueue(text ?? "");
    }

    /// <summary>
    /// Closes one interval of the series: folds the interval histograms into the cumulative ones and appends a row
    /// with the counts of the interval. Called once a second by the progress ticker, and once at the end.
    /// </summary>
    public SecondRow Tick(double elapsedSeconds, long inFlight, ProcessSample? engine, ProcessSample? self)
    {
        lock (_tickLock)
        {
            _second.Reset();
            for (var i = 0; i < ClassCount; i++)
            {
                _intervals[i] = _recorders[i].GetIntervalHistogram(_intervals[i]);
                _cumulative[i].Add(_intervals[i]!);
                _all.Add(_intervals[i]!);
                _second.Add(_intervals[i]!);
            }
            var counts = new long[ClassCount];
            for (var i = 0; i < ClassCount; i++) counts[i] = Interlocked.Read(ref _classCounts[i]);
            long D(OutcomeClass c) => counts[(int)c] - _lastCounts[(int)c];
            var sent = Sent;
            var notSent = NotSent;
            var span = Math.Max(elapsedSeconds - _lastTickSeconds, 1e-9);
            var row = new SecondRow(
                Math.Round(elapsedSeconds, 3),
                Math.Round(span, 3),
                sent - _lastSent,
                D(OutcomeClass.Accepted),
                D(OutcomeClass.Refused),
                D(OutcomeClass.OtherStatus),
                D(OutcomeClass.Timeout) + D(OutcomeClass.TransportError),
                notSent - _lastNotSent,
                inFlight,
                _second.TotalCount > 0 ? Ms(_second.GetValueAtPercentile(50)) : null,
                _second.TotalCount > 0 ? Ms(_second.GetValueAtPercentile(99)) : null,
                _second.TotalCount > 0 ? Ms(_second.GetMaxValue()) : null,
                engine?.RssMb, engine?.CpuPercent, self?.CpuPercent);
            _lastCounts = counts;
            _lastSent = sent;
            _lastNotSent = notSent;
            _lastTickSeconds = elapsedSeconds;
            _series.Add(row);
            return row;
        }
    }

    /// <summary>The p99 over everything answered so far (valid after a <see cref="Tick"/>).</summary>
    public double? P99SoFar
    {
        get
        {
            lock (_tickLock) return _all.TotalCount > 0 ? Ms(_all.GetValueAtPercentile(99)) : null;
        }
    }

    public HistogramBase Histogram(OutcomeClass c) => _cumulative[(int)c];
    public HistogramBase AllHistogram => _all;

    public static double Ms(long micros) => Math.Round(micros / 1000.0, 3);

    public SortedDictionary<string, long> StatusCounts()
    {
        var d = new SortedDictionary<string, long>(StringComparer.Ordinal);
        for (var s = 0; s < _statusCounts.Length; s++)
        {
            var n = Interlocked.Read(ref _statusCounts[s]);
            if (n > 0) d[s.ToString(System.Globalization.CultureInfo.InvariantCulture)] = n;
        }
        return d;
    }

    public SortedDictionary<string, long> TransportErrors() => new(_transportErrors, StringComparer.Ordinal);

    public SortedDictionary<string, string[]> ErrorSamples() =>
        new(_samples.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray()), StringComparer.Ordinal);
}

/// <summary>One interval (normally a second) of the run; latencies in ms over the requests completed in it.</summary>
public sealed record SecondRow(
    double T,
    double Span,
    long Sent,
    long Accepted,
    long Refused,
    long Other,
    long Failed,
    long NotSent,
    long InFlight,
    double? P50Ms,
    double? P99Ms,
    double? MaxMs,
    double? EngineRssMb,
    double? EngineCpuPercent,
    double? GeneratorCpuPercent);
