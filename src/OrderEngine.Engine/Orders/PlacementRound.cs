using System.Collections.Immutable;
using Akka.Actor;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Stock;

namespace OrderEngine.Engine.Orders;

/// <summary>
/// A placement being reserved before anything is written: the placement as decided, who waits for its answer, and the
/// stock entities' answers so far. Nothing of it is durable; if the entity stops meanwhile, the client's retry starts a
/// new round (reservations are idempotent per order) and reservations nobody asks for again come back when their stock
/// entity asks this order at their expiry.
/// </summary>
internal sealed class PlacementRound(OrderPlaced pending, bool countsCustomerOrders)
{
    private readonly Dictionary<string, LineReservationOutcome> _outcomes = new(StringComparer.Ordinal);

    public OrderPlaced Pending { get; } = pending;

    /// <summary>What is reserved: the units of each SKU over all its lines.</summary>
    public ImmutableArray<SkuQuantity> Skus { get; } = OrderLines.PerSku(pending.Lines);

    /// <summary>Everyone waiting for this placement's answer; Repeat marks the callers who sent it again meanwhile.</summary>
    public List<(IActorRef Waiter, bool Repeat)> Waiters { get; } = [];

    /// <summary>How many orders the customer placed within the velocity window (asked only when that rule is on).</summary>
    public int? RecentOrdersOfCustomer { get; private set; }

    public bool CountsCustomerOrders { get; } = countsCustomerOrders;

    /// <summary>The SKUs whose stock has not answered yet.</summary>
    public IEnumerable<SkuQuantity> Unanswered => Skus.Where(l => !_outcomes.ContainsKey(l.Sku));

    /// <summary>The customer's personal data key is being made durable; the placement is not written before it is.</summary>
    public bool AwaitingKey { get; set; }

    /// <summary>The key was asked for and has not answered (a failed ask is asked again at the next retry).</summary>
    public bool KeyAsked { get; set; }

    public bool IsComplete => _outcomes.Count == Skus.Length && (!CountsCustomerOrders || RecentOrdersOfCustomer is not null) && !AwaitingKey;

    public ImmutableArray<LineReservationOutcome> Outcomes => Skus.Select(l => _outcomes[l.Sku]).ToImmutableArray();

    /// <summary>Takes one line's answer; false when it is not for a line of this placement or was already taken.</summary>
    public bool Take(IStockReply reply)
    {
        if (reply.Operation != StockOperation.Reserve || _outcomes.ContainsKey(reply.Sku) || Skus.All(l => l.Sku != reply.Sku)) return false;
        _outcomes[reply.Sku] = reply is StockRefused refused
            ? new LineReservationOutcome(reply.Sku, false, refused.Rejection.Code.ToString(), refused.Rejection.Message)
            : new LineReservationOutcome(reply.Sku, true, null, null);
        return true;
    }

    public bool TakeCount(int count)
    {
        if (!CountsCustomerOrders || RecentOrdersOfCustomer is not null) return false;
        RecentOrdersOfCustomer = count;
        return true;
    }
}
