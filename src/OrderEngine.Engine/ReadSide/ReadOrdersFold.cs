using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Payments;

namespace OrderEngine.Engine.ReadSide;

/// <summary>One row of read_orders, with the lines and refunds the fold needs (mutable: the fold changes it in place).</summary>
public sealed class ReadOrderRow
{
    public required string OrderId { get; init; }
    public required string Channel { get; init; }
    public string? ExternalId { get; init; }
    public required string CustomerId { get; init; }
    public string? Country { get; init; }
    public required string Currency { get; init; }
    public OrderStatus BaseStatus { get; set; }
    public string Status { get; set; } = "";
    public long TotalE4 { get; init; }
    public long RefundedE4 { get; set; }
    public int Units { get; init; }
    public required string PaymentMethod { get; init; }
    public long PlacedAt { get; init; }
    public long ReceivedAt { get; init; }
    public long? PaidAt { get; set; }
    public long? ShippedAt { get; set; }
    public long? DeliveredAt { get; set; }
    public long UpdatedAt { get; set; }
    /// <summary>The order's own payment as "provider|reference" (provider empty when an operator confirmed it).</summary>
    public string? PaymentRef { get; set; }
    public bool ShippingHeld { get; set; }
    public int OpenShipments { get; set; }
    public int DeliveredShipments { get; set; }
    /// <summary>A restaurant delivery's fulfilment ("shipped" once picked up, "delivered"); null otherwise.</summary>
    public string? DeliveryFulfilment { get; set; }
    public List<ReadOrderLineRow> Lines { get; init; } = [];
    /// <summary>The order's refunds, when loaded (only for orders with refund events in the batch).</summary>
    public Dictionary<string, ReadRefundRow> Refunds { get; init; } = new(StringComparer.Ordinal);

    public int Day => ReadValues.Day(PlacedAt);
}

public sealed class ReadOrderLineRow
{
    public int LineNo { get; init; }
    public required string Sku { get; init; }
    public int Quantity { get; init; }
    public long UnitPriceE4 { get; init; }
    public long LineTotalE4 { get; init; }
    public int RefundedUnits { get; set; }
    public int ShippedUnits { get; set; }
}

public sealed class ReadRefundRow
{
    public required string OrderId { get; init; }
    public required string RefundId { get; init; }
    public long AmountE4 { get; init; }
    public string Status { get; set; } = Requested;
    public long RequestedAt { get; init; }
    public long? SettledAt { get; set; }
    /// <summary>Whether it refunds the order's own payment (not a captured payment that did not fit the order).</summary>
    public bool OfPayment { get; init; }
    public List<RefundLine> Lines { get; init; } = [];

    public const string Requested = "requested";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
}

/// <summary>Deltas of one sales_daily row.</summary>
public sealed record SalesDailyKey(int Day, string Channel, string Country, string Currency, string PaymentMethod);

public sealed record SalesSkuKey(int Day, string Sku, string Currency);

public sealed record SalesCustomerKey(string CustomerId, string Currency);

public sealed class SalesDelta
{
    public int Orders;
    public int Units;
    public long RevenueE4;
    public long RefundedE4;
    public int RefundedUnits;
    public long? FirstOrderAt;
    public long? LastOrderAt;
}

/// <summary>What a batch changes: the final rows of the orders it touched, and the increments of the sales tables.</summary>
public sealed class ReadOrdersChanges
{
    public Dictionary<string, ReadOrderRow> Orders { get; } = new(StringComparer.Ordinal);
    public HashSet<string> OrdersWithNewLines { get; } = new(StringComparer.Ordinal);
    public Dictionary<(string OrderId, string RefundId), ReadRefundRow> Refunds { get; } = [];
    public Dictionary<SalesDailyKey, SalesDelta> Daily { get; } = [];
    public Dictionary<SalesSkuKey, SalesDelta> BySku { get; } = [];
    public Dictionary<SalesCustomerKey, SalesDelta> ByCustomer { get; } = [];
}

/// <summary>
/// The pure fold of the read-orders projection: order events → row changes and sales increments, with no database.
/// The store loads the rows of the orders a batch touches (<see cref="OrdersToLoad"/>), the fold changes them in memory
/// and sums the sales of the whole batch per bucket, so the database sees one upsert per row and one increment per bucket.
///
/// Sales (docs/reports.md): an order is a sale once its payment is recorded (confirmed, or collected by the channel),
/// bucketed at its placed_at day; a refund of that payment counts as refunded in the same buckets once it succeeded
/// (and no more if it fails afterwards, as an exchange credit does when its exchange lapses).
/// </summary>
public static class ReadOrdersFold
{
    /// <summary>Orders the batch touches without placing them in it, and whether their refunds are needed too.</summary>
    public static (HashSet<string> Orders, HashSet<string> WithRefunds) OrdersToLoad(IEnumerable<IOrderEvent> events)
    {
        var placed = new HashSet<string>(StringComparer.Ordinal);
        var load = new HashSet<string>(StringComparer.Ordinal);
        var refunds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            if (e is OrderPlaced p) { placed.Add(p.OrderId); continue; }
            if (placed.Contains(e.OrderId)) continue;
            load.Add(e.OrderId);
            if (e is RefundRequested or RefundSucceeded or RefundFailed or ReturnSettled or ExchangeCreditLapsed) refunds.Add(e.OrderId);
        }
        return (load, refunds);
    }

    /// <summary>Folds <paramref name="events"/> into <paramref name="known"/> (the loaded rows, changed in place) and returns what changed.</summary>
    public static ReadOrdersChanges Fold(Dictionary<string, ReadOrderRow> known, IEnumerable<IOrderEvent> events)
    {
        var changes = new ReadOrdersChanges();
        foreach (var e in events)
        {
            if (e is OrderPlaced placed)
            {
                if (known.ContainsKey(placed.OrderId)) continue; // placed once; a replay of the same event changes nothing
                var row = Placed(placed);
                known[row.OrderId] = row;
                changes.OrdersWithNewLines.Add(row.OrderId);
                if (row.PaidAt is not null) AddSale(changes, row);
                Touch(changes, row, placed.At);
                continue;
            }
            if (!known.TryGetValue(e.OrderId, out var o)) continue; // an order placed before this read model knew of it: nothing to change
            Apply(changes, o, e);
            Touch(changes, o, e.At);
        }
        foreach (var o in changes.Orders.Values) o.Status = ViewStatus(o);
        return changes;
    }

    private static void Touch(ReadOrdersChanges changes, ReadOrderRow o, DateTimeOffset at)
    {
        o.UpdatedAt = Math.Max(o.UpdatedAt, ReadValues.Ms(at));
        changes.Orders[o.OrderId] = o;
    }

    public static string PaymentRefOf(string? provider, string reference) => (provider ?? "") + "|" + reference;

    private static ReadOrderRow Placed(OrderPlaced x)
    {
        var placedAt = ReadValues.Ms(x.PlacedAt ?? x.At);
        var row = new ReadOrderRow
        {
            OrderId = x.OrderId,
            Channel = x.Channel,
            ExternalId = x.ExternalId,
            CustomerId = x.CustomerId,
            Country = x.ShippingAddress?.Country,
            Currency = x.Currency,
            BaseStatus = x.Outcome?.Status ?? OrderStatus.Placed,
            TotalE4 = ReadValues.E4(x.Total),
            Units = x.Lines.Sum(l => l.Quantity),
            PaymentMethod = ReadValues.Name(x.PaymentMethod),
            PlacedAt = placedAt,
            ReceivedAt = ReadValues.Ms(x.At),
            UpdatedAt = ReadValues.Ms(x.At),
            DeliveryFulfilment = null,
            Lines = x.Lines.Select((l, i) => new ReadOrderLineRow
            {
                LineNo = i,
                Sku = l.Sku,
                Quantity = l.Quantity,
                UnitPriceE4 = ReadValues.E4(l.UnitPrice),
                LineTotalE4 = ReadValues.E4(l.LineTotal),
            }).ToList(),
        };
        if (x.PaidAtChannel is { } paid)
        {
            row.PaidAt = ReadValues.Ms(x.At);
            row.PaymentRef = PaymentRefOf(OrderPlaced.ChannelProvider(x.Channel), paid.Reference);
        }
        return row;
    }

    private static void Apply(ReadOrdersChanges changes, ReadOrderRow o, IOrderEvent e)
    {
        switch (e)
        {
            case OrderReserved: o.BaseStatus = OrderStatus.Reserved; break;
            case OrderConfirmed: o.BaseStatus = OrderStatus.Confirmed; break;
            case OrderHeld: o.BaseStatus = OrderStatus.OnHold; break;
            case OrderApproved:
                o.BaseStatus = o.PaidAt is not null && o.RefundedE4 < o.TotalE4 ? OrderStatus.Paid
                    : o.PaymentMethod == ReadValues.Name(PaymentMethod.CashOnDelivery) ? OrderStatus.Confirmed
                    : OrderStatus.Reserved;
                break;
            case OrderRejected: o.BaseStatus = OrderStatus.Rejected; break;
            case OrderCancelled: o.BaseStatus = OrderStatus.Cancelled; break;
            case OrderExpired: o.BaseStatus = OrderStatus.Expired; break;
            case PaymentConfirmed x:
                o.BaseStatus = o.BaseStatus == OrderStatus.OnHold ? OrderStatus.OnHold : OrderStatus.Paid;
                if (o.PaidAt is null)
                {
                    o.PaidAt = ReadValues.Ms(x.At);
                    o.PaymentRef = PaymentRefOf(x.Provider, x.Reference);
                    AddSale(changes, o);
                }
                break;
            case RefundRequested x:
                if (!o.Refunds.ContainsKey(x.RefundId))
                {
                    var refund = new ReadRefundRow
                    {
                        OrderId = o.OrderId,
                        RefundId = x.RefundId,
                        AmountE4 = ReadValues.E4(x.Amount),
                        RequestedAt = ReadValues.Ms(x.At),
                        OfPayment = o.PaymentRef is not null && o.PaymentRef == PaymentRefOf(x.Provider, x.PaymentReference),
                        Lines = x.Lines.IsDefaultOrEmpty ? [] : [.. x.Lines],
                    };
                    o.Refunds[x.RefundId] = refund;
                    changes.Refunds[(refund.OrderId, refund.RefundId)] = refund;
                }
                break;
            case RefundSucceeded x:
                Settle(changes, o, x.RefundId, ReadRefundRow.Succeeded, x.At);
                if (o.BaseStatus == OrderStatus.Paid && FullyRefunded(o)) o.BaseStatus = OrderStatus.Refunded;
                break;
            case RefundFailed x:
                Settle(changes, o, x.RefundId, ReadRefundRow.Failed, x.At);
                if (o.BaseStatus == OrderStatus.Paid && FullyRefunded(o)) o.BaseStatus = OrderStatus.Refunded;
                break;
            case ReturnSettled x when x.Credit > 0 && o.PaidAt is not null && !o.Refunds.ContainsKey(x.CreditId):
            {
                // The exchange credit leaves the payment for the replacement order: a settled refund of the payment.
                var credit = new ReadRefundRow
                {
                    OrderId = o.OrderId,
                    RefundId = x.CreditId,
                    AmountE4 = ReadValues.E4(x.Credit),
                    RequestedAt = ReadValues.Ms(x.At),
                    OfPayment = true,
                };
                o.Refunds[x.CreditId] = credit;
                changes.Refunds[(credit.OrderId, credit.RefundId)] = credit;
                Settle(changes, o, x.CreditId, ReadRefundRow.Succeeded, x.At);
                break;
            }
            case ExchangeCreditLapsed x:
                Settle(changes, o, x.CreditId, ReadRefundRow.Failed, x.At);
                break;
            case ShipmentRecorded x:
                o.OpenShipments++;
                o.ShippedAt ??= ReadValues.Ms(x.At);
                foreach (var line in x.Lines) Ship(o, line.Sku, line.Quantity);
                break;
            case ShipmentDelivered x:
                o.OpenShipments = Math.Max(0, o.OpenShipments - 1);
                o.DeliveredShipments++;
                o.DeliveredAt = ReadValues.Ms(x.DeliveredAt);
                break;
            case ShipmentReturnedToSender:
                o.OpenShipments = Math.Max(0, o.OpenShipments - 1);
                break;
            case ShippingMethodChosen x:
                o.ShippingHeld = x.Choice.IsNone;
                break;
            case DeliveryProgressRecorded { Stage: DeliveryStage.PickedUp } x when o.DeliveryFulfilment != "delivered":
                o.DeliveryFulfilment = "shipped";
                o.ShippedAt ??= ReadValues.Ms(x.OccurredAt);
                break;
            case DeliveryProgressRecorded { Stage: DeliveryStage.Delivered } x:
                o.DeliveryFulfilment = "delivered";
                o.ShippedAt ??= ReadValues.Ms(x.OccurredAt);
                o.DeliveredAt = ReadValues.Ms(x.OccurredAt);
                break;
        }
    }

    private static void Ship(ReadOrderRow o, string sku, int quantity)
    {
        foreach (var line in o.Lines.Where(l => l.Sku == sku))
        {
            if (quantity <= 0) return;
            var take = Math.Min(quantity, Math.Max(0, line.Quantity - line.ShippedUnits));
            line.ShippedUnits += take;
            quantity -= take;
        }
        if (quantity > 0 && o.Lines.FirstOrDefault(l => l.Sku == sku) is { } first) first.ShippedUnits += quantity;
    }

    private static bool FullyRefunded(ReadOrderRow o)
    {
        var ofPayment = o.Refunds.Values.Where(r => r.OfPayment).ToList();
        return ofPayment.Count > 0 && ofPayment.All(r => r.Status != ReadRefundRow.Requested)
               && ofPayment.Where(r => r.Status == ReadRefundRow.Succeeded).Sum(r => r.AmountE4) >= o.TotalE4;
    }

    /// <summary>Moves a refund to its outcome; what it counts as refunded changes by the difference (succeeded counts, failed does not).</summary>
    private static void Settle(ReadOrdersChanges changes, ReadOrderRow o, string refundId, string status, DateTimeOffset at)
    {
        if (!o.Refunds.TryGetValue(refundId, out var refund) || refund.Status == status) return;
        var before = Counts(o, refund) ? 1 : 0;
        refund.Status = status;
        refund.SettledAt = ReadValues.Ms(at);
        var after = Counts(o, refund) ? 1 : 0;
        changes.Refunds[(refund.OrderId, refund.RefundId)] = refund;
        var sign = after - before;
        if (sign == 0) return;
        var amount = sign * refund.AmountE4;
        o.RefundedE4 += amount;
        var daily = Delta(changes.Daily, DailyKey(o));
        daily.RefundedE4 += amount;
        Delta(changes.ByCustomer, new SalesCustomerKey(o.CustomerId, o.Currency)).RefundedE4 += amount;
        foreach (var l in refund.Lines)
        {
            var line = o.Lines.FirstOrDefault(x => x.Sku == l.Sku);
            if (line is null) continue;
            line.RefundedUnits += sign * l.Quantity;
            var sku = Delta(changes.BySku, new SalesSkuKey(o.Day, l.Sku, o.Currency));
            sku.RefundedUnits += sign * l.Quantity;
            sku.RefundedE4 += sign * l.Quantity * line.UnitPriceE4;
        }
    }

    private static bool Counts(ReadOrderRow o, ReadRefundRow r) => r.OfPayment && o.PaidAt is not null && r.Status == ReadRefundRow.Succeeded;

    private static SalesDailyKey DailyKey(ReadOrderRow o) => new(o.Day, o.Channel, o.Country ?? "", o.Currency, o.PaymentMethod);

    private static void AddSale(ReadOrdersChanges changes, ReadOrderRow o)
    {
        var daily = Delta(changes.Daily, DailyKey(o));
        daily.Orders++;
        daily.Units += o.Units;
        daily.RevenueE4 += o.TotalE4;
        foreach (var perSku in o.Lines.GroupBy(l => l.Sku))
        {
            var sku = Delta(changes.BySku, new SalesSkuKey(o.Day, perSku.Key, o.Currency));
            sku.Orders++;
            sku.Units += perSku.Sum(l => l.Quantity);
            sku.RevenueE4 += perSku.Sum(l => l.LineTotalE4);
        }
        var customer = Delta(changes.ByCustomer, new SalesCustomerKey(o.CustomerId, o.Currency));
        customer.Orders++;
        customer.Units += o.Units;
        customer.RevenueE4 += o.TotalE4;
        customer.FirstOrderAt = customer.FirstOrderAt is { } f ? Math.Min(f, o.PlacedAt) : o.PlacedAt;
        customer.LastOrderAt = customer.LastOrderAt is { } l ? Math.Max(l, o.PlacedAt) : o.PlacedAt;
    }

    private static SalesDelta Delta<TKey>(Dictionary<TKey, SalesDelta> deltas, TKey key) where TKey : notnull
    {
        if (!deltas.TryGetValue(key, out var delta)) deltas[key] = delta = new SalesDelta();
        return delta;
    }

    /// <summary>The status the API shows, as <see cref="OrderState.ViewStatusWith"/> computes it from the order's own state.</summary>
    public static string ViewStatus(ReadOrderRow o)
    {
        var shipped = o.Lines.Any(l => l.ShippedUnits > 0) || o.OpenShipments + o.DeliveredShipments > 0;
        if (o.BaseStatus is not (OrderStatus.Paid or OrderStatus.Confirmed)) return ReadValues.Name(o.BaseStatus);
        if (o.ShippingHeld && !shipped) return ReadValues.Name(OrderStatus.OnHold);
        var fulfilment = o.DeliveryFulfilment switch
        {
            "delivered" => OrderStatus.Delivered,
            "shipped" => OrderStatus.Shipped,
            _ when !shipped => o.BaseStatus,
            _ when o.Lines.GroupBy(l => l.Sku).Any(g => g.Sum(l => l.Quantity - l.RefundedUnits - l.ShippedUnits) > 0) => OrderStatus.PartiallyShipped,
            _ when o.DeliveredShipments > 0 && o.OpenShipments == 0 => OrderStatus.Delivered,
            _ => OrderStatus.Shipped,
        };
        return ReadValues.Name(fulfilment);
    }
}
