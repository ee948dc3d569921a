using OrderEngine.Domain.ShippingMethods;

namespace OrderEngine.Domain.Orders;

// The shipping method an order ships with. The choice itself is made by the pure ShippingChooser over the rules and the
// products (Domain/Shipping); the order records what was chosen, and why, once it is paid (or confirmed, for cash on
// delivery). When no method is eligible the order is held for review, naming why, until an operator chooses one.

/// <summary>The automatic choice for a paid (or cash-on-delivery) order, as quoted when it became so.</summary>
public sealed record ChooseShippingMethod(string OrderId, ShippingChoice Choice) : IOrderCommand;

/// <summary>An operator sets the order's shipping method (any method the rules define), which also lifts a shipping hold.</summary>
public sealed record OverrideShippingMethod(string OrderId, ShippingChoice Choice) : IOrderCommand;

/// <summary>The order's shipping method was chosen (or, with <see cref="ShippingChoice.IsNone"/>, none was eligible: the order is held).</summary>
public sealed record ShippingMethodChosen(string OrderId, ShippingChoice Choice, DateTimeOffset At) : IOrderEvent;

/// <summary>The rules of an order's shipping method, called by <see cref="OrderDecider"/>.</summary>
public static class ShippingMethodDecider
{
    public static Decision<IOrderEvent, OrderRejection> DecideChoose(OrderState s, ChooseShippingMethod c, DateTimeOffset now) =>
        s.NeedsShippingMethod && c.Choice.ChosenBy is null
            ? Decision<IOrderEvent, OrderRejection>.Accept(new ShippingMethodChosen(s.OrderId, c.Choice, now))
            : Decision<IOrderEvent, OrderRejection>.AlreadyDone;

    public static Decision<IOrderEvent, OrderRejection> DecideOverride(OrderState s, OverrideShippingMethod c, DateTimeOffset now)
    {
        if (!s.Exists) return Reject(OrderRejectionCode.NotFound, $"order {s.OrderId} does not exist");
        if (c.Choice.IsNone || string.IsNullOrWhiteSpace(c.Choice.ChosenBy))
            return Decision<IOrderEvent, OrderRejection>.Reject(new OrderRejection(OrderRejectionCode.Invalid, "a method and who chooses it are required",
                [new FieldError("methodId", "a method the shipping rules define"), new FieldError("by", "who chooses it")]));
        if (s.Status is not (OrderStatus.Paid or OrderStatus.Confirmed or OrderStatus.Reserved or OrderStatus.OnHold))
            return Reject(OrderRejectionCode.InvalidState, $"order {s.OrderId} is {s.Status.ToString().ToLowerInvariant()}; it ships nothing");
        if (!s.Shipments.IsEmpty) return Reject(OrderRejectionCode.InvalidState, $"order {s.OrderId} has shipped already");
        if (s.ShippingMethod is { } current && current.MethodId == c.Choice.MethodId && current.ChosenBy == c.Choice.ChosenBy)
            return Decision<IOrderEvent, OrderRejection>.AlreadyDone;
        return Decision<IOrderEvent, OrderRejection>.Accept(new ShippingMethodChosen(s.OrderId, c.Choice, now));
    }

    public static OrderState Evolve(OrderState s, ShippingMethodChosen x) => s with
    {
        ShippingMethod = x.Choice,
        History = x.Choice.IsNone
            ? s.History.Add(new(OrderStatus.OnHold, x.At, "shipping: " + x.Choice.Reason, "system"))
            : x.Choice.ChosenBy is { } by
                ? s.History.Add(new(s.ViewStatusWith(x.Choice), x.At, $"shipping method {x.Choice.MethodId}: {x.Choice.Reason}", "operator:" + by))
                : s.History,
    };

    private static Decision<IOrderEvent, OrderRejection> Reject(OrderRejectionCode code, string message) =>
        Decision<IOrderEvent, OrderRejection>.Reject(OrderRejection.Of(code, message));
}
