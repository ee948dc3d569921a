namespace OrderEngine.Ingestion.Adapters.Support;

/// <summary>Writes CSV fields back as one RFC 4180 record (quoted only where needed), to keep a quarantined order readable.</summary>
internal static class CsvText
{
    public static string Join(IEnumerable<string> fields) => string.Join(",", fields.Select(Quote));

    private static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;
}
