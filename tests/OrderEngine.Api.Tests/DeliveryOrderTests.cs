using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OrderEngine.Domain;
using OrderEngine.Domain.Dispatch;
using OrderEngine.Domain.Dispatch.Restaurants;
using OrderEngine.Domain.Orders;
using OrderEngine.Engine.Sharding;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests;

/// <summary>
/// POST /api/orders with a delivery: the restaurant is asked first (unknown: 400, paused: 409 with its reason); a paid
/// order reaches the kitchen, and GET shows the delivery's stage, courier, ETA, promise and stages. Bad delivery input
/// is a problem and places nothing.
/// </summary>
public sealed class DeliveryOrderTests(EngineFixture engine) : IClassFixture<EngineFixture>
{
    private const int OnHand = 50;
    private readonly HttpClient _client = engine.Client;

    private IActorRef Restaurants => engine.Services.GetRequiredService<IRequiredActor<RestaurantRegion>>().ActorRef;

    private IActorRef Orders => engine.Services.GetRequiredService<IRequiredActor<OrderRegion>>().ActorRef;

    /// <summary>A restaurant in Berlin serving <paramref name="dish"/>, defined through its entity (its HTTP API is the kitchen's).</summary>
    private async Task<string> Restaurant(string name, string dish)
    {
        var id = Sku(name);
        var reply = await Restaurants.Ask<IRestaurantReply>(new DefineRestaurant(id, name, new GeoPoint(52.52, 13.405), 12m, [dish]), TimeSpan.FromSeconds(10));
        Assert.IsType<RestaurantAccepted>(reply);
        return id;
    }

    private static object DeliveryOrder(string dish, object delivery, string paymentMethod = "card") => new
    {
        channel = "web", customerId = "customer-1", currency = "EUR", paymentMethod,
        lines = new[] { Line(dish, 2, 7.50m) },
        delivery,
    };

    private static object To(string restaurantId, string? promisedBy = null) =>
        promisedBy is null
            ? new { restaurantId, dropOff = new { latitude = 52.53, longitude = 13.41 } }
            : new { restaurantId, dropOff = new { latitude = 52.53, longitude = 13.41 }, promisedBy };

    private async Task<(string OrderId, string Dish, string RestaurantId, JsonElement Order)> PlacedDeliveryOrder(string name, string paymentMethod = "card")
    {
        var dish = Sku(name);
        await _client.SetStock(dish, OnHand);
        var restaurantId = await Restaurant(name, dish);
        var promisedBy = DateTimeOffset.UtcNow.AddMinutes(45).ToString("O");
        using var response = await _client.PlaceOrder(NewKey(), DeliveryOrder(dish, To(restaurantId, promisedBy), paymentMethod));
        await ExpectStatus(response, HttpStatusCode.Created);
        var order = await Body(response);
        return (order.Str("id"), dish, restaurantId, order);
    }

    private async Task<JsonElement> Eventually(string orderId, Func<JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        JsonElement order;
        do
        {
            order = await _client.Order(orderId);
            if (condition(order)) return order;
            await Task.Delay(100);
        } while (DateTime.UtcNow < deadline);
        Assert.Fail($"order {orderId} did not get there: {order}");
        return order;
    }

    [Fact]
    public async Task A_paid_delivery_order_reaches_its_kitchen_and_shows_its_delivery()
    {
        var (orderId, _, restaurantId, placed) = await PlacedDeliveryOrder("deliv-paid");
        var delivery = placed.GetProperty("delivery");
        Assert.Equal((restaurantId, "awaitingKitchen"), (delivery.Str("restaurantId"), delivery.Str("status")));
        Assert.Equal(52.53, delivery.GetProperty("dropOff").GetProperty("latitude").GetDouble());
        Assert.True(delivery.TryGetProperty("promisedBy", out _));

        using (var paid = await _client.Pay(orderId, 15.00m, "EUR", "psp-1")) await ExpectStatus(paid, HttpStatusCode.OK);

        var atKitchen = await Eventually(orderId, o => o.GetProperty("delivery").Str("status") == "atKitchen");
        Assert.True(atKitchen.GetProperty("delivery").TryGetProperty("kitchenNotifiedAt", out _));
        var view = Assert.IsType<RestaurantAccepted>(await Restaurants.Ask<IRestaurantReply>(new GetRestaurant(restaurantId), TimeSpan.FromSeconds(10))).View;
        Assert.Contains(view.Orders, o => o.OrderId == orderId);
    }

    [Fact]
    public async Task Each_stage_shows_in_the_order_with_its_courier_and_eta_once()
    {
        var (orderId, _, _, _) = await PlacedDeliveryOrder("deliv-stages");
        using (var paid = await _client.Pay(orderId, 15.00m, "EUR", "psp-1")) await ExpectStatus(paid, HttpStatusCode.OK);
        await Eventually(orderId, o => o.GetProperty("delivery").Str("status") == "atKitchen");
        var eta = DateTimeOffset.UtcNow.AddMinutes(25);
        var assigned = new RecordDeliveryProgress(orderId, "zone-offer-1", DeliveryStage.CourierAssigned, "courier-7", eta, null, DateTimeOffset.UtcNow);

        Assert.IsType<OrderAccepted>(await Orders.Ask<IOrderReply>(assigned, TimeSpan.FromSeconds(10)));
        Assert.IsType<OrderAccepted>(await Orders.Ask<IOrderReply>(assigned, TimeSpan.FromSeconds(10)));

        var delivery = (await _client.Order(orderId)).GetProperty("delivery");
        Assert.Equal(("courierAssigned", "courier-7"), (delivery.Str("status"), delivery.Str("courierId")));
        Assert.Equal(eta, delivery.GetProperty("eta").GetDateTimeOffset());
        var stage = Assert.Single(delivery.GetProperty("steps").EnumerateArray());
        Assert.Equal(("zone-offer-1", "courierAssigned"), (stage.Str("stageId"), stage.Str("stage")));
        var history = (await _client.Order(orderId)).GetProperty("history").EnumerateArray().Select(h => h.TryGetProperty("reason", out var r) ? r.GetString() : null);
        Assert.Single(history, r => r is not null && r.Contains("courier courier-7 assigned"));
    }

    [Fact]
    public async Task A_kitchen_rejection_cancels_and_refunds_the_order()
    {
        var (orderId, dish, restaurantId, _) = await PlacedDeliveryOrder("deliv-reject");
        using (var paid = await _client.Pay(orderId, 15.00m, "EUR", "psp-1")) await ExpectStatus(paid, HttpStatusCode.OK);
        await Eventually(orderId, o => o.GetProperty("delivery").Str("status") == "atKitchen");

        Assert.IsType<RestaurantAccepted>(await Restaurants.Ask<IRestaurantReply>(new RejectKitchenOrder(restaurantId, orderId, "out of dough"), TimeSpan.FromSeconds(10)));

        var order = await Eventually(orderId, o => o.Status() == "cancelled"
            && o.GetProperty("refunds").EnumerateArray().Any(r => r.Str("status") == "succeeded"));
        Assert.Equal("rejected", order.GetProperty("delivery").Str("status"));
        var refund = Assert.Single(order.GetProperty("refunds").EnumerateArray());
        Assert.Equal(15.00m, refund.GetProperty("amount").GetDecimal());
        Assert.Equal(0m, order.GetProperty("refundable").GetDecimal());
        await _client.StockEventually(dish, s => s.Available == OnHand && s.Sold == 0);
    }

    [Fact]
    public async Task An_unknown_restaurant_is_a_400_problem_naming_it_and_places_nothing()
    {
        var dish = Sku("deliv-unknown");
        await _client.SetStock(dish, OnHand);
        var key = NewKey();

        using var response = await _client.PlaceOrder(key, DeliveryOrder(dish, To(Sku("no-such-restaurant"))));

        await AssertValidationProblem(response, "delivery.restaurantId");
        await _client.AssertNoOrder(Identifiers.OrderIdFromIdempotencyKey(key));
        Assert.Equal(new StockFigures(dish, OnHand, 0, 0, OnHand), await _client.Stock(dish));
    }

    [Fact]
    public async Task A_paused_restaurant_is_a_409_problem_with_its_reason_and_places_nothing_but_a_retry_of_a_placed_order_answers_as_before()
    {
        var dish = Sku("deliv-paused");
        await _client.SetStock(dish, OnHand);
        var restaurantId = await Restaurant("deliv-paused", dish);
        var placedKey = NewKey();
        using (var placed = await _client.PlaceOrder(placedKey, DeliveryOrder(dish, To(restaurantId)))) await ExpectStatus(placed, HttpStatusCode.Created);
        Assert.IsType<RestaurantAccepted>(await Restaurants.Ask<IRestaurantReply>(new PauseRestaurant(restaurantId, "oven broken"), TimeSpan.FromSeconds(10)));
        var key = NewKey();

        using var response = await _client.PlaceOrder(key, DeliveryOrder(dish, To(restaurantId)));

        var problem = await AssertProblem(response, HttpStatusCode.Conflict, "restaurant-not-taking-orders");
        Assert.Contains("oven broken", problem.Str("detail"));
        await _client.AssertNoOrder(Identifiers.OrderIdFromIdempotencyKey(key));
        Assert.Equal(2, (await _client.Stock(dish)).Reserved); // the first order's only
        using var retry = await _client.PlaceOrder(placedKey, DeliveryOrder(dish, To(restaurantId)));
        await ExpectStatus(retry, HttpStatusCode.Created);
    }

    public static TheoryData<string, string, string[]> BadDeliveries => new()
    {
        { "unknown field", """{"restaurantId":"R","dropOff":{"latitude":52.5,"longitude":13.4},"eta":"soon"}""", ["delivery.eta"] },
        { "unknown drop-off field", """{"restaurantId":"R","dropOff":{"latitude":52.5,"longitude":13.4,"alt":3}}""", ["delivery.dropOff.alt"] },
        { "no drop-off", """{"restaurantId":"R"}""", ["delivery.dropOff"] },
        { "half a drop-off", """{"restaurantId":"R","dropOff":{"latitude":52.5}}""", ["delivery.dropOff"] },
        { "latitude out of range", """{"restaurantId":"R","dropOff":{"latitude":95,"longitude":13.4}}""", ["delivery.dropOff"] },
        { "promise in the past", """{"restaurantId":"R","dropOff":{"latitude":52.5,"longitude":13.4},"promisedBy":"2020-01-01T12:00:00Z"}""", ["delivery.promisedBy"] },
        { "malformed restaurant id", """{"restaurantId":"no spaces please","dropOff":{"latitude":52.5,"longitude":13.4}}""", ["delivery.restaurantId"] },
        { "no restaurant id", """{"dropOff":{"latitude":52.5,"longitude":13.4}}""", ["delivery.restaurantId"] },
    };

    [Theory]
    [MemberData(nameof(BadDeliveries))]
    public async Task Bad_delivery_input_is_a_400_problem_naming_the_field_and_changes_nothing(string name, string delivery, string[] fields)
    {
        var dish = Sku("deliv-bad");
        await _client.SetStock(dish, OnHand);
        var restaurantId = await Restaurant("deliv-bad", dish);
        var key = NewKey();
        var body = $$"""{"channel":"web","customerId":"customer-1","currency":"EUR","lines":[{"sku":"{{dish}}","quantity":2,"unitPrice":7.50}],"delivery":{{delivery.Replace("\"R\"", $"\"{restaurantId}\"")}}}""";

        using var response = await _client.PlaceOrder(key, Json(body));

        Assert.True(name.Length > 0);
        await AssertValidationProblem(response, fields);
        await _client.AssertNoOrder(Identifiers.OrderIdFromIdempotencyKey(key));
        Assert.Equal(new StockFigures(dish, OnHand, 0, 0, OnHand), await _client.Stock(dish));
    }

    [Fact]
    public async Task A_delivery_order_paid_by_bank_transfer_is_refused_and_changes_nothing()
    {
        var dish = Sku("deliv-transfer");
        await _client.SetStock(dish, OnHand);
        var restaurantId = await Restaurant("deliv-transfer", dish);
        var key = NewKey();

        using var response = await _client.PlaceOrder(key, DeliveryOrder(dish, To(restaurantId), "bankTransfer"));

        await AssertValidationProblem(response, "paymentMethod");
        await _client.AssertNoOrder(Identifiers.OrderIdFromIdempotencyKey(key));
        Assert.Equal(new StockFigures(dish, OnHand, 0, 0, OnHand), await _client.Stock(dish));
    }
}
