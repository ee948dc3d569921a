using System.Collections.Immutable;
using OrderEngine.Domain.Orders;

namespace OrderEngine.Domain.Tests;

public class OrderDeadlinesTests
{
    private static readonly DateTimeOffset T = TestTime.T0;
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

    [Fact]
    public void A_placed_order_is_tracked_with_its_hold_and_must_finish_reserving_within_the_grace()
    {
        var placed = new OrderPlaced("o1", "web", "c", "EUR", ImmutableArray.Create(new OrderLine("A", 1, 1m, 1m)), 1m, null, T.AddMinutes(15), T);
        Assert.Equal(new OrderDeadlines.Track("o1", T.AddMinutes(15), T + Grace), OrderDeadlines.Of(placed, Grace));
    }

    [Fact]
    public void A_placement_written_reserved_is_not_tracked_its_stock_asks_it_when_the_hold_ends()
    {
        var placed = new OrderPlaced("o1", "web", "c", "EUR", ImmutableArray.Create(new OrderLine("A", 1, 1m, 1m)), 1m, null, T.AddMinutes(15), T,
            Outcome: new PlacementOutcome(OrderStatus.Reserved, [], null, T.AddSeconds(1)));
        Assert.Equal(new OrderDeadlines.Untracked("o1"), OrderDeadlines.Of(placed, Grace));
        Assert.Empty(OrderDeadlines.Combine([OrderDeadlines.Of(placed, Grace)]).Upserts);
    }

    [Fact]
    public void A_placement_written_on_hold_is_due_at_its_review_deadline_and_a_cash_on_delivery_one_owes_nothing()
    {
        var placed = new OrderPlaced("o1", "web", "c", "EUR", ImmutableArray.Create(new OrderLine("A", 1, 1m, 1m)), 1m, null, T.AddMinutes(15), T);
        var held = placed with { Outcome = new PlacementOutcome(OrderStatus.OnHold, ["blocked"], T.AddHours(24), T) };
        var confirmed = placed with { Outcome = new PlacementOutcome(OrderStatus.Confirmed, [], null, T) };

        Assert.Equal(new OrderDeadlines.Track("o1", T.AddHours(24), T.AddHours(24)), OrderDeadlines.Of(held, Grace));
        Assert.Equal(new OrderDeadlines.Forget("o1"), OrderDeadlines.Of(confirmed, Grace));
    }

    [Fact]
    public void A_reserved_order_is_next_due_when_its_hold_ends()
    {
        Assert.Equal(new OrderDeadlines.DueAtHoldEnd("o1"), OrderDeadlines.Of(new OrderReserved("o1", T), Grace));
    }

    [Fact]
    public void Paid_rejected_cancelled_and_expired_orders_owe_a_stock_step_within_the_grace()
    {
        IOrderEvent[] events =
        [
            new PaymentConfirmed("o1", 1m, "EUR", "p", T),
            new OrderRejected("o1", [], T),
            new OrderCancelled("o1", "x", T),
            new OrderExpired("o1", T),
        ];
        Assert.All(events, e => Assert.Equal(new OrderDeadlines.DueBy("o1", T + Grace), OrderDeadlines.Of(e, Grace)));
    }

    [Fact]
    public void A_settled_order_is_forgotten()
    {
        Assert.Equal(new OrderDeadlines.Forget("o1"), OrderDeadlines.Of(new OrderStockSettled("o1", T), Grace));
    }
}

/// <summary>A batch of deadline changes folds into one write per row, with the same end result as applying them one by one.</summary>
public class OrderDeadlineBatchTests
{
    private static readonly DateTimeOffset T = TestTime.T0;

    [Fact]
    public void A_row_tracked_then_changed_in_one_batch_is_written_once_with_its_last_values()
    {
        var net = OrderDeadlines.Combine([
            new OrderDeadlines.Track("o1", T.AddMinutes(15), T.AddSeconds(10)),
            new OrderDeadlines.DueAtHoldEnd("o1"),
            new OrderDeadlines.Track("o2", T.AddMinutes(15), T.AddMinutes(15)),
            new OrderDeadlines.DueBy("o2", T.AddMinutes(1)),
        ]);

        Assert.Equal([new OrderDeadlines.Track("o1", T.AddMinutes(15), T.AddMinutes(15)), new OrderDeadlines.Track("o2", T.AddMinutes(15), T.AddMinutes(1))], net.Upserts);
        Assert.Empty(net.DueAtHoldEnd);
        Assert.Empty(net.DueBy);
        Assert.Empty(net.Deletes);
    }

    [Fact]
    public void Changes_of_rows_written_before_the_batch_stay_updates_and_a_forget_is_undone_only_by_a_later_step()
    {
        var net = OrderDeadlines.Combine([
            new OrderDeadlines.DueAtHoldEnd("old-1"),
            new OrderDeadlines.DueBy("old-2", T.AddSeconds(10)),
            new OrderDeadlines.Track("gone", T.AddMinutes(15), T.AddMinutes(15)),
            new OrderDeadlines.Forget("gone"),
            new OrderDeadlines.DueBy("gone", T.AddSeconds(20)),
            new OrderDeadlines.Forget("old-3"),
        ]);

        Assert.Equal([new OrderDeadlines.Track("gone", T.AddSeconds(20), T.AddSeconds(20))], net.Upserts);
        Assert.Equal(["old-1"], net.DueAtHoldEnd);
        Assert.Equal([new OrderDeadlines.DueByOrWrite("old-2", T.AddSeconds(10), T.AddSeconds(10))], net.DueBy);
        Assert.Equal(["old-3"], net.Deletes);
    }

    [Fact]
    public void A_row_forgotten_then_tracked_again_is_written()
    {
        var net = OrderDeadlines.Combine([new OrderDeadlines.Forget("o1"), new OrderDeadlines.Track("o1", T, T)]);

        Assert.Equal([new OrderDeadlines.Track("o1", T, T)], net.Upserts);
        Assert.Empty(net.Deletes);
    }

    [Fact]
    public void Writing_the_net_of_any_batch_leaves_the_table_as_applying_its_changes_one_by_one_would()
    {
        for (var seed = 0; seed < 500; seed++)
        {
            var random = new Random(seed);
            var ids = new[] { "a", "b", "c" };
            var table = ids.Where(_ => random.Next(2) == 0).ToDictionary(id => id, id => (Expires: T.AddMinutes(random.Next(60)), Due: T.AddMinutes(random.Next(60))));
            var changes = Enumerable.Range(0, random.Next(1, 8)).Select(_ =>
            {
                var id = ids[random.Next(ids.Length)];
                var at = T.AddSeconds(random.Next(3600));
                return random.Next(5) switch
                {
                    0 => (OrderDeadlines.Change)new OrderDeadlines.Track(id, at, at.AddSeconds(random.Next(60))),
                    1 => new OrderDeadlines.DueAtHoldEnd(id),
                    2 => new OrderDeadlines.DueBy(id, at),
                    3 => new OrderDeadlines.Untracked(id),
                    _ => new OrderDeadlines.Forget(id),
                };
            }).ToList();

            var oneByOne = new Dictionary<string, (DateTimeOffset Expires, DateTimeOffset Due)>(table);
            foreach (var change in changes)
            {
                switch (change)
                {
                    case OrderDeadlines.Track t: oneByOne[t.OrderId] = (t.ExpiresAt, t.DueAt); break;
                    case OrderDeadlines.DueAtHoldEnd h when oneByOne.TryGetValue(h.OrderId, out var row): oneByOne[h.OrderId] = (row.Expires, row.Expires); break;
                    case OrderDeadlines.DueBy d: oneByOne[d.OrderId] = oneByOne.TryGetValue(d.OrderId, out var had) ? (had.Expires, d.DueAt) : (d.DueAt, d.DueAt); break;
                    case OrderDeadlines.Forget f: oneByOne.Remove(f.OrderId); break;
                }
            }

            var net = OrderDeadlines.Combine(changes);
            var batched = new Dictionary<string, (DateTimeOffset Expires, DateTimeOffset Due)>(table);
            foreach (var t in net.Upserts) batched[t.OrderId] = (t.ExpiresAt, t.DueAt);
            foreach (var id in net.DueAtHoldEnd) if (batched.TryGetValue(id, out var row)) batched[id] = (row.Expires, row.Expires);
            foreach (var d in net.DueBy) batched[d.OrderId] = batched.TryGetValue(d.OrderId, out var row) ? (row.Expires, d.DueAt) : (d.ExpiresIfNew, d.DueAt);
            foreach (var d in net.DueByThenHoldEnd) batched[d.OrderId] = batched.TryGetValue(d.OrderId, out var row) ? (row.Expires, row.Expires) : (d.ExpiresIfNew, d.ExpiresIfNew);
            foreach (var id in net.Deletes) batched.Remove(id);

            Assert.True(oneByOne.OrderBy(kv => kv.Key).SequenceEqual(batched.OrderBy(kv => kv.Key)), $"seed {seed}: {string.Join(", ", changes)}");
        }
    }
}
