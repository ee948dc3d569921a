using System.Text.RegularExpressions;
using OrderEngine.Domain.Shipments;
using OrderEngine.Engine.Carriers;
using static OrderEngine.Engine.Tests.CarrierTestKit;

namespace OrderEngine.Engine.Tests;

/// <summary>The example bodies of docs/carriers.md, read from the file itself, are what each carrier accepts.</summary>
public sealed class CarrierDocsTests
{
    private static IReadOnlyList<string> DocBodies()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "docs", "carriers.md"))) dir = dir.Parent;
        Assert.NotNull(dir);
        var text = File.ReadAllText(Path.Combine(dir.FullName, "docs", "carriers.md"));
        return Regex.Matches(text, "^BODY='(.*)'$", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
    }

    [Fact]
    public void Each_curl_example_body_gives_the_update_the_docs_describe()
    {
        var bodies = DocBodies();
        Assert.Equal(3, bodies.Count);
        ICarrier[] carriers = [new SandboxCarrier("s", TimeSpan.FromMinutes(5)), new AfterShipCarrier("s"), new EasyPostCarrier("s")];
        DateTimeOffset[] occurredAt = [new(2026, 12, 3, 9, 30, 0, TimeSpan.Zero), new(2026, 12, 3, 8, 30, 0, TimeSpan.Zero), new(2026, 12, 3, 9, 30, 0, TimeSpan.Zero)];
        DateTimeOffset?[] eta = [new DateTimeOffset(2026, 12, 5, 18, 0, 0, TimeSpan.Zero), null, new DateTimeOffset(2026, 12, 5, 18, 0, 0, TimeSpan.Zero)];
        for (var i = 0; i < carriers.Length; i++)
        {
            var updates = carriers[i].Parse(Utf8(bodies[i]));
            Assert.Equal("SBX100200300", updates[0].TrackingNumber);
            Assert.Equal(ParcelStatus.InTransit, updates[0].Status);
            Assert.Equal(occurredAt[i], updates[0].OccurredAt);
            Assert.Equal(eta[i], updates[^1].EstimatedDelivery);
        }
    }
}
