using Microsoft.Extensions.Options;
using OrderEngine.Testing;

namespace OrderEngine.Engine.Tests;

public sealed class ShippingHostingTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Configured_rules_with_problems_stop_the_start_listing_every_problem()
    {
        var settings = EngineHost.Sqlite(_dir.File("oe.db"));
        settings["OrderEngine:Shipping:Warehouse:Country"] = "Germany";
        settings["OrderEngine:Shipping:Warehouse:City"] = "Berlin";
        settings["OrderEngine:Shipping:Zones:0:Id"] = "de";
        settings["OrderEngine:Shipping:Zones:0:Countries:0"] = "DE";
        settings["OrderEngine:Shipping:Methods:0:Id"] = "standard";
        settings["OrderEngine:Shipping:Methods:0:Kind"] = "Standard";
        settings["OrderEngine:Shipping:Methods:0:Carrier"] = "DHL";
        settings["OrderEngine:Shipping:Methods:0:Zones:0"] = "nowhere";
        settings["OrderEngine:Shipping:Methods:0:Rates:0:Currency"] = "EUR";
        settings["OrderEngine:Shipping:Methods:0:Rates:0:Brackets:0:UpToKg"] = "5";
        settings["OrderEngine:Shipping:Methods:0:Rates:0:Brackets:0:Price"] = "4.90";
        settings["OrderEngine:Shipping:Methods:0:Delivery:MinBusinessDays"] = "2";
        settings["OrderEngine:Shipping:Methods:0:Delivery:MaxBusinessDays"] = "4";

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(async () => await (await EngineHost.StartAsync(settings)).DisposeAsync());

        Assert.Equal(2, failure.Failures.Count());
        Assert.Contains("OrderEngine:Shipping: warehouse.country: an ISO 3166 alpha-2 country code in upper case, e.g. DE", failure.Failures);
        Assert.Contains("OrderEngine:Shipping: methods[0].zones[0]: no zone 'nowhere' is defined", failure.Failures);
    }
}
