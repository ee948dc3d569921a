using OrderEngine.Domain.Orders;
using OrderEngine.Engine.PersonalData;
using OrderEngine.Ingestion.Channels;
using OrderEngine.Ingestion.Intake;

namespace OrderEngine.Api.Channels;

/// <summary>What a retry of a quarantined record came to, before or after the intake.</summary>
public abstract record QuarantineRetryResult
{
    private QuarantineRetryResult() { }

    public sealed record NotFound : QuarantineRetryResult;

    public sealed record AlreadyResolved(DateTimeOffset ResolvedAt) : QuarantineRetryResult;

    /// <summary>The record's payload was erased (a customer's erasure): it is not taken in again, not even with a payload given.</summary>
    public sealed record Erased : QuarantineRetryResult;

    public sealed record UnknownFormat(string Format) : QuarantineRetryResult;

    public sealed record NotOneRecord(int Count) : QuarantineRetryResult;

    public sealed record Taken(IntakeOutcome Outcome) : QuarantineRetryResult;
}

/// <summary>
/// Takes a quarantined record in again, with its stored payload or an edited one, read as it first came in (its format,
/// the channel's rules, customer ids from emails made pseudonymous) and attributed to who retried it. The one way a
/// retry runs: the endpoint (POST /api/channels/{channel}/quarantine/{id}/retry) and the dashboard both call it.
/// </summary>
public sealed class QuarantineRetry(QuarantineStore quarantine, ChannelIntake intake, OrderRules rules, CustomerIdPseudonymizer customerIds)
{
    public async Task<QuarantineRetryResult> RetryAsync(string channel, string id, string? payload, string retriedBy, CancellationToken ct)
    {
        if (await quarantine.GetAsync(channel, id, ct) is not { } stored) return new QuarantineRetryResult.NotFound();
        if (stored.ResolvedAt is { } resolvedAt) return new QuarantineRetryResult.AlreadyResolved(resolvedAt);
        if (stored.IsErased) return new QuarantineRetryResult.Erased();
        var source = IntakeSource.Parse(stored.Source);
        if (!RecordFormats.IsKnown(source.Format)) return new QuarantineRetryResult.UnknownFormat(source.Format);
        var text = payload ?? stored.Payload;
        var results = RecordFormats.Read(source.Format, text, rules, channel, customerIds);
        if (results.Count != 1) return new QuarantineRetryResult.NotOneRecord(results.Count);
        return new QuarantineRetryResult.Taken(await intake.RetryAsync(stored, new IntakeRecord(channel, source, results[0], text), retriedBy, ct));
    }
}
