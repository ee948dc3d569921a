using System.Globalization;

namespace OrderEngine.Import.Uci;

/// <summary>One line row of the UCI Online Retail file, as published (columns unchanged).</summary>
/// <param name="Line">The row's line number in the file (the header is line 1).</param>
public sealed record UciRow(
    long Line,
    string InvoiceNo,
    string StockCode,
    string Description,
    int Quantity,
    DateTime InvoiceDate,
    decimal UnitPrice,
    string CustomerId,
    string Country)
{
    /// <summary>Invoice numbers starting with 'C' are credit notes (the dataset calls them cancellations).</summary>
    public bool IsCreditNote => InvoiceNo.StartsWith('C');

    /// <summary>Quantity × UnitPrice, exactly.</summary>
    public decimal Value => Quantity * UnitPrice;
}

/// <summary>
/// Reads the UCI Online Retail CSV (header InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country;
/// RFC 4180 quoting; InvoiceDate <c>yyyy-MM-dd HH:mm:ss</c> in UTC; UnitPrice in GBP with a '.'; CustomerID blank or "NA"
/// for a guest). A row that does not read is an error naming its line: the file is data to be checked, not guessed at.
/// </summary>
public static class UciCsv
{
    public static readonly string[] Header = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"];

    public static IEnumerable<UciRow> Read(TextReader reader)
    {
        string[]? header = null;
        foreach (var (at, fields) in Records(reader))
        {
            if (header is null)
            {
                header = fields;
                if (header.Length > 0) header[0] = header[0].TrimStart('\uFEFF');
                if (!header.SequenceEqual(Header, StringComparer.OrdinalIgnoreCase))
                    throw new FormatException($"line {at}: header is '{string.Join(",", header)}', expected '{string.Join(",", Header)}'");
                continue;
            }
            if (fields is [""]) continue;
            if (fields.Length != Header.Length) throw new FormatException($"line {at}: {fields.Length} fields where the header has {Header.Length}");
            yield return new UciRow(
                at,
                Required(fields[0], at, "InvoiceNo"),
                Required(fields[1], at, "StockCode"),
                fields[2],
                int.TryParse(fields[3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var q) ? q : throw new FormatException($"line {at}: Quantity '{fields[3]}' is not a whole number"),
                DateTime.TryParseExact(fields[4], ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm"], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var d)
                    ? DateTime.SpecifyKind(d, DateTimeKind.Utc)
                    : throw new FormatException($"line {at}: InvoiceDate '{fields[4]}' is not yyyy-MM-dd HH:mm:ss"),
                decimal.TryParse(fields[5], NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var p) ? p : throw new FormatException($"line {at}: UnitPrice '{fields[5]}' is not a decimal"),
                fields[6] is "NA" ? "" : fields[6].Trim(),
                fields[7].Trim());
        }
        if (header is null) throw new FormatException("the file is empty (no header)");
    }

    private static string Required(string value, long line, string column) =>
        string.IsNullOrWhiteSpace(value) ? throw new FormatException($"line {line}: {column} is empty") : value.Trim();

    /// <summary>RFC 4180 records with the line each starts on (a quoted field may span lines).</summary>
    internal static IEnumerable<(long Line, string[] Fields)> Records(TextReader reader)
    {
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        long line = 1, start = 1;
        bool quoted = false, wasQuoted = false, any = false;
        int c;
        while ((c = reader.Read()) != -1)
        {
            any = true;
            var ch = (char)c;
            if (quoted)
            {
                if (ch == '"')
                {
                    if (reader.Peek() == '"') { reader.Read(); field.Append('"'); }
                    else quoted = false;
                }
                else
                {
                    if (ch == '\n') line++;
                    field.Append(ch);
                }
                continue;
            }
            switch (ch)
            {
                case '"' when field.Length == 0 && !wasQuoted:
                    quoted = wasQuoted = true;
                    break;
                case '"':
                    throw new FormatException($"line {line}: a quote inside an unquoted field");
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    wasQuoted = false;
                    break;
                case '\r':
                    break;
                case '\n':
                    fields.Add(field.ToString());
                    yield return (start, fields.ToArray());
                    fields.Clear();
                    field.Clear();
                    wasQuoted = any = false;
                    start = ++line;
                    break;
                default:
                    if (wasQuoted) throw new FormatException($"line {line}: text after a closing quote");
                    field.Append(ch);
                    break;
            }
        }
        if (quoted) throw new FormatException($"line {start}: a quote never closed");
        if (any || fields.Count > 0 || field.Length > 0)
        {
            fields.Add(field.ToString());
            yield return (start, fields.ToArray());
        }
    }
}
