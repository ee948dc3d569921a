namespace OrderEngine.Engine.Payments;

/// <summary>
/// A payment provider (card acquirer, wallet, bank): verifies and reads its webhooks, and carries out refunds.
/// Register an implementation in DI as <see cref="IPaymentProvider"/>; its <see cref="Name"/> is the {provider} of
/// POST /api/payments/{provider}/webhook. docs/payments.md shows how a real provider plugs in.
/// </summary>
public interface IPaymentProvider
{
    string Name { get; }

    /// <summary>Checks that a webhook really comes from the provider and is fresh (a replayed old delivery is refused).</summary>
    /// <param name="header">Reads a request header by name (null when absent).</param>
    WebhookCheck Verify(Func<string, string?> header, ReadOnlySpan<byte> body, DateTimeOffset now);

    /// <summary>Reads a verified webhook body; throws <see cref="FormatException"/> naming what is wrong.</summary>
    ProviderNotification Parse(ReadOnlySpan<byte> body);

    /// <summary>Asks the provider to refund. Must be idempotent by <see cref="ProviderRefund.RefundId"/>: it is repeated after a crash.</summary>
    Task<RefundResult> RefundAsync(ProviderRefund refund, CancellationToken ct);
}

/// <summary>The result of checking a webhook's signature and age.</summary>
public sealed record WebhookCheck(bool Valid, string? Problem)
{
    public static readonly WebhookCheck Ok = new(true, null);

    public static WebhookCheck Fail(string problem) => new(false, problem);
}

/// <summary>What a provider's webhook reports.</summary>
public abstract record ProviderNotification(string EventId, string OrderId);

/// <summary>Money was captured for an order.</summary>
public sealed record PaymentCaptured(string EventId, string OrderId, string PaymentId, decimal Amount, string Currency) : ProviderNotification(EventId, OrderId);

/// <summary>A refund the provider had accepted for later is now settled.</summary>
public sealed record RefundSettled(string EventId, string OrderId, string RefundId, bool Succeeded, string? ProviderRefundId, string? FailureReason)
    : ProviderNotification(EventId, OrderId);

/// <summary>A refund to carry out: the refund id is the idempotency key at the provider.</summary>
public sealed record ProviderRefund(string OrderId, string RefundId, string PaymentReference, decimal Amount, string Currency);

public enum RefundResultKind
{
    Succeeded,
    Failed,
    /// <summary>Accepted; the outcome comes later by webhook.</summary>
    Pending,
}

/// <summary>A provider's answer to a refund request.</summary>
public sealed record RefundResult(RefundResultKind Kind, string? ProviderRefundId, string? FailureReason);
