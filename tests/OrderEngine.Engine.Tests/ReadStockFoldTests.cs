using System.Collections.Immutable;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.ReadSide;

namespace OrderEngine.Engine.Tests;

/// <summary>The read-stock fold passes over the stock events that move no counter, whatever kind they are.</summary>
public sealed class ReadStockFoldTests
{
    private static readonly DateTimeOffset T = new(2026, 12, 4, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Alerts_thresholds_settings_and_limits_leave_the_levels_as_the_movements_make_them()
    {
        IStockEvent[] movements =
        [
            new OnHandSet("F-1", 12, 1, T),
            new StockReserved("F-1", "o-1", 5, T.AddMinutes(15), T),
            new ReservationCommitted("F-1", "o-1", 5, T.AddSeconds(1)),
            new StockReserved("F-1", "o-2", 4, T.AddMinutes(15), T.AddSeconds(2)),
        ];
        IStockEvent[] others =
        [
            new LowStockThresholdSet("F-1", 10, T),
            new LowStockRaised("F-1", 3, 10, T.AddSeconds(2)),
            new LowStockCleared("F-1", 12, 10, T.AddSeconds(3)),
            new PurchaseLimitSet("F-1", 2, T),
            new ReservationExtended("F-1", "o-2", T.AddMinutes(30), T.AddSeconds(2)),
        ];
        var alone = ReadStockFold.Fold([], movements);
        var mixed = ReadStockFold.Fold([], movements.Concat(others).OrderBy(e => e.At));

        var row = Assert.Single(mixed.Levels).Value;
        Assert.Equal((12L, 4L, 5L, 3L), (row.OnHand, row.Reserved, row.Sold, row.Available));
        var expected = Assert.Single(alone.Levels).Value;
        Assert.Equal((expected.OnHand, expected.Reserved, expected.Sold, expected.Available), (row.OnHand, row.Reserved, row.Sold, row.Available));
        Assert.Equal(alone.DailySold, mixed.DailySold);
        Assert.Null(ReadStockFold.SkuOf(new LowStockRaised("F-1", 3, 10, T)));
        Assert.Empty(ReadStockFold.Fold([], others).Levels);
    }
}
