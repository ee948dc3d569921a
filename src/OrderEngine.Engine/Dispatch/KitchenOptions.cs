using Microsoft.Extensions.Configuration;
using OrderEngine.Domain.Dispatch.Restaurants;

namespace OrderEngine.Engine.Dispatch;

/// <summary>
/// The restaurants' settings, bound from "OrderEngine:Dispatch" (the section the zones' settings share, e.g.
/// OrderEngine__Dispatch__PauseAboveQueueEtaMinutes=45). Minutes are decimals: a load run shrinks them.
/// </summary>
public sealed class KitchenOptions
{
    public const string Section = "OrderEngine:Dispatch";

    /// <summary>A restaurant whose queue ETA passes this many minutes pauses itself.</summary>
    public decimal PauseAboveQueueEtaMinutes { get; set; } = RestaurantRules.Default.PauseAboveQueueEtaMinutes;

    /// <summary>An automatic pause lifts when the queue ETA falls below this many minutes.</summary>
    public decimal ResumeBelowQueueEtaMinutes { get; set; } = RestaurantRules.Default.ResumeBelowQueueEtaMinutes;

    /// <summary>Added to the restaurant's own estimate when it makes the promise to the customer.</summary>
    public decimal PromiseSlackMinutes { get; set; } = RestaurantRules.Default.PromiseSlackMinutes;

    /// <summary>The delivery zones' geohash precision (shared with the zones: OrderEngine:Dispatch:ZonePrecision).</summary>
    public int ZonePrecision { get; set; } = RestaurantRules.Default.ZonePrecision;

    /// <summary>The speed of trip estimates: a bike's (OrderEngine:Dispatch:Vehicles:bike:SpeedKmh).</summary>
    public double BikeSpeedKmh { get; set; } = RestaurantRules.Default.BikeSpeedKmh;

    /// <summary>How often a restaurant with open orders looks at its queue (time passing may lift its automatic pause).</summary>
    public TimeSpan KitchenQueueCheckInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>First delay before a message the zone or the order did not acknowledge is sent again; doubles up to <see cref="KitchenMaxRetryInterval"/>.</summary>
    public TimeSpan KitchenRetryInterval { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan KitchenMaxRetryInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Binds the section, and the bike's speed from where the vehicles are configured.</summary>
    public static void Bind(KitchenOptions options, IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        section.Bind(options);
        if (section.GetValue<double?>("Vehicles:bike:SpeedKmh") is { } speed) options.BikeSpeedKmh = speed;
    }

    /// <summary>What is wrong with the settings (empty: nothing); a node does not start with any.</summary>
    public IEnumerable<string> Problems()
    {
        if (ZonePrecision is < 1 or > 12) yield return "OrderEngine:Dispatch:ZonePrecision must be 1 to 12";
        if (!double.IsFinite(BikeSpeedKmh) || BikeSpeedKmh <= 0) yield return "OrderEngine:Dispatch:Vehicles:bike:SpeedKmh must be positive";
        if (PauseAboveQueueEtaMinutes <= 0) yield return "OrderEngine:Dispatch:PauseAboveQueueEtaMinutes must be positive";
        if (ResumeBelowQueueEtaMinutes < 0 || ResumeBelowQueueEtaMinutes > PauseAboveQueueEtaMinutes)
            yield return "OrderEngine:Dispatch:ResumeBelowQueueEtaMinutes must be between 0 and PauseAboveQueueEtaMinutes";
        if (PromiseSlackMinutes < 0) yield return "OrderEngine:Dispatch:PromiseSlackMinutes cannot be negative";
        if (KitchenQueueCheckInterval <= TimeSpan.Zero || KitchenRetryInterval <= TimeSpan.Zero || KitchenMaxRetryInterval < KitchenRetryInterval)
            yield return "OrderEngine:Dispatch kitchen intervals must be positive (and the max retry at least the first)";
    }

    public RestaurantRules ToRules() => new(ZonePrecision, BikeSpeedKmh, PauseAboveQueueEtaMinutes, ResumeBelowQueueEtaMinutes, PromiseSlackMinutes);
}
