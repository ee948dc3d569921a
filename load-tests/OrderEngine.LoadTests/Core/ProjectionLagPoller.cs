using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace OrderEngine.LoadTests.Core;

/// <summary>The worst lag seen of one projection, and how long after the load it caught up.</summary>
public sealed record ProjectionLag(string Name, double MaxLagSeconds, long MaxLagEvents, double? CaughtUpAfterSeconds);

/// <summary>
/// Polls GET /api/projections while the load runs (twice a second) and keeps each projection's worst lag behind the
/// journal, in seconds (age of the oldest event it has not applied) and in events; after the load it keeps polling
/// until every projection caught up (or a deadline), so a read side that falls behind and never recovers shows.
/// An engine without the endpoint (404) is not polled.
/// </summary>
public sealed class ProjectionLagPoller : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, (double Seconds, long Events)> _max = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (double Seconds, long Events)> _last = new(StringComparer.Ordinal);
    private readonly Task _loop;
    private bool _unavailable;

    public ProjectionLagPoller(string url, TimeSpan interval)
    {
        _http = EngineKey.Authorize(new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(5) });
        _loop = Task.Run(() => LoopAsync(interval, _stop.Token));
    }

    private async Task LoopAsync(TimeSpan interval, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested && !_unavailable)
        {
            await PollAsync(ct).ConfigureAwait(false);
            try { await Task.Delay(interval, ct).ConfigureAwait(false); } catch (OperationCanceledException) { return; }
        }
    }

    private async Task<bool> PollAsync(CancellationToken ct)
    {
        try
        {
            using var response = await _http.GetAsync("/api/projections", ct).ConfigureAwait(false);
            if ((int)response.StatusCode == 404) { _unavailable = true; return false; }
            if (!response.IsSuccessStatusCode) return false;
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false));
            lock (_max)
            {
                foreach (var p in doc.RootElement.EnumerateArray())
                {
                    var name = p.GetProperty("name").GetString() ?? "?";
                    var seconds = p.GetProperty("lagSeconds").GetDouble();
                    var events = p.GetProperty("lagEvents").GetInt64();
                    _last[name] = (seconds, events);
                    var max = _max.GetValueOrDefault(name);
                    _max[name] = (Math.Max(max.Seconds, seconds), Math.Max(max.Events, events));
                }
            }
            return true;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or InvalidOperationException or KeyNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Stops the polling during the load, then polls until every projection has no lag (at most <paramref name="within"/>).</summary>
    public async Task<IReadOnlyList<ProjectionLag>> FinishAsync(TimeSpan within)
    {
        _stop.Cancel();
        await _loop.ConfigureAwait(false);
        if (_unavailable) return [];
        var started = Stopwatch.GetTimestamp();
        double? caughtUp = null;
        while (Stopwatch.GetElapsedTime(started) < within)
        {
            if (await PollAsync(CancellationToken.None).ConfigureAwait(false))
            {
                lock (_max)
                    if (_last.Values.All(l => l.Events == 0)) { caughtUp = Stopwatch.GetElapsedTime(started).TotalSeconds; break; }
            }
            await Task.Delay(200).ConfigureAwait(false);
        }
        lock (_max)
            return _max.OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => new ProjectionLag(kv.Key, Math.Round(kv.Value.Seconds, 3), kv.Value.Events, caughtUp is { } c ? Math.Round(c, 1) : null))
                .ToList();
    }

    /// <summary>" projection-lag(max): read-orders=0.41s/1234ev ... caught-up-after=0.3s" for the named projections (all when none named).</summary>
    public static string Brief(IReadOnlyList<ProjectionLag> lags, params string[] names)
    {
        var shown = lags.Where(l => names.Length == 0 || names.Contains(l.Name)).ToList();
        if (shown.Count == 0) return "";
        var parts = shown.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Name}={l.MaxLagSeconds:0.###}s/{l.MaxLagEvents}ev"));
        var after = lags[0].CaughtUpAfterSeconds is { } c ? string.Create(CultureInfo.InvariantCulture, $"{c:0.0}s") : "no";
        return " projection-lag(max): " + string.Join(' ', parts) + " caught-up-after=" + after;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested) _stop.Cancel();
        try { await _loop.ConfigureAwait(false); } catch (OperationCanceledException) { }
        _http.Dispose();
        _stop.Dispose();
    }
}
