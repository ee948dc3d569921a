using System.ComponentModel;
using OrderEngine.Domain.Orders;
using OrderEngine.Ingestion.Adapters;

namespace OrderEngine.Ingestion.Intake;

/// <summary>
/// One record on its way in: the channel it arrived on, the source that carried it (see <see cref="IntakeSource"/>), and
/// what its adapter made of it. <paramref name="Position"/> is its number in its feed (1 for the first record), for the answer.
/// </summary>
public sealed record IntakeRecord(string Channel, IntakeSource Source, AdapterResult Result, string Raw, long? Position = null);

/// <summary>
/// Where a record came from and in what format, e.g. <c>feed</c> + <c>ndjson</c>, <c>webhook</c> + <c>shopify:jsmith.myshopify.com</c>.
/// The format is what a quarantined record is read with again when it is retried.
/// </summary>
public sealed record IntakeSource(string Origin, string Format)
{
    public override string ToString() => Origin + "/" + Format;

    public static IntakeSource Parse(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? new IntakeSource("", text) : new IntakeSource(text[..slash], text[(slash + 1)..]);
    }
}

/// <summary>What became of a record.</summary>
public enum IntakeOutcomeKind
{
    /// <summary>A new order was placed (its status says whether its stock was reserved).</summary>
    Accepted,

    /// <summary>The record's order was already here (a redelivery or a replayed feed); nothing changed.</summary>
    Duplicate,

    /// <summary>The record was stored in quarantine with its reason; the source may forget it.</summary>
    Quarantined,

    /// <summary>The engine did not answer in time or the quarantine could not be written: the record was NOT taken, send it again.</summary>
    Unavailable,

    /// <summary>
    /// The record was taken but its order was refused for stock: some line could not be reserved (the reason names each
    /// such line). Not bad data, so not quarantined; no order was placed and nothing is held. The same record sent again
    /// (once there is stock) is tried again.
    /// </summary>
    Refused,
}

/// <summary>
/// The answer for one record. Every kind but <see cref="IntakeOutcomeKind.Unavailable"/> means the record was taken: the source may forget it.
/// <paramref name="CustomerId"/>: the customer the order was placed under (accepted, duplicate, refused for stock), e.g. the
/// pseudonymous <c>email:</c> id of a record whose customerId was an email.
/// </summary>
public sealed record IntakeOutcome(
    IntakeOutcomeKind Outcome,
    string Channel,
    string? ExternalId,
    string? OrderId = null,
    OrderStatus? Status = null,
    string? Reason = null,
    string? QuarantineId = null,
    long? Record = null,
    [property: Description("The customer the order was placed under (accepted, duplicate, refused for stock); for a customerId that was an email, its pseudonymous id \"email:…\".")]
    string? CustomerId = null)
{
    /// <summary>True when the source may drop (acknowledge) the record.</summary>
    public bool Taken => Outcome != IntakeOutcomeKind.Unavailable;
}
