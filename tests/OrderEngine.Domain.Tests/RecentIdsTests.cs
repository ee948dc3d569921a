namespace OrderEngine.Domain.Tests;

/// <summary>The bounded memory of settled ids that makes retries within a day answer alike.</summary>
public class RecentIdsTests
{
    private static readonly DateTimeOffset T0 = TestTime.T0;
    private static readonly DateTimeOffset LongAgo = DateTimeOffset.MinValue;

    [Fact]
    public void An_added_id_is_found_with_its_value()
    {
        var ids = RecentIds<int>.Empty.Add("a", 7, T0, LongAgo);

        Assert.True(ids.TryGet("a", out var v));
        Assert.Equal(7, v);
        Assert.False(ids.TryGet("b", out _));
        Assert.Equal(1, ids.Count);
    }

    [Fact]
    public void Ids_settled_before_the_cutoff_are_forgotten_and_later_ones_kept()
    {
        var ids = RecentIds<int>.Empty
            .Add("a", 1, T0, LongAgo)
            .Add("b", 2, T0.AddHours(1), LongAgo)
            .Add("c", 3, T0.AddHours(2), LongAgo)
            .Add("d", 4, T0.AddHours(30), forgetBefore: T0.AddHours(1));

        Assert.Equal(["b", "c", "d"], ids.InOrder);
        Assert.Equal(3, ids.Count);
        Assert.False(ids.TryGet("a", out _));
    }

    [Fact]
    public void Overwriting_an_id_keeps_one_entry_with_the_new_value()
    {
        var ids = RecentIds<int>.Empty.Add("a", 1, T0, LongAgo).Add("b", 2, T0, LongAgo).Add("a", 3, T0.AddMinutes(1), LongAgo);

        Assert.Equal(2, ids.Count);
        Assert.Equal(["a", "b"], ids.InOrder);
        Assert.True(ids.TryGet("a", out var v));
        Assert.Equal(3, v);
    }

    [Fact]
    public void Entries_and_FromEntries_round_trip_keeps_order_and_values()
    {
        var ids = RecentIds<string>.Empty
            .Add("zeta", "z", T0, LongAgo)
            .Add("alpha", "a", T0.AddMinutes(1), LongAgo)
            .Add("mid", "m", T0.AddMinutes(2), LongAgo);

        var entries = ids.Entries().ToList();
        var restored = RecentIds<string>.FromEntries(entries);

        Assert.Equal(["zeta", "alpha", "mid"], entries.Select(e => e.Key));
        Assert.Equal(entries, restored.Entries().ToList());
        Assert.Equal(ids.InOrder, restored.InOrder);
        // The restored set keeps expiring from the front, as the original would.
        var next = restored.Add("new", "n", T0.AddDays(2), forgetBefore: T0.AddMinutes(1));
        Assert.Equal(["alpha", "mid", "new"], next.InOrder);
    }

    [Fact]
    public void FromEntries_with_a_repeated_id_keeps_its_first_position_and_last_value()
    {
        var restored = RecentIds<int>.FromEntries([
            new("a", new RecentIds<int>.Entry(1, T0)),
            new("b", new RecentIds<int>.Entry(2, T0)),
            new("a", new RecentIds<int>.Entry(3, T0)),
        ]);

        Assert.Equal(["a", "b"], restored.InOrder);
        Assert.True(restored.TryGet("a", out var v));
        Assert.Equal(3, v);
    }

    [Fact]
    public void Forgetting_the_oldest_id_after_a_restore_does_not_copy_the_others()
    {
        // A restored set of 100,000 ids (a hot SKU's day of settled orders, from a snapshot). Forgetting one must cost
        // O(1) queue work: counted in bytes allocated, not time, so machine load cannot make this pass or fail.
        var restored = RecentIds<int>.FromEntries(Enumerable.Range(0, 100_000)
            .Select(i => new KeyValuePair<string, RecentIds<int>.Entry>($"id-{i}", new(i, T0.AddSeconds(i)))));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var next = restored.Add("new", 1, T0.AddDays(2), forgetBefore: T0.AddSeconds(1));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.False(next.TryGet("id-0", out _));
        Assert.Equal("id-1", next.InOrder.Peek());
        // Reversing a queue of 100,000 ids would allocate 3.2 MB; a dictionary update and a dequeue take a few KB.
        Assert.True(allocated < 64 * 1024, $"forgetting one id allocated {allocated:N0} bytes");
    }
}
