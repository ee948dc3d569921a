using Akka.Actor;
using Akka.Event;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Stock;

namespace OrderEngine.Engine.Orders;

/// <summary>
/// A restaurant delivery the courier took: its sold units leave stock (<see cref="ShipSold"/> per SKU, as a shipment's
/// do), told again at every retry until every stock entity answered, then written down (<see cref="DeliveryLeftStock"/>).
/// What is owed comes from the state alone (<see cref="OrderState.DeliveryAwaitingDeparture"/>), so a restarted order
/// resumes it; the movement id (one per order and SKU) makes a resend count once.
/// </summary>
internal sealed class DeliveryDeparture(string orderId, ILoggingAdapter log)
{
    private Dictionary<string, int>? _awaiting;

    public bool Owes(OrderState state) => state.DeliveryAwaitingDeparture;

    /// <summary>Starts the departure when it is owed and not under way; at a retry (<paramref name="again"/>) resends what is unanswered.</summary>
    public void Send(OrderState state, IActorRef stock, IActorRef self, bool again)
    {
        if (!Owes(state))
        {
            _awaiting = null;
            return;
        }
        if (_awaiting is null)
        {
            _awaiting = state.DeliveryDepartures.ToDictionary(l => l.Sku, l => l.Quantity, StringComparer.Ordinal);
            if (_awaiting.Count == 0)
            {
                self.Tell(new MarkDeliveryLeftStock(orderId));
                return;
            }
        }
        else if (!again) return;
        foreach (var (sku, quantity) in _awaiting) stock.Tell(new ShipSold(sku, orderId, MovementId(sku), quantity), self);
    }

    /// <summary>A stock entity's answer to this departure (false: not one); the command to persist once every SKU answered.</summary>
    public bool Take(IStockReply reply, out MarkDeliveryLeftStock? done)
    {
        done = null;
        if (_awaiting is null || reply.Operation != StockOperation.Ship || reply.Ref != MovementId(reply.Sku) || !_awaiting.Remove(reply.Sku)) return false;
        if (reply is StockRefused { Rejection: var rejection })
            log.Error("order {0}: stock {1} refused to take the delivery's units off its books: {2}", orderId, reply.Sku, rejection.Message);
        if (_awaiting.Count == 0)
        {
            _awaiting = null;
            done = new MarkDeliveryLeftStock(orderId);
        }
        return true;
    }

    private string MovementId(string sku) => Domain.Identifiers.Derived('m', orderId + "\ndelivery\n" + sku);
}
