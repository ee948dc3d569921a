using System.Collections.Immutable;
using System.Net;
using Akka.Persistence.Query;
using Akka.TestKit.Xunit2;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Webhooks;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Webhooks;
using OrderEngine.Testing;

namespace OrderEngine.Engine.Tests;

/// <summary>The dispatcher against an outbox on SQLite and an HTTP handler the test controls (no network).</summary>
public sealed class WebhookDispatcherTests() : TestKit(TestConfig.WithTestJournal)
{
    private const string Secret = "0123456789abcdef";
    private readonly TempDirectory _dir = new();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) _dir.Dispose();
    }

    /// <summary>Holds every request until released, counting how many are in flight at once.</summary>
    private sealed class GatedHandler : HttpMessageHandler
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _inFlight;
        private int _maxInFlight;
        private int _completed;

        public int InFlight => Volatile.Read(ref _inFlight);
        public int MaxInFlight => Volatile.Read(ref _maxInFlight);
        public int Completed => Volatile.Read(ref _completed);
        /// <summary>Event id header, signature header and body of each request, read as it arrived.</summary>
        public List<(string EventId, string Signature, string Body)> Requests { get; } = [];

        public void Open() => _open.TrySetResult();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var body = await request.Content!.ReadAsStringAsync(ct);
            lock (Requests)
                Requests.Add((request.Headers.GetValues(WebhookSignature.EventIdHeader).Single(), request.Headers.GetValues(WebhookSignature.Header).Single(), body));
            var now = Interlocked.Increment(ref _inFlight);
            int max;
            while (now > (max = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, now, max) != max) { }
            await _open.Task.WaitAsync(ct);
            Interlocked.Decrement(ref _inFlight);
            Interlocked.Increment(ref _completed);
            return new HttpResponseMessage(HttpStatusCode.NoContent);
        }
    }

    private sealed class Factory(HttpMessageHandler handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(handler, disposeHandler: false);
    }

    private async Task<WebhookStore> OutboxWith(int deliveries)
    {
        var database = JournalDatabase.From(new PersistenceOptions { SqlitePath = _dir.File("wh.db") });
        database.Prepare();
        var store = new WebhookStore(database);
        var at = DateTimeOffset.UtcNow;
        await store.CreateSubscriptionAsync("whk_a", new WebhookSubscriptionSpec(new Uri("http://127.0.0.1:9/hooks"), [OutboundEventTypes.OrderPlaced], Secret, null), at, CancellationToken.None);
        var batch = Enumerable.Range(1, deliveries).Select(i => new EventEnvelope(Offset.Sequence(i), $"order-o{i}", 1,
            new OrderPlaced($"o{i}", "web", "c", "EUR", ImmutableArray.Create(new OrderLine("A", 1, 1m, 1m)), 1m, null, at.AddMinutes(15), at), 0, ["order"])).ToList();
        await store.ApplyAsync(batch, at, CancellationToken.None);
        return store;
    }

    [Fact]
    public async Task No_more_deliveries_than_the_concurrency_are_in_flight_and_every_one_is_sent_once_signed()
    {
        var store = await OutboxWith(10);
        var handler = new GatedHandler();
        var options = new WebhookOptions { Concurrency = 3, PollInterval = TimeSpan.FromMilliseconds(20), SendTimeout = TimeSpan.FromMinutes(1) };

        Sys.ActorOf(WebhookDispatcher.Props(store, new Factory(handler), options, TimeProvider.System, new Random(7)));

        await AwaitConditionAsync(() => Task.FromResult(handler.InFlight == 3), TimeSpan.FromSeconds(10));
        // Many poll intervals pass with every slot taken: none more is started.
        await Task.Delay(300);
        Assert.Equal(3, handler.InFlight);
        handler.Open();
        await AwaitConditionAsync(async () => (await store.ListDeliveriesAsync(DeliveryStatus.Delivered, null, 100, CancellationToken.None)).Count == 10, TimeSpan.FromSeconds(10));
        Assert.Equal(3, handler.MaxInFlight);
        Assert.Equal(10, handler.Completed);
        lock (handler.Requests)
        {
            Assert.Equal(10, handler.Requests.Select(r => r.EventId).Distinct().Count());
            Assert.All(handler.Requests, r => Assert.True(WebhookSignature.Verify(Secret, r.Signature, r.Body, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5))));
        }
    }

    [Fact]
    public async Task An_attempt_without_an_answer_within_the_send_timeout_is_a_failed_attempt_with_its_reason()
    {
        var store = await OutboxWith(1);
        var handler = new GatedHandler(); // never opened: no answer
        var options = new WebhookOptions
        {
            MaxAttempts = 1, PollInterval = TimeSpan.FromMilliseconds(20), SendTimeout = TimeSpan.FromMilliseconds(200),
        };

        Sys.ActorOf(WebhookDispatcher.Props(store, new Factory(handler), options, TimeProvider.System, new Random(7)));

        await AwaitConditionAsync(async () => (await store.ListDeliveriesAsync(DeliveryStatus.Dead, null, 10, CancellationToken.None)).Count == 1, TimeSpan.FromSeconds(10));
        var dead = Assert.Single(await store.ListDeliveriesAsync(DeliveryStatus.Dead, null, 10, CancellationToken.None));
        Assert.Equal(1, dead.Attempts);
        Assert.Equal("no answer within 0.2 s", dead.LastError);
    }
}
