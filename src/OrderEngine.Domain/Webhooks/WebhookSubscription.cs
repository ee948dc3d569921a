using System.Collections.Immutable;
using OrderEngine.Domain.Orders;

namespace OrderEngine.Domain.Webhooks;

/// <summary>A request to subscribe <paramref name="Url"/> to some event types, signed with <paramref name="Secret"/>.</summary>
public sealed record SubscribeWebhook(string? Url, IReadOnlyList<string?>? Events, string? Secret, string? Description);

/// <summary>A valid subscription request: absolute http(s) URL, known event types (deduplicated, in the order given).</summary>
public sealed record WebhookSubscriptionSpec(Uri Url, ImmutableArray<string> Events, string Secret, string? Description);

/// <summary>The rules of a webhook subscription.</summary>
public static class WebhookSubscriptions
{
    public const int MinSecretLength = 16;
    public const int MaxSecretLength = 256;
    public const int MaxUrlLength = 2048;
    public const int MaxDescriptionLength = 200;

    /// <summary>The field errors of a request (empty when it is valid), and the valid spec when there are none.</summary>
    public static (ImmutableArray<FieldError> Errors, WebhookSubscriptionSpec? Spec) Validate(SubscribeWebhook request)
    {
        var errors = ImmutableArray.CreateBuilder<FieldError>();
        Uri? url = null;
        if (string.IsNullOrWhiteSpace(request.Url)) errors.Add(new("url", "url is required"));
        else if (request.Url.Length > MaxUrlLength) errors.Add(new("url", $"url is longer than {MaxUrlLength} characters"));
        else if (!Uri.TryCreate(request.Url, UriKind.Absolute, out url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            errors.Add(new("url", "url must be an absolute http or https URL"));
        else if (url.UserInfo.Length > 0) errors.Add(new("url", "url must not carry credentials; the secret signs each delivery"));
        else if (url.Fragment.Length > 0) errors.Add(new("url", "url must not have a fragment"));

        var events = ImmutableArray.CreateBuilder<string>();
        if (request.Events is null || request.Events.Count == 0) errors.Add(new("events", $"events must list at least one of: {string.Join(", ", OutboundEventTypes.All)}"));
        else
        {
            var unknown = request.Events.Where(e => e is null || !OutboundEventTypes.IsKnown(e)).Select(e => e ?? "null").ToList();
            if (unknown.Count > 0) errors.Add(new("events", $"unknown event types: {string.Join(", ", unknown)}; known: {string.Join(", ", OutboundEventTypes.All)}"));
            else foreach (var e in request.Events) if (!events.Contains(e!)) events.Add(e!);
        }

        if (string.IsNullOrEmpty(request.Secret)) errors.Add(new("secret", "secret is required"));
        else if (request.Secret.Length < MinSecretLength || request.Secret.Length > MaxSecretLength)
            errors.Add(new("secret", $"secret must be {MinSecretLength} to {MaxSecretLength} characters"));
        else if (request.Secret.Any(char.IsControl)) errors.Add(new("secret", "secret must not contain control characters"));

        if (request.Description is { Length: > MaxDescriptionLength }) errors.Add(new("description", $"description is longer than {MaxDescriptionLength} characters"));

        return errors.Count > 0
            ? (errors.ToImmutable(), null)
            : (ImmutableArray<FieldError>.Empty, new WebhookSubscriptionSpec(url!, events.ToImmutable(), request.Secret!, string.IsNullOrWhiteSpace(request.Description) ? null : request.Description));
    }
}
