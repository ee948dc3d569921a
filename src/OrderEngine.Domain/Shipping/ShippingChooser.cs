using System.Collections.Immutable;
using System.Globalization;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Payments;
using OrderEngine.Domain.Products;

namespace OrderEngine.Domain.ShippingMethods;

/// <summary>What the shipping choice needs of a product: its weight and size.</summary>
public sealed record ProductSpec(decimal WeightKg, Dimensions Dimensions);

/// <summary>One order line as the shipping choice sees it; <see cref="Product"/> is null when the SKU was never defined.</summary>
/// <summary>A line to ship as the chooser weighs it: its units, price and product (null: the product is unknown).</summary>
public sealed record ShippedItem(string Sku, int Quantity, decimal UnitPrice, ProductSpec? Product);

/// <summary>The facts of an order the shipping choice decides on.</summary>
/// <param name="OrderValue">The value of the goods (the sum of the lines), compared with free-shipping thresholds.</param>
public sealed record ShipmentFacts(Address? Destination, string Currency, decimal OrderValue, bool CashOnDelivery, ImmutableArray<ShippedItem> Lines)
{
    /// <summary>The facts of an order as its entity shows it, with the products of its lines (missing: unknown).</summary>
    public static ShipmentFacts From(OrderView order, IReadOnlyDictionary<string, ProductSpec?> products)
    {
        var lines = order.Lines.Where(l => l.RejectionCode is null)
            .Select(l => new ShippedItem(l.Sku, l.Quantity, l.UnitPrice, products.GetValueOrDefault(l.Sku)))
            .ToImmutableArray();
        return new ShipmentFacts(order.ShippingAddress, order.Currency, lines.Sum(l => l.Quantity * l.UnitPrice),
            order.PaymentMethod == PaymentMethod.CashOnDelivery, lines);
    }
}

/// <summary>One method judged for one order: eligible or not (with every reason), its cost and promised delivery dates.</summary>
public sealed record ShippingOption(
    string MethodId,
    ShippingKind Kind,
    string Carrier,
    bool Eligible,
    ImmutableArray<string> Reasons,
    string? Zone,
    decimal? Cost,
    string Currency,
    bool FreeShipping,
    decimal ActualWeightKg,
    decimal DimensionalWeightKg,
    decimal ChargeableWeightKg,
    DateOnly? EarliestDelivery,
    DateOnly? LatestDelivery,
    int Priority);

/// <summary>The method an order ships with and why; with no <see cref="MethodId"/>, no method was eligible and the reason says why.</summary>
public sealed record ShippingChoice(
    string? MethodId,
    ShippingKind? Kind,
    string? Carrier,
    decimal? Cost,
    string Currency,
    DateOnly? EarliestDelivery,
    DateOnly? LatestDelivery,
    string Reason,
    string? ChosenBy = null)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsNone => MethodId is null;
}

/// <summary>Every method judged for an order, notes that apply to all of them, and the automatic choice.</summary>
public sealed record ShippingQuote(ImmutableArray<ShippingOption> Options, ImmutableArray<string> Notes, ShippingChoice Choice);

/// <summary>
/// Chooses how an order ships: each method is judged against the destination, the parcel's weights and sizes, the
/// payment method and the order's currency; the cheapest eligible one wins (ties: lower priority, then id).
/// Chargeable weight is the larger of the actual and the dimensional weight. Pure: the rules and the time come in.
/// </summary>
public static class ShippingChooser
{
    public static ShippingQuote Quote(ShippingRules rules, ShipmentFacts order, DateTimeOffset now)
    {
        var notes = ImmutableArray.CreateBuilder<string>();
        var blockers = new List<string>();
        var destination = order.Destination;
        if (destination is null) blockers.Add("the order has no shipping address");
        else if (string.IsNullOrWhiteSpace(destination.Country)) blockers.Add("the shipping address has no country");
        if (order.Lines.IsDefaultOrEmpty) blockers.Add("the order has no lines to ship");

        var lines = order.Lines.IsDefault ? [] : order.Lines;
        var unknown = lines.Where(l => l.Product is null).Select(l => l.Sku).Distinct(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            if (rules.UnknownProductWeightKg is { } assumed)
                notes.Add($"no product definition for {string.Join(", ", unknown)}: counted as {Kg(assumed)} kg each, without dimensions");
            else
                blockers.Add($"no product definition (weight, dimensions) for {string.Join(", ", unknown)}: PUT /api/products/{{sku}} first");
        }

        var actual = lines.Sum(l => l.Quantity * (l.Product?.WeightKg ?? rules.UnknownProductWeightKg ?? 0m));
        var localNow = TimeZoneInfo.ConvertTime(now, Zone(rules.Warehouse.TimeZone));
        var options = rules.Methods
            .Select(m => Judge(rules, m, order, lines, destination, actual, blockers, localNow))
            .ToImmutableArray();
        var quoteNotes = notes.ToImmutable();
        return new ShippingQuote(options, quoteNotes, Choose(options, order.Currency, quoteNotes));
    }

    /// <summary>The automatic choice among judged options: the cheapest eligible, or none with every method's reasons.</summary>
    public static ShippingChoice Choose(ImmutableArray<ShippingOption> options, string currency, ImmutableArray<string> notes)
    {
        var ranked = options.Where(o => o.Eligible).OrderBy(o => o.Cost).ThenBy(o => o.Priority).ThenBy(o => o.MethodId, StringComparer.Ordinal).ToList();
        var suffix = notes.IsDefaultOrEmpty ? "" : "; " + string.Join("; ", notes);
        if (ranked.Count == 0)
        {
            var why = options.Length == 0
                ? "no shipping method is configured"
                : string.Join("; ", options.Select(o => $"{o.MethodId}: {string.Join(", ", o.Reasons)}"));
            return new ShippingChoice(null, null, null, null, currency, null, null, "no shipping method is eligible: " + why + suffix);
        }
        var best = ranked[0];
        var tie = ranked.Skip(1).Where(o => o.Cost == best.Cost).Select(o => o.MethodId).ToList();
        var reason = $"cheapest eligible: {Describe(best)}" +
                     (tie.Count > 0 ? $"; same cost as {string.Join(", ", tie)}, chosen by priority" : "") + suffix;
        return new ShippingChoice(best.MethodId, best.Kind, best.Carrier, best.Cost, currency, best.EarliestDelivery, best.LatestDelivery, reason);
    }

    /// <summary>
    /// An operator's choice of a method the rules define (null when there is no such method). An ineligible method may
    /// be chosen — that is what an override is for — and the reason keeps why it was ineligible.
    /// </summary>
    public static ShippingChoice? Override(ShippingQuote quote, string methodId, string by, string? note)
    {
        var option = quote.Options.FirstOrDefault(o => o.MethodId == methodId);
        if (option is null) return null;
        var reason = $"chosen by {by}" + (string.IsNullOrWhiteSpace(note) ? "" : $" ({note.Trim()})") + ": " + Describe(option) +
                     (option.Eligible ? "" : "; overriding: " + string.Join(", ", option.Reasons));
        return new ShippingChoice(option.MethodId, option.Kind, option.Carrier, option.Cost, option.Currency,
            option.EarliestDelivery, option.LatestDelivery, reason, by);
    }

    /// <summary>"standard (Standard, DHL), 4.90 EUR, 2.4 kg billed (dimensional; actual 1.2 kg), delivery 2026-12-08 to 2026-12-10".</summary>
    public static string Describe(ShippingOption o)
    {
        var cost = o.Cost is { } c ? $"{Money(c, o.Currency)} {o.Currency}" + (o.FreeShipping ? " (free shipping)" : "") : "no price";
        var billed = o.DimensionalWeightKg > o.ActualWeightKg
            ? $"{Kg(o.ChargeableWeightKg)} kg billed (dimensional; actual {Kg(o.ActualWeightKg)} kg)"
            : $"{Kg(o.ChargeableWeightKg)} kg billed (actual)";
        var when = o.EarliestDelivery is { } e && o.LatestDelivery is { } l
            ? (e == l ? $", delivery {e:yyyy-MM-dd}" : $", delivery {e:yyyy-MM-dd} to {l:yyyy-MM-dd}")
            : "";
        return $"{o.MethodId} ({o.Kind}, {o.Carrier}), {cost}, {billed}{when}";
    }

    private static ShippingOption Judge(ShippingRules rules, ShippingMethod m, ShipmentFacts order, ImmutableArray<ShippedItem> lines,
        Address? destination, decimal actual, List<string> blockers, DateTimeOffset localNow)
    {
        var reasons = new List<string>(blockers);
        string? zone = null;
        if (destination is { Country: not null and not "" })
        {
            zone = m.Zones.FirstOrDefault(id => rules.Zones.FirstOrDefault(z => z.Id == id) is { } z && Matches(z, rules.Warehouse, destination));
            if (zone is null)
                reasons.Add($"does not deliver to {Where(destination)} (zones {string.Join(", ", m.Zones)})");
        }
        if (order.CashOnDelivery && !m.CashOnDeliveryAllowed) reasons.Add("no cash on delivery");

        var dimensional = CeilGrams(lines.Sum(l => l.Product is { } p ? l.Quantity * p.Dimensions.VolumeCm3() / m.DimDivisor : 0m));
        var chargeable = Math.Max(actual, dimensional);
        if (m.MinWeightKg is { } min && actual < min) reasons.Add($"actual weight {Kg(actual)} kg is under the {Kg(min)} kg minimum");
        if (m.MaxWeightKg is { } max && actual > max) reasons.Add($"actual weight {Kg(actual)} kg is over the {Kg(max)} kg limit");
        if (m.MaxDimensionalWeightKg is { } maxDim && dimensional > maxDim)
            reasons.Add($"dimensional weight {Kg(dimensional)} kg is over the {Kg(maxDim)} kg limit");
        if (m.MaxItemDimensionCm is { } maxSide)
        {
            foreach (var l in lines.Where(l => l.Product is { } p && p.Dimensions.LongestSideCm() > maxSide).DistinctBy(l => l.Sku))
                reasons.Add($"{l.Sku} is {Kg(l.Product!.Dimensions.LongestSideCm())} cm long, over the {Kg(maxSide)} cm limit");
        }

        decimal? cost = null;
        var free = false;
        var rate = m.Rates.Where(r => r.Currency == order.Currency && (r.Zone is null || r.Zone == zone))
            .OrderBy(r => r.Zone is null ? 1 : 0).FirstOrDefault();
        if (rate is null)
            reasons.Add($"no price in {order.Currency}" + (zone is null ? "" : $" for zone {zone}"));
        else if (Price(rate, chargeable) is { } price)
        {
            cost = price;
            if (m.FreeShippingFrom.FirstOrDefault(f => f.Currency == order.Currency) is { } threshold && order.OrderValue >= threshold.Amount)
            {
                cost = 0m;
                free = true;
            }
        }
        else reasons.Add($"no price for {Kg(chargeable)} kg billed (the table ends at {Kg(rate.Brackets[^1].UpToKg)} kg)");

        var (earliest, latest) = DeliveryDates(m.Delivery, localNow);
        return new ShippingOption(m.Id, m.Kind, m.Carrier, reasons.Count == 0, [.. reasons], zone, cost, order.Currency, free,
            actual, dimensional, chargeable, earliest, latest, m.Priority);
    }

    /// <summary>The price of a chargeable weight by a rate: the first bracket that reaches it, or base + perKg per started kilogram.</summary>
    public static decimal? Price(ShippingRate rate, decimal chargeableKg)
    {
        if (!rate.Brackets.IsDefaultOrEmpty)
        {
            foreach (var b in rate.Brackets)
                if (chargeableKg <= b.UpToKg) return b.Price;
            return null;
        }
        return rate.Base!.Value + rate.PerKg!.Value * Math.Ceiling(chargeableKg);
    }

    /// <summary>Whether a destination lies in a zone: every criterion the zone gives must hold.</summary>
    public static bool Matches(ShippingZone z, Warehouse w, Address a)
    {
        var country = (a.Country ?? "").Trim().ToUpperInvariant();
        if (z.SameCityAsWarehouse && !(country == w.Country && Same(a.City, w.City))) return false;
        if (!z.Countries.IsDefaultOrEmpty && !z.Countries.Contains(country)) return false;
        if (!z.Regions.IsDefaultOrEmpty && !z.Regions.Any(r => Same(r, a.Region))) return false;
        if (!z.PostalPrefixes.IsDefaultOrEmpty)
        {
            var postal = Postal(a.PostalCode);
            if (postal.Length == 0 || !z.PostalPrefixes.Any(p => postal.StartsWith(Postal(p), StringComparison.Ordinal))) return false;
        }
        return true;
    }

    /// <summary>The first and last promised delivery day, counted in business days (Monday to Friday) from the day the parcel leaves.</summary>
    public static (DateOnly Earliest, DateOnly Latest) DeliveryDates(DeliveryWindow window, DateTimeOffset warehouseNow)
    {
        var today = DateOnly.FromDateTime(warehouseNow.DateTime);
        var beforeCutOff = window.CutOff is null
            || (ShippingRulesValidator.TryCutOff(window.CutOff, out var cutOff) && TimeOnly.FromDateTime(warehouseNow.DateTime) < cutOff);
        var leaves = IsBusinessDay(today) && beforeCutOff ? today : NextBusinessDay(today);
        return (AddBusinessDays(leaves, Math.Max(0, window.MinBusinessDays)), AddBusinessDays(leaves, Math.Max(0, window.MaxBusinessDays)));
    }

    private static bool IsBusinessDay(DateOnly d) => d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);

    private static DateOnly NextBusinessDay(DateOnly d)
    {
        do d = d.AddDays(1);
        while (!IsBusinessDay(d));
        return d;
    }

    private static DateOnly AddBusinessDays(DateOnly d, int days)
    {
        for (var i = 0; i < days; i++) d = NextBusinessDay(d);
        return d;
    }

    private static TimeZoneInfo Zone(string id) => TimeZoneInfo.TryFindSystemTimeZoneById(id, out var tz) ? tz : TimeZoneInfo.Utc;

    private static bool Same(string? a, string? b) => string.Equals((a ?? "").Trim(), (b ?? "").Trim(), StringComparison.OrdinalIgnoreCase);

    private static string Postal(string? code) => new((code ?? "").Where(c => !char.IsWhiteSpace(c) && c != '-').Select(char.ToUpperInvariant).ToArray());

    private static string Where(Address a) =>
        string.Join(" ", new[] { (a.Country ?? "").Trim().ToUpperInvariant(), a.PostalCode?.Trim(), a.City?.Trim() }.Where(s => !string.IsNullOrEmpty(s)));

    private static decimal CeilGrams(decimal kg) => Math.Ceiling(kg * 1000m) / 1000m;

    public static string Kg(decimal kg) => kg.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Money(decimal amount, string currency) =>
        amount.ToString("F" + (Currencies.IsKnown(currency) ? Currencies.MinorUnitDigits(currency) : 2), CultureInfo.InvariantCulture);
}
