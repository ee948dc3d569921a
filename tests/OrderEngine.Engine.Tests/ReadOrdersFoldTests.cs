using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Payments;
using OrderEngine.Domain.ShippingMethods;
using OrderEngine.Engine.ReadSide;

namespace OrderEngine.Engine.Tests;

/// <summary>The read-orders fold without a database: the status it keeps is the one the order's own state shows.</summary>
public sealed class ReadOrdersFoldTests
{
    private static readonly DateTimeOffset T = DateTimeOffset.FromUnixTimeMilliseconds(1_760_000_000_000);

    private static OrderPlaced Placed(OrderStatus outcome, PaymentMethod method = PaymentMethod.Card) =>
        new("o", "web", "c", "EUR", [new OrderLine("A", 2, 5m, 10m), new OrderLine("B", 1, 3m, 3m)], 13m,
            new Address("n", "l", null, "c", null, "p", "DE", null), T.AddMinutes(30), T, method,
            Outcome: new PlacementOutcome(outcome, [], outcome == OrderStatus.OnHold ? T.AddHours(1) : null, T));

    private static PaymentConfirmed Paid(int minute = 1) => new("o", 13m, "EUR", "psp", T.AddMinutes(minute), "sandbox");

    private static ShipmentRecorded Shipment(string id, params (string Sku, int Quantity)[] lines) =>
        new("o", id, [.. lines.Select(l => new ShipmentLine(l.Sku, l.Quantity))], "dhl", "t-" + id, "p-" + id, T.AddMinutes(2));

    /// <summary>Folds the events through the read side, one event per batch (rows carried over as the store does), and through the order's state.</summary>
    private static (string Read, string Entity) Statuses(params IOrderEvent[] events)
    {
        var known = new Dictionary<string, ReadOrderRow>();
        foreach (var e in events)
        {
            var carried = known.ToDictionary(kv => kv.Key, kv => kv.Value); // what the store would load back
            ReadOrdersFold.Fold(carried, [e]);
            known = carried;
        }
        var state = OrderDecider.Fold(OrderState.Initial("o"), events);
        return (known["o"].Status, ReadValues.Name(state.ViewStatus));
    }

    private static void AssertSame(string expected, params IOrderEvent[] events)
    {
        var (read, entity) = Statuses(events);
        Assert.Equal(expected, entity);
        Assert.Equal(expected, read);
    }

    [Fact]
    public void Shipping_part_then_the_rest_then_delivering_every_parcel_reads_partially_shipped_shipped_delivered()
    {
        AssertSame("partiallyShipped", Placed(OrderStatus.Reserved), Paid(), Shipment("s1", ("A", 1)));
        AssertSame("shipped", Placed(OrderStatus.Reserved), Paid(), Shipment("s1", ("A", 1)), Shipment("s2", ("A", 1), ("B", 1)));
        AssertSame("shipped", Placed(OrderStatus.Reserved), Paid(), Shipment("s1", ("A", 1)), Shipment("s2", ("A", 1), ("B", 1)),
            new ShipmentDelivered("o", "s1", T.AddDays(1), T.AddDays(1)));
        AssertSame("delivered", Placed(OrderStatus.Reserved), Paid(), Shipment("s1", ("A", 1)), Shipment("s2", ("A", 1), ("B", 1)),
            new ShipmentDelivered("o", "s1", T.AddDays(1), T.AddDays(1)), new ShipmentDelivered("o", "s2", T.AddDays(2), T.AddDays(2)));
    }

    [Fact]
    public void Review_cash_on_delivery_no_shipping_method_cancel_and_a_whole_refund_read_as_the_order_shows_them()
    {
        AssertSame("confirmed", Placed(OrderStatus.Confirmed, PaymentMethod.CashOnDelivery));
        AssertSame("onHold", Placed(OrderStatus.OnHold), Paid());
        AssertSame("paid", Placed(OrderStatus.OnHold), Paid(), new OrderApproved("o", "op", "ok", T.AddHours(1), T.AddMinutes(3)));
        AssertSame("reserved", Placed(OrderStatus.OnHold), new OrderApproved("o", "op", "ok", T.AddHours(1), T.AddMinutes(3)));
        AssertSame("onHold", Placed(OrderStatus.Reserved), Paid(),
            new ShippingMethodChosen("o", new ShippingChoice(null, null, null, null, "EUR", null, null, "none eligible"), T.AddMinutes(2)));
        AssertSame("cancelled", Placed(OrderStatus.Reserved), new OrderCancelled("o", "changed my mind", T.AddMinutes(1)));
        AssertSame("expired", Placed(OrderStatus.Reserved), new OrderExpired("o", T.AddMinutes(30)));
        AssertSame("refunded", Placed(OrderStatus.Reserved), Paid(),
            new RefundRequested("o", "r", "psp", "sandbox", 13m, "EUR", [], "all", "op", T.AddMinutes(2), Whole: true),
            new RefundSucceeded("o", "r", "pr", T.AddMinutes(3)));
        AssertSame("paid", Placed(OrderStatus.Reserved), Paid(),
            new RefundRequested("o", "r", "psp", "sandbox", 3m, "EUR", [new RefundLine("B", 1)], "one", "op", T.AddMinutes(2)),
            new RefundSucceeded("o", "r", "pr", T.AddMinutes(3)));
    }

    [Fact]
    public void Events_of_an_order_placed_before_the_read_model_knew_it_change_nothing()
    {
        var changes = ReadOrdersFold.Fold([], [Paid(), new OrderExpired("o", T)]);

        Assert.Empty(changes.Orders);
        Assert.Empty(changes.Daily);
    }
}
