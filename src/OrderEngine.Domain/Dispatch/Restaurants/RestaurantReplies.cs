using System.Collections.Immutable;
using OrderEngine.Domain.Orders;

namespace OrderEngine.Domain.Dispatch.Restaurants;

public enum RestaurantRejectionCode
{
    /// <summary>The command is malformed (see the field errors).</summary>
    Invalid,
    /// <summary>No such restaurant, or the restaurant never received the order.</summary>
    NotFound,
    /// <summary>It contradicts what was decided before (accepting a rejected order, accepting again with another time).</summary>
    Conflict,
}

/// <summary>Why a restaurant command was refused; a refusal changes nothing.</summary>
public sealed record RestaurantRejection(RestaurantRejectionCode Code, string Message, ImmutableArray<FieldError> Errors);

/// <summary>A restaurant entity's answer (the shared messages have their own: KitchenOrderReceived, PickupEstimateRecorded, RestaurantTakesOrders).</summary>
public interface IRestaurantReply : IRestaurantMessage;

/// <summary>The command took effect (or had already: <paramref name="Repeat"/>) and is durable, or the query's answer; <paramref name="Created"/> when it defined the restaurant.</summary>
public sealed record RestaurantAccepted(string RestaurantId, RestaurantView View, bool Repeat = false, bool Created = false) : IRestaurantReply;

/// <summary>The command was refused and changed nothing.</summary>
public sealed record RestaurantRefused(string RestaurantId, RestaurantRejection Rejection) : IRestaurantReply;
