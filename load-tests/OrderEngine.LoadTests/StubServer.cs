using System.Buffers.Text;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using OrderEngine.LoadTests.Cli;

namespace OrderEngine.LoadTests;

/// <summary>
/// `stub`: a stand-in for the engine that answers the load tool's requests from memory at almost no cost, so the
/// generator's own CPU per request and its ceiling can be measured apart from any engine: GET /health/ready, PUT and
/// GET /api/stock/{sku}, and POST /api/orders (every line's SKU is looked up and its units taken all or nothing; 201
/// with an order-sized body, else 409 with a problem body naming InsufficientStock or UnknownSku, chunked like the
/// engine's answers). It keeps no orders, so it is not idempotent: a repeated Idempotency-Key takes stock again.
/// Not a test double of the engine's rules; only of its wire format.
/// </summary>
public static class StubServer
{
    private static readonly byte[] CreatedBody = Encoding.UTF8.GetBytes(
        """{"id":"ostub0000000000000000000","status":"reserved","channel":"flash","customerId":"c-f0","currency":"EUR","lines":[{"sku":"stub","quantity":1,"unitPrice":9.99,"lineTotal":9.99,"refundedQuantity":0}],"total":9.99,"placedAt":"2026-01-01T00:00:00.0000000+00:00","expiresAt":"2026-01-01T00:15:00.0000000+00:00","stockSettled":false,"history":[{"status":"placed","at":"2026-01-01T00:00:00.0000000+00:00","by":"channel:flash"},{"status":"reserved","at":"2026-01-01T00:00:00.0000000+00:00","by":"system"}],"paymentMethod":"card","holdReasons":[],"anomalies":[],"refunds":[],"refundable":0}""");

    private static byte[] Refusal(string code) => Encoding.UTF8.GetBytes(
        $$"""{"type":"urn:orderengine:problem:lines-not-reserved","title":"Some lines could not be reserved","status":409,"detail":"stub: requested 1, available 0","instance":"/api/orders","orderId":"ostub0000000000000000000","lines":[{"sku":"stub","code":"{{code}}","reason":"requested 1, available 0"}],"traceId":"00-00000000000000000000000000000000-0000000000000000-00"}""");

    private static readonly byte[] SoldOutBody = Refusal("InsufficientStock");
    private static readonly byte[] UnknownSkuBody = Refusal("UnknownSku");
    private static readonly byte[] SkuField = "\"sku\":\""u8.ToArray();
    private static readonly byte[] QuantityField = "\"quantity\":"u8.ToArray();
    private static readonly byte[] OnHandField = "\"onHand\":"u8.ToArray();

    private static readonly Dictionary<string, long[]> Stock = new(StringComparer.Ordinal); // sku → [onHand, taken]
    private static readonly object Gate = new();

    public static async Task<int> RunAsync(Args options, CancellationToken ct)
    {
        var port = options.Int("port", 5099, 1, 65535);
        options.RejectUnknown();
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        listener.Listen(1024);
        Console.Error.WriteLine($"stub: listening on http://127.0.0.1:{port} (Ctrl+C to stop)");
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var socket = await listener.AcceptAsync(ct).ConfigureAwait(false);
                socket.NoDelay = true;
                _ = Task.Run(() => ServeAsync(socket), CancellationToken.None);
            }
        }
        catch (OperationCanceledException)
        {
        }
        return 0;
    }

    private static async Task ServeAsync(Socket socket)
    {
        var buffer = new byte[64 * 1024];
        var output = new byte[8 * 1024];
        int start = 0, end = 0;
        using (socket)
        {
            try
            {
                while (true)
                {
                    int headEnd;
                    while ((headEnd = buffer.AsSpan(start, end - start).IndexOf("\r\n\r\n"u8)) < 0)
                    {
                        if (!await FillAsync()) return;
                    }
                    var head = buffer.AsSpan(start, headEnd);
                    var length = 0;
                    var chunked = false;
                    foreach (var range in head.Split("\r\n"u8))
                    {
                        var line = head[range];
                        if (line.Length > 15 && Ascii.EqualsIgnoreCase(line[..15], "content-length:"u8))
                            Utf8Parser.TryParse(line[15..].Trim((byte)' '), out length, out _);
                        if (line.Length > 18 && Ascii.EqualsIgnoreCase(line[..18], "transfer-encoding:"u8)) chunked = true; // HttpClient's JSON content
                    }
                    var eol = head.IndexOf("\r\n"u8);
                    var firstLine = eol >= 0 ? head[..eol] : head;
                    var method = Encoding.ASCII.GetString(firstLine[..firstLine.IndexOf((byte)' ')]);
                    var rest = firstLine[(method.Length + 1)..];
                    var path = Encoding.ASCII.GetString(rest[..rest.IndexOf((byte)' ')]);
                    start += headEnd + 4;
                    byte[] content;
                    if (chunked)
                    {
                        // De-chunk into a fresh array: only set-up requests come chunked, so this path may be slow.
                        var collected = new List<byte>();
                        while (true)
                        {
                            int lineEnd;
                            while ((lineEnd = buffer.AsSpan(start, end - start).IndexOf("\r\n"u8)) < 0)
                                if (!await FillAsync()) return;
                            var sizeText = Encoding.ASCII.GetString(buffer, start, lineEnd).Split(';')[0].Trim();
                            var chunk = int.Parse(sizeText, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                            start += lineEnd + 2;
                            while (end - start < chunk + 2)
                                if (!await FillAsync()) return;
                            collected.AddRange(buffer.AsSpan(start, chunk));
                            start += chunk + 2;
                            if (chunk == 0) break;
                        }
                        content = [.. collected];
                    }
                    else
                    {
                        while (end - start < length)
                            if (!await FillAsync()) return;
                        content = buffer.AsSpan(start, length).ToArray();
                        start += length;
                    }
                    var (status, contentType, body) = Answer(method, path, content);
                    var size = Write(output, status, contentType, body);
                    await socket.SendAsync(output.AsMemory(0, size), SocketFlags.None).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }

        async ValueTask<bool> FillAsync()
        {
            if (start == end) start = end = 0;
            else if (end == buffer.Length)
            {
                Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
            }
            if (end == buffer.Length) return false; // a request larger than the buffer: drop the connection
            var n = await socket.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None).ConfigureAwait(false);
            end += n;
            return n > 0;
        }
    }

    private static (int Status, string ContentType, byte[] Body) Answer(string method, string path, ReadOnlySpan<byte> body)
    {
        const string Json = "application/json; charset=utf-8";
        if (method == "GET" && path == "/health/ready") return (200, "text/plain", "Healthy"u8.ToArray());
        if (path.StartsWith("/api/stock/", StringComparison.Ordinal) && method is "PUT" or "GET")
        {
            var sku = Uri.UnescapeDataString(path["/api/stock/".Length..]);
            long[] figures;
            lock (Gate)
            {
                if (method == "PUT")
                {
                    var at = body.IndexOf(OnHandField);
                    Utf8Parser.TryParse(at >= 0 ? body[(at + OnHandField.Length)..] : default, out long onHand, out _);
                    Stock[sku] = figures = [onHand, 0];
                }
                else if (!Stock.TryGetValue(sku, out figures!)) return (404, "application/problem+json", """{"status":404}"""u8.ToArray());
                figures = [figures[0], figures[1]];
            }
            return (200, Json, Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
                $$"""{"sku":"{{sku}}","onHand":{{figures[0]}},"reserved":{{figures[1]}},"sold":0,"available":{{figures[0] - figures[1]}},"version":1}""")));
        }
        if (method == "POST" && path == "/api/orders")
        {
            var lines = new List<(string Sku, long Quantity)>();
            for (var rest = body; rest.IndexOf(SkuField) is var at and >= 0;)
            {
                rest = rest[(at + SkuField.Length)..];
                var sku = Encoding.UTF8.GetString(rest[..rest.IndexOf((byte)'"')]);
                var q = rest.IndexOf(QuantityField);
                Utf8Parser.TryParse(q >= 0 ? rest[(q + QuantityField.Length)..] : default, out long quantity, out _);
                lines.Add((sku, quantity));
            }
            if (lines.Count == 0) return (400, "application/problem+json", """{"status":400,"title":"The request is invalid"}"""u8.ToArray());
            lock (Gate)
            {
                foreach (var (sku, quantity) in lines)
                {
                    if (!Stock.TryGetValue(sku, out var f)) return (409, "application/problem+json", UnknownSkuBody);
                    if (f[0] - f[1] < quantity) return (409, "application/problem+json", SoldOutBody);
                }
                foreach (var (sku, quantity) in lines) Stock[sku][1] += quantity;
            }
            return (201, Json, CreatedBody);
        }
        return (404, "application/problem+json", """{"status":404}"""u8.ToArray());
    }

    private static int Write(byte[] output, int status, string contentType, byte[] body)
    {
        var reason = status switch { 200 => "OK", 201 => "Created", 400 => "Bad Request", 404 => "Not Found", 409 => "Conflict", _ => "Status" };
        var head = string.Create(CultureInfo.InvariantCulture,
            $"HTTP/1.1 {status} {reason}\r\nContent-Type: {contentType}\r\nDate: {DateTime.UtcNow:R}\r\nServer: stub\r\nTransfer-Encoding: chunked\r\n\r\n{body.Length:X}\r\n");
        var at = Encoding.ASCII.GetBytes(head, output);
        body.CopyTo(output, at);
        at += body.Length;
        "\r\n0\r\n\r\n"u8.CopyTo(output.AsSpan(at));
        return at + 7;
    }
}
