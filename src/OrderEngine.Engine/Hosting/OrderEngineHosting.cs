using LinqToDB;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Persistence.Hosting;
using Akka.Persistence.Sql.Config;
using Akka.Persistence.Sql.Hosting;
using Akka.Remote.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using OrderEngine.Domain;
using OrderEngine.Domain.Cases;
using OrderEngine.Domain.Orders;
using OrderEngine.Engine.Carriers;
using OrderEngine.Engine.Cases;
using OrderEngine.Engine.Customers;
using OrderEngine.Engine.Database;
using OrderEngine.Engine.Dispatch;
using OrderEngine.Engine.Journal;
using OrderEngine.Engine.Orders;
using OrderEngine.Engine.Payments;
using OrderEngine.Engine.PersonalData;
using OrderEngine.Engine.Projections;
using OrderEngine.Engine.ReadSide;
using OrderEngine.Engine.Serialization;
using OrderEngine.Engine.Sharding;
using OrderEngine.Engine.Shipments;
using OrderEngine.Engine.Shipping;
using OrderEngine.Engine.Stock;
using OrderEngine.Engine.Webhooks;
using AkkaClusterOptions = Akka.Cluster.Hosting.ClusterOptions;

namespace OrderEngine.Engine.Hosting;

/// <summary>Akka.Hosting setup of an OrderEngine node: remoting, cluster, persistence, serializer and the two shard regions.</summary>
public static class OrderEngineHosting
{
    /// <summary>Registers the engine's ActorSystem with the services, configured from the "OrderEngine" section.</summary>
    public static IServiceCollection AddOrderEngine(
        this IServiceCollection services,
        IConfiguration configuration,
        Action<AkkaConfigurationBuilder, IServiceProvider>? configure = null)
    {
        services.AddOptions<OrderEngineOptions>().Bind(configuration.GetSection(OrderEngineOptions.Section));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => JournalDatabase.From(sp.GetRequiredService<IOptions<OrderEngineOptions>>().Value.Persistence));
        services.TryAddSingleton(sp => new SoldOutBoard(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<OrderEngineOptions>>().Value.Stock.SoldOutLifetime));
        services.TryAddSingleton<PlacementGate>();
        services.AddOrderEngineDatabaseMonitor();
        services.AddOrderEnginePersonalData(configuration);
        services.AddOrderEngineShipping(configuration);
        services.TryAddSingleton(sp => new CaseProjectionStore(sp.GetRequiredService<JournalDatabase>()));
        services.TryAddSingleton(sp => new OrderProjectionStore(sp.GetRequiredService<JournalDatabase>()));
        services.TryAddSingleton(sp => new OrderEngine.Engine.Reports.OrderSearchStore(sp.GetRequiredService<JournalDatabase>()));
        services.TryAddSingleton(sp => new OrderEngine.Engine.Reports.ReportStore(sp.GetRequiredService<JournalDatabase>()));
        // The read models, all run by one ProjectionRunner from one read of the journal (add a projection here).
        services.AddSingleton<IProjection>(sp => new OrderDeadlineProjection(
            sp.GetRequiredService<OrderProjectionStore>(), sp.GetRequiredService<IOptions<OrderEngineOptions>>().Value.Orders.StepGrace));
        services.AddSingleton<IProjection>(sp => sp.GetRequiredService<CaseProjectionStore>());
        services.AddOrderEngineReadSide(configuration);
        services.AddOrderEngineWebhooks();
        services.AddOrderEngineStockAlerts();
        services.AddSingleton<IPaymentProvider, ManualProvider>();
        services.AddSingleton<IPaymentProvider>(sp =>
        {
            var payments = sp.GetRequiredService<IOptions<OrderEngineOptions>>().Value.Payments;
            return new SandboxProvider(payments.Sandbox, payments.SignatureTolerance);
        });
        services.TryAddSingleton(sp => new PaymentProviders(sp.GetServices<IPaymentProvider>()
            .Where(p => p is not SandboxProvider || !string.IsNullOrEmpty(sp.GetRequiredService<IOptions<OrderEngineOptions>>().Value.Payments.Sandbox.Secret))));
        services.AddOrderEngineCarriers(configuration);
        services.AddOrderEngineRestaurants(configuration);
        services.AddAkka(configuration.GetSection(OrderEngineOptions.Section).Get<OrderEngineOptions>()?.Cluster.SystemName ?? "orderengine", (builder, sp) =>
        {
            var options = sp.GetRequiredService<IOptions<OrderEngineOptions>>().Value;
            var database = sp.GetRequiredService<JournalDatabase>();
            database.Prepare();
            builder
                .ConfigureLoggers(l => l.AddLoggerFactory())
                .WithOrderEngineSerialization()
                .WithOrderEngineCluster(options.Cluster)
                .WithOrderEnginePersistence(database, options.Persistence)
                .WithOrderEngineSoldOutBoard(sp.GetRequiredService<SoldOutBoard>())
                .WithOrderEngineSharding(options, sp.GetRequiredService<PaymentProviders>(), sp.GetRequiredService<TimeProvider>())
                .WithOrderEngineShipping(sp);
            builder.WithOrderEngineRestaurants(sp);
            builder.WithOrderEngineWebhooks(options, sp.GetRequiredService<TimeProvider>());
            builder.WithOrderEngineDatabaseBreakers(options.Database);
            Telemetry.TracingHosting.WithOrderEngineTracing(builder);
            builder.WithOrderEngineGracefulLeave();
            configure?.Invoke(builder, sp);
        });
        return services;
    }

    /// <summary>Binds OrderEngine's serializer to every <see cref="IOrderEngineMessage"/>.</summary>
    public static AkkaConfigurationBuilder WithOrderEngineSerialization(this AkkaConfigurationBuilder builder) =>
        builder.WithCustomSerializer("orderengine", [typeof(IOrderEngineMessage)], system => new OrderEngineSerializer(system));

    /// <summary>Remoting and cluster membership; with no seed nodes the node joins itself and is a cluster of one.</summary>
    public static AkkaConfigurationBuilder WithOrderEngineCluster(this AkkaConfigurationBuilder builder, ClusterOptions cluster)
    {
        builder
            .WithRemoting(new RemoteOptions { HostName = cluster.Hostname, Port = cluster.Port, PublicHostName = cluster.PublicHostname })
            .WithClustering(new AkkaClusterOptions
            {
                SeedNodes = cluster.SeedNodes.Length > 0 ? cluster.SeedNodes : null,
                Roles = cluster.Roles.Length > 0 ? cluster.Roles : null,
                SplitBrainResolver = new Akka.Cluster.Hosting.SBR.KeepMajorityOption(),
            });
        builder.WithOrderEngineRolesAndDowning(cluster);
        // The singleton proxy's "failed to find an associated singleton" warning fires at once (its timer starts with no
        // delay, Akka.NET 1.5), before the first identification could have answered: a warning on every start that means
        // nothing. Off; a proxy that cannot reach its singleton still shows as the asks that time out.
        builder.AddHocon("akka.cluster.singleton-proxy.log-singleton-identification-failure = off", HoconAddMode.Prepend);
        builder.WithOrderEngineDiscovery(cluster);
        if (cluster.SeedNodes.Length == 0 && !cluster.Discovery.UsesBootstrap)
        {
            builder.AddStartup((system, _) =>
            {
                var c = Akka.Cluster.Cluster.Get(system);
                c.Join(c.SelfAddress);
            });
        }
        return builder;
    }

    /// <summary>
    /// Journal and snapshot store on SQLite or PostgreSQL; the schema is created by <see cref="JournalDatabase.Prepare"/>.
    /// The write journal is OrderEngine's batching journal by default (or Akka.Persistence.Sql's); the snapshot store and
    /// the read journal are Akka.Persistence.Sql's in both cases, on the same tables.
    /// </summary>
    public static AkkaConfigurationBuilder WithOrderEnginePersistence(this AkkaConfigurationBuilder builder, JournalDatabase database, PersistenceOptions? options = null)
    {
        options ??= new PersistenceOptions();
        var dataOptions = new DataOptions().UseConnectionString(database.ProviderName, database.ConnectionString);
        if (database.Provider == PersistenceProvider.Sqlite) dataOptions = dataOptions.UseInterceptor(new SqliteBusyTimeout());
        // Akka.Persistence.Sql's journal stays configured in both modes: its read journal takes its table mapping and
        // event adapters from it (and starts it); with OrderEngine's journal as the default it only idles.
        builder.WithSqlPersistence(
            dataOptions,
            mode: PersistenceMode.Both,
            journalBuilder: journal => journal.AddWriteEventAdapter<EventTagger>("order-tagger", [typeof(IOrderEvent)])
                .AddWriteEventAdapter<CaseEventTagger>("case-tagger", [typeof(ICaseEvent)]),
            autoInitialize: true,
            tagStorageMode: TagMode.Csv);
        // The read journal behind every projection: it reads only up to the highest gap-free ordering, which its sequence
        // actor re-reads every query-delay, and after a short batch it waits refresh-interval. At the defaults (1 s each)
        // an event reached the read tables up to 2 s after it was written; at 200 ms each, within half a second.
        builder.AddHocon("""
            akka.persistence.query.journal.sql.refresh-interval = 200ms
            akka.persistence.query.journal.sql.journal-sequence-retrieval.query-delay = 200ms
            """, HoconAddMode.Prepend);
        if (database.Provider == PersistenceProvider.Sqlite)
        {
            // SQLite takes one writer at a time: more concurrent journal writers only queue on its lock. Reads must not
            // take that lock: Microsoft.Data.Sqlite begins an "unspecified" (serializable) transaction with BEGIN IMMEDIATE,
            // so every recovery read would queue behind the writes; read-uncommitted makes it a plain BEGIN, which in WAL
            // mode (no shared cache) still reads one committed snapshot.
            builder.AddHocon("""
                akka.persistence.journal.sql.parallelism = 1
                akka.persistence.journal.sql.read-isolation-level = read-uncommitted
                akka.persistence.snapshot-store.sql.read-isolation-level = read-uncommitted
                akka.persistence.query.journal.sql.read-isolation-level = read-uncommitted
                """, HoconAddMode.Prepend);
        }
        if (options.Journal == JournalKind.OrderEngine)
        {
            // Added after the SQL plugin, so its "default journal" setting takes precedence over the SQL plugin's.
            var journal = new OrderEngineJournalOptions(isDefaultPlugin: true)
            {
                Provider = database.Provider,
                ConnectionString = database.ConnectionString,
                MaxBatchRows = options.JournalMaxBatchRows,
                ConcurrentBatches = options.JournalConcurrentBatches,
                Linger = options.JournalLinger,
            };
            builder.WithJournal(journal, adapters => adapters.AddWriteEventAdapter<EventTagger>("order-tagger", [typeof(IOrderEvent)])
                .AddWriteEventAdapter<CaseEventTagger>("case-tagger", [typeof(ICaseEvent)]));
        }
        return builder;
    }

    /// <summary>Distributed pub-sub and this node's keeper of the sold-out board (stock entities publish to every node).</summary>
    public static AkkaConfigurationBuilder WithOrderEngineSoldOutBoard(this AkkaConfigurationBuilder builder, SoldOutBoard board) =>
        builder
            .WithDistributedPubSub(role: null!)
            .WithActors((system, registry) =>
                registry.Register<SoldOutBoardKeeper>(system.ActorOf(
                    SoldOutBoardKeeper.Props(board, Akka.Cluster.Tools.PublishSubscribe.DistributedPubSub.Get(system).Mediator), "sold-out-board")));

    /// <summary>The order and stock shard regions. Entities passivate themselves when idle; sharding's state lives in DData, apart from the events.</summary>
    public static AkkaConfigurationBuilder WithOrderEngineSharding(this AkkaConfigurationBuilder builder, OrderEngineOptions options, PaymentProviders providers, TimeProvider clock)
    {
        var rules = options.Orders.ToRules(options.Review, options.Payments);
        var returnRules = options.Returns.ToRules(); // checked at start: a bad DifferenceDueWithin stops the node here
        var shardOptions = new ShardOptions
        {
            StateStoreMode = StateStoreMode.DData,
            RememberEntities = false,
            ShouldPassivateIdleEntities = false,
            HandOffStopMessage = StopEntity.Instance,
            Role = ClusterOptions.ShardsRole,
        };
        builder.WithShardRegion<StockRegion>(
            "stock",
            (system, registry, _) =>
            {
                var mediator = Akka.Cluster.Tools.PublishSubscribe.DistributedPubSub.Get(system).Mediator;
                return sku => StockActor.Props(sku, options.Stock, options.Persistence.SnapshotEvery, options.EntityIdleTimeout, registry.Get<OrderRegion>(), clock, mediator);
            },
            new StockMessageExtractor(options.Cluster.ShardCount),
            shardOptions);
        builder.WithShardRegion<OrderRegion>(
            "order",
            (_, registry, resolver) =>
            {
                OrderCollaborators? with = null;
                // A blocked customer named by email is blocked under its pseudonymous id too (asked here, at start, not in an entity).
                var orderRules = CustomerEmails.WithPseudonymousBlockList(rules, () => resolver.GetService<CustomerIdPseudonymizer>());
                return orderId =>
                {
                    with ??= new OrderCollaborators(registry.Get<StockRegion>(), registry.Get<CustomerRegion>(), providers, orderRules)
                    {
                        Parcels = registry.Get<ParcelRegion>(),
                        Shipping = resolver.GetService<ShippingQuotes>(),
                        Returns = registry.Get<ReturnRegion>(),
                        Restaurants = registry.Get<RestaurantRegion>(),
                        PersonalData = resolver.GetService<CustomerKeyStore>(),
                    };
                    return OrderActor.Props(orderId, options.Orders, options.Orders.IdleTimeout, with, clock);
                };
            },
            new OrderMessageExtractor(options.Cluster.ShardCount),
            shardOptions);
        builder.WithShardRegion<ParcelRegion>(
            "parcel",
            (_, registry, _) => parcelId => ParcelActor.Props(parcelId, registry.Get<OrderRegion>(), options.EntityIdleTimeout,
                options.Orders.RetryInterval, options.Orders.MaxRetryInterval, clock),
            new ParcelMessageExtractor(options.Cluster.ShardCount),
            shardOptions);
        builder.WithShardRegion<ReturnRegion>(
            "return",
            (_, registry, _) => entityId => Returns.ReturnActor.Props(entityId,
                new Returns.ReturnCollaborators(registry.Get<OrderRegion>(), registry.Get<StockRegion>(), returnRules, options.AskTimeout / 2,
                    options.Orders.RetryInterval, options.Orders.MaxRetryInterval) { OrderRules = rules, Products = registry.Get<ProductRegion>() },
                options.EntityIdleTimeout, clock),
            new ReturnMessageExtractor(options.Cluster.ShardCount),
            shardOptions);
        builder.WithShardRegion<CustomerRegion>(
            "customer",
            (_, _, _) => _ => CustomerActivityActor.Props(),
            new CustomerMessageExtractor(options.Cluster.ShardCount),
            shardOptions);
        builder.WithShardRegion<CaseRegion>(
            "case",
            (_, registry, resolver) =>
            {
                CaseCollaborators? with = null;
                return caseId =>
                {
                    with ??= new CaseCollaborators(registry.Get<OrderRegion>(), options.Cases.ToRules(), options.AskTimeout, options.Cases.RetryInterval)
                    {
                        Returns = registry.Get<ReturnRegion>(),
                        PersonalData = resolver.GetService<CustomerKeyStore>(),
                    };
                    return CaseActor.Props(caseId, with, options.EntityIdleTimeout, clock);
                };
            },
            new CaseMessageExtractor(options.Cluster.ShardCount),
            shardOptions);
        builder.WithShardRegion<ZoneRegion>(
            "zone",
            (_, registry, resolver) =>
            {
                ZoneCollaborators? with = null;
                return zoneId =>
                {
                    with ??= new ZoneCollaborators(
                        registry.Get<OrderRegion>(),
                        registry.TryGet<RestaurantRegion>(out var restaurants) ? restaurants : ActorRefs.Nobody,
                        options.Dispatch.ToZoneRules(), options.Dispatch.TickInterval, options.Dispatch.RetryInterval, options.Dispatch.MaxRetryInterval,
                        options.AskTimeout / 2)
                    {
                        SnapshotEvery = options.Persistence.SnapshotEvery,
                        PersonalData = resolver.GetService<CustomerKeyStore>(),
                    };
                    return ZoneActor.Props(zoneId, with, options.Dispatch.IdleTimeout, clock);
                };
            },
            new ZoneMessageExtractor(options.Cluster.ShardCount),
            shardOptions);
        builder.WithShardRegion<CourierRegion>(
            "courier",
            (_, registry, _) => courierId => CourierActor.Props(courierId, registry.Get<ZoneRegion>(), options.Dispatch.ToCourierRules(),
                options.Dispatch.IdleTimeout, options.AskTimeout / 2, clock),
            new CourierMessageExtractor(options.Cluster.ShardCount),
            shardOptions);
        if (!options.Cluster.HostsShards)
        {
            // An api-only node hosts no singleton (the manager refuses a node without the role); it reaches the runner through a proxy.
            builder.WithSingletonProxy<ProjectionRunner>("projections", new ClusterSingletonOptions { Role = ClusterOptions.ShardsRole });
            return builder;
        }
        builder.WithSingleton<ProjectionRunner>(
            "projections",
            (_, _, resolver) => ProjectionRunner.Props(resolver.GetService<IEnumerable<IProjection>>()),
            new ClusterSingletonOptions { Role = ClusterOptions.ShardsRole },
            createProxyToo: true);
        builder.WithSingleton<OrderWaker>(
            "order-waker",
            (_, registry, resolver) => OrderWaker.Props(resolver.GetService<OrderProjectionStore>(), registry.Get<OrderRegion>(), options.Orders, clock),
            new ClusterSingletonOptions { Role = ClusterOptions.ShardsRole },
            createProxyToo: false);
        return builder;
    }
}

/// <summary>The journal's database: provider, connection string, and the one-time preparation it needs before Akka starts.</summary>
public sealed record JournalDatabase(PersistenceProvider Provider, string ConnectionString)
{
    /// <summary>The LinqToDB provider name Akka.Persistence.Sql expects.</summary>
    public string ProviderName => Provider == PersistenceProvider.Sqlite ? LinqToDB.ProviderName.SQLiteMS : LinqToDB.ProviderName.PostgreSQL15;

    public static JournalDatabase From(PersistenceOptions options)
    {
        if (options.Provider == PersistenceProvider.PostgreSql)
        {
            if (string.IsNullOrWhiteSpace(options.ConnectionString))
                throw new InvalidOperationException("OrderEngine:Persistence:ConnectionString is required when the provider is PostgreSql");
            var pg = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            // Skipping DISCARD ALL on every pool return is safe here (no session state is used) and measurably faster.
            if (!options.ConnectionString.Contains("No Reset On Close", StringComparison.OrdinalIgnoreCase)) pg.NoResetOnClose = true;
            if (!options.ConnectionString.Contains("Maximum Pool Size", StringComparison.OrdinalIgnoreCase)) pg.MaxPoolSize = 50;
            return new JournalDatabase(PersistenceProvider.PostgreSql, pg.ConnectionString);
        }
        var sqlite = string.IsNullOrWhiteSpace(options.ConnectionString)
            ? new SqliteConnectionStringBuilder { DataSource = Path.GetFullPath(options.SqlitePath), DefaultTimeout = 30 }
            : new SqliteConnectionStringBuilder(options.ConnectionString);
        return new JournalDatabase(PersistenceProvider.Sqlite, sqlite.ConnectionString);
    }

    /// <summary>
    /// Runs before Akka starts: for SQLite creates the data folder and switches the file to WAL (stored in the file);
    /// for both creates the schema of deploy/sql (idempotent), so the journal has the index entity recovery needs.
    /// </summary>
    public void Prepare()
    {
        if (Provider == PersistenceProvider.Sqlite)
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(new SqliteConnectionStringBuilder(ConnectionString).DataSource));
            if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        }
        using var connection = OpenAsync(CancellationToken.None).GetAwaiter().GetResult();
        using var command = connection.CreateCommand();
        // Nodes of a new cluster start at once against one empty PostgreSQL: CREATE ... IF NOT EXISTS is not safe against a
        // concurrent CREATE of the same table (a duplicate pg_type row stopped a node). One transaction under a
        // transaction-scoped advisory lock makes the nodes take turns; the lock goes with the transaction, never with
        // the pooled connection.
        command.CommandText = Provider == PersistenceProvider.Sqlite
            ? "PRAGMA journal_mode=WAL;\n" + Schema(Provider)
            : $"BEGIN;\nSELECT pg_advisory_xact_lock({SchemaLockKey});\n{Schema(Provider)}\nCOMMIT;";
        command.ExecuteNonQuery();
    }

    /// <summary>The PostgreSQL advisory lock the nodes take turns on while they create the schema (any constant; "OESchema").</summary>
    public const long SchemaLockKey = 0x4F45_5363_6865_6D61;

    /// <summary>The schema script for a provider (deploy/sql/sqlite.sql or postgresql.sql, embedded).</summary>
    public static string Schema(PersistenceProvider provider)
    {
        var name = provider == PersistenceProvider.Sqlite ? "OrderEngine.Schema.sqlite.sql" : "OrderEngine.Schema.postgresql.sql";
        using var stream = typeof(JournalDatabase).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"schema resource {name} is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>An open connection to the journal's database (read models live there too); on SQLite every commit is synced to disk.</summary>
    public Task<System.Data.Common.DbConnection> OpenAsync(CancellationToken ct) => OpenAsync(durable: true, ct);

    /// <summary>
    /// A connection for a projection's transaction. On SQLite its commits are not synced to disk on their own
    /// (synchronous=NORMAL, still atomic in WAL mode): the next journal commit syncs them. A power cut may take back the
    /// last projection commits, rows and offset together, and the projection then reads those events again; nothing it
    /// writes is acknowledged to anyone. One sync less per projection and batch kept the read side from slowing the
    /// journal's writers in a flash sale.
    /// </summary>
    public Task<System.Data.Common.DbConnection> OpenForProjectionAsync(CancellationToken ct) => OpenAsync(durable: false, ct);

    private async Task<System.Data.Common.DbConnection> OpenAsync(bool durable, CancellationToken ct)
    {
        System.Data.Common.DbConnection connection = Provider == PersistenceProvider.Sqlite
            ? new SqliteConnection(ConnectionString)
            : new NpgsqlConnection(ConnectionString);
        try
        {
            await connection.OpenAsync(ct);
            if (Provider == PersistenceProvider.Sqlite)
            {
                await using var pragma = connection.CreateCommand();
                // Set on every open: pooled connections keep the setting of their last user.
                pragma.CommandText = SqliteBusyTimeout.Pragma + (durable ? " PRAGMA synchronous = FULL;" : " PRAGMA synchronous = NORMAL;");
                await pragma.ExecuteNonQueryAsync(ct);
            }
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>True when the database answers a trivial query (readiness).</summary>
    public async Task<bool> PingAsync(CancellationToken ct)
    {
        try
        {
            await using var connection = await OpenAsync(ct);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            return Convert.ToInt32(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture) == 1;
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }
}
