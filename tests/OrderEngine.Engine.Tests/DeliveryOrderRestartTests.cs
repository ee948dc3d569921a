using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OrderEngine.Domain.Dispatch;
using OrderEngine.Domain.Dispatch.Restaurants;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Sharding;
using OrderEngine.Testing;

namespace OrderEngine.Engine.Tests;

/// <summary>A whole node stopped while a paid delivery order's restaurant had not answered: after the restart the order is woken and tells it.</summary>
public sealed class DeliveryOrderRestartTests : IDisposable
{
    private static readonly TimeSpan Ask = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static IActorRef Restaurants(EngineHost engine) => engine.Services.GetRequiredService<ActorRegistry>().Get<RestaurantRegion>();

    private static async Task Eventually(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("never happened: " + what);
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task A_paid_delivery_order_not_yet_with_its_kitchen_tells_it_after_the_node_restarts()
    {
        var settings = EngineHost.Sqlite(_dir.File("oe.db"));
        settings["OrderEngine:Orders:RetryInterval"] = "00:00:00.200";
        settings["OrderEngine:Orders:MaxRetryInterval"] = "00:00:01";
        settings["OrderEngine:Orders:StepGrace"] = "00:00:01";
        settings["OrderEngine:Orders:WakeInterval"] = "00:00:00.500";
        settings["OrderEngine:Orders:WakeRepeat"] = "00:00:01";
        const string orderId = "del-restart";

        await using (var engine = await EngineHost.StartAsync(settings))
        {
            Assert.IsType<StockAccepted>(await engine.Stock.Ask<IStockReply>(new SetOnHand("dish-restart", 10, 1), Ask));
            // The restaurant is not defined yet: it refuses the kitchen notice, and the order keeps asking.
            var placed = await engine.Orders.Ask<IOrderReply>(new PlaceOrder(orderId, "web", "c-1", "EUR", [new OrderLineRequest("dish-restart", 1, 9m)], null,
                Delivery: new DeliveryRequest("rest-restart", new GeoPoint(52.52, 13.405))), Ask);
            Assert.IsType<OrderAccepted>(placed);
            Assert.IsType<OrderAccepted>(await engine.Orders.Ask<IOrderReply>(new ConfirmPayment(orderId, 9m, "EUR", "psp-1"), Ask));
            await Eventually(async () => await engine.Orders.Ask<IOrderReply>(new GetOrder(orderId), Ask) is OrderAccepted { View.StockSettled: true },
                "the paid order's units were sold");
            var view = ((OrderAccepted)await engine.Orders.Ask<IOrderReply>(new GetOrder(orderId), Ask)).View;
            Assert.Equal(OrderDeliveryStatus.AwaitingKitchen, view.Delivery!.Status);
            // Give the projection time to see the settlement, which keeps the order on the waker's list.
            await Task.Delay(TimeSpan.FromSeconds(2));
        }

        await using (var engine = await EngineHost.StartAsync(settings))
        {
            var restaurants = Restaurants(engine);
            Assert.IsType<RestaurantAccepted>(await restaurants.Ask<IRestaurantReply>(
                new DefineRestaurant("rest-restart", "Restart Kitchen", new GeoPoint(52.52, 13.405), 12m, ["dish-restart"]), Ask));

            // Nothing here touches the order: the waker starts it, and it tells the restaurant.
            await Eventually(async () => await restaurants.Ask<IRestaurantReply>(new GetRestaurant("rest-restart"), Ask) is RestaurantAccepted a
                && a.View.Orders.Any(o => o.OrderId == orderId), "the restaurant received the order");
            await Eventually(async () => await engine.Orders.Ask<IOrderReply>(new GetOrder(orderId), Ask) is OrderAccepted { View.Delivery.Status: OrderDeliveryStatus.AtKitchen },
                "the order recorded that its kitchen has it");
        }
    }
}
