using Akka.Actor;
using Akka.Configuration;
using OrderEngine.Domain.Orders;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Orders;
using OrderEngine.Engine.Payments;

namespace OrderEngine.Engine.Tests;

/// <summary>HOCON for actor tests: the project's serializer bound as in production, and the persistence TestKit's journal.</summary>
internal static class TestConfig
{
    public static Config WithTestJournal => ConfigurationFactory.ParseString("""
        akka.loglevel = INFO
        akka.actor.serializers.orderengine = "OrderEngine.Engine.Serialization.OrderEngineSerializer, OrderEngine.Engine"
        akka.actor.serialization-bindings {
          "OrderEngine.Domain.IOrderEngineMessage, OrderEngine.Domain" = orderengine
        }
        akka.persistence.journal.plugin = "akka.persistence.journal.test"
        akka.persistence.journal.test {
          class = "Akka.Persistence.TestKit.TestJournal, Akka.Persistence.TestKit"
          plugin-dispatcher = "akka.actor.default-dispatcher"
        }
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.test"
        akka.persistence.snapshot-store.test {
          class = "Akka.Persistence.TestKit.TestSnapshotStore, Akka.Persistence.TestKit"
          plugin-dispatcher = "akka.actor.default-dispatcher"
        }
        """);

    /// <summary>Fast timings so retries and expiry show within a test's patience.</summary>
    public static OrdersOptions FastOrders(TimeSpan? hold = null) => new()
    {
        HoldTime = hold ?? TimeSpan.FromMinutes(15),
        RetryInterval = TimeSpan.FromMilliseconds(200),
        MaxRetryInterval = TimeSpan.FromSeconds(1),
    };

    public static StockOptions FastStock(TimeSpan? orphanGrace = null) => new()
    {
        ExpiryCheckInterval = TimeSpan.FromMilliseconds(100),
        DueNotifyInterval = TimeSpan.FromMilliseconds(300),
        OrphanGrace = orphanGrace ?? TimeSpan.FromMinutes(10),
    };

    /// <summary>An order entity's collaborators for actor tests: the given stock (and customer) stand-ins, the manual and sandbox providers.</summary>
    public static OrderCollaborators With(IActorRef stock, IActorRef? customers = null, OrderRules? rules = null, PaymentProviders? providers = null) =>
        new(stock, customers ?? ActorRefs.Nobody, providers ?? Providers(), rules ?? FastOrders().ToRules(new ReviewOptions(), new PaymentOptions()));

    public static OrderRules RulesOf(OrdersOptions? options, ReviewOptions? review = null, PaymentOptions? payments = null) =>
        (options ?? FastOrders()).ToRules(review ?? new ReviewOptions(), payments ?? new PaymentOptions());

    public static PaymentProviders Providers(RefundResultKind sandboxRefunds = RefundResultKind.Succeeded) => new([
        new ManualProvider(),
        new SandboxProvider(new SandboxOptions { Secret = "test-secret", RefundMode = sandboxRefunds }, TimeSpan.FromMinutes(5)),
    ]);
}
