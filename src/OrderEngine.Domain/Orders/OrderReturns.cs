using System.Collections.Immutable;

namespace OrderEngine.Domain.Orders;

// The order's side of returns: what must stay consistent with the order's goods and money. A return (its own entity,
// Domain/Returns) registers its units here first: never more than were delivered, less the units other returns hold.
// When it is resolved the order pays it out: a refund through the payment's provider (the refunds path), or a credit
// moved to the exchange's replacement order; both count against what was captured, with every other refund.

/// <summary>Units of one SKU in a return.</summary>
public sealed record ReturnLine(string Sku, int Quantity);

/// <summary>
/// A return entity asks the order to hold delivered units for it. Refused when the units exceed those delivered less
/// those held by other returns, or were delivered more than <paramref name="WindowDays"/> days ago. A repeat changes nothing.
/// </summary>
public sealed record RegisterReturn(string OrderId, string ReturnId, ImmutableArray<ReturnLine> Lines, int WindowDays) : IOrderCommand;

/// <summary>A rejected return gives its units back (they may be returned by another return).</summary>
public sealed record ReleaseReturn(string OrderId, string ReturnId) : IOrderCommand;

/// <summary>
/// Pays a return out: its value refunded through the payment's provider (<paramref name="ExchangeOrderId"/> null), or,
/// for an exchange, moved as a credit to the replacement order (up to <paramref name="ExchangeTotal"/>) and the rest refunded.
/// Never more than is left to refund of the payment. A repeat changes nothing.
/// </summary>
public sealed record SettleReturn(string OrderId, string ReturnId, string? ExchangeOrderId, decimal? ExchangeTotal) : IOrderCommand;

/// <summary>A return holds delivered units of the order; <paramref name="Value"/> is their price, as refunds price units.</summary>
public sealed record ReturnRegistered(string OrderId, string ReturnId, ImmutableArray<ReturnLine> Lines, decimal Value, DateTimeOffset At) : IOrderEvent;

/// <summary>A rejected return gave its units back.</summary>
public sealed record ReturnReleased(string OrderId, string ReturnId, DateTimeOffset At) : IOrderEvent;

/// <summary>
/// A return was paid out: <paramref name="Refunded"/> through the refund <paramref name="RefundId"/> (0: none), and
/// <paramref name="Credit"/> moved to the exchange order <paramref name="ExchangeOrderId"/> (recorded as a settled
/// refund <paramref name="CreditId"/> of the payment, so it counts against what was captured).
/// </summary>
public sealed record ReturnSettled(string OrderId, string ReturnId, decimal Refunded, string RefundId, decimal Credit, string CreditId,
    string? ExchangeOrderId, DateTimeOffset At) : IOrderEvent;

/// <summary>
/// A return as the order keeps it. <paramref name="CreditRefunded"/>: its exchange's replacement lapsed unpaid and the
/// credit went back to the payment as a refund (<see cref="RefundExchangeCredit"/>).
/// </summary>
public sealed record OrderReturnRecord(
    string ReturnId,
    ImmutableArray<ReturnLine> Lines,
    decimal Value,
    bool Released,
    bool Settled,
    decimal Refunded,
    decimal Credit,
    string? ExchangeOrderId,
    DateTimeOffset At,
    bool CreditRefunded = false);

/// <summary>The return (of order <paramref name="OrderId"/>) an exchange's replacement order replaces goods for.</summary>
public sealed record ExchangeLink(string OrderId, string ReturnId);

/// <summary>
/// Asks the original order to give back the credit of a return whose exchange's replacement ended unpaid (expired or
/// cancelled before its difference was paid): the credit entry stops counting against the payment, and the same amount
/// is refunded through the payment's provider. Idempotent; never more than is left to refund. Sent by the return entity
/// once the replacement reported its lapse.
/// </summary>
public sealed record RefundExchangeCredit(string OrderId, string ReturnId, string ExchangeOrderId) : IOrderCommand;

/// <summary>The replacement's return acknowledged the outcome the replacement reported (<see cref="OrderReturnsDecider.ExchangeOutcomeOf"/>; internal).</summary>
public sealed record MarkExchangeOutcomeReported(string OrderId) : IOrderCommand;

/// <summary>
/// A return's exchange credit was taken back from its lapsed replacement <paramref name="ExchangeOrderId"/>: its entry
/// <paramref name="CreditId"/> among the refunds no longer counts (shown as failed: "exchange lapsed"), and the refund
/// <paramref name="RefundId"/> of <paramref name="Amount"/> that follows it gives the money back.
/// </summary>
public sealed record ExchangeCreditLapsed(string OrderId, string ReturnId, string ExchangeOrderId, string CreditId, string RefundId, decimal Amount, DateTimeOffset At)
    : IOrderEvent;

/// <summary>An exchange's replacement told its return its outcome: its difference paid (<paramref name="Paid"/>, <paramref name="AmountPaid"/>) or lapsed.</summary>
public sealed record ExchangeOutcomeReported(string OrderId, string ReturnOrderId, string ReturnId, bool Paid, decimal AmountPaid, DateTimeOffset At) : IOrderEvent;

/// <summary>What an exchange's replacement owes its return: the news that its difference was paid, or that it lapsed unpaid.</summary>
public sealed record ExchangeOutcome(ExchangeLink Return, string ExchangeOrderId, bool Paid, decimal AmountPaid);

/// <summary>The rules of an order's returns, called by <see cref="OrderDecider"/>.</summary>
public static class OrderReturnsDecider
{
    /// <summary>The refund id of a return's refund (derived, so a retried settlement counts once).</summary>
    public static string RefundIdOf(string orderId, string returnId) => Identifiers.Derived('r', "return\n" + orderId + "\n" + returnId);

    /// <summary>The id under which a return's exchange credit is recorded among the payment's refunds.</summary>
    public static string CreditIdOf(string orderId, string returnId) => Identifiers.Derived('x', "exchange\n" + orderId + "\n" + returnId);

    /// <summary>Units of a SKU delivered (in shipments whose parcel was delivered).</summary>
    public static int DeliveredUnits(OrderState s, string sku) =>
        s.Shipments.Where(x => x.Status == ShipmentStatus.Delivered).SelectMany(x => x.Lines).Where(l => l.Sku == sku).Sum(l => l.Quantity);

    /// <summary>Units of a SKU delivered at or after <paramref name="since"/>.</summary>
    public static int DeliveredUnitsSince(OrderState s, string sku, DateTimeOffset since) =>
        s.Shipments.Where(x => x.Status == ShipmentStatus.Delivered && x.DeliveredAt >= since)
            .SelectMany(x => x.Lines).Where(l => l.Sku == sku).Sum(l => l.Quantity);

    /// <summary>Units of a SKU held by returns that were not released (rejected).</summary>
    public static int ReturnedUnits(OrderState s, string sku, string? except = null) =>
        s.Returns.Where(r => !r.Released && r.ReturnId != except).SelectMany(r => r.Lines).Where(l => l.Sku == sku).Sum(l => l.Quantity);

    /// <summary>The refund id under which a lapsed exchange's credit goes back to the payment.</summary>
    public static string LapsedCreditRefundIdOf(string orderId, string returnId) => Identifiers.Derived('r', "lapsed-exchange\n" + orderId + "\n" + returnId);

    /// <summary>
    /// What a replacement order owes its return (null: nothing now). Once its difference is paid it reports so; once it
    /// ended unpaid (expired, cancelled) it reports the lapse, so the credit goes back. It reports once: a paid order is
    /// never cancelled, an ended one never paid (a late payment is an anomaly, refunded). A held order reports once reviewed.
    /// </summary>
    public static ExchangeOutcome? ExchangeOutcomeOf(OrderState s)
    {
        if (s.Placement?.ExchangeOf is not { } link || s.ExchangeOutcomeReported) return null;
        return s.Status switch
        {
            OrderStatus.Paid or OrderStatus.Refunded when s.Payment is { } paid => new ExchangeOutcome(link, s.OrderId, true, paid.Amount),
            OrderStatus.Expired or OrderStatus.Cancelled or OrderStatus.Rejected => new ExchangeOutcome(link, s.OrderId, false, 0m),
            _ => null,
        };
    }

    public static Decision<IOrderEvent, OrderRejection> DecideOutcomeReported(OrderState s, MarkExchangeOutcomeReported c, DateTimeOffset now) =>
        ExchangeOutcomeOf(s) is { } owed
            ? Accept(new ExchangeOutcomeReported(s.OrderId, owed.Return.OrderId, owed.Return.ReturnId, owed.Paid, owed.AmountPaid, now))
            : Decision<IOrderEvent, OrderRejection>.AlreadyDone;

    public static Decision<IOrderEvent, OrderRejection> DecideRefundCredit(OrderState s, RefundExchangeCredit c, DateTimeOffset now)
    {
        if (!s.Exists) return Reject(OrderRejectionCode.NotFound, $"order {s.OrderId} does not exist");
        var r = s.Returns.FirstOrDefault(x => x.ReturnId == c.ReturnId);
        if (r is null) return Reject(OrderRejectionCode.NotFound, $"order {s.OrderId} has no return {c.ReturnId}");
        if (!r.Settled || r.ExchangeOrderId is null)
            return Reject(OrderRejectionCode.InvalidState, $"return {c.ReturnId} was not exchanged; it has no credit to give back");
        if (r.ExchangeOrderId != c.ExchangeOrderId)
            return Reject(OrderRejectionCode.Invalid, $"return {c.ReturnId} was exchanged for order {r.ExchangeOrderId}, not {c.ExchangeOrderId}");
        var creditId = CreditIdOf(s.OrderId, c.ReturnId);
        // Given back once; a credit of nothing (the payment was refunded in full before) has nothing to give back.
        if (r.CreditRefunded || r.Credit <= 0 || s.Payment is not { } paid) return Decision<IOrderEvent, OrderRejection>.AlreadyDone;
        var entry = s.Refunds.FirstOrDefault(x => x.RefundId == creditId);
        if (entry is null || entry.Status == RefundStatus.Failed) return Decision<IOrderEvent, OrderRejection>.AlreadyDone;
        // The credit entry stops counting, so what is left to refund grows by it: never more than that goes back.
        var lapsed = new ExchangeCreditLapsed(s.OrderId, c.ReturnId, c.ExchangeOrderId, creditId, LapsedCreditRefundIdOf(s.OrderId, c.ReturnId), r.Credit, now);
        var amount = Math.Min(entry.Amount, Evolve(s, lapsed).Refundable);
        if (amount <= 0) return Accept(lapsed with { Amount = 0m });
        return Decision<IOrderEvent, OrderRejection>.Accept(lapsed with { Amount = amount },
            new RefundRequested(s.OrderId, lapsed.RefundId, paid.Reference, paid.Provider, amount, paid.Currency, [],
                $"return {c.ReturnId}: credit of lapsed exchange {c.ExchangeOrderId}", "return:" + c.ReturnId, now));
    }

    public static Decision<IOrderEvent, OrderRejection> DecideRegister(OrderState s, RegisterReturn c, DateTimeOffset now)
    {
        if (!Identifiers.IsValidEntityId(c.ReturnId)) return Invalid([new("returnId", "returnId must be " + Identifiers.EntityIdRule)]);
        if (c.Lines.IsDefaultOrEmpty) return Invalid([new("lines", "a return holds at least one line")]);
        if (c.WindowDays < 0) return Invalid([new("windowDays", "the return window is 0 days or more")]);
        if (!s.Exists) return Reject(OrderRejectionCode.NotFound, $"order {s.OrderId} does not exist");
        if (s.Returns.FirstOrDefault(r => r.ReturnId == c.ReturnId) is { } existing)
        {
            if (!existing.Lines.SequenceEqual(c.Lines))
                return Reject(OrderRejectionCode.IdempotencyConflict, $"return {c.ReturnId} was already registered with other lines");
            return existing.Released
                ? Reject(OrderRejectionCode.InvalidState, $"return {c.ReturnId} was rejected; use a new return id")
                : Decision<IOrderEvent, OrderRejection>.AlreadyDone;
        }
        if (s.Payment is null || s.Status is not (OrderStatus.Paid or OrderStatus.Refunded))
            return Reject(OrderRejectionCode.InvalidState, $"order {s.OrderId} is not paid; only delivered goods of a paid order are returned");

        var p = s.Placement!;
        var errors = new List<FieldError>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var value = 0m;
        var since = now - TimeSpan.FromDays(c.WindowDays);
        for (var i = 0; i < c.Lines.Length; i++)
        {
            var l = c.Lines[i];
            var at = $"lines[{i}]";
            if (l is null) { errors.Add(new(at, "a line must be an object with sku and quantity")); continue; }
            if (p.Lines.All(x => x.Sku != l.Sku)) { errors.Add(new($"{at}.sku", $"SKU {l.Sku} is not on order {s.OrderId}")); continue; }
            if (!seen.Add(l.Sku)) { errors.Add(new($"{at}.sku", $"SKU {l.Sku} appears twice; put its units on one line")); continue; }
            var held = ReturnedUnits(s, l.Sku);
            var left = DeliveredUnits(s, l.Sku) - held;
            if (l.Quantity < 1 || l.Quantity > left)
            {
                errors.Add(new($"{at}.quantity", left <= 0
                    ? $"no delivered unit of {l.Sku} is left to return (delivered {DeliveredUnits(s, l.Sku)}, in returns {held})"
                    : $"quantity must be between 1 and {left} (the units of {l.Sku} delivered and not in another return)"));
                continue;
            }
            var inWindow = DeliveredUnitsSince(s, l.Sku, since);
            if (l.Quantity > inWindow)
            {
                errors.Add(new($"{at}.quantity", inWindow == 0
                    ? $"every unit of {l.Sku} was delivered more than {c.WindowDays} days ago; the return window has closed"
                    : $"only {inWindow} units of {l.Sku} were delivered within the last {c.WindowDays} days"));
                continue;
            }
            // Priced as refunds price units: a SKU on several lines gives its units back line by line.
            value += OrderDecider.PriceOfNextUnits(p.Lines, l.Sku, s.UnitsRefundedOrRestocked(l.Sku) + held, l.Quantity);
        }
        if (errors.Count > 0) return Invalid(errors);
        return Accept(new ReturnRegistered(s.OrderId, c.ReturnId, c.Lines, value, now));
    }

    public static Decision<IOrderEvent, OrderRejection> DecideRelease(OrderState s, ReleaseReturn c, DateTimeOffset now)
    {
        if (!s.Exists) return Reject(OrderRejectionCode.NotFound, $"order {s.OrderId} does not exist");
        var r = s.Returns.FirstOrDefault(x => x.ReturnId == c.ReturnId);
        if (r is null) return Reject(OrderRejectionCode.NotFound, $"order {s.OrderId} has no return {c.ReturnId}");
        if (r.Released) return Decision<IOrderEvent, OrderRejection>.AlreadyDone;
        if (r.Settled) return Reject(OrderRejectionCode.InvalidState, $"return {c.ReturnId} was settled already");
        return Accept(new ReturnReleased(s.OrderId, c.ReturnId, now));
    }

    public static Decision<IOrderEvent, OrderRejection> DecideSettle(OrderState s, SettleReturn c, DateTimeOffset now)
    {
        if (!s.Exists) return Reject(OrderRejectionCode.NotFound, $"order {s.OrderId} does not exist");
        var r = s.Returns.FirstOrDefault(x => x.ReturnId == c.ReturnId);
        if (r is null) return Reject(OrderRejectionCode.NotFound, $"order {s.OrderId} has no return {c.ReturnId}");
        if (r.Released) return Reject(OrderRejectionCode.InvalidState, $"return {c.ReturnId} was rejected; it pays nothing out");
        if (c.ExchangeTotal is < 0) return Invalid([new("exchangeTotal", "the replacement's total is 0 or more")]);
        if ((c.ExchangeOrderId is null) != (c.ExchangeTotal is null))
            return Invalid([new("exchangeOrderId", "an exchange names its replacement order and its total")]);
        if (r.Settled)
        {
            return r.ExchangeOrderId == c.ExchangeOrderId
                ? Decision<IOrderEvent, OrderRejection>.AlreadyDone
                : Reject(OrderRejectionCode.IdempotencyConflict, $"return {c.ReturnId} was already settled differently");
        }
        var paid = s.Payment!;
        // Never more than is left of the payment: refunds, other returns and exchanges all count against it.
        var payable = Math.Min(r.Value, s.Refundable);
        var credit = c.ExchangeTotal is { } total ? Math.Min(payable, total) : 0m;
        var refund = payable - credit;
        var refundId = RefundIdOf(s.OrderId, c.ReturnId);
        var events = new List<IOrderEvent>();
        if (refund > 0)
        {
            events.Add(new RefundRequested(s.OrderId, refundId, paid.Reference, paid.Provider, refund, paid.Currency, [],
                c.ExchangeOrderId is null ? $"return {c.ReturnId}" : $"return {c.ReturnId}: difference of exchange {c.ExchangeOrderId}",
                "return:" + c.ReturnId, now));
        }
        events.Add(new ReturnSettled(s.OrderId, c.ReturnId, refund, refundId, credit, CreditIdOf(s.OrderId, c.ReturnId), c.ExchangeOrderId, now));
        return Decision<IOrderEvent, OrderRejection>.Accept([.. events]);
    }

    public static OrderState Evolve(OrderState s, IOrderEvent e) => e switch
    {
        ReturnRegistered x => s with
        {
            Returns = s.Returns.Add(new OrderReturnRecord(x.ReturnId, x.Lines, x.Value, false, false, 0m, 0m, null, x.At)),
            History = s.History.Add(new(s.ViewStatus, x.At, $"return {x.ReturnId} registered", "return:" + x.ReturnId)),
        },
        ReturnReleased x => s with
        {
            Returns = Update(s, x.ReturnId, r => r with { Released = true }),
            History = s.History.Add(new(s.ViewStatus, x.At, $"return {x.ReturnId} rejected", "return:" + x.ReturnId)),
        },
        ReturnSettled x => Settled(s, x),
        ExchangeCreditLapsed x => s with
        {
            Returns = Update(s, x.ReturnId, r => r with { CreditRefunded = true }),
            Refunds = s.Refunds.Select(r => r.RefundId == x.CreditId
                ? r with { Status = RefundStatus.Failed, FailureReason = $"exchange {x.ExchangeOrderId} lapsed unpaid; the credit is refunded as {x.RefundId}" }
                : r).ToImmutableArray(),
            History = s.History.Add(new(s.ViewStatus, x.At, $"return {x.ReturnId}: exchange {x.ExchangeOrderId} lapsed unpaid; credit {x.Amount} refunded",
                "return:" + x.ReturnId)),
        },
        ExchangeOutcomeReported x => s with { ExchangeOutcomeReported = true },
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name, "not a return event"),
    };

    private static OrderState Settled(OrderState s, ReturnSettled x)
    {
        var next = s with
        {
            Returns = Update(s, x.ReturnId, r => r with { Settled = true, Refunded = x.Refunded, Credit = x.Credit, ExchangeOrderId = x.ExchangeOrderId }),
            History = s.History.Add(new(s.ViewStatus, x.At, x.ExchangeOrderId is null
                ? $"return {x.ReturnId} refunded {x.Refunded}"
                : $"return {x.ReturnId} exchanged for order {x.ExchangeOrderId} (credit {x.Credit}, refunded {x.Refunded})", "return:" + x.ReturnId)),
        };
        if (x.Credit <= 0 || s.Payment is not { } paid) return next;
        // The credit leaves this payment for the replacement order: recorded as a settled refund so it counts against what was captured.
        return next with
        {
            Refunds = next.Refunds.Add(new RefundRecord(x.CreditId, paid.Reference, paid.Provider, x.Credit, paid.Currency, [],
                $"exchange credit of return {x.ReturnId} to order {x.ExchangeOrderId}", "return:" + x.ReturnId, RefundStatus.Succeeded, true,
                "exchange:" + x.ExchangeOrderId, null, x.At)),
        };
    }

    private static ImmutableArray<OrderReturnRecord> Update(OrderState s, string returnId, Func<OrderReturnRecord, OrderReturnRecord> change) =>
        s.Returns.Select(r => r.ReturnId == returnId ? change(r) : r).ToImmutableArray();

    private static Decision<IOrderEvent, OrderRejection> Accept(IOrderEvent e) => Decision<IOrderEvent, OrderRejection>.Accept(e);

    private static Decision<IOrderEvent, OrderRejection> Reject(OrderRejectionCode code, string message) =>
        Decision<IOrderEvent, OrderRejection>.Reject(OrderRejection.Of(code, message));

    private static Decision<IOrderEvent, OrderRejection> Invalid(List<FieldError> errors) =>
        Decision<IOrderEvent, OrderRejection>.Reject(new OrderRejection(OrderRejectionCode.Invalid,
            errors.Count == 1 ? errors[0].Message : "the return is invalid", [.. errors]));
}
