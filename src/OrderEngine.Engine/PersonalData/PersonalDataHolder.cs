using System.Data.Common;

namespace OrderEngine.Engine.PersonalData;

/// <summary>
/// A store outside the journal that keeps a customer's personal data sealed under keys of its own (rows of
/// <c>customer_keys</c> under ids it owns, e.g. <c>quarantine/{id}</c>) and links them to the customers they belong to.
/// An erasure of a customer asks every holder, inside the erasure's own transaction, to overwrite what it keeps of that
/// customer; the keys it answers are destroyed in the same transaction and counted in the erasure's audit row.
/// </summary>
public interface IPersonalDataHolder
{
    /// <summary>
    /// Overwrites what this holder keeps of the customer (nothing readable may remain) and answers the key ids
    /// (<c>customer_keys.customer_id</c>) that sealed it. Runs inside <paramref name="transaction"/>; must not commit it.
    /// </summary>
    Task<IReadOnlyList<string>> EraseAsync(DbTransaction transaction, string customerId, long at, CancellationToken ct);
}
