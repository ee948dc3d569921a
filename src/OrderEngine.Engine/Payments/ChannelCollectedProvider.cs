using OrderEngine.Domain.Orders;

namespace OrderEngine.Engine.Payments;

/// <summary>
/// The provider of payments a selling channel collected itself (a marketplace, a shop's own checkout), named
/// <c>channel:&lt;channel&gt;</c>. The money is with the channel, so the channel pays it back: a refund of such a payment
/// is recorded as pending, to be carried out at the channel, and settled when its outcome is recorded
/// (POST /api/orders/{id}/refunds/{refundId}/outcome, by an operator or by the channel's own integration).
/// </summary>
public sealed class ChannelCollectedProvider(string name) : IPaymentProvider
{
    public const string Prefix = "channel:";

    public string Name { get; } = name;

    public static bool IsChannelProvider(string name) => name.StartsWith(Prefix, StringComparison.Ordinal) && name.Length > Prefix.Length;

    public WebhookCheck Verify(Func<string, string?> header, ReadOnlySpan<byte> body, DateTimeOffset now) =>
        WebhookCheck.Fail("payments collected by a channel have no payment webhooks; the channel's orders arrive through its channel intake");

    public ProviderNotification Parse(ReadOnlySpan<byte> body) => throw new FormatException("payments collected by a channel have no payment webhooks");

    public Task<RefundResult> RefundAsync(ProviderRefund refund, CancellationToken ct) =>
        Task.FromResult(new RefundResult(RefundResultKind.Pending, null, null));
}
