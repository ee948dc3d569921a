using System.Collections.Immutable;
using OrderEngine.Domain.Stock;
using static OrderEngine.Domain.Tests.StockTestKit;

namespace OrderEngine.Domain.Tests;

/// <summary>One example per rule of the stock decider: given events, when a command, then events or a rejection.</summary>
public class StockDeciderTests
{
    // The SKU's last warehouse write after Set(10) of the test kit (no one named).
    private static readonly StockChange SetAtT0 = new(null, T0, "on hand set to 10 (version 1)");

    // ---------------------------------------------------------------- SetOnHand

    [Fact]
    public void Setting_on_hand_creates_the_sku()
    {
        var d = When(Given(), new SetOnHand(Sku, 10, 1));

        Assert.Equal(new OnHandSet(Sku, 10, 1, T0), SingleEvent(d));
        var s = StockDecider.Fold(Given(), d.Events);
        Assert.True(s.Exists);
        Assert.Equal(new StockView(Sku, 10, 0, 0, 10, 1, LastChange: new(null, T0, "on hand set to 10 (version 1)")), s.ToView());
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(StockDecider.MaxUnits + 1)]
    public void Setting_a_negative_or_oversized_count_is_invalid(long onHand)
    {
        Rejected(When(Given(), new SetOnHand(Sku, onHand, 1)), StockRejectionCode.Invalid);
    }

    [Fact]
    public void Setting_the_largest_allowed_count_is_accepted()
    {
        Assert.IsType<OnHandSet>(SingleEvent(When(Given(), new SetOnHand(Sku, StockDecider.MaxUnits, 1))));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-3L)]
    public void Setting_with_a_version_below_one_is_invalid(long version)
    {
        Rejected(When(Given(), new SetOnHand(Sku, 5, version)), StockRejectionCode.Invalid);
    }

    [Fact]
    public void Setting_with_an_older_version_is_refused_as_stale()
    {
        var r = Rejected(When(Given(Set(10, version: 5)), new SetOnHand(Sku, 12, 4)), StockRejectionCode.StaleVersion);
        Assert.Contains("version 4", r.Message);
    }

    [Fact]
    public void Repeating_a_set_with_the_same_version_and_count_changes_nothing()
    {
        NoOp(When(Given(Set(10, version: 5)), new SetOnHand(Sku, 10, 5)));
    }

    [Fact]
    public void Repeating_a_set_after_later_adjustments_still_changes_nothing()
    {
        // The retry is recognised by the count it set, not by the current count.
        var s = Given(Set(10, version: 5), new OnHandAdjusted(Sku, "adj-1", 3, AdjustmentReason.Received, null, T0));

        NoOp(When(s, new SetOnHand(Sku, 10, 5)));
    }

    [Fact]
    public void Reusing_a_version_with_another_count_is_a_conflict()
    {
        Rejected(When(Given(Set(10, version: 5)), new SetOnHand(Sku, 11, 5)), StockRejectionCode.VersionConflict);
    }

    [Fact]
    public void Setting_below_reserved_plus_sold_is_refused()
    {
        var s = Given(Set(10), Reserved("o-1", 2), Committed("o-1", 2), Reserved("o-2", 3)); // sold 2, reserved 3

        var r = Rejected(When(s, new SetOnHand(Sku, 4, 2)), StockRejectionCode.WouldBreakInvariant);
        Assert.Contains("3 reserved", r.Message);
        Assert.Contains("2 sold", r.Message);
        Assert.Equal(new OnHandSet(Sku, 5, 2, T0), SingleEvent(When(s, new SetOnHand(Sku, 5, 2))));
    }

    // ---------------------------------------------------------------- AdjustOnHand

    [Fact]
    public void Adjusting_adds_the_delta_to_on_hand()
    {
        var d = When(Given(Set(10)), new AdjustOnHand(Sku, "adj-1", -4, AdjustmentReason.Damaged, "dropped"));

        Assert.Equal(new OnHandAdjusted(Sku, "adj-1", -4, AdjustmentReason.Damaged, "dropped", T0), SingleEvent(d));
        Assert.Equal(6, StockDecider.Fold(Given(Set(10)), d.Events).OnHand);
    }

    [Fact]
    public void Adjusting_by_zero_is_invalid()
    {
        Rejected(When(Given(Set(10)), new AdjustOnHand(Sku, "adj-1", 0, AdjustmentReason.Correction)), StockRejectionCode.Invalid);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("-leading-dash")]
    [InlineData("has space")]
    [InlineData("ümlaut")]
    [InlineData("a2345678901234567890123456789012345678901234567890123456789012345")] // 65 characters
    public void Adjusting_with_a_malformed_id_is_invalid(string adjustmentId)
    {
        Rejected(When(Given(Set(10)), new AdjustOnHand(Sku, adjustmentId, 1, AdjustmentReason.Received)), StockRejectionCode.Invalid);
    }

    [Theory]
    [InlineData(StockDecider.MaxUnits + 1)]
    [InlineData(-StockDecider.MaxUnits - 1)]
    public void Adjusting_by_more_than_the_largest_delta_is_invalid(long delta)
    {
        Rejected(When(Given(Set(10)), new AdjustOnHand(Sku, "adj-1", delta, AdjustmentReason.Correction)), StockRejectionCode.Invalid);
    }

    [Fact]
    public void Adjusting_with_an_undefined_reason_is_invalid()
    {
        Rejected(When(Given(Set(10)), new AdjustOnHand(Sku, "adj-1", 1, (AdjustmentReason)99)), StockRejectionCode.Invalid);
    }

    [Fact]
    public void Adjusting_with_a_note_over_500_characters_is_invalid()
    {
        Rejected(When(Given(Set(10)), new AdjustOnHand(Sku, "adj-1", 1, AdjustmentReason.Received, new string('n', 501))), StockRejectionCode.Invalid);
        Assert.IsType<OnHandAdjusted>(SingleEvent(When(Given(Set(10)), new AdjustOnHand(Sku, "adj-1", 1, AdjustmentReason.Received, new string('n', 500)))));
    }

    [Fact]
    public void Retrying_an_adjustment_with_the_same_id_changes_nothing()
    {
        var s = Apply(Given(Set(10)), new AdjustOnHand(Sku, "adj-1", 5, AdjustmentReason.Received));

        NoOp(When(s, new AdjustOnHand(Sku, "adj-1", 5, AdjustmentReason.Received), T0.AddHours(1)));
        Assert.Equal(15, s.OnHand);
    }

    [Theory]
    [InlineData(6L, AdjustmentReason.Received)]
    [InlineData(5L, AdjustmentReason.Returned)]
    public void Reusing_an_adjustment_id_with_another_delta_or_reason_is_a_conflict(long delta, AdjustmentReason reason)
    {
        var s = Apply(Given(Set(10)), new AdjustOnHand(Sku, "adj-1", 5, AdjustmentReason.Received));

        var r = Rejected(When(s, new AdjustOnHand(Sku, "adj-1", delta, reason)), StockRejectionCode.AdjustmentConflict);
        Assert.Contains("adj-1", r.Message);
    }

    [Fact]
    public void Adjusting_below_reserved_plus_sold_is_refused()
    {
        var s = Given(Set(10), Reserved("o-1", 3), Committed("o-1", 3), Reserved("o-2", 4)); // 3 left available

        Rejected(When(s, new AdjustOnHand(Sku, "adj-1", -4, AdjustmentReason.Damaged)), StockRejectionCode.WouldBreakInvariant);
        Assert.IsType<OnHandAdjusted>(SingleEvent(When(s, new AdjustOnHand(Sku, "adj-1", -3, AdjustmentReason.Damaged))));
    }

    [Fact]
    public void Adjusting_above_the_largest_count_is_invalid()
    {
        var s = Given(Set(StockDecider.MaxUnits - 1));

        Rejected(When(s, new AdjustOnHand(Sku, "adj-1", 2, AdjustmentReason.Received)), StockRejectionCode.Invalid);
        Assert.IsType<OnHandAdjusted>(SingleEvent(When(s, new AdjustOnHand(Sku, "adj-1", 1, AdjustmentReason.Received))));
    }

    [Fact]
    public void A_positive_adjustment_creates_the_sku()
    {
        var s = Apply(Given(), new AdjustOnHand(Sku, "adj-1", 7, AdjustmentReason.Received));

        Assert.True(s.Exists);
        Assert.Equal(7, s.Available);
        Assert.Equal(0, s.Version);
    }

    [Fact]
    public void A_negative_adjustment_of_an_unstocked_sku_is_refused()
    {
        Rejected(When(Given(), new AdjustOnHand(Sku, "adj-1", -1, AdjustmentReason.Damaged)), StockRejectionCode.WouldBreakInvariant);
    }

    // ---------------------------------------------------------------- ReserveStock

    [Fact]
    public void Reserving_holds_units_for_the_order_until_its_expiry()
    {
        var expires = T0.AddMinutes(15);
        var d = When(Given(Set(10)), new ReserveStock(Sku, "o-1", 4, expires));

        Assert.Equal(new StockReserved(Sku, "o-1", 4, expires, T0), SingleEvent(d));
        var s = StockDecider.Fold(Given(Set(10)), d.Events);
        Assert.Equal(new StockView(Sku, 10, 4, 0, 6, 1, LastChange: SetAtT0), s.ToView());
        Assert.Equal(new Reservation(4, expires), s.Reservations["o-1"]);
        Assert.Equal(expires, s.NextExpiry);
    }

    [Fact]
    public void Reserving_an_unstocked_sku_is_refused_as_unknown()
    {
        Rejected(When(Given(), new ReserveStock(Sku, "o-1", 1, T0.AddMinutes(15))), StockRejectionCode.UnknownSku);
    }

    [Fact]
    public void Reserving_more_than_available_is_refused()
    {
        var s = Given(Set(10), Reserved("o-0", 5));

        var r = Rejected(When(s, new ReserveStock(Sku, "o-1", 6, T0.AddMinutes(15))), StockRejectionCode.InsufficientStock);
        Assert.Equal("requested 6, available 5", r.Message);
    }

    [Fact]
    public void Reserving_exactly_the_available_units_is_accepted()
    {
        var s = Given(Set(10), Reserved("o-0", 5));

        var s2 = StockDecider.Fold(s, When(s, new ReserveStock(Sku, "o-1", 5, T0.AddMinutes(15))).Events);
        Assert.Equal(0, s2.Available);
    }

    [Fact]
    public void Repeating_a_reservation_with_the_same_quantity_changes_nothing()
    {
        var s = Given(Set(10), Reserved("o-1", 4));

        // Even when stock has run out meanwhile: the order already holds its units.
        var drained = Apply(s, new ReserveStock(Sku, "o-2", 6, T0.AddMinutes(15)));
        NoOp(When(drained, new ReserveStock(Sku, "o-1", 4, T0.AddMinutes(15))));
    }

    [Fact]
    public void Repeating_a_reservation_with_another_quantity_is_a_conflict()
    {
        var r = Rejected(When(Given(Set(10), Reserved("o-1", 4)), new ReserveStock(Sku, "o-1", 3, T0.AddMinutes(15))), StockRejectionCode.ReservationConflict);
        Assert.Contains("4", r.Message);
    }

    [Fact]
    public void Reserving_again_after_commit_is_accepted_without_change()
    {
        NoOp(When(Given(Set(10), Reserved("o-1", 4), Committed("o-1", 4)), new ReserveStock(Sku, "o-1", 4, T0.AddMinutes(15))));
    }

    [Fact]
    public void Reserving_again_after_release_is_refused_as_closed()
    {
        var r = Rejected(When(Given(Set(10), Reserved("o-1", 4), Released("o-1", 4)), new ReserveStock(Sku, "o-1", 4, T0.AddMinutes(15))),
            StockRejectionCode.ReservationClosed);
        Assert.Contains("released", r.Message);
    }

    [Fact]
    public void A_release_for_an_order_never_placed_is_not_remembered_so_its_retry_may_reserve_again()
    {
        var s = Apply(Given(Set(10), Reserved("o-1", 4)), new ReleaseReservation(Sku, "o-1", Unplaced: true));

        Assert.Equal((0L, 10L), (s.Reserved, s.Available));
        Assert.False(s.SettledOrders.TryGet("o-1", out _));
        Assert.IsType<StockReserved>(SingleEvent(When(s, new ReserveStock(Sku, "o-1", 4, T0.AddMinutes(15)))));
    }

    [Fact]
    public void Reserving_again_after_expiry_is_refused_as_closed()
    {
        var s = Given(Set(10), Reserved("o-1", 4), new ReservationsExpired(Sku, [new ExpiredReservation("o-1", 4)], T0.AddMinutes(20)));

        var r = Rejected(When(s, new ReserveStock(Sku, "o-1", 4, T0.AddMinutes(40)), T0.AddMinutes(21)), StockRejectionCode.ReservationClosed);
        Assert.Contains("expired", r.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(StockDecider.MaxReservationQuantity + 1)]
    public void Reserving_an_invalid_quantity_is_invalid(int quantity)
    {
        Rejected(When(Given(Set(StockDecider.MaxUnits)), new ReserveStock(Sku, "o-1", quantity, T0.AddMinutes(15))), StockRejectionCode.Invalid);
    }

    [Fact]
    public void Reserving_the_largest_quantity_is_accepted()
    {
        Assert.IsType<StockReserved>(SingleEvent(When(Given(Set(StockDecider.MaxUnits)),
            new ReserveStock(Sku, "o-1", StockDecider.MaxReservationQuantity, T0.AddMinutes(15)))));
    }

    [Fact]
    public void Reserving_for_a_malformed_order_id_is_invalid()
    {
        Rejected(When(Given(Set(10)), new ReserveStock(Sku, "o 1", 1, T0.AddMinutes(15))), StockRejectionCode.Invalid);
    }

    // ---------------------------------------------------------------- CommitReservation

    [Fact]
    public void Committing_moves_reserved_units_to_sold()
    {
        var s = Given(Set(10), Reserved("o-1", 4), Reserved("o-2", 1));

        var d = When(s, new CommitReservation(Sku, "o-1"), T0.AddMinutes(3));
        Assert.Equal(new ReservationCommitted(Sku, "o-1", 4, T0.AddMinutes(3)), SingleEvent(d));

        var after = StockDecider.Fold(s, d.Events);
        Assert.Equal(new StockView(Sku, 10, 1, 4, 5, 1, LastChange: SetAtT0), after.ToView());
        Assert.False(after.Reservations.ContainsKey("o-1"));
        Assert.True(after.SettledOrders.TryGet("o-1", out var outcome));
        Assert.Equal(ReservationOutcome.Committed, outcome);
    }

    [Fact]
    public void Repeating_a_commit_changes_nothing()
    {
        NoOp(When(Given(Set(10), Reserved("o-1", 4), Committed("o-1", 4)), new CommitReservation(Sku, "o-1")));
    }

    [Fact]
    public void Committing_without_a_reservation_is_refused_as_not_found()
    {
        Rejected(When(Given(Set(10)), new CommitReservation(Sku, "o-1")), StockRejectionCode.ReservationNotFound);
    }

    [Fact]
    public void Committing_after_release_is_refused_as_closed()
    {
        Rejected(When(Given(Set(10), Reserved("o-1", 4), Released("o-1", 4)), new CommitReservation(Sku, "o-1")), StockRejectionCode.ReservationClosed);
    }

    [Fact]
    public void Committing_after_expiry_is_refused_as_closed()
    {
        var s = Given(Set(10), Reserved("o-1", 4), new ReservationsExpired(Sku, [new ExpiredReservation("o-1", 4)], T0.AddMinutes(20)));

        Rejected(When(s, new CommitReservation(Sku, "o-1"), T0.AddMinutes(21)), StockRejectionCode.ReservationClosed);
    }

    // ---------------------------------------------------------------- ReleaseReservation

    [Fact]
    public void Releasing_returns_the_units_to_available()
    {
        var s = Given(Set(10), Reserved("o-1", 4));

        var d = When(s, new ReleaseReservation(Sku, "o-1"));
        Assert.Equal(new ReservationReleased(Sku, "o-1", 4, T0), SingleEvent(d));

        var after = StockDecider.Fold(s, d.Events);
        Assert.Equal(new StockView(Sku, 10, 0, 0, 10, 1, LastChange: SetAtT0), after.ToView());
        Assert.True(after.SettledOrders.TryGet("o-1", out var outcome));
        Assert.Equal(ReservationOutcome.Released, outcome);
    }

    [Fact]
    public void Releasing_when_nothing_is_held_changes_nothing()
    {
        NoOp(When(Given(Set(10)), new ReleaseReservation(Sku, "never-reserved")));
        NoOp(When(Given(), new ReleaseReservation(Sku, "never-reserved")));
    }

    [Fact]
    public void Repeating_a_release_changes_nothing()
    {
        NoOp(When(Given(Set(10), Reserved("o-1", 4), Released("o-1", 4)), new ReleaseReservation(Sku, "o-1")));
    }

    [Fact]
    public void Releasing_after_commit_is_refused_as_closed()
    {
        var r = Rejected(When(Given(Set(10), Reserved("o-1", 4), Committed("o-1", 4)), new ReleaseReservation(Sku, "o-1")),
            StockRejectionCode.ReservationClosed);
        Assert.Contains("sold", r.Message);
    }

    // ---------------------------------------------------------------- ExpireDueReservations

    [Fact]
    public void Expiring_releases_only_reservations_past_expiry_plus_grace()
    {
        var s = Given(Set(20),
            Reserved("o-early", 1, expiresAt: TestTime.Min(1)),
            Reserved("o-edge", 2, expiresAt: TestTime.Min(5)),
            Reserved("o-late", 3, expiresAt: TestTime.Min(6)));

        // now 7m, grace 2m: due are those expiring at or before 5m.
        var d = When(s, new ExpireDueReservations(Sku, TimeSpan.FromMinutes(2)), TestTime.Min(7));

        var e = Assert.IsType<ReservationsExpired>(SingleEvent(d));
        Assert.Equal(TestTime.Min(7), e.At);
        Assert.Equal([new ExpiredReservation("o-early", 1), new ExpiredReservation("o-edge", 2)], e.Reservations.ToArray());

        var after = StockDecider.Fold(s, d.Events);
        Assert.Equal(3, after.Reserved);
        Assert.Equal(["o-late"], after.Reservations.Keys);
        Assert.True(after.SettledOrders.TryGet("o-edge", out var outcome));
        Assert.Equal(ReservationOutcome.Expired, outcome);
    }

    [Fact]
    public void Expired_reservations_are_listed_by_expiry_then_order_id()
    {
        var s = Given(Set(20),
            Reserved("o-c", 1, expiresAt: TestTime.Min(3)),
            Reserved("o-b", 1, expiresAt: TestTime.Min(1)),
            Reserved("o-z", 1, expiresAt: TestTime.Min(2)),
            Reserved("o-a", 1, expiresAt: TestTime.Min(2)));

        var e = Assert.IsType<ReservationsExpired>(SingleEvent(When(s, new ExpireDueReservations(Sku, TimeSpan.Zero), TestTime.Min(10))));

        Assert.Equal(["o-b", "o-a", "o-z", "o-c"], e.Reservations.Select(r => r.OrderId));
    }

    [Fact]
    public void Expiring_with_nothing_due_emits_no_event()
    {
        var s = Given(Set(20), Reserved("o-1", 1, expiresAt: TestTime.Min(5)));

        NoOp(When(s, new ExpireDueReservations(Sku, TimeSpan.FromMinutes(1)), TestTime.Min(5).AddTicks(TimeSpan.TicksPerMinute - 1)));
        NoOp(When(Given(Set(20)), new ExpireDueReservations(Sku, TimeSpan.Zero), TestTime.Min(500)));
    }

    [Fact]
    public void Expiring_with_a_negative_grace_is_invalid()
    {
        var s = Given(Set(20), Reserved("o-1", 1, expiresAt: TestTime.Min(5)));

        Rejected(When(s, new ExpireDueReservations(Sku, TimeSpan.FromTicks(-1)), TestTime.Min(60)), StockRejectionCode.Invalid);
    }

    // ---------------------------------------------------------------- Evolve and the invariant

    [Fact]
    public void Every_accepted_command_keeps_the_state_consistent()
    {
        var commands = new (IStockCommand Command, int AtMinute)[]
        {
            (new AdjustOnHand(Sku, "adj-1", 8, AdjustmentReason.Received), 0),
            (new SetOnHand(Sku, 10, 1), 1),
            (new ReserveStock(Sku, "o-1", 3, TestTime.Min(10)), 2),
            (new ReserveStock(Sku, "o-2", 4, TestTime.Min(5)), 2),
            (new ReserveStock(Sku, "o-3", 2, TestTime.Min(30)), 3),
            (new CommitReservation(Sku, "o-1"), 4),
            (new ExpireDueReservations(Sku, TimeSpan.Zero), 6),
            (new AdjustOnHand(Sku, "adj-2", -2, AdjustmentReason.Damaged), 7),
            (new ReleaseReservation(Sku, "o-3"), 8),
            (new SetOnHand(Sku, 3, 2), 9),
        };
        var s = Given();
        foreach (var (command, minute) in commands)
        {
            s = Apply(s, command, TestTime.Min(minute));
            Assert.True(s.IsConsistent, $"inconsistent after {command}: {s.ToView()}");
        }
        Assert.Equal(new StockView(Sku, 3, 0, 3, 0, 2, LastChange: new(null, TestTime.Min(9), "on hand set to 3 (version 2)")), s.ToView());
    }

    [Fact]
    public void Is_consistent_detects_counters_that_disagree()
    {
        var ok = Given(Set(10), Reserved("o-1", 4));
        Assert.True(ok.IsConsistent);

        Assert.False((ok with { Reserved = 3 }).IsConsistent);          // counter differs from the open reservations
        Assert.False((ok with { Sold = 7 }).IsConsistent);              // reserved + sold > on hand
        Assert.False((ok with { OnHand = -1, Reserved = 0, Reservations = ImmutableDictionary<string, Reservation>.Empty }).IsConsistent);
    }

    [Fact]
    public void Evolving_an_unknown_event_throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => StockDecider.Evolve(Given(), new UnknownStockEvent(Sku, T0)));
    }

    [Fact]
    public void Deciding_an_unknown_command_throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => When(Given(), new UnknownStockCommand(Sku)));
    }

    private sealed record UnknownStockEvent(string Sku, DateTimeOffset At) : IStockEvent;

    private sealed record UnknownStockCommand(string Sku) : IStockCommand;

    // ---------------------------------------------------------------- retention of settled ids

    [Fact]
    public void A_settled_order_is_forgotten_once_a_later_settlement_is_more_than_a_day_newer()
    {
        var later = T0 + StockState.RecentRetention + TimeSpan.FromSeconds(1);
        var s = Given(Set(10), Reserved("o-1", 2), Committed("o-1", 2), Reserved("o-2", 1, at: later), Committed("o-2", 1, at: later));

        Assert.False(s.SettledOrders.TryGet("o-1", out _));
        Assert.True(s.SettledOrders.TryGet("o-2", out _));
        // Forgotten means a late retry is treated as new: the window is what bounds idempotency.
        Assert.IsType<StockReserved>(SingleEvent(When(s, new ReserveStock(Sku, "o-1", 2, later.AddMinutes(15)), later)));
    }

    [Fact]
    public void A_settled_order_is_still_remembered_exactly_a_day_later()
    {
        var later = T0 + StockState.RecentRetention;
        var s = Given(Set(10), Reserved("o-1", 2), Committed("o-1", 2), Reserved("o-2", 1, at: later), Committed("o-2", 1, at: later));

        Assert.True(s.SettledOrders.TryGet("o-1", out _));
        NoOp(When(s, new ReserveStock(Sku, "o-1", 2, later.AddMinutes(15)), later));
    }

    [Fact]
    public void An_applied_adjustment_is_forgotten_after_the_retention()
    {
        var later = T0 + StockState.RecentRetention + TimeSpan.FromTicks(1);
        var s = Given(Set(10),
            new OnHandAdjusted(Sku, "adj-1", 1, AdjustmentReason.Received, null, T0),
            new OnHandAdjusted(Sku, "adj-2", 1, AdjustmentReason.Received, null, later));

        Assert.False(s.Adjustments.TryGet("adj-1", out _));
        Assert.True(s.Adjustments.TryGet("adj-2", out _));
        Assert.Equal(12, s.OnHand);
    }
}

/// <summary>Judging a placement of a sold-out SKU without reserving: refuse, or let it go ahead to its order.</summary>
public sealed class StockJudgingWithoutReservingTests
{
    private static readonly DateTimeOffset Expires = StockTestKit.T0.AddMinutes(15);

    private static StockState SoldOut() => StockTestKit.Apply(StockTestKit.Given(new OnHandSet(StockTestKit.Sku, 2, 1, StockTestKit.T0)),
        new ReserveStock(StockTestKit.Sku, "o-1", 2, Expires));

    [Fact]
    public void A_new_order_for_more_than_is_free_is_refused_as_a_reservation_would_be()
    {
        var (outcome, refusal) = StockDecider.JudgeWithoutReserving(SoldOut(), "o-2", 1);

        Assert.Equal(ReservableOutcome.Refused, outcome);
        Assert.Equal(StockRejectionCode.InsufficientStock, refusal!.Code);
        Assert.Equal(StockDecider.Decide(SoldOut(), new ReserveStock(StockTestKit.Sku, "o-2", 1, Expires), StockTestKit.T0).Rejection, refusal);
    }

    [Fact]
    public void An_order_that_already_holds_units_here_is_left_to_its_entity()
    {
        Assert.Equal((ReservableOutcome.HeldByOrder, (StockRejection?)null), StockDecider.JudgeWithoutReserving(SoldOut(), "o-1", 2));
    }

    [Fact]
    public void An_order_whose_units_were_sold_here_is_left_to_its_entity()
    {
        var sold = StockTestKit.Apply(SoldOut(), new CommitReservation(StockTestKit.Sku, "o-1"));

        Assert.Equal(ReservableOutcome.HeldByOrder, StockDecider.JudgeWithoutReserving(sold, "o-1", 2).Outcome);
    }

    [Fact]
    public void Free_units_let_a_placement_go_ahead()
    {
        var restocked = StockTestKit.Apply(SoldOut(), new AdjustOnHand(StockTestKit.Sku, "adj-1", 1, AdjustmentReason.Received));

        Assert.Equal(ReservableOutcome.Free, StockDecider.JudgeWithoutReserving(restocked, "o-2", 1).Outcome);
        Assert.Equal(ReservableOutcome.Refused, StockDecider.JudgeWithoutReserving(restocked, "o-2", 2).Outcome);
    }

    [Fact]
    public void An_unknown_sku_is_refused_as_unknown()
    {
        Assert.Equal(StockRejectionCode.UnknownSku, StockDecider.JudgeWithoutReserving(StockState.Initial("nope"), "o-1", 1).Refusal!.Code);
    }
}
