using System.Collections.Immutable;
using Akka.Serialization;
using Akka.TestKit.Xunit2;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Serialization;
using OrderEngine.Engine.Stock;

namespace OrderEngine.Engine.Tests;

/// <summary>
/// When a stock entity snapshots, and that a snapshot plus the events after it give back exactly the state the events
/// alone give: the interval grows with the state, so copying it stays O(1) per event, and recovery loses nothing.
/// </summary>
public sealed class StockSnapshotPolicyTests() : TestKit(TestConfig.WithTestJournal)
{
    private static readonly DateTimeOffset T = new(2026, 11, 26, 10, 0, 0, TimeSpan.FromHours(1));

    private static StockState WithOpenReservations(int count, int settled = 0)
    {
        var events = new List<IStockEvent> { new OnHandSet("A-1", 10_000_000, 1, T) };
        for (var i = 0; i < count + settled; i++) events.Add(new StockReserved("A-1", $"o{i}", 1, T.AddMinutes(15), T));
        for (var i = 0; i < settled; i++) events.Add(new ReservationCommitted("A-1", $"o{i}", 1, T));
        return StockDecider.Fold(StockState.Initial("A-1"), events);
    }

    [Fact]
    public void A_small_state_snapshots_every_SnapshotEvery_events()
    {
        Assert.Equal(500, StockSnapshotPolicy.EventsBetweenSnapshots(500, StockState.Initial("A-1")));
        Assert.Equal(500, StockSnapshotPolicy.EventsBetweenSnapshots(500, WithOpenReservations(499)));
        Assert.Equal(1, StockSnapshotPolicy.EventsBetweenSnapshots(0, StockState.Initial("A-1")));
    }

    [Fact]
    public void The_interval_grows_with_the_open_reservations()
    {
        Assert.Equal(1_000, StockSnapshotPolicy.EventsBetweenSnapshots(500, WithOpenReservations(1_000)));
        Assert.Equal(20_000, StockSnapshotPolicy.EventsBetweenSnapshots(500, WithOpenReservations(20_000)));
    }

    [Fact]
    public void Remembered_ids_count_as_snapshot_entries_too()
    {
        // 700 open and 300 settled: the snapshot holds 1,000 entries.
        var s = WithOpenReservations(700, settled: 300);

        Assert.Equal(1_000, StockSnapshotPolicy.SnapshotEntries(s));
        Assert.Equal(1_000, StockSnapshotPolicy.EventsBetweenSnapshots(500, s));
    }

    [Fact]
    public void Snapshots_copy_no_more_entries_than_events_are_written_and_replay_stays_within_the_interval()
    {
        // A flash sale: 20,000 reservations pile up, then sell while new ones keep coming, then the rest is released.
        const int snapshotEvery = 500;
        var state = StockDecider.Evolve(StockState.Initial("A-1"), new OnHandSet("A-1", 10_000_000, 1, T));
        long events = 1, since = 1, copied = 0, snapshots = 0, longestReplay = 0, largest = 0, copiedByAFixedInterval = 0;
        void Apply(IStockEvent e)
        {
            state = StockDecider.Evolve(state, e);
            events++;
            since++;
            longestReplay = Math.Max(longestReplay, since);
            largest = Math.Max(largest, StockSnapshotPolicy.SnapshotEntries(state));
            if (events % snapshotEvery == 0) copiedByAFixedInterval += StockSnapshotPolicy.SnapshotEntries(state);
            if (since < StockSnapshotPolicy.EventsBetweenSnapshots(snapshotEvery, state)) return;
            copied += StockSnapshotPolicy.SnapshotEntries(state);
            snapshots++;
            since = 0;
        }

        for (var i = 0; i < 20_000; i++) Apply(new StockReserved("A-1", $"o{i}", 1, T.AddMinutes(15), T));
        for (var i = 0; i < 20_000; i++)
        {
            Apply(new ReservationCommitted("A-1", $"o{i}", 1, T));
            Apply(new StockReserved("A-1", $"n{i}", 1, T.AddMinutes(30), T));
        }
        for (var i = 0; i < 20_000; i++) Apply(new ReservationReleased("A-1", $"n{i}", 1, T));

        // By the policy at most one entry per event is copied, where a snapshot every 500 events copies dozens.
        Assert.True(copied <= events, $"{copied} entries copied by {snapshots} snapshots over {events} events");
        Assert.True(copiedByAFixedInterval > 20 * events, $"a fixed interval would copy only {copiedByAFixedInterval} entries over {events} events");
        Assert.True(snapshots >= 3, $"only {snapshots} snapshots over {events} events");
        // Recovery replays at most as many events as the largest snapshot has entries.
        Assert.True(longestReplay <= largest, $"{longestReplay} events to replay at worst, with at most {largest} entries");
    }

    [Fact]
    public void A_state_restored_from_a_snapshot_and_the_events_after_it_equals_the_folded_state()
    {
        var events = RandomHistory(seed: 20261126, commands: 400);
        var folded = StockDecider.Fold(StockState.Initial("A-1"), events);
        Assert.True(folded.IsConsistent);
        foreach (var kind in new[] { typeof(StockReserved), typeof(ReservationExtended), typeof(ReservationCommitted), typeof(ReservationReleased),
                     typeof(ReservationsExpired), typeof(SaleRestocked), typeof(PurchaseLimitSet), typeof(OnHandAdjusted) })
            Assert.True(events.Count(e => e.GetType() == kind) >= 5, $"the history has too few {kind.Name} events to mean much");

        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(StockSnapshot.From(folded));
        for (var cut = 0; cut <= events.Count; cut++)
        {
            var snapshot = StockSnapshot.From(StockDecider.Fold(StockState.Initial("A-1"), events.Take(cut)));
            var stored = (StockSnapshot)serializer.FromBinary(serializer.ToBinary(snapshot), serializer.Manifest(snapshot));
            var recovered = StockDecider.Fold(stored.ToState(), events.Skip(cut));

            AssertSameState(folded, recovered, $"snapshot after event {cut} of {events.Count}");
        }
    }

    /// <summary>Events of random commands over a few orders and customers, with extensions, expiries, limits and restocks.</summary>
    private static List<IStockEvent> RandomHistory(int seed, int commands)
    {
        var random = new Random(seed);
        var state = StockState.Initial("A-1");
        var now = T;
        var events = new List<IStockEvent>();
        for (var i = 0; i < commands; i++)
        {
            now = now.AddMinutes(random.Next(0, 4));
            var order = $"o{random.Next(0, 150)}";
            // Most commands that need an open reservation pick one, so extensions, commits and releases happen.
            var open = state.Reservations.Keys.Order(StringComparer.Ordinal).ToList();
            var held = open.Count > 0 && random.Next(0, 4) > 0 ? open[random.Next(0, open.Count)] : order;
            IStockCommand command = random.Next(0, 12) switch
            {
                0 => new SetOnHand("A-1", state.Reserved + state.Sold + random.Next(20, 100), i + 1),
                1 => new AdjustOnHand("A-1", $"adj-{random.Next(0, 10)}", random.Next(1, 5), AdjustmentReason.Received),
                2 or 3 or 4 => new ReserveStock("A-1", order, random.Next(1, 4), now.AddMinutes(random.Next(0, 20)), $"c{random.Next(0, 4)}"),
                5 => new CommitReservation("A-1", held),
                6 => new ReleaseReservation("A-1", held),
                7 or 8 => new ExtendReservation("A-1", held, now.AddMinutes(random.Next(0, 30))),
                9 => new ExpireDueReservations("A-1", TimeSpan.FromMinutes(random.Next(0, 3))),
                10 => new RestockSale("A-1", $"o{random.Next(0, 150)}", $"rs-{i}", 1, $"c{random.Next(0, 4)}"),
                _ => new SetPurchaseLimit("A-1", random.Next(0, 3) == 0 ? null : random.Next(4, 12)),
            };
            var decision = StockDecider.Decide(state, command, now);
            state = StockDecider.Fold(state, decision.Events);
            events.AddRange(decision.Events);
        }
        return events;
    }

    private static void AssertSameState(StockState expected, StockState actual, string context)
    {
        Assert.True(actual.IsConsistent, context);
        Assert.Equal(
            (expected.Sku, expected.Exists, expected.OnHand, expected.Sold, expected.Reserved, expected.Version, expected.LastSetOnHand, expected.PerCustomerLimit),
            (actual.Sku, actual.Exists, actual.OnHand, actual.Sold, actual.Reserved, actual.Version, actual.LastSetOnHand, actual.PerCustomerLimit));
        Assert.Equal(Sorted(expected.Reservations), Sorted(actual.Reservations));
        Assert.Equal(expected.ExpiryOrder, actual.ExpiryOrder);
        Assert.Equal(expected.NextExpiry, actual.NextExpiry);
        Assert.Equal(expected.SettledOrders.Entries(), actual.SettledOrders.Entries());
        Assert.Equal(expected.Adjustments.Entries(), actual.Adjustments.Entries());
        Assert.Equal(Sorted(expected.CustomerUnits), Sorted(actual.CustomerUnits));
        Assert.Equal(Sorted(expected.CountedPurchases), Sorted(actual.CountedPurchases));
    }

    private static List<KeyValuePair<string, T>> Sorted<T>(ImmutableDictionary<string, T> d) => [.. d.OrderBy(kv => kv.Key, StringComparer.Ordinal)];
}
