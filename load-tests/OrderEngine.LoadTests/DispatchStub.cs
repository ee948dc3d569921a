using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using OrderEngine.LoadTests.Cli;
using OrderEngine.LoadTests.Scenarios.Rush;

namespace OrderEngine.LoadTests;

/// <summary>
/// `dispatch-stub`: an in-memory stand-in for the engine's dispatch API as the issue-10 contract describes it (stock,
/// delivery orders and payment, restaurants and kitchen answers, couriers, zones with offers that time out), so the
/// restaurant rush's client side — its simulation, report and checks — can be run without an engine. Its dispatching is
/// deliberately crude (earliest-pickup: the courier with room that gets there first; naive: the nearest idle one; no
/// batching, no pausing); it is a test double of the wire format and the flow, never a model of the engine's rules, and
/// its figures say nothing about the engine. `--break double-assign` makes it hand some orders to two couriers, to see
/// the rush's invariant check fail.
/// </summary>
public static class DispatchStub
{
    private sealed class Courier
    {
        public required string Id;
        public string Vehicle = "bike";
        public int Capacity = 2;
        public double Speed = 450;
        public string Status = "offline";
        public string? Zone;
        public MapPoint Position;
        public readonly Dictionary<string, string> Deliveries = new(StringComparer.Ordinal);
    }

    private sealed class Restaurant
    {
        public required string Id;
        public MapPoint Location;
        public string Zone = "";
        public double Prep = 0.4;
        public readonly Dictionary<string, string> Orders = new(StringComparer.Ordinal);
    }

    private sealed class Order
    {
        public required string Id;
        public decimal Total;
        public string Status = "reserved";
        public required string Restaurant;
        public MapPoint DropOff;
        public DateTimeOffset ReceivedAt;
        public DateTimeOffset? PromisedBy;
        public string DeliveryStatus = "placed";
        public string? Courier;
        public DateTimeOffset? ReadyAt;
        public readonly List<(string Stage, DateTimeOffset At)> Steps = [];
        public readonly HashSet<string> Asked = new(StringComparer.Ordinal);
        public (string Courier, DateTimeOffset Expires)? Offer;
        public List<(string Sku, int Qty)> Lines = [];
    }

    private static readonly object Gate = new();
    private static readonly Dictionary<string, long[]> Stock = new(StringComparer.Ordinal);
    private static readonly Dictionary<string, Order> Orders = new(StringComparer.Ordinal);
    private static readonly Dictionary<string, string> Keys = new(StringComparer.Ordinal);
    private static readonly Dictionary<string, Restaurant> Restaurants = new(StringComparer.Ordinal);
    private static readonly Dictionary<string, Courier> Couriers = new(StringComparer.Ordinal);
    private static readonly Dictionary<string, string> Policies = new(StringComparer.Ordinal);
    private static int _offerTimeout = 3;
    private static bool _breakDoubleAssign;
    private static int _sequence;

    public static async Task<int> RunAsync(Args options, CancellationToken ct)
    {
        var port = options.Int("port", 5098, 1, 65535);
        _offerTimeout = options.Int("offer-timeout", 3, 1, 600);
        _breakDoubleAssign = options.String("break", "") == "double-assign";
        options.RejectUnknown();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        Console.Error.WriteLine($"dispatch-stub: listening on http://127.0.0.1:{port} (a stand-in for the dispatch API's wire format, not the engine's rules; Ctrl+C to stop)");
        var dispatcher = Task.Run(async () =>
        {
            while (!ct.IsCancellationRequested)
            {
                lock (Gate) Dispatch(DateTimeOffset.UtcNow);
                try
                {
                    await Task.Delay(100, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }, CancellationToken.None);
        using var reg = ct.Register(listener.Stop);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var context = await listener.GetContextAsync().ConfigureAwait(false);
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await ServeAsync(context).ConfigureAwait(false);
                    }
                    catch (Exception e)
                    {
                        Console.Error.WriteLine($"dispatch-stub: {context.Request.HttpMethod} {context.Request.Url?.AbsolutePath}: {e.GetType().Name}: {e.Message}");
                        try
                        {
                            context.Response.StatusCode = 500;
                            context.Response.Close();
                        }
                        catch (Exception)
                        {
                            // the client went away
                        }
                    }
                }, CancellationToken.None);
            }
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
        {
        }
        await dispatcher.ConfigureAwait(false);
        return 0;
    }

    private static async Task ServeAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var path = request.Url!.AbsolutePath.Trim('/').Split('/');
        JsonElement body = default;
        if (request.HasEntityBody)
        {
            using var reader = new StreamReader(request.InputStream, Encoding.UTF8);
            var text = await reader.ReadToEndAsync().ConfigureAwait(false);
            if (text.Length > 0) body = JsonDocument.Parse(text).RootElement.Clone();
        }
        int status;
        object? answer;
        lock (Gate)
        {
            try
            {
                (status, answer) = Route(request.HttpMethod, path, body, request.Headers["Idempotency-Key"], request.QueryString, DateTimeOffset.UtcNow);
            }
            catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException or JsonException)
            {
                (status, answer) = (400, Problem(400, e.Message));
            }
        }
        var bytes = JsonSerializer.SerializeToUtf8Bytes(answer ?? new Dictionary<string, object?>());
        context.Response.StatusCode = status;
        context.Response.ContentType = status >= 400 ? "application/problem+json" : "application/json";
        context.Response.ContentLength64 = bytes.Length;
        try
        {
            await context.Response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
            context.Response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
        }
    }

    private static Dictionary<string, object?> Problem(int status, string detail, string? code = null) => new()
    {
        ["type"] = "urn:orderengine:problem:stub", ["title"] = detail, ["status"] = status, ["detail"] = detail, ["code"] = code,
    };

    private static double D(JsonElement e, string name) => e.GetProperty(name).GetDouble();

    private static MapPoint P(JsonElement e) => new(D(e, "latitude"), D(e, "longitude"));

    private static (int, object?) Route(string method, string[] p, JsonElement body, string? key, System.Collections.Specialized.NameValueCollection query, DateTimeOffset now)
    {
        switch (method, p)
        {
            case ("GET", ["health", "ready"]):
                return (200, new { status = "ready" });
            case ("PUT", ["api", "stock", var sku]):
                Stock[sku] = [body.GetProperty("onHand").GetInt64(), 0, 0];
                return (200, StockView(sku));
            case ("GET", ["api", "stock", var sku]):
                return Stock.ContainsKey(sku) ? (200, StockView(sku)) : (404, Problem(404, "no such SKU"));
            case ("POST", ["api", "orders"]):
                return PlaceOrder(body, key, now);
            case ("POST", ["api", "orders", var id, "payment"]):
            {
                if (!Orders.TryGetValue(id, out var o)) return (404, Problem(404, "no such order"));
                if (body.GetProperty("amount").GetDecimal() != o.Total) return (409, Problem(409, "amount does not match the total"));
                if (o.Status == "reserved")
                {
                    o.Status = "paid";
                    foreach (var (sku, qty) in o.Lines)
                    {
                        Stock[sku][1] -= qty;
                        Stock[sku][2] += qty;
                    }
                    Restaurants[o.Restaurant].Orders[o.Id] = "received";
                    o.DeliveryStatus = "atKitchen";
                }
                return (200, OrderView(o));
            }
            case ("GET", ["api", "orders", var id]):
                return Orders.TryGetValue(id, out var order) ? (200, OrderView(order)) : (404, Problem(404, "no such order"));
            case ("GET", ["api", "zones", "of"]):
                return (200, new { zoneId = RushGeo.Geohash(new MapPoint(double.Parse(query["latitude"]!, CultureInfo.InvariantCulture), double.Parse(query["longitude"]!, CultureInfo.InvariantCulture)), 5) });
            case ("PUT", ["api", "zones", var zone]):
                Policies[zone] = body.TryGetProperty("policy", out var policy) ? policy.GetString()! : "earliest-pickup";
                if (body.TryGetProperty("offerTimeoutSeconds", out var t)) _offerTimeout = t.GetInt32();
                return (200, ZoneView(zone));
            case ("GET", ["api", "zones", var zone]):
                return (200, ZoneView(zone));
            case ("PUT", ["api", "restaurants", var id]):
            {
                var r = Restaurants.TryGetValue(id, out var existing) ? existing : Restaurants[id] = new Restaurant { Id = id };
                r.Location = P(body);
                r.Zone = RushGeo.Geohash(r.Location, 5);
                r.Prep = D(body, "prepMinutes");
                return (200, RestaurantView(r));
            }
            case ("GET", ["api", "restaurants", var id]):
                return Restaurants.TryGetValue(id, out var rr) ? (200, RestaurantView(rr)) : (404, Problem(404, "no such restaurant"));
            case ("POST", ["api", "restaurants", var id, "orders", var orderId, var verb]):
            {
                if (!Restaurants.TryGetValue(id, out var r) || !r.Orders.TryGetValue(orderId, out var state)) return (404, Problem(404, "the restaurant never received it"));
                var o = Orders[orderId];
                if (verb == "accept")
                {
                    if (state == "rejected") return (409, Problem(409, "rejected"));
                    if (state == "received")
                    {
                        r.Orders[orderId] = "accepted";
                        var prep = D(body, "prepMinutes");
                        o.ReadyAt = now.AddMinutes(prep);
                        o.PromisedBy = now.AddMinutes(prep + RushGeo.DistanceKm(r.Location, o.DropOff) / 450 * 60 + 10.0 / 30);
                        o.DeliveryStatus = "awaitingCourier";
                        o.Steps.Add(("kitchenAccepted", now));
                    }
                    return (200, RestaurantView(r));
                }
                if (state == "accepted") return (409, Problem(409, "accepted"));
                r.Orders[orderId] = "rejected";
                o.Status = "refunded";
                o.DeliveryStatus = "kitchenRejected";
                return (200, RestaurantView(r));
            }
            case ("PUT", ["api", "couriers", var id]):
            {
                var c = Couriers.TryGetValue(id, out var existing) ? existing : Couriers[id] = new Courier { Id = id };
                c.Vehicle = body.GetProperty("vehicle").GetString()!;
                (c.Capacity, c.Speed) = c.Vehicle switch { "car" => (4, 900.0), "scooter" => (3, 750.0), _ => (2, 450.0) };
                return (200, CourierView(c, now));
            }
            case ("GET", ["api", "couriers", var id]):
                return Couriers.TryGetValue(id, out var cc) ? (200, CourierView(cc, now)) : (404, Problem(404, "no such courier"));
            case ("POST", ["api", "couriers", var id, "online"]):
            {
                var c = Couriers[id];
                c.Position = P(body);
                c.Zone = RushGeo.Geohash(c.Position, 5);
                c.Status = "available";
                return (200, CourierView(c, now));
            }
            case ("POST", ["api", "couriers", var id, "offline"]):
                Couriers[id].Status = "offline";
                return (200, CourierView(Couriers[id], now));
            case ("POST", ["api", "couriers", var id, "position"]):
                Couriers[id].Position = P(body);
                return (200, CourierView(Couriers[id], now));
            case ("POST", ["api", "couriers", var id, "offers", var orderId, var verb]):
            {
                var c = Couriers[id];
                var o = Orders.GetValueOrDefault(orderId);
                if (c.Deliveries.ContainsKey(orderId) && verb == "accept") return (200, CourierView(c, now));
                if (o?.Offer is not { } offer || offer.Courier != id || offer.Expires < now) return (409, Problem(409, "the offer expired or went to another courier"));
                o.Offer = null;
                if (verb == "decline") return (200, CourierView(c, now));
                c.Deliveries[orderId] = "assigned";
                o.Courier = id;
                o.DeliveryStatus = "assigned";
                o.Steps.Add(("courierAssigned", now));
                if (_breakDoubleAssign && Orders.Count % 5 == 0)
                    foreach (var other in Couriers.Values.Where(x => x != c && x.Zone == c.Zone).Take(1)) other.Deliveries[orderId] = "assigned";
                return (200, CourierView(c, now));
            }
            case ("POST", ["api", "couriers", var id, "deliveries", var orderId, var verb]):
            {
                var c = Couriers[id];
                if (!c.Deliveries.TryGetValue(orderId, out var state)) return (409, Problem(409, "not held by this courier"));
                var o = Orders[orderId];
                if (verb == "pickup")
                {
                    if (o.ReadyAt > now) return (409, Problem(409, "not ready yet"));
                    c.Deliveries[orderId] = "pickedUp";
                    o.DeliveryStatus = "pickedUp";
                    o.Steps.Add(("pickedUp", now));
                    Restaurants[o.Restaurant].Orders[orderId] = "collected";
                    return (200, CourierView(c, now));
                }
                if (state != "pickedUp") return (409, Problem(409, "not picked up"));
                c.Deliveries.Remove(orderId);
                o.DeliveryStatus = "delivered";
                o.Steps.Add(("delivered", now));
                return (200, CourierView(c, now));
            }
        }
        return (404, Problem(404, "no such endpoint in the dispatch stub"));
    }

    private static (int, object?) PlaceOrder(JsonElement body, string? key, DateTimeOffset now)
    {
        if (key is not null && Keys.TryGetValue(key, out var existing)) return (201, OrderView(Orders[existing]));
        var delivery = body.GetProperty("delivery");
        var restaurant = delivery.GetProperty("restaurantId").GetString()!;
        if (!Restaurants.ContainsKey(restaurant)) return (422, Problem(422, "delivery.restaurantId: no such restaurant"));
        var lines = body.GetProperty("lines").EnumerateArray().Select(l => (Sku: l.GetProperty("sku").GetString()!, Qty: l.GetProperty("quantity").GetInt32(), Price: l.GetProperty("unitPrice").GetDecimal())).ToList();
        if (lines.Any(l => !Stock.TryGetValue(l.Sku, out var s) || s[0] - s[1] - s[2] < l.Qty))
            return (409, new { type = "urn:orderengine:problem:lines-not-reserved", status = 409, lines = new[] { new { code = "InsufficientStock" } } });
        foreach (var l in lines) Stock[l.Sku][1] += l.Qty;
        var order = new Order
        {
            Id = "ostub" + (++_sequence).ToString(CultureInfo.InvariantCulture), Restaurant = restaurant, DropOff = P(delivery.GetProperty("dropOff")),
            Total = lines.Sum(l => l.Qty * l.Price), ReceivedAt = now, Lines = lines.Select(l => (l.Sku, l.Qty)).ToList(),
        };
        Orders[order.Id] = order;
        if (key is not null) Keys[key] = order.Id;
        return (201, OrderView(order));
    }

    /// <summary>Offers expire; waiting orders (earliest promise first) are offered to a courier of their zone.</summary>
    private static void Dispatch(DateTimeOffset now)
    {
        var waiting = Orders.Values.Where(o => o.DeliveryStatus == "awaitingCourier").OrderBy(o => o.PromisedBy).ToList();
        foreach (var o in waiting)
        {
            if (o.Offer is { } offer && offer.Expires >= now) continue;
            o.Offer = null;
            var r = Restaurants[o.Restaurant];
            var policy = Policies.GetValueOrDefault(r.Zone, "earliest-pickup");
            var busy = new HashSet<string>(Orders.Values.Where(x => x.Offer is not null).Select(x => x.Offer!.Value.Courier), StringComparer.Ordinal);
            var candidates = Couriers.Values.Where(c => c.Status != "offline" && c.Zone == r.Zone && !busy.Contains(c.Id) && !o.Asked.Contains(c.Id)).ToList();
            candidates = policy == "naive"
                ? candidates.Where(c => c.Deliveries.Count == 0).OrderBy(c => RushGeo.DistanceKm(c.Position, r.Location)).ToList()
                : candidates.Where(c => c.Deliveries.Count < c.Capacity).OrderBy(c => RushGeo.DistanceKm(c.Position, r.Location) / c.Speed + c.Deliveries.Count * 0.01).ToList();
            if (candidates.Count == 0)
            {
                if (Couriers.Values.Count(c => c.Zone == r.Zone && !o.Asked.Contains(c.Id)) == 0) o.Asked.Clear(); // everyone was asked: start again
                continue;
            }
            var chosen = candidates[0];
            o.Asked.Add(chosen.Id);
            o.Offer = (chosen.Id, now.AddSeconds(_offerTimeout));
        }
    }

    private static object StockView(string sku)
    {
        var s = Stock[sku];
        return new { sku, onHand = s[0], reserved = s[1], sold = s[2], available = s[0] - s[1] - s[2], version = 1 };
    }

    private static object OrderView(Order o) => new
    {
        id = o.Id, status = o.Status, total = o.Total, receivedAt = o.ReceivedAt, refunds = o.Status == "refunded" ? new[] { new { amount = o.Total } } : [],
        delivery = new
        {
            restaurantId = o.Restaurant, dropOff = new { latitude = o.DropOff.Latitude, longitude = o.DropOff.Longitude }, promisedBy = o.PromisedBy,
            status = o.DeliveryStatus, courierId = o.Courier, steps = o.Steps.Select(s => new { stage = s.Stage, at = s.At }).ToList(),
        },
    };

    private static object RestaurantView(Restaurant r) => new
    {
        restaurantId = r.Id, zoneId = r.Zone, prepMinutes = r.Prep, status = "open", queueEtaMinutes = 0.0,
        orders = r.Orders.Select(kv => new { orderId = kv.Key, status = kv.Value }).ToList(),
    };

    private static object CourierView(Courier c, DateTimeOffset now) => new
    {
        courierId = c.Id, vehicle = c.Vehicle, capacity = c.Capacity, status = c.Status, zoneId = c.Zone,
        position = new { latitude = c.Position.Latitude, longitude = c.Position.Longitude },
        offers = Orders.Values.Where(o => o.Offer is { } f && f.Courier == c.Id && f.Expires >= now).Select(o => new { orderId = o.Id, restaurantId = o.Restaurant, expiresAt = o.Offer!.Value.Expires }).ToList(),
        deliveries = c.Deliveries.Select(d => new { orderId = d.Key, restaurantId = Orders[d.Key].Restaurant, status = d.Value }).ToList(),
    };

    private static object ZoneView(string zone)
    {
        var couriers = Couriers.Values.Where(c => c.Zone == zone && c.Status != "offline").ToList();
        var orders = Orders.Values.Where(o => Restaurants[o.Restaurant].Zone == zone).ToList();
        var waiting = orders.Where(o => o.DeliveryStatus == "awaitingCourier" && o.Offer is null).ToList();
        var available = couriers.Count(c => c.Deliveries.Count == 0);
        return new
        {
            zoneId = zone, policy = Policies.GetValueOrDefault(zone, "earliest-pickup"),
            couriers = couriers.Select(c => new { courierId = c.Id, status = c.Status, load = c.Deliveries.Count, capacity = c.Capacity }).ToList(),
            waiting = waiting.Select(o => new { orderId = o.Id, restaurantId = o.Restaurant, promisedBy = o.PromisedBy }).ToList(),
            offered = orders.Where(o => o.Offer is not null).Select(o => new { orderId = o.Id, courierId = o.Offer!.Value.Courier }).ToList(),
            assigned = orders.Where(o => o.Courier is not null && o.DeliveryStatus is "assigned" or "pickedUp").Select(o => new { orderId = o.Id, courierId = o.Courier }).ToList(),
            availableCouriers = available, waitingDeliveries = waiting.Count, surge = waiting.Count / (double)Math.Max(1, available),
        };
    }
}
