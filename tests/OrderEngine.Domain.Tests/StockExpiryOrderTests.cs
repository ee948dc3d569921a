using System.Collections.Immutable;
using OrderEngine.Domain.Stock;
using static OrderEngine.Domain.Tests.StockTestKit;

namespace OrderEngine.Domain.Tests;

/// <summary>
/// The expiry order a stock state keeps beside its reservations: expiry reads only its due front, and every event
/// that opens, moves or ends a reservation keeps the two in step.
/// </summary>
public class StockExpiryOrderTests
{
    private static IEnumerable<string> OrderIds(StockState s) => s.ExpiryOrder.Select(k => k.OrderId);

    [Fact]
    public void Reservations_are_kept_earliest_expiry_first_then_by_order_id()
    {
        var s = Given(Set(20),
            Reserved("o-c", 1, expiresAt: TestTime.Min(3)),
            Reserved("o-b", 1, expiresAt: TestTime.Min(1)),
            Reserved("o-z", 1, expiresAt: TestTime.Min(2)),
            Reserved("o-a", 1, expiresAt: TestTime.Min(2)));

        Assert.Equal(["o-b", "o-a", "o-z", "o-c"], OrderIds(s));
        Assert.Equal(TestTime.Min(1), s.NextExpiry);
    }

    [Fact]
    public void Expiry_orders_instants_not_clock_readings()
    {
        // 10:00+02:00 is 08:00 UTC, before 09:00+00:00; the one with the later wall-clock figure expires first.
        var s = Given(Set(20),
            Reserved("o-1", 1, expiresAt: new DateTimeOffset(2025, 3, 1, 9, 0, 0, TimeSpan.Zero)),
            Reserved("o-2", 1, expiresAt: new DateTimeOffset(2025, 3, 1, 10, 0, 0, TimeSpan.FromHours(2))));

        Assert.Equal(["o-2", "o-1"], OrderIds(s));
        // The next expiry is the reservation's own value, offset included.
        Assert.Equal(TimeSpan.FromHours(2), s.NextExpiry!.Value.Offset);
    }

    [Fact]
    public void Extending_moves_the_reservation_to_its_new_place()
    {
        var s = Given(Set(20),
            Reserved("o-1", 1, expiresAt: TestTime.Min(5)),
            Reserved("o-2", 2, expiresAt: TestTime.Min(10)));

        var extended = Apply(s, new ExtendReservation(Sku, "o-1", TestTime.Min(20)), TestTime.Min(1));

        Assert.Equal(["o-2", "o-1"], OrderIds(extended));
        Assert.Equal(TestTime.Min(10), extended.NextExpiry);
        Assert.True(extended.IsConsistent);
        // Due by its old expiry no longer; due by its new one.
        var at15 = Assert.IsType<ReservationsExpired>(SingleEvent(When(extended, new ExpireDueReservations(Sku, TimeSpan.Zero), TestTime.Min(15))));
        Assert.Equal([new ExpiredReservation("o-2", 2)], at15.Reservations.ToArray());
        var at20 = Assert.IsType<ReservationsExpired>(SingleEvent(When(extended, new ExpireDueReservations(Sku, TimeSpan.Zero), TestTime.Min(20))));
        Assert.Equal([new ExpiredReservation("o-2", 2), new ExpiredReservation("o-1", 1)], at20.Reservations.ToArray());
    }

    [Fact]
    public void Committing_releasing_and_expiring_take_the_reservation_out_of_the_expiry_order()
    {
        var s = Given(Set(20),
            Reserved("o-commit", 1, expiresAt: TestTime.Min(5)),
            Reserved("o-release", 1, expiresAt: TestTime.Min(6)),
            Reserved("o-expire", 1, expiresAt: TestTime.Min(7)),
            Reserved("o-open", 1, expiresAt: TestTime.Min(30)));

        s = Apply(s, new CommitReservation(Sku, "o-commit"), TestTime.Min(1));
        Assert.Equal(["o-release", "o-expire", "o-open"], OrderIds(s));
        s = Apply(s, new ReleaseReservation(Sku, "o-release"), TestTime.Min(2));
        Assert.Equal(["o-expire", "o-open"], OrderIds(s));
        s = Apply(s, new ExpireDueReservations(Sku, TimeSpan.Zero), TestTime.Min(8));
        Assert.Equal(["o-open"], OrderIds(s));
        Assert.Equal(TestTime.Min(30), s.NextExpiry);
        Assert.True(s.IsConsistent);

        s = Apply(s, new CommitReservation(Sku, "o-open"), TestTime.Min(9));
        Assert.Empty(s.ExpiryOrder);
        Assert.Null(s.NextExpiry);
    }

    [Fact]
    public void Lifting_the_limit_leaves_the_expiry_order_as_it_was()
    {
        var s = Given(Set(20), new PurchaseLimitSet(Sku, 3, T0),
            Reserved("o-1", 1, expiresAt: TestTime.Min(9)) with { CustomerId = "c-1" },
            Reserved("o-2", 1, expiresAt: TestTime.Min(4)));

        var lifted = Apply(s, new SetPurchaseLimit(Sku, null));

        Assert.Equal(["o-2", "o-1"], OrderIds(lifted));
        Assert.True(lifted.IsConsistent);
    }

    [Fact]
    public void Expiry_reads_only_the_due_front_of_the_expiry_order()
    {
        // A deliberately broken state: the expiry order names a later reservation that does not exist. Expiry that
        // stops at the first reservation not yet due never reaches it; one that read every entry would throw.
        var s = Given(Set(20),
            Reserved("o-1", 1, expiresAt: TestTime.Min(1)),
            Reserved("o-2", 2, expiresAt: TestTime.Min(2)));
        var broken = s with { ExpiryOrder = s.ExpiryOrder.Add(new ExpiryKey(TestTime.Min(60).UtcTicks, "o-missing")) };

        var e = Assert.IsType<ReservationsExpired>(SingleEvent(When(broken, new ExpireDueReservations(Sku, TimeSpan.Zero), TestTime.Min(30))));

        Assert.Equal([new ExpiredReservation("o-1", 1), new ExpiredReservation("o-2", 2)], e.Reservations.ToArray());
        Assert.Equal(["o-1", "o-2"], broken.DueBy(TestTime.Min(59)).Select(kv => kv.Key));
    }

    [Fact]
    public void Among_many_open_reservations_only_the_due_ones_expire()
    {
        var events = new List<IStockEvent> { Set(100_000) };
        for (var i = 0; i < 10_000; i++) events.Add(Reserved($"o-later-{i}", 1, expiresAt: TestTime.Min(60 + i % 7)));
        events.Add(Reserved("o-due-2", 1, expiresAt: TestTime.Min(2)));
        events.Add(Reserved("o-due-1", 1, expiresAt: TestTime.Min(1)));
        var s = Given([.. events]);

        var e = Assert.IsType<ReservationsExpired>(SingleEvent(When(s, new ExpireDueReservations(Sku, TimeSpan.Zero), TestTime.Min(30))));

        Assert.Equal(["o-due-1", "o-due-2"], e.Reservations.Select(r => r.OrderId));
        var after = StockDecider.Fold(s, [e]);
        Assert.Equal(10_000, after.ExpiryOrder.Count);
        Assert.Equal(TestTime.Min(60), after.NextExpiry);
    }

    [Fact]
    public void A_state_built_from_reservations_indexes_them()
    {
        // As a snapshot restores it: the constructor is given the reservations, the expiry order follows from them.
        var reservations = ImmutableDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, Reservation>
        {
            ["o-2"] = new(1, TestTime.Min(8)),
            ["o-1"] = new(2, TestTime.Min(3)),
        });
        var s = new StockState(Sku, true, 10, 0, 3, 1, 10, reservations, RecentIds<ReservationOutcome>.Empty,
            RecentIds<AppliedAdjustment>.Empty, null, ImmutableDictionary<string, long>.Empty);

        Assert.Equal(["o-1", "o-2"], OrderIds(s));
        Assert.True(s.IsConsistent);
    }

    [Fact]
    public void Is_consistent_detects_an_expiry_order_out_of_step()
    {
        var s = Given(Set(10), Reserved("o-1", 4, expiresAt: TestTime.Min(5)));

        Assert.False((s with { ExpiryOrder = ImmutableSortedSet<ExpiryKey>.Empty }).IsConsistent);
        Assert.False((s with { ExpiryOrder = [new ExpiryKey(TestTime.Min(6).UtcTicks, "o-1")] }).IsConsistent);
    }
}
