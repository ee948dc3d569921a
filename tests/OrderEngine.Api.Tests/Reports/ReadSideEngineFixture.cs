using Microsoft.Extensions.DependencyInjection;
using OrderEngine.Engine.Hosting;
using OrderEngine.Testing;

namespace OrderEngine.Api.Tests.Reports;

/// <summary>An engine whose read tables hold a fixed set of orders and stock, written by hand (the queries are what is tested).</summary>
public sealed class ReadSideEngineFixture : EngineFixture, IAsyncLifetime
{
    public static readonly DateTimeOffset T0 = new(2010, 12, 1, 8, 26, 0, TimeSpan.Zero);
    private static readonly string[] Channels = ["web", "shopify", "pos"];
    private static readonly string[] Statuses = ["paid", "reserved", "shipped", "refunded"];

    public List<SeedOrder> Orders { get; } = Enumerable.Range(0, 40).Select(i => new SeedOrder(
        $"o-{i:000000}",
        T0.AddHours(i * 17 % 400).AddMinutes(i % 3 == 0 ? 0 : i),
        i % 5 == 0 ? [new SeedLine("sku-a", 2, 3.45m, RefundedUnits: 1), new SeedLine("sku-\"q,b\"", 1, 0.0001m)] : [new SeedLine("sku-a", 1, 12.5m)],
        Channel: Channels[i % 3],
        CustomerId: i % 7 == 0 ? "cust, \"quoted\"" : $"cust-{i % 4}",
        Currency: i % 4 == 0 ? "GBP" : "EUR",
        Status: Statuses[i % 4],
        Country: i % 6 == 0 ? null : "FR",
        Paid: i % 4 != 1,
        Refunded: i % 5 == 0 ? 3.45m : 0m,
        ExternalId: i % 2 == 0 ? $"ext-{i}" : null)).ToList();

    public new async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var database = Services.GetRequiredService<JournalDatabase>();
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await ReadRows.AddOrdersAsync(connection, Orders);
        var today = (int)(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 86_400_000);
        await ReadRows.AddStockAsync(connection, "sku-a", 50, 2, 20, [(today, 3), (today - 2, 4)]);
        await ReadRows.AddStockAsync(connection, "sku-z", 9, 0, 0, []);
    }
}
