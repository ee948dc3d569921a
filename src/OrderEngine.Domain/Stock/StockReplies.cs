namespace OrderEngine.Domain.Stock;

/// <summary>Which stock command a reply answers.</summary>
public enum StockOperation
{
    Get,
    SetOnHand,
    Adjust,
    Reserve,
    Commit,
    Release,
    Expire,
    Extend,
    Restock,
    SetLimit,
    Check,
    Ship,
    Receive,
    SetAlert,
    SetReplenishment,
}

public enum StockRejectionCode
{
    Invalid,
    UnknownSku,
    InsufficientStock,
    StaleVersion,
    VersionConflict,
    WouldBreakInvariant,
    AdjustmentConflict,
    ReservationConflict,
    ReservationNotFound,
    ReservationClosed,
    PurchaseLimitExceeded,
    RestockConflict,
}

/// <summary>Why a stock command was refused; a refusal changes nothing.</summary>
public sealed record StockRejection(StockRejectionCode Code, string Message);

/// <summary>
/// The figures of one SKU: reserved + sold never exceed on hand. <paramref name="LowStockBelow"/> is the low-stock
/// threshold in force (0: alerts off) and <paramref name="LowStock"/> whether an alert is open;
/// <paramref name="Replenishment"/> the SKU's own replenishment settings, if any; <paramref name="LastChange"/> the last
/// warehouse write to it (who, when, what), if any.
/// </summary>
public sealed record StockView(string Sku, long OnHand, long Reserved, long Sold, long Available, long Version, int? PerCustomerLimit = null,
    long? LowStockBelow = null, bool LowStock = false, ReplenishmentSettings? Replenishment = null, StockChange? LastChange = null);

/// <summary>A stock entity's answer to a command or query.</summary>
public interface IStockReply : IStockMessage
{
    StockOperation Operation { get; }

    /// <summary>The order id or adjustment id the command carried; empty for commands without one.</summary>
    string Ref { get; }
}

/// <summary>The command took effect (or had already taken effect) and is durable.</summary>
public sealed record StockAccepted(string Sku, StockOperation Operation, string Ref, StockView View) : IStockReply;

/// <summary>
/// Published by a stock entity when its SKU sells out (<paramref name="SoldOut"/>) or has units free again, so every node
/// can route placements of sold-out SKUs straight to the stock's judgement instead of starting an order entity.
/// </summary>
public sealed record StockAvailabilityChanged(string Sku, bool SoldOut, DateTimeOffset At) : IStockMessage;

/// <summary>How a stock entity judged a placement it was asked about without reserving (<see cref="CheckReservable"/>).</summary>
public enum ReservableOutcome
{
    /// <summary>Enough units are free: the placement may go ahead.</summary>
    Free,
    /// <summary>The order already holds or settled a reservation here (an earlier attempt): only its entity may answer.</summary>
    HeldByOrder,
    /// <summary>A reservation would be refused (see the refusal).</summary>
    Refused,
}

/// <summary>The answer to <see cref="CheckReservable"/>; it changed nothing.</summary>
public sealed record StockCheckAnswer(string Sku, string OrderId, ReservableOutcome Outcome, StockRejection? Refusal) : IStockReply
{
    public StockOperation Operation => StockOperation.Check;
    public string Ref => OrderId;
}

/// <summary>The command was refused and changed nothing.</summary>
public sealed record StockRefused(string Sku, StockOperation Operation, string Ref, StockRejection Rejection, StockView? View) : IStockReply;
