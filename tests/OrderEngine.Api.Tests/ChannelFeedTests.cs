using System.Net;
using static OrderEngine.Api.Tests.Api;
using static OrderEngine.Api.Tests.ChannelTestKit;

namespace OrderEngine.Api.Tests;

/// <summary>
/// POST /api/channels/{channel}/feed with NDJSON and CSV bodies: one answer line per record in feed order, then a
/// summary; a replayed feed changes nothing; bad records are quarantined and the feed goes on; the channel counters of
/// GET /api/channels add up. Each test feeds its own channel and SKUs.
/// </summary>
public sealed class ChannelFeedTests(EngineFixture engine) : IClassFixture<EngineFixture>
{
    private const string Csv = "text/csv";
    private readonly HttpClient _client = engine.Client;

    private static void AssertSummary(FeedAnswer answer, long records, long accepted, long duplicates, long quarantined, long refused = 0)
    {
        Assert.Equal((records, accepted, duplicates, quarantined, 0L), answer.Counts);
        Assert.Equal(refused, answer.Refused);
        Assert.False(answer.Summary.TryGetProperty("error", out _), $"the feed stopped: {answer.Summary}");
        Assert.Equal(Enumerable.Range(1, (int)records).Select(i => (long)i), answer.Records.Select(r => r.Long("record")));
    }

    [Fact]
    public async Task An_ndjson_feed_is_answered_one_line_per_record_in_order_then_a_summary()
    {
        const string channel = "feed-ndjson";
        var (a, b) = (Sku("feed-a"), Sku("feed-b"));
        await _client.SetStock(a, 10);
        await _client.SetStock(b, 10);
        var feed = Ndjson(
            NdjsonRecord("n-1", channel, a, 2, 4.50m, shipping: 1.25m),
            NdjsonRecord("n-2", channel, b, 0, 1.00m), // quantity 0: refused by the adapter
            "",                                          // blank lines are skipped, not records
            NdjsonRecord("n-3", channel, b, 3, 2.00m));

        var answer = await _client.Feed(channel, feed);

        AssertSummary(answer, records: 3, accepted: 2, duplicates: 0, quarantined: 1);
        Assert.Equal(["accepted", "quarantined", "accepted"], answer.Outcomes);
        Assert.Equal(["n-1", "n-2", "n-3"], answer.Records.Select(r => r.Str("externalId")));
        Assert.All(answer.Records, r => Assert.Equal(channel, r.Str("channel")));
        Assert.Equal(OrderIdOf(channel, "n-1"), answer.Records[0].Str("orderId"));
        Assert.Equal("reserved", answer.Records[0].Str("status"));
        Assert.Contains("lines[0].quantity", answer.Records[1].Str("reason"));
        Assert.StartsWith("q-", answer.Records[1].Str("quarantineId"));

        var first = await _client.Order(OrderIdOf(channel, "n-1"));
        Assert.Equal("reserved", first.Status());
        Assert.Equal(10.25m, first.Dec("total")); // 2 x 4.50 + shipping 1.25
        Assert.Equal("n-1", first.Str("externalId"));
        Assert.Equal(6.00m, (await _client.Order(OrderIdOf(channel, "n-3"))).Dec("total"));
        await _client.AssertNoOrder(OrderIdOf(channel, "n-2"));
        Assert.Equal(new StockFigures(a, 10, 2, 0, 8), await _client.Stock(a));
        Assert.Equal(new StockFigures(b, 10, 3, 0, 7), await _client.Stock(b));
    }

    [Fact]
    public async Task A_csv_feed_takes_consecutive_rows_of_one_external_id_as_one_order()
    {
        const string channel = "feed-csv";
        var (a, b) = (Sku("csv-a"), Sku("csv-b"));
        await _client.SetStock(a, 10);
        await _client.SetStock(b, 10);
        var feed = $"""
            externalId,channel,customerId,currency,sku,quantity,unitPrice,shipping,country
            c-1,{channel},cust-1,EUR,{a},1,10.00,2.50,DE
            c-1,{channel},cust-1,EUR,{b},2,5.25,2.50,DE
            c-2,{channel},cust-2,EUR,{b},1,5.25,,
            c-3,{channel},cust-3,EUR,{a},two,10.00,,

            """;

        var answer = await _client.Feed(channel, feed, Csv);

        AssertSummary(answer, records: 3, accepted: 2, duplicates: 0, quarantined: 1);
        Assert.Equal(["accepted", "accepted", "quarantined"], answer.Outcomes);
        Assert.Equal(["c-1", "c-2", "c-3"], answer.Records.Select(r => r.Str("externalId")));
        Assert.Contains("quantity", answer.Records[2].Str("reason"));

        var order = await _client.Order(OrderIdOf(channel, "c-1"));
        Assert.Equal(2, order.GetProperty("lines").GetArrayLength());
        Assert.Equal(23.00m, order.Dec("total")); // 10.00 + 2 x 5.25 + shipping 2.50
        Assert.Equal("DE", order.GetProperty("shippingAddress").Str("country"));
        Assert.Equal(5.25m, (await _client.Order(OrderIdOf(channel, "c-2"))).Dec("total"));
        await _client.AssertNoOrder(OrderIdOf(channel, "c-3"));
        Assert.Equal(1, (await _client.Stock(a)).Reserved);
        Assert.Equal(3, (await _client.Stock(b)).Reserved);
    }

    [Fact]
    public async Task Feeding_the_same_feed_again_answers_every_record_duplicate_and_places_nothing_new()
    {
        var a = Sku("replay");
        await _client.SetStock(a, 100);
        var ndjson = Ndjson(
            NdjsonRecord("r-1", "feed-replay", a, 1, 1.00m),
            NdjsonRecord("r-2", "feed-replay", a, 2, 1.00m),
            NdjsonRecord("r-3", "feed-replay", a, 3, 1.00m));
        var csv = $"""
            externalId,channel,customerId,currency,sku,quantity,unitPrice
            r-4,feed-replay,cust-1,EUR,{a},4,1.00
            r-5,feed-replay,cust-1,EUR,{a},5,1.00

            """;

        var first = await _client.Feed("feed-replay", ndjson);
        var firstCsv = await _client.Feed("feed-replay", csv, Csv);
        Assert.Equal(15, (await _client.Stock(a)).Reserved);
        var again = await _client.Feed("feed-replay", ndjson);
        var againCsv = await _client.Feed("feed-replay", csv, Csv);

        AssertSummary(first, 3, 3, 0, 0);
        AssertSummary(firstCsv, 2, 2, 0, 0);
        AssertSummary(again, 3, 0, 3, 0);
        AssertSummary(againCsv, 2, 0, 2, 0);
        Assert.All(again.Records.Concat(againCsv.Records), r => Assert.Equal("duplicate", r.Outcome()));
        Assert.Equal(first.Records.Concat(firstCsv.Records).Select(r => r.Str("orderId")), again.Records.Concat(againCsv.Records).Select(r => r.Str("orderId")));
        Assert.Equal(new StockFigures(a, 100, 15, 0, 85), await _client.Stock(a));
        var counters = await _client.Counters("feed-replay");
        Assert.Equal((10L, 5L, 5L), (counters.Received, counters.Accepted, counters.Duplicates));
    }

    [Fact]
    public async Task A_record_whose_channel_differs_from_the_feeds_is_quarantined_and_placed_under_neither()
    {
        var a = Sku("mismatch");
        await _client.SetStock(a, 10);

        var answer = await _client.Feed("feed-mismatch", Ndjson(NdjsonRecord("m-1", "other-channel", a, 1, 1.00m)));

        AssertSummary(answer, 1, 0, 0, 1);
        var record = Assert.Single(answer.Records);
        Assert.Equal("channel: the record says 'other-channel' but arrived on channel 'feed-mismatch'", record.Str("reason"));
        Assert.Equal("feed-mismatch", record.Str("channel"));
        await _client.AssertNoOrder(OrderIdOf("other-channel", "m-1"));
        await _client.AssertNoOrder(OrderIdOf("feed-mismatch", "m-1"));
        Assert.Equal(0, (await _client.Stock(a)).Reserved);
        Assert.Contains(await _client.Quarantine("feed-mismatch"), q => q.Str("id") == record.Str("quarantineId"));
    }

    [Fact]
    public async Task An_order_the_stock_cannot_cover_is_answered_refused_naming_the_line_places_no_order_and_holds_no_stock()
    {
        const string channel = "feed-short";
        var (plenty, scarce) = (Sku("plenty"), Sku("scarce"));
        await _client.SetStock(plenty, 10);
        await _client.SetStock(scarce, 1);
        var line = $$"""{"externalId":"s-1","channel":"{{channel}}","customerId":"c-1","currency":"EUR","lines":[{"sku":"{{plenty}}","quantity":2,"unitPrice":1.00},{"sku":"{{scarce}}","quantity":2,"unitPrice":1.00}]}""";

        var answer = await _client.Feed(channel, Ndjson(line));

        // Taken (not bad data, so not quarantined) but refused for stock: no order exists and a repeat tries again.
        AssertSummary(answer, 1, 0, 0, 0, refused: 1);
        var record = Assert.Single(answer.Records);
        Assert.Equal("refused", record.Outcome());
        Assert.True(record.GetProperty("taken").GetBoolean());
        Assert.Equal(OrderIdOf(channel, "s-1"), record.Str("orderId"));
        Assert.StartsWith(scarce + ":", record.Str("reason"));
        Assert.DoesNotContain(plenty, record.Str("reason"));
        await _client.AssertNoOrder(OrderIdOf(channel, "s-1"));
        await _client.StockEventually(plenty, s => s.Reserved == 0 && s.Available == 10);
        Assert.Equal(new StockFigures(scarce, 1, 0, 0, 1), await _client.Stock(scarce));
        Assert.Empty(await _client.Quarantine(channel));
        Assert.Equal((1L, 0L, 1L, 0L), await CountersOf(channel));
    }

    private async Task<(long Received, long Accepted, long Refused, long Quarantined)> CountersOf(string channel)
    {
        var c = await _client.Counters(channel);
        return (c.Received, c.Accepted, c.Refused, c.Quarantined);
    }

    [Fact]
    public async Task A_record_without_channel_takes_the_channel_the_url_names()
    {
        const string channel = "feed-url";
        var a = Sku("url");
        await _client.SetStock(a, 10);
        var line = $$"""{"externalId":"u-1","customerId":"c-1","currency":"EUR","lines":[{"sku":"{{a}}","quantity":1,"unitPrice":2.00}]}""";
        var csv = $"externalId,customerId,currency,sku,quantity,unitPrice\r\nu-2,c-1,EUR,{a},2,2.00\r\n";

        var ndjson = await _client.Feed(channel, Ndjson(line));
        var fromCsv = await _client.Feed(channel, csv, Csv);

        AssertSummary(ndjson, 1, 1, 0, 0);
        AssertSummary(fromCsv, 1, 1, 0, 0);
        Assert.Equal(channel, (await _client.Order(OrderIdOf(channel, "u-1"))).Str("channel"));
        Assert.Equal(channel, (await _client.Order(OrderIdOf(channel, "u-2"))).Str("channel"));
        Assert.Equal(3, (await _client.Stock(a)).Reserved);
    }

    [Fact]
    public async Task A_record_the_channel_already_charged_arrives_paid_with_its_order_time_and_a_guest_customer()
    {
        const string channel = "feed-paid";
        var a = Sku("paid");
        await _client.SetStock(a, 10);
        var line = $$"""{"externalId":"p-1","currency":"EUR","placedAt":"2026-11-30T08:15:00Z","payment":{"amount":4.00,"currency":"EUR","reference":"psp-991"},"lines":[{"sku":"{{a}}","quantity":1,"unitPrice":2.50},{"sku":"{{a}}","quantity":1,"unitPrice":1.50}]}""";

        var answer = await _client.Feed(channel, Ndjson(line));

        AssertSummary(answer, 1, 1, 0, 0);
        Assert.Equal("paid", answer.Records[0].Str("status"));
        var order = await _client.Order(OrderIdOf(channel, "p-1"));
        Assert.Equal("paid", order.Status());
        Assert.Equal($"{channel}/guests/p-1", order.Str("customerId"));
        Assert.Equal(DateTimeOffset.Parse("2026-11-30T08:15:00Z"), order.GetProperty("placedAt").GetDateTimeOffset());
        Assert.True(order.GetProperty("receivedAt").GetDateTimeOffset() > DateTimeOffset.Parse("2026-12-01T00:00:00Z"));
        var payment = order.GetProperty("payment");
        Assert.Equal(4.00m, payment.Dec("amount"));
        Assert.Equal("psp-991", payment.Str("reference"));
        Assert.Equal($"channel:{channel}", payment.Str("provider"));
        Assert.Equal(2, order.GetProperty("lines").GetArrayLength()); // one SKU on two lines at two prices, kept as sent
        var stock = await _client.Stock(a);
        Assert.Equal(2, stock.Sold + stock.Reserved);
    }

    [Fact]
    public async Task A_feed_that_is_neither_ndjson_nor_csv_is_refused_415_and_nothing_is_read()
    {
        var body = Ndjson(NdjsonRecord("u-1", "feed-media", Sku("media"), 1, 1.00m));

        foreach (var contentType in new[] { "application/json", "text/plain", "application/xml" })
        {
            using var response = await _client.PostFeed("feed-media", body, contentType);
            var problem = await AssertProblem(response, HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");
            var detail = problem.Str("detail");
            Assert.Contains("application/x-ndjson", detail);
            Assert.Contains("text/csv", detail);
            Assert.DoesNotContain("send the body as application/json", detail);
        }

        Assert.DoesNotContain("feed-media", (await _client.Counters()).Keys);
        await _client.AssertNoOrder(OrderIdOf("feed-media", "u-1"));
    }

    [Fact]
    public async Task A_feed_to_an_invalid_channel_name_is_refused_400()
    {
        foreach (var channel in new[] { "Upper", "has space", "_leading", new string('x', 33) })
        {
            using var response = await _client.PostFeed(channel, Ndjson(NdjsonRecord("i-1", "feed-invalid", Sku("invalid"), 1, 1.00m)), "application/x-ndjson");
            await AssertValidationProblem(response, "channel");
        }
    }

    [Fact]
    public async Task The_channel_counters_count_received_accepted_duplicates_refused_and_quarantined()
    {
        const string channel = "feed-counted";
        var (a, none) = (Sku("counted"), Sku("counted-none"));
        await _client.SetStock(a, 100);
        await _client.SetStock(none, 0);
        Assert.DoesNotContain(channel, (await _client.Counters()).Keys);
        var start = DateTimeOffset.UtcNow;

        await _client.Feed(channel, Ndjson(
            NdjsonRecord("k-1", channel, a, 1, 1.00m),
            NdjsonRecord("k-2", channel, a, 1, 1.00m),
            NdjsonRecord("k-3", channel, a, 1, 1.00m, currency: "XXY"), // the adapter refuses: quarantined, not refused
            NdjsonRecord("k-4", "elsewhere", a, 1, 1.00m),             // wrong channel: quarantined, not refused
            NdjsonRecord("k-5", channel, none, 1, 1.00m)));            // no stock: refused
        var second = await _client.Feed(channel, Ndjson(
            NdjsonRecord("k-1", channel, a, 1, 1.00m),    // a repeat
            NdjsonRecord("k-2", channel, a, 5, 1.00m)));  // same id, other content: the order entity refuses it
        var end = DateTimeOffset.UtcNow;

        Assert.Equal(["duplicate", "quarantined"], second.Outcomes);
        Assert.Contains("already taken in", second.Records[1].Str("reason"));
        Assert.Equal(OrderIdOf(channel, "k-2"), second.Records[1].Str("orderId"));
        var counters = await _client.Counters(channel);
        // k-2 with other content is quarantined (bad data), not refused: refused counts stock refusals only.
        Assert.Equal((7L, 2L, 1L, 1L, 3L), (counters.Received, counters.Accepted, counters.Duplicates, counters.Refused, counters.Quarantined));
        Assert.NotNull(counters.LastSeen);
        Assert.InRange(counters.LastSeen.Value, start.AddMilliseconds(-1), end.AddMilliseconds(1));
        Assert.Equal(2, (await _client.Stock(a)).Reserved); // k-1 and k-2 once each
    }
}
