using OrderEngine.Domain.Orders;

namespace OrderEngine.Domain.Tests;

/// <summary>Given-events / when-command / then-events helpers for the order decider.</summary>
internal static class OrderTestKit
{
    public const string OrderId = "o-1";

    public static readonly DateTimeOffset T0 = TestTime.T0;

    public static readonly OrderRules Rules = OrderRules.Default; // 15 minutes hold

    public static readonly DateTimeOffset ExpiresAt = T0 + Rules.HoldTime;

    public static readonly Address Shipping = new("Ada Lovelace", "1 Main St", null, "Berlin", null, "10115", "DE", null);

    /// <summary>A valid placement: 2 x 9.99 + 3 x 0.50 = 21.48 EUR.</summary>
    public static PlaceOrder Place() => new(OrderId, "web", "cust-1", "EUR",
        [new OrderLineRequest("SKU-A", 2, 9.99m), new OrderLineRequest("SKU-B", 3, 0.50m)], Shipping);

    public const decimal Total = 21.48m;

    public static ConfirmPayment Pay(string reference = "pay-1", decimal amount = Total, string currency = "EUR") => new(OrderId, amount, currency, reference);

    public static CompleteReservation AllReserved() => new(OrderId, [new("SKU-A", true, null, null), new("SKU-B", true, null, null)]);

    public static CompleteReservation SecondRefused() => new(OrderId,
        [new("SKU-A", true, null, null), new("SKU-B", false, "InsufficientStock", "requested 3, available 1")]);

    public static OrderState Given(params IOrderEvent[] events) => OrderDecider.Fold(OrderState.Initial(OrderId), events);

    public static Decision<IOrderEvent, OrderRejection> When(OrderState state, IOrderCommand command, DateTimeOffset? now = null, OrderRules? rules = null) =>
        OrderDecider.Decide(state, command, now ?? T0, rules ?? Rules);

    /// <summary>Decides and evolves, failing the test if the command is refused.</summary>
    public static OrderState Apply(OrderState state, IOrderCommand command, DateTimeOffset? now = null)
    {
        var d = When(state, command, now);
        Assert.False(d.IsRejected, $"expected {command} to be accepted, got {d.Rejection}");
        return OrderDecider.Fold(state, d.Events);
    }

    // States along the happy path and its branches, built through the decider itself.
    public static OrderState Placed() => Apply(Given(), Place());

    public static OrderState Reserved() => Apply(Placed(), AllReserved(), T0.AddSeconds(1));

    public static OrderState Rejected() => Apply(Placed(), SecondRefused(), T0.AddSeconds(1));

    public static OrderState Paid() => Apply(Reserved(), Pay(), T0.AddMinutes(5));

    public static OrderState Cancelled() => Apply(Reserved(), new CancelOrder(OrderId, "changed my mind"), T0.AddMinutes(5));

    public static OrderState Expired() => Apply(Reserved(), new ExpireOrder(OrderId), ExpiresAt);

    public static OrderState InStatus(OrderStatus status) => status switch
    {
        OrderStatus.None => Given(),
        OrderStatus.Placed => Placed(),
        OrderStatus.Reserved => Reserved(),
        OrderStatus.Paid => Paid(),
        OrderStatus.Rejected => Rejected(),
        OrderStatus.Cancelled => Cancelled(),
        OrderStatus.Expired => Expired(),
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static IOrderEvent SingleEvent(Decision<IOrderEvent, OrderRejection> d)
    {
        Assert.False(d.IsRejected, $"expected acceptance, got {d.Rejection}");
        return Assert.Single(d.Events);
    }

    public static OrderRejection Refused(Decision<IOrderEvent, OrderRejection> d, OrderRejectionCode code)
    {
        Assert.True(d.IsRejected, $"expected a {code} rejection, got events [{string.Join(", ", d.Events)}]");
        Assert.Empty(d.Events);
        Assert.Equal(code, d.Rejection!.Code);
        return d.Rejection;
    }

    public static void NoOp(Decision<IOrderEvent, OrderRejection> d)
    {
        Assert.False(d.IsRejected, $"expected an accepted no-op, got {d.Rejection}");
        Assert.Empty(d.Events);
    }
}
