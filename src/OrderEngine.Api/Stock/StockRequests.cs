namespace OrderEngine.Api.Stock;

/// <summary>The body of PUT /api/stock/{sku}: an absolute count from a warehouse system with its version.</summary>
public sealed record SetStockRequest(long OnHand, long Version);

/// <summary>The body of POST /api/stock/{sku}/adjustments. Reason: received, damaged, correction or returned.</summary>
public sealed record AdjustStockRequest(long Delta, string? Reason, string? Note, string? AdjustmentId);

/// <summary>The body of PUT /api/stock/{sku}/limit: how many units one customer may hold and buy (null lifts the limit).</summary>
public sealed record PurchaseLimitRequest(int? PerCustomer);

/// <summary>The body of PUT /api/stock/{sku}/alert: alert while fewer than <c>below</c> units are available (0: no alerts for this SKU).</summary>
public sealed record LowStockAlertRequest(long? Below);

/// <summary>The body of PUT /api/stock/{sku}/replenishment; each field left out uses the configured default.</summary>
public sealed record ReplenishmentSettingsRequest(int? LeadTimeDays, decimal? ServiceLevel, long? SafetyStock, int? ReviewDays);
