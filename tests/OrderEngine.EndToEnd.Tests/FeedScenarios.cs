using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace OrderEngine.EndToEnd.Tests;

/// <summary>
/// Channel feeds through the real engine process: a bulk NDJSON feed fed twice makes each order once, and a feed cut off
/// by kill -9 and fed again ends with every order exactly once.
/// </summary>
public abstract partial class EngineScenarios
{
    private const string FeedChannel = "store-feed";
    private const int FeedSkus = 20;

    /// <summary>The same 10,000-order feed twice: 10,000 orders, the second pass all duplicates, each unit reserved once.</summary>
    protected async Task FeedFedTwiceMakesEachOrderOnceAsync()
    {
        const int orders = 10_000;
        await using var bed = await NewTestBedAsync(LongHold);
        await bed.RunAsync(async () =>
        {
            using var budget = new CancellationTokenSource(TimeSpan.FromSeconds(240));
            var ct = budget.Token;
            var engine = await bed.StartEngineAsync(ct);
            var api = new EngineApi(engine.Http);
            await SetStockAsync(api, FeedSkuNames().ToDictionary(s => s, _ => (long)orders), ct);

            var clock = Stopwatch.StartNew();
            var first = await FeedAsync(engine.Http, orders, stopAfter: null, ct);
            bed.Log($"first pass: {first.Summary} in {clock.Elapsed.TotalSeconds:0.0} s");
            Assert.Equal(orders, first.Outcomes.Count);
            Assert.Equal(orders, first.Count("accepted"));
            Assert.Equal(0L, first.Summary.GetProperty("unavailable").GetInt64());

            // The same feed again, four times over in one body: 40,000 answers, each a duplicate.
            clock.Restart();
            var second = await FeedAsync(engine.Http, orders, stopAfter: null, ct, repeat: 4);
            bed.Log($"second pass: {second.Summary} in {clock.Elapsed.TotalSeconds:0.0} s");
            Assert.Equal(4 * orders, second.Count("duplicate"));
            Assert.Equal(first.OrderIds, second.OrderIds.Take(orders).ToList());

            var stocks = await ReadStocksAsync(api, FeedSkuNames(), ct);
            Assert.Equal(orders, stocks.Values.Sum(s => s.Reserved));
            var channels = await engine.Http.GetFromJsonElementAsync("api/channels", ct);
            var counters = channels.GetProperty("channels").EnumerateArray().Single(c => c.GetProperty("channel").GetString() == FeedChannel);
            Assert.Equal(orders, counters.GetProperty("accepted").GetInt64());
            Assert.Equal(4 * orders, counters.GetProperty("duplicates").GetInt64());
            Assert.Equal(5 * orders, counters.GetProperty("received").GetInt64());

            // The channel_orders read table (built from the journal) catches up with every order, each once: reconciling
            // against an empty list names all of them as unlisted.
            var deadline = Stopwatch.StartNew();
            int unlisted;
            do
            {
                var report = await ReconcileAsync(engine.Http, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), [], ct);
                unlisted = report.GetProperty("unlisted").GetArrayLength();
                if (unlisted == orders || deadline.Elapsed > TimeSpan.FromSeconds(30)) break;
                await Task.Delay(250, ct);
            }
            while (true);
            Assert.Equal(orders, unlisted);
        });
    }

    /// <summary>
    /// A feed cut off by kill -9 part-way: every order acknowledged before the kill survives; feeding the whole file again
    /// after a restart answers those as duplicates and takes the rest, so each order exists once and each unit is reserved
    /// once, and reconciliation against the full list finds nothing missing and nothing extra.
    /// </summary>
    protected async Task FeedCutOffByKillNineIsCompletedByFeedingItAgainAsync()
    {
        const int orders = 4_000;
        await using var bed = await NewTestBedAsync(LongHold);
        await bed.RunAsync(async () =>
        {
            using var budget = new CancellationTokenSource(TimeSpan.FromSeconds(240));
            var ct = budget.Token;
            var engine = await bed.StartEngineAsync(ct);
            var api = new EngineApi(engine.Http);
            await SetStockAsync(api, FeedSkuNames().ToDictionary(s => s, _ => (long)orders), ct);
            var since = DateTimeOffset.UtcNow.AddMinutes(-1);

            var cut = await FeedAsync(engine.Http, orders, stopAfter: 1_500, ct, onStop: engine.Kill);
            bed.Log($"acknowledged before kill -9: {cut.Outcomes.Count}");
            Assert.InRange(cut.Outcomes.Count, 1_500, orders - 1);
            Assert.All(cut.Outcomes, o => Assert.Equal("accepted", o.Outcome));

            engine = await bed.StartEngineAsync(ct);
            api = new EngineApi(engine.Http);
            foreach (var o in cut.Outcomes.Take(200))
            {
                var order = await api.OrderAsync(o.OrderId!, ct);
                Assert.Equal("reserved", order.Status);
            }

            var again = await FeedAsync(engine.Http, orders, stopAfter: null, ct);
            bed.Log($"fed again: {again.Summary}");
            Assert.Equal(orders, again.Outcomes.Count);
            Assert.All(again.Outcomes, o => Assert.Contains(o.Outcome, new[] { "accepted", "duplicate" }));
            var acknowledged = cut.Outcomes.Select(o => o.ExternalId).ToHashSet();
            Assert.All(again.Outcomes.Where(o => acknowledged.Contains(o.ExternalId)), o => Assert.Equal("duplicate", o.Outcome));
            Assert.Equal(cut.OrderIds, again.OrderIds.Take(cut.Outcomes.Count).ToList());
            Assert.All(again.Outcomes, o => Assert.Equal("reserved", o.Status, ignoreCase: true));

            var stocks = await ReadStocksAsync(api, FeedSkuNames(), ct);
            Assert.Equal(orders, stocks.Values.Sum(s => s.Reserved));

            var report = await ReconcileAsync(engine.Http, since, DateTimeOffset.UtcNow.AddMinutes(1), Enumerable.Range(1, orders).Select(ExternalId).ToArray(), ct);
            Assert.Equal(0, report.GetProperty("missing").GetArrayLength());
            Assert.Equal(0, report.GetProperty("unlisted").GetArrayLength());
            Assert.Equal(orders, report.GetProperty("matched").GetInt32());
        });
    }

    /// <summary>
    /// A client that sends the whole body before it reads a byte of the answer (as Python's http.client does): a feed
    /// far larger than the socket buffers still gets its full answer, because by default the answer waits for the body.
    /// Answered as each record is taken, both sides would wait on full buffers forever.
    /// </summary>
    protected async Task AFeedLargerThanTheSocketBuffersIsAnsweredToAClientThatReadsOnlyAfterSendingAsync()
    {
        const int records = 300_000;
        await using var bed = await NewTestBedAsync(LongHold);
        await bed.RunAsync(async () =>
        {
            using var budget = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            var ct = budget.Token;
            var engine = await bed.StartEngineAsync(ct);
            var body = new MemoryStream();
            for (var i = 0; i < records; i++)
                body.Write(Encoding.UTF8.GetBytes(
                    $$"""{"externalId":"big-{{i % 50}}","channel":"{{FeedChannel}}","customerId":"c","currency":"EUR","lines":[{"sku":"none","quantity":0,"unitPrice":1}]}""" + "\n"));

            using var tcp = new System.Net.Sockets.TcpClient();
            await tcp.ConnectAsync(engine.BaseAddress.Host, engine.BaseAddress.Port, ct);
            var stream = tcp.GetStream();
            // HTTP/1.0: the answer comes unchunked and ends when the connection closes.
            var head = $"POST /api/channels/{FeedChannel}/feed HTTP/1.0\r\nHost: {engine.BaseAddress.Authority}\r\nX-Api-Key: {EngineProcess.AdminKey}\r\n" +
                       $"Content-Type: application/x-ndjson\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head), ct);
            await stream.WriteAsync(body.GetBuffer().AsMemory(0, (int)body.Length), ct); // all of it, reading nothing meanwhile
            using var answer = new MemoryStream();
            await stream.CopyToAsync(answer, ct);

            var text = Encoding.UTF8.GetString(answer.ToArray());
            Assert.Matches(@"^HTTP/1\.[01] 200 ", text);
            var summary = text.TrimEnd().Split('\n')[^1];
            bed.Log($"{answer.Length:N0} bytes of answer; last line {summary}");
            using var doc = JsonDocument.Parse(summary);
            Assert.Equal(records, doc.RootElement.GetProperty("summary").GetProperty("records").GetInt64());
            Assert.Equal(records, doc.RootElement.GetProperty("summary").GetProperty("quarantined").GetInt64());
        });
    }

    /// <summary>Reconciles the feed channel against <paramref name="externalIds"/>; asserts a 200 and answers the report.</summary>
    private static async Task<JsonElement> ReconcileAsync(HttpClient http, DateTimeOffset from, DateTimeOffset to, string[] externalIds, CancellationToken ct)
    {
        using var response = await http.PostAsync($"api/channels/{FeedChannel}/reconcile", JsonBody(new { from, to, externalIds }), ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.Clone();
    }

    private static IEnumerable<string> FeedSkuNames() => Enumerable.Range(0, FeedSkus).Select(i => $"feed-{i:00}");

    private static string ExternalId(int n) => $"ext-{n:000000}";

    private static StringContent JsonBody(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");

    private sealed record FeedOutcome(string Outcome, string? ExternalId, string? OrderId, string? Status, string? Reason);

    private sealed record FeedRun(List<FeedOutcome> Outcomes, JsonElement Summary)
    {
        public int Count(string outcome) => Outcomes.Count(o => o.Outcome == outcome);

        public List<string?> OrderIds => Outcomes.Select(o => o.OrderId).ToList();
    }

    /// <summary>
    /// Streams an <paramref name="orders"/>-order feed (one unit of one SKU each) and reads the answers as they come.
    /// With <paramref name="stopAfter"/>, calls <paramref name="onStop"/> once that many answers arrived and returns what
    /// was answered by then.
    /// </summary>
    private static async Task<FeedRun> FeedAsync(HttpClient http, int orders, int? stopAfter, CancellationToken ct, Action? onStop = null, int repeat = 1)
    {
        // Reading answers mid-feed needs them streamed; HttpClient reads them early enough only while they are few.
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/channels/{FeedChannel}/feed{(stopAfter is null ? "" : "?answer=streamed")}")
        {
            Content = new FeedContent(orders, repeat),
        };
        var outcomes = new List<FeedOutcome>();
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.TryGetProperty("summary", out var summary)) return new FeedRun(outcomes, summary.Clone());
                outcomes.Add(doc.RootElement.Deserialize<FeedOutcome>(options)!);
                if (stopAfter is { } stop && outcomes.Count >= stop)
                {
                    onStop?.Invoke();
                    return new FeedRun(outcomes, default);
                }
            }
        }
        catch (Exception e) when (stopAfter is not null && e is HttpRequestException or IOException)
        {
            // The engine was killed under the answer: what was read before it counts.
            return new FeedRun(outcomes, default);
        }
        throw new InvalidOperationException($"the feed's answer ended without a summary after {outcomes.Count} records");
    }

    /// <summary>The feed body, written as it is sent (never held whole): order n is ext-n, one unit of SKU feed-(n mod 20); the whole list <c>repeat</c> times.</summary>
    private sealed class FeedContent : HttpContent
    {
        private readonly int _orders;
        private readonly int _repeat;

        public FeedContent(int orders, int repeat)
        {
            _orders = orders;
            _repeat = repeat;
            Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await using var writer = new StreamWriter(stream, new UTF8Encoding(false), 64 * 1024, leaveOpen: true);
            for (var i = 0; i < _orders * _repeat; i++)
            {
                var n = i % _orders + 1;
                await writer.WriteAsync(
                    $$"""{"externalId":"{{ExternalId(n)}}","channel":"{{FeedChannel}}","customerId":"c-{{n % 500}}","currency":"EUR","lines":[{"sku":"feed-{{n % FeedSkus:00}}","quantity":1,"unitPrice":4.25}]}""");
                await writer.WriteAsync('\n');
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}

internal static class HttpJson
{
    public static async Task<JsonElement> GetFromJsonElementAsync(this HttpClient http, string path, CancellationToken ct)
    {
        var body = await http.GetStringAsync(path, ct);
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.Clone();
    }
}
