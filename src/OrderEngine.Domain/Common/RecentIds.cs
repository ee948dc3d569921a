using System.Collections.Immutable;

namespace OrderEngine.Domain;

/// <summary>
/// Ids of commands an entity settled recently, with what it answered, so a retry within the retention
/// window gets the same answer; older entries are dropped so an entity's state stays bounded.
/// </summary>
public sealed record RecentIds<T>
{
    public static readonly RecentIds<T> Empty = new(ImmutableDictionary<string, Entry>.Empty.WithComparers(StringComparer.Ordinal), ImmutableQueue<string>.Empty);

    /// <summary>One remembered id, the value it settled with and when.</summary>
    public sealed record Entry(T Value, DateTimeOffset At);

    private RecentIds(ImmutableDictionary<string, Entry> byId, ImmutableQueue<string> inOrder)
    {
        ById = byId;
        InOrder = inOrder;
    }

    public ImmutableDictionary<string, Entry> ById { get; }

    /// <summary>Ids oldest first; ids are added in time order, so expiry only ever looks at the front.</summary>
    public ImmutableQueue<string> InOrder { get; }

    public int Count => ById.Count;

    public bool TryGet(string id, out T value)
    {
        if (ById.TryGetValue(id, out var e))
        {
            value = e.Value;
            return true;
        }
        value = default!;
        return false;
    }

    /// <summary>Remembers (or overwrites) an id and forgets every id settled before <paramref name="forgetBefore"/>.</summary>
    public RecentIds<T> Add(string id, T value, DateTimeOffset at, DateTimeOffset forgetBefore)
    {
        var byId = ById;
        var order = InOrder;
        if (!byId.ContainsKey(id)) order = order.Enqueue(id);
        byId = byId.SetItem(id, new Entry(value, at));
        while (!order.IsEmpty)
        {
            var oldest = order.Peek();
            if (byId.TryGetValue(oldest, out var e) && e.At >= forgetBefore) break;
            order = order.Dequeue();
            byId = byId.Remove(oldest);
        }
        return new RecentIds<T>(byId, order);
    }

    /// <summary>Rebuilds from entries listed oldest first (a snapshot).</summary>
    public static RecentIds<T> FromEntries(IEnumerable<KeyValuePair<string, Entry>> oldestFirst)
    {
        var b = ImmutableDictionary.CreateBuilder<string, Entry>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var (id, e) in oldestFirst)
        {
            if (!b.ContainsKey(id)) order.Add(id);
            b[id] = e;
        }
        // Built from an array, the queue holds every id on its front stack, so the dequeues that forgetting makes
        // after a recovery cost O(1) each. Enqueued one by one, all but the first would sit on the back stack and the
        // first dequeue would reverse them all at once: O(ids in the snapshot) on the first sale after a recovery.
        return new RecentIds<T>(b.ToImmutable(), ImmutableQueue.CreateRange(order.ToArray()));
    }

    /// <summary>Entries oldest first, for a snapshot.</summary>
    public IEnumerable<KeyValuePair<string, Entry>> Entries() => InOrder.Select(id => new KeyValuePair<string, Entry>(id, ById[id]));
}
