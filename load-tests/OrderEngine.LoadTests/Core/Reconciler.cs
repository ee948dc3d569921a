using System.Collections.Concurrent;
using System.Diagnostics;

namespace OrderEngine.LoadTests.Core;

/// <summary>What asking again about the uncertain orders found.</summary>
public sealed record ReconcileResult(int Uncertain, int Accepted, int Refused, int Invalid, int Unresolved, double Seconds);

/// <summary>
/// Resolves the orders whose outcome the run left open (timeout, transport error, 5xx): it sends each one again with
/// the same Idempotency-Key and body, which the engine answers with the order's outcome (or places it now, if the
/// first attempt never reached it). Accepted ones go into the ledger; those still open after the attempts (or after
/// --reconcile-timeout in all) are added to the ledger as uncertain quantities, and the check fails on them.
/// </summary>
public static class Reconciler
{
    public static async Task<ReconcileResult> RunAsync(EngineHttp http, SkuCatalog catalog, ConcurrentQueue<LoadRequest> uncertain,
        int attempts, TimeSpan limit, Action<LoadRequest, Outcome>? onResolved, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var requests = uncertain.ToArray();
        int accepted = 0, refused = 0, invalid = 0, unresolved = 0;
        if (requests.Length > 0) Console.Error.WriteLine($"reconcile: asking again about {requests.Length} orders with an unknown outcome");
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = ct }, async (request, token) =>
        {
            for (var attempt = 1; attempt <= attempts && Stopwatch.GetElapsedTime(started) < limit; attempt++)
            {
                var outcome = await http.SendAsync(request, Stopwatch.GetTimestamp()).ConfigureAwait(false);
                if (outcome.IsDefinitive)
                {
                    switch (outcome.Class)
                    {
                        case OutcomeClass.Accepted:
                            catalog.Accept(request.Lines);
                            Interlocked.Increment(ref accepted);
                            break;
                        case OutcomeClass.Refused:
                            Interlocked.Increment(ref refused);
                            break;
                        default:
                            Interlocked.Increment(ref invalid);
                            break;
                    }
                    onResolved?.Invoke(request, outcome);
                    return;
                }
                await Task.Delay(TimeSpan.FromSeconds(attempt), token).ConfigureAwait(false);
            }
            catalog.AddUncertain(request.Lines);
            Interlocked.Increment(ref unresolved);
        }).ConfigureAwait(false);
        return new ReconcileResult(requests.Length, accepted, refused, invalid, unresolved, Stopwatch.GetElapsedTime(started).TotalSeconds);
    }
}
