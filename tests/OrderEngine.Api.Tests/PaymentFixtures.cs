namespace OrderEngine.Api.Tests;

/// <summary>An engine with the sandbox payment provider on (webhooks signed with <see cref="Webhooks.Secret"/>), refunds succeeding.</summary>
public class SandboxEngineFixture : EngineFixture
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(Sandbox("Succeeded"));

    /// <summary>The sandbox settings every payment fixture starts from.</summary>
    protected static IEnumerable<KeyValuePair<string, string>> Sandbox(string refundMode) =>
    [
        new("OrderEngine:Payments:Sandbox:Secret", Webhooks.Secret),
        new("OrderEngine:Payments:Sandbox:RefundMode", refundMode),
        new("OrderEngine:Payments:SignatureTolerance", Webhooks.Tolerance.ToString("c")),
    ];
}

/// <summary>The sandbox provider with orders holding their stock for two seconds only, to pay an order that expired.</summary>
public sealed class SandboxShortHoldEngineFixture : SandboxEngineFixture
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(Sandbox("Succeeded"))
    {
        ["OrderEngine:Orders:HoldTime"] = "00:00:02",
    };
}

/// <summary>The sandbox provider with OnAnomaly=Hold: a payment that does not fit a live order holds it for review instead of refunding.</summary>
public sealed class AnomalyHoldEngineFixture : SandboxEngineFixture
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(Sandbox("Succeeded"))
    {
        ["OrderEngine:Payments:OnAnomaly"] = "Hold",
    };
}

/// <summary>The sandbox provider answering every refund "failed".</summary>
public sealed class FailingRefundsEngineFixture : SandboxEngineFixture
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(Sandbox("Failed"));
}

/// <summary>The sandbox provider answering every refund "pending": the outcome comes later by a refund webhook.</summary>
public sealed class PendingRefundsEngineFixture : SandboxEngineFixture
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(Sandbox("Pending"));
}

/// <summary>
/// The automatic review on: orders above 1000 EUR, to a country other than DE or FR, with an incomplete address, from
/// <see cref="BlockedCustomer"/> or <see cref="OtherBlockedCustomer"/>, or a customer's third order within an hour are held. The sandbox provider is on too.
/// </summary>
public sealed class ReviewEngineFixture : SandboxEngineFixture
{
    public const string BlockedCustomer = "blocked-customer";
    public const string OtherBlockedCustomer = "blocked-customer-2";
    public const decimal Threshold = 1000m;
    public const int MaxOrdersPerCustomer = 2;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(Sandbox("Succeeded"))
    {
        ["OrderEngine:Review:HoldAboveTotal:EUR"] = "1000",
        ["OrderEngine:Review:ServedCountries:0"] = "DE",
        ["OrderEngine:Review:ServedCountries:1"] = "FR",
        ["OrderEngine:Review:RequireCompleteAddress"] = "true",
        ["OrderEngine:Review:BlockedCustomers:0"] = BlockedCustomer,
        ["OrderEngine:Review:BlockedCustomers:1"] = OtherBlockedCustomer,
        ["OrderEngine:Review:MaxOrdersPerCustomer"] = "2",
        ["OrderEngine:Review:OrdersWindow"] = "01:00:00",
        ["OrderEngine:Review:ReviewWithin"] = "01:00:00",
    };
}

/// <summary>The sandbox provider and one review rule (a blocked customer), so a timeline can show provider, system and operator events.</summary>
public sealed class TimelineEngineFixture : SandboxEngineFixture
{
    public const string BlockedCustomer = "held-customer";

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(Sandbox("Succeeded"))
    {
        ["OrderEngine:Review:BlockedCustomers:0"] = BlockedCustomer,
    };
}
