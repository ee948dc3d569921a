using System.Globalization;
using System.Text.Json;
using OrderEngine.Domain;

namespace OrderEngine.Ingestion.Adapters.Support;

/// <summary>
/// Reads fields of a channel's JSON without ever throwing: every wrong kind, missing field or malformed amount becomes a
/// problem naming the field by its path in the channel's own payload (e.g. <c>line_items[1].price</c>).
/// </summary>
internal static class JsonFields
{
    /// <summary>The property's value, or null when the element is not an object, lacks it, or holds JSON null.</summary>
    public static JsonElement? Get(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined)
            ? v
            : null;

    public static JsonElement? Object(JsonElement obj, string name, string path, Problems p, bool required = false)
    {
        var v = Get(obj, name);
        if (v is null)
        {
            if (required) p.Add(path, "missing");
            return null;
        }
        if (v.Value.ValueKind == JsonValueKind.Object) return v;
        p.Add(path, "expected an object, found " + Kind(v.Value));
        return null;
    }

    public static JsonElement? Array(JsonElement obj, string name, string path, Problems p, bool required = false)
    {
        var v = Get(obj, name);
        if (v is null)
        {
            if (required) p.Add(path, "missing");
            return null;
        }
        if (v.Value.ValueKind == JsonValueKind.Array) return v;
        p.Add(path, "expected an array, found " + Kind(v.Value));
        return null;
    }

    /// <summary>A string field; blank counts as absent. A required one that is absent or blank is a problem.</summary>
    public static string? Text(JsonElement obj, string name, string path, Problems p, bool required = false)
    {
        var v = Get(obj, name);
        if (v is null)
        {
            if (required) p.Add(path, "missing");
            return null;
        }
        if (v.Value.ValueKind != JsonValueKind.String)
        {
            // Names, streets, phones and emails are read here: a reason names the kind found, never the value.
            p.Add(path, "expected a string, found " + Kind(v.Value));
            return null;
        }
        var s = v.Value.GetString()!;
        if (string.IsNullOrWhiteSpace(s))
        {
            if (required) p.Add(path, "is empty");
            return null;
        }
        return s;
    }

    /// <summary>
    /// A point in time written as ISO 8601 (<c>2008-01-10T11:00:00-05:00</c>, <c>2017-01-20T19:49:35Z</c>). A time without
    /// an offset is refused unless the field is documented as UTC (<paramref name="utcWithoutOffset"/>, WooCommerce's *_gmt).
    /// </summary>
    public static DateTimeOffset? Time(JsonElement obj, string name, string path, Problems p, bool utcWithoutOffset = false)
    {
        var text = Text(obj, name, path, p);
        return text is null ? null : Amounts.ParseTime(text, path, p, utcWithoutOffset);
    }

    /// <summary>An identifier a channel writes as an integer (Shopify, WooCommerce) or as a string.</summary>
    public static string? Id(JsonElement obj, string name, string path, Problems p)
    {
        var v = Get(obj, name);
        switch (v?.ValueKind)
        {
            case null:
                p.Add(path, "missing");
                return null;
            case JsonValueKind.Number when v.Value.TryGetInt64(out var n):
                if (n > 0) return n.ToString(CultureInfo.InvariantCulture);
                p.Add(path, $"{n} is not an id");
                return null;
            case JsonValueKind.String when !string.IsNullOrWhiteSpace(v.Value.GetString()):
                var s = v.Value.GetString()!.Trim();
                if (s.Length <= 100 && !s.Any(char.IsControl)) return s;
                p.Add(path, Amounts.Quote(s) + " is not an id");
                return null;
            default:
                p.Add(path, "expected an id, found " + Describe(v.Value));
                return null;
        }
    }

    public static bool? Bool(JsonElement obj, string name, string path, Problems p)
    {
        var v = Get(obj, name);
        switch (v?.ValueKind)
        {
            case null: return null;
            case JsonValueKind.True: return true;
            case JsonValueKind.False: return false;
            default:
                p.Add(path, "expected true or false, found " + Describe(v.Value));
                return null;
        }
    }

    /// <summary>A count of units: a JSON integer of at least 1.</summary>
    public static int? Quantity(JsonElement obj, string name, string path, Problems p)
    {
        var v = Get(obj, name);
        if (v is null)
        {
            p.Add(path, "missing");
            return null;
        }
        if (v.Value.ValueKind != JsonValueKind.Number || !v.Value.TryGetInt32(out var q))
        {
            p.Add(path, (v.Value.ValueKind == JsonValueKind.Number ? Amounts.Quote(v.Value.GetRawText()) : Describe(v.Value)) + " is not a whole number of units");
            return null;
        }
        if (q < 1)
        {
            p.Add(path, $"quantity {q} is not at least 1");
            return null;
        }
        return q;
    }

    /// <summary>
    /// A non-negative amount in the given currency. Channels write money as decimal strings; where one also writes plain
    /// JSON numbers (<paramref name="allowNumber"/>), the number's text is read as a decimal, never through a double.
    /// With <paramref name="currency"/> null (unknown, already reported) the minor-unit check is skipped.
    /// </summary>
    public static decimal? Money(JsonElement obj, string name, string path, Problems p, string? currency, bool required, bool allowNumber = false)
    {
        var v = Get(obj, name);
        if (v is null)
        {
            if (required) p.Add(path, "missing");
            return null;
        }
        return Money(v.Value, path, p, currency, allowNumber);
    }

    public static decimal? Money(JsonElement v, string path, Problems p, string? currency, bool allowNumber = false)
    {
        string text;
        if (v.ValueKind == JsonValueKind.String) text = v.GetString()!;
        else if (allowNumber && v.ValueKind == JsonValueKind.Number) text = v.GetRawText();
        else
        {
            p.Add(path, $"expected a decimal {(allowNumber ? "amount" : "string")}, found " + Describe(v));
            return null;
        }
        return Money(text, path, p, currency);
    }

    public static decimal? Money(string text, string path, Problems p, string? currency)
    {
        if (!Amounts.TryParse(text, out var amount))
        {
            p.Add(path, Amounts.Quote(text) + " is not a decimal amount");
            return null;
        }
        if (amount < 0)
        {
            p.Add(path, Amounts.Quote(text) + " is negative");
            return null;
        }
        if (currency is null || !Currencies.IsKnown(currency)) return amount;
        if (!Amounts.FitsCurrency(amount, currency, out var normalized))
        {
            p.Add(path, Amounts.TooPrecise(Amounts.Quote(text), currency));
            return null;
        }
        return normalized;
    }

    /// <summary>A line's SKU, usable as the engine's stock key. A line without one (a custom item, a tip) names no stock to reserve.</summary>
    public static string? Sku(JsonElement item, string name, string path, Problems p)
    {
        var v = Get(item, name);
        if (v is null || (v.Value.ValueKind == JsonValueKind.String && string.IsNullOrWhiteSpace(v.Value.GetString())))
        {
            var title = Get(item, "name") ?? Get(item, "title") ?? Get(item, "Title"); // Shopify, WooCommerce: name; Amazon: Title
            p.Add(path, "missing: a line without a SKU names no stock to reserve"
                + (title is { ValueKind: JsonValueKind.String } t ? $" (item {Amounts.Quote(t.GetString()!)})" : ""));
            return null;
        }
        if (v.Value.ValueKind != JsonValueKind.String)
        {
            p.Add(path, "expected a string, found " + Describe(v.Value));
            return null;
        }
        var sku = v.Value.GetString()!;
        if (Identifiers.IsValidEntityId(sku)) return sku;
        p.Add(path, $"{Amounts.Quote(sku)} is not a usable SKU ({Identifiers.EntityIdRule})");
        return null;
    }

    /// <summary>The ISO 4217 code, checked against the currencies the engine knows.</summary>
    public static string? Currency(JsonElement obj, string name, string path, Problems p)
    {
        var code = Text(obj, name, path, p, required: true);
        if (code is null) return null;
        if (Currencies.IsKnown(code)) return code;
        p.Add(path, Amounts.Quote(code) + " is not an ISO 4217 currency code the engine knows");
        return null;
    }

    /// <summary>
    /// What was found instead, for a reason: a number is quoted (amounts, quantities, ids), a string is not — a string in
    /// the wrong place may be a name, a street or an email, and a reason is kept in clear after an erasure.
    /// </summary>
    public static string Describe(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Number => "the number " + Amounts.Quote(v.GetRawText()),
        _ => Kind(v),
    };

    /// <summary>The kind of a JSON value only, never its value: for fields that may hold personal data.</summary>
    public static string Kind(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => "null",
    };

    /// <summary>Parses a payload, turning malformed JSON into a reason instead of an exception.</summary>
    public static JsonDocument? Parse(string json, out string? error)
    {
        try
        {
            error = null;
            return JsonDocument.Parse(json, Options);
        }
        catch (JsonException e)
        {
            error = "not valid JSON: " + e.Message;
            return null;
        }
    }

    public static JsonDocument? Parse(ReadOnlyMemory<byte> utf8, out string? error)
    {
        try
        {
            error = null;
            return JsonDocument.Parse(utf8, Options);
        }
        catch (JsonException e)
        {
            error = "not valid JSON: " + e.Message;
            return null;
        }
    }

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 64, CommentHandling = JsonCommentHandling.Disallow };
}
