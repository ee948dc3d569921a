using System.Text;

namespace OrderEngine.Ingestion.Adapters.Support;

/// <summary>
/// Reads a TextReader a fixed-size chunk at a time, so a feed of any size is held in memory only one chunk (plus the
/// record being assembled, itself bounded) at a time.
/// </summary>
internal sealed class ChunkedText(TextReader reader, int chunkSize = 16 * 1024)
{
    private readonly char[] _chunk = new char[chunkSize];
    private int _pos;
    private int _len;
    private bool _eof;

    /// <summary>True when at least one unread character is buffered, reading the next chunk if needed; false at the end.</summary>
    public async ValueTask<bool> FillAsync(CancellationToken ct)
    {
        if (_pos < _len) return true;
        if (_eof) return false;
        _len = await reader.ReadAsync(_chunk.AsMemory(), ct).ConfigureAwait(false);
        _pos = 0;
        if (_len == 0) _eof = true;
        return _len > 0;
    }

    public ReadOnlySpan<char> Buffered => _chunk.AsSpan(_pos, _len - _pos);

    public void Advance(int count) => _pos += count;
}

/// <summary>One line of a line-delimited feed: its 1-based number, and its text unless it was longer than allowed.</summary>
internal readonly record struct FeedLine(long Number, string? Text)
{
    public bool TooLong => Text is null;
}

/// <summary>Splits a feed into lines at '\n' (a '\r' before it is dropped), keeping at most a set number of characters per line.</summary>
internal sealed class LineReader(TextReader reader, int maxLineLength)
{
    private readonly ChunkedText _text = new(reader);
    private readonly StringBuilder _line = new();
    private long _number;

    /// <summary>The next line, or null at the end. A line over the limit is skipped to its end, not held.</summary>
    public async ValueTask<FeedLine?> ReadAsync(CancellationToken ct)
    {
        _line.Clear();
        var tooLong = false;
        var any = false;
        while (await _text.FillAsync(ct).ConfigureAwait(false))
        {
            any = true;
            if (TakeUntilNewline(ref tooLong)) break;
        }
        if (!any) return null;
        _number++;
        if (tooLong) return new FeedLine(_number, null);
        if (_line.Length > 0 && _line[^1] == '\r') _line.Length--;
        return new FeedLine(_number, _line.ToString());
    }

    private bool TakeUntilNewline(ref bool tooLong)
    {
        var span = _text.Buffered;
        var nl = span.IndexOf('\n');
        var part = nl < 0 ? span : span[..nl];
        if (!tooLong)
        {
            if (_line.Length + part.Length > maxLineLength)
            {
                tooLong = true;
                _line.Clear();
            }
            else _line.Append(part);
        }
        _text.Advance(nl < 0 ? span.Length : nl + 1);
        return nl >= 0;
    }
}
