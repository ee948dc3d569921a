using System.Collections.Frozen;

namespace OrderEngine.Domain;

/// <summary>ISO 4217 currency codes in use, with the number of minor-unit digits each allows in an amount.</summary>
public static class Currencies
{
    private static readonly FrozenDictionary<string, int> MinorUnits = Build();

    public static bool IsKnown(string? code) => code is not null && MinorUnits.ContainsKey(code);

    /// <summary>Digits after the decimal point an amount in this currency may carry (EUR 2, JPY 0, BHD 3).</summary>
    public static int MinorUnitDigits(string code) => MinorUnits[code];

    /// <summary>True when the amount has no more decimals than the currency allows (9.999 EUR is not an amount).</summary>
    public static bool FitsMinorUnits(decimal amount, string code)
    {
        var digits = MinorUnitDigits(code);
        return decimal.Round(amount, digits) == amount;
    }

    private static FrozenDictionary<string, int> Build()
    {
        // Active codes of ISO 4217 (list one, 2024), grouped by minor-unit digits.
        const string zero = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF";
        const string three = "BHD IQD JOD KWD LYD OMR TND";
        const string four = "CLF UYW";
        const string two =
            "AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BMD BND BOB BOV BRL BSD BTN BWP BYN BZD " +
            "CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL " +
            "GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR " +
            "LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD " +
            "PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC " +
            "SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG";
        var map = new Dictionary<string, int>(StringComparer.Ordinal);
        void Add(string codes, int digits)
        {
            foreach (var c in codes.Split(' ', StringSplitOptions.RemoveEmptyEntries)) map[c] = digits;
        }
        Add(two, 2);
        Add(zero, 0);
        Add(three, 3);
        Add(four, 4);
        return map.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
