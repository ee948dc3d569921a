using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using OrderEngine.Api.Http;
using OrderEngine.Domain;
using OrderEngine.Domain.Orders;
using OrderEngine.Engine.PersonalData;
using OrderEngine.Ingestion.Adapters;
using OrderEngine.Ingestion.Channels;
using OrderEngine.Ingestion.Intake;
using OrderEngine.Ingestion.Reconciliation;
using OrderEngine.Api.Security;

namespace OrderEngine.Api.Channels;

/// <summary>
/// Channel intake over HTTP: platform webhooks (Shopify, WooCommerce), bulk feeds (NDJSON or CSV, streamed), channel
/// counters, the quarantine with retry, and reconciliation against a channel's own list of orders.
/// </summary>
public static class ChannelsEndpoints
{
    /// <summary>A webhook's answer: the outcome of each order in the payload (a webhook normally carries one).</summary>
    public sealed record WebhookAnswer(IReadOnlyList<IntakeOutcome> Orders);

    /// <summary>The last line of a feed's answer: how many records had each outcome (refused: taken, but refused for stock).</summary>
    public sealed record FeedSummary(long Records, long Accepted, long Duplicates, long Quarantined, long Unavailable, string? Error = null, long Refused = 0);

    public sealed record FeedSummaryLine(FeedSummary Summary);

    public sealed record ChannelList(IReadOnlyList<ChannelStatsView> Channels);

    public sealed record QuarantineList(string Channel, IReadOnlyList<QuarantinedRecord> Records);

    public sealed record RetryRequest(string? Payload);

    public sealed record ReconcileRequest(DateTimeOffset? From, DateTimeOffset? To, List<string>? ExternalIds);

    /// <summary>The most external ids one reconciliation takes; each id the read table lacks costs an entity read.</summary>
    public const int MaxReconcileIds = 100_000;

    public static WebApplication MapChannelsApi(this WebApplication app)
    {
        var group = app.MapGroup("/api/channels").WithTags("channels").WithAccess();
        group.MapPost("/shopify/{shop}/orders", ShopifyAsync)
            .WithSummary("Shopify orders/create webhook, verified with X-Shopify-Hmac-Sha256")
            .Accepts<object>("application/json")
            .WithMetadata(new BodyLimit(o => o.MaxWebhookBodyBytes))
            .ProducesProblem(401).ProducesProblem(404).ProducesProblem(503)
            .WithName("receiveShopifyOrder")
            .AllowAnonymous() // its signature is its authentication
            .WithDescription("Shopify's orders/create webhook for a configured shop, verified with X-Shopify-Hmac-Sha256 before anything is read (401: nothing stored). Idempotent: the order id derives from (channel, external id), so a redelivery makes no second order. Places the order (reserving stock) or quarantines a record it cannot take; bodies up to 1 MiB.");
        group.MapPost("/woocommerce/{store}/orders", WooCommerceAsync)
            .WithSummary("WooCommerce order.created webhook, verified with X-WC-Webhook-Signature")
            .Accepts<object>("application/json")
            .WithMetadata(new BodyLimit(o => o.MaxWebhookBodyBytes))
            .ProducesProblem(401).ProducesProblem(404).ProducesProblem(503)
            .WithName("receiveWooCommerceOrder")
            .AllowAnonymous() // its signature is its authentication
            .WithDescription("WooCommerce's order.created webhook for a configured store, verified with X-WC-Webhook-Signature (401: nothing stored). Idempotent by (channel, external id); places the order or quarantines the record; bodies up to 1 MiB.");
        group.MapPost("/amazon/{sellerId}/orders", AmazonAsync)
            .WithSummary("An Amazon SP-API order handed over by a poller: {\"order\": getOrder, \"orderItems\": [getOrderItems pages]}")
            .Accepts<object>("application/json")
            .WithMetadata(new BodyLimit(o => o.MaxWebhookBodyBytes))
            .ProducesProblem(404).ProducesProblem(503)
            .WithName("receiveAmazonOrder")
            .WithMetadata(new Policies.ChannelOfEndpoint("amazon"))
            .WithDescription("An Amazon SP-API order handed over by a poller for a configured seller: {order, orderItems}. Idempotent by (channel, external id); places the order or quarantines the record; bodies up to 1 MiB.");
        // No Accepts metadata here: routing would answer any other media type itself, with the generic "send the body as
        // application/json"; the handler answers 415 naming the two formats a feed may have.
        group.MapPost("/{channel}/feed", FeedAsync)
            .WithSummary("A bulk feed of canonical orders (application/x-ndjson or text/csv), streamed; answers one NDJSON line per record, then a summary (?answer=streamed: as each record is taken, for clients that read while they send)")
            .WithMetadata(new BodyLimit(o => o.MaxFeedBodyBytes))
            .ProducesProblem(400).ProducesProblem(415)
            .Produces(200, contentType: "application/x-ndjson")
            .WithName("submitChannelFeed")
            .WithDescription("A bulk feed of canonical orders as application/x-ndjson or text/csv, streamed (up to 4 GiB). Answers one NDJSON line per record (accepted, duplicate, refused, quarantined, unavailable), then a summary. Idempotent per record by (channel, externalId): feeding a file twice makes no second order. A record's customerId that is an email address is replaced by its pseudonymous id (\"email:\" + a keyed digest), which its answer line's customerId shows; the email is kept nowhere.");
        group.MapGet("", ListAsync).WithSummary("Per channel: records received, accepted, duplicates, refused (for stock: no order), quarantined (bad data), last seen")
            .WithName("listChannels")
            .WithDescription("Per channel: records received, accepted, duplicates, refused for stock, quarantined and when one was last seen. Read-only.");
        group.MapGet("/{channel}/quarantine", QuarantineAsync).WithSummary("The channel's quarantined records with their reasons and raw payloads")
            .WithName("listQuarantine")
            .ProducesProblem(400)
            .WithDescription("The channel's quarantined records with their reasons and raw payloads, and who retried each last and when (retriedBy, retriedAt). Read-only. Payloads are stored sealed and shown clear here; one erased at a customer's request, or purged after the resolved retention, reads \"[erased]\".");
        group.MapPost("/{channel}/quarantine/{id}/retry", RetryAsync)
            .WithSummary("Takes a quarantined record in again, as stored or with a corrected payload")
            .WithMetadata(new BodyLimit(o => o.MaxWebhookBodyBytes))
            .ProducesProblem(404).ProducesProblem(422).ProducesProblem(503)
            .WithName("retryQuarantined")
            .ProducesProblem(400)
            .WithDescription("Takes a quarantined record in again, as stored or with a corrected payload. On success the order is placed and the record resolved; a record already resolved is 409, so is one whose payload was erased at a customer's request, one still refused 422 (it stays quarantined). Attributed to the authenticated caller (key:{name} or user:{name}): the quarantine listing shows who retried a record last and when (retriedBy, retriedAt).");
        group.MapPost("/{channel}/reconcile", ReconcileAsync)
            .WithSummary("Compares the channel's list of external order ids for a period with the orders taken in")
            .WithMetadata(new BodyLimit(o => o.MaxReconcileBodyBytes))
            .ProducesProblem(400)
            .WithName("reconcileChannel")
            .WithDescription("Compares the channel's list of external order ids for a period with the orders taken in, naming the missing and the unlisted ones. Read-only; lists up to 32 MiB.");
        return app;
    }

    private static Task<Results<Ok<WebhookAnswer>, Accepted<object>, ProblemHttpResult>> ShopifyAsync(
        string shop, HttpRequest request, IOptions<ChannelOptions> options, WebhookIntake intake, OrderRules rules, CustomerIdPseudonymizer customerIds,
        CancellationToken ct) =>
        WebhookAsync(request, intake, rules, customerIds, "shopify", shop, options.Value.Shopify, ShopifyWebhook.SignatureHeader, ShopifyWebhook.Verify,
            RecordFormats.Shopify(shop), "X-Shopify-Topic", ["orders/create"], ct);

    private static Task<Results<Ok<WebhookAnswer>, Accepted<object>, ProblemHttpResult>> WooCommerceAsync(
        string store, HttpRequest request, IOptions<ChannelOptions> options, WebhookIntake intake, OrderRules rules, CustomerIdPseudonymizer customerIds,
        CancellationToken ct) =>
        WebhookAsync(request, intake, rules, customerIds, "woocommerce", store, options.Value.WooCommerce, WooCommerceWebhook.SignatureHeader, WooCommerceWebhook.Verify,
            RecordFormats.WooCommerce(store), "X-WC-Webhook-Topic", ["order.created"], ct);

    private static async Task<Results<Ok<WebhookAnswer>, Accepted<object>, ProblemHttpResult>> AmazonAsync(
        string sellerId, HttpRequest request, IOptions<ChannelOptions> options, WebhookIntake intake, OrderRules rules, CustomerIdPseudonymizer customerIds,
        CancellationToken ct)
    {
        if (!options.Value.Amazon.ContainsKey(sellerId))
            return Problems.Of(404, "UnknownStore", "No such seller", $"no Amazon seller '{sellerId}' is configured (OrderEngine:Channels:Amazon:{sellerId})");
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var raw = await reader.ReadToEndAsync(ct);
        var format = RecordFormats.Amazon(sellerId);
        return await TakeAllAsync(request, intake, "amazon", new IntakeSource("api", format), raw, RecordFormats.Read(format, raw, rules, customerIds: customerIds));
    }

    private delegate bool Verifier(string secret, ReadOnlySpan<byte> body, string? header);

    private static async Task<Results<Ok<WebhookAnswer>, Accepted<object>, ProblemHttpResult>> WebhookAsync(
        HttpRequest request, WebhookIntake intake, OrderRules rules, CustomerIdPseudonymizer customerIds, string channel, string store, Dictionary<string, StoreOptions> stores,
        string signatureHeader, Verifier verify, string format, string topicHeader, string[] topics, CancellationToken ct)
    {
        if (!stores.TryGetValue(store, out var configured) || string.IsNullOrEmpty(configured.Secret))
            return Problems.Of(404, "UnknownStore", "No such store", $"no {channel} store '{store}' is configured (OrderEngine:Channels:{(channel == "shopify" ? "Shopify" : "WooCommerce")}:{store}:Secret)");
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, ct);
        var body = buffer.ToArray();
        if (!verify(configured.Secret, body, request.Headers[signatureHeader].ToString() is { Length: > 0 } h ? h : null))
            return Problems.Of(401, "BadSignature", "The webhook could not be verified", $"the {signatureHeader} header is missing or does not match the body; nothing was stored");
        var topic = request.Headers[topicHeader].ToString();
        if (topic.Length > 0 && !topics.Contains(topic, StringComparer.OrdinalIgnoreCase))
            return TypedResults.Accepted((string?)null, (object)new { ignored = $"topic '{topic}' is not taken in; only {string.Join(", ", topics)} places orders" });

        var raw = Encoding.UTF8.GetString(body);
        return await TakeAllAsync(request, intake, channel, new IntakeSource("webhook", format), raw, RecordFormats.Read(format, raw, rules, customerIds: customerIds));
    }

    private static async Task<Results<Ok<WebhookAnswer>, Accepted<object>, ProblemHttpResult>> TakeAllAsync(
        HttpRequest request, WebhookIntake intake, string channel, IntakeSource source, string raw, IReadOnlyList<AdapterResult> results)
    {
        var outcomes = new List<IntakeOutcome>(results.Count);
        foreach (var result in results)
        {
            var outcome = await intake.TakeAsync(new IntakeRecord(channel, source, result, result.Raw ?? raw));
            if (outcome is null || !outcome.Taken)
            {
                request.HttpContext.Response.Headers.RetryAfter = "1";
                return Problems.Of(503, "Unavailable", "Try again shortly",
                    outcome?.Reason ?? "the intake pipeline is full; redelivering the webhook is safe (a repeat is recognised)");
            }
            outcomes.Add(outcome);
        }
        return TypedResults.Ok(new WebhookAnswer(outcomes));
    }

    private static async Task FeedAsync(string channel, HttpContext http, FeedIntake feed, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json,
        [FromQuery] string? answer = null)
    {
        var response = http.Response;
        if (!Identifiers.IsValidChannel(channel))
        {
            await Problems.Validation($"'{channel}' is not a channel name", new Dictionary<string, string[]> { ["channel"] = [Identifiers.ChannelRule] }).ExecuteAsync(http);
            return;
        }
        var format = RecordFormats.OfMediaType(http.Request.ContentType);
        if (format is null)
        {
            await Problems.Of(415, "UnsupportedMediaType", "A feed is NDJSON or CSV",
                $"send the feed as application/x-ndjson (one order per line) or text/csv (one row per order line), not '{http.Request.ContentType}'").ExecuteAsync(http);
            return;
        }
        if (answer is not (null or "after-body" or "streamed"))
        {
            await Problems.Validation("answer is after-body (the default) or streamed", new Dictionary<string, string[]> { ["answer"] = ["after-body | streamed"] }).ExecuteAsync(http);
            return;
        }
        response.StatusCode = 200;
        response.ContentType = "application/x-ndjson; charset=utf-8";
        var options = json.Value.SerializerOptions;
        // Many HTTP/1.1 clients (Python's http.client, for one) read the answer only once they have sent the whole body. An
        // answer written while the body is still coming would fill the socket buffers and stop both sides, so by default the
        // outcomes wait in a temporary file until the body is read; `?answer=streamed` answers each record as it is taken,
        // for clients that read while they send (curl, the load-test tool).
        await using var spool = answer == "streamed"
            ? null
            : new FileStream(Path.GetTempFileName(), FileMode.Open, FileAccess.ReadWrite, FileShare.None, 64 * 1024, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        var output = spool ?? response.Body;
        long records = 0, accepted = 0, duplicates = 0, quarantined = 0, unavailable = 0, refused = 0;
        string? error = null;
        using var reader = new StreamReader(http.Request.Body, new UTF8Encoding(false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: true);
        try
        {
            await feed.RunAsync(channel, new IntakeSource("feed", format), reader, async batch =>
            {
                foreach (var outcome in batch)
                {
                    records++;
                    switch (outcome.Outcome)
                    {
                        case IntakeOutcomeKind.Accepted: accepted++; break;
                        case IntakeOutcomeKind.Duplicate: duplicates++; break;
                        case IntakeOutcomeKind.Quarantined: quarantined++; break;
                        case IntakeOutcomeKind.Refused: refused++; break;
                        default: unavailable++; break;
                    }
                    await JsonSerializer.SerializeAsync(output, outcome, options, http.RequestAborted);
                    await output.WriteAsync("\n"u8.ToArray(), http.RequestAborted);
                }
                await output.FlushAsync(http.RequestAborted);
            }, http.RequestAborted);
        }
        catch (FeedReadException e) when (!http.RequestAborted.IsCancellationRequested)
        {
            // The answer has begun, so a read failure (a body over the limit, bytes that are not UTF-8) ends it in the
            // summary: every record answered above was taken; the rest of the feed was not read.
            error = e.InnerException switch
            {
                DecoderFallbackException d => "the feed is not UTF-8 text: " + d.Message,
                BadHttpRequestException b => b.Message,
                _ => e.Message,
            };
        }
        catch (Exception e) when (!http.RequestAborted.IsCancellationRequested)
        {
            error = "the feed stopped: " + e.GetBaseException().Message;
        }
        if (http.RequestAborted.IsCancellationRequested) return;
        if (spool is not null)
        {
            spool.Position = 0;
            await spool.CopyToAsync(response.Body, http.RequestAborted);
        }
        await JsonSerializer.SerializeAsync(response.Body, new FeedSummaryLine(new FeedSummary(records, accepted, duplicates, quarantined, unavailable, error, refused)), options);
        await response.Body.WriteAsync("\n"u8.ToArray());
    }

    private static async Task<Ok<ChannelList>> ListAsync(ChannelStats stats, CancellationToken ct) =>
        TypedResults.Ok(new ChannelList(await stats.ReadAsync(ct)));

    private static async Task<Results<Ok<QuarantineList>, ProblemHttpResult>> QuarantineAsync(
        string channel, QuarantineStore quarantine, CancellationToken ct, [FromQuery] bool includeResolved = false, [FromQuery] int limit = 100)
    {
        if (!Identifiers.IsValidChannel(channel))
            return Problems.Validation($"'{channel}' is not a channel name", new Dictionary<string, string[]> { ["channel"] = [Identifiers.ChannelRule] });
        if (limit is < 1 or > 1000)
            return Problems.Validation("limit is out of range", new Dictionary<string, string[]> { ["limit"] = ["1-1000"] });
        return TypedResults.Ok(new QuarantineList(channel, await quarantine.ListAsync(channel, includeResolved, limit, ct)));
    }

    private static async Task<Results<Ok<IntakeOutcome>, ProblemHttpResult>> RetryAsync(
        string channel, string id, [FromBody] RetryRequest? body, QuarantineRetry retry, HttpResponse response, ClaimsPrincipal user, CancellationToken ct) =>
        await retry.RetryAsync(channel, id, body?.Payload, user.Actor(), ct) switch
        {
            QuarantineRetryResult.NotFound => Problems.Of(404, "NotFound", "No such quarantined record", $"channel {channel} has no quarantined record {id}"),
            QuarantineRetryResult.AlreadyResolved r => Problems.Of(409, "AlreadyResolved", "The record was already taken in", $"record {id} was resolved at {r.ResolvedAt:O}"),
            QuarantineRetryResult.Erased => Problems.Of(409, "PayloadErased", "The record's personal data was erased",
                $"record {id} was erased at a customer's request; it is not taken in again"),
            QuarantineRetryResult.UnknownFormat f => Problems.Of(422, "UnknownFormat", "The record cannot be read again", $"record {id} came in as '{f.Format}', which this node does not read"),
            QuarantineRetryResult.NotOneRecord n => Problems.Of(422, "NotOneRecord", "A retry takes exactly one record", $"the payload holds {n.Count} records"),
            QuarantineRetryResult.Taken { Outcome: var outcome } => outcome.Outcome switch
            {
                IntakeOutcomeKind.Accepted or IntakeOutcomeKind.Duplicate => TypedResults.Ok(outcome),
                IntakeOutcomeKind.Unavailable => RetryLater(response, outcome.Reason ?? "the engine did not answer in time"),
                IntakeOutcomeKind.Refused => Problems.Of(409, "LinesNotReserved", "The order was refused for stock",
                    outcome.Reason ?? "", new Dictionary<string, object?> { ["quarantineId"] = id }),
                _ => Problems.Of(422, "StillRefused", "The record is still refused", outcome.Reason ?? "", new Dictionary<string, object?> { ["quarantineId"] = id }),
            },
            var other => throw new InvalidOperationException($"unhandled retry result {other}"),
        };

    private static ProblemHttpResult RetryLater(HttpResponse response, string detail)
    {
        response.Headers.RetryAfter = "1";
        return Problems.Unavailable(detail);
    }

    private static async Task<Results<Ok<ReconciliationReport>, ProblemHttpResult>> ReconcileAsync(
        string channel, [FromBody] ReconcileRequest body, ChannelReconciliation reconciliation, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (!Identifiers.IsValidChannel(channel)) errors["channel"] = [Identifiers.ChannelRule];
        if (body.From is null) errors["from"] = ["required: the start of the period (inclusive), e.g. 2026-11-01T00:00:00Z"];
        if (body.To is null) errors["to"] = ["required: the end of the period (exclusive)"];
        if (body.From is { } f && body.To is { } t && t <= f) errors["to"] = ["must be after from"];
        if (body.ExternalIds is null) errors["externalIds"] = ["required: the channel's order ids for the period (may be empty)"];
        else if (body.ExternalIds.Count > MaxReconcileIds) errors["externalIds"] = [$"at most {MaxReconcileIds} ids per request: reconcile a shorter period"];
        else if (body.ExternalIds.Any(string.IsNullOrWhiteSpace)) errors["externalIds"] = ["ids must not be empty"];
        if (errors.Count > 0) return Problems.Validation("the reconciliation request is invalid", errors);
        return TypedResults.Ok(await reconciliation.ReconcileAsync(channel, body.From!.Value, body.To!.Value, body.ExternalIds!, ct));
    }
}
