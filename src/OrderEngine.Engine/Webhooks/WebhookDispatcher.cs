using System.Net.Http.Headers;
using System.Text;
using Akka.Actor;
using Akka.Event;
using OrderEngine.Domain.Webhooks;

namespace OrderEngine.Engine.Webhooks;

/// <summary>
/// Sends the outbox's due deliveries, at most <see cref="WebhookOptions.Concurrency"/> at a time, each with the send
/// timeout. A 2xx answer marks the delivery delivered; anything else schedules the next attempt by the retry policy, or
/// dead-letters it. Each attempt holds one slot until its outcome is written, and a freed slot is filled at once while
/// deliveries are waiting, so one slow subscriber holds one slot rather than the whole dispatcher. The outbox is looked
/// at every poll interval; I/O runs off the actor's thread (PipeTo), so the actor never blocks.
/// </summary>
public sealed class WebhookDispatcher : ReceiveActor, IWithTimers
{
    /// <summary>The named HttpClient the dispatcher sends with (no redirects followed: a 3xx is a failed attempt).</summary>
    public const string HttpClientName = "orderengine-webhooks";

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed record Due(IReadOnlyList<DueDelivery> Deliveries, int Asked);

    private sealed record LookFailed(Exception Cause);

    private sealed record Attempted(string Id, Exception? Failure);

    private readonly WebhookStore _store;
    private readonly IHttpClientFactory _http;
    private readonly WebhookOptions _options;
    private readonly WebhookDeliveryPolicy _policy;
    private readonly TimeProvider _clock;
    private readonly Random _random;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<string> _inFlight = new(StringComparer.Ordinal);
    // Deliveries whose outcome was written while a look was out: that look's answer may still list them as pending.
    private readonly HashSet<string> _settledDuringLook = new(StringComparer.Ordinal);
    private bool _looking;
    private bool _backlog;

    public ITimerScheduler Timers { get; set; } = null!;

    public WebhookDispatcher(WebhookStore store, IHttpClientFactory http, WebhookOptions options, TimeProvider clock, Random random)
    {
        (_store, _http, _options, _policy, _clock, _random) = (store, http, options, options.ToPolicy(), clock, random);
        Receive<Tick>(_ => Look());
        Receive<Due>(OnDue);
        Receive<LookFailed>(f =>
        {
            _looking = false;
            _log.Warning(f.Cause, "looking up due webhook deliveries failed; trying again after the poll interval");
        });
        Receive<Attempted>(a =>
        {
            _inFlight.Remove(a.Id);
            if (_looking) _settledDuringLook.Add(a.Id);
            // The delivery stays pending with its attempts as they were: it is sent again (at least once, never lost).
            if (a.Failure is not null) _log.Warning(a.Failure, "recording the outcome of webhook delivery {0} failed", a.Id);
            if (_backlog) Look();
        });
    }

    public static Props Props(WebhookStore store, IHttpClientFactory http, WebhookOptions options, TimeProvider clock, Random random) =>
        Akka.Actor.Props.Create(() => new WebhookDispatcher(store, http, options, clock, random));

    protected override void PreStart() => Timers.StartPeriodicTimer("tick", Tick.Instance, _options.PollInterval);

    private void Look()
    {
        var free = _options.Concurrency - _inFlight.Count;
        if (_looking || free <= 0) return;
        _looking = true;
        // An outcome written before this look is in what it reads; only those written while it is out can be stale.
        _settledDuringLook.Clear();
        // Deliveries in flight are still pending in the table, so ask for enough to fill the free slots past them.
        var asked = free + _inFlight.Count;
        _store.DueAsync(_clock.GetUtcNow(), asked, CancellationToken.None)
            .PipeTo(Self, success: due => new Due(due, asked), failure: e => new LookFailed(e));
    }

    private void OnDue(Due due)
    {
        _looking = false;
        var started = 0;
        foreach (var delivery in due.Deliveries)
        {
            if (_inFlight.Count >= _options.Concurrency) break;
            // Sent and settled while this answer was on its way: the row read as pending is already out of date.
            if (_settledDuringLook.Contains(delivery.Id)) continue;
            if (!_inFlight.Add(delivery.Id)) continue;
            started++;
            AttemptAsync(delivery).PipeTo(Self, success: () => new Attempted(delivery.Id, null), failure: e => new Attempted(delivery.Id, e));
        }
        // A full answer means more may be waiting: look again as soon as a slot frees instead of after the poll interval.
        _backlog = due.Deliveries.Count == due.Asked && started > 0;
    }

    /// <summary>Sends one delivery and writes what came of it.</summary>
    private async Task AttemptAsync(DueDelivery delivery)
    {
        var error = await SendAsync(_http.CreateClient(HttpClientName), delivery);
        var attempts = delivery.Attempts + 1;
        var now = _clock.GetUtcNow();
        if (error is null)
        {
            await _store.MarkDeliveredAsync(delivery.Id, attempts, now, CancellationToken.None);
            return;
        }
        double jitter;
        lock (_random) jitter = _random.NextDouble();
        var step = _policy.AfterFailure(attempts, now, jitter);
        if (step is DeliveryStep.DeadLetter)
            _log.Warning("webhook delivery {0} ({1}) dead-lettered after {2} attempts: {3}", delivery.Id, delivery.EventType, attempts, error);
        await _store.MarkFailedAsync(delivery.Id, attempts, error, step, now, CancellationToken.None);
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
