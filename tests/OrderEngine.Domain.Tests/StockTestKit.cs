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
}
