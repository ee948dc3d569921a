using System.Collections.Immutable;
using OrderEngine.Domain;
using OrderEngine.Domain.Dispatch.Restaurants;

namespace OrderEngine.Engine.Dispatch;

/// <summary>A restaurant entity's state as stored in a snapshot: its profile, its pauses and its kitchen queue as a flat list.</summary>
public sealed record RestaurantSnapshot(
    string RestaurantId,
    RestaurantProfile? Profile,
    string? HandPauseReason,
    string? AutoPauseReason,
    ImmutableArray<KitchenOrder> Orders) : IOrderEngineMessage
{
    public static RestaurantSnapshot From(RestaurantState s) => new(
        s.RestaurantId, s.Profile, s.HandPauseReason, s.AutoPauseReason,
        [.. s.Orders.Values.OrderBy(o => o.ReceivedAt).ThenBy(o => o.OrderId, StringComparer.Ordinal)]);

    public RestaurantState ToState() => RestaurantState.Initial(RestaurantId) with
    {
        Profile = Profile,
        HandPauseReason = HandPauseReason,
        AutoPauseReason = AutoPauseReason,
        Orders = (Orders.IsDefault ? [] : Orders).ToImmutableDictionary(o => o.OrderId, StringComparer.Ordinal),
    };

    /// <summary>
    /// How many events after a snapshot the next one is due: at least <paramref name="snapshotEvery"/>, and at least as
    /// many as the orders the snapshot holds, so its O(n) copy is spread over n events.
    /// </summary>
    public static long EventsBetween(int snapshotEvery, RestaurantState s) => Math.Max(Math.Max(1, snapshotEvery), s.Orders.Count);
}
