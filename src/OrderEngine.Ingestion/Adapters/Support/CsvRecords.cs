using System.Runtime.CompilerServices;
using nietras.SeparatedValues;

namespace OrderEngine.Ingestion.Adapters.Support;

/// <summary>
/// One CSV record: the physical line it starts on, its fields, and — when it broke RFC 4180 — why. A fatal error (an
/// unterminated quote) leaves no reliable place to resume, so reading stops after it.
/// </summary>
internal sealed record CsvRecord(long Line, IReadOnlyList<string> Fields, string? Error, bool Fatal)
{
    /// <summary>An empty line: nothing at all between two line breaks.</summary>
    public bool Blank { get; init; }
}

/// <summary>
/// Reads CSV records as they arrive with Sep (RFC 4180: comma-separated, records ended by CRLF, LF or a lone CR,
/// fields optionally in double quotes, inside which commas, line breaks and doubled quotes are data). Sep splits the
/// records and tracks their lines; it is lenient about quotes, so each field's quoting is checked here: a quote inside
/// an unquoted field, text after a closing quote or a quote never closed is an error naming the record's line, not a
/// guess.
/// </summary>
/// <remarks>
/// Memory: Sep holds one buffer of records at a time, so a feed is never loaded whole. A record longer than
/// <c>maxRecordLength</c> is refused (its fields are not kept); one without any end (an unterminated quote in a huge
/// body) stops the file once Sep's buffer limit (16 Mi characters) is reached.
/// </remarks>
internal static class CsvRecords
{
    public static async IAsyncEnumerable<CsvRecord> ReadAsync(TextReader reader, int maxRecordLength, [EnumeratorCancellation] CancellationToken ct = default)
    {
        using var sep = await Sep.New(',')
            .Reader(o => o with { HasHeader = false, Unescape = false, DisableColCountCheck = true, DisableFastFloat = true })
            .FromAsync(reader, leaveOpen: true, ct)
            .ConfigureAwait(false);
        // Sep reports where a record ends; it starts where the one before it ended.
        long line = 1;
        var first = true;
        while (true)
        {
            CsvRecord record;
            try
            {
                if (!await sep.MoveNextAsync(ct).ConfigureAwait(false)) yield break;
                record = Current(sep, line, maxRecordLength, first, out var next);
                line = next;
                first = false;
            }
            catch (NotSupportedException e)
            {
                // Sep's buffer limit: the record never ended, which only an unterminated quote does to a real file.
                record = new CsvRecord(line, [], $"the record starting on line {line} never ends ({e.Message})", Fatal: true);
            }
            yield return record;
            if (record.Fatal) yield break;
        }
    }

    private static CsvRecord Current(SepReader sep, long line, int maxRecordLength, bool first, out long next)
    {
        var row = sep.Current;
        next = row.LineNumberToExcl;
        var raw = row.Span;
        if (row.ColCount == 1 && raw.Length == 0) return new CsvRecord(line, [], null, Fatal: false) { Blank = true };
        if (raw.Count('"') % 2 == 1)
        {
            // Quotes come in pairs in any record whose quotes close; an odd count left one open, and Sep read on to the end.
            var opened = line + raw[..UnclosedQuote(raw)].Count('\n');
            return new CsvRecord(line, [], $"the quoted field opened on line {opened} is never closed", Fatal: true);
        }
        if (raw.Length > maxRecordLength) return new CsvRecord(line, [], $"the record is longer than {maxRecordLength} characters", Fatal: false);
        var fields = new string[row.ColCount];
        string? error = null;
        for (var i = 0; i < fields.Length; i++)
        {
            var text = row[i].Span;
            if (first && i == 0 && text.Length > 0 && text[0] == '\uFEFF') text = text[1..]; // a byte order mark read as text
            fields[i] = Field(text, ref error);
        }
        return new CsvRecord(line, fields, error, Fatal: false);
    }

    /// <summary>A field's value: unquoted as it is, quoted without its quotes and with doubled quotes made single.</summary>
    private static string Field(ReadOnlySpan<char> text, ref string? error)
    {
        if (text.Length == 0 || text[0] != '"')
        {
            if (text.Contains('"')) error ??= "a double quote inside an unquoted field (quote the field and double the quote)";
            return text.ToString();
        }
        var inner = text.Length >= 2 && text[^1] == '"' ? text[1..^1] : text[1..];
        if (text.Length < 2 || text[^1] != '"' || inner.ToString().Replace("\"\"", "", StringComparison.Ordinal).Contains('"'))
            error ??= "text after the closing quote of a quoted field";
        return inner.ToString().Replace("\"\"", "\"", StringComparison.Ordinal);
    }

    /// <summary>Where the quote that is never closed opens: the first quote not paired by the ones after it.</summary>
    private static int UnclosedQuote(ReadOnlySpan<char> raw)
    {
        var open = -1;
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] != '"') continue;
            if (open < 0) open = i;
            else if (i + 1 < raw.Length && raw[i + 1] == '"') i++; // a doubled quote inside quotes
            else open = -1;
        }
        return Math.Max(open, 0);
    }
}
