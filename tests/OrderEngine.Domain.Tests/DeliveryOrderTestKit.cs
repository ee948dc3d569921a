using OrderEngine.Domain.Dispatch;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Payments;
using static OrderEngine.Domain.Tests.OrderTestKit;

namespace OrderEngine.Domain.Tests;

/// <summary>Restaurant delivery orders built through the decider: placed, paid or confirmed, with the kitchen or not.</summary>
internal static class DeliveryOrderTestKit
{
    public const string RestaurantId = "r-1";

    public static readonly GeoPoint DropOff = new(52.52, 13.405);

    public static readonly DeliveryRequest Request = new(RestaurantId, DropOff, T0.AddMinutes(45));

    public static PlaceOrder PlaceDelivery(PaymentMethod method = PaymentMethod.Card, DeliveryRequest? delivery = null) =>
        Place() with { ShippingAddress = null, PaymentMethod = method, Delivery = delivery ?? Request };

    public static OrderState DeliveryReserved() => Apply(Apply(Given(), PlaceDelivery()), AllReserved(), T0.AddSeconds(1));

    public static OrderState DeliveryPaid() => Apply(DeliveryReserved(), Pay(), T0.AddMinutes(1));

    public static OrderState DeliveryCod() => Apply(Apply(Given(), PlaceDelivery(PaymentMethod.CashOnDelivery)), AllReserved(), T0.AddSeconds(1));

    public static OrderState WithKitchen(OrderState s) => Apply(s, new MarkKitchenNotified(OrderId, RestaurantId), T0.AddMinutes(2));

    public static RecordDeliveryProgress Stage(string stageId, DeliveryStage stage, int atMinute, string? courier = null, int? etaMinute = null, string? note = null) =>
        new(OrderId, stageId, stage, courier, etaMinute is { } e ? T0.AddMinutes(e) : null, note, T0.AddMinutes(atMinute));
}
