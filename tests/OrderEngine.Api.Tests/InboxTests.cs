using System.Text;
using System.Text.Json;
using OrderEngine.Testing;
using static OrderEngine.Api.Tests.Api;
using static OrderEngine.Api.Tests.ChannelTestKit;

namespace OrderEngine.Api.Tests;

/// <summary>
/// An engine watching an inbox folder (polled every 100 ms) in which, before the node starts, a file sits in
/// <c>.processing</c> as a node that stopped mid-feed leaves it.
/// </summary>
public sealed class InboxEngineFixture : EngineFixture, IAsyncLifetime
{
    // Underscores, even doubled, are legal in a channel name and must survive a file's stay in .processing.
    public const string CrashChannel = "inbox_crash__eu";

    private readonly TempDirectory _inbox = new();

    public InboxEngineFixture()
    {
        Directory.CreateDirectory(Path.Combine(Inbox, ".processing", CrashChannel));
        File.WriteAllText(Path.Combine(Inbox, ".processing", CrashChannel, "left-behind.ndjson"), Ndjson(
            NdjsonRecord("lb-1", CrashChannel, "inbox-crash-sku", 1, 1.00m),
            NdjsonRecord("lb-2", CrashChannel, "inbox-crash-sku", 2, 1.00m)));
    }

    public string Inbox => _inbox.Path;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["OrderEngine:Channels:Inbox:Path"] = Inbox,
        ["OrderEngine:Channels:Inbox:PollInterval"] = "00:00:00.100",
    };

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _inbox.Dispose();
    }
}

/// <summary>
/// The inbox folder: a feed file moved into <c>{inbox}/{channel}/</c> is fed and then moved, with one result line per
/// record, to <c>{inbox}/.done/{channel}/</c> (the file itself deleted once every record was taken); a file left in
/// <c>.processing</c> is fed when the node starts.
/// </summary>
public sealed class InboxTests(InboxEngineFixture engine) : IClassFixture<InboxEngineFixture>, IDisposable
{
    private static readonly TimeSpan FedWithin = TimeSpan.FromSeconds(15);
    private readonly HttpClient _client = engine.Client;
    private readonly TempDirectory _staging = new();

    public void Dispose() => _staging.Dispose();

    /// <summary>Writes the file outside the inbox, then moves it in whole, as a producer must.</summary>
    private string Drop(string channel, string name, string content)
    {
        var staged = _staging.File(name);
        File.WriteAllText(staged, content);
        var folder = Directory.CreateDirectory(Path.Combine(engine.Inbox, channel)).FullName;
        var target = Path.Combine(folder, name);
        File.Move(staged, target);
        return target;
    }

    /// <summary>
    /// Waits until the file's results are in .done/{channel} and the file has left .processing (deleted: every record was
    /// taken, the journal and the quarantine hold them sealed); answers the result lines.
    /// </summary>
    private static async Task<List<JsonElement>> Done(string inbox, string channel, string name)
    {
        var folder = Path.Combine(inbox, ".done", channel);
        var processing = Path.Combine(inbox, ".processing", channel, name);
        var results = await Eventually(() => Task.FromResult(File.Exists(processing) ? null : Find(folder, "-" + name + ".results.ndjson")),
            r => r is not null, FedWithin, $"{name}'s results in {folder}");
        Assert.Null(Find(folder, "-" + name)); // the fed file itself is not kept (OrderEngine:Channels:Inbox:KeepFedFiles)
        return File.ReadAllLines(results!).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }

    private static string? Find(string folder, string suffix) =>
        Directory.Exists(folder) ? Directory.EnumerateFiles(folder).SingleOrDefault(f => Path.GetFileName(f).EndsWith(suffix, StringComparison.Ordinal)) : null;

    [Fact]
    public async Task An_ndjson_file_moved_into_a_channel_folder_is_fed_and_moved_to_done_with_its_results()
    {
        const string channel = "inbox-drop";
        var sku = Sku("inbox");
        await _client.SetStock(sku, 10);
        var content = Ndjson(
            NdjsonRecord("d-1", channel, sku, 1, 2.00m),
            NdjsonRecord("d-2", channel, sku, 0, 2.00m),
            NdjsonRecord("d-3", channel, sku, 3, 2.00m));
        var dropped = Drop(channel, "orders-1.ndjson", content);
        var notAFeed = Drop(channel, "readme.txt", "not a feed");

        var results = await Done(engine.Inbox, channel, "orders-1.ndjson");

        Assert.Equal(["accepted", "quarantined", "accepted"], results.Select(r => r.Outcome()));
        Assert.Equal([1L, 2L, 3L], results.Select(r => r.Long("record")));
        Assert.Equal(OrderIdOf(channel, "d-1"), results[0].Str("orderId"));
        Assert.Contains("quantity", results[1].Str("reason"));
        Assert.Equal("reserved", (await _client.Order(OrderIdOf(channel, "d-1"))).Status());
        Assert.Equal(6.00m, (await _client.Order(OrderIdOf(channel, "d-3"))).Dec("total"));
        Assert.Equal(4, (await _client.Stock(sku)).Reserved);
        Assert.Single(Directory.EnumerateFiles(Path.Combine(engine.Inbox, ".done", channel))); // its results only
        Assert.False(File.Exists(dropped));
        Assert.False(Directory.Exists(Path.Combine(engine.Inbox, ".processing", channel)) &&
                     Directory.EnumerateFiles(Path.Combine(engine.Inbox, ".processing", channel)).Any());
        Assert.True(File.Exists(notAFeed)); // only .ndjson, .jsonl and .csv files are feeds
        var quarantined = Assert.Single(await _client.Quarantine(channel));
        Assert.Equal("inbox/ndjson", quarantined.Str("source"));
    }

    [Fact]
    public async Task A_csv_file_moved_into_a_channel_folder_is_fed_and_dropping_it_again_changes_nothing()
    {
        const string channel = "inbox-csv";
        var sku = Sku("inbox-csv");
        await _client.SetStock(sku, 10);
        var content = $"""
            externalId,channel,customerId,currency,sku,quantity,unitPrice
            v-1,{channel},cust-1,EUR,{sku},2,1.50
            v-2,{channel},cust-2,EUR,{sku},1,1.50

            """;
        Drop(channel, "batch.csv", content);

        var results = await Done(engine.Inbox, channel, "batch.csv");

        Assert.Equal(["accepted", "accepted"], results.Select(r => r.Outcome()));
        Assert.Equal(3.00m, (await _client.Order(OrderIdOf(channel, "v-1"))).Dec("total"));
        Assert.Equal(3, (await _client.Stock(sku)).Reserved);

        // The same file dropped again (a producer's retry): every record a duplicate, no stock moves.
        Drop(channel, "batch-again.csv", content);
        var again = await Done(engine.Inbox, channel, "batch-again.csv");
        Assert.Equal(["duplicate", "duplicate"], again.Select(r => r.Outcome()));
        Assert.Equal(3, (await _client.Stock(sku)).Reserved);
    }

    [Fact]
    public async Task A_file_left_in_processing_by_a_node_that_stopped_is_fed_when_the_node_starts()
    {
        var results = await Done(engine.Inbox, InboxEngineFixture.CrashChannel, "left-behind.ndjson");

        Assert.Equal(2, results.Count);
        // Its SKU is not stocked: each record was taken and answered as refused for stock, which places no order.
        Assert.All(results, r => Assert.Equal("refused", r.Outcome()));
        Assert.Equal(OrderIdOf(InboxEngineFixture.CrashChannel, "lb-1"), results[0].Str("orderId"));
        Assert.Equal(OrderIdOf(InboxEngineFixture.CrashChannel, "lb-2"), results[1].Str("orderId"));
        Assert.All(results, r => Assert.StartsWith("inbox-crash-sku: ", r.Str("reason")));
        Assert.False(File.Exists(Path.Combine(engine.Inbox, ".processing", InboxEngineFixture.CrashChannel, "left-behind.ndjson")));
    }

    [Fact]
    public async Task A_file_that_is_not_utf8_is_moved_to_failed_with_its_reason_and_places_nothing_garbled()
    {
        const string channel = "inbox-latin1";
        var sku = Sku("inbox-latin1");
        await _client.SetStock(sku, 10);
        var good = NdjsonRecord("l-1", channel, sku, 1, 1.00m);
        var bad = NdjsonRecord("l-2", channel, sku, 1, 1.00m).Replace("\"customerId\":\"", "\"customerId\":\"M\u00fcller-", StringComparison.Ordinal);
        var bytes = Encoding.UTF8.GetBytes(good + "\n").Concat(Encoding.Latin1.GetBytes(bad + "\n")).ToArray();
        var staged = Path.Combine(engine.Inbox, "latin1.ndjson");
        File.WriteAllBytes(staged, bytes);
        Directory.CreateDirectory(Path.Combine(engine.Inbox, channel));
        File.Move(staged, Path.Combine(engine.Inbox, channel, "latin1.ndjson"));

        var folder = Path.Combine(engine.Inbox, ".failed", channel);
        var error = await Eventually(() => Task.FromResult(Find(folder, "-latin1.ndjson.error.txt")), f => f is not null, FedWithin, $"latin1.ndjson in {folder}");

        // The file is decoded a buffer at a time, so records before the bad bytes may or may not have been read; whatever
        // was read is answered in the results, and nothing after the bad bytes is taken in, garbled or not.
        var answered = File.ReadAllLines(Find(folder, "-latin1.ndjson.results.ndjson")!).Where(l => l.Length > 0).ToList();
        Assert.All(answered, l => Assert.Contains("l-1", l));
        Assert.Contains("UTF", File.ReadAllText(error!), StringComparison.OrdinalIgnoreCase);
        Assert.NotNull(Find(folder, "-latin1.ndjson"));
        Assert.Equal(answered.Count, (await _client.Stock(sku)).Reserved);
        await _client.AssertNoOrder(OrderIdOf(channel, "l-2"));
    }
}
