using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using HdrHistogram;
using OrderEngine.LoadTests.Cli;
using OrderEngine.LoadTests.Core;
using OrderEngine.LoadTests.Reporting;

namespace OrderEngine.LoadTests.Scenarios;

/// <summary>
/// Bulk channel ingest: an --orders N (100,000) canonical NDJSON feed, 1 to --max-lines lines of quantity 1 to --max-qty
/// over --skus SKUs drawn uniformly, streamed to POST /api/channels/{channel}/feed as --feeds K concurrent feeds (one
/// channel each, N/K orders each). The body is written as it is sent, in --chunk-kb chunks, from compact per-order
/// arrays (the feed is never held as text); the streamed answer (one outcome line per record, then a summary line) is
/// read as it arrives.
///
/// Measured: the ingest rate (records answered, not "unavailable", per second from the first byte sent to the last
/// summary line), the time to acknowledge each record (from its chunk being handed to the socket to its outcome line
/// being read: an upper bound that includes the socket and server buffers the record waited in), and the outcomes.
/// Records answered "unavailable" or not answered are fed again (--reconcile-attempts). Then, with --replay on (the
/// default), the same feed again: every record must come back duplicate, naming the same order.
///
/// Stock: every SKU gets twice the units the feed asks of it, so nothing is refused; --shortage F stocks only (1-F) of
/// that demand instead, so some orders are rejected. Checks after the run: the engine's channel counters (accepted ==
/// orders created == N, duplicates, received), every outcome names the order id derived from channel + externalId,
/// --sample orders read back with GET /api/orders/{id}, and (common check) every SKU's reserved + sold equals the units
/// of the orders answered reserved.
/// </summary>
public sealed class Feed : Scenario
{
    private const byte Unknown = 0, Reserved = 1, Rejected = 2, Quarantined = 3, OtherStatus = 4;

    private static readonly MediaTypeHeaderValue Ndjson = new("application/x-ndjson");

    private readonly int _orders;
    private readonly int _feeds;
    private readonly int _skus;
    private readonly int _maxLines;
    private readonly int _maxQuantity;
    private readonly double _shortage;
    private readonly bool _replay;
    private readonly int _sample;
    private readonly int _chunkBytes;
    private readonly int _firstSku;
    private readonly OrderLine[][] _lines;
    private readonly int[][] _prices;
    private readonly long[] _demand;
    private readonly string[] _channels;
    private readonly int[] _feedStart; // feed k holds orders [_feedStart[k], _feedStart[k + 1])
    private readonly string[] _orderIds;
    private readonly byte[] _state;
    private readonly Metrics _replayMetrics = new();
    private readonly List<PassResult> _passes = [];
    private readonly List<CheckResult> _checks = [];
    private long _unitsOrdered;
    private long _wrongIds;
    private string? _firstWrongId;
    private int _unresolved;

    public Feed(RunOptions run, Args args) : base(run)
    {
        _orders = args.Int("orders", 100_000, 1, 50_000_000);
        _feeds = args.Int("feeds", 1, 1, 1000);
        if (_feeds > _orders) throw new UsageException("--feeds: more feeds than orders");
        _skus = args.Int("skus", 10_000, 1, 10_000_000);
        _maxLines = args.Int("max-lines", 3, 1, 100);
        if (_maxLines > _skus) throw new UsageException("--max-lines: more lines than SKUs");
        _maxQuantity = args.Int("max-qty", 3, 1, 10_000);
        _shortage = args.Double("shortage", 0, 0, 1);
        _replay = args.String("replay", "on") switch
        {
            "on" or "true" or "yes" or "1" => true,
            "off" or "false" or "no" or "0" => false,
            var v => throw new UsageException($"--replay: on or off, not '{v}'"),
        };
        _sample = args.Int("sample", 1000, 0, 10_000_000);
        _chunkBytes = args.Int("chunk-kb", 16, 1, 16_384) * 1024;

        // The whole feed as compact arrays, from the seed: the replay sends the very same records.
        var random = new Random(unchecked(run.Seed * 1_000_003 + 'F'));
        _lines = new OrderLine[_orders][];
        _prices = new int[_orders][];
        _demand = new long[_skus];
        Span<OrderLine> draft = stackalloc OrderLine[_maxLines];
        for (var i = 0; i < _orders; i++)
        {
            var wanted = random.Next(1, _maxLines + 1);
            var n = 0;
            for (var l = 0; l < wanted; l++)
            {
                var sku = random.Next(_skus);
                var qty = random.Next(1, _maxQuantity + 1);
                var found = false;
                for (var j = 0; j < n; j++)
                    if (draft[j].Sku == sku)
                    {
                        draft[j] = draft[j] with { Quantity = draft[j].Quantity + qty }; // the engine refuses a repeated SKU
                        found = true;
                        break;
                    }
                if (!found) draft[n++] = new OrderLine(sku, qty);
            }
            var lines = draft[..n].ToArray();
            var prices = new int[n];
            for (var l = 0; l < n; l++)
            {
                prices[l] = random.Next(100, 10_001);
                _demand[lines[l].Sku] += lines[l].Quantity;
                _unitsOrdered += lines[l].Quantity;
            }
            _lines[i] = lines;
            _prices[i] = prices;
        }
        _firstSku = Catalog.Count;
        for (var s = 0; s < _skus; s++)
        {
            var onHand = _shortage > 0 ? (long)Math.Floor(_demand[s] * (1 - _shortage)) : 2 * _demand[s] + 10;
            Catalog.Add($"{run.RunId}-f{s.ToString(CultureInfo.InvariantCulture)}", Math.Max(onHand, 0));
        }
        // Catalog indices of the lines (the SKUs were added after any the base class holds).
        if (_firstSku != 0)
            foreach (var lines in _lines)
                for (var l = 0; l < lines.Length; l++) lines[l] = lines[l] with { Sku = lines[l].Sku + _firstSku };

        _channels = new string[_feeds];
        _feedStart = new int[_feeds + 1];
        for (var k = 0; k < _feeds; k++)
        {
            _channels[k] = $"{run.RunId}-c{k.ToString(CultureInfo.InvariantCulture)}";
            _feedStart[k] = (int)((long)_orders * k / _feeds);
        }
        _feedStart[_feeds] = _orders;
        _orderIds = new string[_orders];
        for (var k = 0; k < _feeds; k++)
            for (var i = _feedStart[k]; i < _feedStart[k + 1]; i++) _orderIds[i] = OrderIds.FromExternal(_channels[k], ExternalId(i));
        _state = new byte[_orders];
    }

    public override string Name => "feed";

    public override bool DrivesItsOwnLoad => true;

    public override string LoadDescription => _feeds == 1 ? "1 streamed NDJSON feed" : $"{_feeds} concurrent streamed NDJSON feeds (one channel each)";

    public override IReadOnlyDictionary<string, string> Parameters => new Dictionary<string, string>
    {
        ["orders"] = _orders.ToString(CultureInfo.InvariantCulture),
        ["feeds"] = _feeds.ToString(CultureInfo.InvariantCulture),
        ["channels"] = _feeds <= 4 ? string.Join(", ", _channels) : $"{_channels[0]} .. {_channels[^1]}",
        ["skus"] = _skus.ToString(CultureInfo.InvariantCulture),
        ["lines"] = $"1-{_maxLines}",
        ["qty"] = $"1-{_maxQuantity}",
        ["units ordered"] = _unitsOrdered.ToString(CultureInfo.InvariantCulture),
        ["stock"] = _shortage > 0 ? $"(1 - {ParameterFormat.Of(_shortage)}) x demand per SKU" : "2 x demand + 10 per SKU",
        ["replay"] = _replay ? "on" : "off",
        ["sample"] = _sample.ToString(CultureInfo.InvariantCulture),
        ["chunk"] = $"{_chunkBytes / 1024} KiB",
    };

    public override IRequestSource CreateSource(int stream, EngineHttp http) =>
        throw new NotSupportedException("the feed scenario drives its own load");

    private static string ExternalId(int order) => "x" + (order + 1).ToString(CultureInfo.InvariantCulture);

    private int FeedOf(int order)
    {
        var k = Array.BinarySearch(_feedStart, order);
        return k >= 0 ? Math.Min(k, _feeds - 1) : ~k - 1;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The measured phase: feed, feed again what is unresolved, replay, then the API checks.

    public override async Task<PhaseResult> MeasureAsync(MeasureContext context, CancellationToken ct)
    {
        for (var i = 0; i < _orders; i++) Catalog.Touch(_lines[i]);

        var all = new int[_feeds][];
        for (var k = 0; k < _feeds; k++) all[k] = Enumerable.Range(_feedStart[k], _feedStart[k + 1] - _feedStart[k]).ToArray();

        if (!Run.Quiet) Console.Error.WriteLine($"feed: {_orders} orders ({_unitsOrdered} units) as {LoadDescription}");
        var first = await PassAsync("feed", all, context.Metrics, replay: false, context.Engine, ct).ConfigureAwait(false);
        _passes.Add(first);

        // Records answered "unavailable" or never answered: feed them again (a repeat is recognised).
        var resendStarted = Stopwatch.GetTimestamp();
        for (var attempt = 1; attempt <= Run.ReconcileAttempts && !ct.IsCancellationRequested; attempt++)
        {
            if (Stopwatch.GetElapsedTime(resendStarted) > Run.ReconcileTimeout) break;
            var open = new int[_feeds][];
            var count = 0;
            for (var k = 0; k < _feeds; k++)
            {
                open[k] = all[k].Where(i => _state[i] == Unknown).ToArray();
                count += open[k].Length;
            }
            if (count == 0) break;
            if (!Run.Quiet) Console.Error.WriteLine($"feed: {count} records without an outcome; feeding them again (attempt {attempt})");
            _passes.Add(await PassAsync($"resend {attempt}", open.Where(o => o.Length > 0).ToArray(), new Metrics(), replay: false, context.Engine, ct).ConfigureAwait(false));
        }
        for (var i = 0; i < _orders; i++)
            if (_state[i] == Unknown)
            {
                _unresolved++;
                Catalog.AddUncertain(_lines[i]);
            }

        if (_replay && !ct.IsCancellationRequested)
        {
            if (!Run.Quiet) Console.Error.WriteLine("replay: the same feed again; every record should come back duplicate");
            _passes.Add(await PassAsync("replay", all, _replayMetrics, replay: true, context.Engine, ct).ConfigureAwait(false));
        }

        await CheckThroughApiAsync(context.Http).ConfigureAwait(false);
        return new PhaseResult("feed", first.StartTicks, first.EndTicks, first.EndTicks, first.Error is null ? "feed end" : "feed failed: " + first.Error);
    }

    /// <summary>One pass: the given records of each feed, all feeds at once; returns when every answer ended.</summary>
    private async Task<PassResult> PassAsync(string name, int[][] feeds, Metrics metrics, bool replay, ProcessSampler? engine, CancellationToken ct)
    {
        var pass = new PassResult(name, feeds.Sum(f => f.Length), feeds.Length);
        var self = ProcessSampler.Self();
        engine?.Sample();
        self.Sample();
        var started = Stopwatch.GetTimestamp();
        using var tickerCts = new CancellationTokenSource();
        var ticker = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            try
            {
                while (await timer.WaitForNextTickAsync(tickerCts.Token).ConfigureAwait(false))
                {
                    var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
                    var row = metrics.Tick(elapsed, metrics.Sent - metrics.Completed, engine?.Sample(), self.Sample());
                    if (!Run.Quiet) Progress(name, elapsed, metrics, row);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }, CancellationToken.None);
        var tasks = new Task[feeds.Length];
        for (var f = 0; f < feeds.Length; f++)
        {
            var records = feeds[f];
            tasks[f] = Task.Run(() => OneFeedAsync(pass, records, metrics, replay, ct), CancellationToken.None);
        }
        await Task.WhenAll(tasks).ConfigureAwait(false);
        await tickerCts.CancelAsync().ConfigureAwait(false);
        await ticker.ConfigureAwait(false);
        var total = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var last = metrics.Tick(total, metrics.Sent - metrics.Completed, engine?.Sample(), self.Sample());
        if (!Run.Quiet) Progress(name + " done", total, metrics, last);
        if (pass.StartTicks == 0) pass.StartTicks = started;
        if (pass.EndTicks == 0) pass.EndTicks = Stopwatch.GetTimestamp();
        return pass;
    }

    private static void Progress(string name, double elapsed, Metrics m, SecondRow row)
    {
        var inv = CultureInfo.InvariantCulture;
        var p99 = m.P99SoFar is { } p ? p.ToString("0", inv) + "ms" : "-";
        var engine = row.EngineRssMb is { } rss ? $" engine={rss:0}MB" + (row.EngineCpuPercent is { } ec ? $"/{ec:0}%cpu" : "") : "";
        var gen = row.GeneratorCpuPercent is { } g ? $" gen={g:0}%cpu" : "";
        var acked = row.Accepted + row.Refused + row.Other + row.Failed;
        Console.Error.WriteLine(string.Create(inv,
            $"[{name} {elapsed,5:0.0}s] sent={m.Sent} answered={m.Completed} rate={acked / Math.Max(row.Span, 1e-3):0}/s in-flight={row.InFlight} ack-p99={p99}{engine}{gen}"));
    }

    /// <summary>One feed: streams its records, reads its answer, records every outcome.</summary>
    private async Task OneFeedAsync(PassResult pass, int[] records, Metrics metrics, bool replay, CancellationToken ct)
    {
        var k = FeedOf(records[0]);
        var channel = _channels[k];
        var sent = new long[records.Length];
        var answered = new bool[records.Length];
        var content = new FeedContent(this, channel, records, sent, metrics, _chunkBytes, pass);
        string? error = null;
        // Full duplex: the body is sent while the answer is read (HttpClient cannot, over HTTP/1.1: see DuplexHttp).
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(ct);
        DuplexHttp? connection = null;
        Task? sending = null;
        try
        {
            connection = await DuplexHttp.ConnectAsync(Run.Url, abort.Token).ConfigureAwait(false);
            await connection.SendHeadAsync("POST", Run.Url, $"{Run.Url.AbsolutePath.TrimEnd('/')}/api/channels/{channel}/feed?answer=streamed", "application/x-ndjson", abort.Token).ConfigureAwait(false);
            var body = connection.Body;
            sending = Task.Run(async () =>
            {
                await content.WriteBodyAsync(body, abort.Token).ConfigureAwait(false);
                await body.CompleteAsync(abort.Token).ConfigureAwait(false);
                await body.FlushAsync(abort.Token).ConfigureAwait(false);
            }, CancellationToken.None);
            var (status, chunked, _) = await connection.ReadHeadAsync(abort.Token).ConfigureAwait(false);
            var stream = new ResponseBody(connection, chunked);
            if (status != 200)
            {
                using var reader = new StreamReader(stream);
                var text = await reader.ReadToEndAsync(abort.Token).ConfigureAwait(false);
                error = $"HTTP {status}: {text[..Math.Min(text.Length, 300)]}";
            }
            else
            {
                var sawSummary = false;
                await foreach (var line in Lines(stream, abort.Token).ConfigureAwait(false))
                {
                    var now = Stopwatch.GetTimestamp();
                    if (IsSummary(line.Span))
                    {
                        pass.AddSummary(line.Span, now);
                        sawSummary = true;
                        break;
                    }
                    var o = ParseOutcome(line.Span);
                    if (o.Record is not { } position || position < 1 || position > records.Length || answered[position - 1])
                    {
                        pass.Note($"{channel}: an outcome line with no usable record number: {Encoding.UTF8.GetString(line.Span[..Math.Min(line.Length, 200)])}");
                        continue;
                    }
                    answered[position - 1] = true;
                    OnOutcome(pass, metrics, records[position - 1], o, Volatile.Read(ref sent[position - 1]), now, replay);
                }
                if (!sawSummary) error = "the answer ended without a summary line";
            }
        }
        catch (Exception e) when (e is HttpRequestException or IOException or SocketException or OperationCanceledException or FormatException)
        {
            error = $"{e.GetType().Name}: {e.Message}";
        }
        finally
        {
            await abort.CancelAsync().ConfigureAwait(false);
            if (sending is not null)
            {
                try
                {
                    await sending.ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
                {
                    // The answer is what counts; a body cut short shows as unanswered records.
                }
            }
            if (connection is not null) await connection.DisposeAsync().ConfigureAwait(false);
        }
        if (error is not null) pass.Note($"{channel}: {error}");
        // Records without an answer: their outcome is unknown (fed again after the pass).
        var now2 = Stopwatch.GetTimestamp();
        for (var p = 0; p < records.Length; p++)
        {
            if (answered[p]) continue;
            Interlocked.Increment(ref pass.Unanswered);
            metrics.Record(new Outcome(OutcomeClass.TransportError, 0, RefusalKind.None, sent[p] == 0 ? now2 : sent[p], now2, error ?? "no answer"));
        }
    }

    private readonly record struct ParsedOutcome(string? Outcome, string? OrderId, string? Status, string? Reason, long? Record);

    private static bool IsSummary(ReadOnlySpan<byte> line)
    {
        var r = new Utf8JsonReader(line);
        return r.Read() && r.TokenType == JsonTokenType.StartObject && r.Read() && r.TokenType == JsonTokenType.PropertyName && r.ValueTextEquals("summary"u8);
    }

    private static ParsedOutcome ParseOutcome(ReadOnlySpan<byte> line)
    {
        string? outcome = null, orderId = null, status = null, reason = null;
        long? record = null;
        var r = new Utf8JsonReader(line);
        if (!r.Read() || r.TokenType != JsonTokenType.StartObject) return default;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("outcome"u8)) { r.Read(); outcome = r.GetString(); }
            else if (r.ValueTextEquals("orderId"u8)) { r.Read(); orderId = r.TokenType == JsonTokenType.String ? r.GetString() : null; }
            else if (r.ValueTextEquals("status"u8)) { r.Read(); status = r.TokenType == JsonTokenType.String ? r.GetString() : null; }
            else if (r.ValueTextEquals("reason"u8)) { r.Read(); reason = r.TokenType == JsonTokenType.String ? r.GetString() : null; }
            else if (r.ValueTextEquals("record"u8)) { r.Read(); record = r.TokenType == JsonTokenType.Number ? r.GetInt64() : null; }
            else
            {
                r.Read();
                r.Skip();
            }
        }
        return new ParsedOutcome(outcome, orderId, status, reason, record);
    }

    private static bool IsReservedLike(string? status) =>
        status is not null && (status.Equals("reserved", StringComparison.OrdinalIgnoreCase) || status.Equals("onHold", StringComparison.OrdinalIgnoreCase)
            || status.Equals("confirmed", StringComparison.OrdinalIgnoreCase) || status.Equals("paid", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// One record's outcome: into the metrics under the status POST /api/orders would have answered (201 reserved,
    /// 409 rejected for stock, 200 duplicate, 422 quarantined, 503 unavailable), into the pass's counts, and into the
    /// SKU ledger the first time the record's fate is known.
    /// </summary>
    private void OnOutcome(PassResult pass, Metrics metrics, int order, ParsedOutcome o, long sentTicks, long now, bool replay)
    {
        var start = sentTicks == 0 ? now : sentTicks;
        pass.CountStatus(o.Status);
        if (o.OrderId is not null && o.OrderId != _orderIds[order] && Interlocked.Increment(ref _wrongIds) == 1)
            _firstWrongId = $"{_channels[FeedOf(order)]} {ExternalId(order)}: answered {o.OrderId}, derived {_orderIds[order]}";
        switch (o.Outcome)
        {
            case "accepted" or "duplicate":
                var duplicate = o.Outcome == "duplicate";
                Interlocked.Increment(ref duplicate ? ref pass.Duplicates : ref pass.Accepted);
                var reserved = IsReservedLike(o.Status);
                var rejected = !reserved && string.Equals(o.Status, "rejected", StringComparison.OrdinalIgnoreCase);
                if (rejected) Interlocked.Increment(ref pass.Rejected);
                if (_state[order] == Unknown)
                {
                    _state[order] = reserved ? Reserved : rejected ? Rejected : OtherStatus;
                    if (reserved) Catalog.Accept(_lines[order]);
                    else if (!rejected) Catalog.AddUncertain(_lines[order]);
                }
                var outcome = duplicate
                    ? new Outcome(replay ? OutcomeClass.Accepted : OutcomeClass.OtherStatus, 200, RefusalKind.None, start, now, replay ? null : "duplicate in the first feed: " + o.Status)
                    : reserved ? new Outcome(OutcomeClass.Accepted, 201, RefusalKind.None, start, now, null)
                    : rejected ? new Outcome(OutcomeClass.Refused, 409, RefusalKind.InsufficientStock, start, now, null)
                    : new Outcome(OutcomeClass.OtherStatus, 202, RefusalKind.None, start, now, "accepted with status " + o.Status);
                metrics.Record(outcome);
                break;
            case "refused":
                // Refused for stock: no order was placed and nothing is held; the record is taken.
                Interlocked.Increment(ref pass.Refused);
                Interlocked.Increment(ref pass.Rejected);
                if (_state[order] == Unknown) _state[order] = Rejected;
                metrics.Record(new Outcome(OutcomeClass.Refused, 409, RefusalKind.InsufficientStock, start, now, null));
                break;
            case "quarantined":
                Interlocked.Increment(ref pass.Quarantined);
                if (_state[order] == Unknown) _state[order] = Quarantined;
                metrics.Record(new Outcome(OutcomeClass.OtherStatus, 422, RefusalKind.None, start, now, "quarantined: " + o.Reason));
                break;
            default:
                Interlocked.Increment(ref pass.Unavailable);
                metrics.Record(new Outcome(OutcomeClass.OtherStatus, 503, RefusalKind.None, start, now, $"{o.Outcome}: {o.Reason}"));
                break;
        }
    }

    /// <summary>The answer's lines as they arrive (each valid until the next one is asked for).</summary>
    private static async IAsyncEnumerable<ReadOnlyMemory<byte>> Lines(Stream stream, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        int start = 0, end = 0;
        while (true)
        {
            var nl = buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
            if (nl >= 0)
            {
                var line = buffer.AsMemory(start, nl);
                start += nl + 1;
                if (line.Length > 0) yield return line;
                continue;
            }
            if (start > 0)
            {
                Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
            }
            if (end == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
            var n = await stream.ReadAsync(buffer.AsMemory(end), ct).ConfigureAwait(false);
            if (n == 0)
            {
                if (end > start) yield return buffer.AsMemory(start, end - start);
                yield break;
            }
            end += n;
        }
    }

    /// <summary>
    /// The feed body, written as it is sent: records are formatted into a --chunk-kb buffer; each full chunk is written
    /// and flushed to the connection, and its records are stamped as sent at that moment.
    /// </summary>
    private sealed class FeedContent : HttpContent
    {

        private readonly Feed _feed;
        private readonly JsonEncodedText _channel;
        private readonly int[] _records;
        private readonly long[] _sent;
        private readonly Metrics _metrics;
        private readonly int _chunk;
        private readonly PassResult _pass;

        public FeedContent(Feed feed, string channel, int[] records, long[] sent, Metrics metrics, int chunk, PassResult pass)
        {
            _feed = feed;
            _channel = JsonEncodedText.Encode(channel);
            _records = records;
            _sent = sent;
            _metrics = metrics;
            _chunk = chunk;
            _pass = pass;
            Headers.ContentType = Ndjson;
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => WriteBodyAsync(stream, CancellationToken.None);

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken ct) => WriteBodyAsync(stream, ct);

        public async Task WriteBodyAsync(Stream stream, CancellationToken ct)
        {
            var buffer = new ArrayBufferWriter<byte>(_chunk + 4096);
            await using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
            var catalog = _feed.Catalog;
            var chunkFirst = 0;
            for (var p = 0; p < _records.Length; p++)
            {
                var order = _records[p];
                var lines = _feed._lines[order];
                var prices = _feed._prices[order];
                writer.Reset(buffer);
                OrderBodyWriter.WriteOrder(writer, _channel, ExternalId(order), "c-" + (order % 1000).ToString(CultureInfo.InvariantCulture),
                    lines, prices, catalog);
                writer.Flush();
                buffer.GetSpan(1)[0] = (byte)'\n';
                buffer.Advance(1);
                if (buffer.WrittenCount >= _chunk || p == _records.Length - 1)
                {
                    await SendChunkAsync(stream, buffer, chunkFirst, p + 1, ct).ConfigureAwait(false);
                    chunkFirst = p + 1;
                }
            }
        }

        private async Task SendChunkAsync(Stream stream, ArrayBufferWriter<byte> buffer, int from, int to, CancellationToken ct)
        {
            // Stamped before the write (never zero when an answer comes back) and again once the chunk is in the socket.
            var before = Stopwatch.GetTimestamp();
            _pass.Started(before);
            for (var q = from; q < to; q++) Volatile.Write(ref _sent[q], before);
            await stream.WriteAsync(buffer.WrittenMemory, ct).ConfigureAwait(false);
            await stream.FlushAsync(ct).ConfigureAwait(false);
            var after = Stopwatch.GetTimestamp();
            for (var q = from; q < to; q++) Volatile.Write(ref _sent[q], after);
            _metrics.CountSent(to - from);
            _pass.AddBytes(buffer.WrittenCount);
            buffer.ResetWrittenCount();
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    /// <summary>What one pass (all its feeds) saw.</summary>
    private sealed class PassResult(string name, long records, int feeds)
    {
        private readonly object _lock = new();
        private readonly Dictionary<string, long> _statuses = new(StringComparer.Ordinal);
        public string Name { get; } = name;
        public long Records { get; } = records;
        public int Feeds { get; } = feeds;
        public long Accepted;
        public long Duplicates;
        public long Rejected;
        public long Quarantined;
        /// <summary>Records refused for stock: no order was placed, nothing is held (outcome "refused").</summary>
        public long Refused;
        public long Unavailable;
        public long Unanswered;
        public long Bytes;
        public long StartTicks;
        public long EndTicks;
        public int Summaries;
        public long SummaryRecords;
        public long SummaryAccepted;
        public long SummaryDuplicates;
        public long SummaryQuarantined;
        public long SummaryRefused;
        public long SummaryUnavailable;
        public List<string> Notes { get; } = [];
        public string? Error => Notes.Count == 0 ? null : Notes[0];

        public long Acknowledged => Accepted + Duplicates + Quarantined;
        public double Seconds => EndTicks > StartTicks ? (EndTicks - StartTicks) / (double)Stopwatch.Frequency : 0;
        public double Rate => Seconds > 0 ? Acknowledged / Seconds : 0;

        public void Started(long ticks)
        {
            long seen;
            while (((seen = Interlocked.Read(ref StartTicks)) == 0 || ticks < seen) && Interlocked.CompareExchange(ref StartTicks, ticks, seen) != seen) { }
        }

        public void AddBytes(long n) => Interlocked.Add(ref Bytes, n);

        public void Note(string note)
        {
            lock (_lock) if (Notes.Count < 20) Notes.Add(note);
        }

        public void CountStatus(string? status)
        {
            lock (_lock) _statuses[status ?? "-"] = _statuses.GetValueOrDefault(status ?? "-") + 1;
        }

        public string Statuses()
        {
            lock (_lock) return string.Join(" ", _statuses.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}:{kv.Value}"));
        }

        public void AddSummary(ReadOnlySpan<byte> line, long ticks)
        {
            using var doc = JsonDocument.Parse(line.ToArray());
            var s = doc.RootElement.GetProperty("summary");
            long Get(string name) => s.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;
            lock (_lock)
            {
                Summaries++;
                SummaryRecords += Get("records");
                SummaryAccepted += Get("accepted");
                SummaryDuplicates += Get("duplicates");
                SummaryQuarantined += Get("quarantined");
                SummaryRefused += Get("refused");
                SummaryUnavailable += Get("unavailable");
                if (s.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String && Notes.Count < 20) Notes.Add("summary error: " + e.GetString());
                if (ticks > EndTicks) EndTicks = ticks;
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Checks.

    private async Task CheckThroughApiAsync(EngineHttp http)
    {
        var first = _passes[0];
        var created = _state.Count(s => s is Reserved or Rejected or OtherStatus);
        var quarantined = _state.Count(s => s == Quarantined);
        long sentRecords = _passes.Sum(p => p.Records);
        long acceptedSeen = _passes.Sum(p => p.Accepted);
        long duplicatesSeen = _passes.Sum(p => p.Duplicates);
        long quarantinedSeen = _passes.Sum(p => p.Quarantined);
        long refusedSeen = _passes.Sum(p => p.Refused);

        _checks.Add(Check("feed: every record answered, summary line received",
            _unresolved == 0 && _passes.All(p => p.Summaries == p.Feeds && p.Unanswered == 0 && p.Unavailable == 0 && p.Notes.Count == 0)
            || (_unresolved == 0 && _passes.Skip(1).All(p => p.Notes.Count == 0)),
            $"{_passes.Count} pass(es): " + string.Join("; ", _passes.Select(p =>
                $"{p.Name} {p.Records} records, {p.Acknowledged} acknowledged, {p.Unavailable} unavailable, {p.Unanswered} unanswered, {p.Summaries}/{p.Feeds} summaries"))
            + (_unresolved > 0 ? $"; {_unresolved} records still without an outcome" : ""),
            _passes.SelectMany(p => p.Notes.Select(n => p.Name + ": " + n)).Take(10).ToList()));
        _checks.Add(Check("feed: summary lines agree with the outcome lines",
            _passes.All(p => p.SummaryAccepted == p.Accepted && p.SummaryDuplicates == p.Duplicates && p.SummaryQuarantined == p.Quarantined
                && p.SummaryUnavailable == p.Unavailable && p.SummaryRefused == p.Refused),
            string.Join("; ", _passes.Select(p => $"{p.Name}: summary accepted {p.SummaryAccepted}/lines {p.Accepted}, duplicates {p.SummaryDuplicates}/{p.Duplicates}, quarantined {p.SummaryQuarantined}/{p.Quarantined}, unavailable {p.SummaryUnavailable}/{p.Unavailable}")), []));
        _checks.Add(Check("feed: every record placed an order or was refused for stock (created + refused == N)",
            created == _orders && acceptedSeen + first.Refused == _orders,
            $"{created} records settled of {_orders} ({acceptedSeen} answered accepted, {first.Refused} refused for stock, {quarantined} quarantined, {_unresolved} unresolved)", []));
        _checks.Add(Check("feed: every outcome names the order id derived from channel + externalId",
            Interlocked.Read(ref _wrongIds) == 0,
            _wrongIds == 0 ? "all outcome lines" : $"{_wrongIds} outcome lines name another id, e.g. {_firstWrongId}", []));
        if (_shortage == 0)
            _checks.Add(Check("feed: every order reserved (stock set up for all of them)",
                _state.All(s => s == Reserved), $"{_state.Count(s => s == Reserved)} of {_orders} reserved, {_state.Count(s => s == Rejected)} rejected", []));
        if (_replay && _passes.LastOrDefault(p => p.Name == "replay") is { } replay)
            _checks.Add(Check("replay: every record came back duplicate",
                // A record refused for stock placed no order: replayed, it is refused again (or placed, had stock come back).
                replay.Duplicates + replay.Refused == _orders - quarantined && replay.Accepted == 0 && replay.Unavailable == 0 && replay.Unanswered == 0,
                $"{replay.Duplicates} duplicates, {replay.Refused} refused again, {replay.Accepted} accepted again, {replay.Quarantined} quarantined, {replay.Unavailable} unavailable, {replay.Unanswered} unanswered of {replay.Records}", []));

        // The engine's channel counters (GET /api/channels): what it counted for this run's channels.
        try
        {
            var (status, body) = await http.GetBytesAsync("api/channels", CancellationToken.None).ConfigureAwait(false);
            if (status != 200) throw new InvalidDataException($"GET /api/channels answered {status}");
            using var doc = JsonDocument.Parse(body);
            long received = 0, accepted = 0, duplicates = 0, quarantinedCounted = 0, refusedCounted = 0, found = 0;
            foreach (var c in doc.RootElement.GetProperty("channels").EnumerateArray())
            {
                if (Array.IndexOf(_channels, c.GetProperty("channel").GetString()) < 0) continue;
                found++;
                received += c.GetProperty("received").GetInt64();
                accepted += c.GetProperty("accepted").GetInt64();
                duplicates += c.GetProperty("duplicates").GetInt64();
                quarantinedCounted += c.GetProperty("quarantined").GetInt64();
                refusedCounted += c.TryGetProperty("refused", out var r) ? r.GetInt64() : 0;
            }
            _counters = (received, accepted, duplicates, quarantinedCounted);
            var answeredRecords = _passes.Sum(p => p.Acknowledged + p.Unavailable);
            _checks.Add(Check("feed: channel counters (GET /api/channels): accepted + refused == N, duplicates and received as answered",
                found == _feeds && accepted + first.Refused == _orders && accepted == acceptedSeen && refusedCounted == refusedSeen && duplicates == duplicatesSeen
                && quarantinedCounted == quarantinedSeen && received == answeredRecords,
                $"{found}/{_feeds} channels; accepted {accepted} (N {_orders}, answered {acceptedSeen}), refused {refusedCounted} (answered {refusedSeen}), duplicates {duplicates} (answered {duplicatesSeen}), " +
                $"quarantined {quarantinedCounted} (answered {quarantinedSeen}), received {received} (records answered {answeredRecords}, sent {sentRecords})", []));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or InvalidDataException or KeyNotFoundException or InvalidOperationException)
        {
            _checks.Add(Check("feed: channel counters (GET /api/channels)", false, e.Message, []));
        }

        // A sample of the orders read back by id.
        if (_sample > 0)
        {
            var random = new Random(Run.Seed + 17);
            var picks = Enumerable.Range(0, Math.Min(_sample, _orders)).Select(_ => random.Next(_orders)).Distinct().ToList();
            var bad = new System.Collections.Concurrent.ConcurrentQueue<string>();
            var started = Stopwatch.GetTimestamp();
            await Parallel.ForEachAsync(picks, new ParallelOptions { MaxDegreeOfParallelism = Run.CheckParallelism }, async (order, token) =>
            {
                var problem = await CheckOrderAsync(http, order, token).ConfigureAwait(false);
                if (problem is not null) bad.Enqueue(problem);
            }).ConfigureAwait(false);
            _sampleSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            _checks.Add(Check($"feed: sampled orders read back (GET /api/orders/{{id}}, id derived from channel + externalId)",
                bad.IsEmpty, bad.IsEmpty ? $"{picks.Count} orders: found, status and lines as fed" : $"{bad.Count} of {picks.Count} differ, e.g. {bad.First()}",
                bad.Take(10).ToList()));
        }
    }

    private (long Received, long Accepted, long Duplicates, long Quarantined)? _counters;
    private double _sampleSeconds;

    private async Task<string?> CheckOrderAsync(EngineHttp http, int order, CancellationToken ct)
    {
        var id = _orderIds[order];
        try
        {
            var (status, body) = await http.GetBytesAsync("api/orders/" + id, ct).ConfigureAwait(false);
            var expected = _state[order];
            if (status == 404) return expected is Reserved or Rejected or OtherStatus ? $"{id} ({ExternalId(order)}): 404, but it was answered created" : null;
            if (status != 200) return $"{id}: GET answered {status}";
            if (expected is Quarantined or Unknown) return $"{id}: exists, but the record was answered {(expected == Quarantined ? "quarantined" : "with no outcome")}";
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            var st = root.GetProperty("status").GetString();
            if (expected == Reserved && !IsReservedLike(st)) return $"{id}: status {st}, answered reserved";
            if (expected == Rejected && !string.Equals(st, "rejected", StringComparison.OrdinalIgnoreCase)) return $"{id}: status {st}, answered rejected";
            var channel = _channels[FeedOf(order)];
            if (root.GetProperty("channel").GetString() != channel) return $"{id}: channel {root.GetProperty("channel").GetString()}, fed on {channel}";
            if (root.TryGetProperty("externalId", out var ext) && ext.ValueKind == JsonValueKind.String && ext.GetString() != ExternalId(order))
                return $"{id}: externalId {ext.GetString()}, fed {ExternalId(order)}";
            var lines = root.GetProperty("lines").EnumerateArray().Select(l => (Sku: l.GetProperty("sku").GetString(), Qty: l.GetProperty("quantity").GetInt32())).OrderBy(l => l.Sku, StringComparer.Ordinal).ToList();
            var fed = _lines[order].Select(l => (Sku: (string?)Catalog.Name(l.Sku), Qty: l.Quantity)).OrderBy(l => l.Sku, StringComparer.Ordinal).ToList();
            return lines.SequenceEqual(fed) ? null : $"{id}: lines {string.Join(",", lines.Select(l => $"{l.Sku}x{l.Qty}"))}, fed {string.Join(",", fed.Select(l => $"{l.Sku}x{l.Qty}"))}";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return $"{id}: {e.GetType().Name} {e.Message}";
        }
    }

    private static CheckResult Check(string name, bool passed, string detail, IReadOnlyList<string> examples) => new(name, passed, detail, examples);

    public override void Verify(VerificationContext context)
    {
        context.Checks.AddRange(_checks);
        // Stock reserved (engine, summed over the feed's SKUs) == units of the orders answered reserved.
        var mine = context.Figures.Where(f => f.Index >= _firstSku && f.Index < _firstSku + _skus).ToList();
        var taken = mine.Sum(f => f.Taken);
        long expected = 0;
        for (var i = 0; i < _orders; i++)
            if (_state[i] == Reserved) expected += _lines[i].Sum(l => (long)l.Quantity);
        _unitsTaken = taken;
        _unitsReserved = expected;
        var detail = $"engine reserved + sold over {mine.Count} SKUs = {taken}, units in orders answered reserved = {expected}" +
                     (_shortage == 0 ? $", units in the feed = {_unitsOrdered}" : "");
        context.Checks.Add(Check("feed: stock reserved == units ordered", taken == expected && (_shortage > 0 || expected == _unitsOrdered), detail, []));
    }

    private long _unitsTaken;
    private long _unitsReserved;

    public override string Summarize(RunReport report, RunResult result)
    {
        var first = _passes[0];
        var ack = LatencySummary.From("time to acknowledge", result.Metrics.AllHistogram);
        report.Figures["ingest_orders_per_s"] = Math.Round(first.Rate, 1);
        report.Figures["ingest_seconds"] = Math.Round(first.Seconds, 3);
        report.Figures["feed_bytes"] = first.Bytes;
        report.Figures["feed_mb_per_s"] = Math.Round(first.Seconds > 0 ? first.Bytes / first.Seconds / 1e6 : 0, 2);
        report.Figures["records_accepted"] = first.Accepted;
        report.Figures["records_duplicate"] = first.Duplicates;
        report.Figures["records_quarantined"] = first.Quarantined;
        report.Figures["records_unavailable"] = first.Unavailable;
        report.Figures["records_unanswered"] = first.Unanswered;
        report.Figures["orders_rejected_for_stock"] = first.Rejected;
        report.Figures["orders_created"] = _state.Count(s => s is Reserved or Rejected or OtherStatus);
        report.Figures["units_ordered"] = _unitsOrdered;
        report.Figures["units_reserved_engine"] = _unitsTaken;
        report.Figures["units_in_reserved_orders"] = _unitsReserved;
        report.Figures["unresolved_records"] = _unresolved;
        if (_counters is { } c)
        {
            report.Figures["channel_counter_accepted"] = c.Accepted;
            report.Figures["channel_counter_duplicates"] = c.Duplicates;
            report.Figures["channel_counter_received"] = c.Received;
            report.Figures["channel_counter_quarantined"] = c.Quarantined;
        }
        if (_sample > 0) report.Figures["sample_check_seconds"] = Math.Round(_sampleSeconds, 2);
        // Little's law: records waiting in the pipe (socket and server buffers, the engine's 64 in flight) on average.
        report.Figures["avg_records_in_flight"] = Math.Round(first.Rate * ack.MeanMs / 1000.0, 0);
        report.PhaseLatency.Add(ack with { Name = "feed: time to acknowledge (all records)" });
        var replay = _passes.FirstOrDefault(p => p.Name == "replay");
        var replayAck = LatencySummary.From("replay: time to acknowledge", _replayMetrics.AllHistogram);
        if (replay is not null)
        {
            // The replay's series is not in the per-second table (that is the first feed's): fold it into its histogram here.
            report.Figures["replay_orders_per_s"] = Math.Round(replay.Rate, 1);
            report.Figures["replay_seconds"] = Math.Round(replay.Seconds, 3);
            report.Figures["replay_duplicates"] = replay.Duplicates;
            report.Figures["replay_accepted_again"] = replay.Accepted;
            report.PhaseLatency.Add(replayAck);
        }
        foreach (var p in _passes)
            report.Parameters[$"pass: {p.Name}"] = string.Create(CultureInfo.InvariantCulture,
                $"{p.Feeds} feed(s), {p.Records} records, {p.Bytes / 1e6:0.0} MB, {p.Seconds:0.0} s, {p.Rate:0} acknowledged/s; accepted {p.Accepted}, duplicate {p.Duplicates}, " +
                $"quarantined {p.Quarantined}, unavailable {p.Unavailable}, unanswered {p.Unanswered}; order statuses {p.Statuses()}");
        var inv = CultureInfo.InvariantCulture;
        var replayPart = replay is null ? "replay=off " : string.Create(inv,
            $"replay-orders/s={replay.Rate:0} replay-seconds={replay.Seconds:0.0} replay-duplicates={replay.Duplicates}/{replay.Records} ");
        var replayLatency = replay is null ? "" : " replay-ack-latency: " + replayAck.Brief();
        return string.Create(inv,
            $"orderengine feed orders={_orders} feeds={_feeds} skus={_skus}: ingest-orders/s={first.Rate:0} seconds={first.Seconds:0.0} " +
            $"accepted={first.Accepted} duplicates={first.Duplicates} quarantined={first.Quarantined} unavailable={first.Unavailable + first.Unanswered} rejected={first.Rejected} " +
            $"{replayPart}created={report.Figures["orders_created"]} oversell={Runner.OversellVerdict(result.Checks)} check={Runner.CheckVerdict(result.Checks)} " +
            $"ack-latency: {ack.Brief()}{replayLatency}");
    }

    /// <summary>The answer's body as a read-only stream over a <see cref="DuplexHttp"/> connection.</summary>
    private sealed class ResponseBody(DuplexHttp connection, bool chunked) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => connection.ReadBodyAsync(buffer, chunked, ct);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
