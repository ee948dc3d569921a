using System.Collections.Immutable;

namespace OrderEngine.Domain.ShippingMethods;

/// <summary>The kinds of delivery a method offers, from fastest to heaviest.</summary>
public enum ShippingKind
{
    SameDay = 1,
    Express,
    Standard,
    Freight,
}

/// <summary>
/// Everything the shipping choice decides by: where parcels leave from, the zones they go to, and the methods with
/// their limits, prices and delivery promises. Checked by <see cref="ShippingRulesValidator"/> before use.
/// </summary>
/// <param name="UnknownProductWeightKg">
/// A SKU with no product definition counts with this weight (and no dimensions), named in the reason; when null, an
/// order with such a SKU has no eligible method (it goes on review) until the product is defined.
/// </param>
public sealed record ShippingRules(
    Warehouse Warehouse,
    ImmutableArray<ShippingZone> Zones,
    ImmutableArray<ShippingMethod> Methods,
    decimal? UnknownProductWeightKg = null);

/// <summary>Where parcels leave from. Cut-off times and business days are in the warehouse's time zone (IANA id).</summary>
public sealed record Warehouse(string Country, string? Region, string City, string? PostalCode, string TimeZone = "UTC");

/// <summary>
/// A set of destinations. Every criterion given must match (countries AND regions AND postal prefixes); with
/// <see cref="SameCityAsWarehouse"/>, the destination must be in the warehouse's country and city.
/// </summary>
public sealed record ShippingZone(
    string Id,
    ImmutableArray<string> Countries,
    ImmutableArray<string> Regions,
    ImmutableArray<string> PostalPrefixes,
    bool SameCityAsWarehouse = false);

/// <summary>Price of a parcel up to a chargeable weight.</summary>
public sealed record WeightBracket(decimal UpToKg, decimal Price);

/// <summary>
/// The price table of a method in one currency, for one zone (or for every zone the method serves when <see cref="Zone"/>
/// is null; a zone's own rate wins). Either brackets (the first whose upToKg reaches the chargeable weight) or
/// base + perKg × chargeable weight rounded up to whole kilograms.
/// </summary>
public sealed record ShippingRate(
    string Currency,
    string? Zone,
    ImmutableArray<WeightBracket> Brackets,
    decimal? Base = null,
    decimal? PerKg = null);

/// <summary>An order value at or above which a method ships free, in one currency.</summary>
public sealed record FreeShippingThreshold(string Currency, decimal Amount);

/// <summary>
/// The promised delivery: between <see cref="MinBusinessDays"/> and <see cref="MaxBusinessDays"/> business days (Monday
/// to Friday) after the day the parcel leaves. A parcel leaves today when today is a business day and, if a cut-off
/// (HH:mm, warehouse time) is given, before it; otherwise on the next business day. Same-day is 0–0 with a cut-off.
/// </summary>
public sealed record DeliveryWindow(int MinBusinessDays, int MaxBusinessDays, string? CutOff = null);

/// <summary>One way to ship: the zones it serves, its limits, its prices and its promise.</summary>
/// <param name="DimDivisor">Cubic centimetres per kilogram of dimensional weight (5000 is common for parcels).</param>
/// <param name="Priority">Breaks a tie between equally cheap methods: lower first (then the id).</param>
public sealed record ShippingMethod(
    string Id,
    ShippingKind Kind,
    string Carrier,
    ImmutableArray<string> Zones,
    decimal? MinWeightKg,
    decimal? MaxWeightKg,
    decimal? MaxDimensionalWeightKg,
    decimal DimDivisor,
    decimal? MaxItemDimensionCm,
    ImmutableArray<ShippingRate> Rates,
    ImmutableArray<FreeShippingThreshold> FreeShippingFrom,
    DeliveryWindow Delivery,
    bool CashOnDeliveryAllowed,
    int Priority = 0);
