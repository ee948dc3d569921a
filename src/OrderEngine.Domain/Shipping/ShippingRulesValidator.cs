using System.Collections.Immutable;
using System.Globalization;
using OrderEngine.Domain.Orders;

namespace OrderEngine.Domain.ShippingMethods;

/// <summary>
/// Checks shipping rules before they are used, at start (configuration) and on PUT /api/shipping/rules: it returns every
/// problem, each named by its path (methods[1].rates[0].currency), so one answer lists all that must be fixed.
/// </summary>
public static class ShippingRulesValidator
{
    public const int MaxZones = 200;
    public const int MaxMethods = 50;
    public const int MaxEntries = 500;
    public const int MaxBusinessDays = 60;
    public const decimal MaxKg = 100_000m;

    public static ImmutableArray<FieldError> Validate(ShippingRules rules)
    {
        var errors = ImmutableArray.CreateBuilder<FieldError>();
        void Error(string path, string message) => errors.Add(new FieldError(path, message));

        var w = rules.Warehouse;
        if (!IsCountry(w.Country)) Error("warehouse.country", "an ISO 3166 alpha-2 country code in upper case, e.g. DE");
        if (string.IsNullOrWhiteSpace(w.City)) Error("warehouse.city", "the warehouse's city is required");
        if (string.IsNullOrWhiteSpace(w.TimeZone) || !TimeZoneInfo.TryFindSystemTimeZoneById(w.TimeZone, out _))
            Error("warehouse.timeZone", "an IANA time zone id, e.g. Europe/Berlin");
        if (rules.UnknownProductWeightKg is { } unknownKg && (unknownKg <= 0 || unknownKg > MaxKg))
            Error("unknownProductWeightKg", $"greater than 0 and at most {MaxKg}, or left out (unknown products make an order ineligible)");

        var zones = rules.Zones.IsDefault ? [] : rules.Zones;
        var zoneIds = new HashSet<string>(StringComparer.Ordinal);
        if (zones.Length > MaxZones) Error("zones", $"at most {MaxZones} zones");
        for (var i = 0; i < zones.Length; i++)
        {
            var z = zones[i];
            var p = $"zones[{i}]";
            if (!Identifiers.IsValidEntityId(z.Id)) Error(p + ".id", "id must be " + Identifiers.EntityIdRule);
            else if (!zoneIds.Add(z.Id)) Error(p + ".id", $"zone id '{z.Id}' is used twice");
            var countries = OrEmpty(z.Countries);
            var regions = OrEmpty(z.Regions);
            var prefixes = OrEmpty(z.PostalPrefixes);
            if (countries.IsEmpty && regions.IsEmpty && prefixes.IsEmpty && !z.SameCityAsWarehouse)
                Error(p, "a zone needs at least one of countries, regions, postalPrefixes or sameCityAsWarehouse");
            Entries(countries, p + ".countries", c => IsCountry(c) ? null : "an ISO 3166 alpha-2 country code in upper case");
            Entries(regions, p + ".regions", r => string.IsNullOrWhiteSpace(r) || r.Length > 64 ? "a region name or code of 1-64 characters" : null);
            Entries(prefixes, p + ".postalPrefixes", x => string.IsNullOrWhiteSpace(x) || x.Length > 16 || x.Any(char.IsWhiteSpace) ? "a postal code prefix of 1-16 characters without spaces" : null);
        }

        var methods = rules.Methods.IsDefault ? [] : rules.Methods;
        if (methods.IsEmpty) Error("methods", "at least one shipping method is required");
        if (methods.Length > MaxMethods) Error("methods", $"at most {MaxMethods} methods");
        var methodIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < methods.Length; i++)
        {
            var m = methods[i];
            var p = $"methods[{i}]";
            if (!Identifiers.IsValidEntityId(m.Id)) Error(p + ".id", "id must be " + Identifiers.EntityIdRule);
            else if (!methodIds.Add(m.Id)) Error(p + ".id", $"method id '{m.Id}' is used twice");
            if (!Enum.IsDefined(m.Kind)) Error(p + ".kind", "one of sameDay, express, standard, freight");
            if (string.IsNullOrWhiteSpace(m.Carrier) || m.Carrier.Length > 100) Error(p + ".carrier", "the carrier's name, 1-100 characters");
            var served = OrEmpty(m.Zones);
            if (served.IsEmpty) Error(p + ".zones", "a method serves at least one zone");
            Entries(served, p + ".zones", z => zoneIds.Contains(z) ? null : $"no zone '{z}' is defined");
            Kg(m.MinWeightKg, p + ".minWeightKg", allowZero: true);
            Kg(m.MaxWeightKg, p + ".maxWeightKg", allowZero: false);
            if (m.MinWeightKg is { } min && m.MaxWeightKg is { } max && min > max) Error(p + ".minWeightKg", "must not be above maxWeightKg");
            Kg(m.MaxDimensionalWeightKg, p + ".maxDimensionalWeightKg", allowZero: false);
            if (m.DimDivisor is <= 0 or > 1_000_000m) Error(p + ".dimDivisor", "cubic centimetres per kilogram, greater than 0 (5000 is common)");
            if (m.MaxItemDimensionCm is { } side && (side <= 0 || side > 100_000m)) Error(p + ".maxItemDimensionCm", "greater than 0 centimetres");

            var rates = OrEmpty(m.Rates);
            if (rates.IsEmpty) Error(p + ".rates", "a method needs at least one rate");
            if (rates.Length > MaxEntries) Error(p + ".rates", $"at most {MaxEntries} rates");
            var rateKeys = new HashSet<(string, string?)>();
            for (var r = 0; r < rates.Length; r++)
            {
                var rate = rates[r];
                var rp = $"{p}.rates[{r}]";
                var currencyOk = Currencies.IsKnown(rate.Currency);
                if (!currencyOk) Error(rp + ".currency", "an ISO 4217 currency code, e.g. EUR");
                if (rate.Zone is not null && !served.Contains(rate.Zone)) Error(rp + ".zone", $"'{rate.Zone}' is not one of the method's zones");
                if (!rateKeys.Add((rate.Currency, rate.Zone)))
                    Error(rp, $"a second rate for {rate.Currency} and {(rate.Zone is null ? "every zone" : "zone " + rate.Zone)}");
                var brackets = OrEmpty(rate.Brackets);
                var linear = rate.Base is not null || rate.PerKg is not null;
                if (brackets.IsEmpty == !linear || (linear && (rate.Base is null || rate.PerKg is null)))
                {
                    Error(rp, "give either brackets ([{ upToKg, price }]) or both base and perKg");
                    continue;
                }
                if (linear)
                {
                    Price(rate.Base!.Value, rp + ".base", currencyOk ? rate.Currency : null);
                    Price(rate.PerKg!.Value, rp + ".perKg", currencyOk ? rate.Currency : null);
                }
                if (brackets.Length > MaxEntries) Error(rp + ".brackets", $"at most {MaxEntries} brackets");
                for (var b = 0; b < brackets.Length; b++)
                {
                    var bp = $"{rp}.brackets[{b}]";
                    if (brackets[b].UpToKg <= 0 || brackets[b].UpToKg > MaxKg) Error(bp + ".upToKg", $"greater than 0 and at most {MaxKg}");
                    else if (b > 0 && brackets[b].UpToKg <= brackets[b - 1].UpToKg) Error(bp + ".upToKg", "brackets go up: each upToKg above the one before");
                    Price(brackets[b].Price, bp + ".price", currencyOk ? rate.Currency : null);
                }
            }

            var thresholds = OrEmpty(m.FreeShippingFrom);
            var thresholdCurrencies = new HashSet<string>(StringComparer.Ordinal);
            for (var t = 0; t < thresholds.Length; t++)
            {
                var tp = $"{p}.freeShippingFrom[{t}]";
                var f = thresholds[t];
                if (!Currencies.IsKnown(f.Currency)) Error(tp + ".currency", "an ISO 4217 currency code, e.g. EUR");
                else if (!thresholdCurrencies.Add(f.Currency)) Error(tp + ".currency", $"a second threshold for {f.Currency}");
                if (f.Amount <= 0) Error(tp + ".amount", "an order value greater than 0");
                else if (Currencies.IsKnown(f.Currency) && !Currencies.FitsMinorUnits(f.Amount, f.Currency)) Error(tp + ".amount", $"more decimals than {f.Currency} has");
            }

            var d = m.Delivery;
            if (d is null) Error(p + ".delivery", "the delivery window is required");
            else
            {
                if (d.MinBusinessDays is < 0 or > MaxBusinessDays) Error(p + ".delivery.minBusinessDays", $"0 to {MaxBusinessDays} business days");
                if (d.MaxBusinessDays is < 0 or > MaxBusinessDays) Error(p + ".delivery.maxBusinessDays", $"0 to {MaxBusinessDays} business days");
                else if (d.MaxBusinessDays < d.MinBusinessDays) Error(p + ".delivery.maxBusinessDays", "must not be below minBusinessDays");
                if (d.CutOff is not null && !TryCutOff(d.CutOff, out _)) Error(p + ".delivery.cutOff", "a time of day HH:mm, e.g. 14:00");
                if (m.Kind == ShippingKind.SameDay && (d.MaxBusinessDays != 0 || d.CutOff is null))
                    Error(p + ".delivery", "same-day delivery is 0 business days with a cut-off time");
            }
        }
        return errors.ToImmutable();

        void Kg(decimal? kg, string path, bool allowZero)
        {
            if (kg is { } v && (v < 0 || (!allowZero && v == 0) || v > MaxKg)) Error(path, $"{(allowZero ? "0" : "greater than 0")} to {MaxKg} kilograms");
        }

        void Price(decimal amount, string path, string? currency)
        {
            if (amount < 0) Error(path, "a price of 0 or more");
            else if (currency is not null && !Currencies.FitsMinorUnits(amount, currency)) Error(path, $"more decimals than {currency} has");
        }

        void Entries(ImmutableArray<string> values, string path, Func<string, string?> check)
        {
            if (values.Length > MaxEntries) Error(path, $"at most {MaxEntries} entries");
            for (var i = 0; i < values.Length; i++)
                if (check(values[i]) is { } message) Error($"{path}[{i}]", message);
        }
    }

    public static bool TryCutOff(string text, out TimeOnly cutOff) =>
        TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out cutOff);

    private static bool IsCountry(string? code) => code is { Length: 2 } && char.IsAsciiLetterUpper(code[0]) && char.IsAsciiLetterUpper(code[1]);

    private static ImmutableArray<T> OrEmpty<T>(ImmutableArray<T> values) => values.IsDefault ? [] : values;
}
