using System.Collections.Immutable;

namespace OrderEngine.Domain.Orders;

/// <summary>The rules of one order: decide a command against the state, evolve the state by an event.</summary>
public static class OrderDecider
{
    public static Decision<IOrderEvent, OrderRejection> Decide(OrderState state, IOrderCommand command, DateTimeOffset now, OrderRules rules) =>
        command.OrderId != state.OrderId
            ? Reject(OrderRejectionCode.Invalid, $"command for order {command.OrderId} reached the entity of order {state.OrderId}")
            : command switch
        {
            PlaceOrder c => DecidePlace(state, c, now, rules),
            CompleteReservation c => DecideCompleteReservation(state, c, now),
            ConfirmPayment c => DecidePayment(state, c, now),
            CancelOrder c => DecideCancel(state, c, now),
            ExpireOrder => state.Status == OrderStatus.Reserved && now >= state.Placement!.ExpiresAt
                ? Accept(new OrderExpired(state.OrderId, now))
                : Done,
            MarkStockSettled => state.PendingStock is PendingStockAction.Commit or PendingStockAction.Release
                ? Accept(new OrderStockSettled(state.OrderId, now))
                : Done,
            ReservationDue or WakeOrder => Done, // the entity acts on its stock; the order's own state does not change
            _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "unknown order command"),
        };

    private static Decision<IOrderEvent, OrderRejection> Done => Decision<IOrderEvent, OrderRejection>.AlreadyDone;

    private static Decision<IOrderEvent, OrderRejection> Accept(IOrderEvent e) => Decision<IOrderEvent, OrderRejection>.Accept(e);

    private static Decision<IOrderEvent, OrderRejection> Reject(OrderRejectionCode code, string message) =>
        Decision<IOrderEvent, OrderRejection>.Reject(OrderRejection.Of(code, message));

    private static Decision<IOrderEvent, OrderRejection> Invalid(string field, string message) =>
        Decision<IOrderEvent, OrderRejection>.Reject(new OrderRejection(OrderRejectionCode.Invalid, message, [new FieldError(field, message)]));

    private static Decision<IOrderEvent, OrderRejection> NotFound(OrderState s) =>
        Reject(OrderRejectionCode.NotFound, $"order {s.OrderId} does not exist");

    private static Decision<IOrderEvent, OrderRejection> DecidePlace(OrderState s, PlaceOrder c, DateTimeOffset now, OrderRules rules)
    {
        var errors = Validate(c, rules);
        if (errors.Count > 0)
            return Decision<IOrderEvent, OrderRejection>.Reject(new OrderRejection(OrderRejectionCode.Invalid, "the order is invalid", [.. errors]));
        if (s.Exists)
        {
            return IsSamePlacement(s.Placement!, c)
                ? Done
                : Reject(OrderRejectionCode.IdempotencyConflict,
                    $"order {c.OrderId} was already placed with a different request; use a new idempotency key for a new order");
        }
        var lines = c.Lines.Select(l => new OrderLine(l.Sku, l.Quantity, l.UnitPrice, l.Quantity * l.UnitPrice)).ToImmutableArray();
        var total = lines.Sum(l => l.LineTotal);
        return Accept(new OrderPlaced(c.OrderId, c.Channel, c.CustomerId, c.Currency, lines, total, c.ShippingAddress, now + rules.HoldTime, now));
    }

    /// <summary>Field-by-field validation of a placement, named by JSON path so a client can point at the culprit.</summary>
    public static List<FieldError> Validate(PlaceOrder c, OrderRules rules)
    {
        var errors = new List<FieldError>();
        if (!Identifiers.IsValidEntityId(c.OrderId)) errors.Add(new("id", "order id must be " + Identifiers.EntityIdRule));
        if (!Identifiers.IsValidChannel(c.Channel)) errors.Add(new("channel", "channel must be " + Identifiers.ChannelRule));
        if (string.IsNullOrWhiteSpace(c.CustomerId) || c.CustomerId.Length > 128)
            errors.Add(new("customerId", "customerId is required (at most 128 characters)"));
        var currencyKnown = Currencies.IsKnown(c.Currency);
        if (!currencyKnown) errors.Add(new("currency", $"'{c.Currency}' is not an ISO 4217 currency code (e.g. EUR, USD, JPY)"));
        if (c.Lines.IsDefaultOrEmpty) errors.Add(new("lines", "an order needs at least one line"));
        else if (c.Lines.Length > rules.MaxLines) errors.Add(new("lines", $"an order may have at most {rules.MaxLines} lines"));
        else
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < c.Lines.Length; i++)
            {
                var l = c.Lines[i];
                var at = $"lines[{i}]";
                if (l is null)
                {
                    errors.Add(new(at, "a line must be an object with sku, quantity and unitPrice"));
                    continue;
                }
                if (!Identifiers.IsValidEntityId(l.Sku)) errors.Add(new($"{at}.sku", "sku must be " + Identifiers.EntityIdRule));
                else if (!seen.Add(l.Sku)) errors.Add(new($"{at}.sku", $"SKU {l.Sku} appears on more than one line; put its whole quantity on one line"));
                if (l.Quantity < 1 || l.Quantity > rules.MaxLineQuantity)
                    errors.Add(new($"{at}.quantity", $"quantity must be between 1 and {rules.MaxLineQuantity}"));
                if (l.UnitPrice < 0 || l.UnitPrice > OrderRules.MaxUnitPrice)
                    errors.Add(new($"{at}.unitPrice", $"unitPrice must be between 0 and {OrderRules.MaxUnitPrice}"));
                else if (currencyKnown && !Currencies.FitsMinorUnits(l.UnitPrice, c.Currency))
                    errors.Add(new($"{at}.unitPrice", $"{c.Currency} amounts have at most {Currencies.MinorUnitDigits(c.Currency)} decimals"));
            }
        }
        if (c.ShippingAddress is { } a)
        {
            if (a.Country is not null && (a.Country.Length != 2 || !a.Country.All(char.IsAsciiLetterUpper)))
                errors.Add(new("shippingAddress.country", "country must be an ISO 3166-1 alpha-2 code in capitals (e.g. DE)"));
            foreach (var (name, value) in new[] { ("name", a.Name), ("line1", a.Line1), ("line2", a.Line2), ("city", a.City), ("region", a.Region), ("postalCode", a.PostalCode), ("phone", a.Phone) })
                if (value is { Length: > 200 }) errors.Add(new($"shippingAddress.{name}", "at most 200 characters"));
        }
        return errors;
    }

    private static bool IsSamePlacement(OrderPlaced p, PlaceOrder c) =>
        p.Channel == c.Channel
        && p.CustomerId == c.CustomerId
        && p.Currency == c.Currency
        && Equals(p.ShippingAddress, c.ShippingAddress)
        && p.Lines.Length == c.Lines.Length
        && p.Lines.Zip(c.Lines).All(x => x.First.Sku == x.Second.Sku && x.First.Quantity == x.Second.Quantity && x.First.UnitPrice == x.Second.UnitPrice);

    private static Decision<IOrderEvent, OrderRejection> DecideCompleteReservation(OrderState s, CompleteReservation c, DateTimeOffset now)
    {
        if (s.Status != OrderStatus.Placed) return Done;
        var refused = c.Outcomes.Where(o => !o.Reserved)
            .Select(o => new LineRejection(o.Sku, o.Code ?? "Refused", o.Reason ?? "the line could not be reserved"))
            .ToImmutableArray();
        var missing = s.Placement!.Lines.Select(l => l.Sku).Except(c.Outcomes.Select(o => o.Sku)).ToList();
        if (missing.Count > 0) throw new ArgumentException($"no reservation outcome for {string.Join(", ", missing)}", nameof(c));
        return refused.IsEmpty ? Accept(new OrderReserved(s.OrderId, now)) : Accept(new OrderRejected(s.OrderId, refused, now));
    }

    private static Decision<IOrderEvent, OrderRejection> DecidePayment(OrderState s, ConfirmPayment c, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(c.Reference) || c.Reference.Length > 128)
            return Invalid("reference", "a payment needs a reference of at most 128 characters");
        if (!Currencies.IsKnown(c.Currency))
            return Invalid("currency", $"'{c.Currency}' is not an ISO 4217 currency code");
        if (!s.Exists) return NotFound(s);
        var p = s.Placement!;
        switch (s.Status)
        {
            case OrderStatus.Paid:
                return s.Payment!.Reference == c.Reference && s.Payment.Amount == c.Amount && s.Payment.Currency == c.Currency
                    ? Done
                    : Reject(OrderRejectionCode.InvalidState, $"order {s.OrderId} is already paid (reference {s.Payment.Reference})");
            case OrderStatus.Placed:
                return Reject(OrderRejectionCode.InvalidState, $"order {s.OrderId} is still reserving stock; retry shortly");
            case OrderStatus.Reserved:
                break;
            default:
                return Reject(OrderRejectionCode.InvalidState, $"order {s.OrderId} is {s.Status.ToString().ToLowerInvariant()} and cannot be paid");
        }
        if (now >= p.ExpiresAt) return Reject(OrderRejectionCode.HoldExpired, $"order {s.OrderId} expired at {p.ExpiresAt:O}");
        if (c.Currency != p.Currency)
            return Reject(OrderRejectionCode.PaymentMismatch, $"payment currency {c.Currency} does not match the order currency {p.Currency}");
        if (c.Amount != p.Total)
            return Reject(OrderRejectionCode.PaymentMismatch, $"payment amount {c.Amount} {c.Currency} does not match the order total {p.Total} {p.Currency}");
        return Accept(new PaymentConfirmed(s.OrderId, c.Amount, c.Currency, c.Reference, now));
    }

    private static Decision<IOrderEvent, OrderRejection> DecideCancel(OrderState s, CancelOrder c, DateTimeOffset now)
    {
        if (c.Reason is { Length: > 500 }) return Invalid("reason", "reason must be at most 500 characters");
        return s.Status switch
        {
            OrderStatus.None => NotFound(s),
            OrderStatus.Placed or OrderStatus.Reserved => Accept(new OrderCancelled(s.OrderId, string.IsNullOrWhiteSpace(c.Reason) ? "cancelled" : c.Reason, now)),
            OrderStatus.Cancelled => Done,
            OrderStatus.Paid => Reject(OrderRejectionCode.InvalidState, $"order {s.OrderId} is paid; a paid order is ended by a refund"),
            _ => Reject(OrderRejectionCode.InvalidState, $"order {s.OrderId} is {s.Status.ToString().ToLowerInvariant()} and cannot be cancelled"),
        };
    }

    public static OrderState Evolve(OrderState s, IOrderEvent e) => e switch
    {
        OrderPlaced x => s with { Status = OrderStatus.Placed, Placement = x, History = s.History.Add(new(OrderStatus.Placed, x.At, null)) },
        OrderReserved x => s with { Status = OrderStatus.Reserved, History = s.History.Add(new(OrderStatus.Reserved, x.At, null)) },
        OrderRejected x => s with
        {
            Status = OrderStatus.Rejected,
            Rejections = x.Lines,
            History = s.History.Add(new(OrderStatus.Rejected, x.At, string.Join("; ", x.Lines.Select(l => $"{l.Sku}: {l.Reason}")))),
        },
        PaymentConfirmed x => s with
        {
            Status = OrderStatus.Paid,
            StockSettled = false,
            Payment = new PaymentRecord(x.Amount, x.Currency, x.Reference, x.At),
            History = s.History.Add(new(OrderStatus.Paid, x.At, null)),
        },
        OrderCancelled x => s with { Status = OrderStatus.Cancelled, StockSettled = false, History = s.History.Add(new(OrderStatus.Cancelled, x.At, x.Reason)) },
        OrderExpired x => s with { Status = OrderStatus.Expired, StockSettled = false, History = s.History.Add(new(OrderStatus.Expired, x.At, "not paid within the hold time")) },
        OrderStockSettled => s with { StockSettled = true },
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name, "unknown order event"),
    };

    /// <summary>Folds events into a state, as recovery does.</summary>
    public static OrderState Fold(OrderState s, IEnumerable<IOrderEvent> events)
    {
        foreach (var e in events) s = Evolve(s, e);
        return s;
    }
}
