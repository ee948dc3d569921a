namespace OrderEngine.Engine.PersonalData;

/// <summary>
/// What an entity holding personal data of many customers (a restaurant's kitchen queue, a zone's deliveries) remembers of
/// each customer's <see cref="CustomerKeyStore.ErasureStampOf"/> as of when it took that customer's data in. A customer
/// whose stamp moved past it was erased since: its clear copies are forgotten. A customer erased before and keyed again
/// for a later order is not: its new entries were taken in after the erasure. Not thread-safe (one actor's).
/// </summary>
public sealed class ErasureStamps
{
    private Dictionary<string, long> _recorded = new(StringComparer.Ordinal);
    private long _erasuresSeen = -1;

    /// <summary>Whether the key store learnt of an erasure since the last call (the first call answers true).</summary>
    public bool Moved(CustomerKeyStore keys)
    {
        var seen = keys.ErasuresSeen;
        if (seen == _erasuresSeen) return false;
        _erasuresSeen = seen;
        return true;
    }

    /// <summary>Records the customer's stamp when this entity did not hold its data yet.</summary>
    public void Hold(string customerId, CustomerKeyStore keys) => _recorded.TryAdd(customerId, keys.ErasureStampOf(customerId));

    /// <summary>Whether the customer was erased after its data was taken in (a customer not held yet was not).</summary>
    public bool ErasedSince(string customerId, CustomerKeyStore keys) =>
        _recorded.TryGetValue(customerId, out var recorded) && keys.ErasureStampOf(customerId) > recorded;

    /// <summary>
    /// Records the current stamps of <paramref name="held"/> (the customers whose entries the entity holds now, after it
    /// forgot what was erased) and forgets every other customer.
    /// </summary>
    public void Settle(IEnumerable<string?> held, CustomerKeyStore keys)
    {
        var recorded = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var id in held)
            if (id is not null) recorded[id] = keys.ErasureStampOf(id);
        _recorded = recorded;
    }
}
