using System.Globalization;
using System.Text;
using OrderEngine.LoadTests.Core;

namespace OrderEngine.LoadTests.Scenarios;

/// <summary>
/// The common part of an order source: a fresh Idempotency-Key per order (run id, stream, sequence number), the
/// orders URI, a seeded random generator per stream and a reusable body writer.
/// </summary>
public abstract class OrderSource : IRequestSource
{
    private readonly string _keyPrefix;
    private long _sequence;

    protected OrderSource(EngineHttp http, string runId, string phase, int stream, int seed, string channel, bool withAddress = false)
    {
        OrdersUri = http.Resolve("api/orders");
        _keyPrefix = $"{runId}-{phase}{stream.ToString(CultureInfo.InvariantCulture)}-";
        // Deterministic per (seed, phase, stream): HashCode.Combine would differ between processes.
        Random = new Random(unchecked((seed * 1_000_003) + (stream * 7_919) + phase[0]));
        Bodies = new OrderBodyWriter(channel) { WithAddress = withAddress };
        CustomerId = $"c-{phase}{stream.ToString(CultureInfo.InvariantCulture)}";
    }

    protected Uri OrdersUri { get; }
    protected Random Random { get; }
    protected OrderBodyWriter Bodies { get; }
    protected string CustomerId { get; }

    protected string NextKey() => _keyPrefix + (++_sequence).ToString(CultureInfo.InvariantCulture);

    public abstract LoadRequest Next();

    /// <summary>Puts a line into the first <paramref name="count"/> slots, adding to the quantity if the SKU is already there.</summary>
    protected static int AddLine(Span<OrderLine> lines, int count, int sku, int quantity)
    {
        for (var i = 0; i < count; i++)
        {
            if (lines[i].Sku != sku) continue;
            lines[i] = lines[i] with { Quantity = lines[i].Quantity + quantity };
            return count;
        }
        lines[count] = new OrderLine(sku, quantity);
        return count + 1;
    }

    /// <summary>Builds the request for the given lines with random prices (1.00 to 100.00 EUR).</summary>
    protected LoadRequest Order(ReadOnlySpan<OrderLine> lines, SkuCatalog catalog)
    {
        Span<int> prices = stackalloc int[lines.Length];
        for (var i = 0; i < prices.Length; i++) prices[i] = Random.Next(100, 10_001);
        var body = Bodies.Write(CustomerId, lines, prices, catalog);
        return new LoadRequest(HttpMethod.Post, OrdersUri, body, NextKey(), lines.ToArray());
    }
}

/// <summary>
/// Warm-up orders: one unit of one of the run's warm-up SKUs (ample stock), so connections, JIT and the engine's
/// order path are warm without touching the scenario's own stock.
/// </summary>
public sealed class WarmupSource(EngineHttp http, SkuCatalog catalog, IReadOnlyList<int> warmSkus, string runId, int stream, int seed)
    : OrderSource(http, runId, "w", stream, seed, "loadtest")
{
    private readonly OrderLine[] _line = new OrderLine[1];

    public override LoadRequest Next()
    {
        _line[0] = new OrderLine(warmSkus[Random.Next(warmSkus.Count)], 1);
        return Order(_line, catalog);
    }
}

/// <summary>Reads a scenario's string option once, for the report.</summary>
internal static class ParameterFormat
{
    public static string Of(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

    public static string Of(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";

    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
}
