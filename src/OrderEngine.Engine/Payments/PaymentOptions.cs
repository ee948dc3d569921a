using OrderEngine.Domain.Payments;

namespace OrderEngine.Engine.Payments;

/// <summary>Payment settings, bound from "OrderEngine:Payments".</summary>
public sealed class PaymentOptions
{
    public const string Section = "OrderEngine:Payments";

    /// <summary>What to do with a captured payment that does not fit its order.</summary>
    public AnomalyPolicy OnAnomaly { get; set; } = AnomalyPolicy.Refund;

    /// <summary>How old a webhook's timestamp may be (either way) before it is refused as a possible replay.</summary>
    public TimeSpan SignatureTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The sandbox provider; it is registered when its secret is set.</summary>
    public SandboxOptions Sandbox { get; set; } = new();
}

/// <summary>Settings of the sandbox provider.</summary>
public sealed class SandboxOptions
{
    /// <summary>The shared secret webhooks are signed with (HMAC-SHA256). Empty: the sandbox provider is off.</summary>
    public string Secret { get; set; } = "";

    /// <summary>How the sandbox answers refunds: Succeed, Fail, or Pending (settled later by a refund webhook).</summary>
    public RefundResultKind RefundMode { get; set; } = RefundResultKind.Succeeded;
}
