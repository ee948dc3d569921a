using System.Collections.Immutable;
using OrderEngine.Domain.Stock;

namespace OrderEngine.Domain.Tests;

/// <summary>Given-events / when-command / then-events helpers for the stock decider.</summary>
internal static class StockTestKit
{
    public const string Sku = "SKU-1";

    public static readonly DateTimeOffset T0 = TestTime.T0;

    public static StockState Given(params IStockEvent[] events) => StockDecider.Fold(StockState.Initial(Sku), events);

    public static Decision<IStockEvent, StockRejection> When(StockState state, IStockCommand command, DateTimeOffset? now = null) =>
        StockDecider.Decide(state, command, now ?? T0);

    /// <summary>Decides and, when accepted, evolves: the state an entity would hold after the command.</summary>
    public static StockState Apply(StockState state, IStockCommand command, DateTimeOffset? now = null)
    {
        var d = When(state, command, now);
        Assert.False(d.IsRejected, $"expected {command} to be accepted, got {d.Rejection}");
        return StockDecider.Fold(state, d.Events);
    }

    public static IStockEvent SingleEvent(Decision<IStockEvent, StockRejection> d)
    {
        Assert.False(d.IsRejected, $"expected acceptance, got {d.Rejection}");
        return Assert.Single(d.Events);
    }

    public static StockRejection Rejected(Decision<IStockEvent, StockRejection> d, StockRejectionCode code)
    {
        Assert.True(d.IsRejected, $"expected a {code} rejection, got events [{string.Join(", ", d.Events)}]");
        Assert.Empty(d.Events);
        Assert.Equal(code, d.Rejection!.Code);
        return d.Rejection;
    }

    public static void NoOp(Decision<IStockEvent, StockRejection> d)
    {
        Assert.False(d.IsRejected, $"expected an accepted no-op, got {d.Rejection}");
        Assert.Empty(d.Events);
    }

    // Common histories, as events (the journal), so each test states its starting point explicitly.
    public static OnHandSet Set(long onHand, long version = 1, DateTimeOffset? at = null) => new(Sku, onHand, version, at ?? T0);

    public static StockReserved Reserved(string orderId, int qty, DateTimeOffset? expiresAt = null, DateTimeOffset? at = null) =>
        new(Sku, orderId, qty, expiresAt ?? T0.AddMinutes(15), at ?? T0);

    public static ReservationCommitted Committed(string orderId, int qty, DateTimeOffset? at = null) => new(Sku, orderId, qty, at ?? T0);

    public static ReservationReleased Released(string orderId, int qty, DateTimeOffset? at = null) => new(Sku, orderId, qty, at ?? T0);

    /// <summary>
    /// The open reservations that expiry should list at <paramref name="cutoff"/>, computed the slow, obvious way from
    /// the reservations alone (filter, then sort by expiry and order id): the model the expiry order must agree with.
    /// </summary>
    public static ImmutableArray<ExpiredReservation> DueByScanningAll(StockState s, DateTimeOffset cutoff) =>
    [
        .. s.Reservations
            .Where(kv => kv.Value.ExpiresAt <= cutoff)
            .OrderBy(kv => kv.Value.ExpiresAt).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => new ExpiredReservation(kv.Key, kv.Value.Quantity)),
    ];

    /// <summary>Asserts that the expiry order holds exactly the open reservations, in order, and answers as a full scan would.</summary>
    public static void AssertExpiryOrderInStep(StockState s, DateTimeOffset now, object context)
    {
        var expected = s.Reservations
            .OrderBy(kv => kv.Value.ExpiresAt).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => new ExpiryKey(kv.Value.ExpiresAt.UtcTicks, kv.Key))
            .ToList();
        Assert.True(expected.SequenceEqual(s.ExpiryOrder),
            $"expiry order [{string.Join(", ", s.ExpiryOrder)}] differs from the reservations [{string.Join(", ", expected)}] after {context}");
        Assert.Equal(s.Reservations.IsEmpty ? null : s.Reservations.Values.Min(r => r.ExpiresAt), s.NextExpiry);
        foreach (var cutoff in new[] { now.AddMinutes(-5), now, now.AddMinutes(10), DateTimeOffset.MaxValue })
        {
            var due = s.DueBy(cutoff).Select(kv => new ExpiredReservation(kv.Key, kv.Value.Quantity)).ToList();
            Assert.True(DueByScanningAll(s, cutoff).SequenceEqual(due), $"due by {cutoff:O} differs from a full scan after {context}");
        }
    }
}
