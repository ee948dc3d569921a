using Akka.Actor;
using Akka.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using OrderEngine.Domain.Cases;
using OrderEngine.Domain.Dispatch;
using OrderEngine.Domain.Dispatch.Couriers;
using OrderEngine.Domain.Dispatch.Restaurants;
using OrderEngine.Domain.Dispatch.Zones;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.PersonalData;
using OrderEngine.Engine.Sharding;
using OrderEngine.Testing;
using Address = OrderEngine.Domain.Orders.Address;

namespace OrderEngine.Engine.Tests.PersonalData;

/// <summary>
/// A customer who orders again after an erasure: the new order gets a new key and keeps its personal data (in memory and
/// after a restart), while what was taken in before the erasure stays erased, also in entities that got no message
/// between the erasure and the new key.
/// </summary>
public sealed class OrderAgainAfterErasureTests : IDisposable
{
    private static readonly Address OldAddress = new("Ada Lovelace", "12 Analytical Row", "Flat 3", "London", "LDN", "N1 9GU", "GB", "+44 20 7946 0001");
    private static readonly Address NewAddress = new("Ada King", "1 Engine Street", null, "Leeds", null, "LS1 1AA", "GB", "+44 113 496 0002");
    private static readonly GeoPoint Kitchen = new(52.52, 13.405);
    private static readonly GeoPoint AdaHome = new(52.538172, 13.420491);
    private static readonly GeoPoint AdaCoarse = new(52.54, 13.42);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _dir = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    private static async Task<OrderView> OrderOf(EngineHost engine, string orderId) =>
        Assert.IsType<OrderAccepted>(await engine.Orders.Ask<IOrderReply>(new GetOrder(orderId), Timeout)).View;

    private static async Task<GeoPoint> DropOffOf(EngineHost engine, string orderId)
    {
        var view = await OrderOf(engine, orderId);
        return new GeoPoint(view.Delivery!.DropOff.Latitude, view.Delivery.DropOff.Longitude);
    }

    private static IActorRef Restaurants(EngineHost engine) => engine.Services.GetRequiredService<ActorRegistry>().Get<RestaurantRegion>();

    private static IActorRef Zones(EngineHost engine) => engine.Services.GetRequiredService<ActorRegistry>().Get<ZoneRegion>();

    private static async Task Eventually(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("never happened: " + what);
            await Task.Delay(200);
        }
    }

    /// <summary>Pays the delivery order, has the kitchen accept it and the courier take it.</summary>
    private static async Task ToCourierAsync(EngineHost engine, string zone, string orderId)
    {
        Assert.IsType<OrderAccepted>(await engine.Orders.Ask<IOrderReply>(new ConfirmPayment(orderId, 5m, "EUR", "psp-" + orderId), Timeout));
        await Eventually(async () => await Restaurants(engine).Ask<IRestaurantReply>(new GetRestaurant("r-again"), Timeout) is RestaurantAccepted a
            && a.View.Orders.Any(o => o.OrderId == orderId), "the restaurant received " + orderId);
        Assert.IsType<RestaurantAccepted>(await Restaurants(engine).Ask<IRestaurantReply>(new AcceptKitchenOrder("r-again", orderId, 10m), Timeout));
        await Eventually(async () => await Zones(engine).Ask<ICourierReply>(new AcceptOffer(zone, "c-1", orderId), Timeout) is CourierAccepted,
            "the courier took " + orderId);
    }

    private static async Task<GeoPoint> CourierDropOff(EngineHost engine, string zone, string orderId) =>
        ((CourierAccepted)await Zones(engine).Ask<ICourierReply>(new GetZoneCourier(zone, "c-1"), Timeout)).View.Deliveries.Single(d => d.OrderId == orderId).DropOff;

    private static IActorRef Cases(EngineHost engine) => engine.Services.GetRequiredService<ActorRegistry>().Get<CaseRegion>();

    private static async Task<CaseView> CaseOf(EngineHost engine, ICaseMessage message) =>
        await Cases(engine).Ask<ICaseReply>(message, Timeout) switch
        {
            CaseAccepted a => a.View,
            CaseRefused r => throw new InvalidOperationException($"{r.Rejection.Code}: {r.Rejection.Message}"),
            var other => throw new InvalidOperationException(other.GetType().Name),
        };

    private static Task<IOrderReply> Place(EngineHost engine, string orderId, Address? address, DeliveryRequest? delivery = null) =>
        engine.Orders.Ask<IOrderReply>(new PlaceOrder(orderId, "web", "c-ada", "EUR", [new OrderLineRequest(delivery is null ? "again-sku" : "again-dish", 1, 5m)],
            address, Delivery: delivery), Timeout);

    private static void AssertErased(Address? address)
    {
        Assert.Equal(new Address(PersonalDataCipher.Erased, PersonalDataCipher.Erased, PersonalDataCipher.Erased, "London", "LDN", "N1 9GU", "GB",
            PersonalDataCipher.Erased), address);
    }

    [Fact]
    public async Task A_customer_ordering_again_after_an_erasure_gets_a_new_key_and_only_the_old_orders_and_case_stay_erased()
    {
        var settings = EngineHost.Sqlite(_dir.File("oe.db"));
        string zone;
        await using (var engine = await EngineHost.StartAsync(settings))
        {
            Assert.IsType<StockAccepted>(await engine.Stock.Ask<IStockReply>(new SetOnHand("again-sku", 10, 1), Timeout));
            Assert.IsType<StockAccepted>(await engine.Stock.Ask<IStockReply>(new SetOnHand("again-dish", 10, 1), Timeout));
            zone = Assert.IsType<RestaurantAccepted>(await Restaurants(engine).Ask<IRestaurantReply>(
                new DefineRestaurant("r-again", "Again Kitchen", Kitchen, 12m, ["again-dish"]), Timeout)).View.ZoneId;
            Assert.IsType<CourierAccepted>(await Zones(engine).Ask<ICourierReply>(new CourierOnline(zone, "c-1", "Ann", Vehicle.Bike, 15, 2, Kitchen), Timeout));

            Assert.Equal(OldAddress, Assert.IsType<OrderAccepted>(await Place(engine, "o-old", OldAddress)).View.ShippingAddress);
            Assert.IsType<OrderAccepted>(await Place(engine, "o-old-drop", null, new DeliveryRequest("r-again", AdaHome)));
            await ToCourierAsync(engine, zone, "o-old-drop");
            Assert.Equal(AdaHome, await CourierDropOff(engine, zone, "o-old-drop"));
            await CaseOf(engine, new OpenCase("case-old", "o-old", CaseType.Damaged, "the old parcel arrived soaked", "Ada herself"));

            var keys = engine.Services.GetRequiredService<CustomerKeyStore>();
            await keys.EraseAsync("c-ada", "key:test", CancellationToken.None);
            Assert.True(keys.ErasureStampOf("c-ada") > 0);

            // No message reaches the old order, its delivery order or its case before the customer orders again.
            var placed = Assert.IsType<OrderAccepted>(await Place(engine, "o-new", NewAddress)).View;
            Assert.Equal(NewAddress, placed.ShippingAddress);
            Assert.IsType<OrderAccepted>(await Place(engine, "o-new-drop", null, new DeliveryRequest("r-again", AdaHome)));
            await ToCourierAsync(engine, zone, "o-new-drop");
            // The zone took the new delivery in after the erasure: it keeps the precise point; the old one it makes coarse.
            Assert.Equal(AdaHome, await CourierDropOff(engine, zone, "o-new-drop"));
            Assert.Equal(AdaCoarse, await CourierDropOff(engine, zone, "o-old-drop"));
            Assert.True((await keys.StatusAsync("c-ada", CancellationToken.None)).HasKey);
            Assert.True(keys.TryGetCached("c-ada", out var newKey) && newKey is not null);

            // The new orders keep what they were placed with; the old ones read erased at their next message.
            Assert.Equal(NewAddress, (await OrderOf(engine, "o-new")).ShippingAddress);
            Assert.Equal(AdaHome, await DropOffOf(engine, "o-new-drop"));
            AssertErased((await OrderOf(engine, "o-old")).ShippingAddress);
            Assert.Equal(AdaCoarse, await DropOffOf(engine, "o-old-drop"));
            Assert.Equal(PersonalDataCipher.Erased, (await CaseOf(engine, new GetCase("case-old"))).Description);
            Assert.Equal(PersonalDataCipher.Erased, (await CaseOf(engine, new GetCase("case-old"))).OpenedBy);

            // A case of the new order holds its texts in clear; one more message of the old case is kept too (written with the new key).
            Assert.Equal("the new parcel arrived torn", (await CaseOf(engine, new OpenCase("case-new", "o-new", CaseType.Damaged, "the new parcel arrived torn", "Ada"))).Description);
            Assert.Equal("the new parcel arrived torn", (await CaseOf(engine, new GetCase("case-new"))).Description);
            var old = await CaseOf(engine, new AddCaseMessage("case-old", "m-1", CaseAuthor.Customer, "Ada K.", "still waiting"));
            Assert.Equal(("Ada K.", "still waiting"), (Assert.Single(old.Messages).Name, old.Messages[0].Text));
            Assert.Equal(PersonalDataCipher.Erased, old.Description);
            Assert.Equal(NewAddress, (await OrderOf(engine, "o-new")).ShippingAddress);
        }

        await using (var engine = await EngineHost.StartAsync(settings))
        {
            // Recovered from the journal: the old events were sealed with the erased key, the new ones with the new key.
            Assert.Equal(NewAddress, (await OrderOf(engine, "o-new")).ShippingAddress);
            Assert.Equal(AdaHome, await DropOffOf(engine, "o-new-drop"));
            AssertErased((await OrderOf(engine, "o-old")).ShippingAddress);
            Assert.Equal(AdaCoarse, await DropOffOf(engine, "o-old-drop"));
            Assert.Equal(AdaHome, await CourierDropOff(engine, zone, "o-new-drop"));
            Assert.Equal(AdaCoarse, await CourierDropOff(engine, zone, "o-old-drop"));
            var oldCase = await CaseOf(engine, new GetCase("case-old"));
            Assert.Equal((PersonalDataCipher.Erased, PersonalDataCipher.Erased), (oldCase.Description, oldCase.OpenedBy));
            Assert.Equal("still waiting", Assert.Single(oldCase.Messages).Text);
            Assert.Equal("the new parcel arrived torn", (await CaseOf(engine, new GetCase("case-new"))).Description);
            // And still so at their next messages.
            Assert.Equal(NewAddress, (await OrderOf(engine, "o-new")).ShippingAddress);
            AssertErased((await OrderOf(engine, "o-old")).ShippingAddress);
        }
    }
}

/// <summary>Two nodes' key stores on one database: an erasure on one, a new key made on the other, each learning of both.</summary>
public abstract class KeyAgainAfterErasureCases
{
    private const string Customer = "c-again";
    private const string Field = "address.name";

    protected abstract Task<JournalDatabase> CreateDatabaseAsync();

    [Fact]
    public async Task A_node_that_learnt_of_an_erasure_reads_the_key_made_again_elsewhere_at_its_next_recheck_and_the_old_values_stay_closed()
    {
        var database = await CreateDatabaseAsync();
        database.Prepare();
        await using var a = new CustomerKeyStore(database, new PersonalDataOptions(), TimeProvider.System);
        await using var b = new CustomerKeyStore(database, new PersonalDataOptions(), TimeProvider.System);

        await a.EnsureAsync(Customer);
        var oldValue = PersonalDataCipher.Seal(a.KeyForWrite(Customer)!, Customer, Field, "Ada Lovelace")!;
        Assert.True(PersonalDataCipher.TryOpen(b.KeyForRead(Customer), Customer, Field, oldValue, out _));
        Assert.Equal(0, b.ErasureStampOf(Customer));

        var erasure = await a.EraseAsync(Customer, "key:test", CancellationToken.None);
        var stamp = erasure.ErasedAt.ToUnixTimeMilliseconds();
        Assert.Equal(stamp, a.ErasureStampOf(Customer));
        Assert.Equal(1, await b.RecheckAsync(CancellationToken.None));
        Assert.True(b.TryGetCached(Customer, out var erased) && erased is null);
        Assert.Equal(stamp, b.ErasureStampOf(Customer));

        // A new order on node A: a new key; the erasure stamp stays where it was.
        await a.EnsureAsync(Customer);
        var newKey = a.KeyForWrite(Customer);
        Assert.NotNull(newKey);
        Assert.Equal(stamp, a.ErasureStampOf(Customer));
        var newValue = PersonalDataCipher.Seal(newKey, Customer, Field, "Ada King")!;

        // B still holds the erasure until its next recheck, which brings the new key (not another erasure).
        Assert.True(b.TryGetCached(Customer, out var stale) && stale is null);
        Assert.Equal(1, await b.RecheckAsync(CancellationToken.None));
        Assert.True(PersonalDataCipher.TryOpen(b.KeyForRead(Customer), Customer, Field, newValue, out var clear));
        Assert.Equal("Ada King", clear);
        Assert.False(PersonalDataCipher.TryOpen(b.KeyForRead(Customer), Customer, Field, oldValue, out _));
        Assert.Equal(stamp, b.ErasureStampOf(Customer));

        // A node that never saw the customer learns the erasure's stamp with the key row it reads.
        await using var c = new CustomerKeyStore(database, new PersonalDataOptions(), TimeProvider.System);
        Assert.True(PersonalDataCipher.TryOpen(c.KeyForRead(Customer), Customer, Field, newValue, out _));
        Assert.False(PersonalDataCipher.TryOpen(c.KeyForRead(Customer), Customer, Field, oldValue, out _));
        Assert.Equal(stamp, c.ErasureStampOf(Customer));
    }

    [Fact]
    public async Task A_restaurant_or_zone_node_that_knows_the_customer_as_erased_seals_with_the_key_made_again_elsewhere()
    {
        var database = await CreateDatabaseAsync();
        database.Prepare();
        await using var a = new CustomerKeyStore(database, new PersonalDataOptions(), TimeProvider.System);
        await using var b = new CustomerKeyStore(database, new PersonalDataOptions(), TimeProvider.System);
        await a.EnsureAsync(Customer);
        await a.EraseAsync(Customer, "key:test", CancellationToken.None);
        Assert.Null(b.KeyForSealing(Customer));
        Assert.True(b.TryGetCached(Customer, out var erased) && erased is null);

        await a.EnsureAsync(Customer);

        // Before any recheck: a seal looks again rather than writing the point coarse.
        Assert.Equal(a.KeyForWrite(Customer), b.KeyForSealing(Customer));
        Assert.True(b.TryGetCached(Customer, out var key) && key is not null);
    }

    [Fact]
    public async Task An_entity_holding_many_customers_forgets_the_entries_taken_in_before_an_erasure_and_keeps_those_after_a_new_key()
    {
        var database = await CreateDatabaseAsync();
        database.Prepare();
        await using var keys = new CustomerKeyStore(database, new PersonalDataOptions(), TimeProvider.System);
        await keys.EnsureAsync(Customer);
        await keys.EnsureAsync("c-other");
        var stamps = new ErasureStamps();
        Assert.True(stamps.Moved(keys));
        stamps.Settle([Customer, "c-other"], keys);
        Assert.False(stamps.Moved(keys));

        await keys.EraseAsync(Customer, "key:test", CancellationToken.None);
        await keys.EnsureAsync(Customer);

        Assert.True(stamps.Moved(keys));
        Assert.True(stamps.ErasedSince(Customer, keys));
        Assert.False(stamps.ErasedSince("c-other", keys));
        stamps.Settle([Customer, "c-other"], keys);
        // An entry of the customer taken in now (with the new key) is not forgotten later.
        stamps.Hold(Customer, keys);
        Assert.False(stamps.ErasedSince(Customer, keys));
        Assert.False(stamps.Moved(keys));
    }
}

public sealed class SqliteKeyAgainAfterErasureTests : KeyAgainAfterErasureCases, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    protected override Task<JournalDatabase> CreateDatabaseAsync() =>
        Task.FromResult(JournalDatabase.From(new PersistenceOptions { SqlitePath = _dir.File(Guid.NewGuid().ToString("N") + ".db") }));
}

public sealed class PostgresKeyAgainAfterErasureTests(PostgresFixture postgres) : KeyAgainAfterErasureCases, IClassFixture<PostgresFixture>
{
    protected override async Task<JournalDatabase> CreateDatabaseAsync() => JournalDatabase.From(new PersistenceOptions
    {
        Provider = PersistenceProvider.PostgreSql,
        ConnectionString = await postgres.Server.CreateDatabaseAsync("again_" + Guid.NewGuid().ToString("N")[..12]),
    });
}
