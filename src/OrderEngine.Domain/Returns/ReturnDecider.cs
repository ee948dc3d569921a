using System.Collections.Immutable;
using OrderEngine.Domain.Orders;

namespace OrderEngine.Domain.Returns;

/// <summary>
/// The rules of one return's life. What concerns the order's goods and money (units delivered and held by returns, the
/// window since delivery, what is left to refund) is decided by the order (<see cref="OrderReturnsDecider"/>); the return
/// decides its own shape, the products' returnability, and the order of its steps.
/// </summary>
public static class ReturnDecider
{
    private const int MaxReasonLength = 500;
    private const int MaxByLength = 64;
    private const int MaxCarrierLength = 64;
    private const int MaxTrackingLength = 64;
    private const int MaxLines = 100;

    /// <summary>The entity id of a return: return ids are the client's, unique per order only.</summary>
    public static string EntityIdOf(string orderId, string returnId) => Identifiers.Derived('t', orderId + "\n" + returnId);

    /// <summary>The id of an exchange's replacement order (derived, so a retried resolution places it once).</summary>
    public static string ExchangeOrderIdOf(string orderId, string returnId) => Identifiers.Derived('e', "exchange\n" + orderId + "\n" + returnId);

    /// <summary>
    /// Checks a request before the order is asked to hold its units: null when it may go on, or the refusal. A repeat
    /// of a recorded request with the same content is accepted (<see cref="Decide"/> answers it as done).
    /// </summary>
    public static OrderRejection? Validate(ReturnState s, RequestReturn c, ReturnRules rules)
    {
        var errors = new List<FieldError>();
        if (!Identifiers.IsValidEntityId(c.ReturnId)) errors.Add(new("returnId", "returnId must be " + Identifiers.EntityIdRule));
        if (!Enum.IsDefined(c.Resolution)) errors.Add(new("resolution", "resolution is refund or exchange"));
        if (c.Reason is null || string.IsNullOrWhiteSpace(c.Reason) || c.Reason.Length > MaxReasonLength || c.Reason.Any(char.IsControl))
            errors.Add(new("reason", $"reason is required (1-{MaxReasonLength} printable characters)"));
        if (c.Lines.IsDefaultOrEmpty) errors.Add(new("lines", "a return holds at least one line"));
        else if (c.Lines.Length > MaxLines) errors.Add(new("lines", $"a return has at most {MaxLines} lines"));
        else
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < c.Lines.Length; i++)
            {
                var l = c.Lines[i];
                if (l is null) { errors.Add(new($"lines[{i}]", "a line must be an object with sku and quantity")); continue; }
                if (!Identifiers.IsValidEntityId(l.Sku)) errors.Add(new($"lines[{i}].sku", "sku must be " + Identifiers.EntityIdRule));
                else if (!seen.Add(l.Sku)) errors.Add(new($"lines[{i}].sku", $"SKU {l.Sku} appears twice; put its units on one line"));
                else if (!rules.Returnability.IsReturnable(l.Sku)) errors.Add(new($"lines[{i}].sku", $"SKU {l.Sku} is not returnable"));
                if (l.Quantity < 1) errors.Add(new($"lines[{i}].quantity", "quantity must be 1 or more"));
            }
        }
        var replacement = c.Replacement.IsDefault ? [] : c.Replacement;
        if (c.Resolution == ReturnResolution.Exchange)
        {
            if (replacement.IsEmpty) errors.Add(new("replacement", "an exchange names its replacement lines"));
            else if (replacement.Length > MaxLines) errors.Add(new("replacement", $"a replacement has at most {MaxLines} lines"));
            for (var i = 0; i < replacement.Length && replacement.Length <= MaxLines; i++)
            {
                var l = replacement[i];
                if (l is null) { errors.Add(new($"replacement[{i}]", "a line must be an object with sku, quantity and unitPrice")); continue; }
                if (!Identifiers.IsValidEntityId(l.Sku)) errors.Add(new($"replacement[{i}].sku", "sku must be " + Identifiers.EntityIdRule));
                if (l.Quantity < 1) errors.Add(new($"replacement[{i}].quantity", "quantity must be 1 or more"));
                if (l.UnitPrice < 0 || l.UnitPrice > OrderRules.MaxUnitPrice)
                    errors.Add(new($"replacement[{i}].unitPrice", $"unitPrice must be between 0 and {OrderRules.MaxUnitPrice}"));
            }
        }
        else if (!replacement.IsEmpty) errors.Add(new("replacement", "only an exchange has replacement lines"));
        if (errors.Count > 0) return new OrderRejection(OrderRejectionCode.Invalid, errors.Count == 1 ? errors[0].Message : "the return is invalid", [.. errors]);
        if (s.Exists && !SameRequest(s.Request!, c))
            return OrderRejection.Of(OrderRejectionCode.IdempotencyConflict, $"return {c.ReturnId} was already requested differently; use a new return id");
        return null;
    }

    private static bool SameRequest(ReturnRequested r, RequestReturn c) =>
        r.Lines.SequenceEqual(c.Lines) && r.Reason == c.Reason && r.Resolution == c.Resolution
        && r.Replacement.SequenceEqual(c.Replacement.IsDefault ? [] : c.Replacement);

    public static Decision<IReturnEvent, OrderRejection> Decide(ReturnState s, IReturnCommand command, DateTimeOffset now, ReturnRules rules)
    {
        if (command.OrderId != s.OrderId || command.ReturnId != s.ReturnId)
            return Reject(OrderRejectionCode.Invalid, $"command for return {command.ReturnId} of order {command.OrderId} reached another return");
        if (!s.Exists && command is not (RequestReturn or ConfirmReturnRequest))
            return Reject(OrderRejectionCode.NotFound, $"order {s.OrderId} has no return {s.ReturnId}");
        switch (command)
        {
            case RequestReturn c:
                if (Validate(s, c, rules) is { } problem) return Decision<IReturnEvent, OrderRejection>.Reject(problem);
                return s.Exists ? Done : Reject(OrderRejectionCode.InvalidState, "a return is recorded once the order holds its units");
            case ConfirmReturnRequest c:
                if (Validate(s, c.Request, rules) is { } invalid) return Decision<IReturnEvent, OrderRejection>.Reject(invalid);
                if (s.Exists) return Done;
                var r = c.Request;
                return Accept(new ReturnRequested(s.OrderId, s.ReturnId, r.Lines, r.Reason.Trim(), r.Resolution, r.Replacement.IsDefault ? [] : r.Replacement,
                    c.Value, c.Currency, now));
            case ApproveReturn c:
                if (By(c.By) is { } badBy) return badBy;
                return s.Status switch
                {
                    ReturnStatus.Requested => Accept(new ReturnApproved(s.OrderId, s.ReturnId, c.By, now)),
                    ReturnStatus.Approved or ReturnStatus.InTransit or ReturnStatus.Received or ReturnStatus.Inspected or ReturnStatus.Resolved => Done,
                    _ => Reject(OrderRejectionCode.InvalidState, $"return {s.ReturnId} was rejected"),
                };
            case RejectReturn c:
                if (By(c.By) is { } badRejecter) return badRejecter;
                if (c.Reason is { Length: > MaxReasonLength }) return Invalid("reason", $"reason must be at most {MaxReasonLength} characters");
                return s.Status switch
                {
                    ReturnStatus.Requested => Accept(new ReturnRejected(s.OrderId, s.ReturnId, c.By,
                        string.IsNullOrWhiteSpace(c.Reason) ? "rejected" : c.Reason, now)),
                    ReturnStatus.Rejected => Done,
                    _ => Reject(OrderRejectionCode.InvalidState, $"return {s.ReturnId} was approved; it is no longer rejected"),
                };
            case RecordReturnShipment c:
            {
                var errors = new List<FieldError>();
                if (string.IsNullOrWhiteSpace(c.Carrier) || c.Carrier.Length > MaxCarrierLength || c.Carrier.Any(char.IsControl))
                    errors.Add(new("carrier", $"carrier is required (1-{MaxCarrierLength} printable characters)"));
                if (string.IsNullOrWhiteSpace(c.TrackingNumber) || c.TrackingNumber.Trim().Length > MaxTrackingLength
                    || c.TrackingNumber.Trim().Any(ch => char.IsControl(ch) || char.IsWhiteSpace(ch)))
                    errors.Add(new("trackingNumber", $"trackingNumber is required (1-{MaxTrackingLength} characters, no spaces)"));
                if (errors.Count > 0) return Decision<IReturnEvent, OrderRejection>.Reject(new(OrderRejectionCode.Invalid, errors[0].Message, [.. errors]));
                if (s.Status == ReturnStatus.Approved)
                    return Accept(new ReturnShipped(s.OrderId, s.ReturnId, c.Carrier.Trim(), c.TrackingNumber.Trim(), now));
                if (s.Status >= ReturnStatus.InTransit && s.Carrier == c.Carrier.Trim() && s.TrackingNumber == c.TrackingNumber.Trim()) return Done;
                return Reject(OrderRejectionCode.InvalidState, s.Status switch
                {
                    ReturnStatus.Requested => $"return {s.ReturnId} is not approved yet",
                    ReturnStatus.Rejected => $"return {s.ReturnId} was rejected",
                    _ => $"return {s.ReturnId} is {Lower(s.Status)}; its shipment was recorded with another carrier or tracking number, or none",
                });
            }
            case MarkReturnReceived c:
                if (By(c.By) is { } badReceiver) return badReceiver;
                return s.Status switch
                {
                    // Handed in at the counter, or sent with a tracked parcel.
                    ReturnStatus.Approved or ReturnStatus.InTransit => Accept(new ReturnReceived(s.OrderId, s.ReturnId, c.By, now)),
                    ReturnStatus.Received or ReturnStatus.Inspected or ReturnStatus.Resolved => Done,
                    ReturnStatus.Requested => Reject(OrderRejectionCode.InvalidState, $"return {s.ReturnId} is not approved yet"),
                    _ => Reject(OrderRejectionCode.InvalidState, $"return {s.ReturnId} was rejected"),
                };
            case InspectReturn c:
                return DecideInspect(s, c, now);
            case MarkReturnRestocked:
                return !s.UnitsToRestock.IsEmpty ? Accept(new ReturnRestocked(s.OrderId, s.ReturnId, now)) : Done;
            case ResolveReturn c:
                if (By(c.By) is { } badResolver) return badResolver;
                return s.Status switch
                {
                    ReturnStatus.Resolved => Done,
                    // Accepted: the entity pays it out at the order (and places the replacement), then records it.
                    ReturnStatus.Inspected => Decision<IReturnEvent, OrderRejection>.AlreadyDone,
                    ReturnStatus.Rejected => Reject(OrderRejectionCode.InvalidState, $"return {s.ReturnId} was rejected"),
                    _ => Reject(OrderRejectionCode.InvalidState, $"return {s.ReturnId} is {Lower(s.Status)}; it is resolved once inspected"),
                };
            case ConfirmReturnResolved c:
                return s.Status == ReturnStatus.Inspected
                    ? Accept(new ReturnResolved(s.OrderId, s.ReturnId, c.Refunded, c.Credit, c.ExchangeOrderId, "system", now,
                        c.ExchangeOrderId is null ? 0m : Math.Max(0m, ReplacementTotal(s) - c.Credit)))
                    : Done;
            case RecordExchangeOutcome c:
                return DecideExchangeOutcome(s, c, now);
            case ConfirmExchangeCreditRefunded c:
                return s.CreditRefundOwed ? Accept(new ReturnCreditRefunded(s.OrderId, s.ReturnId, Math.Min(c.Refunded, s.Credit), now)) : Done;
            default:
                throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "unknown return command");
        }
    }

    /// <summary>
    /// The replacement's outcome, once: paid (the exchange is settled) or lapsed (the credit is owed back to the original
    /// payment, <see cref="ReturnState.CreditRefundOwed"/>). The other outcome after one was recorded is a conflict: the
    /// credit is used once, for the replacement or refunded.
    /// </summary>
    private static Decision<IReturnEvent, OrderRejection> DecideExchangeOutcome(ReturnState s, RecordExchangeOutcome c, DateTimeOffset now)
    {
        if (s.Status != ReturnStatus.Resolved || s.ExchangeOrderId is null)
            return Reject(OrderRejectionCode.InvalidState, $"return {s.ReturnId} has no replacement order yet");
        if (c.ExchangeOrderId != s.ExchangeOrderId)
            return Invalid("exchangeOrderId", $"return {s.ReturnId} was exchanged for order {s.ExchangeOrderId}, not {c.ExchangeOrderId}");
        if (c.AmountPaid < 0 || (!c.Paid && c.AmountPaid != 0)) return Invalid("amountPaid", "a paid replacement reports what was paid; a lapsed one nothing");
        return (s.Exchange, c.Paid) switch
        {
            (ExchangeStatus.Settled, true) or (ExchangeStatus.Lapsed, false) => Done,
            (ExchangeStatus.Settled, false) => Reject(OrderRejectionCode.IdempotencyConflict, $"the exchange of return {s.ReturnId} was settled already"),
            (ExchangeStatus.Lapsed, true) => Reject(OrderRejectionCode.IdempotencyConflict, $"the exchange of return {s.ReturnId} lapsed already; its credit went back"),
            (_, true) => Accept(new ReturnExchangeSettled(s.OrderId, s.ReturnId, s.ExchangeOrderId, s.Credit, c.AmountPaid, now)),
            (_, false) => Accept(new ReturnExchangeLapsed(s.OrderId, s.ReturnId, s.ExchangeOrderId, now)),
        };
    }

    private static Decision<IReturnEvent, OrderRejection> DecideInspect(ReturnState s, InspectReturn c, DateTimeOffset now)
    {
        if (By(c.By) is { } badBy) return badBy;
        if (c.Lines.IsDefaultOrEmpty) return Invalid("lines", "an inspection judges every returned line");
        var returned = s.Request!.Lines;
        var errors = new List<FieldError>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < c.Lines.Length; i++)
        {
            var l = c.Lines[i];
            if (l is null) { errors.Add(new($"lines[{i}]", "a line must be an object with sku, restockable and notRestockable")); continue; }
            var line = returned.FirstOrDefault(x => x.Sku == l.Sku);
            if (line is null) { errors.Add(new($"lines[{i}].sku", $"SKU {l.Sku} is not in return {s.ReturnId}")); continue; }
            if (!seen.Add(l.Sku)) { errors.Add(new($"lines[{i}].sku", $"SKU {l.Sku} appears twice")); continue; }
            // Every returned unit is judged once: restockable or not, never both, never lost.
            if (l.Restockable < 0 || l.NotRestockable < 0 || l.Restockable + l.NotRestockable != line.Quantity)
                errors.Add(new($"lines[{i}]", $"restockable and notRestockable are 0 or more and add up to the {line.Quantity} units of {l.Sku} returned"));
        }
        foreach (var missing in returned.Where(x => !seen.Contains(x.Sku) && c.Lines.All(l => l?.Sku != x.Sku)))
            errors.Add(new("lines", $"SKU {missing.Sku} of the return was not judged"));
        if (errors.Count > 0) return Decision<IReturnEvent, OrderRejection>.Reject(new(OrderRejectionCode.Invalid, errors[0].Message, [.. errors]));
        return s.Status switch
        {
            ReturnStatus.Received => Accept(new ReturnInspected(s.OrderId, s.ReturnId, c.Lines, c.By, now)),
            ReturnStatus.Inspected or ReturnStatus.Resolved => s.Inspection.SequenceEqual(c.Lines)
                ? Done
                : Reject(OrderRejectionCode.IdempotencyConflict, $"return {s.ReturnId} was already inspected with another verdict"),
            ReturnStatus.Rejected => Reject(OrderRejectionCode.InvalidState, $"return {s.ReturnId} was rejected"),
            _ => Reject(OrderRejectionCode.InvalidState, $"return {s.ReturnId} is {Lower(s.Status)}; it is inspected once received"),
        };
    }

    public static ReturnState Evolve(ReturnState s, IReturnEvent e) => e switch
    {
        ReturnRequested x => s with { Status = ReturnStatus.Requested, Request = x, History = s.History.Add(new(ReturnStatus.Requested, x.At, null, x.Reason)) },
        ReturnApproved x => s with { Status = ReturnStatus.Approved, History = s.History.Add(new(ReturnStatus.Approved, x.At, x.By, null)) },
        ReturnRejected x => s with { Status = ReturnStatus.Rejected, History = s.History.Add(new(ReturnStatus.Rejected, x.At, x.By, x.Reason)) },
        ReturnShipped x => s with
        {
            Status = ReturnStatus.InTransit,
            Carrier = x.Carrier,
            TrackingNumber = x.TrackingNumber,
            History = s.History.Add(new(ReturnStatus.InTransit, x.At, null, $"{x.Carrier} {x.TrackingNumber}")),
        },
        ReturnReceived x => s with { Status = ReturnStatus.Received, History = s.History.Add(new(ReturnStatus.Received, x.At, x.By, null)) },
        ReturnInspected x => s with
        {
            Status = ReturnStatus.Inspected,
            Inspection = x.Lines,
            History = s.History.Add(new(ReturnStatus.Inspected, x.At, x.By,
                string.Join(", ", x.Lines.Select(l => $"{l.Sku}: {l.Restockable} restockable, {l.NotRestockable} not")))),
        },
        ReturnRestocked x => s with { Restocked = true, History = s.History.Add(new(s.Status, x.At, "system", "restockable units back on hand")) },
        ReturnResolved x => s with
        {
            Status = ReturnStatus.Resolved,
            Refunded = x.Refunded,
            Credit = x.Credit,
            ExchangeOrderId = x.ExchangeOrderId,
            Exchange = x.ExchangeOrderId is null ? ExchangeStatus.None : x.DifferenceDue > 0 ? ExchangeStatus.DifferenceDue : ExchangeStatus.Covered,
            DifferenceDue = x.DifferenceDue,
            History = s.History.Add(new(ReturnStatus.Resolved, x.At, x.By, x.ExchangeOrderId is null
                ? $"refunded {x.Refunded}"
                : $"exchanged for order {x.ExchangeOrderId} (credit {x.Credit}, refunded {x.Refunded}"
                  + (x.DifferenceDue > 0 ? $"; difference {x.DifferenceDue} due from the customer)" : ")"))),
        },
        ReturnExchangeSettled x => s with
        {
            Exchange = ExchangeStatus.Settled,
            DifferencePaid = x.Paid,
            History = s.History.Add(new(s.Status, x.At, "system", $"exchange settled: credit {x.Credit}, paid {x.Paid}")),
        },
        ReturnExchangeLapsed x => s with
        {
            Exchange = ExchangeStatus.Lapsed,
            History = s.History.Add(new(s.Status, x.At, "system", s.Credit > 0
                ? $"exchange order {x.ExchangeOrderId} lapsed without its difference paid; the credit {s.Credit} goes back to the original payment"
                : $"exchange order {x.ExchangeOrderId} lapsed without its difference paid; no credit to give back")),
        },
        ReturnCreditRefunded x => s with
        {
            CreditRefunded = true,
            Refunded = s.Refunded + x.Refunded,
            Credit = 0m,
            History = s.History.Add(new(s.Status, x.At, "system", $"resolved as refunded after the exchange lapsed: credit {x.Refunded} refunded, {s.Refunded + x.Refunded} in all")),
        },
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name, "unknown return event"),
    };

    /// <summary>Folds events into a state, as recovery does.</summary>
    public static ReturnState Fold(ReturnState s, IEnumerable<IReturnEvent> events)
    {
        foreach (var e in events) s = Evolve(s, e);
        return s;
    }

    /// <summary>
    /// The replacement order of an exchange: same channel, customer, currency and address, the replacement lines. Covered
    /// by the credit, it is paid by it at once (a payment collected by the channel, method <c>exchange</c>). Costing more,
    /// the credit is its discount (named as the exchange credit) and its total is the difference: it awaits the
    /// customer's payment like any order, holding its units for <see cref="ReturnRules.DifferenceDueWithin"/>, and tells
    /// the return whether it was paid or lapsed (<see cref="PlaceOrder.ExchangeOf"/>).
    /// </summary>
    public static PlaceOrder ReplacementOrder(ReturnState s, OrderView original, decimal credit, ReturnRules rules)
    {
        var r = s.Request!;
        var id = ExchangeOrderIdOf(s.OrderId, s.ReturnId);
        var external = "exchange:" + s.ReturnId;
        if (credit < ReplacementTotal(s))
        {
            var discount = credit > 0 ? new OrderCharges(0m, 0m, credit, $"exchange credit of return {s.ReturnId} of order {s.OrderId}") : null;
            return new PlaceOrder(id, original.Channel, original.CustomerId, original.Currency, r.Replacement, original.ShippingAddress,
                Charges: discount, ExternalId: external, HoldFor: rules.DifferenceDueWithin, ExchangeOf: new ExchangeLink(s.OrderId, s.ReturnId));
        }
        var paid = credit > 0 ? new ChannelPayment("exchange", credit, original.Currency, external) : null;
        return new PlaceOrder(id, original.Channel, original.CustomerId, original.Currency, r.Replacement, original.ShippingAddress,
            PaidAtChannel: paid, ExternalId: external);
    }

    /// <summary>
    /// What is wrong with an exchange's replacement as an order of <paramref name="original"/>'s channel, customer and
    /// currency (null: nothing), checked before the order holds the units and again before any money moves.
    /// </summary>
    public static OrderRejection? ValidateReplacement(RequestReturn request, OrderView original, OrderRules rules)
    {
        if (request.Resolution != ReturnResolution.Exchange) return null;
        var place = new PlaceOrder(ExchangeOrderIdOf(request.OrderId, request.ReturnId), original.Channel, original.CustomerId, original.Currency,
            request.Replacement.IsDefault ? [] : request.Replacement, original.ShippingAddress, ExternalId: "exchange:" + request.ReturnId);
        var errors = OrderDecider.Validate(place, rules)
            .Select(e => e.Field.StartsWith("lines", StringComparison.Ordinal) ? e with { Field = "replacement" + e.Field["lines".Length..] } : e)
            .ToList();
        return errors.Count == 0 ? null : new OrderRejection(OrderRejectionCode.Invalid, errors.Count == 1 ? errors[0].Message : "the replacement is invalid", [.. errors]);
    }

    /// <summary>The replacement's total at its unit prices.</summary>
    public static decimal ReplacementTotal(ReturnState s) => s.Request!.Replacement.Sum(l => l.Quantity * l.UnitPrice);

    private static Decision<IReturnEvent, OrderRejection>? By(string? by) =>
        string.IsNullOrWhiteSpace(by) || by.Length > MaxByLength || by.Any(char.IsControl)
            ? Invalid("by", $"by is required (1-{MaxByLength} printable characters)")
            : null;

    private static string Lower(ReturnStatus status) => status.ToString().ToLowerInvariant();

    private static Decision<IReturnEvent, OrderRejection> Done => Decision<IReturnEvent, OrderRejection>.AlreadyDone;

    private static Decision<IReturnEvent, OrderRejection> Accept(IReturnEvent e) => Decision<IReturnEvent, OrderRejection>.Accept(e);

    private static Decision<IReturnEvent, OrderRejection> Reject(OrderRejectionCode code, string message) =>
        Decision<IReturnEvent, OrderRejection>.Reject(OrderRejection.Of(code, message));

    private static Decision<IReturnEvent, OrderRejection> Invalid(string field, string message) =>
        Decision<IReturnEvent, OrderRejection>.Reject(new OrderRejection(OrderRejectionCode.Invalid, message, [new FieldError(field, message)]));
}
