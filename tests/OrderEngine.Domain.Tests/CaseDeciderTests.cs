using System.Collections.Immutable;
using OrderEngine.Domain.Cases;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Payments;

namespace OrderEngine.Domain.Tests;

/// <summary>Given-events / when-command / then-events helpers for the case decider.</summary>
internal static class CaseTestKit
{
    public const string CaseId = "case-1";
    public const string OrderId = "o-1";
    public static readonly DateTimeOffset T0 = TestTime.T0;
    public static readonly CaseRules Rules = CaseRules.Default;

    public static OpenCase Open(CaseType type = CaseType.Damaged, string description = "the box arrived crushed") => new(CaseId, OrderId, type, description, "customer-1");

    public static CaseState Given(params ICaseEvent[] events) => CaseDecider.Fold(CaseState.Initial(CaseId), events);

    public static Decision<ICaseEvent, CaseRejection> When(CaseState s, ICaseCommand c, DateTimeOffset? now = null) => CaseDecider.Decide(s, c, now ?? T0, Rules);

    public static CaseState Apply(CaseState s, ICaseCommand c, DateTimeOffset? now = null)
    {
        var d = When(s, c, now);
        Assert.False(d.IsRejected, $"expected {c} to be accepted, got {d.Rejection}");
        return CaseDecider.Fold(s, d.Events);
    }

    public static CaseState Opened() => Apply(CaseState.Initial(CaseId), Open());

    public static CaseState InProgress() => Apply(Opened(), new StartCase(CaseId, "alice"));

    public static CaseState Resolved(DateTimeOffset? at = null) => Apply(InProgress(), new ResolveCase(CaseId, "refunded the damaged unit", "alice"), at);

    public static RequestCaseAction Refund(string actionId = "a-1", decimal? amount = 5m) => new(CaseId, actionId, CaseActionType.Refund, amount, [], "alice");

    public static RequestCaseAction Reship(string actionId = "a-2", string sku = "SKU-A", int quantity = 1) =>
        new(CaseId, actionId, CaseActionType.Reship, null, [new CaseLine(sku, quantity)], "alice");
}

public class CaseDeciderTests
{
    private static CaseRejectionCode Refused(Decision<ICaseEvent, CaseRejection> d) => Assert.IsType<CaseRejection>(d.Rejection).Code;

    [Theory]
    [InlineData(CaseType.Damaged, 24)]
    [InlineData(CaseType.Missing, 24)]
    [InlineData(CaseType.Late, 48)]
    [InlineData(CaseType.WrongItem, 48)]
    [InlineData(CaseType.Other, 72)]
    public void An_opened_case_is_due_its_types_sla_after_it_was_opened(CaseType type, int hours)
    {
        var d = CaseTestKit.When(CaseState.Initial(CaseTestKit.CaseId), CaseTestKit.Open(type));

        var opened = Assert.IsType<CaseOpened>(Assert.Single(d.Events));
        Assert.Equal(CaseTestKit.T0.AddHours(hours), opened.DueAt);
        Assert.Equal(CaseTestKit.OrderId, opened.OrderId);
    }

    [Fact]
    public void A_configured_sla_replaces_the_default_of_its_type()
    {
        var rules = CaseRules.Default with { Sla = CaseRules.DefaultSla.SetItem(CaseType.Damaged, TimeSpan.FromHours(2)) };

        var d = CaseDecider.Decide(CaseState.Initial(CaseTestKit.CaseId), CaseTestKit.Open(), CaseTestKit.T0, rules);

        Assert.Equal(CaseTestKit.T0.AddHours(2), Assert.IsType<CaseOpened>(Assert.Single(d.Events)).DueAt);
    }

    [Fact]
    public void Opening_again_with_the_same_body_changes_nothing_and_with_another_body_is_a_conflict()
    {
        var s = CaseTestKit.Opened();

        Assert.Empty(CaseTestKit.When(s, CaseTestKit.Open(), CaseTestKit.T0.AddHours(1)).Events);
        Assert.False(CaseTestKit.When(s, CaseTestKit.Open()).IsRejected);
        Assert.Equal(CaseRejectionCode.IdempotencyConflict, Refused(CaseTestKit.When(s, CaseTestKit.Open(CaseType.Late))));
        Assert.Equal(CaseRejectionCode.IdempotencyConflict, Refused(CaseTestKit.When(s, CaseTestKit.Open(description: "something else"))));
    }

    [Fact]
    public void An_opening_with_bad_fields_names_each_field()
    {
        var d = CaseTestKit.When(CaseState.Initial("x"), new OpenCase("x", "bad id!", (CaseType)99, "", ""));

        Assert.Equal(CaseRejectionCode.Invalid, Refused(d));
        Assert.Equal(["description", "openedBy", "orderId", "type"], d.Rejection!.Errors.Select(e => e.Field).Order());
    }

    [Fact]
    public void A_case_moves_open_inProgress_resolved_closed()
    {
        var s = CaseTestKit.Opened();
        Assert.Equal(CaseStatus.Open, s.Status);
        s = CaseTestKit.Apply(s, new StartCase(CaseTestKit.CaseId, "alice"));
        Assert.Equal((CaseStatus.InProgress, "alice"), (s.Status, s.Assignee));
        s = CaseTestKit.Apply(s, new ResolveCase(CaseTestKit.CaseId, "refunded", "alice"));
        Assert.Equal(CaseStatus.Resolved, s.Status);
        s = CaseTestKit.Apply(s, new CloseCase(CaseTestKit.CaseId, "alice"));
        Assert.Equal(CaseStatus.Closed, s.Status);
        Assert.Equal([CaseStatus.Open, CaseStatus.InProgress, CaseStatus.Resolved, CaseStatus.Closed], s.History.Select(h => h.Status));
    }

    [Fact]
    public void Skipping_a_step_is_refused_with_the_status_named()
    {
        var open = CaseTestKit.Opened();
        var resolveOpen = CaseTestKit.When(open, new ResolveCase(CaseTestKit.CaseId, "done", "alice"));
        Assert.Equal(CaseRejectionCode.InvalidState, Refused(resolveOpen));
        Assert.Contains("is open", resolveOpen.Rejection!.Message);
        Assert.Equal(CaseRejectionCode.InvalidState, Refused(CaseTestKit.When(open, new CloseCase(CaseTestKit.CaseId, "alice"))));
        Assert.Equal(CaseRejectionCode.InvalidState, Refused(CaseTestKit.When(CaseTestKit.InProgress(), new CloseCase(CaseTestKit.CaseId, "alice"))));
        Assert.Equal(CaseRejectionCode.InvalidState, Refused(CaseTestKit.When(open, CaseTestKit.Refund())));
    }

    [Fact]
    public void Another_operator_starting_an_inProgress_case_takes_it_over()
    {
        var s = CaseTestKit.Apply(CaseTestKit.InProgress(), new StartCase(CaseTestKit.CaseId, "bob"));

        Assert.Equal((CaseStatus.InProgress, "bob"), (s.Status, s.Assignee));
        Assert.Empty(CaseTestKit.When(s, new StartCase(CaseTestKit.CaseId, "bob")).Events);
    }

    [Fact]
    public void A_closed_case_takes_no_messages_and_cannot_be_reopened()
    {
        var closed = CaseTestKit.Apply(CaseTestKit.Resolved(), new CloseCase(CaseTestKit.CaseId, "alice"));

        Assert.Equal(CaseRejectionCode.InvalidState, Refused(CaseTestKit.When(closed, new AddCaseMessage(CaseTestKit.CaseId, "m-1", CaseAuthor.Customer, "Ada", "hello?"))));
        Assert.Equal(CaseRejectionCode.InvalidState, Refused(CaseTestKit.When(closed, new ReopenCase(CaseTestKit.CaseId, "still broken", "alice"))));
    }

    [Fact]
    public void A_resolved_case_reopens_within_the_window_only()
    {
        var resolved = CaseTestKit.Resolved(CaseTestKit.T0);

        var reopened = CaseTestKit.Apply(resolved, new ReopenCase(CaseTestKit.CaseId, "still broken", "alice"), CaseTestKit.T0.AddDays(13));
        Assert.Equal(CaseStatus.InProgress, reopened.Status);
        Assert.Null(reopened.Resolution);
        Assert.Empty(CaseTestKit.When(reopened, new ReopenCase(CaseTestKit.CaseId, "still broken", "alice"), CaseTestKit.T0.AddDays(13)).Events);

        var late = CaseTestKit.When(resolved, new ReopenCase(CaseTestKit.CaseId, "still broken", "alice"), CaseTestKit.T0.AddDays(15));
        Assert.Equal(CaseRejectionCode.InvalidState, Refused(late));
        Assert.Contains("open a new case", late.Rejection!.Message);
    }

    [Fact]
    public void A_message_id_counts_once_and_a_different_message_under_it_is_a_conflict()
    {
        var s = CaseTestKit.Apply(CaseTestKit.Opened(), new AddCaseMessage(CaseTestKit.CaseId, "m-1", CaseAuthor.Customer, "Ada", "the lid is cracked"));

        Assert.Empty(CaseTestKit.When(s, new AddCaseMessage(CaseTestKit.CaseId, "m-1", CaseAuthor.Customer, "Ada", "the lid is cracked")).Events);
        Assert.Equal(CaseRejectionCode.IdempotencyConflict,
            Refused(CaseTestKit.When(s, new AddCaseMessage(CaseTestKit.CaseId, "m-1", CaseAuthor.Customer, "Ada", "and the base"))));
        Assert.Single(s.Messages);
    }

    [Fact]
    public void A_refund_action_is_requested_under_an_id_derived_from_the_case_and_the_action()
    {
        var d = CaseTestKit.When(CaseTestKit.InProgress(), CaseTestKit.Refund());

        var requested = Assert.IsType<CaseActionRequested>(Assert.Single(d.Events));
        Assert.Equal(CaseRules.RefundIdOf(CaseTestKit.CaseId, "a-1"), requested.LinkedId);
        Assert.NotEqual(CaseRules.RefundIdOf(CaseTestKit.CaseId, "a-2"), requested.LinkedId);
        Assert.True(Identifiers.IsValidEntityId(requested.LinkedId));
        var s = CaseDecider.Fold(CaseTestKit.InProgress(), d.Events);
        Assert.Equal(CaseActionOutcome.Pending, Assert.Single(s.PendingActions).Outcome);
    }

    [Fact]
    public void A_return_is_requested_under_its_derived_return_id_and_waits_for_the_returns_answer()
    {
        var s = CaseTestKit.Apply(CaseTestKit.InProgress(),
            new RequestCaseAction(CaseTestKit.CaseId, "a-3", CaseActionType.Return, null, [new CaseLine("SKU-A", 1)], "alice"));

        var action = Assert.Single(s.Actions);
        Assert.Equal(CaseActionOutcome.Pending, action.Outcome);
        Assert.Equal(CaseRules.ReturnIdOf(CaseTestKit.CaseId, "a-3"), action.LinkedId);
        Assert.Equal(action, Assert.Single(s.PendingActions));
    }

    [Fact]
    public void The_orders_first_answer_to_an_action_is_the_one_recorded()
    {
        var s = CaseTestKit.Apply(CaseTestKit.InProgress(), CaseTestKit.Refund());
        s = CaseTestKit.Apply(s, new CompleteCaseAction(CaseTestKit.CaseId, "a-1", CaseActionOutcome.Accepted, "refund requested"));

        Assert.Empty(CaseTestKit.When(s, new CompleteCaseAction(CaseTestKit.CaseId, "a-1", CaseActionOutcome.Refused, "late answer")).Events);
        Assert.Equal(CaseActionOutcome.Accepted, Assert.Single(s.Actions).Outcome);
    }

    [Fact]
    public void A_case_with_an_action_waiting_for_its_order_is_not_resolved_yet()
    {
        var s = CaseTestKit.Apply(CaseTestKit.InProgress(), CaseTestKit.Refund());

        Assert.Equal(CaseRejectionCode.InvalidState, Refused(CaseTestKit.When(s, new ResolveCase(CaseTestKit.CaseId, "refunded", "alice"))));
    }

    [Theory]
    [InlineData(CaseActionType.Reship, null, 0, "lines")]
    [InlineData(CaseActionType.Return, null, 0, "lines")]
    [InlineData(CaseActionType.Refund, -1.0, 0, "amount")]
    [InlineData(CaseActionType.Refund, 1.0, 1, "amount")]
    [InlineData(CaseActionType.Reship, 1.0, 1, "amount")]
    [InlineData((CaseActionType)7, null, 0, "type")]
    public void A_malformed_action_is_refused_naming_its_field(CaseActionType type, double? amount, int lines, string field)
    {
        var c = new RequestCaseAction(CaseTestKit.CaseId, "a-9", type, (decimal?)amount, [.. Enumerable.Repeat(new CaseLine("SKU-A", 1), lines)], "alice");

        var d = CaseTestKit.When(CaseTestKit.InProgress(), c);

        Assert.Equal(CaseRejectionCode.Invalid, Refused(d));
        Assert.Contains(field, d.Rejection!.Errors.Select(e => e.Field));
    }

    [Fact]
    public void An_action_id_reused_for_another_action_is_a_conflict()
    {
        var s = CaseTestKit.Apply(CaseTestKit.InProgress(), CaseTestKit.Refund());

        Assert.Empty(CaseTestKit.When(s, CaseTestKit.Refund()).Events);
        Assert.Equal(CaseRejectionCode.IdempotencyConflict, Refused(CaseTestKit.When(s, CaseTestKit.Refund(amount: 6m))));
    }

    [Fact]
    public void Overdue_is_computed_from_now_and_only_while_the_case_is_unresolved()
    {
        var s = CaseTestKit.InProgress();
        var due = s.Opened!.DueAt;

        Assert.False(s.IsOverdue(due));
        Assert.True(s.IsOverdue(due.AddSeconds(1)));
        Assert.False(CaseTestKit.Resolved().IsOverdue(due.AddDays(1)));
    }

    private static readonly OrderView Original = new("o-1", OrderStatus.Paid, "web", "cust-1", "EUR",
        [new OrderLineView("SKU-A", 2, 9.99m, 19.98m, null, null), new OrderLineView("SKU-B", 1, 5m, 5m, null, null)], 24.98m,
        new Address("Ada", "1 Main St", null, "Berlin", null, "10115", "DE", null), TestTime.T0, TestTime.T0, null, true, [], PaymentMethod.Card, [], [], [], 24.98m, null, null, TestTime.T0, Fulfilment.Unfulfilled, []);

    [Fact]
    public void A_replacement_order_is_free_cash_on_delivery_to_the_same_customer_and_address()
    {
        var (order, error, _) = CaseRules.Replacement("case-1", "a-2", Original, [new CaseLine("SKU-A", 2)]);

        Assert.Null(error);
        Assert.NotNull(order);
        Assert.Equal(CaseRules.ReplacementOrderIdOf("case-1", "a-2"), order.OrderId);
        Assert.Equal(("case", "cust-1", "EUR", PaymentMethod.CashOnDelivery), (order.Channel, order.CustomerId, order.Currency, order.PaymentMethod));
        Assert.Equal(Original.ShippingAddress, order.ShippingAddress);
        Assert.Equal(new[] { new OrderLineRequest("SKU-A", 2, 0m) }, order.Lines.ToArray());
        Assert.Empty(OrderDecider.Validate(order, OrderRules.Default));
    }

    [Fact]
    public void A_replacement_of_a_sku_not_on_the_order_or_of_more_units_than_it_had_is_refused()
    {
        Assert.Equal("lines[0].sku", CaseRules.Replacement("case-1", "a-2", Original, [new CaseLine("SKU-Z", 1)]).Field);
        Assert.Equal("lines[1].quantity", CaseRules.Replacement("case-1", "a-2", Original, [new CaseLine("SKU-A", 1), new CaseLine("SKU-B", 2)]).Field);
    }
}
