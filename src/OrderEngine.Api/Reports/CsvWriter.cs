using System.Globalization;
using System.Text;

namespace OrderEngine.Api.Reports;

/// <summary>
/// RFC 4180 CSV: a header row, CRLF line ends, a field quoted when it holds a comma, a quote or a line break (quotes
/// doubled). Numbers in the invariant culture; times as ISO 8601 UTC; an absent value is an empty field.
/// Text that a spreadsheet would run as a formula (it begins with =, +, -, @, a tab or a carriage return: a SKU,
/// customer id or channel key comes from outside) is written with a leading apostrophe, so opening the report in
/// Excel or LibreOffice shows it as text and runs nothing. Numbers are never changed.
/// </summary>
public sealed class CsvWriter
{
    private readonly StringBuilder _text = new();

    public CsvWriter(params string[] header) => Row(header);

    public CsvWriter Row(params object?[] fields)
    {
        for (var i = 0; i < fields.Length; i++)
        {
            if (i > 0) _text.Append(',');
            Field(Format(fields[i]));
        }
        _text.Append("\r\n");
        return this;
    }

    public static string Format(object? value) => value switch
    {
        null => "",
        string s => Text(s),
        decimal d => d.ToString(CultureInfo.InvariantCulture),
        DateTimeOffset t => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>Text as written in a cell: with a leading apostrophe when a spreadsheet would take it for a formula.</summary>
    public static string Text(string value) =>
        value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + value : value;

    private void Field(string value)
    {
        if (value.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            _text.Append(value);
            return;
        }
        _text.Append('"').Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
    }

    public IResult ToResult() => Results.Text(_text.ToString(), "text/csv; charset=utf-8", Encoding.UTF8);

    public override string ToString() => _text.ToString();
}
