using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using OrderEngine.LoadTests.Cli;
using OrderEngine.LoadTests.Core;

namespace OrderEngine.LoadTests.ReadSide;

/// <summary>
/// read-bench: times the order search and the reports against a running engine whose read tables were filled
/// (read-fill): each request once to warm up, then --repeat times in a row; prints the median and the slowest, in ms,
/// as a Markdown table. One request at a time: this is the latency of one query, not a throughput figure.
/// </summary>
public static class ReadSideBench
{
    public static async Task<int> RunAsync(Args options, CancellationToken ct)
    {
        var url = new Uri(options.String("url", "http://127.0.0.1:5000"));
        var repeat = options.Int("repeat", 5, 1, 100);
        var customer = options.String("customer", "cust-00001");
        var sku = options.String("sku", "SKU-00000");
        options.RejectUnknown();
        using var http = EngineKey.Authorize(new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(60) });
        var rows = new List<string>();
        var slowest = 0.0;

        async Task<(double Median, double Max, long Bytes, JsonElement? Body)> Time(string name, string path, bool csv = false)
        {
            var times = new List<double>();
            long bytes = 0;
            JsonElement? body = null;
            for (var i = 0; i <= repeat; i++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, path);
                if (csv) request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
                var clock = Stopwatch.StartNew();
                using var response = await http.SendAsync(request, ct);
                var content = await response.Content.ReadAsByteArrayAsync(ct);
                clock.Stop();
                if (!response.IsSuccessStatusCode)
                    throw new InvalidOperationException($"{path}: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(content)}");
                if (i == 0)
                {
                    bytes = content.Length;
                    if (!csv) body = JsonDocument.Parse(content).RootElement.Clone();
                    continue;
                }
                times.Add(clock.Elapsed.TotalMilliseconds);
            }
            times.Sort();
            var median = times[times.Count / 2];
            var max = times[^1];
            slowest = Math.Max(slowest, median);
            rows.Add(string.Create(CultureInfo.InvariantCulture, $"| {name} | `{path}` | {median:0.0} | {max:0.0} | {bytes / 1024.0:0.#} |"));
            Console.Error.WriteLine(rows[^1]);
            return (median, max, bytes, body);
        }

        var first = (await Time("search, first page (50)", "/api/orders")).Body!.Value;
        var newest = first.GetProperty("items")[0].GetProperty("placedAt").GetDateTimeOffset();
        await Time("search, first page (500)", "/api/orders?limit=500");
        // A deep page: the cursor of a page half a year back (reached through `to`), then the page after it.
        var middle = newest.AddDays(-180);
        var deep = (await Time("search, page at half a year back", $"/api/orders?to={Iso(middle)}")).Body!.Value.GetProperty("nextCursor").GetString();
        await Time("search, next page by cursor (deep)", $"/api/orders?cursor={deep}");
        var oldest = (await Time("search, oldest page (to = 1 year back)", $"/api/orders?to={Iso(newest.AddDays(-364))}")).Body!.Value.GetProperty("nextCursor").GetString();
        if (oldest is not null) await Time("search, next page by cursor (oldest)", $"/api/orders?cursor={oldest}");
        await Time("search, status=refunded", "/api/orders?status=refunded");
        await Time("search, channel=pos", "/api/orders?channel=pos");
        await Time("search, busiest customer", $"/api/orders?customerId={customer}");
        await Time("search, a rare customer", "/api/orders?customerId=cust-99999");
        await Time("search, hottest sku", $"/api/orders?sku={sku}");
        await Time("search, a rare sku", "/api/orders?sku=SKU-03999");
        await Time("search, sku + customer", $"/api/orders?sku={sku}&customerId={customer}");
        await Time("search, status + channel + 30 days", $"/api/orders?status=delivered&channel=amazon&from={Iso(newest.AddDays(-60))}&to={Iso(newest.AddDays(-30))}");

        // A walk: 100 consecutive pages of 500 (50,000 orders), each from the previous page's cursor.
        var walk = Stopwatch.StartNew();
        string? cursor = null;
        var pages = 0;
        for (; pages < 100; pages++)
        {
            var page = JsonDocument.Parse(await http.GetStringAsync("/api/orders?limit=500" + (cursor is null ? "" : "&cursor=" + cursor), ct)).RootElement;
            cursor = page.GetProperty("nextCursor").GetString();
            if (cursor is null) break;
        }
        rows.Add(string.Create(CultureInfo.InvariantCulture,
            $"| search, walk of {pages} pages × 500 | `/api/orders?limit=500&cursor=…` | {walk.Elapsed.TotalMilliseconds / pages:0.0} per page | total {walk.Elapsed.TotalMilliseconds:0} | |"));
        Console.Error.WriteLine(rows[^1]);

        var year = $"from={DateOnly.FromDateTime(newest.UtcDateTime.AddDays(-365)):yyyy-MM-dd}&to={DateOnly.FromDateTime(newest.UtcDateTime.AddDays(1)):yyyy-MM-dd}";
        foreach (var groupBy in new[] { "day", "week", "month", "channel", "country", "paymentMethod", "sku", "customer" })
            await Time($"sales by {groupBy}, all time", $"/api/reports/sales?groupBy={groupBy}");
        await Time("sales by customer, a year (read_orders)", $"/api/reports/sales?groupBy=customer&{year}");
        await Time("sales by sku, a year, CSV", $"/api/reports/sales?groupBy=sku&{year}", csv: true);
        await Time("sales by day, a year, EUR", $"/api/reports/sales?groupBy=day&currency=EUR&{year}");
        await Time("inventory (4,000 SKUs, 28 days)", "/api/reports/inventory");
        await Time("inventory, CSV", "/api/reports/inventory", csv: true);
        await Time("customers, top 100 + repeat rate", "/api/reports/customers");
        await Time("customers, top 10,000, CSV", "/api/reports/customers?limit=10000", csv: true);

        Console.WriteLine($"read-bench against {url} ({repeat} timed requests each after one warm-up; ms)");
        Console.WriteLine();
        Console.WriteLine("| query | request | median ms | max ms | KiB |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var row in rows) Console.WriteLine(row);
        return 0;
    }

    private static string Iso(DateTimeOffset at) => Uri.EscapeDataString(at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
}
