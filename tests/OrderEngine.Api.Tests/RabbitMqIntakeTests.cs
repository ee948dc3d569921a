using System.Net;
using System.Text.Json;
using OrderEngine.Domain;
using OrderEngine.Testing;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests;

/// <summary>
/// RabbitMQ intake against a real broker started by the tests: messages become orders and are acknowledged only once
/// taken; redeliveries are recognised; poison is quarantined and acknowledged; a message the engine cannot answer goes
/// back to the queue and is taken later; a lost connection is reopened.
/// </summary>
public sealed class RabbitMqIntakeTests(RabbitMqEngineFixture engine) : IClassFixture<RabbitMqEngineFixture>
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    private HttpClient Client => engine.Client;

    [RabbitMqFact]
    public async Task Published_orders_become_orders_and_leave_the_queue()
    {
        const string queue = "orders.accepted", channel = "rmq-accepted";
        var sku = Sku("rmq");
        await Client.SetStock(sku, 10);
        var ids = Enumerable.Range(1, 3).Select(i => $"acc-{Guid.NewGuid():N}-{i}").ToArray();

        await engine.Publish(queue, Record(ids[0], channel, sku, 1));
        // Publishers often pretty-print: one JSON object over several lines is still one order.
        await engine.Publish(queue, Pretty(Record(ids[1], channel, sku, 2)));
        await engine.Publish(queue, Record(ids[2], channel, sku, 3));

        foreach (var id in ids)
        {
            await OrderEventually(Identifiers.OrderIdFromExternal(channel, id), "reserved");
        }
        Assert.Equal(6, (await Client.Stock(sku)).Reserved);
        await QueueEventuallyEmpty(queue);
        var counters = await CountersEventually(channel, c => c.Accepted == 3);
        Assert.Equal((3, 3, 0, 0), (counters.Received, counters.Accepted, counters.Duplicates, counters.Quarantined));
    }

    [RabbitMqFact]
    public async Task A_message_delivered_twice_places_one_order_and_counts_a_duplicate()
    {
        const string queue = "orders.redelivered", channel = "rmq-redelivered";
        var sku = Sku("rmq");
        await Client.SetStock(sku, 10);
        var id = $"dup-{Guid.NewGuid():N}";
        var message = Record(id, channel, sku, 2);

        await engine.Publish(queue, message);
        await engine.Publish(queue, message);

        var counters = await CountersEventually(channel, c => c.Accepted + c.Duplicates == 2);
        Assert.Equal((2, 1, 1, 0), (counters.Received, counters.Accepted, counters.Duplicates, counters.Quarantined));
        await OrderEventually(Identifiers.OrderIdFromExternal(channel, id), "reserved");
        // One order: its stock was reserved once, not twice.
        Assert.Equal(2, (await Client.Stock(sku)).Reserved);
        await QueueEventuallyEmpty(queue);
    }

    [RabbitMqFact]
    public async Task A_poison_message_is_quarantined_with_its_reason_and_payload_and_acknowledged()
    {
        const string queue = "orders.poison", channel = "rmq-poison";
        var text = $"this is not an order {Guid.NewGuid():N}";

        await engine.Publish(queue, text);
        await engine.Publish(queue, [0x7B, 0xFF, 0xFE, 0x7D]); // not UTF-8

        var records = await Eventually(() => Quarantine(channel), r => r.Count == 2, Within, $"the quarantine of {channel}");
        var notJson = Assert.Single(records, r => r.GetProperty("payload").GetString() == text);
        Assert.False(string.IsNullOrWhiteSpace(notJson.GetProperty("reason").GetString()));
        Assert.Equal("rabbitmq:orders.poison/ndjson", notJson.GetProperty("source").GetString());
        var notUtf8 = Assert.Single(records, r => r.GetProperty("payload").GetString() != text);
        Assert.Contains("UTF-8", notUtf8.GetProperty("reason").GetString());
        await QueueEventuallyEmpty(queue);
        var counters = await CountersEventually(channel, c => c.Quarantined == 2);
        Assert.Equal((2, 0, 2), (counters.Received, counters.Accepted, counters.Quarantined));
    }

    [RabbitMqFact]
    public async Task A_message_the_engine_cannot_answer_goes_back_to_the_queue_and_is_taken_later()
    {
        const string queue = "orders.held", channel = "rmq-held";
        var sku = Sku("rmq");
        await Client.SetStock(sku, 10);
        var id = $"held-{Guid.NewGuid():N}";
        var orderId = Identifiers.OrderIdFromExternal(channel, id);
        engine.Gate.Hold(orderId);

        await engine.Publish(queue, Record(id, channel, sku, 1));

        // Refused twice: taken from the queue, not acknowledged, handed back and delivered again.
        await Eventually(() => Task.FromResult(engine.Gate.Refusals(orderId)), n => n >= 2, Within, $"refusals of {orderId}");
        await Client.AssertNoOrder(orderId);
        var (ready, unacked) = await engine.Depth(queue);
        Assert.Equal(1, ready + unacked);
        Assert.Empty(await Quarantine(channel));

        engine.Gate.Release(orderId);
        await OrderEventually(orderId, "reserved");
        await QueueEventuallyEmpty(queue);
        var counters = await CountersEventually(channel, c => c.Accepted == 1);
        Assert.Equal((1, 0, 0), (counters.Accepted, counters.Duplicates, counters.Quarantined));
    }

    [RabbitMqFact]
    public async Task A_message_of_several_orders_is_acknowledged_only_once_all_were_taken()
    {
        const string queue = "orders.several", channel = "rmq-several";
        var sku = Sku("rmq");
        await Client.SetStock(sku, 10);
        var (first, second) = ($"one-{Guid.NewGuid():N}", $"two-{Guid.NewGuid():N}");
        var (firstId, secondId) = (Identifiers.OrderIdFromExternal(channel, first), Identifiers.OrderIdFromExternal(channel, second));
        engine.Gate.Hold(secondId);

        await engine.Publish(queue, Record(first, channel, sku, 1) + "\n" + Record(second, channel, sku, 1) + "\n");

        await OrderEventually(firstId, "reserved");
        await Eventually(() => Task.FromResult(engine.Gate.Refusals(secondId)), n => n >= 2, Within, $"refusals of {secondId}");
        var (ready, unacked) = await engine.Depth(queue);
        Assert.Equal(1, ready + unacked);
        await Client.AssertNoOrder(secondId);

        engine.Gate.Release(secondId);
        await OrderEventually(secondId, "reserved");
        await QueueEventuallyEmpty(queue);
        // The first order came again with every redelivery and was recognised each time.
        var counters = await CountersEventually(channel, c => c.Accepted == 2);
        Assert.True(counters.Duplicates >= 2, $"expected the first order to be redelivered at least twice: {counters}");
        Assert.Equal(0, counters.Quarantined);
        Assert.Equal(2, (await Client.Stock(sku)).Reserved);
    }

    [RabbitMqFact]
    public async Task The_consumer_reconnects_after_the_broker_closed_its_connection()
    {
        const string queue = "orders.reconnect", channel = "rmq-reconnect";
        var sku = Sku("rmq");
        await Client.SetStock(sku, 10);
        var before = $"before-{Guid.NewGuid():N}";
        await engine.Publish(queue, Record(before, channel, sku, 1));
        await OrderEventually(Identifiers.OrderIdFromExternal(channel, before));
        await QueueEventuallyEmpty(queue);

        await engine.Broker.CloseAllConnectionsAsync("closed by RabbitMqIntakeTests");
        var after = $"after-{Guid.NewGuid():N}";
        await engine.Publish(queue, Record(after, channel, sku, 1));

        await OrderEventually(Identifiers.OrderIdFromExternal(channel, after), "reserved");
        await QueueEventuallyEmpty(queue);
    }

    [RabbitMqFact]
    public async Task A_queue_declared_after_the_node_started_is_consumed_once_it_exists()
    {
        const string queue = "orders.late", channel = "rmq-late";
        var sku = Sku("rmq");
        await Client.SetStock(sku, 10);

        // The node found no such queue at start and keeps checking, with a backoff of at most 30 s (+20 %).
        await engine.Declare(queue);
        var id = $"late-{Guid.NewGuid():N}";
        await engine.Publish(queue, Record(id, channel, sku, 1));

        await OrderEventually(Identifiers.OrderIdFromExternal(channel, id), "reserved", TimeSpan.FromSeconds(60));
        await QueueEventuallyEmpty(queue);
    }

    // ---- helpers ----

    private static string Record(string externalId, string channel, string sku, int quantity) =>
        JsonSerializer.Serialize(new
        {
            externalId,
            channel,
            customerId = "customer-1",
            currency = "EUR",
            lines = new[] { new { sku, quantity, unitPrice = 10m } },
        });

    private static string Pretty(string json) =>
        JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement, new JsonSerializerOptions { WriteIndented = true });

    /// <summary>Waits for the order to exist (and, its saga being asynchronous, to reach a status when one is given).</summary>
    private async Task<JsonElement> OrderEventually(string orderId, string? status = null, TimeSpan? within = null)
    {
        var order = await Eventually(async () =>
        {
            using var response = await Client.GetAsync($"/api/orders/{orderId}");
            return response.StatusCode == HttpStatusCode.OK ? await Body(response) : (JsonElement?)null;
        }, o => o is not null && (status is null || o.Value.Status() == status), within ?? Within, $"order {orderId}");
        return order!.Value;
    }

    private Task QueueEventuallyEmpty(string queue) =>
        Eventually(() => engine.Depth(queue), d => d == (0, 0), Within, $"ready and unacknowledged messages of {queue}");

    private async Task<List<JsonElement>> Quarantine(string channel)
    {
        using var response = await Client.GetAsync($"/api/channels/{channel}/quarantine");
        await ExpectStatus(response, HttpStatusCode.OK);
        return (await Body(response)).GetProperty("records").EnumerateArray().ToList();
    }

    private Task<Counts> CountersEventually(string channel, Func<Counts, bool> condition) =>
        Eventually(async () =>
        {
            using var response = await Client.GetAsync("/api/channels");
            await ExpectStatus(response, HttpStatusCode.OK);
            var found = (await Body(response)).GetProperty("channels").EnumerateArray()
                .FirstOrDefault(c => c.GetProperty("channel").GetString() == channel);
            return found.ValueKind == JsonValueKind.Undefined
                ? new Counts(0, 0, 0, 0)
                : new Counts(found.GetProperty("received").GetInt64(), found.GetProperty("accepted").GetInt64(),
                    found.GetProperty("duplicates").GetInt64(), found.GetProperty("quarantined").GetInt64());
        }, condition, Within, $"the counters of {channel}");

    private sealed record Counts(long Received, long Accepted, long Duplicates, long Quarantined);
}
