using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

using OrderEngine.Domain;

namespace OrderEngine.Engine.Payments;

/// <summary>
/// A provider shaped like the real ones, for trying OrderEngine out and for tests. Webhooks carry the header
/// <c>Sandbox-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256(secret, t + "." + raw body)&gt;</c> and a JSON body
/// <c>{"id": "evt_…", "type": "payment.captured" | "refund.succeeded" | "refund.failed", "data": {…}}</c>; money is a
/// decimal string. Refunds are answered per <see cref="SandboxOptions.RefundMode"/> without leaving the process.
/// </summary>
public sealed class SandboxProvider(SandboxOptions options, TimeSpan tolerance) : IPaymentProvider
{
    public const string ProviderName = "sandbox";
    public const string SignatureHeader = "Sandbox-Signature";

    private readonly byte[] _secret = Encoding.UTF8.GetBytes(options.Secret);

    public string Name => ProviderName;

    public WebhookCheck Verify(Func<string, string?> header, ReadOnlySpan<byte> body, DateTimeOffset now) =>
        TimestampedHmac.Problem(SignatureHeader, header(SignatureHeader), body, _secret, now, tolerance) is { } problem
            ? WebhookCheck.Fail(problem)
            : WebhookCheck.Ok;

    /// <summary>The v1 signature of a body sent at unix time <paramref name="timestamp"/>.</summary>
    public byte[] Sign(string timestamp, ReadOnlySpan<byte> body) => TimestampedHmac.Sign(_secret, timestamp, body);

    /// <summary>A complete header value for a body (what the sandbox would send).</summary>
    public string SignatureFor(ReadOnlySpan<byte> body, DateTimeOffset at) => TimestampedHmac.HeaderFor(_secret, body, at);

    public ProviderNotification Parse(ReadOnlySpan<byte> body)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(body.ToArray()); }
        catch (JsonException e) { throw new FormatException("the body is not JSON: " + e.Message, e); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new FormatException("the body must be a JSON object");
            var id = Text(root, "id");
            var type = Text(root, "type");
            if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object) throw new FormatException("data is missing");
            var orderId = Text(data, "orderId");
            return type switch
            {
                "payment.captured" => new PaymentCaptured(id, orderId, Text(data, "paymentId"), Money(data, "amount"), Text(data, "currency")),
                "refund.succeeded" => new RefundSettled(id, orderId, Text(data, "refundId"), true, OptionalText(data, "providerRefundId"), null),
                "refund.failed" => new RefundSettled(id, orderId, Text(data, "refundId"), false, null, OptionalText(data, "reason")),
                _ => throw new FormatException($"unknown event type '{type}'"),
            };
        }
    }

    public Task<RefundResult> RefundAsync(ProviderRefund refund, CancellationToken ct) => Task.FromResult(options.RefundMode switch
    {
        RefundResultKind.Succeeded => new RefundResult(RefundResultKind.Succeeded, "re_" + refund.RefundId, null),
        RefundResultKind.Failed => new RefundResult(RefundResultKind.Failed, null, "the sandbox is set to refuse refunds"),
        _ => new RefundResult(RefundResultKind.Pending, null, null),
    });

    private static string Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(v.GetString())
            ? v.GetString()!
            : throw new FormatException($"{name} is missing or not a string");

    private static string? OptionalText(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static decimal Money(JsonElement e, string name)
    {
        var text = Text(e, name);
        return decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount)
            ? amount
            : throw new FormatException($"{name} must be a decimal string such as \"19.98\"");
    }
}

/// <summary>
/// The provider of payments an operator confirmed by hand (bank transfer seen on the statement, cash at a store): its
/// refunds are settled out of band by the operator, so they succeed at once. It has no webhooks.
/// </summary>
public sealed class ManualProvider : IPaymentProvider
{
    public const string ProviderName = "manual";

    public string Name => ProviderName;

    public WebhookCheck Verify(Func<string, string?> header, ReadOnlySpan<byte> body, DateTimeOffset now) =>
        WebhookCheck.Fail("manual payments have no webhooks");

    public ProviderNotification Parse(ReadOnlySpan<byte> body) => throw new FormatException("manual payments have no webhooks");

    public Task<RefundResult> RefundAsync(ProviderRefund refund, CancellationToken ct) =>
        Task.FromResult(new RefundResult(RefundResultKind.Succeeded, null, null));
}

/// <summary>The configured providers by name.</summary>
public sealed class PaymentProviders(IEnumerable<IPaymentProvider> providers)
{
    private readonly Dictionary<string, IPaymentProvider> _byName = providers.ToDictionary(p => p.Name, StringComparer.Ordinal);

    /// <summary>A configured provider by name; <c>channel:&lt;channel&gt;</c> names the channel that collected a payment itself.</summary>
    public IPaymentProvider? Find(string name) =>
        _byName.GetValueOrDefault(name) ?? (ChannelCollectedProvider.IsChannelProvider(name) ? new ChannelCollectedProvider(name) : null);

    public IReadOnlyCollection<string> Names => _byName.Keys;
}
