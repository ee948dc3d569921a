using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using OrderEngine.Domain.Orders;
using static OrderEngine.Domain.Tests.DeliveryOrderTestKit;
using static OrderEngine.Domain.Tests.OrderTestKit;

namespace OrderEngine.Domain.Tests;

/// <summary>
/// Invariants of a delivery order over random sequences of kitchen and dispatch reports (stages repeated, out of order,
/// a rejection among them) and the order's own steps: a repeat changes nothing, and a rejection refunds exactly what was
/// captured and not refunded yet, once.
/// </summary>
public class DeliveryOrderPropertyTests
{
    [Property(MaxTest = 300, Arbitrary = [typeof(DeliveryArbitraries)])]
    public void Repeating_any_command_already_applied_changes_nothing(DeliveryScenario scenario)
    {
        var s = scenario.Start();
        var applied = new List<IOrderCommand>();
        var now = T0.AddMinutes(2);
        foreach (var (minutes, command) in scenario.Steps)
        {
            now = now.AddMinutes(minutes);
            var d = OrderDecider.Decide(s, command, now, Rules);
            if (d.IsRejected) continue;
            s = OrderDecider.Fold(s, d.Events);
            // A self-sent mark that found nothing to do yet is no effect to repeat; one that took effect is.
            if (command is RecordDeliveryProgress || !d.Events.IsEmpty) applied.Add(command);
            foreach (var again in applied.Where(c => c is RecordDeliveryProgress or MarkKitchenNotified or MarkDeliveryLeftStock))
            {
                var repeat = OrderDecider.Decide(s, again, now, Rules);
                Assert.False(repeat.IsRejected, $"{again} refused on repeat: {repeat.Rejection}");
                Assert.Empty(repeat.Events);
            }
        }
    }

    [Property(MaxTest = 300, Arbitrary = [typeof(DeliveryArbitraries)])]
    public void A_rejected_delivery_refunds_exactly_what_was_captured_once(DeliveryScenario scenario)
    {
        var s = scenario.Start();
        var now = T0.AddMinutes(2);
        var rejections = 0;
        foreach (var (minutes, command) in scenario.Steps)
        {
            now = now.AddMinutes(minutes);
            var before = s;
            var d = OrderDecider.Decide(s, command, now, Rules);
            if (d.IsRejected) continue;
            s = OrderDecider.Fold(s, d.Events);
            var refunds = d.Events.OfType<RefundRequested>().ToList();
            if (d.Events.OfType<OrderCancelled>().Any(c => c.By == "restaurant:" + RestaurantId))
            {
                rejections++;
                if (before.Payment is { } paid)
                {
                    var refund = Assert.Single(refunds);
                    Assert.Equal(before.Refundable, refund.Amount);
                    Assert.Equal(paid.Reference, refund.PaymentReference);
                }
                else Assert.Empty(refunds);
            }
            else if (command is RecordDeliveryProgress) Assert.Empty(refunds);
            // Never more than captured: what did not fail adds up to at most the payment.
            if (s.Payment is { } p) Assert.True(s.RefundableOf(p.Provider, p.Reference, p.Amount) >= 0, $"over-refunded: {string.Join(", ", s.Refunds)}");
        }
        Assert.True(rejections <= 1);
        Assert.False(s.Delivery!.LeftStock && s.Status == OrderStatus.Cancelled, "a rejected delivery's units came back on sale; none left with a courier");
        if (rejections == 1) Assert.Equal(0m, s.Refundable);
    }
}

public sealed record DeliveryScenario(bool CashOnDelivery, ImmutableArray<(int Minutes, IOrderCommand Command)> Steps)
{
    public OrderState Start() => CashOnDelivery ? DeliveryCod() : DeliveryPaid();

    public override string ToString() => (CashOnDelivery ? "cod: " : "paid: ") + string.Join(" | ", Steps.Select(s => $"+{s.Minutes} {s.Command}"));
}

public static class DeliveryArbitraries
{
    private static readonly ImmutableArray<IOrderCommand> Commands =
    [
        new MarkKitchenNotified(OrderId, RestaurantId),
        Stage("k-1", DeliveryStage.KitchenAccepted, 3, etaMinute: 40),
        Stage("k-2", DeliveryStage.KitchenRejected, 3, note: "closing early"),
        Stage("k-3", DeliveryStage.KitchenRejected, 4),
        Stage("z-1", DeliveryStage.AwaitingCourier, 5, etaMinute: 41),
        Stage("z-2", DeliveryStage.CourierAssigned, 6, "c-1", 39),
        Stage("z-3", DeliveryStage.CourierReleased, 7, "c-1", 44),
        Stage("z-4", DeliveryStage.CourierAssigned, 8, "c-2", 45),
        Stage("z-5", DeliveryStage.PickedUp, 20, "c-2", 35),
        Stage("z-6", DeliveryStage.Flagged, 25, "c-2"),
        Stage("z-7", DeliveryStage.Delivered, 33, "c-2"),
        new MarkStockSettled(OrderId),
        new MarkDeliveryLeftStock(OrderId),
        new RequestRefund(OrderId, "rf-part", 5m, [], "goodwill", "operator"),
        new CancelOrder(OrderId, "changed my mind"),
    ];

    public static Arbitrary<DeliveryScenario> Scenario()
    {
        var step = from m in Gen.Choose(0, 3) from c in Gen.Elements(Commands.AsEnumerable()) select (m, c);
        var gen = from cod in Gen.Elements(true, false)
                  from n in Gen.Choose(1, 25)
                  from steps in step.ArrayOf(n)
                  select new DeliveryScenario(cod, [.. steps]);
        return Arb.From(gen);
    }
}
