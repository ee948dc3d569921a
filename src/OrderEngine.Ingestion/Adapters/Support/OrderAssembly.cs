using System.Collections.Immutable;
using OrderEngine.Domain;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Payments;
using OrderEngine.Engine.PersonalData;

namespace OrderEngine.Ingestion.Adapters.Support;

/// <summary>One order line as read from a channel, with where it came from for reasons.</summary>
internal sealed record LineDraft(string Path, string Sku, int Quantity, decimal UnitPrice);

/// <summary>The steps every adapter ends with: one line per SKU, the channel's total checked, the engine's own validation.</summary>
internal static class OrderAssembly
{
    public const int MaxExternalIdLength = 128;

    /// <summary>
    /// The lines as the channel sent them, in its order. A SKU on several lines (the same variant with two engravings, at
    /// two prices) stays on several lines: the engine reserves its stock once, for all of them, and refunds them line by line.
    /// </summary>
    public static ImmutableArray<OrderLineRequest> AsSent(IReadOnlyList<LineDraft> drafts) =>
        [.. drafts.Select(d => new OrderLineRequest(d.Sku, d.Quantity, d.UnitPrice))];

    /// <summary>
    /// The customer of an order that names none (no customer record, no email): a guest of the channel account, one per
    /// order ("&lt;account&gt;/guests/&lt;id&gt;"), stable so a redelivery is the same placement. Per-customer purchase limits and
    /// velocity then count per guest order: a guest cannot be recognised from one order to the next.
    /// A guest id longer than a customer id may be (128 characters) keeps its account and ends in a digest of the id instead.
    /// </summary>
    public static string GuestCustomerId(string account, string id)
    {
        var guest = $"{account}/guests/{id}";
        return guest.Length <= 128 ? guest : $"{account}/guests/{Identifiers.Derived('g', account + "\n" + id)}";
    }

    /// <summary>
    /// The customer id of a buyer the channel knows only by an email: its pseudonym, never the email itself (the id is
    /// kept in clear in events, read tables and the erasure audit). Without a pseudonymizer the order cannot be mapped.
    /// </summary>
    public static string? EmailCustomerId(CustomerIdPseudonymizer? customerIds, string email, string field, Problems p)
    {
        if (string.IsNullOrWhiteSpace(email))
        {
            p.Add(field, "an empty email names no customer");
            return null;
        }
        if (customerIds is null)
        {
            p.Add(field, "the buyer is known only by an email, and this reader has no customer id pseudonymizer to derive an id from it");
            return null;
        }
        return customerIds.OfEmail(email);
    }

    public static decimal LinesTotal(IEnumerable<LineDraft> drafts) => drafts.Sum(d => d.Quantity * d.UnitPrice);

    /// <summary>The channel's total must be exactly what the engine will compute: lines + shipping + tax − discount.</summary>
    public static void CheckTotal(decimal lines, OrderCharges charges, decimal channelTotal, string totalField, string currency, Problems p, string? detail = null)
    {
        var computed = lines + charges.Shipping + charges.Tax - charges.Discount;
        if (computed == channelTotal) return;
        string F(decimal v) => Amounts.Format(v, currency);
        p.Add("", $"totals inconsistent: lines {F(lines)} + shipping {F(charges.Shipping)} + tax {F(charges.Tax)} - discount {F(charges.Discount)} = {F(computed)}, "
            + $"but {totalField} is {F(channelTotal)}" + (detail is null ? "" : $" ({detail})"));
    }

    /// <summary>An ISO 3166-1 alpha-2 code in capitals, as the engine stores it; a lower-case code is only a spelling.</summary>
    public static string? Country(string? code, string path, Problems p)
    {
        if (code is null) return null;
        var c = code.Trim();
        if (c.Length == 2 && c.All(char.IsAsciiLetter)) return c.ToUpperInvariant();
        p.Add(path, Amounts.Quote(code) + " is not an ISO 3166-1 alpha-2 country code");
        return null;
    }

    public static string? Clean(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    public static string? Join(string separator, params string?[] parts)
    {
        var present = parts.Select(Clean).Where(x => x is not null).ToArray();
        return present.Length == 0 ? null : string.Join(separator, present);
    }

    public static Address? AddressOrNull(Address a) =>
        a is { Name: null, Line1: null, Line2: null, City: null, Region: null, PostalCode: null, Country: null, Phone: null } ? null : a;

    /// <summary>
    /// Builds the placement and puts it through the engine's own validation with the given rules, so that a Mapped
    /// record is one the engine accepts; whatever it still refuses is named in the engine's field names.
    /// </summary>
    public static AdapterResult Finish(
        string channel,
        string externalId,
        string customerId,
        string currency,
        ImmutableArray<OrderLineRequest> lines,
        Address? address,
        PaymentMethod paymentMethod,
        OrderCharges charges,
        OrderRules rules,
        ChannelPayment? paidAtChannel = null,
        DateTimeOffset? placedAt = null)
    {
        var command = new PlaceOrder(
            Identifiers.OrderIdFromExternal(channel, externalId),
            channel,
            customerId,
            currency,
            lines,
            address,
            paymentMethod,
            charges,
            externalId,
            paidAtChannel,
            placedAt);
        var errors = OrderDecider.Validate(command, rules);
        return errors.Count == 0
            ? new Mapped(channel, externalId, command)
            : new Refused(externalId, "the engine would refuse the mapped order: " + string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}")));
    }

    /// <summary>
    /// The account a channel adapter reads for (a shop domain, a store, a seller id): it prefixes every external id, so it
    /// must be stable and unambiguous. A bad one is a configuration error, so it throws rather than refusing records.
    /// </summary>
    public static string Account(string? value, string parameterName, bool lowerCase)
    {
        if (string.IsNullOrWhiteSpace(value)) throw new ArgumentException("the account (shop, store or seller id) is required", parameterName);
        var v = value.Trim();
        if (v.Length > 100 || v.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
            throw new ArgumentException("the account must be at most 100 characters, without spaces or control characters", parameterName);
        // Host names are case-insensitive: "JSmith.myshopify.com" and "jsmith.myshopify.com" are one shop, one set of ids.
        return lowerCase ? v.ToLowerInvariant() : v;
    }

    /// <summary>An external id the engine can key an order on: 1-128 characters (the engine's limit), none of them control characters.</summary>
    public static bool IsUsableExternalId(string? id) =>
        !string.IsNullOrWhiteSpace(id) && id.Length <= MaxExternalIdLength && !id.Any(char.IsControl);
}
