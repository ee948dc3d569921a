using System.Collections.Immutable;
using OrderEngine.Domain;
using OrderEngine.Domain.Stock;

namespace OrderEngine.Engine.Serialization;

/// <summary>A stock entity's state as stored in a snapshot: flat lists, oldest settled ids first.</summary>
public sealed record StockSnapshot(
    string Sku,
    bool Exists,
    long OnHand,
    long Sold,
    long Version,
    long LastSetOnHand,
    ImmutableArray<OpenReservation> Reservations,
    ImmutableArray<SettledOrder> SettledOrders,
    ImmutableArray<RememberedAdjustment> Adjustments,
    int? PerCustomerLimit = null,
    ImmutableArray<CustomerUnitCount> CustomerUnits = default,
    ImmutableArray<CountedSale> CountedPurchases = default,
    long? LowStockBelow = null,
    bool LowStockOpen = false,
    ReplenishmentSettings? Replenishment = null,
    StockChange? LastChange = null) : IOrderEngineMessage
{
    public static StockSnapshot From(StockState s) => new(
        s.Sku, s.Exists, s.OnHand, s.Sold, s.Version, s.LastSetOnHand,
        [.. s.Reservations.Select(kv => new OpenReservation(kv.Key, kv.Value.Quantity, kv.Value.ExpiresAt, kv.Value.CustomerId))],
        [.. s.SettledOrders.Entries().Select(kv => new SettledOrder(kv.Key, kv.Value.Value, kv.Value.At))],
        [.. s.Adjustments.Entries().Select(kv => new RememberedAdjustment(kv.Key, kv.Value.Value.Delta, kv.Value.Value.Reason, kv.Value.At))],
        s.PerCustomerLimit,
        [.. s.CustomerUnits.Select(kv => new CustomerUnitCount(kv.Key, kv.Value))],
        [.. s.CountedPurchases.Select(kv => new CountedSale(kv.Key, kv.Value.CustomerId, kv.Value.Units))],
        s.LowStockBelow, s.LowStockOpen, s.Replenishment, s.LastChange);

    public StockState ToState()
    {
        var reservations = Reservations.ToImmutableDictionary(r => r.OrderId, r => new Reservation(r.Quantity, r.ExpiresAt, r.CustomerId), StringComparer.Ordinal);
        return new StockState(
            Sku, Exists, OnHand, Sold, reservations.Values.Sum(r => (long)r.Quantity), Version, LastSetOnHand, reservations,
            RecentIds<ReservationOutcome>.FromEntries(SettledOrders.Select(x =>
                new KeyValuePair<string, RecentIds<ReservationOutcome>.Entry>(x.OrderId, new(x.Outcome, x.At)))),
            RecentIds<AppliedAdjustment>.FromEntries(Adjustments.Select(x =>
                new KeyValuePair<string, RecentIds<AppliedAdjustment>.Entry>(x.AdjustmentId, new(new AppliedAdjustment(x.Delta, x.Reason), x.At)))),
            PerCustomerLimit,
            (CustomerUnits.IsDefault ? [] : CustomerUnits).ToImmutableDictionary(c => c.CustomerId, c => c.Units, StringComparer.Ordinal))
        {
            CountedPurchases = (CountedPurchases.IsDefault ? [] : CountedPurchases)
                .ToImmutableDictionary(c => c.OrderId, c => new CountedPurchase(c.CustomerId, c.Units), StringComparer.Ordinal),
            LowStockBelow = LowStockBelow,
            LowStockOpen = LowStockOpen,
            Replenishment = Replenishment,
            LastChange = LastChange,
        };
    }
}

/// <summary>Units a customer holds or bought under a per-customer limit, in a stock snapshot.</summary>
public sealed record CustomerUnitCount(string CustomerId, long Units);

/// <summary>An order's sold units counted against its customer's limit, in a stock snapshot.</summary>
public sealed record CountedSale(string OrderId, string CustomerId, long Units);

/// <summary>An open reservation in a stock snapshot.</summary>
public sealed record OpenReservation(string OrderId, int Quantity, DateTimeOffset ExpiresAt, string? CustomerId = null);

/// <summary>A recently settled reservation in a stock snapshot.</summary>
public sealed record SettledOrder(string OrderId, ReservationOutcome Outcome, DateTimeOffset At);

/// <summary>A recently applied adjustment in a stock snapshot.</summary>
public sealed record RememberedAdjustment(string AdjustmentId, long Delta, AdjustmentReason Reason, DateTimeOffset At);

/// <summary>A delivery zone's state as stored in a snapshot: its settings, couriers, deliveries (open and recently closed) and outbox.</summary>
public sealed record ZoneSnapshot(
    string ZoneId,
    Domain.Dispatch.Zones.ZoneSettings? Settings,
    ImmutableArray<Domain.Dispatch.Zones.ZoneCourier> Couriers,
    ImmutableArray<Domain.Dispatch.Zones.ZoneDelivery> Deliveries,
    long Sequence,
    ImmutableArray<Domain.Dispatch.Zones.ZoneNotice> Outbox) : IOrderEngineMessage
{
    public static ZoneSnapshot From(Domain.Dispatch.Zones.ZoneState s) =>
        new(s.ZoneId, s.Settings, [.. s.Couriers.Values], [.. s.Deliveries.Values], s.Sequence, [.. s.Outbox]);

    public Domain.Dispatch.Zones.ZoneState ToState() => Domain.Dispatch.Zones.ZoneState.Initial(ZoneId) with
    {
        Settings = Settings,
        Couriers = Couriers.ToImmutableSortedDictionary(c => c.CourierId, c => c, StringComparer.Ordinal),
        Deliveries = Deliveries.ToImmutableSortedDictionary(d => d.OrderId, d => d, StringComparer.Ordinal),
        Sequence = Sequence,
        Outbox = [.. Outbox],
    };
}
