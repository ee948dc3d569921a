using System.Text;

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
/// Reads RFC 4180 CSV incrementally: comma-separated fields, records ended by CRLF (LF or a lone CR accepted), fields
/// optionally in double quotes, inside which commas, line breaks and doubled quotes ("") are data. A malformed record is
/// returned with its error and reading resumes at the next line; a record is never held beyond a set length.
/// </summary>
internal sealed class CsvRecordReader(TextReader reader, int maxRecordLength)
{
    private enum State { FieldStart, Unquoted, Quoted, QuoteInQuoted, SkipToLineEnd }

    private readonly ChunkedText _text = new(reader);
    private readonly StringBuilder _field = new();
    private readonly List<string> _fields = [];
    private long _line = 1;
    private bool _skipLf;
    private bool _done;

    private State _state;
    private long _recordLine;
    private long _quoteLine;
    private int _recordLength;
    private bool _sawAnything;
    private string? _error;

    public async ValueTask<CsvRecord?> ReadAsync(CancellationToken ct)
    {
        if (_done) return null;
        _fields.Clear();
        _field.Clear();
        _state = State.FieldStart;
        _recordLine = _line;
        _recordLength = 0;
        _sawAnything = false;
        _error = null;
        while (await _text.FillAsync(ct).ConfigureAwait(false))
        {
            if (Consume() is { } record) return record;
        }
        _done = true;
        if (_state is State.Quoted)
            return new CsvRecord(_recordLine, [.. _fields], $"the quoted field opened on line {_quoteLine} is never closed", Fatal: true);
        if (!_sawAnything) return null;
        return EndRecord();
    }

    /// <summary>Consumes buffered characters until a record ends (returned) or the buffer is empty (null).</summary>
    private CsvRecord? Consume()
    {
        var span = _text.Buffered;
        var i = 0;
        try
        {
            if (_skipLf)
            {
                _skipLf = false;
                if (span[0] == '\n')
                {
                    i = 1;
                    if (span.Length == 1) return null;
                }
            }
            for (; i < span.Length; i++)
            {
                var c = span[i];
                if (c is '\n' or '\r' && _state is not (State.Quoted))
                {
                    _line++;
                    _skipLf = c == '\r';
                    i++;
                    if (_skipLf && i < span.Length)
                    {
                        _skipLf = false;
                        if (span[i] == '\n') i++;
                    }
                    return EndRecord();
                }
                _sawAnything = true;
                if (++_recordLength > maxRecordLength && _state != State.SkipToLineEnd)
                {
                    if (_state is State.Quoted)
                    {
                        _done = true;
                        return new CsvRecord(_recordLine, [.. _fields],
                            $"the quoted field opened on line {_quoteLine} runs past {maxRecordLength} characters (an unterminated quote?)", Fatal: true);
                    }
                    Fail($"the record is longer than {maxRecordLength} characters");
                    continue;
                }
                switch (_state)
                {
                    case State.FieldStart:
                        if (c == '"')
                        {
                            _state = State.Quoted;
                            _quoteLine = _line;
                        }
                        else if (c == ',') _fields.Add("");
                        else
                        {
                            _field.Append(c);
                            _state = State.Unquoted;
                        }
                        break;
                    case State.Unquoted:
                        if (c == ',') EndField();
                        else if (c == '"') Fail("a double quote inside an unquoted field (quote the whole field and double the quote)");
                        else _field.Append(c);
                        break;
                    case State.Quoted:
                        if (c == '"') _state = State.QuoteInQuoted;
                        else
                        {
                            if (c == '\n') _line++;
                            _field.Append(c);
                        }
                        break;
                    case State.QuoteInQuoted:
                        if (c == '"')
                        {
                            _field.Append('"');
                            _state = State.Quoted;
                        }
                        else if (c == ',') EndField();
                        else Fail($"'{c}' after a closing quote (a field is either wholly quoted or not at all)");
                        break;
                    case State.SkipToLineEnd:
                        break;
                }
            }
            return null;
        }
        finally
        {
            _text.Advance(Math.Min(i, span.Length));
        }
    }

    private void EndField()
    {
        _fields.Add(_field.ToString());
        _field.Clear();
        _state = State.FieldStart;
    }

    private void Fail(string error)
    {
        _error ??= error;
        _field.Clear();
        _state = State.SkipToLineEnd;
    }

    private CsvRecord EndRecord()
    {
        var blank = !_sawAnything;
        if (_state != State.SkipToLineEnd) _fields.Add(_field.ToString());
        return new CsvRecord(_recordLine, [.. _fields], _error, Fatal: false) { Blank = blank };
    }
}
