using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrderEngine.Ingestion.Channels;

namespace OrderEngine.Ingestion.Intake;

/// <summary>
/// On every node, at start and every <see cref="ChannelOptions.QuarantineSweepInterval"/>: purges the payloads of
/// quarantined records resolved longer than <see cref="ChannelOptions.QuarantineResolvedRetention"/> ago, and seals the
/// payloads an earlier version stored in clear (linking them to their customers). Both are idempotent, so nodes running
/// them at once do no harm. Unresolved records are never purged by time.
/// </summary>
internal sealed class QuarantineSweep(QuarantineStore quarantine, IOptions<ChannelOptions> options, TimeProvider clock, ILogger<QuarantineSweep> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.QuarantineSweepInterval > TimeSpan.Zero ? options.Value.QuarantineSweepInterval : TimeSpan.FromMinutes(10);
        // The first sweep waits a little: the schema is prepared while the actor system starts, beside this service.
        var wait = interval < TimeSpan.FromMinutes(1) ? interval : TimeSpan.FromMinutes(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(wait, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            wait = interval;
            try
            {
                await SweepAsync(quarantine, options.Value.QuarantineResolvedRetention, clock.GetUtcNow(), log, stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // No payload or customer in the message: only what failed.
                log.LogWarning("The quarantine sweep failed ({Error}); it runs again in {Interval}", e.GetType().Name, interval);
            }
        }
    }

    /// <summary>One sweep: purge resolved records past the retention, seal clear payloads of earlier versions.</summary>
    internal static async Task SweepAsync(QuarantineStore quarantine, TimeSpan retention, DateTimeOffset now, ILogger log, CancellationToken ct)
    {
        var purged = await quarantine.PurgeResolvedAsync(now - (retention < TimeSpan.Zero ? TimeSpan.Zero : retention), now, ct);
        var sealedRows = await quarantine.SealClearRecordsAsync(ct);
        if (purged > 0 || sealedRows > 0)
            log.LogInformation("Quarantine sweep: {Purged} resolved payloads purged, {Sealed} clear payloads of an earlier version sealed", purged, sealedRows);
    }
}
