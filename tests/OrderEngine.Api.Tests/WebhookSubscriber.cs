using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using OrderEngine.Testing;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests;

/// <summary>One request the subscriber received, with whether its signature checked out (computed here, independently of the engine).</summary>
public sealed record ReceivedWebhook(string EventId, string Type, string OrderId, string HeaderEventId, string HeaderType, string Body, bool SignatureValid, int Answered)
{
    public JsonElement Data => JsonDocument.Parse(Body).RootElement.GetProperty("data");
}

/// <summary>
/// A webhook subscriber on 127.0.0.1 (HttpListener on a free port): records every request and answers what
/// <see cref="Answer"/> says (200 unless told otherwise).
/// </summary>
public sealed class WebhookSubscriber : IAsyncDisposable
{
    public const string Secret = "subscriber-secret-0123456789";

    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private readonly ConcurrentDictionary<string, int> _attempts = new();

    /// <summary>The status to answer, given the event id and how many times it arrived before (0 the first time).</summary>
    public Func<string, int, int> Answer { get; set; } = (_, _) => 200;

    public string Url { get; }

    public IReadOnlyList<ReceivedWebhook> Received => [.. _received];

    public WebhookSubscriber()
    {
        var port = FreePort.Next();
        Url = $"http://127.0.0.1:{port}/hooks/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            try
            {
                using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
                var body = await reader.ReadToEndAsync();
                var json = JsonDocument.Parse(body).RootElement;
                var eventId = json.GetProperty("id").GetString()!;
                var before = _attempts.AddOrUpdate(eventId, 1, (_, n) => n + 1) - 1;
                var status = Answer(eventId, before);
                _received.Enqueue(new ReceivedWebhook(eventId, json.GetProperty("type").GetString()!, json.GetProperty("orderId").GetString()!,
                    context.Request.Headers["OrderEngine-Event-Id"] ?? "", context.Request.Headers["OrderEngine-Event-Type"] ?? "", body,
                    SignatureValid(context.Request.Headers["OrderEngine-Signature"], body), status));
                context.Response.StatusCode = status;
            }
            catch (Exception)
            {
                context.Response.StatusCode = 400;
            }
            context.Response.Close();
        }
    }

    /// <summary>What a subscriber does: HMAC-SHA256 of "t.body" with the secret, compared in constant time, t within 5 minutes.</summary>
    public static bool SignatureValid(string? header, string body)
    {
        if (header is null) return false;
        var parts = header.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        if (!parts.TryGetValue("t", out var t) || !parts.TryGetValue("v1", out var v1)) return false;
        if (Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - long.Parse(t, CultureInfo.InvariantCulture)) > 300) return false;
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(t + "." + body)));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(v1));
    }

    /// <summary>Subscribes this listener to the event types; answers the subscription id.</summary>
    public async Task<string> SubscribeAsync(HttpClient engine, params string[] events)
    {
        using var response = await engine.PostAsJsonAsync("/api/webhooks/subscriptions", new { url = Url, events, secret = Secret, description = "test subscriber" });
        await ExpectStatus(response, HttpStatusCode.Created);
        return (await Body(response)).GetProperty("id").GetString()!;
    }

    /// <summary>Waits until the requests received satisfy the condition.</summary>
    public Task<IReadOnlyList<ReceivedWebhook>> EventuallyAsync(Func<IReadOnlyList<ReceivedWebhook>, bool> condition, string what, TimeSpan? within = null) =>
        Eventually(() => Task.FromResult(Received), condition, within ?? TimeSpan.FromSeconds(30), what);

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try { await _loop; } catch (Exception) { }
    }
}
