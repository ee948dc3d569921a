using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrderEngine.Engine.Carriers;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Payments;
using OrderEngine.Domain.Shipments;
using static OrderEngine.Engine.Tests.CarrierTestKit;
using CarrierRegistry = OrderEngine.Engine.Carriers.Carriers;

namespace OrderEngine.Engine.Tests;

public sealed class CarrierHostingTests
{
    private static IConfiguration Config(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();

    private static CarrierRegistry Resolve(IConfiguration config, Action<IServiceCollection>? more = null)
    {
        var services = new ServiceCollection().AddOrderEngineCarriers(config);
        more?.Invoke(services);
        return services.BuildServiceProvider().GetRequiredService<CarrierRegistry>();
    }

    [Fact]
    public void No_carrier_is_registered_when_no_secret_is_set()
    {
        var carriers = Resolve(Config(("OrderEngine:Carriers:Sandbox:Secret", "")));
        Assert.Empty(carriers.Names);
        Assert.Null(carriers.Find("sandbox"));
    }

    [Fact]
    public void A_carrier_is_registered_under_its_name_exactly_when_its_secret_is_set()
    {
        var carriers = Resolve(Config(("OrderEngine:Carriers:Sandbox:Secret", "s1"), ("OrderEngine:Carriers:EasyPost:Secret", "s3")));
        Assert.Equal(["easypost", "sandbox"], carriers.Names.Order());
        Assert.IsType<SandboxCarrier>(carriers.Find("sandbox"));
        Assert.IsType<EasyPostCarrier>(carriers.Find("easypost"));
        Assert.Null(carriers.Find("aftership"));
        Assert.Null(carriers.Find("Sandbox"));
    }

    [Fact]
    public void All_three_built_in_carriers_can_be_on_at_once() =>
        Assert.Equal(["aftership", "easypost", "sandbox"], Resolve(Config(
            ("OrderEngine:Carriers:Sandbox:Secret", "s1"), ("OrderEngine:Carriers:AfterShip:Secret", "s2"), ("OrderEngine:Carriers:EasyPost:Secret", "s3"))).Names.Order());

    [Fact]
    public void The_configured_secret_and_tolerance_are_the_ones_the_carrier_verifies_with()
    {
        var sandbox = Resolve(Config(("OrderEngine:Carriers:Sandbox:Secret", "configured"), ("OrderEngine:Carriers:SignatureTolerance", "00:01:00"))).Find("sandbox")!;
        var body = Sample("sandbox-in-transit.json");
        Assert.True(sandbox.Verify(Headers((SandboxCarrier.SignatureHeader, SandboxHeader("configured", body, Now.AddSeconds(-50)))), body, Now).Valid);
        Assert.False(sandbox.Verify(Headers((SandboxCarrier.SignatureHeader, SandboxHeader("configured", body, Now.AddSeconds(-70)))), body, Now).Valid);
    }

    [Fact]
    public void The_default_tolerance_is_five_minutes() =>
        Assert.Equal(TimeSpan.FromMinutes(5), new CarrierOptions().SignatureTolerance);

    [Fact]
    public void Another_carrier_registered_in_the_services_is_found_beside_the_built_in_ones()
    {
        var carriers = Resolve(Config(("OrderEngine:Carriers:Sandbox:Secret", "s1")), s => s.AddSingleton<ICarrier, FixedCarrier>());
        Assert.IsType<FixedCarrier>(carriers.Find("fixed"));
        Assert.NotNull(carriers.Find("sandbox"));
    }

    [Fact]
    public void A_tolerance_that_is_not_positive_is_refused_when_the_options_are_read()
    {
        var services = new ServiceCollection().AddOrderEngineCarriers(Config(("OrderEngine:Carriers:SignatureTolerance", "00:00:00"))).BuildServiceProvider();
        var e = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<CarrierOptions>>().Value);
        Assert.Contains("SignatureTolerance", e.Message);
    }

    [Fact]
    public void The_engine_registers_the_carriers_from_its_configuration()
    {
        var config = Config(("OrderEngine:Carriers:AfterShip:Secret", "s2"));
        var services = new ServiceCollection().AddLogging().AddOrderEngine(config).BuildServiceProvider();
        Assert.Equal(["aftership"], services.GetRequiredService<CarrierRegistry>().Names);
    }

    private sealed class FixedCarrier : ICarrier
    {
        public string Name => "fixed";

        public WebhookCheck Verify(Func<string, string?> header, ReadOnlySpan<byte> body, DateTimeOffset now) => WebhookCheck.Ok;

        public IReadOnlyList<TrackingUpdate> Parse(ReadOnlySpan<byte> body) =>
            [new TrackingUpdate("T1", "e1", ParcelStatus.InTransit, Now, null, null, null)];
    }
}
