using OrderEngine.Domain.Orders;

namespace OrderEngine.Engine.PersonalData;

/// <summary>
/// Customer ids given by callers (POST /api/orders, the canonical NDJSON/CSV feeds, reads and operator endpoints that
/// name a customer): an id that is an email address is never kept or looked up as it is, but as its pseudonym
/// (<see cref="CustomerIdPseudonymizer.OfEmail"/>, <c>email:</c> + a keyed digest), the id channel adapters already give
/// a buyer known only by email. One rule, <see cref="IsEmail"/>, decides what is an email, everywhere.
/// </summary>
public static class CustomerEmails
{
    /// <summary>The longest email taken as one (RFC 5321's 254 characters of a path's address).</summary>
    public const int MaxEmailLength = 254;

    private const int MaxLocalPartLength = 64;
    private const int MaxLabelLength = 63;

    /// <summary>RFC 5322 atext besides letters and digits (a dot-atom local part), so "a.b+tag@x.io" or "o'brien@x.ie" count.</summary>
    private const string LocalPartSymbols = "!#$%&'*+-/=?^_`{|}~.";

    /// <summary>
    /// True when <paramref name="id"/> (surrounding whitespace ignored) is a plausible email address: one <c>@</c> between
    /// a local part of 1-64 characters (letters, digits, RFC 5322 atext symbols and dots; non-ASCII letters too) and a
    /// domain of at least two dot-separated labels (letters, digits and inner hyphens, 1-63 characters each) ending in a
    /// top-level label of at least two letters (or an <c>xn--</c> one); at most <see cref="MaxEmailLength"/> characters.
    /// No whitespace or control character anywhere. Quoted local parts and address literals (<c>[1.2.3.4]</c>) are not
    /// taken: nobody's customer id looks like them.
    /// </summary>
    public static bool IsEmail(string? id)
    {
        if (id is null) return false;
        var s = id.AsSpan().Trim();
        if (s.Length is < 5 or > MaxEmailLength) return false;
        var at = s.IndexOf('@');
        if (at < 1 || at != s.LastIndexOf('@')) return false;
        var local = s[..at];
        var domain = s[(at + 1)..];
        if (local.Length > MaxLocalPartLength) return false;
        foreach (var c in local)
            if (!(char.IsLetterOrDigit(c) || LocalPartSymbols.Contains(c))) return false;
        var labels = 0;
        ReadOnlySpan<char> last = default;
        foreach (var range in domain.Split('.'))
        {
            var label = domain[range];
            if (label.Length is 0 or > MaxLabelLength || label[0] == '-' || label[^1] == '-') return false;
            foreach (var c in label)
                if (!(char.IsLetterOrDigit(c) || c == '-')) return false;
            labels++;
            last = label;
        }
        if (labels < 2) return false;
        if (last.StartsWith("xn--", StringComparison.OrdinalIgnoreCase)) return last.Length > 4;
        if (last.Length < 2) return false;
        foreach (var c in last)
            if (!char.IsLetter(c)) return false;
        return true;
    }

    /// <summary>
    /// The spellings under which an order taken in before pseudonymous ids may carry this email as its customer id: as
    /// given, trimmed, and trimmed and lower-cased (the channel adapters of that time lower-cased). Each once.
    /// </summary>
    public static IReadOnlyList<string> EmailSpellings(string email)
    {
        ArgumentNullException.ThrowIfNull(email);
        var trimmed = email.Trim();
        return new[] { email, trimmed, trimmed.ToLowerInvariant() }.Where(s => s.Length > 0).Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>
    /// The ids to look a customer up by, for an id a caller gave to a read or an operator endpoint: an email's pseudonym
    /// first, then the spellings orders taken in before pseudonymous ids may carry it under (<see cref="EmailSpellings"/>);
    /// any other id alone, unchanged.
    /// </summary>
    public static IReadOnlyList<string> LookupIds(string id, CustomerIdPseudonymizer customerIds) =>
        IsEmail(id) ? [customerIds.OfEmail(id), .. EmailSpellings(id)] : [id];

    /// <summary>
    /// The rules with every block-list entry that is an email (<c>OrderEngine:Review:BlockedCustomers</c>) also as its
    /// pseudonymous id, the id that customer's orders carry now; the email stays too (an exchange's replacement of an order
    /// taken in before pseudonymous ids keeps its customer id). Unchanged, and no pseudonymizer asked for, without such an entry.
    /// </summary>
    public static OrderRules WithPseudonymousBlockList(OrderRules rules, Func<CustomerIdPseudonymizer> customerIds)
    {
        var blocked = rules.ReviewRules.BlockedCustomers;
        if (!blocked.Any(IsEmail)) return rules;
        var pseudonymizer = customerIds();
        return rules with { Review = rules.ReviewRules with { BlockedCustomers = blocked.Union(blocked.Where(IsEmail).Select(pseudonymizer.OfEmail)) } };
    }
}
