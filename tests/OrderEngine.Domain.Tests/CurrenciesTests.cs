namespace OrderEngine.Domain.Tests;

/// <summary>ISO 4217 codes and how many decimals an amount in each may carry.</summary>
public class CurrenciesTests
{
    [Theory]
    [InlineData("JPY", 0)]
    [InlineData("KRW", 0)]
    [InlineData("BHD", 3)]
    [InlineData("KWD", 3)]
    [InlineData("EUR", 2)]
    [InlineData("USD", 2)]
    [InlineData("CLF", 4)]
    public void Each_currency_has_its_iso_minor_unit_digits(string code, int digits)
    {
        Assert.True(Currencies.IsKnown(code));
        Assert.Equal(digits, Currencies.MinorUnitDigits(code));
    }

    [Theory]
    [InlineData("XYZ")]
    [InlineData("eur")] // codes are upper case; the decider does not normalise them
    [InlineData("")]
    [InlineData("EURO")]
    [InlineData(null)]
    public void Unknown_codes_are_not_currencies(string? code)
    {
        Assert.False(Currencies.IsKnown(code));
    }

    [Fact]
    public void Asking_the_digits_of_an_unknown_code_throws()
    {
        Assert.Throws<KeyNotFoundException>(() => Currencies.MinorUnitDigits("XYZ"));
    }

    [Theory]
    [InlineData("9.99", "EUR", true)]
    [InlineData("9.999", "EUR", false)]
    [InlineData("9.990", "EUR", true)] // trailing zeros are not extra precision
    [InlineData("1", "JPY", true)]
    [InlineData("1.5", "JPY", false)]
    [InlineData("1.234", "BHD", true)]
    [InlineData("1.2345", "BHD", false)]
    [InlineData("0", "EUR", true)]
    public void An_amount_fits_when_it_has_no_more_decimals_than_the_currency_allows(string amount, string code, bool fits)
    {
        Assert.Equal(fits, Currencies.FitsMinorUnits(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture), code));
    }
}
