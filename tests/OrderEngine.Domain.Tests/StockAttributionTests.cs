using OrderEngine.Domain.Stock;
using static OrderEngine.Domain.Tests.StockTestKit;

namespace OrderEngine.Domain.Tests;

/// <summary>Warehouse writes carry who made them into their events, and the SKU shows its last one (who, when, what).</summary>
public class StockAttributionTests
{
    private const string Ann = "key:ann";

    public static TheoryData<string> WarehouseWrites => ["set", "adjust", "limit", "threshold", "replenishment"];

    private static IStockCommand Write(string kind, string? by) => kind switch
    {
        "set" => new SetOnHand(Sku, 12, 2, by),
        "adjust" => new AdjustOnHand(Sku, "adj-1", -2, AdjustmentReason.Damaged, "dropped", by),
        "limit" => new SetPurchaseLimit(Sku, 3, by),
        "threshold" => new SetLowStockThreshold(Sku, 4, by),
        "replenishment" => new SetReplenishmentSettings(Sku, new ReplenishmentSettings(LeadTimeDays: 5), by),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static string? ByOf(IStockEvent e) => e switch
    {
        OnHandSet x => x.By,
        OnHandAdjusted x => x.By,
        PurchaseLimitSet x => x.By,
        LowStockThresholdSet x => x.By,
        ReplenishmentSettingsSet x => x.By,
        _ => throw new InvalidOperationException($"{e.GetType().Name} is no warehouse write"),
    };

    [Theory]
    [MemberData(nameof(WarehouseWrites))]
    public void A_warehouse_write_carries_who_made_it_into_its_event_and_the_skus_last_change(string kind)
    {
        var given = Given(Set(10));
        var at = T0.AddMinutes(3);

        var d = When(given, Write(kind, Ann), at);

        Assert.Equal(Ann, ByOf(SingleEvent(d)));
        var view = StockDecider.Fold(given, d.Events).ToView();
        Assert.NotNull(view.LastChange);
        Assert.Equal(Ann, view.LastChange.By);
        Assert.Equal(at, view.LastChange.At);
    }

    [Fact]
    public void The_last_change_says_what_was_done()
    {
        var s = Apply(Given(), new SetOnHand(Sku, 10, 1, Ann));
        Assert.Equal(new StockChange(Ann, T0, "on hand set to 10 (version 1)"), s.LastChange);

        s = Apply(s, new AdjustOnHand(Sku, "adj-7", -2, AdjustmentReason.Damaged, "dropped", "user:bob"), T0.AddMinutes(1));
        Assert.Equal(new StockChange("user:bob", T0.AddMinutes(1), "on hand adjusted by -2 (damaged, adjustment adj-7): dropped"), s.LastChange);

        s = Apply(s, new SetPurchaseLimit(Sku, 2, Ann), T0.AddMinutes(3));
        Assert.Equal("purchase limit set to 2 per customer", s.LastChange!.Summary);
        s = Apply(s, new SetPurchaseLimit(Sku, null, Ann), T0.AddMinutes(4));
        Assert.Equal("purchase limit lifted", s.LastChange!.Summary);
        s = Apply(s, new SetLowStockThreshold(Sku, 0, Ann), T0.AddMinutes(5));
        Assert.Equal("low-stock alerts turned off", s.LastChange!.Summary);
    }

    [Fact]
    public void Sales_reservations_and_shipments_leave_the_last_change_as_it_was()
    {
        var s = Apply(Given(), new SetOnHand(Sku, 10, 1, Ann));
        var change = s.LastChange;

        s = Apply(s, new ReserveStock(Sku, "o1", 2, T0.AddMinutes(15)), T0.AddMinutes(1));
        s = Apply(s, new CommitReservation(Sku, "o1"), T0.AddMinutes(2));
        s = Apply(s, new ShipSold(Sku, "o1", "m-1", 2), T0.AddMinutes(3));
        s = Apply(s, new ReserveStock(Sku, "o2", 1, T0.AddMinutes(15)), T0.AddMinutes(4));
        s = Apply(s, new ReleaseReservation(Sku, "o2"), T0.AddMinutes(5));

        Assert.Equal(change, s.LastChange);
        Assert.Equal(change, s.ToView().LastChange);
    }

    [Fact]
    public void A_repeated_adjustment_changes_nothing_and_stays_attributed_to_who_made_it_first()
    {
        var s = Apply(Given(Set(10)), new AdjustOnHand(Sku, "adj-1", 5, AdjustmentReason.Received, null, Ann));

        NoOp(When(s, new AdjustOnHand(Sku, "adj-1", 5, AdjustmentReason.Received, null, "key:mallory"), T0.AddMinutes(1)));
        Assert.Equal(Ann, s.LastChange!.By);
    }

    [Fact]
    public void A_write_recorded_before_writes_were_attributed_names_no_one()
    {
        var s = Given(new OnHandSet(Sku, 10, 1, T0), new OnHandAdjusted(Sku, "adj-1", 2, AdjustmentReason.Received, null, T0.AddMinutes(1)));

        Assert.Equal(new StockChange(null, T0.AddMinutes(1), "on hand adjusted by +2 (received, adjustment adj-1)"), s.ToView().LastChange);
    }
}
