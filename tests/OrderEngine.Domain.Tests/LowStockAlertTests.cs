using FsCheck.Xunit;
using OrderEngine.Domain.Stock;
using static OrderEngine.Domain.Tests.StockTestKit;

namespace OrderEngine.Domain.Tests;

/// <summary>Low-stock alerts in the stock decider: one alert per crossing below the threshold, cleared when stock is back.</summary>
public class LowStockAlertTests
{
    private static readonly StockRules Default10 = new(10);

    private static Decision<IStockEvent, StockRejection> Decide(StockState s, IStockCommand c, StockRules? rules = null) =>
        StockDecider.Decide(s, c, T0, rules);

    /// <summary>Decides (must be accepted) and evolves, collecting the events.</summary>
    private static StockState Step(StockState s, IStockCommand c, List<IStockEvent> journal, StockRules? rules = null)
    {
        var d = Decide(s, c, rules);
        Assert.False(d.IsRejected, $"{c} refused: {d.Rejection}");
        journal.AddRange(d.Events);
        return StockDecider.Fold(s, d.Events);
    }

    private static ReserveStock Reserve(string orderId, int qty) => new(Sku, orderId, qty, T0.AddMinutes(15));

    [Fact]
    public void Selling_below_the_threshold_raises_one_alert_not_one_per_sale()
    {
        var journal = new List<IStockEvent>();
        var s = Given(Set(20));
        for (var i = 0; i < 20; i++)
        {
            s = Step(s, Reserve($"o{i}", 1), journal, Default10);
            s = Step(s, new CommitReservation(Sku, $"o{i}"), journal, Default10);
        }

        var raised = Assert.Single(journal.OfType<LowStockRaised>());
        Assert.Equal(new LowStockRaised(Sku, 9, 10, T0), raised);
        Assert.Empty(journal.OfType<LowStockCleared>());
        // Raised by the sale that took the tenth-last unit, in the same decision (so in the same write).
        var at = journal.IndexOf(raised);
        Assert.Equal(new StockReserved(Sku, "o10", 1, T0.AddMinutes(15), T0), journal[at - 1]);
        Assert.True(s.LowStockOpen);
        Assert.Equal(0, s.Available);
    }

    [Fact]
    public void Reaching_exactly_the_threshold_raises_nothing_and_one_unit_less_raises()
    {
        var s = Given(Set(12));
        Assert.IsType<StockReserved>(SingleEvent(Decide(s, Reserve("o1", 2), Default10)));
        var d = Decide(s, Reserve("o1", 3), Default10);
        Assert.Equal([typeof(StockReserved), typeof(LowStockRaised)], d.Events.Select(e => e.GetType()));
    }

    [Fact]
    public void Replenishing_to_the_threshold_clears_the_alert_once()
    {
        var journal = new List<IStockEvent>();
        var s = Given(Set(5));
        s = Step(s, new AdjustOnHand(Sku, "adj-0", 1, AdjustmentReason.Correction), journal, Default10);
        Assert.True(s.LowStockOpen);
        Assert.Single(journal.OfType<LowStockRaised>()); // the first movement under the default finds it low

        s = Step(s, new AdjustOnHand(Sku, "adj-1", 4, AdjustmentReason.Received), journal, Default10);
        Assert.Equal(new LowStockCleared(Sku, 10, 10, T0), Assert.Single(journal.OfType<LowStockCleared>()));
        Assert.False(s.LowStockOpen);

        s = Step(s, new AdjustOnHand(Sku, "adj-2", 50, AdjustmentReason.Received), journal, Default10);
        Assert.Single(journal.OfType<LowStockCleared>());
    }

    [Fact]
    public void A_warehouse_count_releases_and_restocks_clear_it_too()
    {
        var open = Given(Set(20), Reserved("o1", 8), Reserved("o2", 5), new LowStockRaised(Sku, 7, 10, T0));

        Assert.IsType<LowStockCleared>(Decide(open, new SetOnHand(Sku, 30, 2), Default10).Events[^1]);
        Assert.Equal(new LowStockCleared(Sku, 12, 10, T0), Decide(open, new ReleaseReservation(Sku, "o2"), Default10).Events[^1]);
        var expired = Decide(open, new ExpireDueReservations(Sku, TimeSpan.Zero), Default10);
        Assert.Empty(expired.Events); // nothing due yet at T0
        var due = StockDecider.Decide(open, new ExpireDueReservations(Sku, TimeSpan.Zero), T0.AddHours(1), Default10);
        Assert.Equal(new LowStockCleared(Sku, 20, 10, T0.AddHours(1)), due.Events[^1]);

        var sold = Given(Set(20), Reserved("o1", 15), Committed("o1", 15), new LowStockRaised(Sku, 5, 10, T0));
        Assert.Equal(new LowStockCleared(Sku, 10, 10, T0), Decide(sold, new RestockSale(Sku, "o1", "rs-1", 5), Default10).Events[^1]);
    }

    [Fact]
    public void Committing_or_shipping_sold_units_changes_no_alert()
    {
        var open = Given(Set(20), Reserved("o1", 15), new LowStockRaised(Sku, 5, 10, T0));
        var commit = Decide(open, new CommitReservation(Sku, "o1"), Default10);
        Assert.IsType<ReservationCommitted>(SingleEvent(commit));
        var sold = StockDecider.Fold(open, commit.Events);
        Assert.IsType<SoldShipped>(SingleEvent(Decide(sold, new ShipSold(Sku, "o1", "m-1", 15), Default10)));
    }

    [Fact]
    public void After_clearing_a_new_fall_raises_again()
    {
        var journal = new List<IStockEvent>();
        var s = Given(Set(12));
        s = Step(s, Reserve("o1", 5), journal, Default10);     // 7: raised
        s = Step(s, new ReleaseReservation(Sku, "o1"), journal, Default10); // 12: cleared
        s = Step(s, Reserve("o2", 4), journal, Default10);     // 8: raised again
        s = Step(s, Reserve("o3", 1), journal, Default10);     // 7: still open, nothing new

        Assert.Equal([typeof(LowStockRaised), typeof(LowStockCleared), typeof(LowStockRaised)],
            journal.Where(e => e is LowStockRaised or LowStockCleared).Select(e => e.GetType()));
        Assert.True(s.LowStockOpen);
    }

    [Fact]
    public void Setting_the_threshold_re_evaluates_at_once()
    {
        var s = Given(Set(15));

        var up = Decide(s, new SetLowStockThreshold(Sku, 20));
        Assert.Equal<IStockEvent>([new LowStockThresholdSet(Sku, 20, T0), new LowStockRaised(Sku, 15, 20, T0)], up.Events);
        s = StockDecider.Fold(s, up.Events);

        var stillLow = Decide(s, new SetLowStockThreshold(Sku, 16));
        Assert.Equal(new LowStockThresholdSet(Sku, 16, T0), SingleEvent(stillLow));
        s = StockDecider.Fold(s, stillLow.Events);

        var down = Decide(s, new SetLowStockThreshold(Sku, 15));
        Assert.Equal<IStockEvent>([new LowStockThresholdSet(Sku, 15, T0), new LowStockCleared(Sku, 15, 15, T0)], down.Events);
    }

    [Fact]
    public void A_threshold_of_zero_turns_the_alerts_off_even_under_a_default()
    {
        var open = Given(Set(5), new LowStockRaised(Sku, 5, 10, T0));
        var off = Decide(open, new SetLowStockThreshold(Sku, 0), Default10);
        Assert.Equal<IStockEvent>([new LowStockThresholdSet(Sku, 0, T0), new LowStockCleared(Sku, 5, 0, T0)], off.Events);

        var s = StockDecider.Fold(open, off.Events);
        var journal = new List<IStockEvent>();
        for (var i = 0; i < 5; i++) s = Step(s, Reserve($"o{i}", 1), journal, Default10);
        Assert.Equal(0, s.Available);
        Assert.DoesNotContain(journal, e => e is LowStockRaised or LowStockCleared);
        Assert.Equal(0, s.ToView(Default10).LowStockBelow);
    }

    [Fact]
    public void Without_a_default_or_a_threshold_of_its_own_a_sku_raises_nothing()
    {
        var s = Given(Set(3));
        Assert.IsType<StockReserved>(SingleEvent(Decide(s, Reserve("o1", 3))));
        Assert.Null(s.ToView().LowStockBelow);
        Assert.Null(s.ToView(StockRules.Default).LowStockBelow);
        Assert.Equal(10, s.ToView(Default10).LowStockBelow);
    }

    [Fact]
    public void The_skus_own_threshold_wins_over_the_default()
    {
        var s = Given(Set(30), new LowStockThresholdSet(Sku, 25, T0));
        var d = Decide(s, Reserve("o1", 6), Default10);
        Assert.Equal(new LowStockRaised(Sku, 24, 25, T0), d.Events[^1]);
        Assert.Equal(25, s.ToView(Default10).LowStockBelow);
    }

    [Fact]
    public void Stocking_a_sku_below_its_default_threshold_raises_with_the_first_count()
    {
        var d = Decide(Given(), new SetOnHand(Sku, 4, 1), Default10);
        Assert.Equal<IStockEvent>([new OnHandSet(Sku, 4, 1, T0), new LowStockRaised(Sku, 4, 10, T0)], d.Events);
    }

    [Fact]
    public void Setting_the_same_threshold_again_changes_nothing()
    {
        NoOp(Decide(Given(Set(5), new LowStockThresholdSet(Sku, 8, T0), new LowStockRaised(Sku, 5, 8, T0)), new SetLowStockThreshold(Sku, 8)));
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(StockDecider.MaxUnits + 1)]
    public void A_negative_or_oversized_threshold_is_invalid(long below)
    {
        Rejected(Decide(Given(Set(5)), new SetLowStockThreshold(Sku, below)), StockRejectionCode.Invalid);
    }

    [Fact]
    public void A_threshold_for_an_unstocked_sku_is_refused()
    {
        Rejected(Decide(Given(), new SetLowStockThreshold(Sku, 5)), StockRejectionCode.UnknownSku);
    }

    [Fact]
    public void A_refused_reservation_raises_nothing()
    {
        Rejected(Decide(Given(Set(12)), Reserve("o1", 13), Default10), StockRejectionCode.InsufficientStock);
    }

    [Fact]
    public void Replenishment_settings_are_kept_and_a_repeat_changes_nothing()
    {
        var settings = new ReplenishmentSettings(LeadTimeDays: 5, ServiceLevel: 0.98m, ReviewDays: 14);
        var d = Decide(Given(Set(50)), new SetReplenishmentSettings(Sku, settings));
        Assert.Equal(new ReplenishmentSettingsSet(Sku, settings, T0), SingleEvent(d));
        var s = StockDecider.Fold(Given(Set(50)), d.Events);
        Assert.Equal(settings, s.ToView().Replenishment);
        NoOp(Decide(s, new SetReplenishmentSettings(Sku, settings)));

        // Every field empty: back to the defaults.
        var cleared = StockDecider.Fold(s, Decide(s, new SetReplenishmentSettings(Sku, new ReplenishmentSettings())).Events);
        Assert.Null(cleared.Replenishment);
        NoOp(Decide(cleared, new SetReplenishmentSettings(Sku, new ReplenishmentSettings())));
    }

    [Fact]
    public void Invalid_replenishment_settings_are_refused()
    {
        var s = Given(Set(50));
        Rejected(Decide(s, new SetReplenishmentSettings(Sku, new(LeadTimeDays: -1))), StockRejectionCode.Invalid);
        Rejected(Decide(s, new SetReplenishmentSettings(Sku, new(ServiceLevel: 1m))), StockRejectionCode.Invalid);
        Rejected(Decide(s, new SetReplenishmentSettings(Sku, new(ServiceLevel: 0.95m, SafetyStock: 10))), StockRejectionCode.Invalid);
        Rejected(Decide(Given(), new SetReplenishmentSettings(Sku, new(LeadTimeDays: 3))), StockRejectionCode.UnknownSku);
    }

    [Fact]
    public void A_raised_alert_is_sent_as_stock_low_and_its_clearing_as_stock_low_cleared_without_an_order()
    {
        var low = Assert.Single(OrderEngine.Domain.Webhooks.OutboundEvents.From("stock-SKU-1", 7, new LowStockRaised(Sku, 9, 10, T0)));
        Assert.Equal("stock.low", low.Type);
        Assert.Null(low.OrderId);
        Assert.Equal(T0, low.OccurredAt);
        Assert.Equal(OrderEngine.Domain.Webhooks.OutboundEvents.EventIdOf("stock-SKU-1", 7, "stock.low"), low.EventId);
        Assert.Equal("""{"sku":"SKU-1","available":9,"threshold":10}""", low.Data);

        var cleared = Assert.Single(OrderEngine.Domain.Webhooks.OutboundEvents.From("stock-SKU-1", 9, new LowStockCleared(Sku, 12, 10, T0)));
        Assert.Equal("stock.low-cleared", cleared.Type);
        Assert.Empty(OrderEngine.Domain.Webhooks.OutboundEvents.From("stock-SKU-1", 8, new LowStockThresholdSet(Sku, 10, T0)));
    }

    /// <summary>
    /// Over any sequence of movements and threshold changes: an alert is open exactly while the SKU exists and its
    /// available units are below the threshold in force; raised and cleared alternate, at most one per decision, and
    /// each carries the figures the state reaches.
    /// </summary>
    [Property(MaxTest = 300)]
    public void An_alert_is_open_exactly_while_available_is_below_the_threshold(int[] steps, byte defaultBelow)
    {
        var rules = new StockRules(defaultBelow % 25);
        var s = Given();
        var open = new List<string>();
        var n = 0;
        bool? lastAlertWasRaise = null;
        foreach (var step in steps ?? [])
        {
            var amount = Math.Abs(step / 16 % 30) + 1;
            IStockCommand command = Math.Abs(step % 8) switch
            {
                0 => new SetOnHand(Sku, s.Reserved + s.Sold + amount, s.Version + 1),
                1 => new AdjustOnHand(Sku, $"adj-{n}", step % 2 == 0 ? amount : -amount, AdjustmentReason.Correction),
                2 or 3 => Reserve($"o{n}", amount),
                4 => new ReleaseReservation(Sku, open.Count > 0 ? open[Math.Abs(step) % open.Count] : "none"),
                5 => new CommitReservation(Sku, open.Count > 0 ? open[Math.Abs(step) % open.Count] : "none"),
                6 => new SetLowStockThreshold(Sku, amount % 20),
                _ => new RestockSale(Sku, "o-any", $"rs-{n}", Math.Min(amount, (int)Math.Max(1, s.Sold))),
            };
            n++;
            var d = StockDecider.Decide(s, command, T0, rules);
            var alerts = d.Events.Where(e => e is LowStockRaised or LowStockCleared).ToList();
            Assert.True(alerts.Count <= 1, $"{command}: {alerts.Count} alerts in one decision");
            s = StockDecider.Fold(s, d.Events);
            if (command is ReserveStock r && !d.IsRejected) open.Add(r.OrderId);
            open.RemoveAll(id => !s.Reservations.ContainsKey(id));

            var threshold = s.LowStockThreshold(rules);
            Assert.True((s.Exists && s.Available < threshold) == s.LowStockOpen,
                $"after {command}: available {s.Available}, threshold {threshold}, alert open {s.LowStockOpen}");
            foreach (var alert in alerts)
            {
                var isRaise = alert is LowStockRaised;
                Assert.NotEqual(lastAlertWasRaise, isRaise);
                lastAlertWasRaise = isRaise;
                var (available, at) = alert switch
                {
                    LowStockRaised x => (x.Available, x.Threshold),
                    LowStockCleared x => (x.Available, x.Threshold),
                    _ => throw new InvalidOperationException(),
                };
                Assert.Equal(s.Available, available);
                Assert.Equal(threshold, at);
            }
        }
    }
}
