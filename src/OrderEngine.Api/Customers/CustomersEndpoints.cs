using System.Collections.Immutable;
using Microsoft.AspNetCore.Http.HttpResults;
using OrderEngine.Api.Http;
using OrderEngine.Api.Security;
using OrderEngine.Engine.PersonalData;

namespace OrderEngine.Api.Customers;

/// <summary>A customer's personal data: whether it is held (a live key) and every erasure of it, oldest first.</summary>
public sealed record PersonalDataStatus(string CustomerId, bool Held, ImmutableArray<PersonalDataErasure> Erasures);

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
                + "with keysDestroyed 0 and is audited too.");
        group.MapGet("/{id}/personal-data", StatusAsync)
            .WithSummary("Whether a customer's personal data is held, and the audit of its erasures")
            .ProducesProblem(400)
            .WithName("getPersonalDataStatus")
            .WithDescription("Whether the engine holds a key for the customer's personal data, and every erasure of it (who, when, keys destroyed). Read-only.");
        group.MapGet("/id-of", IdOfEmail)
            .WithSummary("The pseudonymous customer id of a buyer known only by an email")
            .ProducesProblem(400)
            .WithName("getCustomerIdOfEmail")
            .WithDescription("Channel orders of a buyer the shop knows only by email (no customer record) carry the customer id "
                + "\"email:\" + a keyed digest of the email (trimmed, lower-cased), never the email itself. This answers that id, "
                + "for a data subject request: erase with it (DELETE /api/customers/{id}/personal-data). Orders taken in before "
                + "pseudonymous ids carry the email itself as their customer id. Computes only; reads and stores nothing, logs no email.");
        return app;
    }

    private static async Task<Results<Ok<PersonalDataErasure>, ProblemHttpResult>> EraseAsync(
        string id, HttpContext http, CustomerKeyStore keys, CancellationToken ct)
    {
        if (Invalid(id) is { } problem) return problem;
        return TypedResults.Ok(await keys.EraseAsync(id, http.User.Actor(), ct));
    }

    private static async Task<Results<Ok<PersonalDataStatus>, ProblemHttpResult>> StatusAsync(string id, CustomerKeyStore keys, CancellationToken ct)
    {
        if (Invalid(id) is { } problem) return problem;
        var (held, erasures) = await keys.StatusAsync(id, ct);
        return TypedResults.Ok(new PersonalDataStatus(id, held, erasures));
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
        string.IsNullOrWhiteSpace(id) || id.Length > MaxCustomerIdLength
            ? Problems.Validation("the customer id is not valid",
                new Dictionary<string, string[]> { ["id"] = [$"a customer id is 1 to {MaxCustomerIdLength} characters"] })
            : null;
}
