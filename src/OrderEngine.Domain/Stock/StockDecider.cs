using System.Collections.Immutable;

namespace OrderEngine.Domain.Stock;

/// <summary>The rules of one SKU's stock: decide a command against the state, evolve the state by an event.</summary>
public static class StockDecider
{
    /// <summary>The largest quantity a single reservation may hold.</summary>
    public const int MaxReservationQuantity = 1_000_000;

    /// <summary>The largest absolute count or delta accepted, far above any real warehouse and far below overflow.</summary>
    public const long MaxUnits = 1_000_000_000_000;

    /// <summary>
    /// Decides <paramref name="command"/> against <paramref name="state"/>. Whatever the command, when its events take the
    /// available units across the low-stock threshold (the SKU's own, else <paramref name="rules"/>' default) one
    /// <see cref="LowStockRaised"/> or <see cref="LowStockCleared"/> follows them; when nothing crosses, the decision is
    /// returned as it is (an integer compare, no allocation: this runs on every reservation of a flash sale).
    /// </summary>
    public static Decision<IStockEvent, StockRejection> Decide(StockState state, IStockCommand command, DateTimeOffset now, StockRules? rules = null)
    {
        var decision = DecideCommand(state, command, now);
        return decision.IsRejected || decision.Events.IsDefaultOrEmpty ? decision : LowStockAlerts.Follow(state, decision, rules ?? StockRules.Default, now);
    }

    private static Decision<IStockEvent, StockRejection> DecideCommand(StockState state, IStockCommand command, DateTimeOffset now) =>
        command.Sku != state.Sku
            ? Reject(StockRejectionCode.Invalid, $"command for SKU {command.Sku} reached the entity of SKU {state.Sku}")
            : command switch
        {
            SetOnHand c => DecideSet(state, c, now),
            AdjustOnHand c => DecideAdjust(state, c, now),
            ReserveStock c => DecideReserve(state, c, now),
            CommitReservation c => DecideCommit(state, c, now),
            ReleaseReservation c => DecideRelease(state, c, now),
            ExpireDueReservations c => DecideExpire(state, c, now),
            ExtendReservation c => DecideExtend(state, c, now),
            RestockSale c => DecideRestock(state, c, now),
            ShipSold c => DecideShip(state, c, now),
            ReceiveShipped c => DecideReceive(state, c, now),
            SetPurchaseLimit c => DecideLimit(state, c, now),
            SetLowStockThreshold c => DecideThreshold(state, c, now),
            SetReplenishmentSettings c => DecideReplenishment(state, c, now),
            _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "unknown stock command"),
        };

    private static Decision<IStockEvent, StockRejection> Reject(StockRejectionCode code, string message) =>
        Decision<IStockEvent, StockRejection>.Reject(new StockRejection(code, message));

    private static Decision<IStockEvent, StockRejection> DecideSet(StockState s, SetOnHand c, DateTimeOffset now)
    {
        if (c.OnHand is < 0 or > MaxUnits) return Reject(StockRejectionCode.Invalid, $"onHand must be between 0 and {MaxUnits}");
        if (c.Version < 1) return Reject(StockRejectionCode.Invalid, "version must be 1 or more");
        if (c.Version < s.Version)
            return Reject(StockRejectionCode.StaleVersion, $"version {c.Version} is older than the current version {s.Version}; the update is ignored");
        if (c.Version == s.Version)
        {
            return c.OnHand == s.LastSetOnHand
                ? Decision<IStockEvent, StockRejection>.AlreadyDone
                : Reject(StockRejectionCode.VersionConflict, $"version {c.Version} was already applied with onHand {s.LastSetOnHand}");
        }
        if (c.OnHand < s.Reserved + s.Sold)
            return Reject(StockRejectionCode.WouldBreakInvariant,
                $"onHand {c.OnHand} is below the {s.Reserved} reserved and {s.Sold} sold units; release or ship them first");
        return Decision<IStockEvent, StockRejection>.Accept(new OnHandSet(s.Sku, c.OnHand, c.Version, now, c.By));
    }

    private static Decision<IStockEvent, StockRejection> DecideAdjust(StockState s, AdjustOnHand c, DateTimeOffset now)
    {
        if (!Identifiers.IsValidEntityId(c.AdjustmentId))
            return Reject(StockRejectionCode.Invalid, "adjustment id must be " + Identifiers.EntityIdRule);
        if (c.Delta == 0) return Reject(StockRejectionCode.Invalid, "delta must not be zero");
        if (c.Delta is > MaxUnits or < -MaxUnits) return Reject(StockRejectionCode.Invalid, $"delta must be within ±{MaxUnits}");
        if (!Enum.IsDefined(c.Reason)) return Reject(StockRejectionCode.Invalid, "unknown adjustment reason");
        if (c.Note is { Length: > 500 }) return Reject(StockRejectionCode.Invalid, "note must be at most 500 characters");
        if (s.Adjustments.TryGet(c.AdjustmentId, out var applied))
        {
            return applied.Delta == c.Delta && applied.Reason == c.Reason
                ? Decision<IStockEvent, StockRejection>.AlreadyDone
                : Reject(StockRejectionCode.AdjustmentConflict, $"adjustment {c.AdjustmentId} was already applied with delta {applied.Delta} ({applied.Reason})");
        }
        if (s.OnHand + c.Delta > MaxUnits) return Reject(StockRejectionCode.Invalid, $"onHand would exceed {MaxUnits}");
        if (s.OnHand + c.Delta < s.Reserved + s.Sold)
            return Reject(StockRejectionCode.WouldBreakInvariant,
                $"onHand {s.OnHand} {c.Delta:+#;-#} would fall below the {s.Reserved} reserved and {s.Sold} sold units");
        return Decision<IStockEvent, StockRejection>.Accept(new OnHandAdjusted(s.Sku, c.AdjustmentId, c.Delta, c.Reason, c.Note, now, c.By));
    }

    private static Decision<IStockEvent, StockRejection> DecideReserve(StockState s, ReserveStock c, DateTimeOffset now)
    {
        if (!Identifiers.IsValidEntityId(c.OrderId)) return Reject(StockRejectionCode.Invalid, "order id must be " + Identifiers.EntityIdRule);
        if (c.Quantity is < 1 or > MaxReservationQuantity)
            return Reject(StockRejectionCode.Invalid, $"quantity must be between 1 and {MaxReservationQuantity}");
        if (s.Reservations.TryGetValue(c.OrderId, out var open))
        {
            return open.Quantity == c.Quantity
                ? Decision<IStockEvent, StockRejection>.AlreadyDone
                : Reject(StockRejectionCode.ReservationConflict, $"order {c.OrderId} already holds {open.Quantity} units, not {c.Quantity}");
        }
        if (s.SettledOrders.TryGet(c.OrderId, out var outcome))
        {
            return outcome == ReservationOutcome.Committed
                ? Decision<IStockEvent, StockRejection>.AlreadyDone
                : Reject(StockRejectionCode.ReservationClosed, $"the reservation of order {c.OrderId} was {outcome.ToString().ToLowerInvariant()}");
        }
        if (!s.Exists) return Reject(StockRejectionCode.UnknownSku, $"SKU {s.Sku} is not stocked");
        if (s.PerCustomerLimit is { } limit && !string.IsNullOrEmpty(c.CustomerId) && s.UnitsOf(c.CustomerId) + c.Quantity > limit)
            return Reject(StockRejectionCode.PurchaseLimitExceeded,
                $"at most {limit} per customer; customer {c.CustomerId} already holds or bought {s.UnitsOf(c.CustomerId)}");
        if (c.Quantity > s.Available)
            return Reject(StockRejectionCode.InsufficientStock, $"requested {c.Quantity}, available {Math.Max(0, s.Available)}");
        return Decision<IStockEvent, StockRejection>.Accept(new StockReserved(s.Sku, c.OrderId, c.Quantity, c.ExpiresAt, now,
            string.IsNullOrEmpty(c.CustomerId) ? null : c.CustomerId));
    }

    private static Decision<IStockEvent, StockRejection> DecideCommit(StockState s, CommitReservation c, DateTimeOffset now)
    {
        if (s.Reservations.TryGetValue(c.OrderId, out var open))
            return Decision<IStockEvent, StockRejection>.Accept(new ReservationCommitted(s.Sku, c.OrderId, open.Quantity, now));
        if (s.SettledOrders.TryGet(c.OrderId, out var outcome))
        {
            return outcome == ReservationOutcome.Committed
                ? Decision<IStockEvent, StockRejection>.AlreadyDone
                : Reject(StockRejectionCode.ReservationClosed, $"the reservation of order {c.OrderId} was {outcome.ToString().ToLowerInvariant()}");
        }
        return Reject(StockRejectionCode.ReservationNotFound, $"order {c.OrderId} holds no reservation of SKU {s.Sku}");
    }

    private static Decision<IStockEvent, StockRejection> DecideRelease(StockState s, ReleaseReservation c, DateTimeOffset now)
    {
        if (s.Reservations.TryGetValue(c.OrderId, out var open))
            return Decision<IStockEvent, StockRejection>.Accept(new ReservationReleased(s.Sku, c.OrderId, open.Quantity, now, c.Unplaced));
        if (s.SettledOrders.TryGet(c.OrderId, out var outcome) && outcome == ReservationOutcome.Committed)
            return Reject(StockRejectionCode.ReservationClosed, $"the units of order {c.OrderId} are already sold");
        // Nothing held: releasing is already done. Not remembering it keeps refused orders out of the state.
        return Decision<IStockEvent, StockRejection>.AlreadyDone;
    }

    private static Decision<IStockEvent, StockRejection> DecideExpire(StockState s, ExpireDueReservations c, DateTimeOffset now)
    {
        if (c.Grace < TimeSpan.Zero) return Reject(StockRejectionCode.Invalid, "grace must not be negative");
        // The expiry order lists the due reservations first, already by expiry then order id.
        var due = s.DueBy(now - c.Grace).Select(kv => new ExpiredReservation(kv.Key, kv.Value.Quantity)).ToImmutableArray();
        return due.IsEmpty
            ? Decision<IStockEvent, StockRejection>.AlreadyDone
            : Decision<IStockEvent, StockRejection>.Accept(new ReservationsExpired(s.Sku, due, now));
    }

    private static Decision<IStockEvent, StockRejection> DecideExtend(StockState s, ExtendReservation c, DateTimeOffset now)
    {
        if (!s.Reservations.TryGetValue(c.OrderId, out var open))
        {
            return s.SettledOrders.TryGet(c.OrderId, out var outcome)
                ? Reject(StockRejectionCode.ReservationClosed, $"the reservation of order {c.OrderId} was {outcome.ToString().ToLowerInvariant()}")
                : Reject(StockRejectionCode.ReservationNotFound, $"order {c.OrderId} holds no reservation of SKU {s.Sku}");
        }
        return c.ExpiresAt <= open.ExpiresAt
            ? Decision<IStockEvent, StockRejection>.AlreadyDone
            : Decision<IStockEvent, StockRejection>.Accept(new ReservationExtended(s.Sku, c.OrderId, c.ExpiresAt, now));
    }

    private static Decision<IStockEvent, StockRejection> DecideRestock(StockState s, RestockSale c, DateTimeOffset now)
    {
        if (!Identifiers.IsValidEntityId(c.RestockId)) return Reject(StockRejectionCode.Invalid, "restock id must be " + Identifiers.EntityIdRule);
        if (c.Quantity is < 1 or > MaxReservationQuantity)
            return Reject(StockRejectionCode.Invalid, $"quantity must be between 1 and {MaxReservationQuantity}");
        var key = RestockKey(c.RestockId);
        if (s.Adjustments.TryGet(key, out var applied))
        {
            return applied.Delta == -c.Quantity
                ? Decision<IStockEvent, StockRejection>.AlreadyDone
                : Reject(StockRejectionCode.RestockConflict, $"restock {c.RestockId} was already applied with {-applied.Delta} units");
        }
        if (c.Quantity > s.Sold) return Reject(StockRejectionCode.Invalid, $"only {s.Sold} units are sold; cannot restock {c.Quantity}");
        return Decision<IStockEvent, StockRejection>.Accept(new SaleRestocked(s.Sku, c.OrderId, c.RestockId, c.Quantity, now,
            string.IsNullOrEmpty(c.CustomerId) ? null : c.CustomerId));
    }

    private static Decision<IStockEvent, StockRejection> DecideShip(StockState s, ShipSold c, DateTimeOffset now)
    {
        if (MovementProblem(s, c.MovementId, c.Quantity, -c.Quantity, "shipment") is { } problem) return problem;
        if (s.Adjustments.TryGet(MovementKey(c.MovementId), out _)) return Decision<IStockEvent, StockRejection>.AlreadyDone;
        // Units ship only once sold: an order's reservation is committed before its shipment leaves.
        if (c.Quantity > s.Sold) return Reject(StockRejectionCode.WouldBreakInvariant, $"only {s.Sold} units are sold; cannot ship {c.Quantity}");
        return Decision<IStockEvent, StockRejection>.Accept(new SoldShipped(s.Sku, c.OrderId, c.MovementId, c.Quantity, now));
    }

    private static Decision<IStockEvent, StockRejection> DecideReceive(StockState s, ReceiveShipped c, DateTimeOffset now)
    {
        if (MovementProblem(s, c.MovementId, c.Quantity, c.Quantity, "receipt") is { } problem) return problem;
        if (s.Adjustments.TryGet(MovementKey(c.MovementId), out _)) return Decision<IStockEvent, StockRejection>.AlreadyDone;
        if (!s.Exists) return Reject(StockRejectionCode.UnknownSku, $"SKU {s.Sku} is not stocked");
        if (s.OnHand + c.Quantity > MaxUnits) return Reject(StockRejectionCode.Invalid, $"on hand would exceed {MaxUnits}");
        return Decision<IStockEvent, StockRejection>.Accept(new ShippedReceived(s.Sku, c.OrderId, c.MovementId, c.Quantity, now));
    }

    /// <summary>What is wrong with a movement of shipped units (null: nothing), a repeat with other figures included.</summary>
    private static Decision<IStockEvent, StockRejection>? MovementProblem(StockState s, string movementId, int quantity, long delta, string what)
    {
        if (!Identifiers.IsValidEntityId(movementId)) return Reject(StockRejectionCode.Invalid, $"{what} id must be " + Identifiers.EntityIdRule);
        if (quantity is < 1 or > MaxReservationQuantity) return Reject(StockRejectionCode.Invalid, $"quantity must be between 1 and {MaxReservationQuantity}");
        if (s.Adjustments.TryGet(MovementKey(movementId), out var applied) && applied.Delta != delta)
            return Reject(StockRejectionCode.AdjustmentConflict, $"{what} {movementId} was already applied with {Math.Abs(applied.Delta)} units");
        return null;
    }

    // Shipments and receipts share the adjustments' retry memory, under their own key space.
    private static string MovementKey(string movementId) => "move:" + movementId;

    private static Decision<IStockEvent, StockRejection> DecideLimit(StockState s, SetPurchaseLimit c, DateTimeOffset now)
    {
        if (c.PerCustomer is < 1) return Reject(StockRejectionCode.Invalid, "perCustomer must be 1 or more (or null for no limit)");
        if (!s.Exists) return Reject(StockRejectionCode.UnknownSku, $"SKU {s.Sku} is not stocked");
        return c.PerCustomer == s.PerCustomerLimit
            ? Decision<IStockEvent, StockRejection>.AlreadyDone
            : Decision<IStockEvent, StockRejection>.Accept(new PurchaseLimitSet(s.Sku, c.PerCustomer, now, c.By));
    }

    private static Decision<IStockEvent, StockRejection> DecideThreshold(StockState s, SetLowStockThreshold c, DateTimeOffset now)
    {
        if (c.Below is < 0 or > MaxUnits) return Reject(StockRejectionCode.Invalid, $"below must be between 0 and {MaxUnits} (0 turns alerts off)");
        if (!s.Exists) return Reject(StockRejectionCode.UnknownSku, $"SKU {s.Sku} is not stocked");
        return c.Below == s.LowStockBelow
            ? Decision<IStockEvent, StockRejection>.AlreadyDone
            : Decision<IStockEvent, StockRejection>.Accept(new LowStockThresholdSet(s.Sku, c.Below, now, c.By));
    }

    private static Decision<IStockEvent, StockRejection> DecideReplenishment(StockState s, SetReplenishmentSettings c, DateTimeOffset now)
    {
        if (c.Settings is null) return Reject(StockRejectionCode.Invalid, "replenishment settings are required");
        if (c.Settings.Errors() is { Count: > 0 } errors) return Reject(StockRejectionCode.Invalid, string.Join("; ", errors.Select(e => e.Message)));
        if (!s.Exists) return Reject(StockRejectionCode.UnknownSku, $"SKU {s.Sku} is not stocked");
        // Settings with every field empty are no settings: the SKU follows the defaults again.
        var settings = c.Settings == new ReplenishmentSettings() ? null : c.Settings;
        return settings == s.Replenishment
            ? Decision<IStockEvent, StockRejection>.AlreadyDone
            : Decision<IStockEvent, StockRejection>.Accept(new ReplenishmentSettingsSet(s.Sku, c.Settings, now, c.By));
    }

    /// <summary>
    /// How a placement of <paramref name="quantity"/> units for <paramref name="orderId"/> would fare, judged without
    /// reserving: the order already holds or settled a reservation here (a retry, or units an earlier attempt cut off by
    /// a crash left held — only its entity may answer or give them back), enough units are free, or the refusal a
    /// reservation would get.
    /// </summary>
    public static (ReservableOutcome Outcome, StockRejection? Refusal) JudgeWithoutReserving(StockState s, string orderId, int quantity)
    {
        if (s.Reservations.ContainsKey(orderId) || s.SettledOrders.TryGet(orderId, out _)) return (ReservableOutcome.HeldByOrder, null);
        if (!s.Exists) return (ReservableOutcome.Refused, new StockRejection(StockRejectionCode.UnknownSku, $"SKU {s.Sku} is not stocked"));
        return quantity > s.Available
            ? (ReservableOutcome.Refused, new StockRejection(StockRejectionCode.InsufficientStock, $"requested {quantity}, available {Math.Max(0, s.Available)}"))
            : (ReservableOutcome.Free, null);
    }

    // Restocks share the adjustments' retry memory, under their own key space (sold units returning, counted negative).
    private static string RestockKey(string restockId) => "restock:" + restockId;

    /// <summary>
    /// Changes a customer's count by units that count (<paramref name="customerId"/> null: they never counted — made
    /// without a customer, without a limit, or before the limit was last lifted).
    /// </summary>
    private static ImmutableDictionary<string, long> AddUnits(StockState s, string? customerId, long units)
    {
        if (customerId is null) return s.CustomerUnits;
        var total = s.CustomerUnits.GetValueOrDefault(customerId) + units;
        return total > 0 ? s.CustomerUnits.SetItem(customerId, total) : s.CustomerUnits.Remove(customerId);
    }

    /// <summary>A restock gives back only the sold units of the order that counted, at most as many as it puts back.</summary>
    private static StockState GiveBackRestocked(StockState s, string orderId, long units)
    {
        if (!s.CountedPurchases.TryGetValue(orderId, out var counted)) return s;
        var back = Math.Min(counted.Units, units);
        return s with
        {
            CustomerUnits = AddUnits(s, counted.CustomerId, -back),
            CountedPurchases = counted.Units > back
                ? s.CountedPurchases.SetItem(orderId, counted with { Units = counted.Units - back })
                : s.CountedPurchases.Remove(orderId),
        };
    }

    /// <summary>Opens (or replaces) an order's reservation and puts it at its place in the expiry order.</summary>
    private static StockState WithReservation(StockState s, string orderId, Reservation reservation)
    {
        var order = s.ExpiryOrder;
        if (s.Reservations.TryGetValue(orderId, out var previous)) order = order.Remove(ExpiryKey.Of(orderId, previous));
        return s with
        {
            Reservations = s.Reservations.SetItem(orderId, reservation),
            ExpiryOrder = order.Add(ExpiryKey.Of(orderId, reservation)),
        };
    }

    /// <summary>Closes an order's reservation and takes it out of the expiry order.</summary>
    private static StockState WithoutReservation(StockState s, string orderId, Reservation reservation) => s with
    {
        Reservations = s.Reservations.Remove(orderId),
        ExpiryOrder = s.ExpiryOrder.Remove(ExpiryKey.Of(orderId, reservation)),
    };

    /// <summary>The state after <paramref name="e"/>; a warehouse write is also remembered as the SKU's last change (who, when, what).</summary>
    public static StockState Evolve(StockState s, IStockEvent e)
    {
        var next = EvolveFigures(s, e);
        return StockChange.Of(e) is { } change ? next with { LastChange = change } : next;
    }

    private static StockState EvolveFigures(StockState s, IStockEvent e)
    {
        var forgetBefore = e.At - StockState.RecentRetention;
        switch (e)
        {
            case OnHandSet x:
                return s with { Exists = true, OnHand = x.OnHand, Version = x.Version, LastSetOnHand = x.OnHand };
            case OnHandAdjusted x:
                return s with
                {
                    Exists = true,
                    OnHand = s.OnHand + x.Delta,
                    Adjustments = s.Adjustments.Add(x.AdjustmentId, new AppliedAdjustment(x.Delta, x.Reason), x.At, forgetBefore),
                };
            case StockReserved x:
            {
                // Units count against their customer only while a limit is set; only counted units are given back later.
                var countedFor = s.PerCustomerLimit is null ? null : x.CustomerId;
                return WithReservation(s, x.OrderId, new Reservation(x.Quantity, x.ExpiresAt, countedFor)) with
                {
                    Reserved = s.Reserved + x.Quantity,
                    CustomerUnits = AddUnits(s, countedFor, x.Quantity),
                };
            }
            case ReservationExtended x:
                return WithReservation(s, x.OrderId, s.Reservations[x.OrderId] with { ExpiresAt = x.ExpiresAt });
            case SaleRestocked x:
                return GiveBackRestocked(s, x.OrderId, x.Quantity) with
                {
                    Sold = s.Sold - x.Quantity,
                    Adjustments = s.Adjustments.Add(RestockKey(x.RestockId), new AppliedAdjustment(-x.Quantity, AdjustmentReason.Returned), x.At, forgetBefore),
                };
            case SoldShipped x:
                return s with
                {
                    Sold = s.Sold - x.Quantity,
                    OnHand = s.OnHand - x.Quantity,
                    Adjustments = s.Adjustments.Add(MovementKey(x.MovementId), new AppliedAdjustment(-x.Quantity, AdjustmentReason.Correction), x.At, forgetBefore),
                };
            case ShippedReceived x:
                return s with
                {
                    OnHand = s.OnHand + x.Quantity,
                    Adjustments = s.Adjustments.Add(MovementKey(x.MovementId), new AppliedAdjustment(x.Quantity, AdjustmentReason.Returned), x.At, forgetBefore),
                };
            case PurchaseLimitSet x when x.PerCustomer is null:
                // Counting starts with the limit; lifting it forgets the counts, and what was counted counts no more.
                // O(open reservations), but a limit is lifted rarely; no expiry changes, so the expiry order stays.
                return s with
                {
                    PerCustomerLimit = null,
                    CustomerUnits = s.CustomerUnits.Clear(),
                    CountedPurchases = s.CountedPurchases.Clear(),
                    Reservations = s.Reservations.Any(kv => kv.Value.CustomerId is not null)
                        ? s.Reservations.ToImmutableDictionary(kv => kv.Key, kv => kv.Value with { CustomerId = null }, StringComparer.Ordinal)
                        : s.Reservations,
                };
            case PurchaseLimitSet x:
                return s with { PerCustomerLimit = x.PerCustomer };
            case LowStockThresholdSet x:
                return s with { LowStockBelow = x.Below };
            case LowStockRaised:
                return s with { LowStockOpen = true };
            case LowStockCleared:
                return s with { LowStockOpen = false };
            case ReplenishmentSettingsSet x:
                return s with { Replenishment = x.Settings == new ReplenishmentSettings() ? null : x.Settings };
            case ReservationCommitted x:
            {
                // Counted units stay counted once sold, until a restock puts them back on sale.
                var open = s.Reservations[x.OrderId];
                var countedFor = open.CustomerId;
                return WithoutReservation(s, x.OrderId, open) with
                {
                    Reserved = s.Reserved - x.Quantity,
                    Sold = s.Sold + x.Quantity,
                    SettledOrders = s.SettledOrders.Add(x.OrderId, ReservationOutcome.Committed, x.At, forgetBefore),
                    CountedPurchases = countedFor is null
                        ? s.CountedPurchases
                        : s.CountedPurchases.SetItem(x.OrderId, new CountedPurchase(countedFor,
                            x.Quantity + (s.CountedPurchases.TryGetValue(x.OrderId, out var earlier) && earlier.CustomerId == countedFor ? earlier.Units : 0))),
                };
            }
            case ReservationReleased x:
            {
                var open = s.Reservations[x.OrderId];
                return WithoutReservation(s, x.OrderId, open) with
                {
                    Reserved = s.Reserved - x.Quantity,
                    CustomerUnits = AddUnits(s, open.CustomerId, -x.Quantity),
                    SettledOrders = x.Unplaced ? s.SettledOrders : s.SettledOrders.Add(x.OrderId, ReservationOutcome.Released, x.At, forgetBefore),
                };
            }
            case ReservationsExpired x:
            {
                var state = s;
                foreach (var r in x.Reservations)
                {
                    var open = state.Reservations[r.OrderId];
                    state = WithoutReservation(state, r.OrderId, open) with
                    {
                        CustomerUnits = AddUnits(state, open.CustomerId, -r.Quantity),
                        Reserved = state.Reserved - r.Quantity,
                        SettledOrders = state.SettledOrders.Add(r.OrderId, ReservationOutcome.Expired, x.At, forgetBefore),
                    };
                }
                return state;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name, "unknown stock event");
        }
    }

    /// <summary>Folds events into a state, as recovery does.</summary>
    public static StockState Fold(StockState s, IEnumerable<IStockEvent> events)
    {
        foreach (var e in events) s = Evolve(s, e);
        return s;
    }
}
