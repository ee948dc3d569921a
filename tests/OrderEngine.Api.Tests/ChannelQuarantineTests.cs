using System.Net;
using System.Text.Json;
using static OrderEngine.Api.Tests.Api;
using static OrderEngine.Api.Tests.ChannelTestKit;

namespace OrderEngine.Api.Tests;

/// <summary>
/// GET /api/channels/{channel}/quarantine and POST …/quarantine/{id}/retry: a record a feed could not take in is kept
/// whole with its reason; retried as stored it is refused again and stays; retried corrected it is taken in, resolved,
/// and cannot be taken in twice. Each test uses its own channel.
/// </summary>
public sealed class ChannelQuarantineTests(EngineFixture engine) : IClassFixture<EngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    /// <summary>Feeds one line the adapter refuses (quantity 0) and answers its quarantine id and the line as sent.</summary>
    private async Task<(string Id, string Line, string Sku)> QuarantinedLine(string channel, string externalId)
    {
        var sku = Sku("q");
        await _client.SetStock(sku, 10);
        var line = NdjsonRecord(externalId, channel, sku, 0, 2.00m);
        var answer = await _client.Feed(channel, Ndjson(line));
        var record = Assert.Single(answer.Records);
        Assert.Equal("quarantined", record.Outcome());
        return (record.Str("quarantineId"), line, sku);
    }

    [Fact]
    public async Task A_quarantined_feed_record_is_listed_with_its_raw_payload_reason_and_source()
    {
        const string channel = "q-listed";
        var (id, line, _) = await QuarantinedLine(channel, "l-1");

        var record = Assert.Single(await _client.Quarantine(channel));

        Assert.Equal(id, record.Str("id"));
        Assert.Equal(channel, record.Str("channel"));
        Assert.Equal("feed/ndjson", record.Str("source"));
        Assert.Equal("l-1", record.Str("externalId"));
        Assert.Equal(line, record.Str("payload"));
        Assert.Equal("line 1: lines[0].quantity: quantity 0 is not at least 1", record.Str("reason"));
        Assert.True(record.TryGetProperty("receivedAt", out _));
        Assert.False(record.TryGetProperty("resolvedAt", out _));
        Assert.Empty(await _client.Quarantine("q-listed-other")); // per channel
    }

    [Fact]
    public async Task A_retry_corrected_into_an_order_the_stock_cannot_cover_answers_409_naming_the_line_and_the_record_stays()
    {
        const string channel = "q-short";
        var (id, _, sku) = await QuarantinedLine(channel, "s-1");

        using var response = await _client.Retry(channel, id, NdjsonRecord("s-1", channel, sku, 11, 2.00m)); // 10 in stock

        var problem = await AssertProblem(response, HttpStatusCode.Conflict, "lines-not-reserved");
        Assert.StartsWith(sku + ":", problem.Str("detail"));
        Assert.Equal(id, problem.Str("quarantineId"));
        var stays = Assert.Single(await _client.Quarantine(channel));
        Assert.Equal(id, stays.Str("id"));
        await _client.AssertNoOrder(OrderIdOf(channel, "s-1"));
        Assert.Equal(0, (await _client.Stock(sku)).Reserved);

        using var again = await _client.Retry(channel, id, NdjsonRecord("s-1", channel, sku, 2, 2.00m)); // once it fits: taken in, resolved
        Assert.Equal("accepted", (await Body(again)).Outcome());
        Assert.Empty(await _client.Quarantine(channel));
    }

    [Fact]
    public async Task A_replayed_feed_does_not_fill_the_quarantine_with_copies()
    {
        const string channel = "q-replayed";
        var line = NdjsonRecord("r-1", channel, Sku("q"), 1, 1.00m, currency: "ZZZ");

        var first = Assert.Single((await _client.Feed(channel, Ndjson(line))).Records);
        var again = Assert.Single((await _client.Feed(channel, Ndjson(line))).Records);

        Assert.Equal("quarantined", again.Outcome());
        Assert.Equal(first.Str("quarantineId"), again.Str("quarantineId"));
        Assert.Equal(first.Str("quarantineId"), Assert.Single(await _client.Quarantine(channel, includeResolved: true)).Str("id"));
    }

    [Fact]
    public async Task The_quarantine_list_takes_a_limit_of_1_to_1000()
    {
        const string channel = "q-limited";
        await QuarantinedLine(channel, "x-1");
        await QuarantinedLine(channel, "x-2");
        await QuarantinedLine(channel, "x-3");

        foreach (var limit in new[] { "0", "-1", "1001" })
        {
            using var response = await _client.GetQuarantine(channel, "?limit=" + limit);
            await AssertValidationProblem(response, "limit");
        }
        using (var notANumber = await _client.GetQuarantine(channel, "?limit=many"))
            await AssertProblem(notANumber, HttpStatusCode.BadRequest, "invalid", "malformed-request");

        using var two = await _client.GetQuarantine(channel, "?limit=2");
        await ExpectStatus(two, HttpStatusCode.OK);
        Assert.Equal(2, (await Body(two)).GetProperty("records").GetArrayLength());
        using var most = await _client.GetQuarantine(channel, "?limit=1000");
        await ExpectStatus(most, HttpStatusCode.OK);
        Assert.Equal(3, (await Body(most)).GetProperty("records").GetArrayLength());
    }

    [Fact]
    public async Task Retrying_a_record_as_stored_that_is_still_refused_answers_422_and_leaves_it_in_quarantine()
    {
        const string channel = "q-still";
        var (id, _, _) = await QuarantinedLine(channel, "s-1");
        var countersBefore = await _client.Counters(channel);

        using var noBody = await _client.Retry(channel, id);
        using var nullPayload = await _client.PostAsync($"/api/channels/{channel}/quarantine/{id}/retry", Json("""{"payload":null}"""));

        foreach (var response in new[] { noBody, nullPayload })
        {
            var problem = await AssertProblem(response, (HttpStatusCode)422, "still-refused");
            Assert.Equal(id, problem.Str("quarantineId"));
            Assert.Contains("quantity 0 is not at least 1", problem.Str("detail"));
        }
        var record = Assert.Single(await _client.Quarantine(channel));
        Assert.Equal(id, record.Str("id"));
        Assert.False(record.TryGetProperty("resolvedAt", out _));
        Assert.Single(await _client.Quarantine(channel, includeResolved: true)); // no new row for the refused retry
        await _client.AssertNoOrder(OrderIdOf(channel, "s-1"));
        Assert.Equal(countersBefore with { LastSeen = null }, (await _client.Counters(channel)) with { LastSeen = null });
    }

    [Fact]
    public async Task A_record_retried_with_a_corrected_payload_is_taken_in_resolved_and_not_taken_in_twice()
    {
        const string channel = "q-fixed";
        var (id, line, sku) = await QuarantinedLine(channel, "f-1");
        var corrected = line.Replace("\"quantity\":0", "\"quantity\":3", StringComparison.Ordinal);
        Assert.NotEqual(line, corrected);

        using var retry = await _client.Retry(channel, id, corrected);

        await ExpectStatus(retry, HttpStatusCode.OK);
        var outcome = await Body(retry);
        Assert.Equal("accepted", outcome.Outcome());
        Assert.Equal(OrderIdOf(channel, "f-1"), outcome.Str("orderId"));
        var order = await _client.Order(OrderIdOf(channel, "f-1"));
        Assert.Equal("reserved", order.Status());
        Assert.Equal(6.00m, order.Dec("total"));
        Assert.Equal(3, (await _client.Stock(sku)).Reserved);

        Assert.Empty(await _client.Quarantine(channel));
        var resolved = Assert.Single(await _client.Quarantine(channel, includeResolved: true));
        Assert.Equal(id, resolved.Str("id"));
        Assert.Equal(line, resolved.Str("payload")); // the record as it arrived, not the correction
        Assert.Equal(JsonValueKind.String, resolved.GetProperty("resolvedAt").ValueKind);
        Assert.Equal(1, (await _client.Counters(channel)).Accepted);

        using var twice = await _client.Retry(channel, id, corrected);
        await AssertProblem(twice, HttpStatusCode.Conflict, "already-resolved");
        using var asStored = await _client.Retry(channel, id);
        await AssertProblem(asStored, HttpStatusCode.Conflict, "already-resolved");
        Assert.Equal(3, (await _client.Stock(sku)).Reserved);
    }

    [Fact]
    public async Task A_retry_payload_that_is_not_exactly_one_record_of_the_channel_is_refused_and_the_record_stays()
    {
        const string channel = "q-wrongfix";
        var (id, line, sku) = await QuarantinedLine(channel, "w-1");
        var good = line.Replace("\"quantity\":0", "\"quantity\":1", StringComparison.Ordinal);

        using var two = await _client.Retry(channel, id, good + "\n" + good.Replace("w-1", "w-2", StringComparison.Ordinal));
        await AssertProblem(two, (HttpStatusCode)422, "not-one-record");
        using var elsewhere = await _client.Retry(channel, id, good.Replace($"\"channel\":\"{channel}\"", "\"channel\":\"q-other\"", StringComparison.Ordinal));
        var problem = await AssertProblem(elsewhere, (HttpStatusCode)422, "still-refused");
        Assert.Contains("arrived on channel 'q-wrongfix'", problem.Str("detail"));

        Assert.Equal(id, Assert.Single(await _client.Quarantine(channel)).Str("id"));
        Assert.Equal(0, (await _client.Stock(sku)).Reserved);
    }

    [Fact]
    public async Task Retrying_a_record_that_is_not_in_the_channels_quarantine_is_404()
    {
        var (id, _, _) = await QuarantinedLine("q-known", "k-1");

        using var unknown = await _client.Retry("q-known", "q-00000000000000000000000000000000");
        await AssertProblem(unknown, HttpStatusCode.NotFound, "not-found");
        using var otherChannel = await _client.Retry("q-unknown", id);
        await AssertProblem(otherChannel, HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task A_quarantined_csv_order_is_stored_as_header_and_its_rows_and_taken_in_when_retried_as_corrected_csv()
    {
        const string channel = "q-csv";
        var (a, b) = (Sku("qa"), Sku("qb"));
        await _client.SetStock(a, 10);
        await _client.SetStock(b, 10);
        const string header = "externalId,channel,customerId,currency,sku,quantity,unitPrice";
        var good = $"ok-1,{channel},cust-1,EUR,{a},1,1.00";
        var bad = new[] { $"bad-1,{channel},cust-2,EUR,{a},2,3.00", $"bad-1,{channel},cust-2,EUR,{b},1,1.0O" };
        var feed = string.Join("\n", [header, good, .. bad]) + "\n";

        var answer = await _client.Feed(channel, feed, "text/csv");

        Assert.Equal(["accepted", "quarantined"], answer.Outcomes);
        Assert.Contains("unitPrice", answer.Records[1].Str("reason"));
        var record = Assert.Single(await _client.Quarantine(channel));
        Assert.Equal(answer.Records[1].Str("quarantineId"), record.Str("id"));
        Assert.Equal("feed/csv", record.Str("source"));
        Assert.Equal("bad-1", record.Str("externalId"));
        Assert.Equal(header + "\n" + string.Join("\n", bad), record.Str("payload")); // only this order's rows, under the header

        using (var asStored = await _client.Retry(channel, record.Str("id")))
            await AssertProblem(asStored, (HttpStatusCode)422, "still-refused");
        using var retry = await _client.Retry(channel, record.Str("id"), record.Str("payload").Replace("1.0O", "1.00", StringComparison.Ordinal));

        await ExpectStatus(retry, HttpStatusCode.OK);
        Assert.Equal("accepted", (await Body(retry)).Outcome());
        var order = await _client.Order(OrderIdOf(channel, "bad-1"));
        Assert.Equal(7.00m, order.Dec("total")); // 2 x 3.00 + 1 x 1.00
        Assert.Equal(2, order.GetProperty("lines").GetArrayLength());
        Assert.Empty(await _client.Quarantine(channel));
        Assert.Equal(3, (await _client.Stock(a)).Reserved);
        Assert.Equal(1, (await _client.Stock(b)).Reserved);
    }
}
