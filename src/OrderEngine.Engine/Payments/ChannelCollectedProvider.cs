using OrderEngine.Domain.Orders;

namespace OrderEngine.Engine.Payments;

/// <summary>
/// The provider of money the engine cannot pay back itself: payments a selling channel collected (a marketplace, a
/// shop's own checkout), named <c>channel:&lt;channel&gt;</c>, and cash collected on delivery (<c>cash-on-delivery</c>).
/// A refund of such a payment is recorded as pending, to be carried out at the channel or by the merchant, and settled
/// when its outcome is recorded (POST /api/orders/{id}/refunds/{refundId}/outcome, by an operator or an integration).
/// </summary>
public sealed class ChannelCollectedProvider(string name) : IPaymentProvider
{
    public string Name { get; } = name;

    public static bool IsChannelProvider(string name) => name.Length > "channel:".Length && OrderState.IsRefundedByHand(name);

    public WebhookCheck Verify(Func<string, string?> header, ReadOnlySpan<byte> body, DateTimeOffset now) =>
        WebhookCheck.Fail("payments collected by a channel or on delivery have no payment webhooks");

    public ProviderNotification Parse(ReadOnlySpan<byte> body) => throw new FormatException("payments collected by a channel or on delivery have no payment webhooks");

    public Task<RefundResult> RefundAsync(ProviderRefund refund, CancellationToken ct) =>
        Task.FromResult(new RefundResult(RefundResultKind.Pending, null, null));
}
