using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Stock;
using static OrderEngine.Domain.Tests.StockTestKit;

namespace OrderEngine.Domain.Tests;

/// <summary>Inputs at the edges of what the types allow, each once a crash or a silent acceptance.</summary>
public class DomainEdgeCaseTests
{
    [Fact]
    public void Adjusting_by_the_smallest_long_is_refused_as_invalid()
    {
        Rejected(When(Given(Set(10)), new AdjustOnHand(Sku, "adj-1", long.MinValue, AdjustmentReason.Correction)), StockRejectionCode.Invalid);
    }

    [Fact]
    public void An_entity_id_with_a_trailing_line_break_is_invalid()
    {
        Assert.False(Identifiers.IsValidEntityId("o-1\n"));
        Rejected(When(Given(Set(10)), new ReserveStock(Sku, "o-1\n", 1, T0.AddMinutes(15))), StockRejectionCode.Invalid);
    }

    [Fact]
    public void A_channel_with_a_trailing_line_break_is_invalid()
    {
        Assert.False(Identifiers.IsValidChannel("web\n"));
    }

    [Fact]
    public void A_stock_command_for_another_sku_is_refused()
    {
        Rejected(When(Given(Set(10)), new ReserveStock("OTHER-SKU", "o-1", 1, T0.AddMinutes(15))), StockRejectionCode.Invalid);
    }

    [Fact]
    public void An_order_command_for_another_order_is_refused()
    {
        var state = OrderState.Initial("o-1");
        var decision = OrderDecider.Decide(state, new CancelOrder("o-2", "x"), T0, OrderRules.Default);
        Assert.Equal(OrderRejectionCode.Invalid, decision.Rejection?.Code);
    }
}
