using System.Diagnostics;

namespace OrderEngine.LoadTests.Core;

/// <summary>The stock set-up before a run: how long it took and what failed.</summary>
public sealed record SetupResult(int Skus, double Seconds, int Retries, IReadOnlyList<string> Failures)
{
    public double SkusPerSecond => Seconds > 0 ? Skus / Seconds : 0;
}

/// <summary>
/// Puts every SKU of the catalog in stock with PUT /api/stock/{sku} (version 1), with bounded parallelism, retrying
/// 503s and transport failures a few times, and a progress line once a second. It gives up after
/// <see cref="MaxFailures"/> failed SKUs: an engine in that state cannot take a load test.
/// </summary>
public static class StockSetup
{
    public const int MaxFailures = 20;

    public static async Task<SetupResult> RunAsync(EngineHttp http, SkuCatalog catalog, int parallelism, bool quiet, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var done = 0;
        var retries = 0;
        var failures = new List<string>();
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var progressCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var progress = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            try
            {
                while (await timer.WaitForNextTickAsync(progressCts.Token).ConfigureAwait(false))
                {
                    var n = Volatile.Read(ref done);
                    var s = Stopwatch.GetElapsedTime(started).TotalSeconds;
                    if (!quiet) Console.Error.WriteLine($"[setup {s,5:0.0}s] {n}/{catalog.Count} SKUs in stock ({n / s:0}/s)");
                }
            }
            catch (OperationCanceledException)
            {
            }
        }, CancellationToken.None);

        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, catalog.Count),
                new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = abort.Token },
                async (sku, token) =>
                {
                    var failure = await PutWithRetriesAsync(http, catalog, sku, () => Interlocked.Increment(ref retries), token).ConfigureAwait(false);
                    if (failure is not null)
                    {
                        lock (failures)
                        {
                            failures.Add(failure);
                            if (failures.Count >= MaxFailures) abort.Cancel();
                        }
                    }
                    Interlocked.Increment(ref done);
                }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            failures.Add($"set-up stopped after {MaxFailures} failed SKUs; {catalog.Count - Volatile.Read(ref done)} SKUs not set");
        }
        finally
        {
            await progressCts.CancelAsync().ConfigureAwait(false);
            await progress.ConfigureAwait(false);
        }
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return new SetupResult(catalog.Count, seconds, retries, failures);
    }

    private static async Task<string?> PutWithRetriesAsync(EngineHttp http, SkuCatalog catalog, int sku, Action retried, CancellationToken token)
    {
        string? failure = null;
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            try
            {
                var (status, body) = await http.PutStockAsync(catalog.Name(sku), catalog.OnHand(sku), 1, token).ConfigureAwait(false);
                if (status == 200) return null;
                failure = $"{catalog.Name(sku)}: HTTP {status} {body}";
                if (status != 503 && status < 500) return failure; // 409 (SKU already exists with another count), 400: not retryable
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !token.IsCancellationRequested)
            {
                failure = $"{catalog.Name(sku)}: {e.GetType().Name} {e.Message}";
            }
            retried();
            await Task.Delay(200 * attempt, token).ConfigureAwait(false);
        }
        return failure;
    }
}
