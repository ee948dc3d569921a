namespace OrderEngine.Domain.Dispatch.Zones;

/// <summary>How a zone chooses couriers.</summary>
public enum DispatchPolicy
{
    /// <summary>Earliest deadline first; each delivery gets the courier with the earliest estimated pickup; batching.</summary>
    EarliestPickup,
    /// <summary>First come first served; the nearest idle courier (holding nothing); no batching.</summary>
    Naive,
}

public static class DispatchPolicies
{
    public static string Name(this DispatchPolicy p) => p == DispatchPolicy.Naive ? "naive" : "earliest-pickup";

    /// <summary>Reads "earliest-pickup" or "naive"; null for anything else.</summary>
    public static DispatchPolicy? Parse(string? s) => s switch
    {
        "earliest-pickup" => DispatchPolicy.EarliestPickup,
        "naive" => DispatchPolicy.Naive,
        _ => null,
    };
}

/// <summary>
/// A zone's dispatch settings: the policy, how long a courier has to accept an offer, and how much a batch may delay
/// the first delivery of the batch. <paramref name="BatchMaxBearingDegrees"/> is how far apart two drop-offs' directions
/// (seen from the restaurant) may be to count as "the same way".
/// </summary>
public sealed record ZoneRules(DispatchPolicy Policy, TimeSpan OfferTimeout, TimeSpan BatchMaxDelay, double BatchMaxBearingDegrees = 45)
{
    public static readonly ZoneRules Default = new(DispatchPolicy.EarliestPickup, TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(5));

    /// <summary>How close (km) a courier must be to a restaurant to count as there.</summary>
    public const double AtRestaurantKm = 0.05;

    /// <summary>The longest offer timeout a zone takes (seconds).</summary>
    public const double MaxOfferTimeoutSeconds = 3600;

    /// <summary>The longest batch delay a zone takes (minutes).</summary>
    public const double MaxBatchDelayMinutes = 240;

    /// <summary>These rules with a zone's own persisted settings on top.</summary>
    public ZoneRules With(ZoneSettings? s) => s is null ? this : this with
    {
        Policy = s.Policy ?? Policy,
        OfferTimeout = s.OfferTimeoutSeconds is { } t ? TimeSpan.FromSeconds(t) : OfferTimeout,
        BatchMaxDelay = s.BatchMaxDelayMinutes is { } d ? TimeSpan.FromMinutes(d) : BatchMaxDelay,
    };
}

/// <summary>A zone's own settings (each null: the configured default).</summary>
public sealed record ZoneSettings(DispatchPolicy? Policy, double? OfferTimeoutSeconds, double? BatchMaxDelayMinutes);
