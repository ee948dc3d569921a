using System.Collections.Immutable;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Products;
using OrderEngine.Domain.ShippingMethods;

namespace OrderEngine.Domain.Tests;

/// <summary>Rules, addresses and orders for the shipping tests: a Berlin warehouse shipping to Germany and the EU.</summary>
internal static class ShippingTestKit
{
    /// <summary>Friday 2026-12-04, 10:00 in Berlin (09:00 UTC): before every cut-off.</summary>
    public static readonly DateTimeOffset FridayMorning = new(2026, 12, 4, 9, 0, 0, TimeSpan.Zero);

    public static readonly Address BerlinAddress = new("Ada", "Unter den Linden 1", null, "Berlin", "BE", "10117", "DE", null);
    public static readonly Address MunichAddress = new("Bo", "Marienplatz 1", null, "München", "BY", "80331", "DE", null);
    public static readonly Address ParisAddress = new("Cy", "1 Rue de Rivoli", null, "Paris", null, "75001", "FR", null);
    public static readonly Address NewYorkAddress = new("Di", "1 Broadway", null, "New York", "NY", "10004", "US", null);

    public static ShippingRate Eur(string? zone, params (decimal UpTo, decimal Price)[] brackets) =>
        new("EUR", zone, [.. brackets.Select(b => new WeightBracket(b.UpTo, b.Price))]);

    public static ShippingMethod Method(string id, ShippingKind kind, string[] zones, ShippingRate[] rates, int priority,
        decimal? min = null, decimal? max = null, decimal? maxDim = null, decimal? maxSide = null, bool cod = true,
        DeliveryWindow? delivery = null, decimal? freeFromEur = null) =>
        new(id, kind, "Carrier " + id, [.. zones], min, max, maxDim, 5000m, maxSide, [.. rates],
            freeFromEur is { } f ? [new FreeShippingThreshold("EUR", f)] : [],
            delivery ?? new DeliveryWindow(2, 4, "16:00"), cod, priority);

    public static ShippingRules Rules(decimal? unknownWeight = null) => new(
        new Warehouse("DE", "BE", "Berlin", "10115", "Europe/Berlin"),
        [
            new ShippingZone("berlin", [], [], [], SameCityAsWarehouse: true),
            new ShippingZone("de", ["DE"], [], []),
            new ShippingZone("eu", ["AT", "FR", "NL"], [], []),
        ],
        [
            Method("same-day", ShippingKind.SameDay, ["berlin"], [Eur(null, (5, 9.90m), (20, 14.90m))], 0, max: 20, maxSide: 100,
                delivery: new DeliveryWindow(0, 0, "14:00")),
            Method("express", ShippingKind.Express, ["de", "eu"], [Eur("de", (2, 12.90m), (31.5m, 24.90m)), Eur("eu", (2, 24.90m), (31.5m, 49.90m))], 1,
                max: 30, maxSide: 120, cod: false, delivery: new DeliveryWindow(1, 2, "16:00")),
            Method("standard", ShippingKind.Standard, ["de", "eu"], [Eur("de", (2, 4.90m), (5, 6.90m), (10, 9.90m), (31.5m, 16.90m)), Eur("eu", (2, 13.90m), (31.5m, 39.90m))], 2,
                max: 30, maxSide: 120, freeFromEur: 50m),
            Method("freight", ShippingKind.Freight, ["de", "eu"], [new ShippingRate("EUR", "de", [], 49m, 0.80m), new ShippingRate("EUR", "eu", [], 89m, 1.20m)], 3,
                min: 30, max: 1000, cod: false, delivery: new DeliveryWindow(3, 7)),
        ],
        unknownWeight);

    public static ProductSpec Spec(decimal kg, decimal l = 10, decimal w = 10, decimal h = 10) => new(kg, new Dimensions(l, w, h));

    public static ShipmentFacts Order(Address? to, params ShippedItem[] lines) =>
        new(to, "EUR", lines.Sum(l => l.Quantity * l.UnitPrice), false, [.. lines]);

    public static ShippedItem Line(string sku, int qty, decimal price, ProductSpec? spec) => new(sku, qty, price, spec);

    public static ShippingOption Option(this ShippingQuote q, string id) => q.Options.Single(o => o.MethodId == id);

    public static ImmutableArray<string> Ids(this IEnumerable<ShippingOption> options) => [.. options.Select(o => o.MethodId)];
}
