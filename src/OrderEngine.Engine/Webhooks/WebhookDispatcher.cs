using System.Net.Http.Headers;
using System.Text;
using Akka.Actor;
using Akka.Event;
using OrderEngine.Domain.Webhooks;

namespace OrderEngine.Engine.Webhooks;

/// <summary>
/// Sends the outbox's due deliveries: a round every poll interval (at once again after a full batch), at most
/// <see cref="WebhookOptions.Concurrency"/> requests at a time, each with the send timeout. A 2xx answer marks the delivery
/// delivered; anything else schedules the next attempt by the retry policy, or dead-letters it. One round runs at a time,
/// off the actor's thread (PipeTo), so the actor never blocks.
/// </summary>
public sealed class WebhookDispatcher : ReceiveActor, IWithTimers
{
    /// <summary>The named HttpClient the dispatcher sends with (no redirects followed: a 3xx is a failed attempt).</summary>
    public const string HttpClientName = "orderengine-webhooks";

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed record RoundDone(int Sent, bool Full, Exception? Failure);

    private readonly WebhookStore _store;
    private readonly IHttpClientFactory _http;
    private readonly WebhookOptions _options;
    private readonly WebhookDeliveryPolicy _policy;
    private readonly TimeProvider _clock;
    private readonly Random _random;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public ITimerScheduler Timers { get; set; } = null!;

    public WebhookDispatcher(WebhookStore store, IHttpClientFactory http, WebhookOptions options, TimeProvider clock, Random random)
    {
        (_store, _http, _options, _policy, _clock, _random) = (store, http, options, options.ToPolicy(), clock, random);
        var running = false;
        Receive<Tick>(_ =>
        {
            if (running) return;
            running = true;
            RunRoundAsync().PipeTo(Self, success: r => r, failure: e => new RoundDone(0, false, e));
        });
        Receive<RoundDone>(done =>
        {
            running = false;
            if (done.Failure is not null) _log.Warning(done.Failure, "webhook dispatch round failed; retrying after the poll interval");
            if (done.Full && done.Failure is null) Self.Tell(Tick.Instance);
            else Timers.StartSingleTimer("tick", Tick.Instance, _options.PollInterval);
        });
    }

    public static Props Props(WebhookStore store, IHttpClientFactory http, WebhookOptions options, TimeProvider clock, Random random) =>
        Akka.Actor.Props.Create(() => new WebhookDispatcher(store, http, options, clock, random));

    protected override void PreStart() => Timers.StartSingleTimer("tick", Tick.Instance, _options.PollInterval);

    private int BatchSize => _options.Concurrency * 4;

    private async Task<RoundDone> RunRoundAsync()
    {
        var due = await _store.DueAsync(_clock.GetUtcNow(), BatchSize, CancellationToken.None);
        if (due.Count == 0) return new RoundDone(0, false, null);
        var client = _http.CreateClient(HttpClientName);
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = _options.Concurrency }, async (delivery, ct) =>
        {
            var error = await SendAsync(client, delivery);
            var attempts = delivery.Attempts + 1;
            var now = _clock.GetUtcNow();
            if (error is null) await _store.MarkDeliveredAsync(delivery.Id, attempts, now, ct);
            else
            {
                double jitter;
                lock (_random) jitter = _random.NextDouble();
                var step = _policy.AfterFailure(attempts, now, jitter);
                if (step is DeliveryStep.DeadLetter) _log.Warning("webhook delivery {0} ({1}) dead after {2} attempts: {3}", delivery.Id, delivery.EventType, attempts, error);
                await _store.MarkFailedAsync(delivery.Id, attempts, error, step, now, ct);
            }
        });
        return new RoundDone(due.Count, due.Count == BatchSize, null);
    }

    /// <summary>One attempt: null when the subscriber answered 2xx, else why not.</summary>
    private async Task<string?> SendAsync(HttpClient client, DueDelivery delivery)
    {
        using var timeout = new CancellationTokenSource(_options.SendTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url)
            {
                Content = new StringContent(delivery.Body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
            };
            request.Headers.TryAddWithoutValidation(WebhookSignature.Header, WebhookSignature.Sign(delivery.Secret, _clock.GetUtcNow().ToUnixTimeSeconds(), delivery.Body));
            request.Headers.TryAddWithoutValidation(WebhookSignature.EventIdHeader, delivery.EventId);
            request.Headers.TryAddWithoutValidation(WebhookSignature.EventTypeHeader, delivery.EventType);
            request.Headers.UserAgent.ParseAdd("OrderEngine-Webhooks/1");
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            return response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd();
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return $"no answer within {_options.SendTimeout.TotalSeconds:0.###} s";
        }
        catch (HttpRequestException e)
        {
            return $"request failed: {e.Message}";
        }
        catch (Exception e) when (e is InvalidOperationException or UriFormatException)
        {
            return $"request failed: {e.Message}";
        }
    }
}
