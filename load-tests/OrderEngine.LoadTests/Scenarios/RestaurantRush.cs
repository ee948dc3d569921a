using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OrderEngine.LoadTests.Cli;
using OrderEngine.LoadTests.Core;
using OrderEngine.LoadTests.Reporting;
using OrderEngine.LoadTests.Scenarios.Rush;

namespace OrderEngine.LoadTests.Scenarios;

/// <summary>
/// The dinner rush of a restaurant-delivery platform, played against the engine's dispatch (issue 10). The same city
/// layout — --restaurants restaurants at random points of a --map-km square, each with a menu of dishes that are SKUs
/// with limited portions, and --couriers couriers of mixed vehicles online at random points — is built twice, in two
/// zones far apart (two geohash cells), one dispatched by the earliest-pickup policy and one by the naive one. Both get
/// the same seeded Poisson order stream, its rate rising linearly to --peak-rate at the middle of --duration and falling
/// back. The tool plays the customers (place the delivery order, pay it), the kitchens (accept with a preparation time
/// around the restaurant's estimate, reject a few) and the couriers' apps (poll for offers, accept most, let some time
/// out, drive to the restaurant and the drop-off at the vehicle's speed, post positions, pick up and deliver).
/// Time is compressed by --time-scale: the engine runs with the scaled settings `--print-engine-env` prints.
/// Reported per zone, side by side: assignment latency, orders waiting, courier utilisation, delivered on time, and the
/// dispatch invariants read back through the API.
/// </summary>
public sealed class RestaurantRush : Scenario
{
    private readonly int _restaurants;
    private readonly int _couriers;
    private readonly double _mapKm;
    private readonly int _precision;
    private readonly string[] _policies;
    private readonly MapPoint[] _centres;
    private readonly double _peakRate;
    private readonly double _baseRate;
    private readonly int _menu;
    private readonly int _portions;
    private readonly int _maxLines;
    private readonly int _maxQuantity;
    private readonly double _restaurantS;
    private readonly double _dishS;
    private readonly double _prepMinutes;
    private readonly string _vehicleMix;
    private readonly RushSettings _settings;
    private readonly RushLayout _layout;
    private readonly List<RushCity> _cities = [];
    private readonly List<CheckResult> _checks = [];
    private readonly List<string> _notes = [];
    private RushSimulation? _sim;
    private RushApi? _api;
    private double _setupSeconds;

    public RestaurantRush(RunOptions run, Args args) : base(run)
    {
        _restaurants = args.Int("restaurants", 20, 1, 2_000);
        _couriers = args.Int("couriers", 30, 1, 2_000);
        _mapKm = args.Double("map-km", 3, 0.2, 50);
        _precision = args.Int("zone-precision", 5, 1, 12);
        _policies = args.String("policies", "earliest-pickup,naive").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (_policies.Length is < 1 or > 4) throw new UsageException("--policies: one to four zone policies, comma-separated (earliest-pickup, naive)");
        var centre = RushGeo.Parse("center", args.String("center", "48.8566,2.3522"));
        var twin = args.Raw("twin-center") is { } t ? RushGeo.Parse("twin-center", t) : new MapPoint(centre.Latitude, centre.Longitude + 3);
        var snap = args.String("snap", "on") is "on" or "true" or "yes" or "1";
        // Each further city is as far again from the first as the twin.
        _centres = new MapPoint[_policies.Length];
        for (var i = 0; i < _policies.Length; i++)
        {
            var p = i == 0 ? centre : new MapPoint(centre.Latitude + (twin.Latitude - centre.Latitude) * i, centre.Longitude + (twin.Longitude - centre.Longitude) * i);
            // Centred on its geohash cell, a map smaller than the cell lies in that one zone.
            _centres[i] = snap ? RushGeo.Cell(p, _precision).Centre : p;
        }
        var scale = args.Double("time-scale", 30, 1, 10_000);
        _peakRate = args.Double("peak-rate", 3, 0.01, 10_000);
        _baseRate = args.Double("base-rate", _peakRate * 0.1, 0, 10_000);
        _menu = args.Int("menu", 12, 1, 500);
        _portions = args.Int("portions", 25, 1, 1_000_000);
        _maxLines = args.Int("max-lines", 3, 1, 20);
        _maxQuantity = args.Int("max-qty", 2, 1, 100);
        _restaurantS = args.Double("restaurant-s", 0.6, 0, 10);
        _dishS = args.Double("dish-s", 1.0, 0, 10);
        _prepMinutes = args.Double("prep-minutes", 12, 0.5, 120);
        _vehicleMix = args.String("vehicles", "bike=0.5,scooter=0.3,car=0.2");
        var mix = ParseMix(_vehicleMix);
        _settings = new RushSettings(
            run.Seed,
            new TimeScale(scale),
            run.Duration,
            args.Duration("drain", TimeSpan.FromSeconds(60)),
            args.Int("offer-timeout", 3, 1, 3_600),
            args.Double("reject-rate", 0.03, 0, 1),
            args.Double("ignore-rate", 0.10, 0, 1),
            args.Double("decline-rate", 0.05, 0, 1),
            args.Duration("react", TimeSpan.FromMilliseconds(600)),
            args.Duration("courier-poll", TimeSpan.FromMilliseconds(500)),
            args.Duration("kitchen-poll", TimeSpan.FromMilliseconds(500)),
            args.Duration("position-every", TimeSpan.FromSeconds(1)),
            run.Settle,
            Math.Min(run.CheckParallelism, 16),
            run.Quiet);
        if (_settings.IgnoreRate + _settings.DeclineRate >= 1) throw new UsageException("--ignore-rate + --decline-rate must leave some offers to accept");
        if (_settings.CourierPoll <= TimeSpan.Zero || _settings.KitchenPoll <= TimeSpan.Zero || _settings.PositionEvery <= TimeSpan.Zero)
            throw new UsageException("--courier-poll, --kitchen-poll and --position-every must be positive");
        _layout = BuildLayout(new Random(run.Seed), mix);

        // Every city's dishes are SKUs of its own, with the same portions: the runner puts them in stock.
        for (var c = 0; c < _policies.Length; c++)
        {
            var key = ((char)('a' + c)).ToString();
            var skus = new int[_restaurants][];
            foreach (var r in _layout.Restaurants)
            {
                skus[r.Index] = new int[r.Portions.Length];
                for (var d = 0; d < r.Portions.Length; d++)
                    skus[r.Index][d] = Catalog.Add($"{run.RunId}-{key}r{r.Index.ToString(CultureInfo.InvariantCulture)}d{d.ToString(CultureInfo.InvariantCulture)}", r.Portions[d]);
            }
            _cities.Add(new RushCity(key, _policies[c], _centres[c], _layout, run.RunId, skus));
        }
        foreach (var city in _cities) city.Zones = ZonesOf(city);
    }

    public override string Name => "restaurant-rush";

    public override bool DrivesItsOwnLoad => true;

    public override string LoadDescription => string.Create(CultureInfo.InvariantCulture,
        $"simulated dispatch rush: {_cities.Count} zones ({string.Join(" vs ", _policies)}), {_restaurants} restaurants and {_couriers} couriers each, Poisson orders {_baseRate:0.##} -> {_peakRate:0.##} -> {_baseRate:0.##}/s per zone, time x{_settings.Scale.Scale:0.##}");

    public override IReadOnlyList<(string Name, string Value)> EngineEnvironment =>
        _settings.Scale.EngineEnvironment(_settings.OfferTimeoutSeconds, _precision);

    public override IReadOnlyDictionary<string, string> Parameters => new Dictionary<string, string>
    {
        ["restaurants"] = _restaurants.ToString(CultureInfo.InvariantCulture),
        ["couriers"] = $"{_couriers} ({string.Join(", ", _layout.Couriers.GroupBy(c => c.Vehicle.Name).Select(g => $"{g.Count()} {g.Key}"))})",
        ["map"] = string.Create(CultureInfo.InvariantCulture, $"{_mapKm:0.##} km square per zone"),
        ["zones"] = string.Join("; ", _cities.Select(c => $"{c.Policy}: centre {c.Centre}, zone(s) {string.Join(",", c.Zones)}")),
        ["order stream"] = string.Create(CultureInfo.InvariantCulture,
            $"{_layout.Orders.Count} orders per zone over {_settings.Duration.TotalSeconds:0}s (Poisson, {_baseRate:0.##} -> {_peakRate:0.##} orders/s at {_settings.Duration.TotalSeconds / 2:0}s -> {_baseRate:0.##})"),
        ["menu"] = $"{_menu} dishes per restaurant, ~{_portions} portions each, 1-{_maxLines} dishes x 1-{_maxQuantity} per order, Zipf restaurants {ParameterFormat.Of(_restaurantS)}, dishes {ParameterFormat.Of(_dishS)}",
        ["kitchens"] = string.Create(CultureInfo.InvariantCulture, $"prep estimate ~{_prepMinutes:0.#} min (real), actual 0.75-1.35x; reject {_settings.RejectRate:0.###}"),
        ["couriers' apps"] = string.Create(CultureInfo.InvariantCulture,
            $"poll {_settings.CourierPoll.TotalMilliseconds:0}ms, ignore {_settings.IgnoreRate:0.###}, decline {_settings.DeclineRate:0.###}, react <= {_settings.MaxReaction.TotalMilliseconds:0}ms, position every {_settings.PositionEvery.TotalSeconds:0.##}s"),
        ["time scale"] = string.Create(CultureInfo.InvariantCulture, $"x{_settings.Scale.Scale:0.##} (1 real s = {_settings.Scale.Scale / 60:0.##} simulated min); offer timeout {_settings.OfferTimeoutSeconds}s real"),
        ["engine env"] = string.Join(" ", EngineEnvironment.Select(e => $"{e.Name}={e.Value}")),
    };

    public override IRequestSource CreateSource(int stream, EngineHttp http) =>
        throw new NotSupportedException("the restaurant rush drives its own load");

    // ---------------------------------------------------------------------------------------------------------------
    // The layout and the order stream, from the seed.

    private static List<(Vehicle Vehicle, double Share)> ParseMix(string raw)
    {
        var mix = new List<(Vehicle, double)>();
        foreach (var part in raw.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = part.Split('=');
            if (kv.Length != 2 || !double.TryParse(kv[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var share) || share < 0)
                throw new UsageException($"--vehicles: '{part}' is not vehicle=share (e.g. bike=0.5,scooter=0.3,car=0.2)");
            mix.Add((Vehicle.Of(kv[0]), share));
        }
        if (mix.Count == 0 || mix.Sum(m => m.Item2) <= 0) throw new UsageException("--vehicles: at least one vehicle with a share above 0");
        return mix;
    }

    private RushLayout BuildLayout(Random random, List<(Vehicle Vehicle, double Share)> mix)
    {
        double Coord() => (random.NextDouble() - 0.5) * _mapKm;
        var restaurants = new List<RestaurantPlan>();
        for (var r = 0; r < _restaurants; r++)
        {
            var dishes = Math.Max(1, _menu + random.Next(-_menu / 6, _menu / 6 + 1));
            var portions = new int[dishes];
            var prices = new int[dishes];
            for (var d = 0; d < dishes; d++)
            {
                portions[d] = Math.Max(1, random.Next(_portions / 2, _portions * 3 / 2 + 1));
                prices[d] = random.Next(500, 2_501);
            }
            restaurants.Add(new RestaurantPlan(r, Coord(), Coord(), _prepMinutes * (0.5 + random.NextDouble()), portions, prices));
        }
        // The vehicle mix in whole couriers (largest remainders), shuffled over the couriers.
        var total = mix.Sum(m => m.Share);
        var counts = mix.Select(m => (m.Vehicle, Exact: m.Share / total * _couriers)).Select(m => (m.Vehicle, Whole: (int)Math.Floor(m.Exact), Remainder: m.Exact - Math.Floor(m.Exact))).ToList();
        var left = _couriers - counts.Sum(c => c.Whole);
        var vehicles = new List<Vehicle>();
        foreach (var (vehicle, whole, _) in counts) vehicles.AddRange(Enumerable.Repeat(vehicle, whole));
        vehicles.AddRange(counts.OrderByDescending(c => c.Remainder).Take(left).Select(c => c.Vehicle));
        vehicles = vehicles.OrderBy(_ => random.Next()).ToList();
        var couriers = vehicles.Select((v, k) => new CourierPlan(k, Coord(), Coord(), v)).ToList();

        var profile = new RateProfile(_baseRate, _peakRate, _settings.Duration);
        var times = profile.Arrivals(random);
        var restaurantSampler = new ZipfSampler(_restaurants, _restaurantS);
        var dishSamplers = new Dictionary<int, ZipfSampler>();
        var orders = new List<OrderPlan>();
        foreach (var at in times)
        {
            var r = restaurantSampler.Next(random);
            var menu = restaurants[r].Portions.Length;
            if (!dishSamplers.TryGetValue(menu, out var dishes)) dishSamplers[menu] = dishes = new ZipfSampler(menu, _dishS);
            var lines = new List<DishLine>();
            var wanted = random.Next(1, _maxLines + 1);
            for (var i = 0; i < wanted; i++)
            {
                var dish = dishes.Next(random);
                var qty = random.Next(1, _maxQuantity + 1);
                var j = lines.FindIndex(l => l.Dish == dish);
                if (j >= 0) lines[j] = lines[j] with { Quantity = lines[j].Quantity + qty }; // the engine refuses a repeated SKU
                else lines.Add(new DishLine(dish, qty));
            }
            var reject = random.NextDouble() < _settings.RejectRate;
            var prepFactor = 0.75 + random.NextDouble() * 0.6;
            orders.Add(new OrderPlan(orders.Count, at, r, Coord(), Coord(), lines.ToArray(), reject, prepFactor));
        }
        return new RushLayout(restaurants, couriers, orders);
    }

    /// <summary>The geohash cells every point of a city lies in (one, when the map fits its centre's cell).</summary>
    private List<string> ZonesOf(RushCity city) =>
        city.RestaurantPoints.Concat(city.CourierStarts).Concat(city.DropOffs).Append(city.Centre)
            .Select(p => RushGeo.Geohash(p, _precision)).Distinct(StringComparer.Ordinal).OrderBy(z => z, StringComparer.Ordinal).ToList();

    // ---------------------------------------------------------------------------------------------------------------
    // The measured phase: set up the zones, restaurants and couriers; play the rush; read back and check.

    public override async Task<PhaseResult> MeasureAsync(MeasureContext context, CancellationToken ct)
    {
        var api = _api = new RushApi(context.Http, context.Metrics);
        var setupStarted = Stopwatch.GetTimestamp();
        Log($"rush: engine configuration this run expects: {string.Join(" ", EngineEnvironment.Select(e => $"{e.Name}={e.Value}"))}");
        foreach (var city in _cities)
        {
            var cell = RushGeo.Cell(city.Centre, _precision);
            Log(string.Create(CultureInfo.InvariantCulture,
                $"rush: zone '{city.Policy}': centre {city.Centre}, map {_mapKm:0.##} km square in geohash-{_precision} cell(s) {string.Join(", ", city.Zones)} (cell {cell.WidthKm:0.00} x {cell.HeightKm:0.00} km)"));
            if (city.Zones.Count > 1)
                _notes.Add($"{city.Policy}: the map spans {city.Zones.Count} zones ({string.Join(", ", city.Zones)}); a courier serves only the restaurants of its own zone");
        }
        var setupError = await SetUpAsync(api, ct).ConfigureAwait(false);
        _setupSeconds = Stopwatch.GetElapsedTime(setupStarted).TotalSeconds;
        if (setupError is not null)
        {
            _checks.Add(new CheckResult("rush: dispatch set-up (zones, restaurants, couriers) through the API", false, setupError, []));
            var now = Stopwatch.GetTimestamp();
            return new PhaseResult(Name, now, now, now, "set-up failed: " + setupError);
        }
        Log($"rush: set up in {_setupSeconds:0.0}s; {_layout.Orders.Count} orders per zone over {_settings.Duration.TotalSeconds:0}s");

        var sim = _sim = new RushSimulation(api, _settings, _layout, _cities, Catalog);
        using var tickerStop = new CancellationTokenSource();
        var self = ProcessSampler.Self();
        context.Engine?.Sample();
        self.Sample();
        var ticker = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            try
            {
                while (await timer.WaitForNextTickAsync(tickerStop.Token).ConfigureAwait(false))
                {
                    var elapsed = Stopwatch.GetElapsedTime(sim.StartTicks).TotalSeconds;
                    var row = context.Metrics.Tick(elapsed, context.Metrics.Sent - context.Metrics.Completed, context.Engine?.Sample(), self.Sample());
                    if (!Run.Quiet) Progress(elapsed, row);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }, CancellationToken.None);
        await sim.RunAsync(ct).ConfigureAwait(false);
        var end = Stopwatch.GetTimestamp();
        await tickerStop.CancelAsync().ConfigureAwait(false);
        await ticker.ConfigureAwait(false);
        context.Metrics.Tick(Stopwatch.GetElapsedTime(sim.StartTicks).TotalSeconds, 0, context.Engine?.Sample(), self.Sample());

        Log("rush: reading couriers, zones and paid orders back to check the dispatch invariants");
        foreach (var city in _cities) await CheckCityAsync(api, city, CancellationToken.None).ConfigureAwait(false);
        KeepLedger();
        await OfflineIdleCouriersAsync(api).ConfigureAwait(false);
        var stoppedAt = sim.StartTicks + (long)(sim.StreamEndedAt * Stopwatch.Frequency);
        return new PhaseResult(Name, sim.StartTicks, stoppedAt, end,
            sim.DrainEndedAt - sim.StreamEndedAt >= _settings.Drain.TotalSeconds - 0.5 ? "stream end + drain time limit" : "stream end, every paid order settled");
    }

    private void Log(string line)
    {
        if (!Run.Quiet) Console.Error.WriteLine(line);
    }

    private void Progress(double elapsed, SecondRow row)
    {
        var parts = _cities.Select(c =>
        {
            var o = c.Orders;
            return $"{c.Policy}: paid={o.Count(x => x.State == PlacementState.Paid)} waiting={o.Count(x => x.AwaitingCourier)} " +
                   $"assigned={o.Count(x => !double.IsNaN(x.AssignedAt))} delivered={o.Count(x => !double.IsNaN(x.DeliveredAt))}";
        });
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[rush {elapsed,5:0.0}s] {string.Join(" | ", parts)} | req/s={(row.Accepted + row.Refused + row.Other + row.Failed) / Math.Max(row.Span, 1e-3):0} non-2xx={row.Refused + row.Other} failed={row.Failed}"));
    }

    /// <summary>Zones (policy), restaurants (menus), couriers (online). Returns why it failed, or null.</summary>
    private async Task<string?> SetUpAsync(RushApi api, CancellationToken ct)
    {
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        // Which zone does the engine say the centre is in? A different answer means another ZonePrecision.
        foreach (var city in _cities)
        {
            var c = city.Centre;
            var of = await api.GetAsync("zones/of", string.Create(CultureInfo.InvariantCulture, $"api/zones/of?latitude={c.Latitude:0.#######}&longitude={c.Longitude:0.#######}"), ct).ConfigureAwait(false);
            var zone = of.Ok ? of.Read(r => J.Str(r, "zoneId"), null) : null;
            if (zone is not null && !city.Zones.Contains(zone))
                return $"the engine puts the centre {c} in zone {zone}, the tool computed {string.Join(",", city.Zones)}: start the engine with OrderEngine__Dispatch__ZonePrecision={_precision} or pass --zone-precision {zone.Length}";
            if (!of.Ok) _notes.Add($"GET /api/zones/of answered {of.Status}; zones computed by the tool only");
        }
        foreach (var city in _cities)
            foreach (var zone in city.Zones)
            {
                var batch = _settings.Scale.Minutes(5);
                var put = await api.PutAsync("zones/{id}", $"api/zones/{zone}", w =>
                {
                    w.WriteStartObject();
                    w.WriteString("policy", city.Policy);
                    w.WriteNumber("offerTimeoutSeconds", _settings.OfferTimeoutSeconds);
                    w.WriteNumber("batchMaxDelayMinutes", Math.Round(batch, 4));
                    w.WriteEndObject();
                }, ct).ConfigureAwait(false);
                if (put.Status == 400)
                {
                    city.PolicyNote = $"PUT /api/zones/{zone} with the offer timeout and batching delay answered 400 ({put.Text}); set the policy alone";
                    _notes.Add(city.PolicyNote);
                    put = await api.PutAsync("zones/{id}", $"api/zones/{zone}", w => { w.WriteStartObject(); w.WriteString("policy", city.Policy); w.WriteEndObject(); }, ct).ConfigureAwait(false);
                }
                if (!put.Ok) return $"PUT /api/zones/{zone} {{\"policy\":\"{city.Policy}\"}} answered {put.Status}: {put.Text}";
                var (policy, timeout) = put.Read(r => (J.Str(r, "policy"), J.Num(r, "offerTimeoutSeconds")), ((string?)null, (double?)null));
                if (policy is not null && policy != city.Policy) return $"PUT /api/zones/{zone} asked for policy {city.Policy}, the zone says {policy}";
                Log($"rush: zone {zone}: policy {policy ?? "(not shown)"}, offer timeout {(timeout is { } t ? t.ToString("0.##", CultureInfo.InvariantCulture) + " s" : "(not shown)")}");
            }
        var work = new List<Func<Task>>();
        foreach (var city in _cities)
        {
            foreach (var r in _layout.Restaurants)
            {
                var id = city.RestaurantIds[r.Index];
                var point = city.RestaurantPoints[r.Index];
                var menu = city.Skus[r.Index].Select(Catalog.Name).ToArray();
                var prep = Math.Round(_settings.Scale.Minutes(r.PrepMinutes), 4);
                work.Add(async () =>
                {
                    var a = await Retry(() => api.PutAsync("restaurants/{id}", $"api/restaurants/{id}", w =>
                    {
                        w.WriteStartObject();
                        w.WriteString("name", $"Rush kitchen {r.Index}");
                        J.Point(w, point);
                        w.WriteNumber("prepMinutes", prep);
                        w.WriteStartArray("menu");
                        foreach (var sku in menu) w.WriteStringValue(sku);
                        w.WriteEndArray();
                        w.WriteBoolean("open", true);
                        w.WriteEndObject();
                    }, ct)).ConfigureAwait(false);
                    if (!a.Ok) failures.Enqueue($"PUT /api/restaurants/{id} answered {a.Status}: {a.Error ?? a.Text}");
                });
            }
            foreach (var k in _layout.Couriers)
            {
                var id = city.CourierIds[k.Index];
                var start = city.CourierStarts[k.Index];
                work.Add(async () =>
                {
                    var a = await Retry(() => api.PutAsync("couriers/{id}", $"api/couriers/{id}", w =>
                    {
                        w.WriteStartObject();
                        w.WriteString("name", $"Rush courier {k.Index}");
                        w.WriteString("vehicle", k.Vehicle.Name);
                        w.WriteEndObject();
                    }, ct)).ConfigureAwait(false);
                    if (!a.Ok)
                    {
                        failures.Enqueue($"PUT /api/couriers/{id} answered {a.Status}: {a.Error ?? a.Text}");
                        return;
                    }
                    var online = await Retry(() => api.PostAsync("couriers/online", $"api/couriers/{id}/online", w => { w.WriteStartObject(); J.Point(w, start); w.WriteEndObject(); }, ct)).ConfigureAwait(false);
                    if (!online.Ok) failures.Enqueue($"POST /api/couriers/{id}/online answered {online.Status}: {online.Error ?? online.Text}");
                });
            }
        }
        await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = Math.Min(Run.SetupParallelism, 8), CancellationToken = ct },
            async (w, _) => await w().ConfigureAwait(false)).ConfigureAwait(false);
        if (!failures.IsEmpty) return $"{failures.Count} set-up calls failed, e.g. {failures.First()}";
        return null;
    }

    private static async Task<ApiAnswer> Retry(Func<Task<ApiAnswer>> call)
    {
        ApiAnswer answer = await call().ConfigureAwait(false);
        for (var attempt = 1; attempt < 4 && answer.Uncertain; attempt++)
        {
            await Task.Delay(250 * attempt).ConfigureAwait(false);
            answer = await call().ConfigureAwait(false);
        }
        return answer;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Read back and check.

    private async Task CheckCityAsync(RushApi api, RushCity city, CancellationToken ct)
    {
        var label = city.Policy + (_cities.Count(c => c.Policy == city.Policy) > 1 ? "-" + city.Key : "");
        var unread = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var couriers = new System.Collections.Concurrent.ConcurrentBag<CourierSnapshot>();
        await Parallel.ForEachAsync(Enumerable.Range(0, city.CourierIds.Length), new ParallelOptions { MaxDegreeOfParallelism = _settings.ReadParallelism },
            async (k, token) =>
            {
                var id = city.CourierIds[k];
                var a = await Retry(() => api.GetAsync("couriers/{id}", $"api/couriers/{id}", token)).ConfigureAwait(false);
                if (!a.Ok)
                {
                    unread.Enqueue($"GET /api/couriers/{id} answered {a.Status}");
                    return;
                }
                couriers.Add(a.Read(root => new CourierSnapshot(id, (int?)J.Num(root, "capacity") ?? _layout.Couriers[k].Vehicle.Capacity,
                    J.Arr(root, "deliveries").Select(d => new HeldDelivery(J.Str(d, "orderId") ?? "?", J.Str(d, "status") ?? "?")).ToList()),
                    new CourierSnapshot(id, _layout.Couriers[k].Vehicle.Capacity, [])));
            }).ConfigureAwait(false);
        var zones = new List<ZoneSnapshot>();
        foreach (var zone in city.Zones)
        {
            var a = await Retry(() => api.GetAsync("zones/{id}", $"api/zones/{zone}", ct)).ConfigureAwait(false);
            if (!a.Ok)
            {
                unread.Enqueue($"GET /api/zones/{zone} answered {a.Status}");
                continue;
            }
            zones.Add(a.Read(root => new ZoneSnapshot(zone,
                J.Arr(root, "couriers").Select(c => new ZoneCourier(J.Str(c, "courierId") ?? "?", (int?)J.Num(c, "load") ?? 0, (int?)J.Num(c, "capacity") ?? int.MaxValue)).ToList(),
                J.Arr(root, "waiting").Select(w => J.Id(w, "orderId")).OfType<string>().ToList(),
                J.Arr(root, "offered").Select(w => J.Id(w, "orderId")).OfType<string>().ToList(),
                J.Arr(root, "assigned").Concat(J.Arr(root, "pickedUp")).Select(w => new ZoneAssignment(J.Id(w, "orderId") ?? "?", J.Str(w, "courierId"))).ToList(),
                J.Arr(root, "flagged").Select(w => J.Id(w, "orderId")).OfType<string>().ToList()),
                new ZoneSnapshot(zone, [], [], [], [])));
        }

        // The paid orders; those the couriers delivered but whose view does not say so yet are read again (the
        // order hears of its delivery from the zone, a moment later) until --settle passes.
        var paid = city.Orders.Where(o => o.State == PlacementState.Paid && o.Id is not null).ToList();
        var settleUntil = Stopwatch.GetTimestamp() + (long)(_settings.Settle.TotalSeconds * Stopwatch.Frequency);
        var toRead = paid;
        while (true)
        {
            await Parallel.ForEachAsync(toRead, new ParallelOptions { MaxDegreeOfParallelism = _settings.ReadParallelism },
                async (o, token) => await ReadOrderAsync(api, o, unread, token).ConfigureAwait(false)).ConfigureAwait(false);
            toRead = paid.Where(o => !double.IsNaN(o.DeliveredAt) && !string.Equals(o.FinalDeliveryStatus, "delivered", StringComparison.OrdinalIgnoreCase)).ToList();
            if (toRead.Count == 0 || Stopwatch.GetTimestamp() > settleUntil) break;
            await Task.Delay(500, ct).ConfigureAwait(false);
        }
        var snapshots = paid.Select(o => new PaidOrder(o.Id!, o.FinalStatus, o.FinalDeliveryStatus, o.FinalRefunded)).ToList();
        var checks = RushInvariants.Check(label, couriers.OrderBy(c => c.CourierId, StringComparer.Ordinal).ToList(), zones, snapshots);
        city.Fates = RushInvariants.Classify(couriers.ToList(), zones, snapshots);
        if (!unread.IsEmpty)
            checks.Add(new CheckResult($"{label}: dispatch state readable (couriers, zones, orders)", false, $"{unread.Count} reads failed, e.g. {unread.First()}", unread.Take(10).ToList()));
        var tooled = paid.Count(o => !double.IsNaN(o.DeliveredAt));
        var viewDelivered = paid.Count(o => string.Equals(o.FinalDeliveryStatus, "delivered", StringComparison.OrdinalIgnoreCase));
        checks.Add(new CheckResult($"{label}: every delivery the couriers made shows on its order (GET /api/orders/{{id}} delivery.status)",
            paid.Where(o => !double.IsNaN(o.DeliveredAt)).All(o => string.Equals(o.FinalDeliveryStatus, "delivered", StringComparison.OrdinalIgnoreCase)),
            $"{tooled} delivered by the couriers' apps, {viewDelivered} orders say delivered", paid.Where(o => !double.IsNaN(o.DeliveredAt) && !string.Equals(o.FinalDeliveryStatus, "delivered", StringComparison.OrdinalIgnoreCase))
                .Take(10).Select(o => $"{o.Id}: delivery.status {o.FinalDeliveryStatus ?? "-"}, order {o.FinalStatus ?? "-"}").ToList()));
        checks.Add(new CheckResult($"{label}: orders were placed, paid and delivered", paid.Count > 0 && tooled > 0,
            $"{city.Orders.Length} in the stream, {city.Orders.Count(o => o.Placed)} placed, {paid.Count} paid, {tooled} delivered", []));
        _checks.AddRange(checks);
    }

    private static async Task ReadOrderAsync(RushApi api, RushOrder o, System.Collections.Concurrent.ConcurrentQueue<string> unread, CancellationToken ct)
    {
        var a = await Retry(() => api.GetAsync("orders/{id}", $"api/orders/{o.Id}", ct)).ConfigureAwait(false);
        if (!a.Ok)
        {
            unread.Enqueue($"GET /api/orders/{o.Id} answered {a.Status}");
            return;
        }
        a.Read(root =>
        {
            var delivery = J.Obj(root, "delivery");
            lock (o.Gate)
            {
                o.FinalStatus = J.Str(root, "status");
                // A kitchen rejection cancels the order and refunds it (its delivery says rejected).
                o.FinalRefunded = string.Equals(o.FinalStatus, "refunded", StringComparison.OrdinalIgnoreCase)
                    || (string.Equals(o.FinalStatus, "cancelled", StringComparison.OrdinalIgnoreCase) && J.Arr(root, "refunds").Any())
                    || (delivery is { } dv && string.Equals(J.Str(dv, "status"), "rejected", StringComparison.OrdinalIgnoreCase) && J.Arr(root, "refunds").Any());
                o.PlacedWall = J.Time(root, "receivedAt") ?? J.Time(root, "placedAt");
                if (delivery is { } d)
                {
                    o.FinalDeliveryStatus = J.Str(d, "status");
                    o.PromisedBy = J.Time(d, "promisedBy") ?? o.PromisedBy;
                    o.DeliveredStepAt = DeliveredStep(d);
                }
            }
            return 0;
        }, 0);
    }

    /// <summary>
    /// The time of the delivery's "delivered" step: any step with a string value "delivered", at its occurredAt (the
    /// reporter's time of the stage) or else its at (when the order recorded it).
    /// </summary>
    private static DateTimeOffset? DeliveredStep(JsonElement delivery)
    {
        foreach (var step in J.Arr(delivery, "steps"))
        {
            if (step.ValueKind != JsonValueKind.Object) continue;
            var isDelivered = step.EnumerateObject().Any(p => p.Value.ValueKind == JsonValueKind.String && string.Equals(p.Value.GetString(), "delivered", StringComparison.OrdinalIgnoreCase));
            if (isDelivered && (J.Time(step, "occurredAt") ?? J.Time(step, "at")) is { } at) return at;
        }
        return null;
    }

    /// <summary>
    /// The SKU ledger for the common stock check: units of orders that stand (placed, not refunded) are taken; units of
    /// refunded or cancelled orders, and of placements whose outcome stayed unknown, may or may not be back on sale yet.
    /// </summary>
    private void KeepLedger()
    {
        foreach (var city in _cities)
            foreach (var o in city.Orders)
            {
                if (o.State == PlacementState.NotYet) continue;
                var lines = o.Plan.Lines.Select(l => new OrderLine(city.Skus[o.Plan.Restaurant][l.Dish], l.Quantity)).ToArray();
                Catalog.Touch(lines);
                var refunded = o.FinalRefunded || o.FinalStatus is { } s && (s.Equals("cancelled", StringComparison.OrdinalIgnoreCase) || s.Equals("expired", StringComparison.OrdinalIgnoreCase));
                if (o.State == PlacementState.Unknown || (o.Placed && (refunded || o.KitchenRejected))) Catalog.AddUncertain(lines);
                else if (o.Placed)
                {
                    Catalog.Accept(lines);
                    // Picked up by a courier: its dishes leave stock (onHand and sold fall), as a shipment's units do.
                    var pickedUp = !double.IsNaN(o.PickedUpAt) || o.FinalDeliveryStatus is { } ds
                        && (ds.Equals("pickedUp", StringComparison.OrdinalIgnoreCase) || ds.Equals("delivered", StringComparison.OrdinalIgnoreCase));
                    if (pickedUp) Catalog.AddMayLeave(lines);
                }
            }
    }

    /// <summary>Couriers that hold nothing go offline, so a later run against the same engine is not offered to them.</summary>
    private async Task OfflineIdleCouriersAsync(RushApi api)
    {
        foreach (var city in _cities)
        {
            var busy = city.Fates.Count == 0 ? new HashSet<string>() : new HashSet<string>(city.Orders.Where(o => o.Id is not null && city.Fates.GetValueOrDefault(o.Id!) == PaidOrderFate.Assigned).Select(o => o.CourierId ?? ""), StringComparer.Ordinal);
            await Parallel.ForEachAsync(city.CourierIds.Where(id => !busy.Contains(id)), new ParallelOptions { MaxDegreeOfParallelism = 8 },
                async (id, token) => await api.PostAsync("couriers/offline", $"api/couriers/{id}/offline", null, token).ConfigureAwait(false)).ConfigureAwait(false);
        }
    }

    public override void Verify(VerificationContext context) => context.Checks.AddRange(_checks);

    // ---------------------------------------------------------------------------------------------------------------
    // Figures, tables and the summary line.

    /// <summary>One zone's figures, by name (also the report's figure keys, prefixed with the policy).</summary>
    private SortedDictionary<string, double> FiguresOf(RushCity city)
    {
        var f = new SortedDictionary<string, double>(StringComparer.Ordinal);
        var o = city.Orders;
        var scale = _settings.Scale;
        f["orders_in_stream"] = o.Length;
        f["placed"] = o.Count(x => x.Placed);
        f["refused_sold_out"] = o.Count(x => x.State == PlacementState.RefusedSoldOut);
        f["refused_restaurant_paused"] = o.Count(x => x.State == PlacementState.RefusedPaused);
        f["refused_other"] = o.Count(x => x.State == PlacementState.RefusedOther);
        f["placement_unknown"] = o.Count(x => x.State == PlacementState.Unknown);
        f["paid"] = o.Count(x => x.State == PlacementState.Paid);
        f["payment_failed"] = o.Count(x => x.State == PlacementState.PaymentFailed);
        f["kitchen_accepted"] = o.Count(x => x.KitchenAccepted);
        f["kitchen_rejected"] = o.Count(x => x.KitchenRejected);
        f["assigned"] = o.Count(x => !double.IsNaN(x.AssignedAt));
        f["never_assigned"] = o.Count(x => x.KitchenAccepted && double.IsNaN(x.AssignedAt));
        f["delivered"] = o.Count(x => !double.IsNaN(x.DeliveredAt));

        var assign = o.Where(x => x.KitchenAccepted && !double.IsNaN(x.AssignedAt)).Select(x => x.AssignedAt - x.KitchenAt).ToList();
        var firstOffer = o.Where(x => x.KitchenAccepted && !double.IsNaN(x.FirstOfferAt)).Select(x => Math.Max(0, x.FirstOfferAt - x.KitchenAt)).ToList();
        var offerToAccept = o.Where(x => !double.IsNaN(x.OfferSeenToAccepted)).Select(x => x.OfferSeenToAccepted).ToList();
        void Latency(string name, List<double> values)
        {
            if (Percentiles.Of(values, 50) is { } p50) f[name + "_p50_s"] = Math.Round(p50, 3);
            if (Percentiles.Of(values, 99) is { } p99) f[name + "_p99_s"] = Math.Round(p99, 3);
        }
        Latency("assign", assign);
        Latency("first_offer", firstOffer);
        Latency("offer_to_accept", offerToAccept);

        List<WaitingSample> samples;
        lock (city.Gate) samples = city.Samples.ToList();
        f["waiting_peak"] = samples.Count == 0 ? 0 : samples.Max(s => s.WaitingTool);
        if (samples.Any(s => s.WaitingEngine is not null)) f["waiting_peak_engine"] = samples.Max(s => s.WaitingEngine ?? 0);
        if (samples.Any(s => s.Surge is not null)) f["surge_peak"] = Math.Round(samples.Max(s => s.Surge ?? 0), 2);
        f["utilisation_percent"] = city.CourierSeconds > 0 ? Math.Round(100 * city.BusyCourierSeconds / city.CourierSeconds, 1) : 0;

        var delivered = o.Where(x => !double.IsNaN(x.DeliveredAt)).ToList();
        var judged = delivered.Where(x => x.PromisedBy is not null && (x.DeliveredStepAt ?? x.DeliveredWall) is not null).ToList();
        var onTime = judged.Count(x => (x.DeliveredStepAt ?? x.DeliveredWall)!.Value <= x.PromisedBy!.Value);
        f["delivered_with_promise"] = judged.Count;
        if (judged.Count > 0) f["on_time_percent"] = Math.Round(100.0 * onTime / judged.Count, 1);
        var deliveryMinutes = delivered.Where(x => !double.IsNaN(x.PaidAt)).Select(x => scale.SimulatedMinutes(x.DeliveredAt - x.PaidAt)).ToList();
        if (Percentiles.Of(deliveryMinutes, 50) is { } dm50) f["paid_to_delivered_p50_sim_min"] = Math.Round(dm50, 1);
        if (Percentiles.Of(deliveryMinutes, 90) is { } dm90) f["paid_to_delivered_p90_sim_min"] = Math.Round(dm90, 1);
        var promised = o.Where(x => x.PromisedBy is not null && x.PlacedWall is not null).Select(x => scale.SimulatedMinutes((x.PromisedBy!.Value - x.PlacedWall!.Value).TotalSeconds)).ToList();
        if (Percentiles.Of(promised, 50) is { } pm) f["promise_horizon_p50_sim_min"] = Math.Round(pm, 1);

        f["offers_seen"] = city.OffersSeen;
        f["offers_accepted"] = city.OffersAccepted;
        f["offers_declined"] = city.OffersDeclined;
        f["offers_ignored"] = city.OffersIgnored;
        f["offers_lost_409"] = city.OffersLost;
        f["offers_gone_before_answer"] = city.OffersExpiredBeforeAnswer;
        f["offers_foreign"] = city.ForeignOffers;
        f["pickups"] = city.Pickups;
        f["pickup_refusals_409"] = city.PickupRefusals;
        f["restaurants_paused"] = city.RestaurantsEverPaused.Count;
        f["queue_eta_max_min"] = Math.Round(city.MaxQueueEtaMinutes, 2);
        foreach (var fate in Enum.GetValues<PaidOrderFate>())
            f["end_" + fate.ToString().ToLowerInvariant()] = city.Fates.Values.Count(v => v == fate);
        return f;
    }

    public override string Summarize(RunReport report, RunResult result)
    {
        var inv = CultureInfo.InvariantCulture;
        var figures = _cities.Select(FiguresOf).ToList();
        for (var c = 0; c < _cities.Count; c++)
            foreach (var (k, v) in figures[c])
                report.Figures[$"{_cities[c].Policy}{(_policies.Count(p => p == _cities[c].Policy) > 1 ? "-" + _cities[c].Key : "")}.{k}"] = v;
        report.Figures["dispatch_setup_s"] = Math.Round(_setupSeconds, 2);
        report.Figures["time_scale"] = _settings.Scale.Scale;
        if (_sim is not null)
        {
            report.Figures["stream_s"] = Math.Round(_sim.StreamEndedAt, 1);
            report.Figures["drain_s"] = Math.Round(_sim.DrainEndedAt - _sim.StreamEndedAt, 1);
        }
        if (_api is not null)
        {
            foreach (var (k, v) in _api.Counts()) report.Parameters["calls: " + k] = v.ToString(inv);
            foreach (var (k, v) in _api.Samples()) report.ErrorSamples["rush " + k] = v;
        }
        foreach (var n in _notes) report.Parameters["note: " + report.Parameters.Count(p => p.Key.StartsWith("note", StringComparison.Ordinal))] = n;
        report.Tables.Add(SideBySide(figures));
        report.Tables.Add(OverTime());

        string Cell(SortedDictionary<string, double> f, string key, string format, string suffix = "") => f.TryGetValue(key, out var v) ? v.ToString(format, inv) + suffix : "n/a";
        var perZone = _cities.Select((c, i) =>
        {
            var f = figures[i];
            return $"{c.Policy}[assign-p50={Cell(f, "assign_p50_s", "0.00", "s")} assign-p99={Cell(f, "assign_p99_s", "0.00", "s")} waiting-peak={Cell(f, "waiting_peak", "0")} " +
                   $"util={Cell(f, "utilisation_percent", "0.0", "%")} on-time={Cell(f, "on_time_percent", "0.0", "%")} delivered={Cell(f, "delivered", "0")}/{Cell(f, "paid", "0")} " +
                   $"never-assigned={Cell(f, "never_assigned", "0")} refused={f["refused_sold_out"] + f["refused_restaurant_paused"] + f["refused_other"]:0}]";
        });
        var dispatchChecks = result.Checks.Where(c => c.Name.Contains("dispatch:", StringComparison.Ordinal)).ToList();
        var invariants = dispatchChecks.Count == 0 ? "n/a" : dispatchChecks.All(c => c.Passed) ? "PASS" : "FAIL";
        var errors = result.Metrics.Count(OutcomeClass.OtherStatus) + result.Metrics.Failed;
        return string.Create(inv,
            $"orderengine restaurant-rush restaurants={_restaurants} couriers={_couriers} peak-rate={_peakRate:0.##} seconds={_settings.Duration.TotalSeconds:0} scale={_settings.Scale.Scale:0.##} orders={_layout.Orders.Count}/zone: " +
            $"{string.Join(" ", perZone)} requests={result.Metrics.Completed} errors={errors} dispatch-invariants={invariants} oversell={Runner.OversellVerdict(result.Checks)} check={Runner.CheckVerdict(result.Checks)}");
    }

    private ReportTable SideBySide(List<SortedDictionary<string, double>> figures)
    {
        var inv = CultureInfo.InvariantCulture;
        var scale = _settings.Scale;
        var table = new ReportTable
        {
            Title = "Dispatch: the zones side by side",
            Note = "Same layout, same order stream, same kitchens and couriers' habits in each zone; only the zone policy differs. Times in real seconds of the compressed run " +
                   $"(x{scale.Scale.ToString("0.##", inv)}: 1 s = {(scale.Scale / 60).ToString("0.##", inv)} simulated minutes; simulated minutes in brackets). Assignment latency: from the kitchen's accept " +
                   "to the courier's accept answered 200 (orders never assigned are left out: see 'never assigned'). Utilisation: share of courier-time holding at least one " +
                   "delivery, over the order stream. On time: delivered (the order's delivered step, else the courier's deliver call) no later than the order's promisedBy.",
            Columns = ["", .. _cities.Select(c => $"{c.Policy} ({string.Join(",", c.Zones)})")],
        };
        string V(int c, string key, string format = "0.##")
        {
            if (!figures[c].TryGetValue(key, out var v)) return "n/a";
            var text = v.ToString(format, inv);
            return key.EndsWith("_s", StringComparison.Ordinal) ? text + string.Create(inv, $" s ({scale.SimulatedMinutes(v):0.0} min)") : text;
        }
        void Row(string name, string key, string format = "0.##") => table.Rows.Add([name, .. Enumerable.Range(0, _cities.Count).Select(c => V(c, key, format))]);
        Row("orders in the stream", "orders_in_stream");
        Row("placed (201)", "placed");
        Row("refused: sold out / restaurant paused / other", "refused_sold_out");
        table.Rows[^1] = [table.Rows[^1][0], .. Enumerable.Range(0, _cities.Count).Select(c => $"{V(c, "refused_sold_out")} / {V(c, "refused_restaurant_paused")} / {V(c, "refused_other")}")];
        Row("paid", "paid");
        Row("kitchen accepted / rejected", "kitchen_accepted");
        table.Rows[^1] = [table.Rows[^1][0], .. Enumerable.Range(0, _cities.Count).Select(c => $"{V(c, "kitchen_accepted")} / {V(c, "kitchen_rejected")}")];
        Row("**assignment latency p50** (kitchen accept -> courier accepted)", "assign_p50_s", "0.00");
        Row("**assignment latency p99**", "assign_p99_s", "0.00");
        Row("kitchen accept -> first offer seen p50", "first_offer_p50_s", "0.00");
        Row("kitchen accept -> first offer seen p99", "first_offer_p99_s", "0.00");
        Row("offer seen -> accepted p50", "offer_to_accept_p50_s", "0.00");
        Row("offer seen -> accepted p99", "offer_to_accept_p99_s", "0.00");
        Row("never assigned", "never_assigned");
        Row("**orders waiting for a courier, peak** (tool)", "waiting_peak");
        Row("orders waiting, peak (zone's waitingDeliveries)", "waiting_peak_engine");
        Row("surge peak (zone)", "surge_peak");
        Row("**courier utilisation %**", "utilisation_percent", "0.0");
        Row("delivered", "delivered");
        Row("**delivered on time %**", "on_time_percent", "0.0");
        Row("paid -> delivered p50 / p90 (simulated min)", "paid_to_delivered_p50_sim_min");
        table.Rows[^1] = [table.Rows[^1][0], .. Enumerable.Range(0, _cities.Count).Select(c => $"{V(c, "paid_to_delivered_p50_sim_min", "0.0")} / {V(c, "paid_to_delivered_p90_sim_min", "0.0")}")];
        Row("promise horizon p50 (simulated min, promisedBy - received)", "promise_horizon_p50_sim_min", "0.0");
        Row("offers seen / accepted / declined / ignored", "offers_seen");
        table.Rows[^1] = [table.Rows[^1][0], .. Enumerable.Range(0, _cities.Count).Select(c => $"{V(c, "offers_seen")} / {V(c, "offers_accepted")} / {V(c, "offers_declined")} / {V(c, "offers_ignored")}")];
        Row("accepts refused (409) / offers gone before the answer", "offers_lost_409");
        table.Rows[^1] = [table.Rows[^1][0], .. Enumerable.Range(0, _cities.Count).Select(c => $"{V(c, "offers_lost_409")} / {V(c, "offers_gone_before_answer")}")];
        Row("restaurants paused at some point / max queue ETA (min)", "restaurants_paused");
        table.Rows[^1] = [table.Rows[^1][0], .. Enumerable.Range(0, _cities.Count).Select(c => $"{V(c, "restaurants_paused")} / {V(c, "queue_eta_max_min")}")];
        Row("at the end: delivered / assigned / queued / refunded / unaccounted", "end_delivered");
        table.Rows[^1] = [table.Rows[^1][0], .. Enumerable.Range(0, _cities.Count).Select(c => $"{V(c, "end_delivered")} / {V(c, "end_assigned")} / {V(c, "end_queued")} / {V(c, "end_refunded")} / {V(c, "end_unaccounted")}")];
        table.Rows.Add(["dispatch invariants", .. _cities.Select(DispatchVerdict)]);
        return table;
    }

    private string DispatchVerdict(RushCity city)
    {
        var mine = _checks.Where(x => x.Name.StartsWith(city.Policy, StringComparison.Ordinal) && x.Name.Contains("dispatch:", StringComparison.Ordinal)).ToList();
        return mine.Count == 0 ? "not checked" : mine.All(x => x.Passed) ? "PASS" : "FAIL: " + string.Join("; ", mine.Where(x => !x.Passed).Select(x => x.Name));
    }

    private ReportTable OverTime()
    {
        var table = new ReportTable
        {
            Title = "Orders waiting for a courier over time",
            Note = "Every 5 s: orders the kitchen accepted that no courier has accepted yet (the tool's count), the zone's waitingDeliveries and surge, and couriers holding a delivery.",
            Columns = ["t (s)", .. _cities.SelectMany(c => new[] { $"{c.Policy} waiting", $"{c.Policy} zone waiting", $"{c.Policy} surge", $"{c.Policy} busy couriers" })],
        };
        var series = _cities.Select(c =>
        {
            lock (c.Gate) return c.Samples.ToList();
        }).ToList();
        var longest = series.Max(s => s.Count);
        for (var i = 4; i < longest; i += 5)
        {
            var row = new List<string> { series.Select(s => i < s.Count ? s[i].T.ToString("0", CultureInfo.InvariantCulture) : "").First(x => x.Length > 0) };
            foreach (var s in series)
            {
                if (i >= s.Count)
                {
                    row.AddRange(["", "", "", ""]);
                    continue;
                }
                var x = s[i];
                row.Add(x.WaitingTool.ToString(CultureInfo.InvariantCulture));
                row.Add(x.WaitingEngine?.ToString(CultureInfo.InvariantCulture) ?? "-");
                row.Add(x.Surge?.ToString("0.##", CultureInfo.InvariantCulture) ?? "-");
                row.Add(x.BusyCouriers.ToString(CultureInfo.InvariantCulture));
            }
            table.Rows.Add(row);
        }
        return table;
    }
}
