using System.Collections.Immutable;
using OrderEngine.Domain.Payments;
using OrderEngine.Domain.Shipments;

namespace OrderEngine.Domain.Orders;

// The order's side of fulfilment: what it shipped, in which parcels, and what became of them. It lives with the order
// because it must stay consistent with the order's stock and money: a shipment never holds more than was sold and not
// refunded, shipped units leave stock, cash on delivery is settled at delivery, and a parcel returned to sender puts its
// units back and its money back. A parcel's own journey (the carrier's tracking) is the parcel entity's
// (Domain/Shipments).

/// <summary>Units of one SKU in a shipment.</summary>
public sealed record ShipmentLine(string Sku, int Quantity);

/// <summary>
/// Records that part or all of a paid (or cash-on-delivery) order left the warehouse in one parcel. The shipment id is
/// the client's: a repeat with the same content changes nothing.
/// </summary>
public sealed record RecordShipment(string OrderId, string ShipmentId, ImmutableArray<ShipmentLine> Lines, string Carrier, string TrackingNumber)
    : IOrderCommand;

/// <summary>A parcel's journey ended (from its tracking): delivered, or returned to sender.</summary>
public sealed record RecordParcelOutcome(string OrderId, string ShipmentId, ParcelStatus Outcome, DateTimeOffset OccurredAt) : IOrderCommand;

/// <summary>Which stock movement of a shipment is done.</summary>
public enum ShipmentMovement
{
    /// <summary>Its units left stock (sold and on hand went down).</summary>
    Left,
    /// <summary>Its units, returned to sender, are back on hand.</summary>
    Back,
}

/// <summary>Records that every stock entity acknowledged a shipment's movement.</summary>
public sealed record MarkShipmentMoved(string OrderId, string ShipmentId, ShipmentMovement Movement) : IOrderCommand;

/// <summary>A shipment left with a carrier; <paramref name="ParcelId"/> is the parcel entity that follows its tracking.</summary>
public sealed record ShipmentRecorded(
    string OrderId,
    string ShipmentId,
    ImmutableArray<ShipmentLine> Lines,
    string Carrier,
    string TrackingNumber,
    string ParcelId,
    DateTimeOffset At) : IOrderEvent;

/// <summary>Every stock entity took the shipment's units off its books (or, for <see cref="ShipmentMovement.Back"/>, back on).</summary>
public sealed record ShipmentMoved(string OrderId, string ShipmentId, ShipmentMovement Movement, DateTimeOffset At) : IOrderEvent;

/// <summary>The carrier delivered the shipment's parcel at <paramref name="DeliveredAt"/>.</summary>
public sealed record ShipmentDelivered(string OrderId, string ShipmentId, DateTimeOffset DeliveredAt, DateTimeOffset At) : IOrderEvent;

/// <summary>The shipment's parcel came back undelivered at <paramref name="ReturnedAt"/>.</summary>
public sealed record ShipmentReturnedToSender(string OrderId, string ShipmentId, DateTimeOffset ReturnedAt, DateTimeOffset At) : IOrderEvent;

/// <summary>Where a shipment stands for the order.</summary>
public enum ShipmentStatus
{
    Shipped,
    Delivered,
    ReturnedToSender,
}

/// <summary>One shipment of the order, and how far its stock movements went.</summary>
public sealed record ShipmentRecord(
    string ShipmentId,
    ImmutableArray<ShipmentLine> Lines,
    string Carrier,
    string TrackingNumber,
    string ParcelId,
    ShipmentStatus Status,
    bool LeftStock,
    bool BackInStock,
    DateTimeOffset At,
    DateTimeOffset? DeliveredAt = null,
    DateTimeOffset? ReturnedAt = null);

/// <summary>How far an order's goods got: nothing shipped, some, all, all delivered.</summary>
public enum Fulfilment
{
    Unfulfilled,
    PartiallyShipped,
    Shipped,
    Delivered,
}

/// <summary>The rules of an order's shipments, called by <see cref="OrderDecider"/>.</summary>
public static class FulfilmentDecider
{
    /// <summary>The provider name a payment collected by the carrier at the door is recorded under.</summary>
    public const string CashOnDeliveryProvider = "cash-on-delivery";

    private const int MaxCarrierLength = 64;
    private const int MaxTrackingLength = 64;

    /// <summary>The parcel entity that follows a tracking number (one parcel may carry shipments of several orders).</summary>
    public static string ParcelIdOf(string trackingNumber) => Identifiers.Derived('p', "parcel\n" + NormalizeTracking(trackingNumber));

    /// <summary>Tracking numbers are compared without case and surrounding spaces, as carriers print them differently.</summary>
    public static string NormalizeTracking(string trackingNumber) => trackingNumber.Trim().ToUpperInvariant();

    public static Decision<IOrderEvent, OrderRejection> DecideShipment(OrderState s, RecordShipment c, DateTimeOffset now)
    {
        var errors = new List<FieldError>();
        if (!Identifiers.IsValidEntityId(c.ShipmentId)) errors.Add(new("shipmentId", "shipmentId must be " + Identifiers.EntityIdRule));
        if (string.IsNullOrWhiteSpace(c.Carrier) || c.Carrier.Length > MaxCarrierLength || c.Carrier.Any(char.IsControl))
            errors.Add(new("carrier", $"carrier is required (1-{MaxCarrierLength} printable characters)"));
        if (string.IsNullOrWhiteSpace(c.TrackingNumber) || c.TrackingNumber.Trim().Length > MaxTrackingLength
            || c.TrackingNumber.Trim().Any(ch => char.IsControl(ch) || char.IsWhiteSpace(ch)))
            errors.Add(new("trackingNumber", $"trackingNumber is required (1-{MaxTrackingLength} characters, no spaces)"));
        if (c.Lines.IsDefaultOrEmpty) errors.Add(new("lines", "a shipment holds at least one line"));
        if (errors.Count > 0) return Invalid(errors);
        if (!s.Exists) return Reject(OrderRejectionCode.NotFound, $"order {s.OrderId} does not exist");

        if (s.Shipments.FirstOrDefault(x => x.ShipmentId == c.ShipmentId) is { } existing)
        {
            var same = existing.Carrier == c.Carrier.Trim()
                && NormalizeTracking(existing.TrackingNumber) == NormalizeTracking(c.TrackingNumber)
                && existing.Lines.SequenceEqual(c.Lines);
            return same
                ? Decision<IOrderEvent, OrderRejection>.AlreadyDone
                : Reject(OrderRejectionCode.IdempotencyConflict, $"shipment {c.ShipmentId} was already recorded with other lines, carrier or tracking number");
        }

        if (s.Delivery is not null)
            return Reject(OrderRejectionCode.InvalidState, $"order {s.OrderId} is a restaurant delivery: its courier delivers it, nothing ships");
        if (s.ShippingHeld)
            return Reject(OrderRejectionCode.InvalidState,
                $"order {s.OrderId} is on hold: no shipping method is eligible ({s.ShippingMethod!.Reason}); choose one with POST /api/orders/{s.OrderId}/shipping");
        var paidOrCod = s.Status is OrderStatus.Paid || s.Status == OrderStatus.Confirmed;
        if (!paidOrCod)
        {
            return Reject(OrderRejectionCode.InvalidState, s.Status switch
            {
                OrderStatus.OnHold => $"order {s.OrderId} is on hold for review; it ships once approved",
                OrderStatus.Reserved or OrderStatus.Placed => $"order {s.OrderId} is not paid yet; it ships once paid",
                OrderStatus.Refunded => $"order {s.OrderId} was refunded in full; nothing is left to ship",
                _ => $"order {s.OrderId} is {s.Status.ToString().ToLowerInvariant()} and ships nothing",
            });
        }

        var p = s.Placement!;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < c.Lines.Length; i++)
        {
            var l = c.Lines[i];
            var at = $"lines[{i}]";
            if (l is null) { errors.Add(new(at, "a line must be an object with sku and quantity")); continue; }
            if (p.Lines.All(x => x.Sku != l.Sku)) { errors.Add(new($"{at}.sku", $"SKU {l.Sku} is not on order {s.OrderId}")); continue; }
            if (!seen.Add(l.Sku)) { errors.Add(new($"{at}.sku", $"SKU {l.Sku} appears twice; put its units on one line")); continue; }
            var left = s.UnitsToShip(l.Sku);
            if (l.Quantity < 1 || l.Quantity > left)
                errors.Add(new($"{at}.quantity", left == 0
                    ? $"every unit of {l.Sku} was shipped, refunded or put back on sale already"
                    : $"quantity must be between 1 and {left} (the units of {l.Sku} sold and not shipped or refunded yet)"));
        }
        if (errors.Count > 0) return Invalid(errors);
        return Accept(new ShipmentRecorded(s.OrderId, c.ShipmentId, c.Lines, c.Carrier.Trim(), c.TrackingNumber.Trim(), ParcelIdOf(c.TrackingNumber), now));
    }

    public static Decision<IOrderEvent, OrderRejection> DecideParcelOutcome(OrderState s, RecordParcelOutcome c, DateTimeOffset now)
    {
        if (!c.Outcome.IsFinal()) return Invalid([new("outcome", "a parcel's outcome is delivered or returned to sender")]);
        if (!s.Exists) return Reject(OrderRejectionCode.NotFound, $"order {s.OrderId} does not exist");
        var shipment = s.Shipments.FirstOrDefault(x => x.ShipmentId == c.ShipmentId);
        if (shipment is null) return Reject(OrderRejectionCode.NotFound, $"order {s.OrderId} has no shipment {c.ShipmentId}");
        // A parcel's journey ends once; a later, contradicting report changes nothing.
        if (shipment.Status != ShipmentStatus.Shipped) return Decision<IOrderEvent, OrderRejection>.AlreadyDone;

        var events = new List<IOrderEvent>();
        var next = s;
        void Add(IOrderEvent e)
        {
            events.Add(e);
            next = OrderDecider.Evolve(next, e);
        }

        Add(c.Outcome == ParcelStatus.Delivered
            ? new ShipmentDelivered(s.OrderId, c.ShipmentId, c.OccurredAt, now)
            : new ShipmentReturnedToSender(s.OrderId, c.ShipmentId, c.OccurredAt, now));
        var by = "carrier:" + shipment.Carrier;

        if (c.Outcome == ParcelStatus.ReturnedToSender && next.Payment is { } paid && next.Refundable > 0)
        {
            // The goods came back: their money goes back. Once nothing is left on its way or to ship, all that is left is refunded
            // (shipping included); before that, the returned units' price.
            var everythingBack = next.NothingLeftToShip && next.Shipments.All(x => x.Status == ShipmentStatus.ReturnedToSender);
            var amount = everythingBack ? next.Refundable : Math.Min(next.Refundable, ValueOf(next, shipment));
            if (amount > 0)
            {
                Add(new RefundRequested(s.OrderId, Identifiers.Derived('r', "rts\n" + s.OrderId + "\n" + c.ShipmentId), paid.Reference, paid.Provider,
                    amount, paid.Currency, [], $"parcel {shipment.TrackingNumber} returned to sender", by, now, Whole: everythingBack));
            }
        }

        // Cash on delivery: once every parcel's journey ended and nothing is left to ship, the carrier collected what was delivered.
        if (next.Status == OrderStatus.Confirmed && next.Payment is null && next.NothingLeftToShip && next.Shipments.All(x => x.Status != ShipmentStatus.Shipped))
        {
            var delivered = next.Shipments.Where(x => x.Status == ShipmentStatus.Delivered).ToList();
            if (delivered.Count == 0)
            {
                Add(new OrderCancelled(s.OrderId, "returned to sender: not delivered, nothing collected", now, by));
            }
            else
            {
                var p = next.Placement!;
                var returnedValue = next.Shipments.Where(x => x.Status == ShipmentStatus.ReturnedToSender).Sum(x => ValueOf(next, x));
                var amount = p.Total - returnedValue;
                var reference = "cod:" + string.Join(",", delivered.Select(x => x.TrackingNumber));
                if (reference.Length > 128) reference = "cod:" + Identifiers.Derived('c', reference);
                Add(new PaymentConfirmed(s.OrderId, amount, p.Currency, reference, now, CashOnDeliveryProvider));
            }
        }
        return Decision<IOrderEvent, OrderRejection>.Accept([.. events]);
    }

    public static Decision<IOrderEvent, OrderRejection> DecideMoved(OrderState s, MarkShipmentMoved c, DateTimeOffset now)
    {
        var shipment = s.Shipments.FirstOrDefault(x => x.ShipmentId == c.ShipmentId);
        var due = shipment is not null && (c.Movement == ShipmentMovement.Left
            ? !shipment.LeftStock
            : shipment.Status == ShipmentStatus.ReturnedToSender && shipment.LeftStock && !shipment.BackInStock);
        return due ? Accept(new ShipmentMoved(s.OrderId, c.ShipmentId, c.Movement, now)) : Decision<IOrderEvent, OrderRejection>.AlreadyDone;
    }

    /// <summary>What a shipment's units cost, priced line by line as refunds price them.</summary>
    private static decimal ValueOf(OrderState s, ShipmentRecord shipment)
    {
        var lines = s.Placement!.Lines;
        var value = 0m;
        foreach (var l in shipment.Lines)
        {
            // Units of the SKU shipped before this shipment, and those refunded by line, are priced first.
            var before = s.UnitsRefundedOrRestocked(l.Sku)
                + s.Shipments.TakeWhile(x => x.ShipmentId != shipment.ShipmentId).SelectMany(x => x.Lines).Where(x => x.Sku == l.Sku).Sum(x => x.Quantity);
            value += OrderDecider.PriceOfNextUnits(lines, l.Sku, before, l.Quantity);
        }
        return value;
    }

    public static OrderState Evolve(OrderState s, IOrderEvent e) => e switch
    {
        ShipmentRecorded x => WithFulfilmentHistory(s, s with
        {
            // Cash on delivery: the units are sold once they leave, so the order commits its reservation first (PendingStock).
            Shipments = s.Shipments.Add(new ShipmentRecord(x.ShipmentId, x.Lines, x.Carrier, x.TrackingNumber, x.ParcelId, ShipmentStatus.Shipped, false, false, x.At)),
        }, x.At, $"shipment {x.ShipmentId}: {x.Carrier} {x.TrackingNumber}", "warehouse"),
        ShipmentMoved x => s with
        {
            Shipments = Update(s, x.ShipmentId, r => x.Movement == ShipmentMovement.Left ? r with { LeftStock = true } : r with { BackInStock = true }),
        },
        ShipmentDelivered x => WithFulfilmentHistory(s, s with
        {
            Shipments = Update(s, x.ShipmentId, r => r with { Status = ShipmentStatus.Delivered, DeliveredAt = x.DeliveredAt }),
        }, x.At, $"shipment {x.ShipmentId} delivered", "carrier:" + CarrierOf(s, x.ShipmentId)),
        ShipmentReturnedToSender x => s with
        {
            Shipments = Update(s, x.ShipmentId, r => r with { Status = ShipmentStatus.ReturnedToSender, ReturnedAt = x.ReturnedAt }),
            History = s.History.Add(new(s.ViewStatus, x.At, $"shipment {x.ShipmentId} returned to sender", "carrier:" + CarrierOf(s, x.ShipmentId))),
        },
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name, "not a fulfilment event"),
    };

    private static string CarrierOf(OrderState s, string shipmentId) => s.Shipments.FirstOrDefault(x => x.ShipmentId == shipmentId)?.Carrier ?? "unknown";

    /// <summary>Adds a history entry when the order's fulfilment moved (partly shipped, shipped, delivered).</summary>
    private static OrderState WithFulfilmentHistory(OrderState before, OrderState after, DateTimeOffset at, string reason, string by) =>
        after.Fulfilment != before.Fulfilment || after.Shipments.Length != before.Shipments.Length
            ? after with { History = after.History.Add(new(after.ViewStatus, at, reason, by)) }
            : after;

    private static ImmutableArray<ShipmentRecord> Update(OrderState s, string shipmentId, Func<ShipmentRecord, ShipmentRecord> change) =>
        s.Shipments.Select(r => r.ShipmentId == shipmentId ? change(r) : r).ToImmutableArray();

    private static Decision<IOrderEvent, OrderRejection> Accept(IOrderEvent e) => Decision<IOrderEvent, OrderRejection>.Accept(e);

    private static Decision<IOrderEvent, OrderRejection> Reject(OrderRejectionCode code, string message) =>
        Decision<IOrderEvent, OrderRejection>.Reject(OrderRejection.Of(code, message));

    private static Decision<IOrderEvent, OrderRejection> Invalid(List<FieldError> errors) =>
        Decision<IOrderEvent, OrderRejection>.Reject(new OrderRejection(OrderRejectionCode.Invalid,
            errors.Count == 1 ? errors[0].Message : "the shipment is invalid", [.. errors]));
}
