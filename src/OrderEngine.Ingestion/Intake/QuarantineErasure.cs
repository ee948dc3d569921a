using System.Data.Common;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.PersonalData;

namespace OrderEngine.Ingestion.Intake;

/// <summary>
/// The quarantine's part of a customer's erasure (<see cref="IPersonalDataHolder"/>): inside the erasure's transaction,
/// every record linked to the customer in <c>quarantine_subjects</c> has its payload overwritten with
/// <see cref="QuarantineStore.ErasedPayload"/>, and its key (<c>quarantine/{id}</c>) is answered to be destroyed with the
/// customer's own. The record stays, with channel, source, external id, reason and times. A customer id that is an
/// email (a caller's own id, or one from before pseudonymous ids) reaches the records linked to its pseudonym: the
/// quarantine never stores an email as a subject (<see cref="QuarantineSubjects"/>).
/// </summary>
public sealed class QuarantineErasure(Func<CustomerIdPseudonymizer?>? customerIds = null) : IPersonalDataHolder
{
    public async Task<IReadOnlyList<string>> EraseAsync(DbTransaction transaction, string customerId, long at, CancellationToken ct)
    {
        var ids = new List<string>();
        var pseudonym = QuarantineSubjects.LooksLikeEmail(customerId) ? customerIds?.Invoke()?.OfEmail(customerId) : null;
        await using (var select = transaction.Connection!.CreateCommand())
        {
            select.Transaction = transaction;
            select.CommandText = "SELECT DISTINCT quarantine_id FROM quarantine_subjects WHERE customer_id = @customer OR customer_id = @pseudonym ORDER BY quarantine_id";
            select.AddParameter("customer", customerId);
            select.AddParameter("pseudonym", pseudonym ?? customerId);
            await using var reader = await select.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) ids.Add(reader.GetString(0));
        }
        if (ids.Count == 0) return [];
        await QuarantineStore.OverwriteAsync(transaction, ids, ct);
        return ids.Select(QuarantineStore.KeyIdOf).ToList();
    }
}
