using OrderEngine.Api.Http;
using OrderEngine.Domain.Dispatch;
using OrderEngine.Domain.Dispatch.Couriers;
using OrderEngine.Domain.Dispatch.Zones;

namespace OrderEngine.Api.Dispatch;

// What the zone and courier endpoints answer: the entities' views, shaped for clients.

public sealed record PointJson(double Latitude, double Longitude)
{
    public static PointJson? Of(GeoPoint? p) => p is null ? null : new(p.Latitude, p.Longitude);
}

public sealed record ZoneCourierJson(string CourierId, CourierStatus Status, PointJson Position, int Load, int Capacity);

public sealed record ZoneDeliveryJson(
    string OrderId, string RestaurantId, DateTimeOffset PromisedBy, DateTimeOffset ReadyAt, DateTimeOffset? EstimatedPickup, DateTimeOffset? Eta,
    string? CourierId, DateTimeOffset? OfferExpiresAt);

public sealed record ZoneJson(
    string ZoneId, string Policy, double OfferTimeoutSeconds, double BatchMaxDelayMinutes,
    ZoneCourierJson[] Couriers, ZoneDeliveryJson[] Waiting, ZoneDeliveryJson[] Offered, ZoneDeliveryJson[] Assigned, ZoneDeliveryJson[] PickedUp,
    ZoneDeliveryJson[] Flagged, int AvailableCouriers, int WaitingDeliveries, double Surge)
{
    public static ZoneJson Of(ZoneView v)
    {
        static ZoneDeliveryJson[] D(IEnumerable<ZoneDeliveryView> ds) =>
            [.. ds.Select(d => new ZoneDeliveryJson(d.OrderId, d.RestaurantId, d.PromisedBy, d.ReadyAt, d.EstimatedPickup, d.Eta, d.CourierId, d.OfferExpiresAt))];
        return new(v.ZoneId, v.Policy, v.OfferTimeoutSeconds, v.BatchMaxDelayMinutes,
            [.. v.Couriers.Select(c => new ZoneCourierJson(c.CourierId, c.Status, PointJson.Of(c.Position)!, c.Load, c.Capacity))],
            D(v.Waiting), D(v.Offered), D(v.Assigned), D(v.PickedUp), D(v.Flagged), v.AvailableCouriers, v.WaitingDeliveries, v.Surge);
    }
}

public sealed record CourierOfferJson(string OrderId, string RestaurantId, DateTimeOffset ExpiresAt, DateTimeOffset? EstimatedPickup, DateTimeOffset? Eta);

public sealed record CourierDeliveryJson(string OrderId, string RestaurantId, string Status, PointJson Pickup, PointJson DropOff, DateTimeOffset? Eta);

public sealed record CourierJson(
    string CourierId, string? Name, Vehicle Vehicle, int Capacity, CourierStatus Status, string? ZoneId, PointJson? Position,
    CourierOfferJson[] Offers, CourierDeliveryJson[] Deliveries)
{
    public static CourierJson Of(CourierView v) => new(v.CourierId, v.Name, v.Vehicle, v.Capacity, v.Status, v.ZoneId, PointJson.Of(v.Position),
        [.. v.Offers.Select(o => new CourierOfferJson(o.OrderId, o.RestaurantId, o.ExpiresAt, o.EstimatedPickup, o.Eta))],
        [.. v.Deliveries.Select(d => new CourierDeliveryJson(d.OrderId, d.RestaurantId, d.Status, PointJson.Of(d.Pickup)!, PointJson.Of(d.DropOff)!, d.Eta))]);
}

/// <summary>Problem answers shared by the zone and courier endpoints.</summary>
internal static class DispatchProblems
{
    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Invalid(string field, string message) =>
        Problems.Validation(message, new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>A point from a body's latitude and longitude, or the problem with them.</summary>
    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult? Point(double? latitude, double? longitude, out GeoPoint point)
    {
        point = new GeoPoint(latitude ?? double.NaN, longitude ?? double.NaN);
        if (latitude is null || !double.IsFinite(latitude.Value) || latitude is < -90 or > 90) return Invalid("latitude", "latitude is required, -90 to 90");
        if (longitude is null || !double.IsFinite(longitude.Value) || longitude is < -180 or > 180) return Invalid("longitude", "longitude is required, -180 to 180");
        return null;
    }
}
