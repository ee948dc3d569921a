using System.Net.Sockets;
using System.Text;

namespace OrderEngine.LoadTests.Core;

/// <summary>
/// A minimal full-duplex HTTP/1.1 exchange over one TCP connection: the request body is sent chunked by one task while
/// the response is read by another, so the feed endpoint's streamed answer (<c>?answer=streamed</c>) can be read while
/// the feed is still being sent, and each record's time to acknowledge measured. A client that sends the whole body
/// before reading stalls on such an answer once it outgrows the socket buffers (docs/performance.md, "Feed ingest").
/// </summary>
public sealed class DuplexHttp : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _net;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _pos;
    private int _len;

    private DuplexHttp(TcpClient tcp)
    {
        _tcp = tcp;
        _net = tcp.GetStream();
    }

    public static async Task<DuplexHttp> ConnectAsync(Uri baseUri, CancellationToken ct)
    {
        if (baseUri.Scheme != "http") throw new NotSupportedException("the feed's full-duplex client speaks plain http only");
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(baseUri.Host, baseUri.Port, ct).ConfigureAwait(false);
        return new DuplexHttp(tcp);
    }

    /// <summary>Sends the request line and headers (Transfer-Encoding: chunked); then write the body to <see cref="Body"/>.</summary>
    public async Task SendHeadAsync(string method, Uri baseUri, string pathAndQuery, string contentType, CancellationToken ct)
    {
        var head = $"{method} {pathAndQuery} HTTP/1.1\r\nHost: {baseUri.Authority}\r\nContent-Type: {contentType}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
        await _net.WriteAsync(Encoding.ASCII.GetBytes(head), ct).ConfigureAwait(false);
    }

    /// <summary>The request body: every write is sent as one HTTP chunk; <see cref="ChunkedWriteStream.CompleteAsync"/> ends it.</summary>
    public ChunkedWriteStream Body => new(_net);

    /// <summary>Reads the status line and headers; the body then comes from <see cref="ReadBodyAsync"/>.</summary>
    public async Task<(int Status, bool Chunked, long? Length)> ReadHeadAsync(CancellationToken ct)
    {
        var statusLine = await ReadLineAsync(ct).ConfigureAwait(false) ?? throw new IOException("the connection closed before a response");
        var parts = statusLine.Split(' ', 3);
        var status = parts.Length >= 2 && int.TryParse(parts[1], out var s) ? s : throw new IOException("not an HTTP response: " + statusLine);
        var chunked = false;
        long? length = null;
        while (await ReadLineAsync(ct).ConfigureAwait(false) is { Length: > 0 } header)
        {
            var colon = header.IndexOf(':');
            if (colon <= 0) continue;
            var name = header[..colon].Trim();
            var value = header[(colon + 1)..].Trim();
            if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && value.Contains("chunked", StringComparison.OrdinalIgnoreCase)) chunked = true;
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) && long.TryParse(value, out var l)) length = l;
        }
        return (status, chunked, length);
    }

    /// <summary>Reads the response body into <paramref name="destination"/>: 0 at its end (chunked, length or connection close).</summary>
    public async ValueTask<int> ReadBodyAsync(Memory<byte> destination, bool chunked, CancellationToken ct)
    {
        if (_bodyDone) return 0;
        if (chunked)
        {
            if (_chunkLeft == 0)
            {
                var sizeLine = await ReadLineAsync(ct).ConfigureAwait(false) ?? throw new IOException("the answer ended inside its chunked framing");
                var semi = sizeLine.IndexOf(';');
                _chunkLeft = Convert.ToInt64((semi >= 0 ? sizeLine[..semi] : sizeLine).Trim(), 16);
                if (_chunkLeft == 0)
                {
                    _bodyDone = true;
                    return 0;
                }
            }
            if (!await FillAsync(ct).ConfigureAwait(false)) throw new IOException("the connection closed inside a chunk");
            var n = (int)Math.Min(Math.Min(destination.Length, _chunkLeft), _len - _pos);
            _buffer.AsMemory(_pos, n).CopyTo(destination);
            _pos += n;
            _chunkLeft -= n;
            if (_chunkLeft == 0) await ReadLineAsync(ct).ConfigureAwait(false); // the CRLF after the chunk's data
            return n;
        }
        if (!await FillAsync(ct).ConfigureAwait(false))
        {
            _bodyDone = true;
            return 0;
        }
        var m = Math.Min(destination.Length, _len - _pos);
        _buffer.AsMemory(_pos, m).CopyTo(destination);
        _pos += m;
        return m;
    }

    private long _chunkLeft;
    private bool _bodyDone;

    private async ValueTask<bool> FillAsync(CancellationToken ct)
    {
        if (_pos < _len) return true;
        _pos = 0;
        _len = await _net.ReadAsync(_buffer, ct).ConfigureAwait(false);
        return _len > 0;
    }

    private async ValueTask<string?> ReadLineAsync(CancellationToken ct)
    {
        var sb = new StringBuilder();
        while (true)
        {
            if (!await FillAsync(ct).ConfigureAwait(false)) return sb.Length > 0 ? sb.ToString() : null;
            var span = _buffer.AsSpan(_pos, _len - _pos);
            var nl = span.IndexOf((byte)'\n');
            if (nl < 0)
            {
                sb.Append(Encoding.ASCII.GetString(span));
                _pos = _len;
                continue;
            }
            sb.Append(Encoding.ASCII.GetString(span[..nl]));
            _pos += nl + 1;
            if (sb.Length > 0 && sb[^1] == '\r') sb.Length--;
            return sb.ToString();
        }
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>A request body sent with chunked transfer coding: one chunk per write.</summary>
public sealed class ChunkedWriteStream(NetworkStream net) : Stream
{
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
    {
        if (buffer.Length == 0) return;
        await net.WriteAsync(Encoding.ASCII.GetBytes(buffer.Length.ToString("X", System.Globalization.CultureInfo.InvariantCulture) + "\r\n"), ct).ConfigureAwait(false);
        await net.WriteAsync(buffer, ct).ConfigureAwait(false);
        await net.WriteAsync("\r\n"u8.ToArray(), ct).ConfigureAwait(false);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override Task FlushAsync(CancellationToken ct) => net.FlushAsync(ct);

    public Task CompleteAsync(CancellationToken ct) => net.WriteAsync("0\r\n\r\n"u8.ToArray(), ct).AsTask();

    public override void Flush() => net.Flush();
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();
}
