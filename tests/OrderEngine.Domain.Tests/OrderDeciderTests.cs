using System.Collections.Immutable;
using OrderEngine.Domain.Orders;
using static OrderEngine.Domain.Tests.OrderTestKit;

namespace OrderEngine.Domain.Tests;

/// <summary>One example per rule of the order decider: given events, when a command, then events or a rejection.</summary>
public class OrderDeciderTests
{
    // ---------------------------------------------------------------- PlaceOrder

    [Fact]
    public void Placing_a_valid_order_prices_it_and_holds_it_for_the_hold_time()
    {
        var e = Assert.IsType<OrderPlaced>(SingleEvent(When(Given(), Place())));

        Assert.Equal((OrderId, "web", "cust-1", "EUR"), (e.OrderId, e.Channel, e.CustomerId, e.Currency));
        Assert.Equal([new OrderLine("SKU-A", 2, 9.99m, 19.98m), new OrderLine("SKU-B", 3, 0.50m, 1.50m)], e.Lines.ToArray());
        Assert.Equal(Total, e.Total);
        Assert.Equal(Shipping, e.ShippingAddress);
        Assert.Equal(T0, e.At);
        Assert.Equal(T0.AddMinutes(15), e.ExpiresAt);
    }

    [Fact]
    public void The_hold_time_comes_from_the_rules()
    {
        var e = Assert.IsType<OrderPlaced>(SingleEvent(When(Given(), Place(), rules: new OrderRules(TimeSpan.FromMinutes(40)))));

        Assert.Equal(T0.AddMinutes(40), e.ExpiresAt);
    }

    [Fact]
    public void A_placed_order_is_reserving_its_stock()
    {
        var s = Placed();

        Assert.Equal(OrderStatus.Placed, s.Status);
        Assert.Equal(PendingStockAction.Reserve, s.PendingStock);
        Assert.Equal([new StatusChange(OrderStatus.Placed, T0, null, "channel:web")], s.History.ToArray());
    }

    [Fact]
    public void Free_lines_and_orders_without_an_address_are_valid()
    {
        var e = Assert.IsType<OrderPlaced>(SingleEvent(When(Given(), Place() with { Lines = [new("SKU-A", 1, 0m)], ShippingAddress = null })));

        Assert.Equal(0m, e.Total);
        Assert.Null(e.ShippingAddress);
    }

    [Theory]
    [InlineData("JPY", "1500")]
    [InlineData("BHD", "1.234")]
    [InlineData("EUR", "1.5")]
    public void Prices_with_the_currencys_decimals_are_valid(string currency, string price)
    {
        var p = Place() with { Currency = currency, Lines = [new("SKU-A", 1, decimal.Parse(price, System.Globalization.CultureInfo.InvariantCulture))] };

        Assert.IsType<OrderPlaced>(SingleEvent(When(Given(), p)));
    }

    private static readonly Dictionary<string, Func<PlaceOrder, PlaceOrder>> InvalidPlacements = new()
    {
        ["empty lines"] = p => p with { Lines = [] },
        ["default lines"] = p => p with { Lines = default },
        ["too many lines"] = p => p with { Lines = [.. Enumerable.Range(0, Rules.MaxLines + 1).Select(i => new OrderLineRequest($"SKU-{i}", 1, 1m))] },
        ["null line"] = p => p with { Lines = [null!, p.Lines[1]] },
        ["zero quantity"] = p => p with { Lines = [p.Lines[0] with { Quantity = 0 }, p.Lines[1]] },
        ["negative quantity"] = p => p with { Lines = [p.Lines[0], p.Lines[1] with { Quantity = -2 }] },
        ["over-max quantity"] = p => p with { Lines = [p.Lines[0] with { Quantity = Rules.MaxLineQuantity + 1 }, p.Lines[1]] },
        ["negative price"] = p => p with { Lines = [p.Lines[0] with { UnitPrice = -0.01m }, p.Lines[1]] },
        ["over-max price"] = p => p with { Lines = [p.Lines[0] with { UnitPrice = OrderRules.MaxUnitPrice + 1 }, p.Lines[1]] },
        ["EUR 9.999"] = p => p with { Lines = [p.Lines[0] with { UnitPrice = 9.999m }, p.Lines[1]] },
        ["JPY 1.5"] = p => p with { Currency = "JPY", Lines = [p.Lines[0] with { UnitPrice = 1m }, p.Lines[1] with { UnitPrice = 1.5m }] },
        ["unknown currency"] = p => p with { Currency = "XYZ" },
        ["lower-case currency"] = p => p with { Currency = "eur" },
        ["sku over its limit across lines"] = p => p with { Lines = [p.Lines[0] with { Quantity = Rules.MaxLineQuantity }, p.Lines[1] with { Sku = "SKU-A" }] },
        ["bad sku"] = p => p with { Lines = [p.Lines[0] with { Sku = "SKU A" }, p.Lines[1]] },
        ["bad channel"] = p => p with { Channel = "Web Shop" },
        ["missing customer"] = p => p with { CustomerId = "" },
        ["blank customer"] = p => p with { CustomerId = "   " },
        ["overlong customer"] = p => p with { CustomerId = new string('c', 129) },
        ["customer with a control character"] = p => p with { CustomerId = "c-1\n" },
        ["customer named like a quarantined record's key"] = p => p with { CustomerId = "quarantine/q-0123456789abcdef0123456789abcdef" },
        ["bad order id"] = p => p with { OrderId = "o/1" },
        ["lower-case country"] = p => p with { ShippingAddress = Shipping with { Country = "de" } },
        ["three-letter country"] = p => p with { ShippingAddress = Shipping with { Country = "DEU" } },
        ["overlong city"] = p => p with { ShippingAddress = Shipping with { City = new string('x', 201) } },
    };

    [Theory]
    [InlineData("empty lines", "lines")]
    [InlineData("default lines", "lines")]
    [InlineData("too many lines", "lines")]
    [InlineData("null line", "lines[0]")]
    [InlineData("zero quantity", "lines[0].quantity")]
    [InlineData("negative quantity", "lines[1].quantity")]
    [InlineData("over-max quantity", "lines[0].quantity")]
    [InlineData("negative price", "lines[0].unitPrice")]
    [InlineData("over-max price", "lines[0].unitPrice")]
    [InlineData("EUR 9.999", "lines[0].unitPrice")]
    [InlineData("JPY 1.5", "lines[1].unitPrice")]
    [InlineData("unknown currency", "currency")]
    [InlineData("lower-case currency", "currency")]
    [InlineData("sku over its limit across lines", "lines[1].quantity")]
    [InlineData("bad sku", "lines[0].sku")]
    [InlineData("bad channel", "channel")]
    [InlineData("missing customer", "customerId")]
    [InlineData("blank customer", "customerId")]
    [InlineData("overlong customer", "customerId")]
    [InlineData("customer with a control character", "customerId")]
    [InlineData("customer named like a quarantined record's key", "customerId")]
    [InlineData("bad order id", "id")]
    [InlineData("lower-case country", "shippingAddress.country")]
    [InlineData("three-letter country", "shippingAddress.country")]
    [InlineData("overlong city", "shippingAddress.city")]
    public void An_invalid_placement_is_refused_naming_the_field_by_its_json_path(string @case, string field)
    {
        var command = InvalidPlacements[@case](Place());
        // The entity is the one the command is addressed to (a bad order id still reaches an entity of that id).
        var r = Refused(When(OrderState.Initial(command.OrderId), command), OrderRejectionCode.Invalid);

        Assert.Equal(field, Assert.Single(r.Errors).Field);
    }

    [Fact]
    public void Every_invalid_field_is_reported_at_once()
    {
        var p = Place() with
        {
            Channel = "",
            CustomerId = "",
            Lines = [new("SKU-A", 0, 9.999m), new("SKU B", 1, 1m)],
        };

        var r = Refused(When(Given(), p), OrderRejectionCode.Invalid);

        Assert.Equal(["channel", "customerId", "lines[0].quantity", "lines[0].unitPrice", "lines[1].sku"], r.Errors.Select(e => e.Field).Order());
    }

    [Fact]
    public void A_placement_is_validated_even_when_the_order_exists()
    {
        Refused(When(Placed(), Place() with { Currency = "XYZ" }), OrderRejectionCode.Invalid);
    }

    [Fact]
    public void Repeating_the_same_placement_changes_nothing()
    {
        NoOp(When(Placed(), Place(), T0.AddMinutes(3)));
        NoOp(When(Paid(), Place(), T0.AddMinutes(30)));
    }

    [Fact]
    public void A_repeat_written_with_more_trailing_zeros_is_the_same_placement()
    {
        NoOp(When(Placed(), Place() with { Lines = [new("SKU-A", 2, 9.990m), new("SKU-B", 3, 0.5m)] }));
    }

    private static readonly Dictionary<string, Func<PlaceOrder, PlaceOrder>> OtherBodies = new()
    {
        ["quantity"] = p => p with { Lines = [p.Lines[0] with { Quantity = 3 }, p.Lines[1]] },
        ["price"] = p => p with { Lines = [p.Lines[0] with { UnitPrice = 9.98m }, p.Lines[1]] },
        ["sku"] = p => p with { Lines = [p.Lines[0] with { Sku = "SKU-C" }, p.Lines[1]] },
        ["line order"] = p => p with { Lines = [p.Lines[1], p.Lines[0]] },
        ["extra line"] = p => p with { Lines = [.. p.Lines, new("SKU-C", 1, 1m)] },
        ["customer"] = p => p with { CustomerId = "cust-2" },
        ["channel"] = p => p with { Channel = "shop" },
        ["currency"] = p => p with { Currency = "USD" },
        ["address"] = p => p with { ShippingAddress = Shipping with { Line2 = "Apt 4" } },
        ["no address"] = p => p with { ShippingAddress = null },
    };

    [Theory]
    [InlineData("quantity")]
    [InlineData("price")]
    [InlineData("sku")]
    [InlineData("line order")]
    [InlineData("extra line")]
    [InlineData("customer")]
    [InlineData("channel")]
    [InlineData("currency")]
    [InlineData("address")]
    [InlineData("no address")]
    public void Placing_the_same_id_with_a_different_body_is_an_idempotency_conflict(string difference)
    {
        Refused(When(Placed(), OtherBodies[difference](Place())), OrderRejectionCode.IdempotencyConflict);
    }

    // ---------------------------------------------------------------- CompleteReservation

    [Fact]
    public void When_every_line_is_reserved_the_order_is_reserved()
    {
        var d = When(Placed(), AllReserved(), T0.AddSeconds(1));

        Assert.Equal(new OrderReserved(OrderId, T0.AddSeconds(1)), SingleEvent(d));
        var s = OrderDecider.Fold(Placed(), d.Events);
        Assert.Equal(OrderStatus.Reserved, s.Status);
        Assert.Equal(PendingStockAction.None, s.PendingStock);
    }

    [Fact]
    public void When_one_line_is_refused_the_order_is_rejected_naming_that_line()
    {
        var e = Assert.IsType<OrderRejected>(SingleEvent(When(Placed(), SecondRefused(), T0.AddSeconds(1))));

        Assert.Equal([new LineRejection("SKU-B", "InsufficientStock", "requested 3, available 1")], e.Lines.ToArray());
        var s = OrderDecider.Fold(Placed(), [e]);
        Assert.Equal(OrderStatus.Rejected, s.Status);
        Assert.Equal("SKU-B: requested 3, available 1", s.History[^1].Reason);
    }

    [Fact]
    public void A_refusal_without_code_or_reason_gets_defaults()
    {
        var e = Assert.IsType<OrderRejected>(SingleEvent(When(Placed(),
            new CompleteReservation(OrderId, [new("SKU-A", false, null, null), new("SKU-B", true, null, null)]))));

        Assert.Equal([new LineRejection("SKU-A", "Refused", "the line could not be reserved")], e.Lines.ToArray());
    }

    [Theory]
    [InlineData(OrderStatus.None)]
    [InlineData(OrderStatus.Reserved)]
    [InlineData(OrderStatus.Rejected)]
    [InlineData(OrderStatus.Paid)]
    [InlineData(OrderStatus.Cancelled)]
    [InlineData(OrderStatus.Expired)]
    public void Completing_a_reservation_outside_placed_changes_nothing(OrderStatus status)
    {
        NoOp(When(InStatus(status), SecondRefused(), T0.AddMinutes(1)));
    }

    [Fact]
    public void Completing_a_reservation_without_an_outcome_for_every_line_throws()
    {
        Assert.Throws<ArgumentException>(() => When(Placed(), new CompleteReservation(OrderId, [new("SKU-A", true, null, null)])));
    }

    // ---------------------------------------------------------------- ConfirmPayment

    [Fact]
    public void A_payment_of_exactly_the_total_pays_the_order()
    {
        var d = When(Reserved(), Pay(), T0.AddMinutes(5));

        Assert.Equal(new PaymentConfirmed(OrderId, Total, "EUR", "pay-1", T0.AddMinutes(5)), SingleEvent(d));
        var s = OrderDecider.Fold(Reserved(), d.Events);
        Assert.Equal(OrderStatus.Paid, s.Status);
        Assert.Equal(new PaymentRecord(Total, "EUR", "pay-1", T0.AddMinutes(5)), s.Payment);
        Assert.Equal(PendingStockAction.Commit, s.PendingStock);
    }

    [Fact]
    public void A_payment_with_more_trailing_zeros_is_the_same_amount()
    {
        Assert.IsType<PaymentConfirmed>(SingleEvent(When(Reserved(), Pay(amount: 21.480m), T0.AddMinutes(5))));
    }

    [Fact]
    public void A_payment_in_another_currency_is_a_mismatch()
    {
        var r = Refused(When(Reserved(), Pay(currency: "USD"), T0.AddMinutes(5)), OrderRejectionCode.PaymentMismatch);
        Assert.Contains("USD", r.Message);
    }

    [Theory]
    [InlineData("21.47")]
    [InlineData("21.49")]
    [InlineData("0")]
    [InlineData("-21.48")]
    public void A_payment_of_another_amount_is_a_mismatch(string amount)
    {
        Refused(When(Reserved(), Pay(amount: decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture)), T0.AddMinutes(5)),
            OrderRejectionCode.PaymentMismatch);
    }

    [Fact]
    public void A_payment_at_or_after_the_expiry_time_is_refused_as_expired()
    {
        Refused(When(Reserved(), Pay(), ExpiresAt), OrderRejectionCode.HoldExpired);
        Refused(When(Reserved(), Pay(), ExpiresAt.AddHours(1)), OrderRejectionCode.HoldExpired);
        Assert.IsType<PaymentConfirmed>(SingleEvent(When(Reserved(), Pay(), ExpiresAt.AddTicks(-1))));
    }

    [Fact]
    public void A_payment_while_stock_is_being_reserved_is_refused_as_invalid_state()
    {
        Refused(When(Placed(), Pay(), T0.AddSeconds(1)), OrderRejectionCode.InvalidState);
    }

    [Theory]
    [InlineData(OrderStatus.Rejected)]
    [InlineData(OrderStatus.Cancelled)]
    [InlineData(OrderStatus.Expired)]
    public void A_payment_of_an_ended_order_is_refused_as_invalid_state(OrderStatus status)
    {
        Refused(When(InStatus(status), Pay(), T0.AddMinutes(5)), OrderRejectionCode.InvalidState);
    }

    [Fact]
    public void Repeating_the_same_payment_of_a_paid_order_changes_nothing()
    {
        NoOp(When(Paid(), Pay(), T0.AddMinutes(6)));
        NoOp(When(Paid(), Pay(), ExpiresAt.AddHours(2))); // a late retry still gets the same answer
    }

    [Theory]
    [InlineData("pay-2", "21.48", "EUR")]
    [InlineData("pay-1", "21.47", "EUR")]
    [InlineData("pay-1", "21.48", "USD")]
    public void Another_payment_of_a_paid_order_is_refused_as_invalid_state(string reference, string amount, string currency)
    {
        var r = Refused(When(Paid(), Pay(reference, decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture), currency), T0.AddMinutes(6)),
            OrderRejectionCode.InvalidState);
        Assert.Contains("pay-1", r.Message);
    }

    [Fact]
    public void A_payment_of_an_unknown_order_is_refused_as_not_found()
    {
        Refused(When(Given(), Pay()), OrderRejectionCode.NotFound);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData(null)]
    public void A_payment_without_a_reference_is_invalid(string? reference)
    {
        Refused(When(Reserved(), Pay(reference!), T0.AddMinutes(5)), OrderRejectionCode.Invalid);
    }

    [Fact]
    public void A_payment_reference_over_128_characters_is_invalid()
    {
        Refused(When(Reserved(), Pay(new string('r', 129)), T0.AddMinutes(5)), OrderRejectionCode.Invalid);
        Assert.IsType<PaymentConfirmed>(SingleEvent(When(Reserved(), Pay(new string('r', 128)), T0.AddMinutes(5))));
    }

    // ---------------------------------------------------------------- CancelOrder

    [Theory]
    [InlineData(OrderStatus.Placed)]
    [InlineData(OrderStatus.Reserved)]
    public void An_unpaid_order_can_be_cancelled(OrderStatus status)
    {
        var d = When(InStatus(status), new CancelOrder(OrderId, "changed my mind"), T0.AddMinutes(2));

        Assert.Equal(new OrderCancelled(OrderId, "changed my mind", T0.AddMinutes(2), "customer"), SingleEvent(d));
        var s = OrderDecider.Fold(InStatus(status), d.Events);
        Assert.Equal(OrderStatus.Cancelled, s.Status);
        Assert.Equal(PendingStockAction.Release, s.PendingStock);
        Assert.Equal(new StatusChange(OrderStatus.Cancelled, T0.AddMinutes(2), "changed my mind", "customer"), s.History[^1]);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData(null)]
    public void A_cancellation_without_a_reason_says_cancelled(string? reason)
    {
        var e = Assert.IsType<OrderCancelled>(SingleEvent(When(Reserved(), new CancelOrder(OrderId, reason!))));
        Assert.Equal("cancelled", e.Reason);
    }

    [Fact]
    public void A_cancellation_reason_over_500_characters_is_invalid()
    {
        Refused(When(Reserved(), new CancelOrder(OrderId, new string('r', 501))), OrderRejectionCode.Invalid);
    }

    [Fact]
    public void Repeating_a_cancellation_changes_nothing()
    {
        NoOp(When(Cancelled(), new CancelOrder(OrderId, "changed my mind"), T0.AddMinutes(6)));
        NoOp(When(Cancelled(), new CancelOrder(OrderId, "another reason"), T0.AddMinutes(6)));
    }

    [Fact]
    public void Cancelling_a_paid_order_is_refused()
    {
        var r = Refused(When(Paid(), new CancelOrder(OrderId, "too late"), T0.AddMinutes(6)), OrderRejectionCode.InvalidState);
        Assert.Contains("refund", r.Message);
    }

    [Theory]
    [InlineData(OrderStatus.Rejected)]
    [InlineData(OrderStatus.Expired)]
    public void Cancelling_an_order_that_ended_otherwise_is_refused(OrderStatus status)
    {
        Refused(When(InStatus(status), new CancelOrder(OrderId, "x"), T0.AddMinutes(30)), OrderRejectionCode.InvalidState);
    }

    [Fact]
    public void Cancelling_an_unknown_order_is_refused_as_not_found()
    {
        Refused(When(Given(), new CancelOrder(OrderId, "x")), OrderRejectionCode.NotFound);
    }

    // ---------------------------------------------------------------- ExpireOrder

    [Fact]
    public void A_reserved_order_expires_once_its_hold_time_has_passed()
    {
        var d = When(Reserved(), new ExpireOrder(OrderId), ExpiresAt);

        Assert.Equal(new OrderExpired(OrderId, ExpiresAt), SingleEvent(d));
        var s = OrderDecider.Fold(Reserved(), d.Events);
        Assert.Equal(OrderStatus.Expired, s.Status);
        Assert.Equal(PendingStockAction.Release, s.PendingStock);
    }

    [Fact]
    public void A_reserved_order_does_not_expire_before_its_hold_time()
    {
        NoOp(When(Reserved(), new ExpireOrder(OrderId), ExpiresAt.AddTicks(-1)));
    }

    [Theory]
    [InlineData(OrderStatus.None)]
    [InlineData(OrderStatus.Placed)]
    [InlineData(OrderStatus.Paid)]
    [InlineData(OrderStatus.Rejected)]
    [InlineData(OrderStatus.Cancelled)]
    [InlineData(OrderStatus.Expired)]
    public void Only_a_reserved_order_expires(OrderStatus status)
    {
        NoOp(When(InStatus(status), new ExpireOrder(OrderId), ExpiresAt.AddHours(1)));
    }

    // ---------------------------------------------------------------- stock settlement

    [Theory]
    [InlineData(OrderStatus.None, PendingStockAction.None)]
    [InlineData(OrderStatus.Placed, PendingStockAction.Reserve)]
    [InlineData(OrderStatus.Reserved, PendingStockAction.None)]
    [InlineData(OrderStatus.Paid, PendingStockAction.Commit)]
    [InlineData(OrderStatus.Rejected, PendingStockAction.Release)]
    [InlineData(OrderStatus.Cancelled, PendingStockAction.Release)]
    [InlineData(OrderStatus.Expired, PendingStockAction.Release)]
    public void Each_status_owes_its_stock_step_until_settled(OrderStatus status, PendingStockAction pending)
    {
        var s = InStatus(status);
        Assert.Equal(status, s.Status);
        Assert.Equal(pending, s.PendingStock);

        var d = When(s, new MarkStockSettled(OrderId), T0.AddMinutes(30));
        if (pending is PendingStockAction.Commit or PendingStockAction.Release)
        {
            Assert.Equal(new OrderStockSettled(OrderId, T0.AddMinutes(30)), SingleEvent(d));
            var settled = OrderDecider.Fold(s, d.Events);
            Assert.True(settled.StockSettled);
            Assert.Equal(status, settled.Status);
            Assert.Equal(PendingStockAction.None, settled.PendingStock);
            NoOp(When(settled, new MarkStockSettled(OrderId), T0.AddMinutes(31)));
        }
        else
        {
            NoOp(d);
        }
    }

    [Fact]
    public void A_due_reservation_notice_changes_nothing()
    {
        NoOp(When(Reserved(), new ReservationDue(OrderId, "SKU-A"), ExpiresAt.AddHours(1)));
    }

    [Fact]
    public void Deciding_an_unknown_command_throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => When(Reserved(), new UnknownOrderCommand(OrderId)));
    }

    private sealed record UnknownOrderCommand(string OrderId) : IOrderCommand;

    // ---------------------------------------------------------------- OrderView

    [Fact]
    public void The_view_shows_the_rejection_reason_on_each_refused_line()
    {
        var v = OrderView.From(Rejected());

        Assert.Equal(OrderStatus.Rejected, v.Status);
        Assert.Equal(
            [
                new OrderLineView("SKU-A", 2, 9.99m, 19.98m, null, null),
                new OrderLineView("SKU-B", 3, 0.50m, 1.50m, "InsufficientStock", "requested 3, available 1"),
            ],
            v.Lines.ToArray());
    }

    [Fact]
    public void The_view_shows_the_order_as_it_stands()
    {
        var s = Paid();
        var v = s.ToView();

        Assert.Equal((OrderId, "web", "cust-1", "EUR", Total), (v.Id, v.Channel, v.CustomerId, v.Currency, v.Total));
        Assert.Equal((T0, ExpiresAt), (v.PlacedAt, v.ExpiresAt));
        Assert.Equal(Shipping, v.ShippingAddress);
        Assert.Equal(new PaymentRecord(Total, "EUR", "pay-1", T0.AddMinutes(5)), v.Payment);
        Assert.False(v.StockSettled);
        Assert.Equal([OrderStatus.Placed, OrderStatus.Reserved, OrderStatus.Paid], v.History.Select(h => h.Status));
        Assert.All(v.Lines, l => Assert.Null(l.RejectionCode));
    }

    [Fact]
    public void An_order_that_was_never_placed_has_no_view()
    {
        Assert.Throws<InvalidOperationException>(() => OrderView.From(Given()));
    }
}
