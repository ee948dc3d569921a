using OrderEngine.Api.Reports;
using Xunit;

namespace OrderEngine.Api.Tests.Reports;

public sealed class CsvWriterTests
{
    [Theory]
    [InlineData("=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"")]
    [InlineData("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0")]
    [InlineData("-2+3", "'-2+3")]
    [InlineData("@SUM(A1:A9)", "'@SUM(A1:A9)")]
    [InlineData("\tx", "'\tx")]
    [InlineData("\r=1", "\"'\r=1\"")]
    [InlineData("sku-=1", "sku-=1")]
    [InlineData("cust, \"quoted\"", "\"cust, \"\"quoted\"\"\"")]
    [InlineData("", "")]
    public void Text_a_spreadsheet_would_run_as_a_formula_is_written_as_text(string value, string cell)
    {
        var csv = new CsvWriter("value").Row(value).ToString();

        Assert.Equal("value\r\n" + cell + "\r\n", csv);
    }

    [Fact]
    public void Numbers_and_times_are_never_changed_even_when_negative()
    {
        var csv = new CsvWriter("a", "b", "c", "d").Row(-5.5m, -3, new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), null).ToString();

        Assert.Equal("a,b,c,d\r\n-5.5,-3,2026-01-02T03:04:05.000Z,\r\n", csv);
    }
}
