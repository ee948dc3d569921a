namespace OrderEngine.Engine.Database;

/// <summary>How this node watches its database and answers while it is away (section <c>OrderEngine:Database</c>).</summary>
public sealed class DatabaseOptions
{
    /// <summary>How often the monitor probes the database (a fresh connection and <c>SELECT 1</c>).</summary>
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>A probe that has not answered within this time counts as a failure (so the readiness check never hangs).</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The <c>Retry-After</c> given with a 503 while the database is away (whole seconds, at least 1).</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a read that may be served from memory (an entity already awake) waits while the database is away, instead
    /// of the full ask timeout: an entity that must recover from the journal cannot answer then.
    /// </summary>
    public TimeSpan AskTimeoutWhileUnavailable { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Circuit breakers of the journals and the snapshot store wait this long before they try the database again.</summary>
    public TimeSpan BreakerResetTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The <c>Retry-After</c> header value: whole seconds, at least 1.</summary>
    public string RetryAfterHeader => Math.Max(1, (int)Math.Ceiling(RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
