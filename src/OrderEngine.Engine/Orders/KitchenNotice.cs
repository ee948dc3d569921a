using Akka.Actor;
using Akka.Event;
using OrderEngine.Domain.Dispatch;
using OrderEngine.Domain.Orders;

namespace OrderEngine.Engine.Orders;

/// <summary>
/// A delivery order's obligation to its restaurant: once paid (or confirmed, cash on delivery) it tells the restaurant
/// <see cref="ReceiveKitchenOrder"/> at every retry until the restaurant answers <see cref="KitchenOrderReceived"/>, which
/// the order then writes down (<see cref="KitchenNotified"/>). What is owed comes from the state alone
/// (<see cref="DeliveryDecider.OwesKitchenNotice"/>), so a restarted order resumes it.
/// </summary>
internal sealed class KitchenNotice(string orderId, IActorRef restaurants, ILoggingAdapter log)
{
    private int _sent;

    public static bool Owes(OrderState state) => DeliveryDecider.OwesKitchenNotice(state);

    /// <summary>
    /// Tells the restaurant when the order owes it and has not told it yet in this incarnation, or — at a retry
    /// (<paramref name="again"/>) — once more; answers whether the order owes it.
    /// </summary>
    public bool Send(OrderState state, DateTimeOffset now, IActorRef self, bool again)
    {
        if (!Owes(state)) return false;
        if (_sent > 0 && !again) return true;
        if (restaurants.IsNobody())
            log.Error("order {0}: no restaurant region is registered; restaurant {1} cannot be told of the order", orderId, state.Delivery!.RestaurantId);
        else if (++_sent > 1)
            log.Info("order {0}: restaurant {1} has not answered yet; telling it again", orderId, state.Delivery!.RestaurantId);
        restaurants.Tell(DeliveryDecider.KitchenOrder(state, now), self);
        return true;
    }

    /// <summary>The command that records the restaurant's answer, when it is about this order.</summary>
    public MarkKitchenNotified? OnReceived(KitchenOrderReceived received) =>
        received.OrderId == orderId ? new MarkKitchenNotified(orderId, received.RestaurantId) : null;
}
