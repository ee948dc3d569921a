using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using OrderEngine.LoadTests.Cli;

namespace OrderEngine.LoadTests.Core;

/// <summary>
/// The lean load path (--client raw, the default): HTTP/1.1 keep-alive over plain sockets, one request at a time per
/// connection, connections pooled (a closed-loop client keeps reusing one; the open loop holds as many as are in flight).
/// The generator shares the cores with the engine, so every microsecond it spends per request is taken from the engine:
/// the request head is pre-encoded per connection (only the Content-Length digits and the Idempotency-Key change) and
/// sent with the body in one write; of the answer only the status line, the framing headers (Content-Length,
/// Transfer-Encoding, Connection) and the first <see cref="ResponseClassifier.KeptBodyBytes"/> body bytes are looked at,
/// and the same <see cref="ResponseClassifier"/> as the HttpClient path classifies them.
/// --timeout covers the whole exchange: a watchdog closes a connection whose request is overdue.
/// </summary>
public sealed class RawHttp : ILoadClient, IDisposable
{
    private readonly ConcurrentQueue<RawConnection> _idle = new();
    private readonly ConcurrentDictionary<RawConnection, byte> _open = new();
    private readonly Timer _watchdog;
    private int _disposed;

    internal IPEndPoint EndPoint { get; }
    internal byte[] HostHeader { get; }
    internal long TimeoutTicks { get; }

    public RawHttp(Uri baseUri, TimeSpan timeout)
    {
        if (baseUri.Scheme != "http") throw new UsageException("--client raw speaks plain http only; give --client httpclient for https");
        var addresses = Dns.GetHostAddresses(baseUri.DnsSafeHost);
        var address = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
            ?? throw new UsageException($"--url: {baseUri.Host} has no address");
        EndPoint = new IPEndPoint(address, baseUri.Port);
        HostHeader = Encoding.ASCII.GetBytes($"Host: {baseUri.Authority}\r\n" + (EngineKey.Value is { } key ? $"{EngineKey.Header}: {key}\r\n" : ""));
        TimeoutTicks = (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        _watchdog = new Timer(_ => Watch(), null, 100, 100);
    }

    /// <summary>Connections open now, idle or busy (client-check and selftest look at it).</summary>
    public int OpenConnections => _open.Count;

    public async Task<Outcome> SendAsync(LoadRequest request, long startTicks)
    {
        for (var attempt = 0; ; attempt++)
        {
            var reused = _idle.TryDequeue(out var connection);
            if (connection is null)
            {
                connection = new RawConnection(this);
                _open[connection] = 0;
            }
            try
            {
                var response = await connection.ExchangeAsync(request).ConfigureAwait(false);
                var outcome = ResponseClassifier.Classify(response.Status, connection.Kept, startTicks, Stopwatch.GetTimestamp());
                if (response.KeepAlive && Volatile.Read(ref _disposed) == 0) _idle.Enqueue(connection);
                else Close(connection);
                return outcome;
            }
            catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException or InvalidDataException)
            {
                Close(connection);
                if (connection.TimedOut)
                    return new Outcome(OutcomeClass.Timeout, 0, RefusalKind.None, startTicks, Stopwatch.GetTimestamp(), "timeout");
                // A kept-alive connection the engine closed while it was idle fails before any byte of an answer: send
                // again on a new connection, as HttpClient does (the Idempotency-Key makes a repeat harmless anyway).
                if (reused && !connection.ReceivedAny && attempt == 0) continue;
                return new Outcome(OutcomeClass.TransportError, 0, RefusalKind.None, startTicks, Stopwatch.GetTimestamp(), Describe(e, connection));
            }
        }
    }

    private static string Describe(Exception e, RawConnection c) => e switch
    {
        SocketException s when !c.Connected => "ConnectionError: " + s.SocketErrorCode + " " + s.Message,
        SocketException s => "IO: " + s.SocketErrorCode + " " + s.Message,
        InvalidDataException => "InvalidResponse: " + e.Message,
        _ when e.Message.StartsWith("ResponseEnded", StringComparison.Ordinal) => e.Message,
        _ => "IO: " + e.Message,
    };

    private void Close(RawConnection connection)
    {
        _open.TryRemove(connection, out _);
        connection.Dispose();
    }

    private void Watch()
    {
        var now = Stopwatch.GetTimestamp();
        foreach (var c in _open.Keys) c.AbortIfOverdue(now);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _watchdog.Dispose();
        foreach (var c in _open.Keys) c.Dispose();
        _open.Clear();
        _idle.Clear();
    }
}

/// <summary>One keep-alive connection of <see cref="RawHttp"/>; used by one request at a time.</summary>
internal sealed class RawConnection(RawHttp owner) : IDisposable
{
    private const int ReceiveBytes = 16 * 1024;
    private static readonly byte[] ContentTypeAndLength = "Content-Type: application/json\r\nContent-Length: "u8.ToArray();
    private static readonly byte[] IdempotencyKeyName = "Idempotency-Key: "u8.ToArray();

    private readonly byte[] _receive = new byte[ReceiveBytes];
    private readonly byte[] _kept = new byte[ResponseClassifier.KeptBodyBytes];
    private Socket? _socket;
    private byte[] _send = new byte[1024];
    private HttpMethod? _headMethod;
    private Uri? _headUri;
    private int _headLength; // _send[0.._headLength) is the pre-encoded head up to "Content-Length: "
    private int _start; // unread received bytes are _receive[_start.._end)
    private int _end;
    private int _keptLength;
    private long _deadline; // Stopwatch ticks; 0 idle, -1 aborted by the watchdog

    public bool Connected { get; private set; }
    public bool ReceivedAny { get; private set; }
    public bool TimedOut { get; private set; }
    public ReadOnlySpan<byte> Kept => _kept.AsSpan(0, _keptLength);

    /// <summary>The answer's status, and whether the connection may carry the next request.</summary>
    public readonly record struct Response(int Status, bool KeepAlive);

    public async ValueTask<Response> ExchangeAsync(LoadRequest request)
    {
        Volatile.Write(ref _deadline, Stopwatch.GetTimestamp() + owner.TimeoutTicks);
        ReceivedAny = false;
        _keptLength = 0;
        if (_socket is null)
        {
            _socket = new Socket(owner.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await _socket.ConnectAsync(owner.EndPoint).ConfigureAwait(false);
            Connected = true;
        }
        var length = Encode(request);
        for (var sent = 0; sent < length;)
            sent += await _socket.SendAsync(_send.AsMemory(sent, length - sent), SocketFlags.None).ConfigureAwait(false);
        var response = await ReadResponseAsync().ConfigureAwait(false);
        // The watchdog may have closed the socket just as the answer completed: the answer counts, the connection not.
        if (Interlocked.Exchange(ref _deadline, 0) == -1) return response with { KeepAlive = false };
        return response;
    }

    public void AbortIfOverdue(long now)
    {
        var deadline = Volatile.Read(ref _deadline);
        if (deadline <= 0 || now < deadline || Interlocked.CompareExchange(ref _deadline, -1, deadline) != deadline) return;
        TimedOut = true;
        _socket?.Dispose();
    }

    /// <summary>Writes the request into the send buffer; the head up to "Content-Length: " is reused while the URI stays.</summary>
    private int Encode(LoadRequest request)
    {
        if (!ReferenceEquals(request.Uri, _headUri) || request.Method != _headMethod)
        {
            var line = Encoding.ASCII.GetBytes($"{request.Method.Method} {request.Uri.PathAndQuery} HTTP/1.1\r\n");
            _headLength = line.Length + owner.HostHeader.Length + ContentTypeAndLength.Length;
            EnsureCapacity(_headLength);
            line.CopyTo(_send, 0);
            owner.HostHeader.CopyTo(_send, line.Length);
            ContentTypeAndLength.CopyTo(_send, line.Length + owner.HostHeader.Length);
            _headUri = request.Uri;
            _headMethod = request.Method;
        }
        var key = request.IdempotencyKey;
        var body = request.Body;
        EnsureCapacity(_headLength + 12 + (key is null ? 0 : IdempotencyKeyName.Length + Encoding.UTF8.GetMaxByteCount(key.Length) + 2) + 4 + body.Length);
        var at = _headLength;
        Utf8Formatter.TryFormat(body.Length, _send.AsSpan(at), out var digits);
        at += digits;
        at = Put(at, "\r\n"u8);
        if (key is not null)
        {
            at = Put(at, IdempotencyKeyName);
            at += Encoding.UTF8.GetBytes(key, _send.AsSpan(at));
            at = Put(at, "\r\n"u8);
        }
        at = Put(at, "\r\n"u8);
        return Put(at, body);
    }

    private int Put(int at, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_send.AsSpan(at));
        return at + bytes.Length;
    }

    private void EnsureCapacity(int bytes)
    {
        if (bytes <= _send.Length) return;
        var bigger = new byte[Math.Max(bytes, _send.Length * 2)];
        _send.AsSpan(0, _headLength).CopyTo(bigger);
        _send = bigger;
    }

    private async ValueTask<Response> ReadResponseAsync()
    {
        int status;
        int headEnd;
        while (true)
        {
            while ((headEnd = _receive.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8)) < 0)
            {
                if (_end - _start >= _receive.Length) throw new InvalidDataException("response head larger than 16 KB");
                await FillAsync().ConfigureAwait(false);
            }
            var statusLine = _receive.AsSpan(_start, headEnd);
            if (statusLine.Length < 12 || !statusLine.StartsWith("HTTP/1."u8) || statusLine[8] != (byte)' '
                || !Utf8Parser.TryParse(statusLine.Slice(9, 3), out status, out var used) || used != 3)
                throw new InvalidDataException("not an HTTP/1.x status line: " + Encoding.ASCII.GetString(statusLine[..Math.Min(statusLine.Length, 40)]));
            if (status is >= 100 and < 200)
            {
                _start += headEnd + 4; // an interim answer (100 Continue): the final one follows
                continue;
            }
            break;
        }
        var head = _receive.AsSpan(_start, headEnd);
        var http10 = head[7] == (byte)'0';
        long? contentLength = null;
        var chunked = false;
        var close = http10;
        foreach (var range in head.Split("\r\n"u8))
        {
            var line = head[range];
            if (line.Length == 0 || line[0] is not ((byte)'c' or (byte)'C' or (byte)'t' or (byte)'T')) continue;
            if (HasName(line, "content-length:"u8, out var value))
            {
                if (!Utf8Parser.TryParse(value, out long n, out var used) || used != value.Length || n < 0)
                    throw new InvalidDataException("bad Content-Length");
                contentLength = n;
            }
            else if (HasName(line, "transfer-encoding:"u8, out value)) chunked = ContainsIgnoreCase(value, "chunked"u8);
            else if (HasName(line, "connection:"u8, out value))
            {
                if (ContainsIgnoreCase(value, "close"u8)) close = true;
                else if (ContainsIgnoreCase(value, "keep-alive"u8)) close = false;
            }
        }
        _start += headEnd + 4;

        if (chunked) await ReadChunkedAsync().ConfigureAwait(false);
        else if (contentLength is { } length) await ConsumeAsync(length).ConfigureAwait(false);
        else if (status is not (204 or 304))
        {
            // Neither a length nor chunks: the body runs to the end of the connection.
            await ReadToCloseAsync().ConfigureAwait(false);
            close = true;
        }
        // Bytes beyond the answer would be a server speaking out of turn: never reuse such a connection.
        if (_start != _end) close = true;
        return new Response(status, !close);
    }

    private async ValueTask ReadChunkedAsync()
    {
        while (true)
        {
            var lineEnd = await LineEndAsync().ConfigureAwait(false);
            var sizeLine = _receive.AsSpan(_start, lineEnd);
            var semicolon = sizeLine.IndexOf((byte)';');
            if (semicolon >= 0) sizeLine = sizeLine[..semicolon];
            if (!Utf8Parser.TryParse(sizeLine.Trim((byte)' '), out long size, out var used, 'X') || used != sizeLine.Trim((byte)' ').Length)
                throw new InvalidDataException("bad chunk size");
            _start += lineEnd + 2;
            if (size == 0)
            {
                // Trailer fields, if any, up to the empty line.
                while (true)
                {
                    var end = await LineEndAsync().ConfigureAwait(false);
                    _start += end + 2;
                    if (end == 0) return;
                }
            }
            await ConsumeAsync(size).ConfigureAwait(false);
            var crlf = await LineEndAsync().ConfigureAwait(false);
            if (crlf != 0) throw new InvalidDataException("chunk data longer than its size");
            _start += 2;
        }
    }

    /// <summary>Offset from <see cref="_start"/> of the next CRLF, reading more as needed.</summary>
    private async ValueTask<int> LineEndAsync()
    {
        int at;
        while ((at = _receive.AsSpan(_start, _end - _start).IndexOf("\r\n"u8)) < 0)
        {
            if (_end - _start >= _receive.Length) throw new InvalidDataException("line longer than 16 KB");
            await FillAsync().ConfigureAwait(false);
        }
        return at;
    }

    /// <summary>Passes over <paramref name="count"/> body bytes, keeping the first ones for the classifier.</summary>
    private async ValueTask ConsumeAsync(long count)
    {
        while (count > 0)
        {
            if (_start == _end) await FillAsync().ConfigureAwait(false);
            var take = (int)Math.Min(count, _end - _start);
            Keep(_receive.AsSpan(_start, take));
            _start += take;
            count -= take;
        }
    }

    private async ValueTask ReadToCloseAsync()
    {
        while (true)
        {
            Keep(_receive.AsSpan(_start, _end - _start));
            _start = _end;
            if (!await FillAsync(endIsError: false).ConfigureAwait(false)) return;
        }
    }

    private void Keep(ReadOnlySpan<byte> bytes)
    {
        var room = _kept.Length - _keptLength;
        if (room <= 0) return;
        var n = Math.Min(room, bytes.Length);
        bytes[..n].CopyTo(_kept.AsSpan(_keptLength));
        _keptLength += n;
    }

    /// <summary>Reads more bytes after the unread ones; false (or an error) when the engine closed the connection.</summary>
    private async ValueTask<bool> FillAsync(bool endIsError = true)
    {
        if (_start == _end) _start = _end = 0;
        else if (_end == _receive.Length)
        {
            Buffer.BlockCopy(_receive, _start, _receive, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        var n = await _socket!.ReceiveAsync(_receive.AsMemory(_end), SocketFlags.None).ConfigureAwait(false);
        if (n == 0)
        {
            if (endIsError) throw new IOException("ResponseEnded: the connection closed before the answer was complete");
            return false;
        }
        ReceivedAny = true;
        _end += n;
        return true;
    }

    private static bool HasName(ReadOnlySpan<byte> line, ReadOnlySpan<byte> lowerName, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (line.Length < lowerName.Length) return false;
        for (var i = 0; i < lowerName.Length; i++)
            if ((line[i] | 0x20) != lowerName[i]) return false; // ASCII case folding; ':' and '-' are unchanged by it
        value = line[lowerName.Length..].Trim((byte)' ');
        return true;
    }

    private static bool ContainsIgnoreCase(ReadOnlySpan<byte> value, ReadOnlySpan<byte> lower)
    {
        for (var i = 0; i + lower.Length <= value.Length; i++)
        {
            var j = 0;
            while (j < lower.Length && (value[i + j] | 0x20) == lower[j]) j++;
            if (j == lower.Length) return true;
        }
        return false;
    }

    public void Dispose()
    {
        Volatile.Write(ref _deadline, 0);
        _socket?.Dispose();
    }
}
