using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using OrderEngine.Domain.Stock;
using static OrderEngine.Domain.Tests.StockTestKit;

namespace OrderEngine.Domain.Tests;

/// <summary>One example per rule of ExtendReservation, RestockSale and SetPurchaseLimit (the flash sale's per-buyer limit).</summary>
public class StockLimitAndRestockTests
{
    private static StockReserved ReservedBy(string orderId, int qty, string customer, DateTimeOffset? expiresAt = null) =>
        Reserved(orderId, qty, expiresAt) with { CustomerId = customer };

    private static PurchaseLimitSet Limit(int? perCustomer) => new(Sku, perCustomer, T0);

    private static ReserveStock Reserve(string orderId, int qty, string? customer = "c-1") => new(Sku, orderId, qty, T0.AddMinutes(15), customer);

    // ---------------------------------------------------------------- ExtendReservation

    [Fact]
    public void Extending_an_open_reservation_moves_its_expiry_later()
    {
        var s = Given(Set(10), Reserved("o-1", 3));

        var d = When(s, new ExtendReservation(Sku, "o-1", T0.AddMinutes(45)), T0.AddMinutes(5));

        Assert.Equal(new ReservationExtended(Sku, "o-1", T0.AddMinutes(45), T0.AddMinutes(5)), SingleEvent(d));
        var after = StockDecider.Fold(s, d.Events);
        Assert.Equal(new Reservation(3, T0.AddMinutes(45)), after.Reservations["o-1"]);
        Assert.Equal((10L, 3L, 0L, 7L), (after.OnHand, after.Reserved, after.Sold, after.Available));
        Assert.Equal(T0.AddMinutes(45), after.NextExpiry);
        Assert.True(after.IsConsistent);
    }

    [Fact]
    public void Extending_to_the_same_or_an_earlier_expiry_changes_nothing()
    {
        var s = Given(Set(10), Reserved("o-1", 3, T0.AddMinutes(15)));

        NoOp(When(s, new ExtendReservation(Sku, "o-1", T0.AddMinutes(15))));
        NoOp(When(s, new ExtendReservation(Sku, "o-1", T0.AddMinutes(5))));
    }

    [Fact]
    public void An_extended_reservation_expires_at_its_new_expiry()
    {
        var s = Apply(Given(Set(10), Reserved("o-1", 3, T0.AddMinutes(15))), new ExtendReservation(Sku, "o-1", T0.AddMinutes(60)), T0.AddMinutes(10));

        NoOp(When(s, new ExpireDueReservations(Sku, TimeSpan.Zero), T0.AddMinutes(30)));
        var e = Assert.IsType<ReservationsExpired>(SingleEvent(When(s, new ExpireDueReservations(Sku, TimeSpan.Zero), T0.AddMinutes(60))));
        Assert.Equal([new ExpiredReservation("o-1", 3)], e.Reservations.ToArray());
    }

    [Theory]
    [InlineData("committed")]
    [InlineData("released")]
    [InlineData("expired")]
    public void Extending_a_settled_reservation_is_refused_as_closed(string outcome)
    {
        var s = Given(Set(10), Reserved("o-1", 3));
        s = outcome switch
        {
            "committed" => StockDecider.Fold(s, [Committed("o-1", 3)]),
            "released" => StockDecider.Fold(s, [Released("o-1", 3)]),
            _ => StockDecider.Fold(s, [new ReservationsExpired(Sku, [new ExpiredReservation("o-1", 3)], T0.AddMinutes(15))]),
        };

        var r = Rejected(When(s, new ExtendReservation(Sku, "o-1", T0.AddMinutes(60)), T0.AddMinutes(16)), StockRejectionCode.ReservationClosed);
        Assert.Contains(outcome, r.Message);
    }

    [Fact]
    public void Extending_a_reservation_that_does_not_exist_is_refused_as_not_found()
    {
        Rejected(When(Given(Set(10)), new ExtendReservation(Sku, "o-9", T0.AddMinutes(60))), StockRejectionCode.ReservationNotFound);
    }

    // ---------------------------------------------------------------- RestockSale

    [Fact]
    public void Restocking_puts_sold_units_back_on_sale()
    {
        var s = Given(Set(10), Reserved("o-1", 4), Committed("o-1", 4));

        var d = When(s, new RestockSale(Sku, "o-1", "rs-1", 3), T0.AddMinutes(1));

        Assert.Equal(new SaleRestocked(Sku, "o-1", "rs-1", 3, T0.AddMinutes(1)), SingleEvent(d));
        var after = StockDecider.Fold(s, d.Events);
        Assert.Equal((10L, 0L, 1L, 9L), (after.OnHand, after.Reserved, after.Sold, after.Available));
        Assert.True(after.IsConsistent);
    }

    [Fact]
    public void Repeating_a_restock_with_the_same_id_changes_nothing()
    {
        var s = Apply(Given(Set(10), Reserved("o-1", 4), Committed("o-1", 4)), new RestockSale(Sku, "o-1", "rs-1", 2));

        NoOp(When(s, new RestockSale(Sku, "o-1", "rs-1", 2), T0.AddMinutes(5)));
        Assert.Equal(2, s.Sold);
    }

    [Fact]
    public void Reusing_a_restock_id_with_another_quantity_is_a_conflict()
    {
        var s = Apply(Given(Set(10), Reserved("o-1", 4), Committed("o-1", 4)), new RestockSale(Sku, "o-1", "rs-1", 2));

        Rejected(When(s, new RestockSale(Sku, "o-1", "rs-1", 1)), StockRejectionCode.RestockConflict);
    }

    [Fact]
    public void Restocking_more_than_is_sold_is_refused()
    {
        var s = Given(Set(10), Reserved("o-1", 4), Committed("o-1", 4), Reserved("o-2", 5));

        var r = Rejected(When(s, new RestockSale(Sku, "o-1", "rs-1", 5)), StockRejectionCode.Invalid);
        Assert.Contains("only 4 units are sold", r.Message);
        Assert.IsType<SaleRestocked>(SingleEvent(When(s, new RestockSale(Sku, "o-1", "rs-1", 4))));
        Rejected(When(Given(Set(10)), new RestockSale(Sku, "o-1", "rs-1", 1)), StockRejectionCode.Invalid);
    }

    [Theory]
    [InlineData("", 1)]
    [InlineData("rs 1", 1)]
    [InlineData("rs-1", 0)]
    [InlineData("rs-1", -1)]
    [InlineData("rs-1", StockDecider.MaxReservationQuantity + 1)]
    public void A_restock_with_a_malformed_id_or_quantity_is_invalid(string restockId, int quantity)
    {
        Rejected(When(Given(Set(10), Reserved("o-1", 4), Committed("o-1", 4)), new RestockSale(Sku, "o-1", restockId, quantity)), StockRejectionCode.Invalid);
    }

    [Fact]
    public void Restock_ids_and_adjustment_ids_do_not_collide()
    {
        var s = Apply(Given(Set(10), Reserved("o-1", 4), Committed("o-1", 4)), new AdjustOnHand(Sku, "x-1", 5, AdjustmentReason.Received));

        Assert.IsType<SaleRestocked>(SingleEvent(When(s, new RestockSale(Sku, "o-1", "x-1", 2))));
        var restocked = Apply(s, new RestockSale(Sku, "o-1", "x-1", 2));
        NoOp(When(restocked, new AdjustOnHand(Sku, "x-1", 5, AdjustmentReason.Received)));
    }

    // ---------------------------------------------------------------- SetPurchaseLimit

    [Fact]
    public void Setting_a_purchase_limit_records_it()
    {
        var d = When(Given(Set(10)), new SetPurchaseLimit(Sku, 2));

        Assert.Equal(new PurchaseLimitSet(Sku, 2, T0), SingleEvent(d));
        var s = StockDecider.Fold(Given(Set(10)), d.Events);
        Assert.Equal(2, s.PerCustomerLimit);
        Assert.Equal(2, s.ToView().PerCustomerLimit);
    }

    [Fact]
    public void Setting_the_limit_in_force_again_changes_nothing()
    {
        NoOp(When(Given(Set(10), Limit(2)), new SetPurchaseLimit(Sku, 2)));
        NoOp(When(Given(Set(10)), new SetPurchaseLimit(Sku, null)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void A_limit_below_one_is_invalid(int perCustomer)
    {
        Rejected(When(Given(Set(10)), new SetPurchaseLimit(Sku, perCustomer)), StockRejectionCode.Invalid);
    }

    [Fact]
    public void A_limit_on_an_unstocked_sku_is_refused_as_unknown()
    {
        Rejected(When(Given(), new SetPurchaseLimit(Sku, 2)), StockRejectionCode.UnknownSku);
    }

    [Fact]
    public void A_customer_may_hold_up_to_the_limit()
    {
        var s = Apply(Given(Set(10), Limit(3)), Reserve("o-1", 2));

        Assert.Equal(2, s.UnitsOf("c-1"));
        var e = Assert.IsType<StockReserved>(SingleEvent(When(s, Reserve("o-2", 1))));
        Assert.Equal("c-1", e.CustomerId);
    }

    [Fact]
    public void Reserving_past_the_limit_is_refused_as_purchase_limit_exceeded()
    {
        var s = Given(Set(10), Limit(3), ReservedBy("o-1", 2, "c-1"));

        var r = Rejected(When(s, Reserve("o-2", 2)), StockRejectionCode.PurchaseLimitExceeded);
        Assert.Contains("at most 3 per customer", r.Message);
        Rejected(When(Given(Set(10), Limit(3)), Reserve("o-1", 4)), StockRejectionCode.PurchaseLimitExceeded);
    }

    [Fact]
    public void The_limit_is_per_customer()
    {
        var s = Given(Set(10), Limit(3), ReservedBy("o-1", 3, "c-1"));

        Assert.IsType<StockReserved>(SingleEvent(When(s, Reserve("o-2", 3, "c-2"))));
        Assert.IsType<StockReserved>(SingleEvent(When(s, Reserve("o-2", 5, null)))); // no customer: not limited
        Assert.IsType<StockReserved>(SingleEvent(When(s, Reserve("o-2", 5, "")))); // nor an empty one
    }

    [Fact]
    public void Bought_units_count_against_the_limit()
    {
        var s = Given(Set(10), Limit(3), ReservedBy("o-1", 3, "c-1"), Committed("o-1", 3));

        Assert.Equal(3, s.UnitsOf("c-1"));
        Rejected(When(s, Reserve("o-2", 1)), StockRejectionCode.PurchaseLimitExceeded);
    }

    [Fact]
    public void Releases_expiries_and_restocks_give_units_back()
    {
        var s = Given(Set(10), Limit(3), ReservedBy("o-1", 2, "c-1"), ReservedBy("o-2", 1, "c-1"), ReservedBy("o-3", 3, "c-2"));

        var released = Apply(s, new ReleaseReservation(Sku, "o-1"));
        Assert.Equal(1, released.UnitsOf("c-1"));
        Assert.IsType<StockReserved>(SingleEvent(When(released, Reserve("o-4", 2))));

        var expired = Apply(s, new ExpireDueReservations(Sku, TimeSpan.Zero), T0.AddMinutes(15));
        Assert.Equal(0, expired.UnitsOf("c-1"));
        Assert.False(expired.CustomerUnits.ContainsKey("c-1")); // a customer with nothing is not kept

        var restocked = Apply(Apply(s, new CommitReservation(Sku, "o-3")), new RestockSale(Sku, "o-3", "rs-1", 2, "c-2"));
        Assert.Equal(1, restocked.UnitsOf("c-2"));
        Assert.IsType<StockReserved>(SingleEvent(When(restocked, Reserve("o-4", 2, "c-2"))));
    }

    [Fact]
    public void Units_are_counted_only_while_a_limit_is_set()
    {
        var s = Apply(Given(Set(10)), Reserve("o-1", 4));

        Assert.Empty(s.CustomerUnits);
        var limited = Apply(s, new SetPurchaseLimit(Sku, 3));
        Assert.Equal(0, limited.UnitsOf("c-1"));
        Assert.IsType<StockReserved>(SingleEvent(When(limited, Reserve("o-2", 3))));
    }

    [Fact]
    public void Lifting_the_limit_forgets_the_counts()
    {
        var s = Given(Set(10), Limit(3), ReservedBy("o-1", 3, "c-1"));

        var lifted = Apply(s, new SetPurchaseLimit(Sku, null));
        Assert.Null(lifted.PerCustomerLimit);
        Assert.Empty(lifted.CustomerUnits);
        Assert.IsType<StockReserved>(SingleEvent(When(lifted, Reserve("o-2", 5))));
        Assert.Empty(Apply(lifted, Reserve("o-2", 5)).CustomerUnits);

        var again = Apply(lifted, new SetPurchaseLimit(Sku, 3));
        Assert.Equal(0, again.UnitsOf("c-1"));
    }

    [Fact]
    public void Lowering_the_limit_keeps_the_counts_and_refuses_what_is_now_too_much()
    {
        var s = Apply(Given(Set(10), Limit(5), ReservedBy("o-1", 3, "c-1")), new SetPurchaseLimit(Sku, 2));

        Assert.Equal(3, s.UnitsOf("c-1"));
        Rejected(When(s, Reserve("o-2", 1)), StockRejectionCode.PurchaseLimitExceeded);
        NoOp(When(s, new ReserveStock(Sku, "o-1", 3, T0.AddMinutes(15), "c-1"))); // a retry of what it already holds is answered as before
    }

    [Fact]
    public void The_limit_is_checked_before_the_stock()
    {
        Rejected(When(Given(Set(2), Limit(3)), Reserve("o-1", 4)), StockRejectionCode.PurchaseLimitExceeded);
        Rejected(When(Given(Set(2), Limit(3)), Reserve("o-1", 3)), StockRejectionCode.InsufficientStock);
    }

    [Fact]
    public void Releasing_a_reservation_made_before_the_limit_does_not_let_the_customer_exceed_it()
    {
        var s = Given(Set(20), ReservedBy("o-1", 5, "c-1")); // before the sale's limit: not counted
        s = Apply(s, new SetPurchaseLimit(Sku, 3));
        s = Apply(s, Reserve("o-2", 2));                    // counted: 2 of 3
        s = Apply(s, new ReleaseReservation(Sku, "o-1"));   // gives back 5 that were never counted

        Assert.Equal(2, s.UnitsOf("c-1"));
        Rejected(When(s, Reserve("o-3", 2)), StockRejectionCode.PurchaseLimitExceeded);
    }

    [Fact]
    public void Expiring_a_reservation_made_before_the_limit_gives_nothing_back()
    {
        var s = Given(Set(20), ReservedBy("o-1", 5, "c-1", T0.AddMinutes(5)), Limit(3), ReservedBy("o-2", 2, "c-1", T0.AddMinutes(30)));
        Assert.Equal(new Reservation(5, T0.AddMinutes(5)), s.Reservations["o-1"]); // not counted: no customer to give back to
        Assert.Equal(new Reservation(2, T0.AddMinutes(30), "c-1"), s.Reservations["o-2"]);

        s = Apply(s, new ExpireDueReservations(Sku, TimeSpan.Zero), T0.AddMinutes(10));

        Assert.Equal(2, s.UnitsOf("c-1"));
    }

    [Fact]
    public void Restocking_units_bought_before_the_limit_gives_nothing_back_and_counted_ones_do()
    {
        var s = Given(Set(20), ReservedBy("o-1", 5, "c-1"), Committed("o-1", 5), Limit(3), ReservedBy("o-2", 2, "c-1"), Committed("o-2", 2));
        Assert.Equal(2, s.UnitsOf("c-1"));
        Assert.Equal(new CountedPurchase("c-1", 2), Assert.Single(s.CountedPurchases).Value);

        var old = Apply(s, new RestockSale(Sku, "o-1", "rs-1", 5, "c-1"));
        Assert.Equal(2, old.UnitsOf("c-1"));
        Rejected(When(old, Reserve("o-3", 2)), StockRejectionCode.PurchaseLimitExceeded);

        var counted = Apply(Apply(old, new RestockSale(Sku, "o-2", "rs-2", 1, "c-1")), new RestockSale(Sku, "o-2", "rs-3", 1, "c-1"));
        Assert.Equal(0, counted.UnitsOf("c-1"));
        Assert.Empty(counted.CountedPurchases);
        Assert.True(counted.IsConsistent);
    }

    [Fact]
    public void Units_counted_under_a_limit_that_was_lifted_are_not_given_back_under_the_next_one()
    {
        var s = Given(Set(20), Limit(3), ReservedBy("o-1", 3, "c-1"), ReservedBy("o-2", 1, "c-2"), Committed("o-2", 1), Limit(null), Limit(3));
        Assert.Null(s.Reservations["o-1"].CustomerId);
        Assert.Empty(s.CountedPurchases);
        s = Apply(s, Reserve("o-3", 2));

        s = Apply(Apply(s, new ReleaseReservation(Sku, "o-1")), new RestockSale(Sku, "o-2", "rs-1", 1, "c-2"));

        Assert.Equal(2, s.UnitsOf("c-1"));
        Rejected(When(s, Reserve("o-4", 2)), StockRejectionCode.PurchaseLimitExceeded);
    }
}

/// <summary>
/// The stock invariants over random sequences that mix ExtendReservation, RestockSale and SetPurchaseLimit into the
/// earlier commands: no oversell, consistent counters, the per-customer limit, and repeats that change nothing.
/// </summary>
public class StockLimitAndRestockPropertyTests
{
    [Property(MaxTest = 500, Arbitrary = [typeof(LimitArbitraries)])]
    public void Reserved_plus_sold_never_exceeds_on_hand_with_extensions_restocks_and_limits(LimitScenario scenario)
    {
        foreach (var r in scenario.Run())
        {
            if (r.Decision.IsRejected) Assert.Empty(r.Decision.Events);
            var s = r.After;
            Assert.True(s.Reserved + s.Sold <= s.OnHand, $"oversold after {r}");
            Assert.True(s.IsConsistent, $"inconsistent after {r}");
            Assert.True(s.Available >= 0, $"negative availability after {r}");
            Assert.All(s.CustomerUnits.Values, u => Assert.True(u > 0, $"a customer count of {u} after {r}"));
            if (s.PerCustomerLimit is null) Assert.Empty(s.CustomerUnits);
        }
    }

    [Property(MaxTest = 500, Arbitrary = [typeof(LimitArbitraries)])]
    public void The_expiry_order_follows_extensions_and_every_way_a_reservation_ends(LimitScenario scenario)
    {
        foreach (var r in scenario.Run())
        {
            AssertExpiryOrderInStep(r.After, r.Now, r);
            if (r.Command is ExpireDueReservations { Grace: var grace } && grace >= TimeSpan.Zero)
                Assert.Equal(DueByScanningAll(r.Before, r.Now - grace), r.Decision.Events.OfType<ReservationsExpired>().SelectMany(e => e.Reservations));
        }
    }

    [Property(MaxTest = 500, Arbitrary = [typeof(LimitArbitraries)])]
    public void Every_unit_is_accounted_for_with_restocks(LimitScenario scenario)
    {
        long onHand = 0, sold = 0;
        var held = new Dictionary<string, int>();
        foreach (var r in scenario.Run())
        {
            foreach (var e in r.Decision.Events)
            {
                switch (e)
                {
                    case OnHandSet x: onHand = x.OnHand; break;
                    case OnHandAdjusted x: onHand += x.Delta; break;
                    case StockReserved x: held.Add(x.OrderId, x.Quantity); break;
                    case ReservationCommitted x: sold += held[x.OrderId]; held.Remove(x.OrderId); break;
                    case ReservationReleased x: held.Remove(x.OrderId); break;
                    case ReservationsExpired x: foreach (var ex in x.Reservations) held.Remove(ex.OrderId); break;
                    case SaleRestocked x: sold -= x.Quantity; break;
                    case ReservationExtended x: Assert.True(held.ContainsKey(x.OrderId), $"extended a reservation not held: {r}"); break;
                }
            }
            Assert.Equal(onHand, r.After.OnHand);
            Assert.Equal(sold, r.After.Sold);
            Assert.Equal(held.Values.Sum(q => (long)q), r.After.Reserved);
        }
    }

    /// <summary>With the limit set before the sale opens and never lifted, every unit a customer holds or buys is counted.</summary>
    [Property(MaxTest = 500)]
    public Property No_customer_holds_and_buys_more_than_the_limit_in_force_when_they_reserved() =>
        Prop.ForAll(LimitGen.Scenario(limitFromTheStart: true), scenario =>
        {
            var books = new LimitBooks();
            foreach (var r in scenario.Run())
            {
                books.Check(r);
                foreach (var (customer, units) in books.Units) Assert.Equal(units, r.After.UnitsOf(customer));
                Assert.Equal(books.Units.Count(kv => kv.Value > 0), r.After.CustomerUnits.Count);
            }
        });

    [Fact]
    public void No_customer_exceeds_the_limit_in_force_when_they_reserved_when_limits_come_and_go()
    {
        var failures = LimitGen.Scenario(limitFromTheStart: false).Generator.Sample(numberOfSamples: 500, seed: new Rnd(20250301UL), size: 50)
            .Select(s => (Scenario: s, Error: Record.Exception(() =>
            {
                var books = new LimitBooks();
                foreach (var r in s.Run()) books.Check(r);
            })))
            .Where(x => x.Error is not null)
            .ToList();

        Assert.True(failures.Count == 0, failures.Count == 0 ? "" : $"{failures.Count} scenarios break the limit, e.g.{Environment.NewLine}{failures[0].Scenario}{Environment.NewLine}{failures[0].Error!.Message}");
    }

    [Property(MaxTest = 500, Arbitrary = [typeof(LimitArbitraries)])]
    public void Repeating_an_extension_restock_or_limit_right_after_it_was_applied_changes_nothing(LimitScenario scenario)
    {
        foreach (var r in scenario.Run())
        {
            foreach (var command in LimitGen.Probes(r.Before, r.Now).Prepend(r.Command))
            {
                var first = StockDecider.Decide(r.Before, command, r.Now);
                var after = StockDecider.Fold(r.Before, first.Events);
                var again = StockDecider.Decide(after, command, r.Now);

                Assert.Empty(again.Events);
                if (first.IsRejected)
                    Assert.Equal(first.Rejection!.Code, again.Rejection?.Code);
                else
                    Assert.False(again.IsRejected, $"{command} was accepted, then its repeat refused: {again.Rejection} (state {r.Before.ToView()})");
            }
        }
    }

    [Fact]
    public void The_generator_reaches_extensions_restocks_limits_and_their_refusals()
    {
        var runs = LimitGen.Scenario(limitFromTheStart: false).Generator.Sample(numberOfSamples: 300, seed: new Rnd(20250301UL), size: 50)
            .Select(s => s.Run().ToList()).ToList();
        var limited = LimitGen.Scenario(limitFromTheStart: true).Generator.Sample(numberOfSamples: 300, seed: new Rnd(20250301UL), size: 50)
            .Select(s => s.Run().ToList()).ToList();

        var report = new List<string>();
        var missed = false;
        void AtLeast(List<List<LimitStepResult>> of, int expected, Func<LimitStepResult, bool> p, string what)
        {
            var actual = of.Count(run => run.Any(p));
            report.Add($"{actual} of {of.Count} scenarios {what} (need {expected})");
            missed |= actual < expected;
        }

        AtLeast(runs, 210, r => r.Decision.Events.Any(e => e is ReservationExtended), "extend a reservation");
        AtLeast(runs, 100, r => r.Command is ExtendReservation && !r.Decision.IsRejected && r.Decision.Events.IsEmpty, "extend to an earlier time");
        AtLeast(runs, 160, r => r.Command is ExtendReservation && r.Decision.Rejection?.Code is StockRejectionCode.ReservationClosed or StockRejectionCode.ReservationNotFound, "extend a settled or missing reservation");
        AtLeast(runs, 100, r => r.Decision.Events.Any(e => e is SaleRestocked { CustomerId: not null }), "restock a customer's units");
        AtLeast(runs, 45, r => r.Command is RestockSale && !r.Decision.IsRejected && r.Decision.Events.IsEmpty, "repeat a restock");
        AtLeast(runs, 40, r => r.Decision.Rejection?.Code == StockRejectionCode.RestockConflict, "reuse a restock id");
        AtLeast(runs, 250, r => r.Command is RestockSale && r.Decision.Rejection?.Code == StockRejectionCode.Invalid, "restock more than is sold");
        AtLeast(runs, 100, r => r.Decision.Events.Any(e => e is PurchaseLimitSet { PerCustomer: null }), "lift the limit");
        AtLeast(runs, 240, r => r.Before.PerCustomerLimit is null && r.Decision.Events.Any(e => e is StockReserved { CustomerId: not null }), "reserve for a customer without a limit");
        AtLeast(limited, 170, r => r.Decision.Rejection?.Code == StockRejectionCode.PurchaseLimitExceeded, "exceed the limit");
        AtLeast(limited, 170, r => r.Before.PerCustomerLimit is { } l && r.After.PerCustomerLimit < l, "lower the limit");
        AtLeast(limited, 150, r => r.Decision.Events.Any(e => e is ReservationReleased or ReservationsExpired)
            && r.Before.CustomerUnits.Values.Sum() > r.After.CustomerUnits.Values.Sum(), "give units back by a release or expiry");
        AtLeast(limited, 60, r => r.Decision.Events.Any(e => e is SaleRestocked) && r.Before.CustomerUnits.Values.Sum() > r.After.CustomerUnits.Values.Sum(), "give units back by a restock");
        AtLeast(limited, 140, r => r.Decision.Events.Any(e => e is StockReserved { CustomerId: not null }) && r.Before.PerCustomerLimit is { } l
            && r.After.CustomerUnits.Values.Any(u => u == l), "reserve exactly up to the limit");
        Assert.False(missed, string.Join(Environment.NewLine, report));
    }
}

/// <summary>
/// Books of what each customer holds or bought while the current limit was in force, kept from the events alone:
/// a unit counts from its reservation under a limit until it is released, expires or is restocked; lifting the limit
/// forgets everything. <see cref="Check"/> fails when a reservation takes a customer past the limit in force.
/// </summary>
internal sealed class LimitBooks
{
    private int? _limit;
    private readonly Dictionary<string, (string Customer, int Quantity)> _countedOpen = [];
    private readonly Dictionary<string, (string Customer, int Quantity)> _countedBought = [];

    public Dictionary<string, long> Units { get; } = [];

    public void Check(LimitStepResult r)
    {
        foreach (var e in r.Decision.Events)
        {
            switch (e)
            {
                case StockReserved { CustomerId: { } c } x when _limit is { } limit:
                    var before = Units.GetValueOrDefault(c);
                    Assert.True(before + x.Quantity <= limit, $"customer {c} holds or bought {before} and now reserves {x.Quantity} under a limit of {limit}: {r}");
                    Units[c] = before + x.Quantity;
                    _countedOpen[x.OrderId] = (c, x.Quantity);
                    break;
                case ReservationCommitted x when _countedOpen.Remove(x.OrderId, out var open):
                    var bought = _countedBought.GetValueOrDefault(x.OrderId, (Customer: open.Customer, Quantity: 0));
                    _countedBought[x.OrderId] = (open.Customer, bought.Quantity + open.Quantity);
                    break;
                case ReservationReleased x when _countedOpen.Remove(x.OrderId, out var open):
                    Units[open.Customer] -= open.Quantity;
                    break;
                case ReservationsExpired x:
                    foreach (var ex in x.Reservations)
                        if (_countedOpen.Remove(ex.OrderId, out var open)) Units[open.Customer] -= open.Quantity;
                    break;
                case SaleRestocked { CustomerId: not null } x when _countedBought.TryGetValue(x.OrderId, out var b):
                    var back = Math.Min(b.Quantity, x.Quantity);
                    _countedBought[x.OrderId] = (b.Customer, b.Quantity - back);
                    Units[b.Customer] -= back;
                    break;
                case PurchaseLimitSet x:
                    _limit = x.PerCustomer;
                    if (x.PerCustomer is null)
                    {
                        _countedOpen.Clear();
                        _countedBought.Clear();
                        Units.Clear();
                    }
                    break;
            }
        }
        foreach (var zero in Units.Where(kv => kv.Value == 0).Select(kv => kv.Key).ToList()) Units.Remove(zero);
    }
}

/// <summary>What one step did: the state before, the command and its decision, the state after.</summary>
public sealed record LimitStepResult(DateTimeOffset Now, IStockCommand Command, StockState Before, Decision<IStockEvent, StockRejection> Decision, StockState After)
{
    public override string ToString() =>
        $"{Command} at {Now:HH:mm} on {Before.ToView()} -> {(Decision.IsRejected ? Decision.Rejection!.ToString() : "[" + string.Join(", ", Decision.Events) + "]")} -> {After.ToView()}";
}

/// <summary>The kinds of stock command a limit scenario is made of.</summary>
public enum LimitOp
{
    Set,
    Adjust,
    Reserve,
    Commit,
    Release,
    Expire,
    Extend,
    Restock,
    OverRestock,
    RestockAgain,
    SetLimit,
}

/// <summary>
/// One step: advance the clock, then send a command built when the scenario runs (expiries are relative to the step's
/// time; a restock puts back at most what its order bought and did not restock yet, as the order entity does). A
/// targeted extension or restock picks among the orders that hold or bought units, so those paths are reached often.
/// </summary>
public sealed record LimitStep(int AdvanceMinutes, LimitOp Op, int Order, long Amount, int Minutes, string RestockId, int? Limit, bool Targeted = false)
{
    public static readonly ImmutableArray<string> Orders = ["o-1", "o-2", "o-3", "o-4", "o-5", "o-6", "o-7", "o-8"];

    /// <summary>Two customers with three orders each, one with one, and an order without a customer.</summary>
    public static string? CustomerOf(string orderId) => orderId switch
    {
        "o-1" or "o-2" or "o-3" => "c-1",
        "o-4" or "o-5" or "o-6" => "c-2",
        "o-7" => "c-3",
        _ => null,
    };

    public IStockCommand ToCommand(StockState s, DateTimeOffset now, IReadOnlyDictionary<string, long> unrestocked, RestockSale? lastRestock)
    {
        var order = Orders[Order];
        if (Targeted && Op == LimitOp.Extend && !s.Reservations.IsEmpty)
        {
            var open = s.Reservations.Keys.Order(StringComparer.Ordinal).ToList();
            order = open[Order % open.Count];
        }
        if (Targeted && Op == LimitOp.Restock && unrestocked.Where(kv => kv.Value > 0).Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList() is { Count: > 0 } bought)
            order = bought[Order % bought.Count];
        if (Op == LimitOp.RestockAgain && lastRestock is not null) return lastRestock;
        switch (Op)
        {
            case LimitOp.Set: return new SetOnHand(Sku, Amount, Minutes);
            case LimitOp.Adjust: return new AdjustOnHand(Sku, RestockId, Amount, AdjustmentReason.Correction);
            case LimitOp.Reserve: return new ReserveStock(Sku, order, (int)Amount, now.AddMinutes(Minutes), CustomerOf(order));
            case LimitOp.Commit: return new CommitReservation(Sku, order);
            case LimitOp.Release: return new ReleaseReservation(Sku, order);
            case LimitOp.Expire: return new ExpireDueReservations(Sku, TimeSpan.FromMinutes(Minutes));
            case LimitOp.Extend: return new ExtendReservation(Sku, order, now.AddMinutes(Minutes));
            case LimitOp.Restock or LimitOp.RestockAgain:
                var left = unrestocked.GetValueOrDefault(order);
                return left > 0
                    ? new RestockSale(Sku, order, RestockId, (int)Math.Min(Amount, left), CustomerOf(order))
                    : new RestockSale(Sku, order, RestockId, (int)Amount);
            case LimitOp.OverRestock: return new RestockSale(Sku, order, RestockId, (int)Math.Min(s.Sold + Amount, int.MaxValue), CustomerOf(order));
            case LimitOp.SetLimit: return new SetPurchaseLimit(Sku, Limit);
            default: throw new ArgumentOutOfRangeException(nameof(Op));
        }
    }

    public override string ToString() => $"+{AdvanceMinutes}m " + Op switch
    {
        LimitOp.Set => $"Set({Amount}, v{Minutes})",
        LimitOp.Adjust => $"Adjust({RestockId}, {Amount:+#;-#;0})",
        LimitOp.Reserve => $"Reserve({Orders[Order]}/{CustomerOf(Orders[Order])}, {Amount}, hold {Minutes}m)",
        LimitOp.Expire => $"Expire(grace {Minutes}m)",
        LimitOp.Extend => $"Extend({(Targeted ? "open #" + Order : Orders[Order])}, to now{Minutes:+#;-#;+0}m)",
        LimitOp.Restock => $"Restock({(Targeted ? "bought #" + Order : Orders[Order])}, {RestockId}, up to {Amount})",
        LimitOp.RestockAgain => "RestockAgain(the last restock sent)",
        LimitOp.OverRestock => $"OverRestock({Orders[Order]}, {RestockId}, sold+{Amount})",
        LimitOp.SetLimit => $"SetLimit({(Limit is null ? "none" : Limit)})",
        _ => $"{Op}({Orders[Order]})",
    };
}

/// <summary>A sequence of stock commands with a clock that only moves forward.</summary>
public sealed record LimitScenario(ImmutableArray<LimitStep> Steps)
{
    public IEnumerable<LimitStepResult> Run()
    {
        var state = StockState.Initial(Sku);
        var now = T0;
        var unrestocked = new Dictionary<string, long>(); // per order: units bought and not restocked yet
        RestockSale? lastRestock = null;
        var lastRestockAt = DateTimeOffset.MinValue;
        foreach (var step in Steps)
        {
            now = now.AddMinutes(step.AdvanceMinutes);
            // A retry comes while the stock still remembers the restock; a later one would put the units back twice,
            // which the order entity never asks for.
            var retry = now - lastRestockAt < StockState.RecentRetention ? lastRestock : null;
            var command = step.ToCommand(state, now, unrestocked, retry);
            var decision = StockDecider.Decide(state, command, now);
            if (command is RestockSale sent && !ReferenceEquals(sent, retry) && decision.Events.Any(e => e is SaleRestocked { CustomerId: not null }))
            {
                lastRestock = sent;
                lastRestockAt = now;
            }
            var after = StockDecider.Fold(state, decision.Events);
            foreach (var e in decision.Events)
            {
                if (e is ReservationCommitted c) unrestocked[c.OrderId] = unrestocked.GetValueOrDefault(c.OrderId) + c.Quantity;
                if (e is SaleRestocked { CustomerId: not null } x) unrestocked[x.OrderId] = unrestocked.GetValueOrDefault(x.OrderId) - x.Quantity;
            }
            yield return new LimitStepResult(now, command, state, decision, after);
            state = after;
        }
    }

    public override string ToString() => string.Join(Environment.NewLine, Steps.Select((s, i) => $"{i,3}: {s}"));
}

/// <summary>The arbitrary FsCheck uses for <see cref="LimitScenario"/> parameters: limits come and go.</summary>
public static class LimitArbitraries
{
    public static Arbitrary<LimitScenario> Scenario() => LimitGen.Scenario(limitFromTheStart: false);
}

/// <summary>Generators over a small pool of orders, customers and restock ids, so commands collide often.</summary>
public static class LimitGen
{
    private static readonly string[] RestockIds = ["rs-1", "rs-2", "rs-3", "rs-4", "rs-5"];

    private static Gen<LimitStep> Step(bool limitFromTheStart)
    {
        var order = Gen.Choose(0, LimitStep.Orders.Length - 1);
        var advance = Gen.Frequency((30, Gen.Choose(0, 3)), (6, Gen.Choose(4, 20)), (1, Gen.Constant(60)), (1, Gen.Constant(25 * 60)));
        var limit = limitFromTheStart
            ? Gen.Choose(1, 6).Select(l => (int?)l)
            : Gen.Frequency((1, Gen.Choose(1, 6).Select(l => (int?)l)), (1, Gen.Constant((int?)null)));
        return
            from adv in advance
            from step in Gen.Frequency(
                (1, from onHand in Gen.Choose(0, 40) from version in Gen.Choose(1, 8)
                    select new LimitStep(adv, LimitOp.Set, 0, onHand, version, "", null)),
                (2, from id in Gen.Elements("adj-1", "adj-2", "adj-3") from delta in Gen.Choose(-8, 12)
                    select new LimitStep(adv, LimitOp.Adjust, 0, delta, 0, id, null)),
                (9, from o in order from qty in Gen.Frequency((30, Gen.Choose(1, 4)), (1, Gen.Constant(0))) from hold in Gen.Choose(0, 30)
                    select new LimitStep(adv, LimitOp.Reserve, o, qty, hold, "", null)),
                (5, from o in order select new LimitStep(adv, LimitOp.Commit, o, 0, 0, "", null)),
                (3, from o in order select new LimitStep(adv, LimitOp.Release, o, 0, 0, "", null)),
                (2, from grace in Gen.Elements(0, 0, 2, 5) select new LimitStep(adv, LimitOp.Expire, 0, 0, grace, "", null)),
                (5, from o in order from minutes in Gen.Choose(-10, 40) from targeted in Gen.Frequency((3, Gen.Constant(true)), (1, Gen.Constant(false)))
                    select new LimitStep(adv, LimitOp.Extend, o, 0, minutes, "", null, targeted)),
                (5, from o in order from qty in Gen.Choose(1, 4) from id in Gen.Elements(RestockIds) from targeted in Gen.Frequency((3, Gen.Constant(true)), (1, Gen.Constant(false)))
                    select new LimitStep(adv, LimitOp.Restock, o, qty, 0, id, null, targeted)),
                (1, from o in order from extra in Gen.Choose(1, 3) from id in Gen.Elements(RestockIds)
                    select new LimitStep(adv, LimitOp.OverRestock, o, extra, 0, id, null)),
                (1, from o in order from qty in Gen.Choose(1, 4) from id in Gen.Elements(RestockIds)
                    select new LimitStep(adv, LimitOp.RestockAgain, o, qty, 0, id, null, true)),
                (3, from l in limit select new LimitStep(adv, LimitOp.SetLimit, 0, 0, 0, "", l)))
            select step;
    }

    /// <summary>
    /// Scenarios that stock the SKU first. With <paramref name="limitFromTheStart"/> the limit is set before anything is
    /// reserved and only ever changed, never lifted; otherwise it comes and goes at random.
    /// </summary>
    public static Arbitrary<LimitScenario> Scenario(bool limitFromTheStart)
    {
        // Without a limit from the start, half the scenarios open a sale on stock that customers already hold, so
        // reservations made before the limit meet the limit.
        var opening =
            from onHand in Gen.Choose(8, 30)
            from l in Gen.Choose(1, 6)
            from held in Gen.Choose(1, 4)
            from early in Gen.Choose(0, 2)
            select limitFromTheStart
                ? new[] { new LimitStep(0, LimitOp.Set, 0, onHand, 1, "", null), new LimitStep(0, LimitOp.SetLimit, 0, 0, 0, "", l) }
                : early switch
                {
                    0 => [new LimitStep(0, LimitOp.Set, 0, onHand, 1, "", null)],
                    1 => [new LimitStep(0, LimitOp.Set, 0, onHand, 1, "", null), new LimitStep(0, LimitOp.Reserve, 0, held, 20, "", null),
                        new LimitStep(0, LimitOp.Reserve, 3, held, 30, "", null), new LimitStep(1, LimitOp.SetLimit, 0, 0, 0, "", l)],
                    // ... and the first buyer buys under the limit while still holding what they reserved before it.
                    _ => [new LimitStep(0, LimitOp.Set, 0, onHand, 1, "", null), new LimitStep(0, LimitOp.Reserve, 0, held, 10, "", null),
                        new LimitStep(1, LimitOp.SetLimit, 0, 0, 0, "", l), new LimitStep(1, LimitOp.Reserve, 1, 1, 30, "", null)],
                };
        var gen =
            from first in opening
            from length in Gen.Choose(8, 60)
            from rest in Step(limitFromTheStart).ArrayOf(length)
            select new LimitScenario([.. first, .. rest]);
        return Arb.From(gen, Shrink);
    }

    private static IEnumerable<LimitScenario> Shrink(LimitScenario s)
    {
        var steps = s.Steps;
        // The opening (stocking the SKU and, when set from the start, the limit) stays: without it the scenario means something else.
        var keep = steps.Length > 1 && steps[1].Op == LimitOp.SetLimit && steps[1].AdvanceMinutes == 0 ? 2 : 1;
        if (steps.Length > keep + 1) yield return new LimitScenario(steps[..Math.Max(keep, steps.Length / 2)]);
        for (var i = keep; i < steps.Length; i++) yield return new LimitScenario(steps.RemoveAt(i));
    }

    /// <summary>Every new kind of command over the whole pool, as sent at <paramref name="now"/> to <paramref name="s"/>.</summary>
    public static IEnumerable<IStockCommand> Probes(StockState s, DateTimeOffset now)
    {
        foreach (var o in LimitStep.Orders)
        {
            yield return new ExtendReservation(Sku, o, now.AddMinutes(20));
            yield return new ExtendReservation(Sku, o, now);
            yield return new ReserveStock(Sku, o, 1, now.AddMinutes(10), LimitStep.CustomerOf(o));
            yield return new RestockSale(Sku, o, "rs-1", 1, LimitStep.CustomerOf(o));
            yield return new RestockSale(Sku, o, "rs-9", 2, LimitStep.CustomerOf(o));
        }
        yield return new RestockSale(Sku, "o-1", "rs-8", (int)Math.Max(1, Math.Min(s.Sold, int.MaxValue)));
        yield return new SetPurchaseLimit(Sku, null);
        yield return new SetPurchaseLimit(Sku, 2);
        yield return new SetPurchaseLimit(Sku, s.PerCustomerLimit ?? 5);
    }
}
