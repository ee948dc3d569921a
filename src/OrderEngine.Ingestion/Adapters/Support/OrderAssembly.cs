using System.Collections.Immutable;
using OrderEngine.Domain;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Payments;

namespace OrderEngine.Ingestion.Adapters.Support;

/// <summary>One order line as read from a channel, with where it came from for reasons.</summary>
internal sealed record LineDraft(string Path, string Sku, int Quantity, decimal UnitPrice);

/// <summary>The steps every adapter ends with: one line per SKU, the channel's total checked, the engine's own validation.</summary>
internal static class OrderAssembly
{
    public const int MaxExternalIdLength = 128;

    /// <summary>
    /// The engine holds one line per SKU (OrderDecider.Validate refuses a repeated SKU). Channels do repeat a SKU — the
    /// same variant with two engravings, say. Lines of one SKU at one unit price are merged (same stock, same money); at
    /// different prices they cannot be without changing what was sold, so the order is refused.
    /// </summary>
    public static ImmutableArray<OrderLineRequest> OneLinePerSku(IReadOnlyList<LineDraft> drafts, Problems p)
    {
        var result = ImmutableArray.CreateBuilder<OrderLineRequest>(drafts.Count);
        var firstAt = new Dictionary<string, int>(StringComparer.Ordinal);
        var paths = new Dictionary<string, List<LineDraft>>(StringComparer.Ordinal);
        foreach (var d in drafts)
        {
            if (firstAt.TryGetValue(d.Sku, out var index))
            {
                paths[d.Sku].Add(d);
                var first = result[index];
                if (first.UnitPrice != d.UnitPrice) continue; // reported below
                result[index] = first with { Quantity = checked(first.Quantity + d.Quantity) };
            }
            else
            {
                firstAt[d.Sku] = result.Count;
                paths[d.Sku] = [d];
                result.Add(new OrderLineRequest(d.Sku, d.Quantity, d.UnitPrice));
            }
        }
        foreach (var (sku, lines) in paths)
        {
            if (lines.Select(l => l.UnitPrice).Distinct().Count() > 1)
                p.Add(string.Join(", ", lines.Select(l => l.Path)),
                    $"SKU {sku} is on several lines at different unit prices ({string.Join(", ", lines.Select(l => l.UnitPrice))}); the engine keeps one line per SKU");
        }
        return result.ToImmutable();
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
        OrderRules rules)
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
            externalId);
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
