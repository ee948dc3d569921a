using FsCheck;
using FsCheck.Xunit;
using OrderEngine.Domain.Stock;
using static OrderEngine.Domain.Tests.StockTestKit;

namespace OrderEngine.Domain.Tests;

/// <summary>Shipped units leave stock (sold and on hand down); units returned to sender come back on hand.</summary>
public class StockShipmentTests
{
    private static StockState TenOnHandThreeSold() => Given(
        new OnHandSet(Sku, 10, 1, T0),
        new StockReserved(Sku, "o-1", 3, T0.AddMinutes(15), T0),
        new ReservationCommitted(Sku, "o-1", 3, T0));

    [Fact]
    public void Shipping_sold_units_takes_them_off_sold_and_on_hand_so_a_count_agrees()
    {
        var s = Apply(TenOnHandThreeSold(), new ShipSold(Sku, "o-1", "m-1", 2));

        Assert.Equal((8L, 1L, 0L, 7L), (s.OnHand, s.Sold, s.Reserved, s.Available));
    }

    [Fact]
    public void A_shipment_repeated_counts_once_and_one_with_other_figures_is_refused()
    {
        var s = Apply(TenOnHandThreeSold(), new ShipSold(Sku, "o-1", "m-1", 2));

        NoOp(When(s, new ShipSold(Sku, "o-1", "m-1", 2)));
        Rejected(When(s, new ShipSold(Sku, "o-1", "m-1", 1)), StockRejectionCode.AdjustmentConflict);
    }

    [Fact]
    public void Units_not_sold_cannot_ship()
    {
        var rejection = Rejected(When(TenOnHandThreeSold(), new ShipSold(Sku, "o-1", "m-1", 4)), StockRejectionCode.WouldBreakInvariant);
        Assert.Contains("only 3 units are sold", rejection.Message);
    }

    [Fact]
    public void Units_returned_to_sender_come_back_on_hand_once()
    {
        var shipped = Apply(TenOnHandThreeSold(), new ShipSold(Sku, "o-1", "m-1", 3));
        var back = Apply(shipped, new ReceiveShipped(Sku, "o-1", "m-2", 3));

        Assert.Equal((10L, 0L, 10L), (back.OnHand, back.Sold, back.Available));
        NoOp(When(back, new ReceiveShipped(Sku, "o-1", "m-2", 3)));
        Rejected(When(back, new ReceiveShipped(Sku, "o-1", "m-2", 2)), StockRejectionCode.AdjustmentConflict);
    }

    [Property(MaxTest = 300)]
    public void Shipping_and_receiving_never_oversell_and_repeats_change_nothing(NonEmptyArray<PositiveInt> moves)
    {
        var s = Given(new OnHandSet(Sku, 50, 1, T0), new StockReserved(Sku, "o-1", 30, T0.AddMinutes(15), T0), new ReservationCommitted(Sku, "o-1", 30, T0));
        var n = 0;
        foreach (var m in moves.Get)
        {
            var id = "m-" + (n++ % 7);
            IStockCommand command = m.Get % 2 == 0 ? new ShipSold(Sku, "o-1", id, m.Get % 9 + 1) : new ReceiveShipped(Sku, "o-1", id, m.Get % 9 + 1);
            var d = When(s, command);
            if (d.IsRejected) Assert.Empty(d.Events);
            s = StockDecider.Fold(s, d.Events);
            Assert.True(s.Reserved + s.Sold <= s.OnHand && s.Sold >= 0, $"after {command}: on hand {s.OnHand}, sold {s.Sold}");
            Assert.Empty(When(s, command).Events); // the same movement again changes nothing
        }
    }
}
