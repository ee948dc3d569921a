using System.Collections.Immutable;
using OrderEngine.Domain.Payments;

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
                CompleteReservation c => DecideCompleteReservation(state, c, now, rules),
                ConfirmPayment c => DecidePayment(state, c, now),
                RecordProviderPayment c => DecideProviderPayment(state, c, now, rules),
                RecordRefundOutcome c => DecideRefundOutcome(state, c, now),
                CancelOrder c => DecideCancel(state, c, now),
                ReviewOrder c => DecideReview(state, c, now, rules),
                RequestRefund c => DecideRefund(state, c, now),
                ExpireOrder => DecideExpire(state, now),
                MarkStockSettled => state.PendingStock is PendingStockAction.Commit or PendingStockAction.Release
                    ? Accept(new OrderStockSettled(state.OrderId, now, DeliveryDecider.OwesWorkOnceStockSettled(state)))
                    : Done,
                MarkRefundRestocked c => state.RefundsAwaitingRestock.Any(r => r.RefundId == c.RefundId)
                    ? Accept(new RefundRestocked(state.OrderId, c.RefundId, now))
                    : Done,
                RecordShipment c => FulfilmentDecider.DecideShipment(state, c, now),
                RecordDeliveryProgress c => DeliveryDecider.DecideProgress(state, c, now),
                MarkKitchenNotified c => DeliveryDecider.DecideKitchenNotified(state, c, now),
                MarkDeliveryLeftStock => state.DeliveryAwaitingDeparture ? Accept(new DeliveryLeftStock(state.OrderId, now)) : Done,
                RecordParcelOutcome c => FulfilmentDecider.DecideParcelOutcome(state, c, now),
                MarkShipmentMoved c => FulfilmentDecider.DecideMoved(state, c, now),
                ChooseShippingMethod c => ShippingMethodDecider.DecideChoose(state, c, now),
                OverrideShippingMethod c => ShippingMethodDecider.DecideOverride(state, c, now),
                RegisterReturn c => OrderReturnsDecider.DecideRegister(state, c, now),
                ReleaseReturn c => OrderReturnsDecider.DecideRelease(state, c, now),
                SettleReturn c => OrderReturnsDecider.DecideSettle(state, c, now),
                RefundExchangeCredit c => OrderReturnsDecider.DecideRefundCredit(state, c, now),
                MarkExchangeOutcomeReported c => OrderReturnsDecider.DecideOutcomeReported(state, c, now),
                ReservationDue or WakeOrder => Done, // the entity acts on its stock; the order's own state does not change
                _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "unknown order command"),
            };

    private static Decision<IOrderEvent, OrderRejection> Done => Decision<IOrderEvent, OrderRejection>.AlreadyDone;

    private static Decision<IOrderEvent, OrderRejection> Accept(params IOrderEvent[] e) => Decision<IOrderEvent, OrderRejection>.Accept(e);

    private static Decision<IOrderEvent, OrderRejection> Reject(OrderRejectionCode code, string message) =>
        Decision<IOrderEvent, OrderRejection>.Reject(OrderRejection.Of(code, message));

    private static Decision<IOrderEvent, OrderRejection> Invalid(string field, string message) =>
        Decision<IOrderEvent, OrderRejection>.Reject(new OrderRejection(OrderRejectionCode.Invalid, message, [new FieldError(field, message)]));

    private static Decision<IOrderEvent, OrderRejection> NotFound(OrderState s) =>
        Reject(OrderRejectionCode.NotFound, $"order {s.OrderId} does not exist");

    private static string Lower(OrderStatus status) => status.ToString().ToLowerInvariant();

    // ---- placement and review --------------------------------------------------------------------------------

    private static Decision<IOrderEvent, OrderRejection> DecidePlace(OrderState s, PlaceOrder c, DateTimeOffset now, OrderRules rules)
    {
        var errors = Validate(c, rules);
        errors.AddRange(DeliveryDecider.Validate(c));
        if (errors.Count > 0)
            return Decision<IOrderEvent, OrderRejection>.Reject(new OrderRejection(OrderRejectionCode.Invalid, "the order is invalid", [.. errors]));
        if (s.Exists)
        {
            return IsSamePlacement(s.Placement!, c)
                ? Done
                : Reject(OrderRejectionCode.IdempotencyConflict,
                    $"order {c.OrderId} was already placed with a different request; use a new idempotency key for a new order");
        }
        if (c.PlacedAt is { } placedAt && placedAt > now + MaxClockSkew)
            return Invalid("placedAt", $"placedAt {placedAt:O} is in the future (the engine's clock says {now:O})");
        if (DeliveryDecider.PromiseError(c, now) is { } late) return Invalid(late.Field, late.Message);
        var lines = c.Lines.Select(l => new OrderLine(l.Sku, l.Quantity, l.UnitPrice, l.Quantity * l.UnitPrice)).ToImmutableArray();
        var charges = c.Charges is { Shipping: 0, Tax: 0, Discount: 0 } ? null : c.Charges;
        return Accept(new OrderPlaced(c.OrderId, c.Channel, c.CustomerId, c.Currency, lines, TotalOf(c), c.ShippingAddress, now + (c.HoldFor ?? rules.HoldTime), now,
            c.PaymentMethod, charges, c.ExternalId, PaidAtChannel: c.PaidAtChannel, PlacedAt: c.PlacedAt, HoldFor: c.HoldFor, ExchangeOf: c.ExchangeOf, Delivery: c.Delivery));
    }

    /// <summary>How far ahead of the engine's clock a channel's order time may be (clocks differ a little).</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromHours(1);

    /// <summary>An order's total: its lines, plus shipping and tax, less its discount.</summary>
    public static decimal TotalOf(PlaceOrder c) =>
        c.Lines.Sum(l => l.Quantity * l.UnitPrice) + (c.Charges?.Shipping ?? 0) + (c.Charges?.Tax ?? 0) - (c.Charges?.Discount ?? 0);

    /// <summary>Field-by-field validation of a placement, named by JSON path so a client can point at the culprit.</summary>
    public static List<FieldError> Validate(PlaceOrder c, OrderRules rules)
    {
        var errors = new List<FieldError>();
        if (!Identifiers.IsValidEntityId(c.OrderId)) errors.Add(new("id", "order id must be " + Identifiers.EntityIdRule));
        if (!Identifiers.IsValidChannel(c.Channel)) errors.Add(new("channel", "channel must be " + Identifiers.ChannelRule));
        if (!Identifiers.IsValidCustomerId(c.CustomerId)) errors.Add(new("customerId", Identifiers.CustomerIdRule));
        if (!Enum.IsDefined(c.PaymentMethod)) errors.Add(new("paymentMethod", "unknown payment method"));
        if (c.ExternalId is not null && (c.ExternalId.Length is 0 or > 128 || c.ExternalId.Any(char.IsControl)))
            errors.Add(new("externalId", "externalId must be 1-128 printable characters"));
        var currencyKnown = Currencies.IsKnown(c.Currency);
        if (!currencyKnown) errors.Add(new("currency", $"'{c.Currency}' is not an ISO 4217 currency code (e.g. EUR, USD, JPY)"));
        if (c.Lines.IsDefaultOrEmpty) errors.Add(new("lines", "an order needs at least one line"));
        else if (c.Lines.Length > rules.MaxLines) errors.Add(new("lines", $"an order may have at most {rules.MaxLines} lines"));
        else
        {
            // A SKU may be on several lines (at different prices, say): its units are reserved together, so the limit on one
            // line's quantity holds for the SKU's units over all its lines.
            var unitsOfSku = new Dictionary<string, int>(StringComparer.Ordinal);
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
                if (l.Quantity < 1 || l.Quantity > rules.MaxLineQuantity)
                    errors.Add(new($"{at}.quantity", $"quantity must be between 1 and {rules.MaxLineQuantity}"));
                else if (l.Sku is not null && (unitsOfSku[l.Sku] = unitsOfSku.GetValueOrDefault(l.Sku) + l.Quantity) > rules.MaxLineQuantity)
                    errors.Add(new($"{at}.quantity", $"SKU {l.Sku} is ordered {unitsOfSku[l.Sku]} times over its lines; at most {rules.MaxLineQuantity} per order"));
                if (l.UnitPrice < 0 || l.UnitPrice > OrderRules.MaxUnitPrice)
                    errors.Add(new($"{at}.unitPrice", $"unitPrice must be between 0 and {OrderRules.MaxUnitPrice}"));
                else if (currencyKnown && !Currencies.FitsMinorUnits(l.UnitPrice, c.Currency))
                    errors.Add(new($"{at}.unitPrice", $"{c.Currency} amounts have at most {Currencies.MinorUnitDigits(c.Currency)} decimals"));
            }
        }
        if (c.Charges is { } charges && errors.Count == 0)
        {
            foreach (var (name, value) in new[] { ("shipping", charges.Shipping), ("tax", charges.Tax), ("discount", charges.Discount) })
            {
                if (value < 0 || value > OrderRules.MaxUnitPrice) errors.Add(new($"charges.{name}", $"{name} must be between 0 and {OrderRules.MaxUnitPrice}"));
                else if (currencyKnown && !Currencies.FitsMinorUnits(value, c.Currency))
                    errors.Add(new($"charges.{name}", $"{c.Currency} amounts have at most {Currencies.MinorUnitDigits(c.Currency)} decimals"));
            }
            var beforeDiscount = c.Lines.Sum(l => l.Quantity * l.UnitPrice) + charges.Shipping + charges.Tax;
            if (charges.Discount > beforeDiscount) errors.Add(new("charges.discount", "the discount is larger than the order"));
            if (charges.DiscountReason is { } why && (why.Length is 0 or > 200 || why.Any(char.IsControl)))
                errors.Add(new("charges.discountReason", "discountReason must be 1-200 printable characters"));
        }
        if (c.PaidAtChannel is { } paid)
        {
            if (c.PaymentMethod == PaymentMethod.CashOnDelivery)
                errors.Add(new("paidAtChannel", "an order the channel already charged is not cash on delivery"));
            if (string.IsNullOrWhiteSpace(paid.Method) || paid.Method.Length > 64 || paid.Method.Any(char.IsControl))
                errors.Add(new("paidAtChannel.method", "the payment method at the channel is required (1-64 printable characters)"));
            if (string.IsNullOrWhiteSpace(paid.Reference) || paid.Reference.Length > 128 || paid.Reference.Any(char.IsControl))
                errors.Add(new("paidAtChannel.reference", "the channel's payment reference is required (1-128 printable characters)"));
            if (paid.Currency != c.Currency)
                errors.Add(new("paidAtChannel.currency", $"the payment's currency {paid.Currency} differs from the order currency {c.Currency}"));
            else if (currencyKnown && !Currencies.FitsMinorUnits(paid.Amount, c.Currency))
                errors.Add(new("paidAtChannel.amount", $"{c.Currency} amounts have at most {Currencies.MinorUnitDigits(c.Currency)} decimals"));
            if (paid.Amount <= 0) errors.Add(new("paidAtChannel.amount", "a collected amount is positive"));
            else if (errors.Count == 0 && paid.Amount > TotalOf(c))
                errors.Add(new("paidAtChannel.amount", $"the channel collected {paid.Amount} {paid.Currency}, more than the order's total {TotalOf(c)} {c.Currency}"));
        }
        if (c.HoldFor is { } holdFor && (holdFor < OrderRules.MinHoldFor || holdFor > OrderRules.MaxHoldFor))
            errors.Add(new("holdFor", $"an order's own hold time is between {OrderRules.MinHoldFor} and {OrderRules.MaxHoldFor}"));
        if (c.ExchangeOf is { } link && (!Identifiers.IsValidEntityId(link.OrderId) || !Identifiers.IsValidEntityId(link.ReturnId) || link.OrderId == c.OrderId))
            errors.Add(new("exchangeOf", "an exchange's replacement names the return it replaces goods for, of another order"));
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
        && p.PaymentMethod == c.PaymentMethod
        && Equals(p.Charges ?? OrderCharges.None, c.Charges ?? OrderCharges.None)
        && p.ExternalId == c.ExternalId
        && Equals(p.PaidAtChannel, c.PaidAtChannel)
        && p.PlacedAt == c.PlacedAt
        && Equals(p.ExchangeOf, c.ExchangeOf)
        && Equals(p.ShippingAddress, c.ShippingAddress)
        && Equals(p.Delivery, c.Delivery)
        && p.Lines.Length == c.Lines.Length
        && p.Lines.Zip(c.Lines).All(x => x.First.Sku == x.Second.Sku && x.First.Quantity == x.Second.Quantity && x.First.UnitPrice == x.Second.UnitPrice);

    /// <summary>
    /// Decides a placement once every line's stock answered (the current way: reserve first, then write once). All
    /// lines reserved: the one event to persist, <paramref name="pending"/> carrying what the order became (reserved,
    /// confirmed for cash on delivery, or held by the review). Any line refused: no order is placed — the refusal
    /// names the refused lines, and the lines that were reserved must be given back.
    /// </summary>
    /// <param name="pending">What <see cref="Decide"/> answered to the <see cref="PlaceOrder"/> (not persisted yet).</param>
    public static PlacementDecision DecidePlacement(OrderPlaced pending, ImmutableArray<LineReservationOutcome> outcomes,
        int? recentOrdersOfCustomer, DateTimeOffset now, OrderRules rules)
    {
        var missing = pending.Lines.Select(l => l.Sku).Except(outcomes.Select(o => o.Sku)).ToList();
        if (missing.Count > 0) throw new ArgumentException($"no reservation outcome for {string.Join(", ", missing)}", nameof(outcomes));
        var refused = outcomes.Where(o => !o.Reserved)
            .Select(o => new LineRejection(o.Sku, o.Code ?? "Refused", o.Reason ?? "the line could not be reserved"))
            .ToImmutableArray();
        if (!refused.IsEmpty)
            return new PlacementDecision(null, OrderRejection.NotReserved(refused), outcomes.Where(o => o.Reserved).Select(o => o.Sku).ToImmutableArray());
        var holdReasons = rules.ReviewRules.Evaluate(pending, recentOrdersOfCustomer);
        var outcome = !holdReasons.IsEmpty ? new PlacementOutcome(OrderStatus.OnHold, holdReasons, now + rules.ReviewRules.ReviewWithin, now)
            : pending.PaidAtChannel is not null ? new PlacementOutcome(OrderStatus.Paid, [], null, now)
            : pending.PaymentMethod == PaymentMethod.CashOnDelivery ? new PlacementOutcome(OrderStatus.Confirmed, [], null, now)
            : new PlacementOutcome(OrderStatus.Reserved, [], null, now);
        return new PlacementDecision(pending with { Outcome = outcome }, null, []);
    }

    private static Decision<IOrderEvent, OrderRejection> DecideCompleteReservation(OrderState s, CompleteReservation c, DateTimeOffset now, OrderRules rules)
    {
        if (s.Status != OrderStatus.Placed) return Done;
        var missing = s.Placement!.Lines.Select(l => l.Sku).Except(c.Outcomes.Select(o => o.Sku)).ToList();
        if (missing.Count > 0) throw new ArgumentException($"no reservation outcome for {string.Join(", ", missing)}", nameof(c));
        var refused = c.Outcomes.Where(o => !o.Reserved)
            .Select(o => new LineRejection(o.Sku, o.Code ?? "Refused", o.Reason ?? "the line could not be reserved"))
            .ToImmutableArray();
        if (!refused.IsEmpty) return Accept(new OrderRejected(s.OrderId, refused, now));
        var holdReasons = rules.ReviewRules.Evaluate(s.Placement, c.RecentOrdersOfCustomer);
        if (!holdReasons.IsEmpty) return Accept(new OrderHeld(s.OrderId, holdReasons, now + rules.ReviewRules.ReviewWithin, now));
        return s.PaymentMethod == PaymentMethod.CashOnDelivery
            ? Accept(new OrderConfirmed(s.OrderId, now))
            : Accept(new OrderReserved(s.OrderId, now));
    }

    private static Decision<IOrderEvent, OrderRejection> DecideReview(OrderState s, ReviewOrder c, DateTimeOffset now, OrderRules rules)
    {
        if (string.IsNullOrWhiteSpace(c.Operator) || c.Operator.Length > 64) return Invalid("operator", "operator is required (at most 64 characters)");
        if (c.Reason is { Length: > 500 }) return Invalid("reason", "reason must be at most 500 characters");
        if (!s.Exists) return NotFound(s);
        if (s.Status != OrderStatus.OnHold)
        {
            // A review is decided once: its retry is answered as before, a contradicting decision is refused.
            if (s.Review is { } done)
            {
                return done.Approved == c.Approve
                    ? Done
                    : Reject(OrderRejectionCode.InvalidState,
                        $"order {s.OrderId} was already {(done.Approved ? "approved" : "rejected")} in review by {done.Operator}; it is {Lower(s.Status)}");
            }
            return Reject(OrderRejectionCode.InvalidState, $"order {s.OrderId} is {Lower(s.Status)}, not on hold");
        }
        if (c.Approve)
        {
            // Its payment is given back in full (a refund recorded while it was held): nothing is left to proceed with.
            if (s.Payment is not null && s.Refundable <= 0)
                return Reject(OrderRejectionCode.InvalidState, $"order {s.OrderId}'s payment was refunded in full; reject it instead");
            return Accept(new OrderApproved(s.OrderId, c.Operator, c.Reason ?? "", now + (s.Placement!.HoldFor ?? rules.HoldTime), now));
        }
        var reason = string.IsNullOrWhiteSpace(c.Reason) ? "rejected in review" : c.Reason;
        return Accept([new OrderCancelled(s.OrderId, reason, now, OperatorPrefix + c.Operator, RejectedBy: c.Operator), .. RefundWholePayment(s, "order rejected in review", OperatorPrefix + c.Operator, now)]);
    }

    private static Decision<IOrderEvent, OrderRejection> DecideExpire(OrderState s, DateTimeOffset now)
    {
        if (s.Status is not (OrderStatus.Reserved or OrderStatus.OnHold) || now < s.ExpiresAt) return Done;
        return Accept([new OrderExpired(s.OrderId, now), .. RefundWholePayment(s, "order expired before its review", "system", now)]);
    }

    // ---- payments ------------------------------------------------------------------------------------------------

    private static Decision<IOrderEvent, OrderRejection> DecidePayment(OrderState s, ConfirmPayment c, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(c.Reference) || c.Reference.Length > 128)
            return Invalid("reference", "a payment needs a reference of at most 128 characters");
        if (!Currencies.IsKnown(c.Currency))
            return Invalid("currency", $"'{c.Currency}' is not an ISO 4217 currency code");
        if (!s.Exists) return NotFound(s);
        var p = s.Placement!;
        if (s.Payment is { } paid)
        {
            return paid.Reference == c.Reference && paid.Amount == c.Amount && paid.Currency == c.Currency
                ? Done
                : Reject(OrderRejectionCode.InvalidState, $"order {s.OrderId} is already paid (reference {paid.Reference})");
        }
        switch (s.Status)
        {
            case OrderStatus.Placed:
                return Reject(OrderRejectionCode.InvalidState, $"order {s.OrderId} is still reserving stock; retry shortly");
            case OrderStatus.Confirmed:
                return Reject(OrderRejectionCode.InvalidState, $"order {s.OrderId} is cash on delivery; it is settled on delivery");
            case OrderStatus.Reserved or OrderStatus.OnHold:
                break;
            default:
                return Reject(OrderRejectionCode.InvalidState, $"order {s.OrderId} is {Lower(s.Status)} and cannot be paid");
        }
        if (now >= s.ExpiresAt) return Reject(OrderRejectionCode.HoldExpired, $"order {s.OrderId} expired at {s.ExpiresAt:O}");
        if (c.Currency != p.Currency)
            return Reject(OrderRejectionCode.PaymentMismatch, $"payment currency {c.Currency} does not match the order currency {p.Currency}");
        if (c.Amount != p.Total)
            return Reject(OrderRejectionCode.PaymentMismatch, $"payment amount {c.Amount} {c.Currency} does not match the order total {p.Total} {p.Currency}");
        return Accept(new PaymentConfirmed(s.OrderId, c.Amount, c.Currency, c.Reference, now));
    }

    private static Decision<IOrderEvent, OrderRejection> DecideProviderPayment(OrderState s, RecordProviderPayment c, DateTimeOffset now, OrderRules rules)
    {
        foreach (var (field, value) in new[] { ("provider", c.Provider), ("eventId", c.EventId), ("paymentId", c.PaymentId) })
            if (string.IsNullOrWhiteSpace(value) || value.Length > 128) return Invalid(field, $"{field} is required (at most 128 characters)");
        if (c.Amount <= 0) return Invalid("amount", "a captured amount is positive");
        if (s.HasSeen(c.Provider, c.EventId)) return Done;
        if (!s.Exists) return NotFound(s);
        if (s.Status == OrderStatus.Placed)
            return Reject(OrderRejectionCode.InvalidState, $"order {s.OrderId} is still reserving stock; deliver the event again shortly");
        if (s.Payment is { } paid && paid.Reference == c.PaymentId && paid.Provider == c.Provider) return Done; // same payment, new delivery
        if (s.Anomalies.Any(a => a.PaymentId == c.PaymentId && a.Provider == c.Provider)) return Done;

        var p = s.Placement!;
        string? anomaly =
            s.Payment is not null ? $"a second payment for an order already paid (reference {s.Payment.Reference})"
            : s.Status == OrderStatus.Confirmed ? "the order is cash on delivery"
            : s.Status is not (OrderStatus.Reserved or OrderStatus.OnHold) ? $"the order is {Lower(s.Status)}"
            : now >= s.ExpiresAt ? $"the order's hold ended at {s.ExpiresAt:O}"
            : c.Currency != p.Currency ? $"currency {c.Currency} differs from the order currency {p.Currency}"
            : c.Amount != p.Total ? $"amount {c.Amount} differs from the order total {p.Total}"
            : null;
        if (anomaly is null) return Accept(new PaymentConfirmed(s.OrderId, c.Amount, c.Currency, c.PaymentId, now, c.Provider, c.EventId));

        IOrderEvent recorded = new PaymentAnomalyRecorded(s.OrderId, c.Provider, c.EventId, c.PaymentId, c.Amount, c.Currency, anomaly, now);
        var live = s.Status is OrderStatus.Reserved or OrderStatus.OnHold && s.Payment is null;
        if (live && rules.OnPaymentAnomaly == AnomalyPolicy.Hold)
        {
            return s.Status == OrderStatus.OnHold
                ? Accept(recorded)
                : Accept(recorded, new OrderHeld(s.OrderId, ["payment anomaly: " + anomaly], now + rules.ReviewRules.ReviewWithin, now));
        }
        var refund = new RefundRequested(s.OrderId, NextAutomaticRefundId(s, c.Provider, c.PaymentId), c.PaymentId, c.Provider, c.Amount, c.Currency, [],
            "payment anomaly: " + anomaly, "system", now, Whole: true);
        return Accept(recorded, refund);
    }

    /// <summary>The id of the refund issued automatically for a payment: stable, so a repeat issues nothing new.</summary>
    public static string AutomaticRefundId(string provider, string paymentId) => Identifiers.Derived('r', provider + "\n" + paymentId);

    /// <summary>
    /// The id of the next automatic refund of a payment: <see cref="AutomaticRefundId"/>, or — when that one was
    /// issued already and failed — one derived from it and the attempt, so every refund keeps its own id.
    /// </summary>
    private static string NextAutomaticRefundId(OrderState s, string provider, string paymentId)
    {
        var id = AutomaticRefundId(provider, paymentId);
        for (var attempt = 2; s.Refunds.Any(r => r.RefundId == id); attempt++)
            id = Identifiers.Derived('r', provider + "\n" + paymentId + "\n" + attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return id;
    }

    /// <summary>
    /// When an order ends unfulfilled: give back all its money — its payment and any payment held as an anomaly. With
    /// <paramref name="withUnits"/> (an order whose units were sold) the refund of its payment also names every unit not
    /// refunded yet, so they are put back on sale once the money went back.
    /// </summary>
    public static IEnumerable<IOrderEvent> RefundsWhenEnded(OrderState s, string reason, string by, DateTimeOffset now, bool withUnits) =>
        RefundWholePayment(s, reason, by, now, withUnits);

    /// <summary>When an order ends unfulfilled: give back all its money — its payment and any payment held as an anomaly.</summary>
    private static IEnumerable<IOrderEvent> RefundWholePayment(OrderState s, string reason, string by, DateTimeOffset now, bool withUnits = false)
    {
        var refunds = new List<RefundRequested>();
        var next = s; // with the refunds requested so far, so each gets an id of its own
        if (s.Payment is { } p && s.Refundable > 0)
        {
            ImmutableArray<RefundLine> units = withUnits
                ? [.. OrderLines.PerSku(s.Placement!.Lines).Select(l => new RefundLine(l.Sku, s.UnitsToShip(l.Sku))).Where(l => l.Quantity > 0)]
                : [];
            refunds.Add(new RefundRequested(s.OrderId, NextAutomaticRefundId(next, p.Provider ?? OrderState.ManualProvider, p.Reference), p.Reference, p.Provider,
                s.Refundable, p.Currency, units, reason, by, now, Whole: true));
            next = Evolve(next, refunds[^1]);
        }
        foreach (var a in s.AnomaliesToRefund)
        {
            refunds.Add(new RefundRequested(s.OrderId, NextAutomaticRefundId(next, a.Provider, a.PaymentId), a.PaymentId, a.Provider,
                s.RefundableOf(a.Provider, a.PaymentId, a.Amount), a.Currency, [], "payment anomaly: " + a.Reason, by, now, Whole: true));
            next = Evolve(next, refunds[^1]);
        }
        return refunds;
    }

    // ---- refunds -------------------------------------------------------------------------------------------------

    private static Decision<IOrderEvent, OrderRejection> DecideRefund(OrderState s, RequestRefund c, DateTimeOffset now)
    {
        if (!Identifiers.IsValidEntityId(c.RefundId)) return Invalid("refundId", "refundId must be " + Identifiers.EntityIdRule);
        if (c.Reason is { Length: > 500 }) return Invalid("reason", "reason must be at most 500 characters");
        if (string.IsNullOrWhiteSpace(c.By) || c.By.Length > 100) return Invalid("by", "who asks for the refund is required");
        if (!s.Exists) return NotFound(s);
        var lines = c.Lines.IsDefault ? [] : c.Lines;
        var p = s.Placement!;
        if (c.Amount is not null && !lines.IsEmpty) return Invalid("amount", "give lines or an amount, not both");
        if (s.Refunds.FirstOrDefault(r => r.RefundId == c.RefundId) is { } existing)
        {
            var sameTarget = c.PaymentReference is null || c.PaymentReference == existing.PaymentReference;
            var sameLines = lines.SequenceEqual(existing.Lines.IsDefault ? [] : existing.Lines);
            var sameAmount = !lines.IsEmpty || (c.Amount is null ? existing.Whole : !existing.Whole && c.Amount == existing.Amount);
            return sameTarget && sameLines && sameAmount
                ? Done
                : Reject(OrderRejectionCode.IdempotencyConflict, $"refund {c.RefundId} was already requested differently");
        }

        // A held order is decided by its review: rejecting it refunds its payments, approving it keeps them.
        if (s.Status == OrderStatus.OnHold)
            return Reject(OrderRejectionCode.InvalidState, $"order {s.OrderId} is on hold; review it first (rejecting it refunds its payment)");

        // Which payment: the order's own by default, or a named one (a payment held as an anomaly).
        string reference, currency;
        string? provider;
        decimal refundable;
        var ownPayment = true;
        if (c.PaymentReference is { } named && named != s.Payment?.Reference)
        {
            // Payment ids are unique per provider only: of the anomalies with this id, the first with money left.
            var candidates = s.Anomalies.Where(a => a.PaymentId == named).ToList();
            if (candidates.Count == 0) return Invalid("paymentReference", $"order {s.OrderId} has no payment {named}");
            var anomaly = candidates.FirstOrDefault(a => s.RefundableOf(a.Provider, a.PaymentId, a.Amount) > 0) ?? candidates[0];
            (reference, currency, provider, refundable, ownPayment) =
                (anomaly.PaymentId, anomaly.Currency, anomaly.Provider, s.RefundableOf(anomaly.Provider, anomaly.PaymentId, anomaly.Amount), false);
        }
        else if (s.Payment is { } paid)
            (reference, currency, provider, refundable) = (paid.Reference, paid.Currency, paid.Provider, s.Refundable);
        else return Reject(OrderRejectionCode.InvalidState, $"order {s.OrderId} has no payment to refund");

        decimal amount;
        if (!lines.IsEmpty)
        {
            if (!ownPayment) return Invalid("lines", "lines are refunded from the order's own payment; refund an anomaly by amount");
            // Only a paid order bought its units; an order that ended released them, so its money is refunded by amount.
            if (s.Status is not (OrderStatus.Paid or OrderStatus.Refunded))
                return Reject(OrderRejectionCode.InvalidState, $"order {s.OrderId} is {Lower(s.Status)}: its units were released, not sold; refund an amount instead");
            if (!s.StockSettled) return Reject(OrderRejectionCode.InvalidState, $"order {s.OrderId}'s stock is still being committed; retry shortly");
            amount = 0m;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < lines.Length; i++)
            {
                var l = lines[i];
                if (p.Lines.All(x => x.Sku != l.Sku)) return Invalid($"lines[{i}].sku", $"SKU {l.Sku} is not on order {s.OrderId}");
                if (!seen.Add(l.Sku)) return Invalid($"lines[{i}].sku", $"SKU {l.Sku} appears twice");
                // Refunding by line puts unshipped units back on sale; shipped units come back through a return.
                var left = s.UnitsToShip(l.Sku);
                if (l.Quantity < 1 || l.Quantity > left)
                    return Invalid($"lines[{i}].quantity", s.ShippedUnits(l.Sku) > 0 && left == 0
                        ? $"every unit of {l.Sku} left in a shipment or was refunded; refund shipped units through a return or by amount"
                        : $"quantity must be between 1 and {left} (the units of {l.Sku} not shipped, refunded or back on sale yet)");
                amount += PriceOfNextUnits(p.Lines, l.Sku, s.UnitsRefundedOrRestocked(l.Sku), l.Quantity);
            }
        }
        else if (c.Amount is { } requested)
        {
            if (requested <= 0) return Invalid("amount", "amount must be positive");
            if (!Currencies.FitsMinorUnits(requested, currency))
                return Invalid("amount", $"{currency} amounts have at most {Currencies.MinorUnitDigits(currency)} decimals");
            amount = requested;
        }
        else amount = refundable;

        if (refundable <= 0) return Reject(OrderRejectionCode.RefundTooLarge, $"nothing is left to refund of payment {reference}");
        if (amount > refundable)
            return Reject(OrderRejectionCode.RefundTooLarge, $"{amount} {currency} is more than the {refundable} {currency} left to refund");
        return Accept(new RefundRequested(s.OrderId, c.RefundId, reference, provider, amount, currency, lines,
            string.IsNullOrWhiteSpace(c.Reason) ? "refund" : c.Reason, c.By, now, Whole: lines.IsEmpty && c.Amount is null));
    }

    /// <summary>
    /// What <paramref name="count"/> more units of a SKU cost, when <paramref name="alreadyTaken"/> of its units were
    /// refunded before: a SKU on several lines gives its units back line by line, in the order of the lines.
    /// </summary>
    public static decimal PriceOfNextUnits(ImmutableArray<OrderLine> lines, string sku, int alreadyTaken, int count)
    {
        var price = 0m;
        var skip = alreadyTaken;
        foreach (var line in lines)
        {
            if (line.Sku != sku || count == 0) continue;
            var available = line.Quantity - Math.Min(skip, line.Quantity);
            skip -= line.Quantity - available;
            var take = Math.Min(available, count);
            price += take * line.UnitPrice;
            count -= take;
        }
        return price;
    }

    private static Decision<IOrderEvent, OrderRejection> DecideRefundOutcome(OrderState s, RecordRefundOutcome c, DateTimeOffset now)
    {
        if (!s.Exists) return NotFound(s);
        var refund = s.Refunds.FirstOrDefault(r => r.RefundId == c.RefundId);
        if (refund is null) return Reject(OrderRejectionCode.NotFound, $"order {s.OrderId} has no refund {c.RefundId}");
        if (c.RecordedBy is not null)
        {
            if (string.IsNullOrWhiteSpace(c.RecordedBy) || c.RecordedBy.Length > 64) return Invalid("by", "who records the outcome is required (at most 64 characters)");
            if (c.ProviderRefundId is { Length: > 128 }) return Invalid("reference", "reference must be at most 128 characters");
            if (c.FailureReason is { Length: > 500 }) return Invalid("reason", "reason must be at most 500 characters");
            if (!OrderState.IsRefundedByHand(refund.Provider))
                return Reject(OrderRejectionCode.InvalidState,
                    $"refund {c.RefundId} is carried out by {(refund.Provider is null ? "the manual provider" : "provider " + refund.Provider)}, which reports its own outcome; only a refund made at a selling channel or of cash collected on delivery is recorded by hand");
            if (refund.Status != RefundStatus.Requested)
            {
                return (refund.Status == RefundStatus.Succeeded) == c.Succeeded
                    ? Done
                    : Reject(OrderRejectionCode.InvalidState, $"refund {c.RefundId} already {(refund.Status == RefundStatus.Succeeded ? "succeeded" : "failed")}");
            }
        }
        if (c.EventId is not null && s.HasSeen(refund.Provider, c.EventId)) return Done; // the refund's provider sent this event already
        if (refund.Status != RefundStatus.Requested) return Done; // a late or repeated answer changes nothing once settled
        var provider = refund.Provider ?? OrderState.ManualProvider;
        return c.Succeeded
            ? Accept(new RefundSucceeded(s.OrderId, c.RefundId, c.ProviderRefundId, now, c.EventId, provider))
            : Accept(new RefundFailed(s.OrderId, c.RefundId, string.IsNullOrWhiteSpace(c.FailureReason) ? "refused by the provider" : c.FailureReason, now, c.EventId, provider));
    }

    // ---- cancellation --------------------------------------------------------------------------------------------

    private static Decision<IOrderEvent, OrderRejection> DecideCancel(OrderState s, CancelOrder c, DateTimeOffset now)
    {
        if (c.Reason is { Length: > 500 }) return Invalid("reason", "reason must be at most 500 characters");
        var reason = string.IsNullOrWhiteSpace(c.Reason) ? "cancelled" : c.Reason;
        return s.Status switch
        {
            OrderStatus.None => NotFound(s),
            // It gives back every captured payment it still holds: its own (held orders) and anomalous ones not refunded yet
            // (held for review, or whose automatic refund failed).
            OrderStatus.Confirmed when !s.Shipments.IsEmpty =>
                Reject(OrderRejectionCode.InvalidState, $"order {s.OrderId} has shipped; it ends when its parcels are delivered or returned to sender"),
            OrderStatus.Confirmed when s.Delivery is { KitchenHasIt: true } =>
                Reject(OrderRejectionCode.InvalidState, $"order {s.OrderId} is with the kitchen of restaurant {s.Delivery.RestaurantId}; the restaurant rejects it to end it"),
            OrderStatus.Placed or OrderStatus.Reserved or OrderStatus.Confirmed or OrderStatus.OnHold =>
                Accept([new OrderCancelled(s.OrderId, reason, now, c.By), .. RefundWholePayment(s, "order cancelled: " + reason, c.By, now)]),
            OrderStatus.Cancelled => Done,
            OrderStatus.Paid or OrderStatus.Refunded => Reject(OrderRejectionCode.InvalidState, $"order {s.OrderId} is paid; a paid order is ended by a refund"),
            _ => Reject(OrderRejectionCode.InvalidState, $"order {s.OrderId} is {Lower(s.Status)} and cannot be cancelled"),
        };
    }

    // ---- evolve --------------------------------------------------------------------------------------------------

    public static OrderState Evolve(OrderState s, IOrderEvent e) => e switch
    {
        OrderPlaced x => Placed(s, x),
        OrderReserved x => Reserved(s, x.At),
        OrderConfirmed x => Confirmed(s, x.At),
        OrderHeld x => Held(s, x.Reasons, x.ReviewBy, x.At),
        OrderApproved x => Approve(s, x),
        OrderRejected x => s with
        {
            Status = OrderStatus.Rejected,
            Rejections = x.Lines,
            History = s.History.Add(new(OrderStatus.Rejected, x.At, string.Join("; ", x.Lines.Select(l => $"{l.Sku}: {l.Reason}")), "system")),
        },
        PaymentConfirmed x => s with
        {
            // A held order keeps waiting for its review; otherwise paying moves it on.
            Status = s.Status == OrderStatus.OnHold ? OrderStatus.OnHold : OrderStatus.Paid,
            // Cash on delivery collected at the door: its units were sold when they shipped.
            StockSettled = (s.Status == OrderStatus.OnHold || !s.Shipments.IsEmpty) && s.StockSettled,
            Payment = new PaymentRecord(x.Amount, x.Currency, x.Reference, x.At, x.Provider),
            ProviderEvents = x.EventId is null ? s.ProviderEvents : s.ProviderEvents.Add(new(x.Provider ?? OrderState.ManualProvider, x.EventId)),
            History = s.History.Add(new(s.Status == OrderStatus.OnHold ? OrderStatus.OnHold : OrderStatus.Paid, x.At,
                s.Status == OrderStatus.OnHold ? "paid while on hold" : null, x.Provider is null ? "operator" : "provider:" + x.Provider)),
        },
        PaymentAnomalyRecorded x => s with
        {
            Anomalies = s.Anomalies.Add(new PaymentAnomaly(x.Provider, x.PaymentId, x.Amount, x.Currency, x.Reason, x.At)),
            ProviderEvents = s.ProviderEvents.Add(new(x.Provider, x.EventId)),
        },
        OrderCancelled x => s with
        {
            Status = OrderStatus.Cancelled,
            // An order that shipped has no reservation left to release: its units left, and those returned came back on hand.
            // A paid delivery order the kitchen rejected has its units sold: they come back on sale with its refund.
            StockSettled = (!s.Shipments.IsEmpty || s.Delivery is { SoldWhenRejected: true }) && s.StockSettled,
            Review = x.RejectedBy is { } rejectedBy ? new ReviewDecision(false, rejectedBy) : s.Review,
            History = s.History.Add(new(OrderStatus.Cancelled, x.At, x.Reason, x.By)),
        },
        OrderExpired x => s with { Status = OrderStatus.Expired, StockSettled = false, History = s.History.Add(new(OrderStatus.Expired, x.At, "not paid or reviewed in time", "system")) },
        OrderStockSettled => s with { StockSettled = true },
        RefundRequested x => s with
        {
            Refunds = s.Refunds.Add(new RefundRecord(x.RefundId, x.PaymentReference, x.Provider, x.Amount, x.Currency, x.Lines, x.Reason, x.By,
                RefundStatus.Requested, x.Lines.IsDefaultOrEmpty, null, null, x.At, x.Whole)),
        },
        RefundSucceeded x => RefundSettled(WithRefundEvent(s, x.RefundId, x.EventId),
            x.RefundId, r => r with { Status = RefundStatus.Succeeded, ProviderRefundId = x.ProviderRefundId }, x.At),
        RefundFailed x => RefundSettled(WithRefundEvent(s, x.RefundId, x.EventId),
            x.RefundId, r => r with { Status = RefundStatus.Failed, FailureReason = x.Reason }, x.At),
        RefundRestocked x => s with { Refunds = s.Refunds.Select(r => r.RefundId == x.RefundId ? r with { Restocked = true } : r).ToImmutableArray() },
        ShipmentRecorded or ShipmentMoved or ShipmentDelivered or ShipmentReturnedToSender => FulfilmentDecider.Evolve(s, e),
        ShippingMethodChosen x => ShippingMethodDecider.Evolve(s, x),
        KitchenNotified or DeliveryProgressRecorded or DeliveryLeftStock => DeliveryDecider.Evolve(s, e),
        ReturnRegistered or ReturnReleased or ReturnSettled or ExchangeCreditLapsed or ExchangeOutcomeReported => OrderReturnsDecider.Evolve(s, e),
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name, "unknown order event"),
    };

    private static OrderState Placed(OrderState s, OrderPlaced x)
    {
        var placed = s with
        {
            Status = OrderStatus.Placed,
            Placement = x,
            Delivery = x.Delivery is { } delivery ? DeliveryState.Of(delivery) : null,
            ExpiresAt = x.ExpiresAt,
            Payment = x.PaidAtChannel is { } paid
                ? new PaymentRecord(paid.Amount, paid.Currency, paid.Reference, x.At, OrderPlaced.ChannelProvider(x.Channel), paid.Method)
                : s.Payment,
            History = s.History.Add(new(OrderStatus.Placed, x.At, null, "channel:" + x.Channel)),
        };
        return x.Outcome switch
        {
            null => placed,
            { Status: OrderStatus.Reserved } o => Reserved(placed, o.At),
            { Status: OrderStatus.Paid } o => placed with
            {
                Status = OrderStatus.Paid,
                History = placed.History.Add(new(OrderStatus.Paid, o.At,
                    x.PaidAtChannel!.Amount < x.Total ? $"partly paid at the channel: {x.PaidAtChannel.Amount} of {x.Total} {x.Currency}" : "paid at the channel",
                    "channel:" + x.Channel)),
            },
            { Status: OrderStatus.Confirmed } o => Confirmed(placed, o.At),
            { Status: OrderStatus.OnHold } o => Held(placed, o.HoldReasons, o.ReviewBy ?? x.ExpiresAt, o.At),
            { } o => throw new ArgumentOutOfRangeException(nameof(x), o.Status, "a placement's outcome is reserved, paid, confirmed or on hold"),
        };
    }

    private static OrderState Reserved(OrderState s, DateTimeOffset at) =>
        s with { Status = OrderStatus.Reserved, History = s.History.Add(new(OrderStatus.Reserved, at, null, "system")) };

    private static OrderState Confirmed(OrderState s, DateTimeOffset at) =>
        s with { Status = OrderStatus.Confirmed, History = s.History.Add(new(OrderStatus.Confirmed, at, "cash on delivery", "system")) };

    private static OrderState Held(OrderState s, ImmutableArray<string> reasons, DateTimeOffset reviewBy, DateTimeOffset at) => s with
    {
        Status = OrderStatus.OnHold,
        HoldReasons = s.HoldReasons.AddRange(reasons),
        ExpiresAt = reviewBy > s.ExpiresAt ? reviewBy : s.ExpiresAt,
        History = s.History.Add(new(OrderStatus.OnHold, at, string.Join("; ", reasons), "system")),
    };

    private static OrderState Approve(OrderState s, OrderApproved x)
    {
        var status = s.Payment is not null && s.Refundable > 0 ? OrderStatus.Paid
            : s.PaymentMethod == PaymentMethod.CashOnDelivery ? OrderStatus.Confirmed
            : OrderStatus.Reserved;
        return s with
        {
            Status = status,
            HoldReasons = [],
            ExpiresAt = x.ExpiresAt,
            Review = new ReviewDecision(true, x.Operator),
            StockSettled = false,
            History = s.History.Add(new(status, x.At, string.IsNullOrWhiteSpace(x.Reason) ? "approved in review" : x.Reason, OperatorPrefix + x.Operator)),
        };
    }

    private const string OperatorPrefix = "operator:";

    /// <summary>Remembers a refund outcome's webhook event under the provider of its refund.</summary>
    private static OrderState WithRefundEvent(OrderState s, string refundId, string? eventId) =>
        eventId is null || s.Refunds.FirstOrDefault(r => r.RefundId == refundId) is not { } refund
            ? s
            : s with { ProviderEvents = s.ProviderEvents.Add(new(refund.Provider ?? OrderState.ManualProvider, eventId)) };

    private static OrderState RefundSettled(OrderState s, string refundId, Func<RefundRecord, RefundRecord> settle, DateTimeOffset at)
    {
        var refunds = s.Refunds.Select(r => r.RefundId == refundId ? settle(r) : r).ToImmutableArray();
        var next = s with { Refunds = refunds };
        // Fully refunded once every refund of the order's payment (its provider's, with its reference) succeeded and nothing of it is left.
        var fullyRefunded = s.Status == OrderStatus.Paid && next.Payment is { } p && next.RefundableOf(p.Provider, p.Reference, p.Amount) == 0
            && next.RefundsOf(p.Provider, p.Reference).All(r => r.Status != RefundStatus.Requested);
        return fullyRefunded
            ? next with { Status = OrderStatus.Refunded, History = next.History.Add(new(OrderStatus.Refunded, at, "refunded in full", "system")) }
            : next;
    }

    /// <summary>Folds events into a state, as recovery does.</summary>
    public static OrderState Fold(OrderState s, IEnumerable<IOrderEvent> events)
    {
        foreach (var e in events) s = Evolve(s, e);
        return s;
    }
}

/// <summary>
/// What becomes of a placement once its stock answered: <paramref name="Placed"/> is the one event to persist (the
/// placement with its outcome), or <paramref name="Refusal"/> says why no order was placed and
/// <paramref name="Release"/> names the SKUs whose reservation must be given back.
/// </summary>
public sealed record PlacementDecision(OrderPlaced? Placed, OrderRejection? Refusal, ImmutableArray<string> Release);
