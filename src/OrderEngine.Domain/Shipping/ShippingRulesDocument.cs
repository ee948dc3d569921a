using System.Collections.Immutable;

namespace OrderEngine.Domain.ShippingMethods;

/// <summary>
/// Shipping rules as written in configuration ("OrderEngine:Shipping") or sent to PUT /api/shipping/rules: every field
/// may be missing, so reading never fails; <see cref="ToRules"/> turns it into <see cref="ShippingRules"/>, where a
/// missing required value becomes one that <see cref="ShippingRulesValidator"/> names.
/// </summary>
public sealed class ShippingRulesDocument
{
    public WarehouseDocument? Warehouse { get; set; }
    public List<ZoneDocument?>? Zones { get; set; }
    public List<MethodDocument?>? Methods { get; set; }
    public decimal? UnknownProductWeightKg { get; set; }

    /// <summary>True when nothing at all was given (no shipping section in the configuration).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsEmpty => Warehouse is null && (Zones is null || Zones.Count == 0) && (Methods is null || Methods.Count == 0) && UnknownProductWeightKg is null;

    public ShippingRules ToRules() => new(
        Warehouse is { } w ? new Warehouse(w.Country ?? "", w.Region, w.City ?? "", w.PostalCode, w.TimeZone ?? "UTC") : new Warehouse("", null, "", null),
        [.. (Zones ?? []).Select(z => z is null
            ? new ShippingZone("", [], [], [])
            : new ShippingZone(z.Id ?? "", Strings(z.Countries), Strings(z.Regions), Strings(z.PostalPrefixes), z.SameCityAsWarehouse ?? false))],
        [.. (Methods ?? []).Select(m => m is null ? Method(new MethodDocument()) : Method(m))],
        UnknownProductWeightKg);

    public static ShippingRulesDocument From(ShippingRules r) => new()
    {
        Warehouse = new WarehouseDocument
        {
            Country = r.Warehouse.Country, Region = r.Warehouse.Region, City = r.Warehouse.City,
            PostalCode = r.Warehouse.PostalCode, TimeZone = r.Warehouse.TimeZone,
        },
        Zones = [.. r.Zones.Select(z => new ZoneDocument
        {
            Id = z.Id, Countries = [.. z.Countries], Regions = [.. z.Regions], PostalPrefixes = [.. z.PostalPrefixes],
            SameCityAsWarehouse = z.SameCityAsWarehouse,
        })],
        Methods = [.. r.Methods.Select(m => new MethodDocument
        {
            Id = m.Id, Kind = m.Kind, Carrier = m.Carrier, Zones = [.. m.Zones], MinWeightKg = m.MinWeightKg, MaxWeightKg = m.MaxWeightKg,
            MaxDimensionalWeightKg = m.MaxDimensionalWeightKg, DimDivisor = m.DimDivisor, MaxItemDimensionCm = m.MaxItemDimensionCm,
            Rates = [.. m.Rates.Select(x => new RateDocument
            {
                Currency = x.Currency, Zone = x.Zone, Base = x.Base, PerKg = x.PerKg,
                Brackets = x.Brackets.IsDefaultOrEmpty ? null : [.. x.Brackets.Select(b => new BracketDocument { UpToKg = b.UpToKg, Price = b.Price })],
            })],
            FreeShippingFrom = [.. m.FreeShippingFrom.Select(f => new ThresholdDocument { Currency = f.Currency, Amount = f.Amount })],
            Delivery = new DeliveryDocument { MinBusinessDays = m.Delivery.MinBusinessDays, MaxBusinessDays = m.Delivery.MaxBusinessDays, CutOff = m.Delivery.CutOff },
            CashOnDeliveryAllowed = m.CashOnDeliveryAllowed,
            Priority = m.Priority,
        })],
        UnknownProductWeightKg = r.UnknownProductWeightKg,
    };

    private static ImmutableArray<string> Strings(List<string?>? values) => [.. (values ?? []).Select(v => v ?? "")];

    private static ShippingMethod Method(MethodDocument m) => new(
        m.Id ?? "",
        m.Kind ?? 0,
        m.Carrier ?? "",
        Strings(m.Zones),
        m.MinWeightKg,
        m.MaxWeightKg,
        m.MaxDimensionalWeightKg,
        m.DimDivisor ?? 5000m,
        m.MaxItemDimensionCm,
        [.. (m.Rates ?? []).Select(r => r is null
            ? new ShippingRate("", null, [])
            : new ShippingRate(r.Currency ?? "", r.Zone,
                [.. (r.Brackets ?? []).Select(b => b is null ? new WeightBracket(0, -1) : new WeightBracket(b.UpToKg ?? 0, b.Price ?? -1))],
                r.Base, r.PerKg))],
        [.. (m.FreeShippingFrom ?? []).Select(f => f is null ? new FreeShippingThreshold("", 0) : new FreeShippingThreshold(f.Currency ?? "", f.Amount ?? 0))],
        m.Delivery is { } d ? new DeliveryWindow(d.MinBusinessDays ?? -1, d.MaxBusinessDays ?? -1, d.CutOff) : new DeliveryWindow(-1, -1),
        m.CashOnDeliveryAllowed ?? false,
        m.Priority ?? 0);
}

public sealed class WarehouseDocument
{
    public string? Country { get; set; }
    public string? Region { get; set; }
    public string? City { get; set; }
    public string? PostalCode { get; set; }
    public string? TimeZone { get; set; }
}

public sealed class ZoneDocument
{
    public string? Id { get; set; }
    public List<string?>? Countries { get; set; }
    public List<string?>? Regions { get; set; }
    public List<string?>? PostalPrefixes { get; set; }
    public bool? SameCityAsWarehouse { get; set; }
}

public sealed class MethodDocument
{
    public string? Id { get; set; }
    public ShippingKind? Kind { get; set; }
    public string? Carrier { get; set; }
    public List<string?>? Zones { get; set; }
    public decimal? MinWeightKg { get; set; }
    public decimal? MaxWeightKg { get; set; }
    public decimal? MaxDimensionalWeightKg { get; set; }
    public decimal? DimDivisor { get; set; }
    public decimal? MaxItemDimensionCm { get; set; }
    public List<RateDocument?>? Rates { get; set; }
    public List<ThresholdDocument?>? FreeShippingFrom { get; set; }
    public DeliveryDocument? Delivery { get; set; }
    public bool? CashOnDeliveryAllowed { get; set; }
    public int? Priority { get; set; }
}

public sealed class RateDocument
{
    public string? Currency { get; set; }
    public string? Zone { get; set; }
    public List<BracketDocument?>? Brackets { get; set; }
    public decimal? Base { get; set; }
    public decimal? PerKg { get; set; }
}

public sealed class BracketDocument
{
    public decimal? UpToKg { get; set; }
    public decimal? Price { get; set; }
}

public sealed class ThresholdDocument
{
    public string? Currency { get; set; }
    public decimal? Amount { get; set; }
}

public sealed class DeliveryDocument
{
    public int? MinBusinessDays { get; set; }
    public int? MaxBusinessDays { get; set; }
    public string? CutOff { get; set; }
}
