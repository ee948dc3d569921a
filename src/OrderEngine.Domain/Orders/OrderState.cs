using System.Collections.Immutable;
using OrderEngine.Domain.Payments;

namespace OrderEngine.Domain.Orders;

/// <summary>Where an order stands. Later fulfilment states (shipped, delivered) follow Paid and Confirmed.</summary>
public enum OrderStatus
{
    /// <summary>No order with this id was placed.</summary>
    None,
    /// <summary>Accepted and durable; its lines are being reserved.</summary>
    Placed,
    /// <summary>Reserved, but held by the automatic review for a person to approve or reject.</summary>
    OnHold,
    /// <summary>Every line is reserved; awaiting payment until the hold expires.</summary>
    Reserved,
    Paid,
    /// <summary>Cash on delivery: reserved and proceeding; paid when delivered.</summary>
    Confirmed,
    /// <summary>At least one line could not be reserved; nothing is held.</summary>
    Rejected,
    Cancelled,
    /// <summary>Not paid within its hold time (or not reviewed in time); its stock was released.</summary>
    Expired,
    /// <summary>Paid, then refunded in full.</summary>
    Refunded,
    /// <summary>Paid (or cash on delivery) and some of its units shipped (shown by the order's view; see <see cref="Fulfilment"/>).</summary>
    PartiallyShipped,
    /// <summary>Every unit to ship has shipped (shown by the order's view).</summary>
    Shipped,
    /// <summary>Every unit to ship has shipped and every parcel that was not returned was delivered (shown by the order's view).</summary>
    Delivered,
}

/// <summary>What the order still owes its stock entities.</summary>
public enum PendingStockAction
{
    None,
    Reserve,
    Commit,
    Release,
}

/// <summary>One status change, with its time, reason and who caused it.</summary>
public sealed record StatusChange(OrderStatus Status, DateTimeOffset At, string? Reason, string? By = null);

/// <summary>
/// The payment that settled the order. <paramref name="Provider"/> is null when an operator confirmed it, and
/// <c>channel:&lt;channel&gt;</c> when the selling channel collected it (<paramref name="Method"/>: how, at the channel).
/// </summary>
public sealed record PaymentRecord(decimal Amount, string Currency, string Reference, DateTimeOffset At, string? Provider = null, string? Method = null);

/// <summary>A captured payment that did not fit the order.</summary>
public sealed record PaymentAnomaly(string Provider, string PaymentId, decimal Amount, string Currency, string Reason, DateTimeOffset At);

public enum RefundStatus
{
    Requested,
    Succeeded,
    Failed,
}

/// <summary>A refund and where it stands.</summary>
public sealed record RefundRecord(
    string RefundId,
    string PaymentReference,
    string? Provider,
    decimal Amount,
    string Currency,
    ImmutableArray<RefundLine> Lines,
    string Reason,
    string By,
    RefundStatus Status,
    bool Restocked,
    string? ProviderRefundId,
    string? FailureReason,
    DateTimeOffset At,
    bool Whole = false);

/// <summary>A provider's event already applied: event ids are unique per provider only.</summary>
public sealed record ProviderEventId(string Provider, string EventId);

/// <summary>The decision an operator took on an order held for review.</summary>
public sealed record ReviewDecision(bool Approved, string Operator);

/// <summary>The state of one order: what was placed, where it stands, its money and whether its stock is settled.</summary>
public sealed record OrderState(
    string OrderId,
    OrderStatus Status,
    OrderPlaced? Placement,
    ImmutableArray<LineRejection> Rejections,
    PaymentRecord? Payment,
    bool StockSettled,
    ImmutableArray<StatusChange> History,
    DateTimeOffset ExpiresAt,
    ImmutableArray<string> HoldReasons,
    ImmutableArray<PaymentAnomaly> Anomalies,
    ImmutableArray<RefundRecord> Refunds,
    ImmutableHashSet<ProviderEventId> ProviderEvents,
    ReviewDecision? Review = null)
{
    /// <summary>The provider whose refunds settle a payment confirmed by an operator (it has no provider of its own).</summary>
    public const string ManualProvider = "manual";

    /// <summary>A restaurant delivery order's delivery (null: not a delivery order); see <see cref="DeliveryDecider"/>.</summary>
    public DeliveryState? Delivery { get; init; }

    /// <summary>The shipping method chosen for the order (none yet: null; none eligible: a choice without a method, holding it).</summary>
    public ShippingMethods.ShippingChoice? ShippingMethod { get; init; }

    /// <summary>No method is eligible: the order is held until an operator chooses one.</summary>
    public bool ShippingHeld => ShippingMethod is { IsNone: true } && Shipments.IsEmpty;

    /// <summary>
    /// Whether the order still waits for its automatic shipping choice: paid (or cash on delivery), with an address to
    /// ship to (an order without one is picked up or delivered otherwise), nothing chosen and nothing shipped yet.
    /// </summary>
    public bool NeedsShippingMethod =>
        Status is OrderStatus.Paid or OrderStatus.Confirmed && ShippingMethod is null && Shipments.IsEmpty && Placement?.ShippingAddress is not null
        && Delivery is null; // a restaurant delivery goes with a courier, not a carrier

    /// <summary>What the order shipped, in the order it shipped it.</summary>
    public ImmutableArray<ShipmentRecord> Shipments { get; init; } = [];

    /// <summary>
    /// Whether refunds of a payment by this provider are carried out outside the engine and recorded by hand: a payment
    /// a selling channel collected (<c>channel:…</c>: the channel pays it back) or cash collected on delivery.
    /// </summary>
    public static bool IsRefundedByHand(string? provider) =>
        provider is not null && (provider.StartsWith("channel:", StringComparison.Ordinal) || provider == FulfilmentDecider.CashOnDeliveryProvider);
    /// <summary>The returns of the order's delivered goods (see <see cref="OrderReturnsDecider"/>).</summary>
    public ImmutableArray<OrderReturnRecord> Returns { get; init; } = [];

    public static OrderState Initial(string orderId) =>
        new(orderId, OrderStatus.None, null, [], null, false, [], default, [], [], [], ImmutableHashSet<ProviderEventId>.Empty);

    public bool Exists => Status != OrderStatus.None;

    public PaymentMethod PaymentMethod => Placement?.PaymentMethod ?? PaymentMethod.Card;

    /// <summary>The stock step this order must (still) drive: reserve while placed, then commit if paid or confirmed, release if it ended.</summary>
    public PendingStockAction PendingStock => Status switch
    {
        OrderStatus.Placed => PendingStockAction.Reserve,
        // Cash on delivery (Confirmed) keeps its units reserved until its first shipment leaves: then they are sold.
        OrderStatus.Paid or OrderStatus.Refunded when !StockSettled => PendingStockAction.Commit,
        // A paid delivery order the kitchen rejected: its units were (being) sold; its refund puts them back on sale.
        OrderStatus.Cancelled when !StockSettled && Delivery is { SoldWhenRejected: true } => PendingStockAction.Commit,
        OrderStatus.Confirmed when !StockSettled && !Shipments.IsEmpty => PendingStockAction.Commit,
        OrderStatus.Rejected or OrderStatus.Cancelled or OrderStatus.Expired when !StockSettled => PendingStockAction.Release,
        _ => PendingStockAction.None,
    };

    /// <summary>Whether the event <paramref name="eventId"/> of <paramref name="provider"/> (null: the manual provider) was applied already.</summary>
    public bool HasSeen(string? provider, string eventId) => ProviderEvents.Contains(new ProviderEventId(provider ?? ManualProvider, eventId));

    /// <summary>Refunds asked of a provider that has not answered yet.</summary>
    public IEnumerable<RefundRecord> RefundsAwaitingProvider => Refunds.Where(r => r.Status == RefundStatus.Requested);

    /// <summary>Refunds whose units must still be put back on sale: once the money went back, not before, and once the units are sold.</summary>
    public IEnumerable<RefundRecord> RefundsAwaitingRestock => PendingStock == PendingStockAction.Commit
        ? []
        : Refunds.Where(r => !r.Lines.IsDefaultOrEmpty && !r.Restocked && r.Status == RefundStatus.Succeeded);

    /// <summary>Captured payments that did not fit the order and still have money to give back.</summary>
    public IEnumerable<PaymentAnomaly> AnomaliesToRefund => Anomalies.Where(a => RefundableOf(a.Provider, a.PaymentId, a.Amount) > 0);

    /// <summary>
    /// What can still be refunded of a payment: its amount less every refund of it that did not fail. A payment is
    /// named by its provider (null: confirmed by an operator) and its reference: references are unique per provider only.
    /// </summary>
    public decimal RefundableOf(string? provider, string paymentReference, decimal paid) =>
        paid - RefundsOf(provider, paymentReference).Where(r => r.Status != RefundStatus.Failed).Sum(r => r.Amount);

    /// <summary>The refunds of one payment, named by its provider (null: confirmed by an operator) and its reference.</summary>
    public IEnumerable<RefundRecord> RefundsOf(string? provider, string paymentReference) =>
        Refunds.Where(r => r.Provider == provider && r.PaymentReference == paymentReference);

    /// <summary>What can still be refunded of the order's own payment (0 when unpaid).</summary>
    public decimal Refundable => Payment is { } p ? RefundableOf(p.Provider, p.Reference, p.Amount) : 0m;

    /// <summary>Units of a line already refunded (by refunds that did not fail).</summary>
    public int RefundedUnits(string sku) =>
        Refunds.Where(r => r.Status != RefundStatus.Failed).SelectMany(r => r.Lines.IsDefault ? [] : r.Lines).Where(l => l.Sku == sku).Sum(l => l.Quantity);

    /// <summary>
    /// Units of a line that are no longer the order's to refund by line: refunded (by refunds that did not fail), or
    /// put back on sale by a refund that failed afterwards (journals of versions that restocked before the outcome).
    /// </summary>
    public int UnitsRefundedOrRestocked(string sku) =>
        Refunds.Where(r => r.Status != RefundStatus.Failed || r.Restocked).SelectMany(r => r.Lines.IsDefault ? [] : r.Lines).Where(l => l.Sku == sku).Sum(l => l.Quantity);

    /// <summary>
    /// Units of a SKU in the order's shipments (those returned to sender included: they were refunded, not reshipped).
    /// A restaurant delivery's courier takes all its units not refunded before: once picked up, none is left to refund by line.
    /// </summary>
    public int ShippedUnits(string sku) =>
        Delivery is { } d && (d.Has(DeliveryStage.PickedUp) || d.Has(DeliveryStage.Delivered))
            ? Math.Max(0, (Placement?.Lines.Where(l => l.Sku == sku).Sum(l => l.Quantity) ?? 0) - UnitsRefundedOrRestocked(sku))
            : Shipments.SelectMany(x => x.Lines).Where(l => l.Sku == sku).Sum(l => l.Quantity);

    /// <summary>Units of a SKU sold and still to ship: ordered, less refunded or put back on sale before shipping, less shipped.</summary>
    public int UnitsToShip(string sku) =>
        (Placement?.Lines.Where(l => l.Sku == sku).Sum(l => l.Quantity) ?? 0) - UnitsRefundedOrRestocked(sku) - ShippedUnits(sku);

    /// <summary>Whether every unit of the order shipped (or was refunded before shipping).</summary>
    public bool NothingLeftToShip => Placement is { } p && p.Lines.Select(l => l.Sku).Distinct().All(sku => UnitsToShip(sku) <= 0);

    /// <summary>How far the order's goods got.</summary>
    public Fulfilment Fulfilment =>
        Delivery is { } d ? d.Status switch
        {
            OrderDeliveryStatus.Delivered => Fulfilment.Delivered,
            OrderDeliveryStatus.PickedUp or OrderDeliveryStatus.Flagged when d.Has(DeliveryStage.PickedUp) => Fulfilment.Shipped,
            _ => Fulfilment.Unfulfilled,
        }
        : Shipments.IsEmpty ? Fulfilment.Unfulfilled
        : !NothingLeftToShip ? Fulfilment.PartiallyShipped
        : Shipments.Any(x => x.Status == ShipmentStatus.Delivered) && Shipments.All(x => x.Status != ShipmentStatus.Shipped) ? Fulfilment.Delivered
        : Fulfilment.Shipped;

    /// <summary>The status shown to clients: a paid (or cash-on-delivery) order that shipped shows how far its goods got.</summary>
    public OrderStatus ViewStatus => ViewStatusWith(ShippingMethod);

    /// <summary>The status shown with a given shipping choice: a paid order no method can ship is on hold until one is chosen.</summary>
    public OrderStatus ViewStatusWith(ShippingMethods.ShippingChoice? shipping) =>
        Status is OrderStatus.Paid or OrderStatus.Confirmed && shipping is { IsNone: true } && Shipments.IsEmpty ? OrderStatus.OnHold
        : Status is OrderStatus.Paid or OrderStatus.Confirmed
        ? Fulfilment switch
        {
            Fulfilment.PartiallyShipped => OrderStatus.PartiallyShipped,
            Fulfilment.Shipped => OrderStatus.Shipped,
            Fulfilment.Delivered => OrderStatus.Delivered,
            _ => Status,
        }
        : Status;

    /// <summary>Shipments whose units must still leave stock: once the order's units are sold (its stock settled).</summary>
    public IEnumerable<ShipmentRecord> ShipmentsAwaitingDeparture =>
        StockSettled && PendingStock == PendingStockAction.None ? Shipments.Where(x => !x.LeftStock) : [];

    /// <summary>
    /// A restaurant delivery the courier took whose sold units must still leave stock: once sold (a cash-on-delivery
    /// order's at delivery, when it is paid).
    /// </summary>
    public bool DeliveryAwaitingDeparture =>
        Delivery is { LeftStock: false, PickedUp: true } && Status is OrderStatus.Paid or OrderStatus.Refunded && StockSettled && PendingStock == PendingStockAction.None;

    /// <summary>The units a picked-up delivery takes off stock, per SKU (those refunded by line before were put back on sale).</summary>
    public IEnumerable<SkuQuantity> DeliveryDepartures =>
        Placement is { } p ? OrderLines.PerSku(p.Lines).Select(l => new SkuQuantity(l.Sku, ShippedUnits(l.Sku))).Where(l => l.Quantity > 0) : [];

    /// <summary>Shipments returned to sender whose units must still come back on hand.</summary>
    public IEnumerable<ShipmentRecord> ShipmentsAwaitingReturn =>
        Shipments.Where(x => x.Status == ShipmentStatus.ReturnedToSender && x.LeftStock && !x.BackInStock);

    public OrderView ToView() => OrderView.From(this);
}
