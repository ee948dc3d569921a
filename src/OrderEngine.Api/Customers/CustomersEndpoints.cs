using System.Collections.Immutable;
using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using OrderEngine.Api.Http;
using OrderEngine.Api.Security;
using OrderEngine.Engine.PersonalData;

namespace OrderEngine.Api.Customers;

/// <summary>A customer's personal data: whether it is held (a live key) and every erasure of it, oldest first.</summary>
public sealed record PersonalDataStatus(string CustomerId, bool Held, ImmutableArray<PersonalDataErasure> Erasures);

/// <summary>
/// An erasure as audited (the customer's), and the erasures of the ids the same person had before that the same call
/// erased with it (an email kept as the customer id by orders taken in before pseudonymous ids), each audited too.
/// </summary>
public sealed record PersonalDataErased(string Id, string CustomerId, DateTimeOffset ErasedAt, string ErasedBy, int KeysDestroyed,
    [property: Description("Erasures of the email itself as a customer id (orders taken in before pseudonymous ids) that this call made too, each audited; empty for an id that is no email.")]
    ImmutableArray<PersonalDataErasure> AlsoErased);

/// <summary>The pseudonymous customer id channel orders get for a buyer known only by this email.</summary>
public sealed record CustomerIdOfEmail(string CustomerId);

/// <summary>
/// A customer's personal data (docs/security.md, "Personal data"): its erasure by crypto-shredding (the customer's key
/// is destroyed; the events stay, their personal fields no longer open anywhere) and the audit of erasures.
/// </summary>
public static class CustomersEndpoints
{
    private const int MaxCustomerIdLength = 128;

    public static WebApplication MapCustomersApi(this WebApplication app)
    {
        var group = app.MapGroup("/api/customers").WithTags("customers").WithAccess();
        group.MapDelete("/{id}/personal-data", EraseAsync)
            .WithSummary("Erase a customer's personal data: destroy its key (crypto-shredding); the erasure is audited")
            .ProducesProblem(400)
            .WithName("erasePersonalData")
            .WithDescription("Destroys the customer's personal data key: names, street lines and phones of its orders read as \"[erased]\" "
                + "everywhere from then on (order, timeline, rebuilt projections), while amounts, SKUs, stock, country and reports stay. "
                + "Quarantined records linked to the customer (its id, or an email in them) have their payloads overwritten and their keys destroyed too, "
                + "counted in keysDestroyed. "
                + "Answers the audited erasure. Idempotent: erasing a customer without a key (unknown, or erased before) answers 200 "
                + "with keysDestroyed 0 and is audited too. An id that is an email erases its pseudonymous customer id (\"email:\" + a "
                + "keyed digest; the answer's customerId) and, when orders taken in before pseudonymous ids kept the email itself as "
                + "their customer id and it has a key, that id too, in the same transaction; each is audited, the latter listed in alsoErased.");
        group.MapGet("/{id}/personal-data", StatusAsync)
            .WithSummary("Whether a customer's personal data is held, and the audit of its erasures")
            .ProducesProblem(400)
            .WithName("getPersonalDataStatus")
            .WithDescription("Whether the engine holds a key for the customer's personal data, and every erasure of it (who, when, keys destroyed). "
                + "An id that is an email answers for its pseudonymous customer id (the answer's customerId), counting also what is "
                + "held and was erased under the email itself as an id (orders taken in before pseudonymous ids). Read-only.");
        group.MapGet("/id-of", IdOfEmail)
            .WithSummary("The pseudonymous customer id of a buyer known only by an email")
            .ProducesProblem(400)
            .WithName("getCustomerIdOfEmail")
            .WithDescription("Channel orders of a buyer the shop knows only by email (no customer record), and orders placed or "
                + "fed with an email as their customerId, carry the customer id "
                + "\"email:\" + a keyed digest of the email (trimmed, lower-cased), never the email itself. This answers that id, "
                + "for a data subject request: erase with it (DELETE /api/customers/{id}/personal-data). Orders taken in before "
                + "pseudonymous ids carry the email itself as their customer id. Computes only; reads and stores nothing, logs no email.");
        return app;
    }

    private static async Task<Results<Ok<PersonalDataErased>, ProblemHttpResult>> EraseAsync(
        string id, HttpContext http, CustomerKeyStore keys, CustomerIdPseudonymizer customerIds, CancellationToken ct)
    {
        if (Invalid(id) is { } problem) return problem;
        // An email erases its pseudonymous id and the email itself as an id (orders taken in before pseudonymous ids).
        var ids = CustomerEmails.LookupIds(id, customerIds);
        var erasures = await keys.EraseWithFormerIdsAsync(ids[0], ids.Skip(1).ToArray(), http.User.Actor(), ct);
        var e = erasures[0];
        return TypedResults.Ok(new PersonalDataErased(e.Id, e.CustomerId, e.ErasedAt, e.ErasedBy, e.KeysDestroyed, erasures.RemoveAt(0)));
    }

    private static async Task<Results<Ok<PersonalDataStatus>, ProblemHttpResult>> StatusAsync(
        string id, CustomerKeyStore keys, CustomerIdPseudonymizer customerIds, CancellationToken ct)
    {
        if (Invalid(id) is { } problem) return problem;
        // An email answers for its pseudonymous id, with what is held and was erased under the email itself as an id.
        var ids = CustomerEmails.LookupIds(id, customerIds);
        var held = false;
        var erasures = new List<PersonalDataErasure>();
        foreach (var customer in ids)
        {
            var status = await keys.StatusAsync(customer, ct);
            held |= status.HasKey;
            erasures.AddRange(status.Erasures);
        }
        return TypedResults.Ok(new PersonalDataStatus(ids[0], held,
            [.. erasures.OrderBy(x => x.ErasedAt).ThenBy(x => x.Id, StringComparer.Ordinal)]));
    }

    private static Results<Ok<CustomerIdOfEmail>, ProblemHttpResult> IdOfEmail(string? email, CustomerIdPseudonymizer customerIds)
    {
        if (string.IsNullOrWhiteSpace(email) || email.Length > MaxEmailLength)
            return Problems.Validation("the email is not valid",
                new Dictionary<string, string[]> { ["email"] = [$"an email is 1 to {MaxEmailLength} characters (query ?email=)"] });
        return TypedResults.Ok(new CustomerIdOfEmail(customerIds.OfEmail(email)));
    }

    private const int MaxEmailLength = 320;

    private static ProblemHttpResult? Invalid(string id) =>
        (string.IsNullOrWhiteSpace(id) || id.Length > MaxCustomerIdLength) && !CustomerEmails.IsEmail(id)
            ? Problems.Validation("the customer id is not valid",
                new Dictionary<string, string[]> { ["id"] = [$"a customer id is 1 to {MaxCustomerIdLength} characters, or an email"] })
            : null;
}
