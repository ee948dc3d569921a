namespace OrderEngine.Domain.Stock;

/// <summary>A message addressed to one SKU's stock entity.</summary>
public interface IStockMessage : IOrderEngineMessage
{
    string Sku { get; }
}

/// <summary>A command the stock entity decides on.</summary>
public interface IStockCommand : IStockMessage;

/// <summary>Why stock on hand changed outside of sales.</summary>
public enum AdjustmentReason
{
    Received,
    Damaged,
    Correction,
    Returned,
}

/// <summary>
/// Sets the absolute count on hand, as reported by a warehouse system; a report older than the last one applied is refused.
/// <paramref name="By"/>: who set it (the authenticated principal, <c>key:{name}</c> or <c>user:{name}</c>); null when unknown.
/// </summary>
public sealed record SetOnHand(string Sku, long OnHand, long Version, string? By = null) : IStockCommand;

/// <summary>Changes the count on hand by a delta; the adjustment id makes a retried adjustment count once. <paramref name="By"/>: who adjusted it.</summary>
public sealed record AdjustOnHand(string Sku, string AdjustmentId, long Delta, AdjustmentReason Reason, string? Note = null, string? By = null) : IStockCommand;

/// <summary>
/// Holds units for an order until it is paid (commit), given up (release) or the hold lapses (expiry). The customer
/// counts against the SKU's per-customer limit, when one is set.
/// </summary>
public sealed record ReserveStock(string Sku, string OrderId, int Quantity, DateTimeOffset ExpiresAt, string? CustomerId = null) : IStockCommand;

/// <summary>Moves an open reservation's expiry later (an order held for review, or approved after a review).</summary>
public sealed record ExtendReservation(string Sku, string OrderId, DateTimeOffset ExpiresAt) : IStockCommand;

/// <summary>Puts sold units of an order back on sale (a refunded line that was never shipped); the restock id makes a retry count once.</summary>
public sealed record RestockSale(string Sku, string OrderId, string RestockId, int Quantity, string? CustomerId = null) : IStockCommand;

/// <summary>
/// Sold units of an order left the warehouse in a shipment: they are no longer sold-and-on-hand, so sold and on hand both
/// go down (a count taken after shipping agrees). The movement id (one per shipment and SKU) makes a retry count once.
/// </summary>
public sealed record ShipSold(string Sku, string OrderId, string MovementId, int Quantity) : IStockCommand;

/// <summary>
/// Shipped units came back to the warehouse in a state to sell again (a parcel returned to sender, a restockable
/// return): on hand goes up. The movement id makes a retry count once.
/// </summary>
public sealed record ReceiveShipped(string Sku, string OrderId, string MovementId, int Quantity) : IStockCommand;

/// <summary>Sets (or, with null, lifts) how many units of this SKU one customer may hold and buy: a flash sale's per-buyer limit.</summary>
public sealed record SetPurchaseLimit(string Sku, int? PerCustomer, string? By = null) : IStockCommand;

/// <summary>Turns an order's reserved units into sold units.</summary>
public sealed record CommitReservation(string Sku, string OrderId) : IStockCommand;

/// <summary>Returns an order's reserved units to the available pool.</summary>
/// <param name="Unplaced">
/// The order was never placed (its placement was refused, or cut off before its write): the release is not remembered
/// against the order, so a retry of that placement may reserve again.
/// </param>
public sealed record ReleaseReservation(string Sku, string OrderId, bool Unplaced = false) : IStockCommand;

/// <summary>Releases every reservation whose expiry lies more than <see cref="Grace"/> in the past.</summary>
public sealed record ExpireDueReservations(string Sku, TimeSpan Grace) : IStockCommand;

/// <summary>Asks for the current stock figures of a SKU.</summary>
public sealed record GetStock(string Sku) : IStockMessage;

/// <summary>
/// Asks whether a placement could take <paramref name="Quantity"/> units for <paramref name="OrderId"/>, without
/// reserving anything (answered with <see cref="StockCheckAnswer"/>). It lets a placement of a sold-out SKU be refused
/// without starting an order entity; the stock entity stays the only judge.
/// </summary>
public sealed record CheckReservable(string Sku, string OrderId, int Quantity) : IStockMessage;

/// <summary>
/// Sets this SKU's low-stock threshold: an alert is raised while fewer than <paramref name="Below"/> units are available
/// (0 turns alerts off for this SKU; without a threshold of its own a SKU uses the configured default).
/// </summary>
public sealed record SetLowStockThreshold(string Sku, long Below, string? By = null) : IStockCommand;

/// <summary>Sets (replaces) this SKU's replenishment settings; a null field falls back to the configured default. <paramref name="By"/>: who set them.</summary>
public sealed record SetReplenishmentSettings(string Sku, ReplenishmentSettings Settings, string? By = null) : IStockCommand;
