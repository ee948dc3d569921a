using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using OrderEngine.Api.Http;

namespace OrderEngine.Api.Reports;

/// <summary>
/// Reads a read-side endpoint's query string by hand, so every bad value becomes one entry of a 400 problem naming the
/// parameter and the rule (model binding would throw, or silently ignore a misspelt name). Unknown and repeated parameters
/// are refused too: a filter that is not applied must not look as if it were.
/// </summary>
public sealed partial class QueryReader
{
    private const int MaxValueLength = 256;
    private readonly IQueryCollection _query;
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public QueryReader(IQueryCollection query, params string[] allowed)
    {
        _query = query;
        foreach (var (name, values) in query)
        {
            if (!allowed.Contains(name, StringComparer.Ordinal))
                Add(name, $"unknown parameter; this endpoint takes {string.Join(", ", allowed)}");
            else if (values.Count > 1) Add(name, "given more than once");
        }
    }

    public bool HasErrors => _errors.Count > 0;

    /// <summary>The value, or null when absent (or already refused); an empty or over-long value is an error.</summary>
    public string? Raw(string name)
    {
        if (!_query.TryGetValue(name, out var values) || values.Count != 1 || _errors.ContainsKey(name)) return null;
        var value = values[0] ?? "";
        if (value.Length == 0) return Fail<string>(name, "is empty; leave the parameter out or give a value");
        if (value.Length > MaxValueLength) return Fail<string>(name, $"is longer than {MaxValueLength} characters");
        return value;
    }

    public string? String(string name, Func<string, bool> valid, string rule) =>
        Raw(name) is { } v ? valid(v) ? v : Fail<string>(name, "must be " + rule) : null;

    public int? Int(string name, int min, int max)
    {
        if (Raw(name) is not { } v) return null;
        if (!int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
        {
            Add(name, $"must be a whole number from {min} to {max}");
            return null;
        }
        return n;
    }

    /// <summary>A UTC calendar day, yyyy-MM-dd.</summary>
    public DateOnly? Date(string name)
    {
        if (Raw(name) is not { } v) return null;
        if (!DateOnly.TryParseExact(v, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) || d.Year < 1970)
        {
            Add(name, "must be a date yyyy-MM-dd (a UTC day, 1970 or later)");
            return null;
        }
        return d;
    }

    /// <summary>An ISO 8601 instant (2010-12-01T08:26:00Z, with an offset, or a date meaning its UTC midnight).</summary>
    public DateTimeOffset? Instant(string name)
    {
        if (Raw(name) is not { } v) return null;
        if (!IsoInstant().IsMatch(v)
            || !DateTimeOffset.TryParse(v, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            || at.Year < 1970)
        {
            Add(name, "must be an ISO 8601 instant such as 2010-12-01T08:26:00Z (or 2010-12-01 for its UTC midnight)");
            return null;
        }
        return at;
    }

    /// <summary>One of a fixed set of names (exact spelling, as the API shows it).</summary>
    public T? Enum<T>(string name, IReadOnlyDictionary<string, T> values) where T : struct
    {
        if (Raw(name) is not { } v) return null;
        if (values.TryGetValue(v, out var value)) return value;
        Add(name, $"'{v}' is not one of {string.Join(", ", values.Keys)}");
        return null;
    }

    public void Add(string name, string message)
    {
        if (!_errors.TryGetValue(name, out var list)) _errors[name] = list = [];
        list.Add(message);
    }

    public ProblemHttpResult Problem() =>
        Problems.Validation(
            _errors.Count == 1 ? $"the query parameter {_errors.Keys.First()} is invalid" : $"the query parameters {string.Join(", ", _errors.Keys)} are invalid",
            _errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));

    private T? Fail<T>(string name, string message) where T : class
    {
        Add(name, message);
        return null;
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})?)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex IsoInstant();
}
