using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using OrderEngine.Domain.Dispatch;
using OrderEngine.Domain.Dispatch.Restaurants;
using OrderEngine.Domain.Dispatch.Zones;
using OrderEngine.Domain.Orders;
using OrderEngine.Engine.Dispatch;
using OrderEngine.Engine.Serialization;

namespace OrderEngine.Engine.PersonalData;

/// <summary>
/// A delivery's drop-off point (a precise location, personal data) at rest: the JSON keeps <c>dropOff</c> rounded to the
/// coarse grid (<see cref="Geo.Coarse"/>, about 1 km) and the precise "latitude,longitude" sealed with the customer's
/// key beside it in <c>dropOffSealed</c> (<see cref="PersonalDataCipher"/>, field name <see cref="Field"/>). Reading
/// puts the precise point back while the key lives; after an erasure the coarse point is what is left. Four places hold
/// it: <see cref="OrderPlaced"/>'s delivery, <see cref="KitchenOrderQueued"/> and the restaurant snapshot's orders,
/// <see cref="DeliveryRequested"/> and the zone snapshot's deliveries. Written before this existed (precise, clear, no
/// sealed field), or without a customer id: read as it is. The domain keeps the clear point in memory.
/// </summary>
public static class DropOffCipher
{
    /// <summary>The field name bound into the sealed value's associated data.</summary>
    public const string Field = "delivery.dropOff";

    /// <summary>The JSON property beside <c>dropOff</c> holding the sealed precise point.</summary>
    public const string SealedProperty = "dropOffSealed";

    private static readonly byte[] SealedMarker = Encoding.UTF8.GetBytes("\"" + SealedProperty + "\"");

    // ---- writing ----

    /// <summary>
    /// The JSON of <paramref name="obj"/> as the journal or snapshot store keeps it: every precise drop-off point it holds
    /// replaced by the coarse one, with the precise one sealed beside it. The placement's key was made durable before
    /// (<see cref="CustomerKeyStore.KeyForWrite"/>); a restaurant's or zone's write never makes a key
    /// (<see cref="CustomerKeyStore.KeyForSealing"/>): without a live one only the coarse point is written. The precise
    /// point is never written in clear when a customer id is known.
    /// </summary>
    public static byte[] SealForWrite(object obj, byte[] json, CustomerKeyStore? keys)
    {
        if (keys is null) return json;
        switch (obj)
        {
            case OrderPlaced { Delivery: { } d } placed when Geo.IsPrecise(d.DropOff):
                return Edit(json, root => Seal(root["delivery"]!.AsObject(), placed.CustomerId, keys.KeyForWrite(placed.CustomerId)));
            case KitchenOrderQueued { CustomerId: { } c } x when Geo.IsPrecise(x.DropOff):
                return Edit(json, root => Seal(root, c, keys.KeyForSealing(c)));
            case DeliveryRequested { CustomerId: { } c } x when Geo.IsPrecise(x.DropOff):
                return Edit(json, root => Seal(root, c, keys.KeyForSealing(c)));
            case RestaurantSnapshot r when !r.Orders.IsDefault && r.Orders.Any(o => o.CustomerId is not null && Geo.IsPrecise(o.DropOff)):
                return Edit(json, root => SealEach(root["orders"]!.AsArray(), keys));
            case ZoneSnapshot z when !z.Deliveries.IsDefault && z.Deliveries.Any(d => d.CustomerId is not null && Geo.IsPrecise(d.DropOff)):
                return Edit(json, root => SealEach(root["deliveries"]!.AsArray(), keys));
            default:
                return json;
        }
    }

    private static void SealEach(JsonArray items, CustomerKeyStore keys)
    {
        foreach (var item in items)
            if (item is JsonObject o && o["customerId"]?.GetValue<string>() is { } c)
                Seal(o, c, keys.KeyForSealing(c));
    }

    private static void Seal(JsonObject holder, string customerId, byte[]? key)
    {
        if (holder["dropOff"] is not JsonObject point || holder.ContainsKey(SealedProperty)) return;
        var precise = new GeoPoint(point["latitude"]!.GetValue<double>(), point["longitude"]!.GetValue<double>());
        if (!Geo.IsPrecise(precise)) return;
        holder["dropOff"] = PointNode(Geo.Coarse(precise));
        if (key is not null) holder[SealedProperty] = PersonalDataCipher.Seal(key, customerId, Field, Format(precise));
    }

    // ---- reading ----

    /// <summary>
    /// <paramref name="obj"/> (read from <paramref name="json"/>) with every sealed drop-off point opened (the key read
    /// from the table when this node has none cached) and read again with <paramref name="read"/>; one that does not open
    /// (erased) leaves the coarse point. An object whose JSON holds no sealed point is returned as it is, without parsing.
    /// </summary>
    public static object OpenOnRead(object obj, byte[] json, CustomerKeyStore? keys, Func<byte[], object> read)
    {
        if (obj is not (OrderPlaced { Delivery: not null } or KitchenOrderQueued or DeliveryRequested or RestaurantSnapshot or ZoneSnapshot)
            || json.AsSpan().IndexOf(SealedMarker) < 0)
            return obj;
        return read(Edit(json, root =>
        {
            switch (obj)
            {
                case OrderPlaced placed:
                    Open(root["delivery"]!.AsObject(), placed.CustomerId, keys);
                    break;
                case KitchenOrderQueued or DeliveryRequested:
                    if (root["customerId"]?.GetValue<string>() is { } c) Open(root, c, keys);
                    break;
                case RestaurantSnapshot or ZoneSnapshot:
                    foreach (var item in root[obj is RestaurantSnapshot ? "orders" : "deliveries"]!.AsArray())
                        if (item is JsonObject o && o["customerId"]?.GetValue<string>() is { } customer)
                            Open(o, customer, keys);
                    break;
            }
        }));
    }

    private static void Open(JsonObject holder, string customerId, CustomerKeyStore? keys)
    {
        if (holder[SealedProperty]?.GetValue<string>() is not { } sealedPoint) return;
        holder.Remove(SealedProperty);
        if (PersonalDataCipher.TryOpen(keys?.KeyForRead(customerId), customerId, Field, sealedPoint, out var clear) && Parse(clear) is { } precise)
            holder["dropOff"] = PointNode(precise);
    }

    // ---- in memory ----

    /// <summary>
    /// The order with its delivery's drop-off point coarse when <paramref name="erased"/> says its customer was erased
    /// after the entity took the point in, as a restart reads it.
    /// </summary>
    public static OrderState Forget(OrderState s, Func<string, bool> erased)
    {
        if (s.Placement is not { } placement || !erased(placement.CustomerId)) return s;
        if (s.Delivery is { } d && Geo.IsPrecise(d.DropOff)) s = s with { Delivery = d with { DropOff = Geo.Coarse(d.DropOff) } };
        if (placement.Delivery is { } r && Geo.IsPrecise(r.DropOff))
            s = s with { Placement = placement with { Delivery = r with { DropOff = Geo.Coarse(r.DropOff) } } };
        return s;
    }

    /// <summary>The kitchen queue with the drop-off points of customers <paramref name="erased"/> says were erased coarse.</summary>
    public static RestaurantState Forget(RestaurantState s, Func<string, bool> erased)
    {
        var orders = s.Orders;
        foreach (var o in s.Orders.Values)
            if (Geo.IsPrecise(o.DropOff) && o.CustomerId is { } c && erased(c))
                orders = orders.SetItem(o.OrderId, o with { DropOff = Geo.Coarse(o.DropOff) });
        return orders == s.Orders ? s : s with { Orders = orders };
    }

    /// <summary>The zone's deliveries with the drop-off points of customers <paramref name="erased"/> says were erased coarse.</summary>
    public static ZoneState Forget(ZoneState s, Func<string, bool> erased)
    {
        var deliveries = s.Deliveries;
        foreach (var d in s.Deliveries.Values)
            if (Geo.IsPrecise(d.DropOff) && d.CustomerId is { } c && erased(c))
                deliveries = deliveries.SetItem(d.OrderId, d with { DropOff = Geo.Coarse(d.DropOff) });
        return deliveries == s.Deliveries ? s : s with { Deliveries = deliveries };
    }

    // ---- helpers ----

    private static byte[] Edit(byte[] json, Action<JsonObject> edit)
    {
        var root = JsonNode.Parse(json)!.AsObject();
        edit(root);
        return Encoding.UTF8.GetBytes(root.ToJsonString());
    }

    private static JsonObject PointNode(GeoPoint p) => new() { ["latitude"] = p.Latitude, ["longitude"] = p.Longitude };

    private static string Format(GeoPoint p) =>
        p.Latitude.ToString("R", CultureInfo.InvariantCulture) + "," + p.Longitude.ToString("R", CultureInfo.InvariantCulture);

    private static GeoPoint? Parse(string? clear)
    {
        var parts = clear?.Split(',');
        return parts is { Length: 2 }
            && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var lat)
            && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var lon)
            ? new GeoPoint(lat, lon)
            : null;
    }
}
