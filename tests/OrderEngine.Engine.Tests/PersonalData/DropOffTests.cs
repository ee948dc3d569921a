using System.Text;
using System.Text.Json;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Microsoft.Data.Sqlite;
using OrderEngine.Domain.Dispatch;
using OrderEngine.Domain.Dispatch.Restaurants;
using OrderEngine.Domain.Dispatch.Zones;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Payments;
using OrderEngine.Engine.Dispatch;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.PersonalData;
using OrderEngine.Engine.Serialization;
using OrderEngine.Testing;

namespace OrderEngine.Engine.Tests.PersonalData;

/// <summary>A delivery's drop-off point at rest: coarse in clear, precise only sealed with the customer's key, coarse after an erasure.</summary>
public sealed class DropOffTests : SealingTestKit
{
    private static readonly DateTimeOffset T = new(2026, 12, 4, 19, 0, 0, TimeSpan.Zero);
    private static readonly GeoPoint Kitchen = new(52.52, 13.405);
    private static readonly GeoPoint AdaHome = new(52.538172, 13.420491);
    private static readonly GeoPoint AdaCoarse = new(52.54, 13.42);
    private static readonly GeoPoint BobHome = new(48.856613, 2.352222);
    // Digits of the precise points that the coarse ones (52.54, 13.42; 48.86, 2.35) do not have.
    private static readonly string[] AdaDigits = ["52.538", "13.4204", "538172", "420491"];
    private static readonly string[] BobDigits = ["48.856", "2.3522", "856613", "352222"];

    /// <summary>The four places a drop-off point is kept, for Ada and Bob.</summary>
    private static object[] Samples() =>
    [
        new OrderPlaced("o-ada", "web", "c-ada", "EUR", [new OrderLine("dish", 1, 9m, 9m)], 9m, null, T.AddMinutes(15), T,
            PaymentMethod.CashOnDelivery, Delivery: new DeliveryRequest("r-1", AdaHome, T.AddMinutes(45))),
        new KitchenOrderQueued("r-1", "o-ada", AdaHome, T.AddMinutes(40), true, 2, T, "c-ada"),
        new DeliveryRequested("u33db", "o-ada", "r-1", Kitchen, AdaHome, T.AddMinutes(10), T.AddMinutes(40), 2, T.AddMinutes(25), T, "c-ada"),
        new RestaurantSnapshot("r-1", null, null, "queue too long", [KitchenOrderOf("o-ada", AdaHome, "c-ada"), KitchenOrderOf("o-bob", BobHome, "c-bob")]),
        ZoneSnapshot.From(ZoneDecider.Fold(ZoneState.Initial("u33db"),
        [
            new DeliveryRequested("u33db", "o-ada", "r-1", Kitchen, AdaHome, T.AddMinutes(10), T.AddMinutes(40), 2, null, T, "c-ada"),
            new DeliveryRequested("u33db", "o-bob", "r-1", Kitchen, BobHome, T.AddMinutes(10), T.AddMinutes(50), 1, null, T, "c-bob"),
        ])),
    ];

    private static KitchenOrder KitchenOrderOf(string orderId, GeoPoint dropOff, string customerId) =>
        new(orderId, dropOff, T.AddMinutes(40), 1, T, KitchenOrderStatus.Accepted, 10m, T.AddMinutes(10), T.AddMinutes(30), "u33db", CustomerId: customerId);

    private static List<(byte[] Bytes, string Manifest)> Write(OrderEngineSerializer serializer, IEnumerable<object> items) =>
        [.. items.Select(e => (serializer.ToBinary(e), serializer.Manifest(e)))];

    private static object[] Read(OrderEngineSerializer serializer, List<(byte[] Bytes, string Manifest)> stored) =>
        [.. stored.Select(s => serializer.FromBinary(s.Bytes, s.Manifest))];

    /// <summary>Every drop-off point a read sample holds, with its order id.</summary>
    private static IEnumerable<(string OrderId, GeoPoint DropOff)> DropOffs(object o) => o switch
    {
        OrderPlaced x => [(x.OrderId, x.Delivery!.DropOff)],
        KitchenOrderQueued x => [(x.OrderId, x.DropOff)],
        DeliveryRequested x => [(x.OrderId, x.DropOff)],
        RestaurantSnapshot x => x.Orders.Select(k => (k.OrderId, k.DropOff)),
        ZoneSnapshot x => x.Deliveries.Select(d => (d.OrderId, d.DropOff)),
        _ => throw new InvalidOperationException(o.GetType().Name),
    };

    [Fact]
    public async Task The_four_places_keep_the_precise_point_only_sealed_and_read_it_back_on_any_node()
    {
        await Keys.EnsureAsync("c-ada");
        await Keys.EnsureAsync("c-bob");
        var serializer = SerializerWith(Keys);
        var samples = Samples();

        var stored = Write(serializer, samples);

        foreach (var (bytes, manifest) in stored)
        {
            var text = Encoding.UTF8.GetString(bytes);
            foreach (var digits in AdaDigits.Concat(BobDigits)) Assert.DoesNotContain(digits, text, StringComparison.Ordinal);
            // The coarse point is kept clear beside the sealed one.
            Assert.Contains("\"latitude\":52.54,\"longitude\":13.42", text, StringComparison.Ordinal);
            Assert.Contains("\"" + DropOffCipher.SealedProperty + "\":\"" + PersonalDataCipher.Prefix, text, StringComparison.Ordinal);
            Assert.DoesNotContain("[erased]", text, StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty(manifest));
        }
        // The restaurant's location (the pickup) is not personal: it stays as it is.
        Assert.Contains("\"latitude\":52.52,\"longitude\":13.405", Encoding.UTF8.GetString(stored[2].Bytes), StringComparison.Ordinal);

        Assert.Equal(samples.Select(Json), Read(serializer, stored).Select(Json));
        // Another node (an empty cache) reads the keys from the table.
        await using var other = NewStore();
        Assert.Equal(samples.Select(Json), Read(SerializerWith(other), stored).Select(Json));
    }

    [Fact]
    public async Task After_an_erasure_only_the_coarse_point_is_left_and_another_customers_point_is_intact()
    {
        await Keys.EnsureAsync("c-ada");
        await Keys.EnsureAsync("c-bob");
        var stored = Write(SerializerWith(Keys), Samples());

        await Keys.EraseAsync("c-ada", "key:admin", CancellationToken.None);

        await using var other = NewStore();
        foreach (var serializer in new[] { SerializerWith(Keys), SerializerWith(other) })
        {
            var points = Read(serializer, stored).SelectMany(DropOffs).ToList();
            Assert.Equal(5, points.Count(p => p.OrderId == "o-ada"));
            Assert.All(points.Where(p => p.OrderId == "o-ada"), p => Assert.Equal(AdaCoarse, p.DropOff));
            Assert.Equal(2, points.Count(p => p.OrderId == "o-bob"));
            Assert.All(points.Where(p => p.OrderId == "o-bob"), p => Assert.Equal(BobHome, p.DropOff));
        }

        // Written again (a later snapshot, another node's write) after the erasure: only the coarse point, nothing sealed.
        var rewritten = Write(SerializerWith(Keys), [new KitchenOrderQueued("r-1", "o-ada2", AdaHome, T, true, 1, T, "c-ada")]);
        var text = Encoding.UTF8.GetString(rewritten[0].Bytes);
        foreach (var digits in AdaDigits) Assert.DoesNotContain(digits, text, StringComparison.Ordinal);
        Assert.DoesNotContain(DropOffCipher.SealedProperty, text, StringComparison.Ordinal);
    }

    [Fact]
    public void Events_and_snapshots_written_before_sealing_read_as_they_are()
    {
        var serializer = SerializerWith(Keys);
        var queued = (KitchenOrderQueued)serializer.FromBinary(Encoding.UTF8.GetBytes(
            """{"restaurantId":"r-1","orderId":"o-old","dropOff":{"latitude":52.538172,"longitude":13.420491},"promisedBy":"2026-12-04T19:40:00+00:00","promised":true,"items":2,"at":"2026-12-04T19:00:00+00:00"}"""),
            "restaurant.kitchen-order-queued");
        Assert.Equal(new KitchenOrderQueued("r-1", "o-old", AdaHome, T.AddMinutes(40), true, 2, T), queued);
        var requested = (DeliveryRequested)serializer.FromBinary(Encoding.UTF8.GetBytes(
            """{"zoneId":"u33db","orderId":"o-old","restaurantId":"r-1","pickup":{"latitude":52.52,"longitude":13.405},"dropOff":{"latitude":52.538172,"longitude":13.420491},"readyAt":"2026-12-04T19:10:00+00:00","promisedBy":"2026-12-04T19:40:00+00:00","items":2,"at":"2026-12-04T19:00:00+00:00"}"""),
            "zone.delivery-requested");
        Assert.Equal(new DeliveryRequested("u33db", "o-old", "r-1", Kitchen, AdaHome, T.AddMinutes(10), T.AddMinutes(40), 2, null, T), requested);

        // Placements, snapshots and events without a customer id, as earlier versions wrote them: clear and precise.
        var old = new object[]
        {
            new OrderPlaced("o-old", "web", "c-old", "EUR", [new OrderLine("dish", 1, 9m, 9m)], 9m, null, T.AddMinutes(15), T,
                Delivery: new DeliveryRequest("r-1", AdaHome)),
            new RestaurantSnapshot("r-1", null, null, null, [KitchenOrderOf("o-old", AdaHome, "c-old") with { CustomerId = null }]),
            ZoneSnapshot.From(ZoneDecider.Fold(ZoneState.Initial("u33db"),
                [new DeliveryRequested("u33db", "o-old", "r-1", Kitchen, AdaHome, T, T.AddMinutes(40), 1, null, T)])),
        };
        var stored = Write(SerializerWith(null), old);
        Assert.All(stored, s => Assert.Contains("52.538172", Encoding.UTF8.GetString(s.Bytes), StringComparison.Ordinal));
        Assert.Equal(old.Select(Json), Read(serializer, stored).Select(Json));
    }

    [Fact]
    public async Task A_restaurant_or_zone_write_for_a_customer_without_a_key_keeps_the_coarse_point_and_makes_no_key()
    {
        var serializer = SerializerWith(Keys);
        var stored = Write(serializer, [new DeliveryRequested("u33db", "o-nokey", "r-1", Kitchen, AdaHome, T, T.AddMinutes(40), 1, null, T, "c-nokey")]);

        var text = Encoding.UTF8.GetString(stored[0].Bytes);
        foreach (var digits in AdaDigits) Assert.DoesNotContain(digits, text, StringComparison.Ordinal);
        Assert.DoesNotContain(DropOffCipher.SealedProperty, text, StringComparison.Ordinal);
        Assert.Equal(AdaCoarse, ((DeliveryRequested)Read(serializer, stored)[0]).DropOff);
        // No key was made, and the missing one is not remembered as an erasure: a later placement still gets a key.
        Assert.False(Keys.TryGetCached("c-nokey", out _));
        Assert.False((await Keys.StatusAsync("c-nokey", CancellationToken.None)).HasKey);
        await Keys.EnsureAsync("c-nokey");
        Assert.True(Keys.TryGetCached("c-nokey", out var key) && key is not null);
    }

    private bool KnownErased(string customerId) => Keys.TryGetCached(customerId, out var key) && key is null;

    [Fact]
    public async Task Entities_in_memory_forget_exactly_the_erased_customers_precise_points()
    {
        await Keys.EnsureAsync("c-ada");
        await Keys.EnsureAsync("c-bob");
        var samples = Samples();
        var restaurant = ((RestaurantSnapshot)samples[3]).ToState();
        var zone = ((ZoneSnapshot)samples[4]).ToState();
        var order = OrderDecider.Evolve(OrderState.Initial("o-ada"), (OrderPlaced)samples[0]);
        Assert.Same(restaurant, DropOffCipher.Forget(restaurant, KnownErased));
        Assert.Same(zone, DropOffCipher.Forget(zone, KnownErased));
        Assert.Same(order, DropOffCipher.Forget(order, KnownErased));
        var before = Keys.ErasuresSeen;
        var stored = Write(SerializerWith(Keys), [RestaurantSnapshot.From(restaurant), ZoneSnapshot.From(zone)]);

        await Keys.EraseAsync("c-ada", "key:admin", CancellationToken.None);

        Assert.Equal(before + 1, Keys.ErasuresSeen);
        var forgotten = DropOffCipher.Forget(restaurant, KnownErased);
        Assert.Equal((AdaCoarse, BobHome), (forgotten.Orders["o-ada"].DropOff, forgotten.Orders["o-bob"].DropOff));
        var zoneForgotten = DropOffCipher.Forget(zone, KnownErased);
        Assert.Equal((AdaCoarse, BobHome), (zoneForgotten.Deliveries["o-ada"].DropOff, zoneForgotten.Deliveries["o-bob"].DropOff));
        var orderForgotten = DropOffCipher.Forget(order, KnownErased);
        Assert.Equal(AdaCoarse, orderForgotten.Delivery!.DropOff);
        Assert.Equal(AdaCoarse, orderForgotten.Placement!.Delivery!.DropOff);
        Assert.Equal(new DropOffPoint(52.54, 13.42), orderForgotten.Delivery.ToView().DropOff);
        // What a restart reads is the same.
        Assert.Equal([Json(RestaurantSnapshot.From(forgotten)), Json(ZoneSnapshot.From(zoneForgotten))], Read(SerializerWith(Keys), stored).Select(Json));
    }
}
