using System.Collections.Immutable;

namespace OrderEngine.Domain.Orders;

/// <summary>Where an order stands. Later fulfilment states (shipped, delivered) follow Paid.</summary>
public enum OrderStatus
{
    /// <summary>No order with this id was placed.</summary>
    None,
    /// <summary>Accepted and durable; its lines are being reserved.</summary>
    Placed,
    /// <summary>Every line is reserved; awaiting payment until the hold expires.</summary>
    Reserved,
    Paid,
    /// <summary>At least one line could not be reserved; nothing is held.</summary>
    Rejected,
    Cancelled,
    /// <summary>Not paid within its hold time; its stock was released.</summary>
    Expired,
}

/// <summary>What the order still owes its stock entities.</summary>
public enum PendingStockAction
{
    None,
    Reserve,
    Commit,
    Release,
}

/// <summary>One status change, with its time and reason.</summary>
public sealed record StatusChange(OrderStatus Status, DateTimeOffset At, string? Reason);

/// <summary>A confirmed payment.</summary>
public sealed record PaymentRecord(decimal Amount, string Currency, string Reference, DateTimeOffset At);

/// <summary>The state of one order: what was placed, where it stands, and whether its stock is settled.</summary>
public sealed record OrderState(
    string OrderId,
    OrderStatus Status,
    OrderPlaced? Placement,
    ImmutableArray<LineRejection> Rejections,
    PaymentRecord? Payment,
    bool StockSettled,
    ImmutableArray<StatusChange> History)
{
    public static OrderState Initial(string orderId) => new(orderId, OrderStatus.None, null, [], null, false, []);

    public bool Exists => Status != OrderStatus.None;

    /// <summary>The stock step this order must (still) drive: reserve while placed, then commit if paid or release if it ended unpaid.</summary>
    public PendingStockAction PendingStock => Status switch
    {
        OrderStatus.Placed => PendingStockAction.Reserve,
        OrderStatus.Paid when !StockSettled => PendingStockAction.Commit,
        OrderStatus.Rejected or OrderStatus.Cancelled or OrderStatus.Expired when !StockSettled => PendingStockAction.Release,
        _ => PendingStockAction.None,
    };

    public OrderView ToView() => OrderView.From(this);
}
