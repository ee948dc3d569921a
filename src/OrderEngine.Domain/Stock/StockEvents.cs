using System.Collections.Immutable;

namespace OrderEngine.Domain.Stock;

/// <summary>A fact about one SKU's stock, persisted in its entity's journal.</summary>
public interface IStockEvent : IStockMessage
{
    DateTimeOffset At { get; }
}

/// <summary>
/// The count on hand was set. <paramref name="By"/>, on this and the other warehouse writes (adjustments, limit,
/// threshold, replenishment settings): who did it, as authenticated; null in events written before it was recorded.
/// </summary>
public sealed record OnHandSet(string Sku, long OnHand, long Version, DateTimeOffset At, string? By = null) : IStockEvent;

/// <summary>The count on hand was changed by <paramref name="Delta"/>, by <paramref name="By"/> (null: not recorded).</summary>
public sealed record OnHandAdjusted(string Sku, string AdjustmentId, long Delta, AdjustmentReason Reason, string? Note, DateTimeOffset At, string? By = null) : IStockEvent;

public sealed record StockReserved(string Sku, string OrderId, int Quantity, DateTimeOffset ExpiresAt, DateTimeOffset At, string? CustomerId = null) : IStockEvent;

public sealed record ReservationExtended(string Sku, string OrderId, DateTimeOffset ExpiresAt, DateTimeOffset At) : IStockEvent;

public sealed record SaleRestocked(string Sku, string OrderId, string RestockId, int Quantity, DateTimeOffset At, string? CustomerId = null) : IStockEvent;

/// <summary>Sold units left the warehouse: sold and on hand went down by <paramref name="Quantity"/>.</summary>
public sealed record SoldShipped(string Sku, string OrderId, string MovementId, int Quantity, DateTimeOffset At) : IStockEvent;

/// <summary>Shipped units came back in a state to sell again: on hand went up by <paramref name="Quantity"/>.</summary>
public sealed record ShippedReceived(string Sku, string OrderId, string MovementId, int Quantity, DateTimeOffset At) : IStockEvent;

public sealed record PurchaseLimitSet(string Sku, int? PerCustomer, DateTimeOffset At, string? By = null) : IStockEvent;

public sealed record ReservationCommitted(string Sku, string OrderId, int Quantity, DateTimeOffset At) : IStockEvent;

/// <summary>An open reservation was given back. <paramref name="Unplaced"/>: its order was never placed, so it is not remembered as settled.</summary>
public sealed record ReservationReleased(string Sku, string OrderId, int Quantity, DateTimeOffset At, bool Unplaced = false) : IStockEvent;

public sealed record ReservationsExpired(string Sku, ImmutableArray<ExpiredReservation> Reservations, DateTimeOffset At) : IStockEvent;

/// <summary>One reservation released by expiry.</summary>
public sealed record ExpiredReservation(string OrderId, int Quantity);

/// <summary>The SKU's own low-stock threshold was set (0: alerts off for this SKU).</summary>
public sealed record LowStockThresholdSet(string Sku, long Below, DateTimeOffset At, string? By = null) : IStockEvent;

/// <summary>Available units fell below the threshold: one alert, raised once until it clears.</summary>
public sealed record LowStockRaised(string Sku, long Available, long Threshold, DateTimeOffset At) : IStockEvent;

/// <summary>Available units are at or above the threshold again (or alerts were turned off): the open alert clears.</summary>
public sealed record LowStockCleared(string Sku, long Available, long Threshold, DateTimeOffset At) : IStockEvent;

/// <summary>The SKU's replenishment settings were replaced.</summary>
public sealed record ReplenishmentSettingsSet(string Sku, ReplenishmentSettings Settings, DateTimeOffset At, string? By = null) : IStockEvent;
