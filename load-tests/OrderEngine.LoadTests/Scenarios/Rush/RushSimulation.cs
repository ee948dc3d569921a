using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace OrderEngine.LoadTests.Scenarios.Rush;

/// <summary>The knobs of the simulation (from the scenario's options).</summary>
public sealed record RushSettings(
    int Seed,
    TimeScale Scale,
    TimeSpan Duration,
    TimeSpan Drain,
    int OfferTimeoutSeconds,
    double RejectRate,
    double IgnoreRate,
    double DeclineRate,
    TimeSpan MaxReaction,
    TimeSpan CourierPoll,
    TimeSpan KitchenPoll,
    TimeSpan PositionEvery,
    TimeSpan Settle,
    int ReadParallelism,
    bool Quiet);

/// <summary>
/// Plays the kitchens, the customers and the couriers' apps of the cities against the engine, in real time (compressed
/// by the time scale): customers place and pay the order stream on schedule, kitchens accept what they receive (or
/// reject some), couriers poll for offers, accept most, decline or ignore some, drive to the restaurant and then to the
/// drop-off at their vehicle's (scaled) speed, posting their position every second, and pick up and deliver on arrival.
/// </summary>
public sealed class RushSimulation(RushApi api, RushSettings settings, RushLayout layout, IReadOnlyList<RushCity> cities, Core.SkuCatalog catalog)
{
    private readonly RushApi _api = api;
    private readonly RushSettings _settings = settings;
    private readonly RushLayout _layout = layout;
    private readonly IReadOnlyList<RushCity> _cities = cities;
    private readonly Core.SkuCatalog _catalog = catalog;
    private const double ArrivedKm = 0.005;
    private readonly long _start = Stopwatch.GetTimestamp();
    private double Now() => Stopwatch.GetElapsedTime(_start).TotalSeconds;

    public double StreamEnd => _settings.Duration.TotalSeconds;

    /// <summary>When the stream and the drain ended (seconds from the start).</summary>
    public double StreamEndedAt { get; private set; }

    public double DrainEndedAt { get; private set; }

    public long StartTicks => _start;

    public async Task RunAsync(CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var loops = new List<Task>();
        foreach (var city in _cities)
        {
            for (var k = 0; k < city.CourierIds.Length; k++)
            {
                var courier = new CourierApp(this, city, k);
                loops.Add(Task.Run(() => courier.RunAsync(stop.Token), CancellationToken.None));
            }
            loops.Add(Task.Run(() => KitchenLoopAsync(city, stop.Token), CancellationToken.None));
            loops.Add(Task.Run(() => SamplerAsync(city, stop.Token), CancellationToken.None));
        }
        var customers = _cities.Select(c => Task.Run(() => CustomersAsync(c, ct), CancellationToken.None)).ToArray();
        await Task.WhenAll(customers).ConfigureAwait(false);
        StreamEndedAt = Now();
        if (!_settings.Quiet) Console.Error.WriteLine($"rush: order stream done at {StreamEndedAt:0.0}s; draining (at most {_settings.Drain.TotalSeconds:0}s) until every paid order is delivered or rejected");
        var drainUntil = Now() + _settings.Drain.TotalSeconds;
        while (Now() < drainUntil && !ct.IsCancellationRequested && !_cities.All(c => c.Orders.All(o => o.Settled)))
        {
            try
            {
                await Task.Delay(250, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        DrainEndedAt = Now();
        await stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(loops).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Customers: place the delivery order on schedule, then pay it.

    private async Task CustomersAsync(RushCity city, CancellationToken ct)
    {
        var placements = new List<Task>();
        foreach (var order in city.Orders)
        {
            var wait = order.Plan.AtSeconds - Now();
            if (wait > 0)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(wait), ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            placements.Add(Task.Run(() => PlaceAndPayAsync(city, order, ct), CancellationToken.None));
        }
        await Task.WhenAll(placements).ConfigureAwait(false);
    }

    private async Task PlaceAndPayAsync(RushCity city, RushOrder order, CancellationToken ct)
    {
        var plan = order.Plan;
        var restaurant = _layout.Restaurants[plan.Restaurant];
        var drop = city.DropOffs[plan.Index];
        void Body(Utf8JsonWriter w)
        {
            w.WriteStartObject();
            w.WriteString("channel", "rush");
            w.WriteString("customerId", $"cust-{city.Key}-{plan.Index.ToString(CultureInfo.InvariantCulture)}");
            w.WriteString("currency", "EUR");
            w.WriteString("paymentMethod", "card");
            w.WriteStartArray("lines");
            foreach (var l in plan.Lines)
            {
                w.WriteStartObject();
                w.WriteString("sku", SkuName(city, plan.Restaurant, l.Dish));
                w.WriteNumber("quantity", l.Quantity);
                w.WriteNumber("unitPrice", new decimal(restaurant.PriceCents[l.Dish], 0, 0, false, 2));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartObject("delivery");
            w.WriteString("restaurantId", city.RestaurantIds[plan.Restaurant]);
            w.WriteStartObject("dropOff");
            J.Point(w, drop);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
        }
        ApiAnswer? placed = null;
        for (var attempt = 1; attempt <= 4 && !ct.IsCancellationRequested; attempt++)
        {
            var a = await Safe(() => _api.PostAsync("orders", "api/orders", Body, ct, order.Key)).ConfigureAwait(false);
            if (a is { Status: 429 } || a is null || a.Uncertain)
            {
                await Pause(attempt * 0.25, ct).ConfigureAwait(false);
                continue;
            }
            placed = a;
            break;
        }
        lock (order.Gate) order.PlacedAt = Now();
        if (placed is null)
        {
            lock (order.Gate) order.State = PlacementState.Unknown;
            return;
        }
        if (placed.Status == 409)
        {
            var text = placed.Text;
            lock (order.Gate)
            {
                order.State = text.Contains("InsufficientStock", StringComparison.OrdinalIgnoreCase) ? PlacementState.RefusedSoldOut
                    : text.Contains("paus", StringComparison.OrdinalIgnoreCase) || text.Contains("closed", StringComparison.OrdinalIgnoreCase) || text.Contains("takes no orders", StringComparison.OrdinalIgnoreCase) ? PlacementState.RefusedPaused
                    : PlacementState.RefusedOther;
                order.Refusal = text;
            }
            return;
        }
        if (!placed.Ok)
        {
            lock (order.Gate)
            {
                order.State = PlacementState.RefusedOther;
                order.Refusal = $"HTTP {placed.Status}: {placed.Text}";
            }
            return;
        }
        var (id, total) = placed.Read(r => (J.Str(r, "id"), J.Dec(r, "total") ?? 0m), ((string?)null, 0m));
        if (id is null)
        {
            lock (order.Gate)
            {
                order.State = PlacementState.Unknown;
                order.Refusal = "201 without an id: " + placed.Text;
            }
            return;
        }
        lock (order.Gate)
        {
            order.Id = id;
            order.Total = total;
            order.Placed = true;
        }
        city.ById[id] = order;

        for (var attempt = 1; attempt <= 4 && !ct.IsCancellationRequested; attempt++)
        {
            var paid = await Safe(() => _api.PostAsync("orders/payment", $"api/orders/{id}/payment", w =>
            {
                w.WriteStartObject();
                w.WriteNumber("amount", total);
                w.WriteString("currency", "EUR");
                w.WriteString("reference", "pay-" + id);
                w.WriteEndObject();
            }, ct)).ConfigureAwait(false);
            if (paid is null || paid.Uncertain)
            {
                await Pause(attempt * 0.25, ct).ConfigureAwait(false);
                continue;
            }
            lock (order.Gate)
            {
                if (paid.Ok)
                {
                    order.State = PlacementState.Paid;
                    order.PaidAt = Now();
                }
                else
                {
                    order.State = PlacementState.PaymentFailed;
                    order.Refusal = $"payment HTTP {paid.Status}: {paid.Text}";
                }
            }
            if (paid.Ok) city.Pending[plan.Restaurant][id] = order;
            return;
        }
        lock (order.Gate) order.State = PlacementState.PaymentFailed;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Kitchens: look at each restaurant with unanswered paid orders, accept what it received (or reject a few).

    private async Task KitchenLoopAsync(RushCity city, CancellationToken stop)
    {
        var lastAll = 0.0;
        while (!stop.IsCancellationRequested)
        {
            // Restaurants with orders to answer at every poll; every restaurant every 2 s, for its status (paused?) and
            // queue ETA, which move while orders wait for couriers.
            var all = Now() - lastAll >= 2;
            if (all) lastAll = Now();
            var due = Enumerable.Range(0, city.RestaurantIds.Length).Where(r => all || !city.Pending[r].IsEmpty).ToList();
            await Task.WhenAll(due.Select(r => KitchenAsync(city, r, stop))).ConfigureAwait(false);
            if (!await Pause(_settings.KitchenPoll.TotalSeconds, stop).ConfigureAwait(false)) break;
        }
    }

    private async Task KitchenAsync(RushCity city, int r, CancellationToken stop)
    {
        var view = await Safe(() => _api.GetAsync("restaurants/{id}", $"api/restaurants/{city.RestaurantIds[r]}", stop)).ConfigureAwait(false);
        var received = new HashSet<string>(StringComparer.Ordinal);
        if (view is { Ok: true })
        {
            var (status, queueEta) = view.Read(root =>
            {
                foreach (var o in J.Arr(root, "orders"))
                {
                    if (J.Str(o, "orderId") is not { } oid) continue;
                    received.Add(oid);
                    // The restaurant's promise to the customer, in case the order's own view does not show one.
                    if (J.Time(o, "promisedBy") is { } promised && city.ById.TryGetValue(oid, out var known))
                        lock (known.Gate) known.PromisedBy ??= promised;
                }
                return (J.Str(root, "status"), J.Num(root, "queueEtaMinutes"));
            }, ((string?)null, (double?)null));
            lock (city.Gate)
            {
                if (string.Equals(status, "paused", StringComparison.OrdinalIgnoreCase)) city.RestaurantsEverPaused.Add(city.RestaurantIds[r]);
                if (queueEta is { } q && q > city.MaxQueueEtaMinutes) city.MaxQueueEtaMinutes = q;
            }
        }
        var now = Now();
        foreach (var (id, order) in city.Pending[r])
        {
            if (stop.IsCancellationRequested) return;
            // An order the view does not list yet is tried anyway after a few seconds (404 until the restaurant has it),
            // so a view that lists orders differently cannot stall the kitchen.
            if (!received.Contains(id) && now - order.PaidAt < 3) continue;
            var plan = order.Plan;
            var restaurant = _layout.Restaurants[plan.Restaurant];
            ApiAnswer? answer;
            double prepMinutes = 0;
            if (plan.Reject)
            {
                answer = await Safe(() => _api.PostAsync("restaurants/orders/reject", $"api/restaurants/{city.RestaurantIds[r]}/orders/{id}/reject",
                    w => { w.WriteStartObject(); w.WriteString("reason", "out of an ingredient (simulated)"); w.WriteEndObject(); }, stop)).ConfigureAwait(false);
            }
            else
            {
                prepMinutes = Math.Round(_settings.Scale.Minutes(restaurant.PrepMinutes * plan.PrepFactor), 4);
                answer = await Safe(() => _api.PostAsync("restaurants/orders/accept", $"api/restaurants/{city.RestaurantIds[r]}/orders/{id}/accept",
                    w => { w.WriteStartObject(); w.WriteNumber("prepMinutes", prepMinutes); w.WriteEndObject(); }, stop)).ConfigureAwait(false);
            }
            if (answer is null || !answer.Ok)
            {
                // 404: not received yet; a 409 means the kitchen already answered otherwise: nothing more to do for it.
                if (answer is { Status: 409 }) city.Pending[r].TryRemove(id, out _);
                continue;
            }
            var at = Now();
            lock (order.Gate)
            {
                order.KitchenAt = at;
                if (plan.Reject) order.KitchenRejected = true;
                else
                {
                    order.KitchenAccepted = true;
                    order.PrepMinutesSent = prepMinutes;
                    order.ReadyAt = at + prepMinutes * 60;
                }
            }
            city.Pending[r].TryRemove(id, out _);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Once a second: orders waiting for a courier (the tool's count and the zone's), busy couriers, paused restaurants.

    private async Task SamplerAsync(RushCity city, CancellationToken stop)
    {
        while (await Pause(1, stop).ConfigureAwait(false))
        {
            var t = Now();
            var waitingTool = city.Orders.Count(o => o.AwaitingCourier);
            int? waitingEngine = null, available = null;
            double? surge = null;
            foreach (var zone in city.Zones)
            {
                var z = await Safe(() => _api.GetAsync("zones/{id}", $"api/zones/{zone}", stop)).ConfigureAwait(false);
                if (z is not { Ok: true }) continue;
                var (w, a, s) = z.Read(root => ((int?)J.Num(root, "waitingDeliveries"), (int?)J.Num(root, "availableCouriers"), J.Num(root, "surge")), ((int?)null, (int?)null, (double?)null));
                if (w is { } wv) waitingEngine = (waitingEngine ?? 0) + wv;
                if (a is { } av) available = (available ?? 0) + av;
                if (s is { } sv) surge = Math.Max(surge ?? 0, sv);
            }
            int busy, paused;
            lock (city.Gate)
            {
                busy = _busy.TryGetValue(city.Key, out var b) ? b : 0;
                paused = city.RestaurantsEverPaused.Count;
            }
            lock (city.Gate) city.Samples.Add(new WaitingSample(Math.Round(t, 1), waitingTool, waitingEngine, available, surge, busy, paused));
        }
    }

    private readonly Dictionary<string, int> _busy = new(StringComparer.Ordinal);

    private void CountBusy(RushCity city, int delta)
    {
        lock (city.Gate) _busy[city.Key] = (_busy.TryGetValue(city.Key, out var b) ? b : 0) + delta;
    }

    // ------------------------------------------------------------------------------------------------------------

    private string SkuName(RushCity city, int restaurant, int dish) => _catalog.Name(city.Skus[restaurant][dish]);

    /// <summary>Sleeps; false when stopped.</summary>
    private static async Task<bool> Pause(double seconds, CancellationToken ct)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(seconds), ct).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task<ApiAnswer?> Safe(Func<Task<ApiAnswer>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>
    /// One courier's app: moves along straight lines at its vehicle's scaled speed, polls its offers and deliveries,
    /// answers offers (accept after a reaction time, decline, or ignore so the offer times out), picks up once at the
    /// restaurant and the food is ready, delivers on arrival, and posts its position every second.
    /// </summary>
    private sealed class CourierApp(RushSimulation sim, RushCity city, int index)
    {
        private readonly string _id = city.CourierIds[index];
        private readonly double _speedKmh = sim._settings.Scale.Speed(sim._layout.Couriers[index].Vehicle);
        private MapPoint _position = city.CourierStarts[index];
        private readonly Dictionary<string, string> _deliveries = new(StringComparer.Ordinal); // order → assigned | pickedUp
        private readonly HashSet<string> _pickedUp = new(StringComparer.Ordinal);
        private readonly HashSet<string> _delivered = new(StringComparer.Ordinal);
        private readonly Dictionary<string, OfferTask> _offers = new(StringComparer.Ordinal); // "order|expiresAt" → decision
        private readonly Dictionary<string, int> _offersPerOrder = new(StringComparer.Ordinal);
        private HashSet<string> _currentOffers = new(StringComparer.Ordinal);
        private bool _busy;

        private sealed class OfferTask
        {
            public required string OrderId;
            public required double SeenAt;
            public required string Decision; // accept | decline | ignore
            public required double DueAt;
            public bool Done;
        }

        public async Task RunAsync(CancellationToken stop)
        {
            var s = sim._settings;
            var last = sim.Now();
            var nextPoll = last;
            var nextPosition = last + s.PositionEvery.TotalSeconds;
            while (!stop.IsCancellationRequested)
            {
                var now = sim.Now();
                var dt = now - last;
                last = now;
                if (now <= sim.StreamEnd)
                {
                    lock (city.Gate)
                    {
                        city.CourierSeconds += dt;
                        if (_deliveries.Count > 0) city.BusyCourierSeconds += dt;
                    }
                }

                var target = Target();
                var arrived = false;
                if (target is { } tgt)
                {
                    (_position, arrived) = RushGeo.MoveToward(_position, tgt.Point, RushGeo.KmIn(_speedKmh, dt));
                    arrived |= RushGeo.DistanceKm(_position, tgt.Point) <= ArrivedKm;
                }

                if (now >= nextPoll)
                {
                    nextPoll = now + s.CourierPoll.TotalSeconds;
                    await PollAsync(now, stop).ConfigureAwait(false);
                }
                await AnswerOffersAsync(stop).ConfigureAwait(false);
                if (arrived && target is { } at) await ActAsync(at, stop).ConfigureAwait(false);
                if (sim.Now() >= nextPosition)
                {
                    nextPosition = sim.Now() + s.PositionEvery.TotalSeconds;
                    var p = _position;
                    await Safe(() => sim._api.PostAsync("couriers/position", $"api/couriers/{_id}/position", w => { w.WriteStartObject(); J.Point(w, p); w.WriteEndObject(); }, stop)).ConfigureAwait(false);
                }
                UpdateBusy();
                if (!await Pause(0.1, stop).ConfigureAwait(false)) break;
            }
        }

        private void UpdateBusy()
        {
            var busy = _deliveries.Count > 0;
            if (busy == _busy) return;
            _busy = busy;
            sim.CountBusy(city, busy ? 1 : -1);
        }

        private readonly record struct Goal(MapPoint Point, int Restaurant, string? DropOrder);

        /// <summary>
        /// Where to go, the way the zone plans a courier's work (one delivery after the other, in the order they were
        /// assigned; a batch picked up together): stay at a restaurant while an order assigned there is not picked up,
        /// else deliver what it carries (nearest drop-off first), else go to the restaurant of the earliest-assigned order.
        /// </summary>
        private Goal? Target()
        {
            Goal? firstRestaurant = null, nearestDrop = null;
            double bestD = double.MaxValue;
            var firstSeq = long.MaxValue;
            foreach (var (orderId, status) in _deliveries)
            {
                if (!city.ById.TryGetValue(orderId, out var order)) continue;
                if (status == "pickedUp")
                {
                    var drop = city.DropOffs[order.Plan.Index];
                    var d = RushGeo.DistanceKm(_position, drop);
                    if (d < bestD) { bestD = d; nearestDrop = new Goal(drop, -1, orderId); }
                }
                else
                {
                    var point = city.RestaurantPoints[order.Plan.Restaurant];
                    if (RushGeo.DistanceKm(_position, point) <= ArrivedKm) return new Goal(point, order.Plan.Restaurant, null);
                    var seq = _assignedOrder.GetValueOrDefault(orderId, long.MaxValue - 1);
                    if (seq < firstSeq) { firstSeq = seq; firstRestaurant = new Goal(point, order.Plan.Restaurant, null); }
                }
            }
            return nearestDrop ?? firstRestaurant;
        }

        private readonly Dictionary<string, long> _assignedOrder = new(StringComparer.Ordinal);
        private long _assignments;

        private void Assigned(string orderId)
        {
            if (!_assignedOrder.ContainsKey(orderId)) _assignedOrder[orderId] = ++_assignments;
        }

        private async Task PollAsync(double now, CancellationToken stop)
        {
            var view = await Safe(() => sim._api.GetAsync("couriers/{id}", $"api/couriers/{_id}", stop)).ConfigureAwait(false);
            if (view is not { Ok: true }) return;
            var (offers, deliveries) = view.Read(root =>
                (J.Arr(root, "offers").Select(o => (Order: J.Str(o, "orderId"), Expires: J.Str(o, "expiresAt"))).Where(o => o.Order is not null).ToList(),
                 J.Arr(root, "deliveries").Select(d => (Order: J.Str(d, "orderId"), Status: J.Str(d, "status"))).Where(d => d.Order is not null).ToList()),
                ([], []));
            // The server's list is the truth, except for what this app itself picked up or delivered since.
            var fresh = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (order, status) in deliveries)
            {
                if (_delivered.Contains(order!)) continue;
                fresh[order!] = _pickedUp.Contains(order!) || string.Equals(status, "pickedUp", StringComparison.OrdinalIgnoreCase) ? "pickedUp" : "assigned";
            }
            _deliveries.Clear();
            foreach (var kv in fresh)
            {
                _deliveries[kv.Key] = kv.Value;
                Assigned(kv.Key);
            }

            _currentOffers = new HashSet<string>(offers.Select(o => o.Order!), StringComparer.Ordinal);
            foreach (var (order, expires) in offers)
            {
                var key = order + "|" + expires;
                if (_offers.ContainsKey(key)) continue;
                Interlocked.Increment(ref city.OffersSeen);
                if (!city.ById.TryGetValue(order!, out var mine))
                {
                    // Not an order of this run (a zone can still hold an older run's): decline it.
                    Interlocked.Increment(ref city.ForeignOffers);
                    _offers[key] = new OfferTask { OrderId = order!, SeenAt = now, Decision = "decline", DueAt = now };
                    continue;
                }
                lock (mine.Gate)
                    if (double.IsNaN(mine.FirstOfferAt)) mine.FirstOfferAt = now;
                var nth = _offersPerOrder[order!] = _offersPerOrder.GetValueOrDefault(order!) + 1;
                var s = sim._settings;
                // The same order, courier and attempt decide alike in both zones.
                var u = Draw.Unit(s.Seed, mine.Plan.Index, index, nth, 1);
                var decision = u < s.IgnoreRate ? "ignore" : u < s.IgnoreRate + s.DeclineRate ? "decline" : "accept";
                var reaction = 0.1 + Draw.Unit(s.Seed, mine.Plan.Index, index, nth, 2) * Math.Max(0, s.MaxReaction.TotalSeconds - 0.1);
                _offers[key] = new OfferTask { OrderId = order!, SeenAt = now, Decision = decision, DueAt = now + reaction };
                if (decision == "ignore") Interlocked.Increment(ref city.OffersIgnored);
            }
        }

        private async Task AnswerOffersAsync(CancellationToken stop)
        {
            foreach (var offer in _offers.Values)
            {
                if (offer.Done || offer.Decision == "ignore" || sim.Now() < offer.DueAt) continue;
                offer.Done = true;
                if (!_currentOffers.Contains(offer.OrderId))
                {
                    Interlocked.Increment(ref city.OffersExpiredBeforeAnswer);
                    continue;
                }
                if (offer.Decision == "decline")
                {
                    var d = await Safe(() => sim._api.PostAsync("couriers/offers/decline", $"api/couriers/{_id}/offers/{offer.OrderId}/decline", null, stop)).ConfigureAwait(false);
                    if (d is { Ok: true }) Interlocked.Increment(ref city.OffersDeclined);
                    continue;
                }
                var a = await Safe(() => sim._api.PostAsync("couriers/offers/accept", $"api/couriers/{_id}/offers/{offer.OrderId}/accept", null, stop)).ConfigureAwait(false);
                if (a is null) continue;
                if (!a.Ok)
                {
                    if (a.Status == 409) Interlocked.Increment(ref city.OffersLost);
                    continue;
                }
                Interlocked.Increment(ref city.OffersAccepted);
                var now = sim.Now();
                _deliveries[offer.OrderId] = "assigned";
                Assigned(offer.OrderId);
                if (city.ById.TryGetValue(offer.OrderId, out var order))
                    lock (order.Gate)
                    {
                        if (double.IsNaN(order.AssignedAt))
                        {
                            order.AssignedAt = now;
                            order.CourierId = _id;
                            order.OfferSeenToAccepted = now - offer.SeenAt;
                        }
                    }
            }
        }

        private async Task ActAsync(Goal goal, CancellationToken stop)
        {
            if (goal.DropOrder is { } dropOrder)
            {
                var d = await Safe(() => sim._api.PostAsync("couriers/deliveries/deliver", $"api/couriers/{_id}/deliveries/{dropOrder}/deliver", null, stop)).ConfigureAwait(false);
                if (d is not { Ok: true }) return;
                Interlocked.Increment(ref city.Deliveries);
                _deliveries.Remove(dropOrder);
                _delivered.Add(dropOrder);
                if (city.ById.TryGetValue(dropOrder, out var o))
                    lock (o.Gate)
                    {
                        o.DeliveredAt = sim.Now();
                        o.DeliveredWall = DateTimeOffset.UtcNow;
                    }
                return;
            }
            // At the restaurant: pick up every order assigned here whose food is ready.
            var now = sim.Now();
            foreach (var (orderId, status) in _deliveries.ToList())
            {
                if (status != "assigned" || !city.ById.TryGetValue(orderId, out var order) || order.Plan.Restaurant != goal.Restaurant) continue;
                double ready;
                lock (order.Gate) ready = order.ReadyAt;
                if (double.IsNaN(ready) || now < ready + 0.05) continue;
                var p = await Safe(() => sim._api.PostAsync("couriers/deliveries/pickup", $"api/couriers/{_id}/deliveries/{orderId}/pickup", null, stop)).ConfigureAwait(false);
                if (p is not { Ok: true })
                {
                    if (p is { Status: 409 }) Interlocked.Increment(ref city.PickupRefusals);
                    continue;
                }
                Interlocked.Increment(ref city.Pickups);
                _deliveries[orderId] = "pickedUp";
                _pickedUp.Add(orderId);
                lock (order.Gate) order.PickedUpAt = sim.Now();
            }
        }
    }
}
