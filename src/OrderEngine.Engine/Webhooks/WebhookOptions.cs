using OrderEngine.Domain.Webhooks;

namespace OrderEngine.Engine.Webhooks;

/// <summary>Outbound webhook delivery settings, bound from "OrderEngine:Webhooks" and checked when the node starts.</summary>
public sealed class WebhookOptions
{
    /// <summary>Attempts per delivery (the first included) before it goes to the dead-letter list.</summary>
    public int MaxAttempts { get; set; } = 15;

    /// <summary>Delay after the first failed attempt; it doubles after each further one (half of it jittered).</summary>
    public TimeSpan BackoffBase { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest delay between two attempts.</summary>
    public TimeSpan BackoffMax { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long one attempt waits for the subscriber's answer before it counts as failed.</summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>At most this many deliveries are sent at the same time (per cluster: the dispatcher is a singleton).</summary>
    public int Concurrency { get; set; } = 8;

    /// <summary>How often the outbox is looked at for due deliveries when the last look found less than a full batch.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    public WebhookDeliveryPolicy ToPolicy() => new(MaxAttempts, BackoffBase, BackoffMax);

    /// <summary>What is wrong with these settings (empty when nothing), named as configured.</summary>
    public IReadOnlyList<string> Errors()
    {
        const string at = "OrderEngine:Webhooks:";
        var errors = new List<string>();
        if (MaxAttempts is < 1 or > 100) errors.Add($"{at}MaxAttempts must be 1 to 100 (is {MaxAttempts})");
        if (BackoffBase <= TimeSpan.Zero) errors.Add($"{at}BackoffBase must be positive (is {BackoffBase})");
        if (BackoffMax < BackoffBase) errors.Add($"{at}BackoffMax must be at least BackoffBase (is {BackoffMax})");
        if (SendTimeout <= TimeSpan.Zero || SendTimeout > TimeSpan.FromMinutes(5)) errors.Add($"{at}SendTimeout must be above 0 and at most 5 minutes (is {SendTimeout})");
        if (Concurrency is < 1 or > 256) errors.Add($"{at}Concurrency must be 1 to 256 (is {Concurrency})");
        if (PollInterval < TimeSpan.FromMilliseconds(10) || PollInterval > TimeSpan.FromMinutes(10)) errors.Add($"{at}PollInterval must be 10 ms to 10 minutes (is {PollInterval})");
        return errors;
    }
}
