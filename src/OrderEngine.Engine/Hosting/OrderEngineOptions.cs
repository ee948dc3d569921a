using System.Collections.Immutable;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Cases;
using OrderEngine.Engine.Payments;

namespace OrderEngine.Engine.Hosting;

/// <summary>Where the journal lives.</summary>
public enum PersistenceProvider
{
    Sqlite,
    PostgreSql,
}

/// <summary>Which write journal stores the events (both write the same tables in the same row format).</summary>
public enum JournalKind
{
    /// <summary>OrderEngine's batching journal (<see cref="Journal.BatchingJournal"/>): group commit across entities, batched recovery lookups.</summary>
    OrderEngine,

    /// <summary>Akka.Persistence.Sql's own write journal, kept to compare against.</summary>
    AkkaPersistenceSql,
}

/// <summary>The engine's configuration, bound from the "OrderEngine" section (environment: OrderEngine__Orders__HoldTime).</summary>
public sealed class OrderEngineOptions
{
    public const string Section = "OrderEngine";

    public PersistenceOptions Persistence { get; set; } = new();
    public OrdersOptions Orders { get; set; } = new();
    public StockOptions Stock { get; set; } = new();
    public ClusterOptions Cluster { get; set; } = new();
    public ReviewOptions Review { get; set; } = new();
    public PaymentOptions Payments { get; set; } = new();
    public CasesOptions Cases { get; set; } = new();
    public Webhooks.WebhookOptions Webhooks { get; set; } = new();
    public Returns.ReturnsOptions Returns { get; set; } = new();
    public Dispatch.DispatchOptions Dispatch { get; set; } = new();
    public OrderEngine.Engine.Database.DatabaseOptions Database { get; set; } = new();

    /// <summary>How long an idle stock or customer entity stays in memory before it passivates (it is recovered from the journal on its next message).</summary>
    public TimeSpan EntityIdleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long an HTTP request waits for an entity's answer before it is answered 503 with Retry-After.</summary>
    public TimeSpan AskTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Journal and snapshot store settings.</summary>
public sealed class PersistenceOptions
{
    public PersistenceProvider Provider { get; set; } = PersistenceProvider.Sqlite;

    /// <summary>A full connection string; when empty, SQLite uses <see cref="SqlitePath"/>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The embedded database file, relative to the working directory.</summary>
    public string SqlitePath { get; set; } = "data/orderengine.db";

    /// <summary>The write journal; the snapshot store and the read journal (queries) are Akka.Persistence.Sql's either way.</summary>
    public JournalKind Journal { get; set; } = JournalKind.OrderEngine;

    /// <summary>OrderEngine journal: at most this many rows per transaction (default 512).</summary>
    public int? JournalMaxBatchRows { get; set; }

    /// <summary>OrderEngine journal on PostgreSQL: batches written at once (default 3; SQLite always one).</summary>
    public int? JournalConcurrentBatches { get; set; }

    /// <summary>OrderEngine journal: how long a batch waits for more writers after the first (default 0).</summary>
    public TimeSpan? JournalLinger { get; set; }

    /// <summary>A stock entity saves a snapshot after this many events, so recovery replays at most that many (orders have too few events to need one).</summary>
    public int SnapshotEvery { get; set; } = 500;
}

/// <summary>Order rules and saga timing.</summary>
public sealed class OrdersOptions
{
    /// <summary>How long an unpaid order keeps its stock reserved.</summary>
    public TimeSpan HoldTime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How long an idle order entity stays in memory. Orders are many and mostly quiet after their placement (a payment
    /// or a provider webhook recovers one in about a millisecond), so they leave memory soon: an order that stays only
    /// a second dies young in the garbage collector, where one kept 20 s was promoted and copied on every collection
    /// (a flash sale on PostgreSQL: ~320 against ~260 µs of engine CPU per order, docs/performance.md).
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(1);

    public int MaxLines { get; set; } = 100;
    public int MaxLineQuantity { get; set; } = 10_000;

    /// <summary>First retry delay for a stock request that got no answer; doubles up to <see cref="MaxRetryInterval"/>.</summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan MaxRetryInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a running order is given to finish a stock step before it counts as stuck and is woken.</summary>
    public TimeSpan StepGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the overdue orders are looked up.</summary>
    public TimeSpan WakeInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>An order that stays overdue is woken again after this long.</summary>
    public TimeSpan WakeRepeat { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// At most this many placements of one SKU in flight on a node; more are refused at once (HTTP 429 with
    /// Retry-After) instead of queueing, so a flash sale's latency stays bounded however large the crowd.
    /// </summary>
    public int MaxInFlightPerSku { get; set; } = 1_000;

    public OrderRules ToRules(ReviewOptions review, PaymentOptions payments) =>
        new(HoldTime, MaxLines, MaxLineQuantity, review.ToRules(), payments.OnAnomaly);
}

/// <summary>The automatic review's rules (all off by default), bound from "OrderEngine:Review".</summary>
public sealed class ReviewOptions
{
    /// <summary>Hold an order whose total is above the amount for its currency, e.g. { "EUR": 1000 }.</summary>
    public Dictionary<string, decimal> HoldAboveTotal { get; set; } = new(StringComparer.Ordinal);

    /// <summary>ISO country codes shipped to; an order to any other is held. Empty: all.</summary>
    public string[] ServedCountries { get; set; } = [];

    /// <summary>Hold an order whose shipping address lacks name, line1, city, postal code or country.</summary>
    public bool RequireCompleteAddress { get; set; }

    /// <summary>Customer ids whose orders are held; an email here blocks its pseudonymous id (docs/security.md, "Customer ids from emails") too.</summary>
    public string[] BlockedCustomers { get; set; } = [];

    /// <summary>Hold a customer's order when they placed more than this many within <see cref="OrdersWindow"/>. Empty: off.</summary>
    public int? MaxOrdersPerCustomer { get; set; }

    public TimeSpan OrdersWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a held order keeps its stock while it waits for a person; it expires after that.</summary>
    public TimeSpan ReviewWithin { get; set; } = TimeSpan.FromHours(24);

    public ReviewRules ToRules() => new(
        HoldAboveTotal.ToImmutableDictionary(StringComparer.Ordinal),
        ServedCountries.ToImmutableHashSet(StringComparer.Ordinal),
        RequireCompleteAddress,
        BlockedCustomers.ToImmutableHashSet(StringComparer.Ordinal),
        MaxOrdersPerCustomer,
        OrdersWindow,
        ReviewWithin);
}

/// <summary>Stock entity timing.</summary>
public sealed class StockOptions
{
    /// <summary>How often a stock entity with open reservations looks for expired ones.</summary>
    public TimeSpan ExpiryCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often an expired reservation's order is asked again what becomes of it.</summary>
    public TimeSpan DueNotifyInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// After this long past expiry without an answer from its order, a reservation is released regardless
    /// (its order is unreachable or never existed).
    /// </summary>
    public TimeSpan OrphanGrace { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// While sold out, a stock entity that still gets placements tells every node again at most this often (a node that
    /// missed the announcement, joined later, or whose board entry lapsed learns it again).
    /// </summary>
    public TimeSpan SoldOutReannounce { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a node's sold-out board trusts an announcement (it only routes placements; the stock entity judges them).</summary>
    public TimeSpan SoldOutLifetime { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The low-stock threshold of a SKU without one of its own: an alert is raised while fewer units are available
    /// (0: off; appsettings.json sets 10). A changed default reaches a SKU at its next stock movement.
    /// </summary>
    public long LowStockBelow { get; set; }

    /// <summary>The replenishment defaults of a SKU without settings of its own (GET /api/replenishment).</summary>
    public ReplenishmentOptions Replenishment { get; set; } = new();

    public StockRules ToRules() => new(LowStockBelow);

    /// <summary>Every wrong stock setting, named by its configuration key (empty when all are valid).</summary>
    public List<string> Errors()
    {
        var errors = new List<string>();
        if (LowStockBelow is < 0 or > StockDecider.MaxUnits)
            errors.Add($"OrderEngine:Stock:LowStockBelow must be between 0 and {StockDecider.MaxUnits} (0 turns alerts off)");
        errors.AddRange(Replenishment.Errors());
        return errors;
    }
}

/// <summary>Replenishment defaults, bound from "OrderEngine:Stock:Replenishment" (docs/reports.md, "Replenishment").</summary>
public sealed class ReplenishmentOptions
{
    /// <summary>Days from ordering to the goods being on hand.</summary>
    public int LeadTimeDays { get; set; } = 7;

    /// <summary>The chance of not running out during a lead time, which sets the safety stock (ignored when <see cref="SafetyStock"/> is set).</summary>
    public decimal ServiceLevel { get; set; } = 0.95m;

    /// <summary>A fixed safety stock in units for every SKU without settings of its own, instead of one computed from the service level.</summary>
    public long? SafetyStock { get; set; }

    /// <summary>Days between two orders of the same SKU: the suggested quantity covers them too.</summary>
    public int ReviewDays { get; set; } = 7;

    /// <summary>Days of sales the velocity is measured over when the request gives no window.</summary>
    public int WindowDays { get; set; } = 28;

    /// <summary>Days of sales a low-stock alert's rate of sale is measured over.</summary>
    public int AlertRateDays { get; set; } = 7;

    public const int MaxWindowDays = 366;

    public ReplenishmentSettings ToDefaults() =>
        new(LeadTimeDays, SafetyStock is null ? ServiceLevel : null, SafetyStock, ReviewDays);

    public IEnumerable<string> Errors()
    {
        const string at = "OrderEngine:Stock:Replenishment:";
        foreach (var (field, message) in new ReplenishmentSettings(LeadTimeDays, SafetyStock is null ? ServiceLevel : null, SafetyStock, ReviewDays).Errors())
            yield return at + char.ToUpperInvariant(field[0]) + field[1..] + ": " + message;
        if (WindowDays is < 1 or > MaxWindowDays) yield return $"{at}WindowDays must be between 1 and {MaxWindowDays}";
        if (AlertRateDays is < 1 or > MaxWindowDays) yield return $"{at}AlertRateDays must be between 1 and {MaxWindowDays}";
    }
}

/// <summary>Cluster membership. With no seed nodes the node forms a cluster of one by joining itself.</summary>
public sealed class ClusterOptions
{
    public string SystemName { get; set; } = "orderengine";
    public string Hostname { get; set; } = "127.0.0.1";

    /// <summary>0 picks a free port (fine for a single node).</summary>
    public int Port { get; set; }

    public string? PublicHostname { get; set; }
    public string[] SeedNodes { get; set; } = [];
    public string[] Roles { get; set; } = [];

    /// <summary>Fixed for the cluster's life: about ten times the largest number of nodes.</summary>
    public int ShardCount { get; set; } = 100;

    /// <summary>The role of a node that hosts the entities (shards) and the cluster singletons.</summary>
    public const string ShardsRole = "shards";

    /// <summary>The role of a node that serves HTTP; without <see cref="ShardsRole"/> it hosts only shard-region proxies.</summary>
    public const string ApiRole = "api";

    /// <summary>
    /// The split-brain resolver (keep-majority) downs the unreachable side once membership and reachability have not
    /// changed for this long (Akka's default: 20 s). docs/cluster.md, "Downing".
    /// </summary>
    public TimeSpan DowningStableAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a node may miss heartbeats (sent every second) before it counts as unreachable (Akka's default: 3 s).</summary>
    public TimeSpan FailureDetectorPause { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// After a node is downed and removed, its shards and singletons start elsewhere this much later (Akka's default with the
    /// split-brain resolver: the stable-after, 20 s), the time the other side of a partition has to stop its own.
    /// </summary>
    public TimeSpan DownRemovalMargin { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The roles this node joins with: the configured ones, plus both api and shards when neither is configured.</summary>
    public string[] EffectiveRoles() =>
        Roles.Any(r => r is ShardsRole or ApiRole) ? Roles : [.. Roles, ApiRole, ShardsRole];

    /// <summary>True when this node hosts entities and singletons (role shards, or no api/shards role at all).</summary>
    public bool HostsShards => EffectiveRoles().Contains(ShardsRole);
    /// <summary>How the node finds the others: fixed seed nodes (default) or Akka.Management cluster bootstrap.</summary>
    public ClusterDiscoveryOptions Discovery { get; set; } = new();
}
