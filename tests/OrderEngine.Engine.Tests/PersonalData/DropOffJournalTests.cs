using System.Text;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using OrderEngine.Domain.Dispatch;
using OrderEngine.Domain.Dispatch.Couriers;
using OrderEngine.Domain.Dispatch.Restaurants;
using OrderEngine.Domain.Dispatch.Zones;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.PersonalData;
using OrderEngine.Engine.Sharding;
using OrderEngine.Testing;

namespace OrderEngine.Engine.Tests.PersonalData;

/// <summary>
/// The whole node on SQLite, one delivery order from placement to a courier: the journal holds no precise drop-off point,
/// the order and its courier's zone read it back across a restart, and after an erasure both read the coarse point, in
/// memory and after a restart.
/// </summary>
public sealed class DropOffJournalTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly GeoPoint Kitchen = new(52.52, 13.405);
    private static readonly GeoPoint AdaHome = new(52.538172, 13.420491);
    private static readonly GeoPoint AdaCoarse = new(52.54, 13.42);
    private static readonly string[] AdaDigits = ["52.538", "13.4204", "538172", "420491"];
    private const string OrderId = "o-drop";

    private readonly TempDirectory _dir = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
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

    private static async Task<GeoPoint> OrderDropOff(EngineHost engine)
    {
        var view = ((OrderAccepted)await engine.Orders.Ask<IOrderReply>(new GetOrder(OrderId), Timeout)).View;
        return new GeoPoint(view.Delivery!.DropOff.Latitude, view.Delivery.DropOff.Longitude);
    }

    private static async Task<GeoPoint> CourierDropOff(EngineHost engine, string zone) =>
        Assert.Single(((CourierAccepted)await Zones(engine).Ask<ICourierReply>(new GetZoneCourier(zone, "c-1"), Timeout)).View.Deliveries).DropOff;

    [Fact]
    public async Task The_journal_holds_no_precise_drop_off_and_after_an_erasure_the_order_and_zone_read_the_coarse_point()
    {
        var path = _dir.File("oe.db");
        var settings = EngineHost.Sqlite(path);
        string zone;
        await using (var engine = await EngineHost.StartAsync(settings))
        {
            Assert.IsType<StockAccepted>(await engine.Stock.Ask<IStockReply>(new SetOnHand("dish-drop", 10, 1), Timeout));
            var restaurants = Restaurants(engine);
            var defined = Assert.IsType<RestaurantAccepted>(await restaurants.Ask<IRestaurantReply>(
                new DefineRestaurant("r-drop", "Drop Kitchen", Kitchen, 12m, ["dish-drop"]), Timeout));
            zone = defined.View.ZoneId;
            Assert.IsType<CourierAccepted>(await Zones(engine).Ask<ICourierReply>(new CourierOnline(zone, "c-1", "Ann", Vehicle.Bike, 15, 2, Kitchen), Timeout));

            // A delivery order without an address: its drop-off point alone makes its customer's key.
            Assert.IsType<OrderAccepted>(await engine.Orders.Ask<IOrderReply>(new PlaceOrder(OrderId, "web", "c-ada", "EUR",
                [new OrderLineRequest("dish-drop", 1, 9m)], null, Delivery: new DeliveryRequest("r-drop", AdaHome)), Timeout));
            Assert.IsType<OrderAccepted>(await engine.Orders.Ask<IOrderReply>(new ConfirmPayment(OrderId, 9m, "EUR", "psp-1"), Timeout));
            await Eventually(async () => await restaurants.Ask<IRestaurantReply>(new GetRestaurant("r-drop"), Timeout) is RestaurantAccepted a
                && a.View.Orders.Any(o => o.OrderId == OrderId), "the restaurant received the order");
            Assert.IsType<RestaurantAccepted>(await restaurants.Ask<IRestaurantReply>(new AcceptKitchenOrder("r-drop", OrderId, 10m), Timeout));
            await Eventually(async () => await Zones(engine).Ask<ICourierReply>(new AcceptOffer(zone, "c-1", OrderId), Timeout) is CourierAccepted,
                "the courier took the delivery");

            Assert.Equal(AdaHome, await OrderDropOff(engine));
            Assert.Equal(AdaHome, await CourierDropOff(engine, zone));
            var journal = await RawJournalTextAsync(path);
            foreach (var digits in AdaDigits) Assert.DoesNotContain(digits, journal, StringComparison.Ordinal);
            // The placement, the kitchen's queue and the zone's request each keep it sealed.
            foreach (var kind in new[] { "order.placed", "restaurant.kitchen-order-queued", "zone.delivery-requested" })
                Assert.Contains(kind, await SealedManifestsAsync(path));
        }

        await using (var engine = await EngineHost.StartAsync(settings))
        {
            // Recovered from the journal: precise again while the key lives.
            Assert.Equal(AdaHome, await OrderDropOff(engine));
            Assert.Equal(AdaHome, await CourierDropOff(engine, zone));

            await engine.Services.GetRequiredService<CustomerKeyStore>().EraseAsync("c-ada", "key:test", CancellationToken.None);

            // The entities still in memory forget the precise point at their next message.
            Assert.Equal(AdaCoarse, await OrderDropOff(engine));
            Assert.Equal(AdaCoarse, await CourierDropOff(engine, zone));
        }

        await using (var engine = await EngineHost.StartAsync(settings))
        {
            Assert.Equal(AdaCoarse, await OrderDropOff(engine));
            Assert.Equal(AdaCoarse, await CourierDropOff(engine, zone));
        }
    }

    private static async Task<string> RawJournalTextAsync(string path)
    {
        var text = new StringBuilder();
        foreach (var (_, message) in await RowsAsync(path)) text.Append(message).Append('\n');
        return text.ToString();
    }

    private static async Task<HashSet<string>> SealedManifestsAsync(string path) =>
        [.. (await RowsAsync(path)).Where(r => r.Message.Contains(DropOffCipher.SealedProperty, StringComparison.Ordinal)).Select(r => r.Manifest)];

    private static async Task<List<(string Manifest, string Message)>> RowsAsync(string path)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly }.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT manifest, message FROM journal";
        var rows = new List<(string, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add((reader.GetString(0), Encoding.UTF8.GetString((byte[])reader[1])));
        return rows;
    }
}
