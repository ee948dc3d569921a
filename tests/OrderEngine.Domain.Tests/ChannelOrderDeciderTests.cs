using System.Collections.Immutable;
using OrderEngine.Domain.Orders;
using FsCheck;
using FsCheck.Xunit;
using OrderEngine.Domain.Payments;
using static OrderEngine.Domain.Tests.OrderTestKit;

namespace OrderEngine.Domain.Tests;

/// <summary>
/// Orders as channels send them: already paid at the channel, with the channel's own order time, and with a SKU on
/// several lines.
/// </summary>
public sealed class ChannelOrderDeciderTests
{
    private static readonly DateTimeOffset Reserved1s = T0.AddSeconds(1);
    private static readonly DateTimeOffset ChannelTime = T0.AddMinutes(-7);

    private static PlaceOrder PaidAtShop(decimal amount = Total) => Place() with
    {
        Channel = "shopify",
        PaidAtChannel = new ChannelPayment("shopify_payments", amount, "EUR", "tx-1"),
        PlacedAt = ChannelTime,
    };

    private static OrderState PlaceAndReserve(PlaceOrder place, OrderRules? rules = null, int? recentOrders = null)
    {
        var pending = (OrderPlaced)SingleEvent(When(Given(), place, T0, rules));
        var outcomes = OrderLines.PerSku(pending.Lines).Select(l => new LineReservationOutcome(l.Sku, true, null, null)).ToImmutableArray();
        var decided = OrderDecider.DecidePlacement(pending, outcomes, recentOrders, Reserved1s, rules ?? Rules);
        return Given(decided.Placed!);
    }

    [Fact]
    public void An_order_the_channel_charged_arrives_paid_with_the_channel_as_its_payments_provider()
    {
        var s = PlaceAndReserve(PaidAtShop());

        Assert.Equal(OrderStatus.Paid, s.Status);
        Assert.Equal(new PaymentRecord(Total, "EUR", "tx-1", T0, "channel:shopify", "shopify_payments"), s.Payment);
        Assert.Equal(Total, s.Refundable);
        // Its units are sold: the order commits them at once.
        Assert.Equal(PendingStockAction.Commit, s.PendingStock);
        Assert.Equal([OrderStatus.Placed, OrderStatus.Paid], s.History.Select(h => h.Status));
    }

    [Fact]
    public void An_order_paid_at_the_channel_never_expires()
    {
        var s = PlaceAndReserve(PaidAtShop());

        Assert.Empty(When(s, new ExpireOrder(OrderId), T0.AddDays(30)).Events);
        Assert.Equal(OrderStatus.Paid, s.Status);
    }

    [Fact]
    public void A_partly_paid_order_is_paid_and_refundable_only_up_to_what_the_channel_collected()
    {
        var s = PlaceAndReserve(PaidAtShop(amount: 10m));

        Assert.Equal(OrderStatus.Paid, s.Status);
        Assert.Equal(10m, s.Refundable);
        Assert.Contains("partly paid at the channel: 10 of 21.48 EUR", s.History[^1].Reason);
        Refused(When(s with { StockSettled = true }, new RequestRefund(OrderId, "rf-1", 10.01m, [], "goodwill", "ops")), OrderRejectionCode.RefundTooLarge);
    }

    [Fact]
    public void A_held_order_paid_at_the_channel_keeps_its_payment_while_it_waits_for_review()
    {
        var rules = Rules with { Review = ReviewRules.None with { HoldAboveTotal = ImmutableDictionary<string, decimal>.Empty.Add("EUR", 10m) } };
        var s = PlaceAndReserve(PaidAtShop(), rules);

        Assert.Equal(OrderStatus.OnHold, s.Status);
        Assert.Equal("channel:shopify", s.Payment!.Provider);
        var approved = Apply(s, new ReviewOrder(OrderId, true, "known customer", "ada"), T0.AddMinutes(2));
        Assert.Equal(OrderStatus.Paid, approved.Status);
    }

    [Fact]
    public void The_channels_order_time_is_kept_beside_the_time_the_engine_received_it()
    {
        var view = PlaceAndReserve(PaidAtShop()).ToView();

        Assert.Equal(ChannelTime, view.PlacedAt);
        Assert.Equal(T0, view.ReceivedAt);
        // Without a channel time both are the receipt.
        var plain = PlaceAndReserve(Place()).ToView();
        Assert.Equal((T0, T0), (plain.PlacedAt, plain.ReceivedAt));
    }

    [Fact]
    public void A_placement_repeated_with_another_payment_or_order_time_is_a_conflict()
    {
        var s = PlaceAndReserve(PaidAtShop());

        Assert.Empty(When(s, PaidAtShop()).Events);
        Refused(When(s, PaidAtShop() with { PaidAtChannel = new ChannelPayment("shopify_payments", Total, "EUR", "tx-2") }), OrderRejectionCode.IdempotencyConflict);
        Refused(When(s, PaidAtShop() with { PlacedAt = ChannelTime.AddSeconds(1) }), OrderRejectionCode.IdempotencyConflict);
    }

    public static TheoryData<string, string> BadChannelPayments => new()
    {
        { "more than the total", "paidAtChannel.amount" },
        { "zero", "paidAtChannel.amount" },
        { "other currency", "paidAtChannel.currency" },
        { "no reference", "paidAtChannel.reference" },
        { "no method", "paidAtChannel.method" },
        { "cash on delivery", "paidAtChannel" },
        { "too many decimals", "paidAtChannel.amount" },
    };

    [Theory]
    [MemberData(nameof(BadChannelPayments))]
    public void A_channel_payment_that_does_not_fit_the_order_is_refused_naming_the_field(string bad, string field)
    {
        var paid = new ChannelPayment("gw", Total, "EUR", "tx-1");
        var place = PaidAtShop() with
        {
            PaidAtChannel = bad switch
            {
                "more than the total" => paid with { Amount = Total + 0.01m },
                "zero" => paid with { Amount = 0m },
                "other currency" => paid with { Currency = "USD" },
                "no reference" => paid with { Reference = " " },
                "no method" => paid with { Method = "" },
                "too many decimals" => paid with { Amount = 1.001m },
                _ => paid,
            },
            PaymentMethod = bad == "cash on delivery" ? PaymentMethod.CashOnDelivery : PaymentMethod.Card,
        };

        var rejection = Refused(When(Given(), place), OrderRejectionCode.Invalid);
        Assert.Contains(rejection.Errors, e => e.Field == field);
    }

    [Fact]
    public void An_order_time_in_the_future_is_refused()
    {
        var rejection = Refused(When(Given(), PaidAtShop() with { PlacedAt = T0 + OrderDecider.MaxClockSkew + TimeSpan.FromSeconds(1) }), OrderRejectionCode.Invalid);

        Assert.Equal("placedAt", Assert.Single(rejection.Errors).Field);
        Assert.False(When(Given(), PaidAtShop() with { PlacedAt = T0 + OrderDecider.MaxClockSkew }).IsRejected);
    }

    // ---- a SKU on several lines --------------------------------------------------------------------------------

    private static PlaceOrder TwoPricesOfOneSku() => Place() with
    {
        Lines = [new OrderLineRequest("SKU-A", 2, 9.99m), new OrderLineRequest("SKU-B", 1, 0.50m), new OrderLineRequest("SKU-A", 1, 5.00m)],
    };

    [Fact]
    public void A_sku_on_several_lines_is_placed_as_sent_and_reserved_once_for_all_its_units()
    {
        var pending = (OrderPlaced)SingleEvent(When(Given(), TwoPricesOfOneSku()));

        Assert.Equal(3, pending.Lines.Length);
        Assert.Equal(2 * 9.99m + 0.50m + 5.00m, pending.Total);
        Assert.Equal([new SkuQuantity("SKU-A", 3), new SkuQuantity("SKU-B", 1)], OrderLines.PerSku(pending.Lines).ToArray());
    }

    [Fact]
    public void Refunding_units_of_a_sku_on_several_lines_prices_them_line_by_line()
    {
        var s = PlaceAndReserve(TwoPricesOfOneSku());
        s = Apply(s, Pay(amount: 25.48m), T0.AddMinutes(1));
        s = Apply(s, new MarkStockSettled(OrderId), T0.AddMinutes(2));

        var first = Assert.IsType<RefundRequested>(SingleEvent(When(s, new RequestRefund(OrderId, "rf-1", null, [new RefundLine("SKU-A", 1)], "damaged", "ops"))));
        Assert.Equal(9.99m, first.Amount);
        s = Apply(s, new RequestRefund(OrderId, "rf-1", null, [new RefundLine("SKU-A", 1)], "damaged", "ops"));
        var rest = Assert.IsType<RefundRequested>(SingleEvent(When(s, new RequestRefund(OrderId, "rf-2", null, [new RefundLine("SKU-A", 2)], "damaged", "ops"))));
        Assert.Equal(9.99m + 5.00m, rest.Amount);
        var tooMany = Refused(When(s, new RequestRefund(OrderId, "rf-3", null, [new RefundLine("SKU-A", 3)], "damaged", "ops")), OrderRejectionCode.Invalid);
        Assert.Contains("between 1 and 2", tooMany.Message + string.Join(" ", tooMany.Errors.Select(e => e.Message)));
        // The view counts the refunded unit against the first line of the SKU.
        Assert.Equal([1, 0, 0], s.ToView().Lines.Select(l => l.RefundedQuantity).ToArray());
    }

    [Property(MaxTest = 300)]
    public void The_units_refunded_of_a_sku_never_cost_more_than_its_lines(PositiveInt a, PositiveInt b, NonNegativeInt taken, PositiveInt count)
    {
        var lines = ImmutableArray.Create(new OrderLine("S", a.Get % 50 + 1, 3m, 0m), new OrderLine("S", b.Get % 50 + 1, 1m, 0m));
        var units = lines.Sum(l => l.Quantity);
        var already = taken.Get % units;
        var n = count.Get % (units - already) + 1;

        var price = OrderDecider.PriceOfNextUnits(lines, "S", already, n);

        var all = OrderDecider.PriceOfNextUnits(lines, "S", 0, units);
        Assert.Equal(lines.Sum(l => l.Quantity * l.UnitPrice), all);
        Assert.Equal(all, OrderDecider.PriceOfNextUnits(lines, "S", 0, already) + price + OrderDecider.PriceOfNextUnits(lines, "S", already + n, units - already - n));
    }

    // ---- refund outcomes recorded by hand, for refunds made at the channel --------------------------------------

    [Fact]
    public void A_refund_of_a_channel_payment_is_settled_by_recording_its_outcome_at_the_channel()
    {
        var s = Apply(PlaceAndReserve(PaidAtShop()), new MarkStockSettled(OrderId), T0.AddMinutes(1));
        s = Apply(s, new RequestRefund(OrderId, "rf-1", 5m, [], "goodwill", "ops"), T0.AddMinutes(2));
        Assert.Equal("channel:shopify", s.Refunds[0].Provider);

        var recorded = new RecordRefundOutcome(OrderId, "rf-1", true, "shop-refund-9", null, RecordedBy: "ada");
        var e = Assert.IsType<RefundSucceeded>(SingleEvent(When(s, recorded, T0.AddMinutes(3))));
        Assert.Equal("channel:shopify", e.Provider);
        Assert.Equal("provider:channel:shopify", OrderTimeline.CausedBy(e));
        var after = Apply(s, recorded, T0.AddMinutes(3));
        Assert.Empty(When(after, recorded).Events);
        Refused(When(after, recorded with { Succeeded = false }), OrderRejectionCode.InvalidState);
    }

    [Fact]
    public void A_refund_at_a_payment_provider_cannot_be_settled_by_hand()
    {
        var s = Apply(PaymentTestKit.PaidSettled(), new RequestRefund(OrderId, "rf-1", 5m, [], "goodwill", "ops"), T0.AddMinutes(7));

        var rejection = Refused(When(s, new RecordRefundOutcome(OrderId, "rf-1", true, null, null, RecordedBy: "ada"), T0.AddMinutes(8)), OrderRejectionCode.InvalidState);
        Assert.Contains("reports its own outcome", rejection.Message);
    }

    [Fact]
    public void A_refund_outcome_is_attributed_to_the_refunds_provider_by_name()
    {
        var s = Apply(PaymentTestKit.PaidSettled(), new RequestRefund(OrderId, "rf-1", 5m, [], "goodwill", "ops"), T0.AddMinutes(7));

        var e = SingleEvent(When(s, new RecordRefundOutcome(OrderId, "rf-1", true, "re_1", null, "evt-9"), T0.AddMinutes(8)));

        Assert.Equal("provider:" + PaymentTestKit.Provider + " (webhook)", OrderTimeline.CausedBy(e));
        // Events written before the provider was recorded keep the old attribution.
        Assert.Equal("provider", OrderTimeline.CausedBy(new RefundSucceeded(OrderId, "rf-1", null, T0)));
    }
}
