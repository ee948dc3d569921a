using Akka;
using Akka.Actor;
using Akka.Streams.Dsl;
using Microsoft.Extensions.Logging;
using OrderEngine.Domain.Orders;
using OrderEngine.Engine.Orders;
using OrderEngine.Ingestion.Adapters;

namespace OrderEngine.Ingestion.Intake;

/// <summary>
/// The one path every channel record takes into the engine, whatever its source: a mapped record is asked of its order
/// entity (the id derives from channel and external id, so a redelivery reaches the same entity and changes nothing); a
/// record that cannot be mapped, or that the engine refuses as bad data, is stored in quarantine with its reason. The
/// answer comes only once the entity replied or the quarantine row is written, and only then may the source acknowledge.
/// With a <paramref name="gate"/> (as the engine runs it) placements go through the node's placement gate like HTTP
/// placements do; without one they are asked of <paramref name="orderRegion"/> directly.
/// </summary>
public sealed class ChannelIntake(
    Func<IActorRef> orderRegion,
    QuarantineStore quarantine,
    ChannelStats stats,
    TimeSpan askTimeout,
    TimeProvider clock,
    ILogger<ChannelIntake> log,
    PlacementGate? gate = null)
{
    /// <summary>Records in flight at once per pipeline: enough to keep the engine's group commit busy, bounded so a slow engine slows the source.</summary>
    public const int DefaultParallelism = 64;

    /// <summary>The pipeline stage: <c>SelectAsync(n, ask the order region)</c>, in order, back-pressured.</summary>
    public Flow<IntakeRecord, IntakeOutcome, NotUsed> Flow(int parallelism = DefaultParallelism) =>
        Akka.Streams.Dsl.Flow.Create<IntakeRecord>().SelectAsync(parallelism, r => TakeAsync(r, CancellationToken.None));

    /// <summary>Takes one record in; never throws for bad data or an engine that is not answering.</summary>
    public async Task<IntakeOutcome> TakeAsync(IntakeRecord record, CancellationToken ct)
    {
        stats.Received(record.Channel, clock.GetUtcNow());
        var outcome = await DecideAsync(record, quarantineRefusals: true, ct);
        stats.Outcome(record.Channel, outcome.Outcome);
        return outcome with { Record = record.Position };
    }

    /// <summary>
    /// Takes a quarantined record in again, as stored or as corrected by an operator. Taken in: the record is marked
    /// resolved. Refused again (as bad data, or for stock): the answer says why, the record stays in quarantine to be
    /// retried, and no new quarantine row is written. Either way the record keeps who retried it last
    /// (<paramref name="retriedBy"/>) and when.
    /// </summary>
    public async Task<IntakeOutcome> RetryAsync(QuarantinedRecord stored, IntakeRecord record, string retriedBy, CancellationToken ct)
    {
        var outcome = await DecideAsync(record, quarantineRefusals: false, ct);
        var now = clock.GetUtcNow();
        await quarantine.RecordRetryAsync(stored.Id, retriedBy, now, ct);
        if (outcome.Outcome is IntakeOutcomeKind.Accepted or IntakeOutcomeKind.Duplicate)
        {
            stats.Outcome(record.Channel, outcome.Outcome);
            await quarantine.ResolveAsync(stored.Id, now, ct);
        }
        return outcome;
    }

    /// <param name="quarantineRefusals">False for a retry: the record is in quarantine already, so a refusal only answers why.</param>
    private Task<IntakeOutcome> DecideAsync(IntakeRecord record, bool quarantineRefusals, CancellationToken ct) => record.Result switch
    {
        Mapped m when m.Channel != record.Channel => SetAsideAsync(record, m.ExternalId, Mismatch(m, record), quarantineRefusals, ct),
        Mapped m => WithCustomerAsync(PlaceAsync(record, m, quarantineRefusals, ct), m),
        Refused r => SetAsideAsync(record, r.ExternalId, r.Reason, quarantineRefusals, ct),
        _ => throw new InvalidOperationException($"unexpected adapter result {record.Result.GetType().Name}"),
    };

    /// <summary>
    /// A record that reached its order answers the customer id it was placed under: a feed's customerId that was an
    /// email is its pseudonym (docs/security.md, "Customer ids from emails"), the id the source should use from then on.
    /// </summary>
    private static async Task<IntakeOutcome> WithCustomerAsync(Task<IntakeOutcome> placing, Mapped mapped)
    {
        var outcome = await placing;
        return outcome.Outcome is IntakeOutcomeKind.Accepted or IntakeOutcomeKind.Duplicate or IntakeOutcomeKind.Refused
            ? outcome with { CustomerId = mapped.Command.CustomerId }
            : outcome;
    }

    private async Task<IntakeOutcome> PlaceAsync(IntakeRecord record, Mapped mapped, bool quarantineRefusals, CancellationToken ct)
    {
        IOrderReply reply;
        try
        {
            reply = gate is null
                ? await orderRegion().Ask<IOrderReply>(mapped.Command, askTimeout, ct)
                : await gate.PlaceAsync(mapped.Command, ct);
        }
        catch (AskTimeoutException)
        {
            return new IntakeOutcome(IntakeOutcomeKind.Unavailable, record.Channel, mapped.ExternalId, mapped.Command.OrderId,
                Reason: "the engine did not answer in time; send the record again (a repeat is recognised)");
        }
        switch (reply)
        {
            case OrderAccepted { Repeat: false, View.Status: OrderStatus.Rejected } a:
                // An order an earlier version wrote down as rejected for stock: refused, as it would be today.
                return new IntakeOutcome(IntakeOutcomeKind.Refused, record.Channel, mapped.ExternalId, a.OrderId, a.View.Status, RejectedLines(a.View));
            case OrderAccepted a:
                return new IntakeOutcome(a.Repeat ? IntakeOutcomeKind.Duplicate : IntakeOutcomeKind.Accepted, record.Channel, mapped.ExternalId, a.OrderId,
                    a.View.Status,
                    a.View.Status == OrderStatus.Rejected ? RejectedLines(a.View) : null);
            case OrderRefused { Rejection.Code: OrderRejectionCode.Overloaded } r:
                return new IntakeOutcome(IntakeOutcomeKind.Unavailable, record.Channel, mapped.ExternalId, r.OrderId, Reason: r.Rejection.Message);
            case OrderRefused { Rejection.Code: OrderRejectionCode.LinesNotReserved } r:
                // Short of stock is not bad data: the record was taken and answered refused, naming each line; no order was
                // placed and nothing is held (the lines that could be reserved were released by the order entity).
                return new IntakeOutcome(IntakeOutcomeKind.Refused, record.Channel, mapped.ExternalId, r.OrderId, Reason: r.Rejection.Message);
            case OrderRefused r:
                var reason = r.Rejection.Code == OrderRejectionCode.IdempotencyConflict
                    ? $"order {r.OrderId} was already taken in from {record.Channel} {mapped.ExternalId} with different content: {r.Rejection.Message}"
                    : Describe(r.Rejection);
                return await SetAsideAsync(record, mapped.ExternalId, reason, quarantineRefusals, ct, r.OrderId);
            default:
                throw new InvalidOperationException($"unexpected reply {reply.GetType().Name}");
        }
    }

    private async Task<IntakeOutcome> SetAsideAsync(IntakeRecord record, string? externalId, string reason, bool quarantineIt, CancellationToken ct, string? orderId = null)
    {
        if (!quarantineIt) return new IntakeOutcome(IntakeOutcomeKind.Quarantined, record.Channel, externalId, orderId, Reason: reason);
        try
        {
            // The customer a mapped record names links its quarantined payload to that customer's erasure.
            var id = await quarantine.AddAsync(record.Channel, record.Source.ToString(), externalId, reason, record.Raw, clock.GetUtcNow(), ct,
                customerId: record.Result is Mapped m ? m.Command.CustomerId : null);
            return new IntakeOutcome(IntakeOutcomeKind.Quarantined, record.Channel, externalId, orderId, Reason: reason, QuarantineId: id);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning(e, "a {Channel} record could not be written to quarantine; it is answered unavailable", record.Channel);
            return new IntakeOutcome(IntakeOutcomeKind.Unavailable, record.Channel, externalId, orderId,
                Reason: "the record could not be stored in quarantine; send it again");
        }
    }

    private static string Mismatch(Mapped m, IntakeRecord record) =>
        $"channel: the record says '{m.Channel}' but arrived on channel '{record.Channel}'";

    private static string RejectedLines(OrderView view) =>
        string.Join("; ", view.Lines.Where(l => l.RejectionCode is not null).Select(l => $"{l.Sku}: {l.RejectionReason}"));

    private static string Describe(OrderRejection r) =>
        r.Errors.IsDefaultOrEmpty ? r.Message : r.Message + ": " + string.Join("; ", r.Errors.Select(e => $"{e.Field}: {e.Message}"));
}
