namespace OrderEngine.Ingestion.Channels;

/// <summary>Channel intake settings, bound from "OrderEngine:Channels".</summary>
public sealed class ChannelOptions
{
    public const string Section = "OrderEngine:Channels";

    /// <summary>Records of one feed, queue or the webhooks in flight at once (each waits for its order entity).</summary>
    public int Parallelism { get; set; } = 64;

    /// <summary>Webhook records waiting for a slot; past it a webhook is answered 503 with Retry-After (the channel redelivers).</summary>
    public int WebhookQueueSize { get; set; } = 1024;

    /// <summary>Shopify shops by domain (e.g. "jsmith.myshopify.com"), each with its webhook secret.</summary>
    public Dictionary<string, StoreOptions> Shopify { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>WooCommerce stores by name, each with its webhook secret.</summary>
    public Dictionary<string, StoreOptions> WooCommerce { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Amazon seller ids whose orders may be handed over at POST /api/channels/amazon/{sellerId}/orders (values: no settings yet).</summary>
    public Dictionary<string, StoreOptions> Amazon { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// How long a quarantined record resolved by a retry keeps its payload (the order holds the data since, sealed);
    /// after it the payload is purged: overwritten, its key destroyed. Zero: at once. Unresolved records are never purged
    /// by time. Default 7 days.
    /// </summary>
    public TimeSpan QuarantineResolvedRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often each node looks for resolved records past their retention and for payloads an earlier version stored in clear.</summary>
    public TimeSpan QuarantineSweepInterval { get; set; } = TimeSpan.FromMinutes(10);

    public InboxOptions Inbox { get; set; } = new();

    public RabbitMqOptions RabbitMq { get; set; } = new();
}

/// <summary>One shop of a platform channel.</summary>
public sealed class StoreOptions
{
    /// <summary>The secret the platform signs its webhooks with (Shopify: the app's client secret; WooCommerce: the webhook's secret).</summary>
    public string Secret { get; set; } = "";
}

/// <summary>
/// A folder other systems drop feed files into: <c>{Path}/{channel}/*.ndjson|*.jsonl|*.csv</c>. A file is moved to
/// <c>{Path}/.processing</c> while it is fed, then to <c>{Path}/.done</c> with a <c>.results.ndjson</c> beside it.
/// </summary>
public sealed class InboxOptions
{
    /// <summary>The inbox folder; empty (the default) turns the watcher off.</summary>
    public string Path { get; set; } = "";

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Keep a fed file in <c>.done</c> after every record of it was taken. False (the default): the file is deleted and
    /// only its <c>.results.ndjson</c> is kept, since the journal and the quarantine hold its records, sealed; a kept
    /// file is personal data in clear, the operator's to purge.
    /// </summary>
    public bool KeepFedFiles { get; set; }

    /// <summary>
    /// How long a file that could not be read on stays in <c>.failed</c> (it holds the records after the bad bytes, never
    /// taken in, for the operator to fix and drop again); after it the file is deleted, its <c>.error.txt</c> and
    /// results stay. Zero: at once. Default 30 days.
    /// </summary>
    public TimeSpan FailedFileRetention { get; set; } = TimeSpan.FromDays(30);
}

/// <summary>RabbitMQ intake: one consumer per configured queue.</summary>
public sealed class RabbitMqOptions
{
    /// <summary>The broker, e.g. <c>amqp://user:pass@127.0.0.1:5672/</c>; empty turns RabbitMQ intake off.</summary>
    public string Uri { get; set; } = "";

    /// <summary>Messages delivered but not yet acknowledged, per queue: the consumer's back-pressure towards the broker.</summary>
    public ushort Prefetch { get; set; } = 64;

    public List<QueueOptions> Queues { get; set; } = [];
}

/// <summary>A queue to consume: the channel its orders belong to and the format of a message body.</summary>
public sealed class QueueOptions
{
    public string Queue { get; set; } = "";

    public string Channel { get; set; } = "";

    /// <summary><c>ndjson</c> (one canonical order per message), <c>shopify:{shop}</c> or <c>woocommerce:{store}</c>.</summary>
    public string Format { get; set; } = "ndjson";
}
