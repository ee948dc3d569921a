using System.Globalization;
using OrderEngine.Domain;

namespace OrderEngine.Ingestion.Adapters.Support;

/// <summary>Money and quantity text as channels write it, read exactly: decimal only, invariant culture, never a binary float.</summary>
internal static class Amounts
{
    private const int MaxAmountChars = 40;

    /// <summary>
    /// Reads <c>-?digits[.digits]</c> and nothing else: no exponent, grouping, spaces or '+'. A channel that writes
    /// "1,000.00" or "1e3" sent something other than an amount, and reading it leniently would be guessing.
    /// </summary>
    public static bool TryParse(string text, out decimal value)
    {
        value = 0m;
        if (text.Length is 0 or > MaxAmountChars) return false;
        var i = text[0] == '-' ? 1 : 0;
        int before = 0, after = 0;
        var dot = false;
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsAsciiDigit(c))
            {
                if (dot) after++;
                else before++;
            }
            else if (c == '.' && !dot) dot = true;
            else return false;
        }
        if (before == 0 || (dot && after == 0)) return false;
        return decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Reads a whole, positive-or-zero count written as plain digits.</summary>
    public static bool TryParseCount(string text, out int value)
    {
        value = 0;
        if (text.Length is 0 or > 9) return false;
        foreach (var c in text)
            if (!char.IsAsciiDigit(c)) return false;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>
    /// Checks an amount against its currency and brings it to the currency's scale. Trailing zeros beyond the minor unit
    /// ("1000.00" JPY) are not precision and pass; a real fraction of the minor unit ("25.99" JPY, "9.999" EUR) does not.
    /// </summary>
    public static bool FitsCurrency(decimal value, string currency, out decimal normalized)
    {
        var digits = Currencies.MinorUnitDigits(currency);
        normalized = decimal.Round(value, digits);
        return normalized == value;
    }

    public static string TooPrecise(string shown, string currency) =>
        $"{shown} has more decimals than {currency} allows ({Currencies.MinorUnitDigits(currency)})";

    /// <summary>An amount in a reason, at its currency's scale when the currency is known.</summary>
    public static string Format(decimal value, string? currency) =>
        currency is not null && Currencies.IsKnown(currency)
            ? value.ToString("F" + Currencies.MinorUnitDigits(currency).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)
            : value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Divides a line amount by its quantity when that is a whole number of minor units, as a unit price must be.</summary>
    public static bool TryUnitPrice(decimal lineAmount, int quantity, string currency, out decimal unitPrice)
    {
        unitPrice = 0m;
        if (quantity <= 0) return false;
        var exact = lineAmount / quantity;
        if (exact * quantity != lineAmount) return false;
        return FitsCurrency(exact, currency, out unitPrice);
    }

    /// <summary>Reads an ISO 8601 time (see <see cref="JsonFields.Time"/>); a malformed one is a problem naming the field.</summary>
    public static DateTimeOffset? ParseTime(string text, string path, Problems p, bool utcWithoutOffset = false)
    {
        var t = text.Trim();
        var hasOffset = t.EndsWith('Z') || t.EndsWith('z') || (t.Length > 6 && t[^6] is '+' or '-' && t[^3] == ':');
        if (t.Length is >= 19 and <= 40 && t[10] is 'T' or 't' && (hasOffset || utcWithoutOffset)
            && DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            return at;
        p.Add(path, $"{Quote(text)} is not an ISO 8601 time with an offset (e.g. 2026-12-04T09:30:00Z)");
        return null;
    }

    /// <summary>A value quoted for a reason, cut short so a hostile record cannot flood the quarantine.</summary>
    public static string Quote(string text)
    {
        const int max = 48;
        var shown = text.Length > max ? text[..max] + "…" : text;
        return "'" + shown + "'";
    }
}
