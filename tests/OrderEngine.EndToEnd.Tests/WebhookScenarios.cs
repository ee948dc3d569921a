using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using OrderEngine.Testing;

namespace OrderEngine.EndToEnd.Tests;

/// <summary>
/// Outbound webhooks through the real engine process and a subscriber on 127.0.0.1: every order event arrives at least
/// once with a valid signature, including those still undelivered when the engine was killed with kill -9.
/// </summary>
public abstract partial class EngineScenarios
{
    private const string SubscriberSecret = "e2e-subscriber-secret-7d21";

    protected async Task WebhooksReachASubscriberAndSurviveKillNineAsync()
    {
        await using var bed = await NewTestBedAsync(LongHold, new Dictionary<string, string>
        {
            ["OrderEngine__Webhooks__PollInterval"] = "00:00:00.050",
            ["OrderEngine__Webhooks__BackoffBase"] = "00:00:00.200",
            ["OrderEngine__Webhooks__BackoffMax"] = "00:00:00.500",
            ["OrderEngine__Webhooks__MaxAttempts"] = "100",
        });
        using var subscriber = new LoopbackSubscriber(SubscriberSecret);
        await bed.RunAsync(async () =>
        {
            using var budget = new CancellationTokenSource(TestBudget);
            var ct = budget.Token;
            var engine = await bed.StartEngineAsync(ct);
            var api = new EngineApi(engine.Http);
            var subscribed = await engine.Http.PostAsync("api/webhooks/subscriptions", Json(new
            {
                url = subscriber.Url,
                events = new[] { "order.placed", "order.paid", "order.cancelled" },
                secret = SubscriberSecret,
            }), ct);
            Assert.True(subscribed.StatusCode == HttpStatusCode.Created, await subscribed.Content.ReadAsStringAsync(ct));
            Assert.Equal(200, (await api.SetStockAsync("wh-a", 10, 1, ct)).Status);

            // Delivered while the engine runs: placed and paid.
            var first = await api.PlaceAsync("wh-order-1", new PlaceRequest("web", "customer-w", EngineApi.Currency, [new("wh-a", 1, 5m)]), ct);
            Assert.True(first.Status == 201, first.ToString());
            Assert.Equal(200, (await api.PayAsync(first.Order.Id, 5m, "psp-wh-1", ct)).Status);
            await subscriber.WaitForAsync(r => r.Count(e => e.OrderId == first.Order.Id && e.Answered == 200) >= 2, ct);

            // The subscriber goes down; a second order is placed and cancelled; the engine is killed with those pending.
            subscriber.Status = 503;
            var second = await api.PlaceAsync("wh-order-2", new PlaceRequest("web", "customer-w", EngineApi.Currency, [new("wh-a", 2, 5m)]), ct);
            Assert.True(second.Status == 201, second.ToString());
            Assert.Equal(200, (await api.CancelAsync(second.Order.Id, "changed my mind", ct)).Status);
            await subscriber.WaitForAsync(r => r.Any(e => e.OrderId == second.Order.Id), ct);
            engine.Kill();

            subscriber.Status = 200;
            engine = await bed.StartEngineAsync(ct);
            var received = await subscriber.WaitForAsync(
                r => r.Where(e => e.OrderId == second.Order.Id && e.Answered == 200).Select(e => e.Type).Distinct().Count() == 2, ct);

            Assert.All(received, e => Assert.True(e.SignatureValid, e.Body));
            Assert.Equal(["order.paid", "order.placed"],
                received.Where(e => e.OrderId == first.Order.Id && e.Answered == 200).Select(e => e.Type).Distinct().Order(StringComparer.Ordinal));
            Assert.Equal(["order.cancelled", "order.placed"],
                received.Where(e => e.OrderId == second.Order.Id && e.Answered == 200).Select(e => e.Type).Distinct().Order(StringComparer.Ordinal));
            // A redelivery carries the id of the first attempt: a subscriber dedupes on it.
            Assert.Equal(4, received.Where(e => e.Answered == 200).Select(e => e.EventId).Distinct().Count());
            bed.Log($"subscriber received {received.Count} requests for {received.Select(e => e.EventId).Distinct().Count()} events");
        });
    }

    /// <summary>One request a <see cref="LoopbackSubscriber"/> received and what it answered.</summary>
    private sealed record ReceivedEvent(string EventId, string Type, string OrderId, string Body, bool SignatureValid, int Answered);

    /// <summary>An HTTP listener on 127.0.0.1 that checks each request's signature itself and answers <see cref="Status"/>.</summary>
    private sealed class LoopbackSubscriber : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly ConcurrentQueue<ReceivedEvent> _received = new();
        private readonly string _secret;

        public LoopbackSubscriber(string secret)
        {
            _secret = secret;
            Url = $"http://127.0.0.1:{FreePort.Next()}/events/";
            _listener.Prefixes.Add(Url);
            _listener.Start();
            _ = Task.Run(LoopAsync);
        }

        public string Url { get; }

        public volatile int Status = 200;

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try { context = await _listener.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
                using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8))
                {
                    var body = await reader.ReadToEndAsync();
                    var json = JsonDocument.Parse(body).RootElement;
                    var status = Status;
                    _received.Enqueue(new ReceivedEvent(json.GetProperty("id").GetString()!, json.GetProperty("type").GetString()!,
                        json.GetProperty("orderId").GetString()!, body, Valid(context.Request.Headers["OrderEngine-Signature"], body), status));
                    context.Response.StatusCode = status;
                }
                context.Response.Close();
            }
        }

        private bool Valid(string? header, string body)
        {
            var parts = (header ?? "").Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToList();
            var t = parts.FirstOrDefault(p => p[0] == "t")?[1];
            if (t is null || Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - long.Parse(t, CultureInfo.InvariantCulture)) > 300) return false;
            var expected = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(_secret), Encoding.UTF8.GetBytes(t + "." + body))));
            return parts.Any(p => p[0] == "v1" && CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(p[1])));
        }

        public async Task<List<ReceivedEvent>> WaitForAsync(Func<List<ReceivedEvent>, bool> condition, CancellationToken ct)
        {
            while (true)
            {
                var now = _received.ToList();
                if (condition(now)) return now;
                await Task.Delay(50, ct);
            }
        }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
        }
    }
}
