namespace OrderEngine.Import.Uci;

/// <summary>
/// The UCI Online Retail country names (all 38 of the full dataset) as ISO 3166-1 alpha-2 codes, the engine's address
/// country. Names with no single code are left without a country: "Unspecified" (unknown), "European Community" (not a
/// country) and "Channel Islands" (Jersey JE and Guernsey GG are two codes; the data does not say which). "EIRE" is
/// Ireland (IE) and "RSA" South Africa (ZA). A name not listed here is also left without a country and counted as unmapped.
/// </summary>
public static class UciCountries
{
    public static readonly IReadOnlyDictionary<string, string?> Codes = new Dictionary<string, string?>(StringComparer.Ordinal)
    {
        ["United Kingdom"] = "GB",
        ["France"] = "FR",
        ["Australia"] = "AU",
        ["Netherlands"] = "NL",
        ["Germany"] = "DE",
        ["Norway"] = "NO",
        ["EIRE"] = "IE",
        ["Switzerland"] = "CH",
        ["Spain"] = "ES",
        ["Poland"] = "PL",
        ["Portugal"] = "PT",
        ["Italy"] = "IT",
        ["Belgium"] = "BE",
        ["Lithuania"] = "LT",
        ["Japan"] = "JP",
        ["Iceland"] = "IS",
        ["Denmark"] = "DK",
        ["Cyprus"] = "CY",
        ["Sweden"] = "SE",
        ["Austria"] = "AT",
        ["Israel"] = "IL",
        ["Finland"] = "FI",
        ["Bahrain"] = "BH",
        ["Greece"] = "GR",
        ["Hong Kong"] = "HK",
        ["Singapore"] = "SG",
        ["Lebanon"] = "LB",
        ["United Arab Emirates"] = "AE",
        ["Saudi Arabia"] = "SA",
        ["Czech Republic"] = "CZ",
        ["Canada"] = "CA",
        ["Brazil"] = "BR",
        ["USA"] = "US",
        ["Malta"] = "MT",
        ["RSA"] = "ZA",
        ["Channel Islands"] = null,
        ["European Community"] = null,
        ["Unspecified"] = null,
    };

    /// <summary>The code, or null when the name has none (see the type's remarks) or is not known.</summary>
    public static string? CodeOf(string name) => Codes.TryGetValue(name, out var code) ? code : null;
}
