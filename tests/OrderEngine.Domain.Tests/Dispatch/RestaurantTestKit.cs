using System.Collections.Immutable;
using OrderEngine.Domain.Dispatch;
using OrderEngine.Domain.Dispatch.Restaurants;

namespace OrderEngine.Domain.Tests.Dispatch;

/// <summary>A restaurant in central London, its drop-offs, and helpers to decide and fold.</summary>
internal static class RestaurantTestKit
{
    public const string Id = "r-1";
    public static readonly DateTimeOffset T0 = TestTime.T0;
    public static readonly GeoPoint Kitchen = new(51.5074, -0.1278);
    /// <summary>About 2.2 km north-east of the kitchen.</summary>
    public static readonly GeoPoint Home = new(51.5226, -0.1040);
    public static readonly RestaurantRules Rules = RestaurantRules.Default;

    public static DefineRestaurant Define(decimal prep = 12m, bool open = true, string name = "Pasta Place", params string[] menu) =>
        new(Id, name, Kitchen, prep, [.. menu], open);

    public static ReceiveKitchenOrder Receive(string orderId, DateTimeOffset? promisedBy = null, GeoPoint? dropOff = null) =>
        new(Id, orderId, dropOff ?? Home, promisedBy, 2, T0);

    public static AcceptKitchenOrder Accept(string orderId, decimal prep) => new(Id, orderId, prep);

    public static RejectKitchenOrder RejectOrder(string orderId, string reason = "out of basil") => new(Id, orderId, reason);

    public static RecordPickupEstimate Estimate(string orderId, DateTimeOffset at, bool collected = false) => new(Id, orderId, at, collected);

    /// <summary>Decides and folds each command in turn at its time; returns the final state and the last decision.</summary>
    public static (RestaurantState State, RestaurantDecision Last) Given(RestaurantRules rules, params (IRestaurantCommand Command, DateTimeOffset At)[] steps)
    {
        var s = RestaurantState.Initial(Id);
        RestaurantDecision last = default;
        foreach (var (command, at) in steps)
        {
            last = RestaurantDecider.Decide(s, command, at, rules);
            Assert.False(last.IsRejected, $"{command} refused: {last.Rejection}");
            s = RestaurantDecider.Fold(s, last.Events);
        }
        return (s, last);
    }

    public static (RestaurantState State, RestaurantDecision Last) Given(params (IRestaurantCommand Command, DateTimeOffset At)[] steps) => Given(Rules, steps);

    public static (RestaurantState State, RestaurantDecision Decision) When(RestaurantState s, IRestaurantCommand command, DateTimeOffset at, RestaurantRules? rules = null)
    {
        var d = RestaurantDecider.Decide(s, command, at, rules ?? Rules);
        return (RestaurantDecider.Fold(s, d.Events), d);
    }

    public static ImmutableArray<string> Menu(params string[] skus) => [.. skus];
}
