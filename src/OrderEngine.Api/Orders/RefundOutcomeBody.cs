namespace OrderEngine.Api.Orders;

/// <summary>
/// The body of POST /api/orders/{id}/refunds/{refundId}/outcome: whether the selling channel paid the refund back, its
/// reference there (or why it failed), and who records it.
/// </summary>
public sealed record RefundOutcomeBody(bool? Succeeded, string? Reference, string? Reason, string? By);
