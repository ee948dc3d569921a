using OrderEngine.Domain.Orders;
using OrderEngine.Domain.ShippingMethods;
using static OrderEngine.Domain.Tests.OrderTestKit;

namespace OrderEngine.Domain.Tests;

/// <summary>A paid order records its shipping method; with none eligible it is held until an operator chooses one.</summary>
public class ShippingMethodDeciderTests
{
    private static readonly ShippingChoice Standard = new("standard", ShippingKind.Standard, "DHL Paket", 4.90m, "EUR", null, null, "cheapest eligible: standard");
    private static readonly ShippingChoice None = new(null, null, null, null, "EUR", null, null, "no zone serves US");

    private static OrderState PaidSettled() => Apply(Paid(), new MarkStockSettled(OrderId), T0.AddMinutes(6));

    [Fact]
    public void A_paid_order_with_an_address_records_its_method_once()
    {
        var s = PaidSettled();
        Assert.True(s.NeedsShippingMethod);

        s = Apply(s, new ChooseShippingMethod(OrderId, Standard), T0.AddMinutes(7));

        Assert.Equal("standard", s.ShippingMethod!.MethodId);
        Assert.False(s.NeedsShippingMethod);
        Assert.Empty(When(s, new ChooseShippingMethod(OrderId, Standard with { MethodId = "express" })).Events);
        Assert.Equal(OrderStatus.Paid, s.ToView().Status);
    }

    [Fact]
    public void An_unpaid_order_or_one_without_an_address_waits_for_no_method()
    {
        Assert.Empty(When(Reserved(), new ChooseShippingMethod(OrderId, Standard)).Events);
        var noAddress = Apply(Apply(Apply(Given(), Place() with { ShippingAddress = null }), AllReserved(), T0), Pay(), T0.AddMinutes(1));
        Assert.False(noAddress.NeedsShippingMethod);
    }

    [Fact]
    public void With_no_eligible_method_the_order_is_held_naming_why_and_ships_nothing_until_an_operator_chooses()
    {
        var held = Apply(PaidSettled(), new ChooseShippingMethod(OrderId, None), T0.AddMinutes(7));

        var view = held.ToView();
        Assert.Equal(OrderStatus.OnHold, view.Status);
        Assert.Contains("shipping: no zone serves US", view.HoldReasons);
        Assert.Equal(OrderStatus.Paid, held.Status); // the money is untouched
        Refused(When(held, new RecordShipment(OrderId, "sh-1", [new ShipmentLine("SKU-A", 1)], "dhl", "T1")), OrderRejectionCode.InvalidState);

        var chosen = Apply(held, new OverrideShippingMethod(OrderId, Standard with { ChosenBy = "ann" }), T0.AddMinutes(8));

        Assert.Equal(OrderStatus.Paid, chosen.ToView().Status);
        Assert.Empty(chosen.ToView().HoldReasons);
        Assert.False(When(chosen, new RecordShipment(OrderId, "sh-1", [new ShipmentLine("SKU-A", 1)], "dhl", "T1")).IsRejected);
        Assert.Empty(When(chosen, new OverrideShippingMethod(OrderId, Standard with { ChosenBy = "ann" })).Events);
    }

    [Fact]
    public void An_override_needs_a_method_and_who_chose_it_and_is_refused_once_shipped()
    {
        Refused(When(PaidSettled(), new OverrideShippingMethod(OrderId, Standard)), OrderRejectionCode.Invalid);
        var shipped = Apply(PaidSettled(), new RecordShipment(OrderId, "sh-1", [new ShipmentLine("SKU-A", 1)], "dhl", "T1"), T0.AddMinutes(7));
        Refused(When(shipped, new OverrideShippingMethod(OrderId, Standard with { ChosenBy = "ann" })), OrderRejectionCode.InvalidState);
    }
}
