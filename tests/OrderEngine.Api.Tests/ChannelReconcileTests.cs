using System.Net;
using System.Text.Json;
using static OrderEngine.Api.Tests.Api;
using static OrderEngine.Api.Tests.ChannelTestKit;

namespace OrderEngine.Api.Tests;

/// <summary>
/// POST /api/channels/{channel}/reconcile: a channel's list of its order ids for a period against the orders taken in.
/// A listed id is missing only when no order was taken in for it, even a moment after the feed (the projection may lag;
/// the order entity is asked); an order taken in that the list does not name is reported unlisted once projected.
/// </summary>
public sealed class ChannelReconcileTests(EngineFixture engine) : IClassFixture<EngineFixture>
{
    private static readonly TimeSpan ProjectedWithin = TimeSpan.FromSeconds(15);
    private readonly HttpClient _client = engine.Client;

    private async Task<string> FeedOrders(string channel, params string[] externalIds)
    {
        var sku = Sku("rec");
        await _client.SetStock(sku, 100);
        var answer = await _client.Feed(channel, Ndjson(externalIds.Select(id => NdjsonRecord(id, channel, sku, 1, 1.00m)).ToArray()));
        Assert.All(answer.Records, r => Assert.Equal("accepted", r.Outcome()));
        return sku;
    }

    private static (DateTimeOffset From, DateTimeOffset To) AroundNow() => (DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1));

    [Fact]
    public async Task Reconciling_right_after_the_feed_reports_as_missing_only_the_ids_never_taken_in()
    {
        const string channel = "rec-now";
        var sku = await FeedOrders(channel, "e-1", "e-2", "e-3");
        var quarantined = await _client.Feed(channel, Ndjson(NdjsonRecord("e-bad", channel, sku, 0, 1.00m)));
        Assert.Equal("quarantined", Assert.Single(quarantined.Records).Outcome());
        var (from, to) = AroundNow();

        // No waiting for the projection: orders acknowledged a moment ago must not be reported missing.
        var report = await _client.Reconcile(channel, from, to, "e-3", "never-2", "e-1", "e-bad", "e-2", "never-1", "e-1");

        Assert.Equal(channel, report.Str("channel"));
        Assert.Equal(6, report.GetProperty("listed").GetInt32()); // "e-1" listed twice counts once
        Assert.Equal(3, report.GetProperty("matched").GetInt32());
        Assert.Equal(["e-bad", "never-1", "never-2"], report.Strings("missing"));
    }

    [Fact]
    public async Task Orders_taken_in_that_the_channel_did_not_list_are_reported_unlisted()
    {
        const string channel = "rec-unlisted";
        await FeedOrders(channel, "u-1", "u-2", "u-3");
        var (from, to) = AroundNow();

        // Unlisted orders come from the read table, which the projection fills a little after the orders were taken in.
        var report = await Eventually(() => _client.Reconcile(channel, from, to, "u-1"),
            r => r.GetProperty("unlisted").GetArrayLength() >= 2, ProjectedWithin, "the reconciliation of " + channel);

        Assert.Equal((1, 1), (report.GetProperty("listed").GetInt32(), report.GetProperty("matched").GetInt32()));
        Assert.Empty(report.Strings("missing"));
        var unlisted = report.GetProperty("unlisted").EnumerateArray().ToList();
        Assert.Equal(["u-2", "u-3"], unlisted.Select(u => u.Str("externalId")).Order(StringComparer.Ordinal));
        Assert.All(unlisted, u => Assert.Equal(OrderIdOf(channel, u.Str("externalId")), u.Str("orderId")));
        foreach (var u in unlisted)
        {
            var placedAt = (await _client.Order(u.Str("orderId"))).GetProperty("placedAt").GetDateTimeOffset();
            Assert.Equal(placedAt.ToUnixTimeMilliseconds(), u.GetProperty("placedAt").GetDateTimeOffset().ToUnixTimeMilliseconds());
        }
        // Listing them all settles it.
        var settled = await _client.Reconcile(channel, from, to, "u-1", "u-2", "u-3");
        Assert.Equal(0, settled.GetProperty("unlisted").GetArrayLength());
        Assert.Equal(3, settled.GetProperty("matched").GetInt32());
    }

    [Fact]
    public async Task The_period_includes_its_start_and_excludes_its_end_and_a_listed_order_just_outside_it_is_not_missing()
    {
        const string channel = "rec-period";
        await FeedOrders(channel, "p-1");
        var (from, to) = AroundNow();
        await Eventually(() => _client.Reconcile(channel, from, to), r => r.GetProperty("unlisted").GetArrayLength() == 1, ProjectedWithin, "the projection of p-1");
        var placed = (await _client.Order(OrderIdOf(channel, "p-1"))).GetProperty("placedAt").GetDateTimeOffset();
        var at = DateTimeOffset.FromUnixTimeMilliseconds(placed.ToUnixTimeMilliseconds());

        var startingThen = await _client.Reconcile(channel, at, at.AddMinutes(1));
        var endingThen = await _client.Reconcile(channel, at.AddMinutes(-1), at);
        var listedButBefore = await _client.Reconcile(channel, at.AddMilliseconds(1), at.AddMinutes(1), "p-1");

        Assert.Equal("p-1", Assert.Single(startingThen.GetProperty("unlisted").EnumerateArray()).Str("externalId"));
        Assert.Equal(0, endingThen.GetProperty("unlisted").GetArrayLength());
        Assert.Empty(listedButBefore.Strings("missing"));
        Assert.Equal(1, listedButBefore.GetProperty("matched").GetInt32());
    }

    [Fact]
    public async Task An_invalid_reconciliation_request_is_refused_400_naming_each_field()
    {
        var (from, to) = AroundNow();

        using (var empty = await _client.PostReconcile("rec-invalid", new { }))
            await AssertValidationProblem(empty, "from", "to", "externalIds");
        using (var backwards = await _client.PostReconcile("rec-invalid", new { from = to, to = from, externalIds = Array.Empty<string>() }))
            await AssertValidationProblem(backwards, "to");
        using (var same = await _client.PostReconcile("rec-invalid", new { from, to = from, externalIds = Array.Empty<string>() }))
            await AssertValidationProblem(same, "to");
        using (var blankId = await _client.PostReconcile("rec-invalid", new { from, to, externalIds = new[] { "a-1", " " } }))
            await AssertValidationProblem(blankId, "externalIds");
        using (var badChannel = await _client.PostReconcile("Not-A-Channel", new { from, to, externalIds = new[] { "a-1" } }))
            await AssertValidationProblem(badChannel, "channel");
        using (var malformed = await _client.PostAsync("/api/channels/rec-invalid/reconcile", Json("{\"from\": ")))
            await AssertProblem(malformed, HttpStatusCode.BadRequest, "malformed-request");
        using (var notADate = await _client.PostAsync("/api/channels/rec-invalid/reconcile", Json("""{"from":"yesterday","to":"today","externalIds":[]}""")))
            await AssertProblem(notADate, HttpStatusCode.BadRequest, "malformed-request");

        // An empty list is a valid question: every order of the period is unlisted, nothing is missing.
        var report = await _client.Reconcile("rec-invalid", from, to);
        Assert.Equal(JsonValueKind.Array, report.GetProperty("missing").ValueKind);
        Assert.Empty(report.Strings("missing"));
    }
}
