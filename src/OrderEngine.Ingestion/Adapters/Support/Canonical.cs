using OrderEngine.Domain;
using OrderEngine.Domain.Payments;
using OrderEngine.Engine.PersonalData;

namespace OrderEngine.Ingestion.Adapters.Support;

/// <summary>Rules OrderEngine's own feed formats (NDJSON, CSV) share with the POST /api/orders body.</summary>
internal static class Canonical
{
    /// <summary>The payment method names as the API spells them (camelCase enum names).</summary>
    public static readonly string MethodNames = string.Join(", ", Enum.GetNames<PaymentMethod>().Select(n => char.ToLowerInvariant(n[0]) + n[1..]));

    /// <summary>A payment method by name, case-insensitively as the API's enum converter reads it; numbers are not names.</summary>
    public static PaymentMethod? PaymentMethodOf(string text, string path, Problems p)
    {
        if (text.Length > 0 && !char.IsAsciiDigit(text[0]) && text[0] != '-'
            && Enum.TryParse<PaymentMethod>(text, ignoreCase: true, out var method) && Enum.IsDefined(method))
            return method;
        p.Add(path, $"{Amounts.Quote(text)} is not a payment method ({MethodNames})");
        return null;
    }

    public static string? ExternalId(string? value, string path, Problems p)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            p.Add(path, "missing: a feed record needs the id its source knows it by");
            return null;
        }
        if (OrderAssembly.IsUsableExternalId(value)) return value;
        p.Add(path, $"{Amounts.Quote(value)} is not usable ({OrderAssembly.MaxExternalIdLength} characters at most, no control characters)");
        return null;
    }

    public static string? Channel(string? value, string path, Problems p)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            p.Add(path, "missing");
            return null;
        }
        if (Identifiers.IsValidChannel(value)) return value;
        p.Add(path, $"{Amounts.Quote(value)} is not a channel name ({Identifiers.ChannelRule})");
        return null;
    }

    public static string? Currency(string? value, string path, Problems p)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            p.Add(path, "missing");
            return null;
        }
        if (Currencies.IsKnown(value)) return value;
        p.Add(path, Amounts.Quote(value) + " is not an ISO 4217 currency code the engine knows");
        return null;
    }

    public static string? Sku(string? value, string path, Problems p)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            p.Add(path, "missing");
            return null;
        }
        if (Identifiers.IsValidEntityId(value)) return value;
        p.Add(path, $"{Amounts.Quote(value)} is not a usable SKU ({Identifiers.EntityIdRule})");
        return null;
    }

    /// <summary>
    /// The record's customer, or — when it names none — a guest of its channel, one per order (see <see cref="OrderAssembly.GuestCustomerId"/>).
    /// A customer id that is an email (<see cref="CustomerEmails.IsEmail"/>) becomes its pseudonym, as a channel's email-only
    /// buyer does (<see cref="OrderAssembly.EmailCustomerId"/>): never kept in clear, refused by a reader without a pseudonymizer.
    /// </summary>
    public static string? CustomerId(string? value, string? channel, string? externalId, CustomerIdPseudonymizer? customerIds, string path, Problems p) =>
        CustomerEmails.IsEmail(value) ? OrderAssembly.EmailCustomerId(customerIds, value!, path, p)
        : !string.IsNullOrWhiteSpace(value) ? value
        : channel is not null && externalId is not null ? OrderAssembly.GuestCustomerId(channel, externalId)
        : null;

    /// <summary>A payment method's name as the API spells it (camelCase).</summary>
    public static string MethodName(PaymentMethod method)
    {
        var n = method.ToString();
        return char.ToLowerInvariant(n[0]) + n[1..];
    }
}
