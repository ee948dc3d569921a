using System.Collections.Immutable;
using Akka.Persistence.Query;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Webhooks;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Webhooks;
using OrderEngine.Testing;

namespace OrderEngine.Engine.Tests;

/// <summary>The webhook outbox and subscriptions, on each database.</summary>
public abstract class WebhookStoreCases
{
    private static readonly DateTimeOffset T = DateTimeOffset.FromUnixTimeMilliseconds(1_760_000_000_000);
    private const string Secret = "0123456789abcdef";

    protected abstract Task<JournalDatabase> CreateDatabaseAsync();

    private async Task<WebhookStore> StoreAsync()
    {
        var database = await CreateDatabaseAsync();
        database.Prepare();
        return new WebhookStore(database);
    }

    private static OrderPlaced Placed(string id) =>
        new(id, "shop", "c", "EUR", ImmutableArray.Create(new OrderLine("A", 1, 1m, 1m)), 1m, null, T.AddMinutes(15), T);

    private static List<EventEnvelope> Envelopes(long firstOffset, params IOrderEvent[] events) =>
        [.. events.Select((e, i) => new EventEnvelope(Offset.Sequence(firstOffset + i), "order-" + e.OrderId, i + 1, e, 0, ["order"]))];

    private static Task Subscribe(WebhookStore store, string id, params string[] events) =>
        store.CreateSubscriptionAsync(id, new WebhookSubscriptionSpec(new Uri($"http://127.0.0.1:9/{id}"), [.. events], Secret, null), T, CancellationToken.None);

    private static async Task<List<WebhookDeliveryView>> All(WebhookStore store, string? status = null) =>
        [.. await store.ListDeliveriesAsync(status, null, 1000, CancellationToken.None)];

    [Fact]
    public async Task A_batch_writes_one_delivery_per_event_and_subscription_that_asked_for_its_type_and_moves_the_offset()
    {
        var store = await StoreAsync();
        await Subscribe(store, "whk_paid", OutboundEventTypes.OrderPaid);
        await Subscribe(store, "whk_all", OutboundEventTypes.OrderPlaced, OutboundEventTypes.OrderPaid, OutboundEventTypes.OrderCancelled);

        var written = await store.ApplyAsync(Envelopes(1,
            Placed("o1"), new OrderStockSettled("o1", T), new PaymentConfirmed("o1", 1m, "EUR", "psp", T)), T, CancellationToken.None);

        Assert.Equal(3, written);
        var rows = await All(store);
        Assert.Equal(
            ["whk_all order.paid", "whk_all order.placed", "whk_paid order.paid"],
            rows.Select(r => $"{r.SubscriptionId} {r.EventType}").Order(StringComparer.Ordinal));
        Assert.All(rows, r => Assert.Equal((DeliveryStatus.Pending, 0, "o1"), (r.Status, r.Attempts, r.OrderId)));
        // Both subscriptions get the same event id for the same event.
        Assert.Single(rows.Where(r => r.EventType == "order.paid").Select(r => r.EventId).Distinct());
        Assert.Equal(3, await store.LoadOffsetAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_batch_applied_again_after_a_crash_writes_no_second_delivery()
    {
        var store = await StoreAsync();
        await Subscribe(store, "whk_a", OutboundEventTypes.OrderPlaced);
        var batch = Envelopes(1, Placed("o1"), Placed("o2"));
        await store.ApplyAsync(batch, T, CancellationToken.None);

        var again = await store.ApplyAsync(batch, T.AddMinutes(1), CancellationToken.None);

        Assert.Equal(0, again);
        Assert.Equal(2, (await All(store)).Count);
    }

    [Fact]
    public async Task With_no_subscription_a_batch_only_moves_the_offset()
    {
        var store = await StoreAsync();

        await store.ApplyAsync(Envelopes(7, Placed("o1")), T, CancellationToken.None);

        Assert.Empty(await All(store));
        Assert.Equal(7, await store.LoadOffsetAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_failed_attempt_waits_for_its_retry_time_then_dead_letters_and_a_replay_makes_it_due_again()
    {
        var store = await StoreAsync();
        await Subscribe(store, "whk_a", OutboundEventTypes.OrderPlaced);
        await store.ApplyAsync(Envelopes(1, Placed("o1")), T, CancellationToken.None);
        var due = Assert.Single(await store.DueAsync(T, 10, CancellationToken.None));
        Assert.Equal(("http://127.0.0.1:9/whk_a", Secret, 0), (due.Url, due.Secret, due.Attempts));
        Assert.Equal(OutboundEventTypes.OrderPlaced, System.Text.Json.JsonDocument.Parse(due.Body).RootElement.GetProperty("type").GetString());

        await store.MarkFailedAsync(due.Id, 1, "HTTP 500", new DeliveryStep.RetryAt(T.AddSeconds(10)), T, CancellationToken.None);

        Assert.Empty(await store.DueAsync(T.AddSeconds(9), 10, CancellationToken.None));
        Assert.Equal(1, Assert.Single(await store.DueAsync(T.AddSeconds(10), 10, CancellationToken.None)).Attempts);

        await store.MarkFailedAsync(due.Id, 2, "no answer within 10 s", new DeliveryStep.DeadLetter(), T.AddSeconds(10), CancellationToken.None);

        Assert.Empty(await store.DueAsync(T.AddDays(1), 10, CancellationToken.None));
        var dead = Assert.Single(await All(store, DeliveryStatus.Dead));
        Assert.Equal((2, "no answer within 10 s"), (dead.Attempts, dead.LastError));

        Assert.Equal(DeliveryStatus.Dead, await store.ReplayAsync(due.Id, T.AddDays(1), CancellationToken.None));

        Assert.Empty(await All(store, DeliveryStatus.Dead));
        Assert.Equal(0, Assert.Single(await store.DueAsync(T.AddDays(1), 10, CancellationToken.None)).Attempts);
    }

    [Fact]
    public async Task A_delivered_delivery_is_not_due_and_an_unknown_one_cannot_be_replayed()
    {
        var store = await StoreAsync();
        await Subscribe(store, "whk_a", OutboundEventTypes.OrderPlaced);
        await store.ApplyAsync(Envelopes(1, Placed("o1")), T, CancellationToken.None);
        var due = Assert.Single(await store.DueAsync(T, 10, CancellationToken.None));

        await store.MarkDeliveredAsync(due.Id, 1, T, CancellationToken.None);

        Assert.Empty(await store.DueAsync(T.AddDays(1), 10, CancellationToken.None));
        var delivered = Assert.Single(await All(store, DeliveryStatus.Delivered));
        Assert.Equal(T, delivered.DeliveredAt);
        Assert.Null(await store.ReplayAsync("dlv_unknown", T, CancellationToken.None));
    }

    [Fact]
    public async Task Replaying_a_subscriptions_dead_letters_replays_only_that_subscriptions_dead_ones()
    {
        var store = await StoreAsync();
        await Subscribe(store, "whk_a", OutboundEventTypes.OrderPlaced);
        await Subscribe(store, "whk_b", OutboundEventTypes.OrderPlaced);
        await store.ApplyAsync(Envelopes(1, Placed("o1"), Placed("o2")), T, CancellationToken.None);
        foreach (var d in await store.DueAsync(T, 10, CancellationToken.None))
            await store.MarkFailedAsync(d.Id, 1, "HTTP 500", new DeliveryStep.DeadLetter(), T, CancellationToken.None);

        Assert.Equal(2, await store.ReplayDeadAsync("whk_a", T, CancellationToken.None));

        Assert.Equal(["whk_b", "whk_b"], (await All(store, DeliveryStatus.Dead)).Select(d => d.SubscriptionId));
        Assert.Equal(["whk_a", "whk_a"], (await All(store, DeliveryStatus.Pending)).Select(d => d.SubscriptionId));
    }

    [Fact]
    public async Task On_a_database_that_already_has_events_the_projection_starts_at_the_journals_end_and_later_starts_keep_its_offset()
    {
        var database = await CreateDatabaseAsync();
        database.Prepare();
        var store = new WebhookStore(database);
        Assert.Equal(0, await store.LoadOffsetAsync(CancellationToken.None));
        await Sql(database, "DELETE FROM projection_offsets");
        for (var i = 1; i <= 3; i++)
            await Sql(database, $"INSERT INTO journal (created, deleted, persistence_id, sequence_number, message) VALUES (0, false, 'order-x', {i}, @m)", new byte[] { 1 });

        database.Prepare();
        var start = await store.LoadOffsetAsync(CancellationToken.None);
        await store.ApplyAsync(Envelopes(start + 10, Placed("o1")), T, CancellationToken.None);
        database.Prepare();

        Assert.True(start >= 3, $"started at {start}");
        Assert.Equal(start + 10, await store.LoadOffsetAsync(CancellationToken.None));
    }

    private static async Task Sql(JournalDatabase database, string sql, byte[]? message = null)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        if (message is not null) command.AddParameter("m", message);
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Deleting_a_subscription_removes_its_deliveries_and_lists_never_show_a_secret()
    {
        var store = await StoreAsync();
        await Subscribe(store, "whk_a", OutboundEventTypes.OrderPlaced);
        await Subscribe(store, "whk_b", OutboundEventTypes.OrderPlaced);
        await store.ApplyAsync(Envelopes(1, Placed("o1")), T, CancellationToken.None);

        Assert.True(await store.DeleteSubscriptionAsync("whk_a", CancellationToken.None));

        Assert.False(await store.DeleteSubscriptionAsync("whk_a", CancellationToken.None));
        Assert.Equal(["whk_b"], (await All(store)).Select(d => d.SubscriptionId));
        var listed = Assert.Single(await store.ListSubscriptionsAsync(CancellationToken.None));
        Assert.Equal("whk_b", listed.Id);
        Assert.DoesNotContain(Secret, listed.ToString());
    }
}

public sealed class SqliteWebhookStoreTests : WebhookStoreCases, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    protected override Task<JournalDatabase> CreateDatabaseAsync() =>
        Task.FromResult(JournalDatabase.From(new PersistenceOptions { SqlitePath = _dir.File("wh.db") }));
}

public sealed class PostgresWebhookStoreTests(PostgresFixture postgres) : WebhookStoreCases, IClassFixture<PostgresFixture>
{
    protected override async Task<JournalDatabase> CreateDatabaseAsync() => JournalDatabase.From(new PersistenceOptions
    {
        Provider = PersistenceProvider.PostgreSql,
        ConnectionString = await postgres.Server.CreateDatabaseAsync("webhooks_" + Guid.NewGuid().ToString("N")[..12]),
    });
}
