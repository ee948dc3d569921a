using System.Diagnostics;
using System.Globalization;
using System.Text;
using OrderEngine.LoadTests.Cli;
using OrderEngine.LoadTests.Core;

namespace OrderEngine.LoadTests;

/// <summary>
/// `client-check`: sends the same kinds of request through both load clients (HttpClient and the raw keep-alive client)
/// to a running engine and checks that each answer gets the same outcome class, status and refusal reason from both:
/// created, an idempotent repeat, sold out, unknown SKU, invalid body, malformed JSON, an unknown path, a body over the
/// engine's size limit. The raw client must not count differently from the client it replaces.
/// </summary>
public static class ClientCheck
{
    public static async Task<int> RunAsync(Args options)
    {
        var url = new Uri(options.String("url", "http://127.0.0.1:5000"));
        var timeout = options.Duration("timeout", TimeSpan.FromSeconds(30));
        options.RejectUnknown();
        var inv = CultureInfo.InvariantCulture;
        var runId = "cc" + DateTime.UtcNow.ToString("MMddHHmmss", inv) + "-" + Random.Shared.Next(0x10000).ToString("x4", inv);

        using var http = new EngineHttp(url, 4, timeout);
        var (ready, detail) = await http.ReadyAsync(CancellationToken.None).ConfigureAwait(false);
        if (!ready)
        {
            Console.Error.WriteLine($"error: the engine at {url} is not ready ({detail})");
            return 2;
        }
        using var raw = new RawHttp(url, timeout);
        ILoadClient[] clients = [http, raw];
        string[] names = ["httpclient", "raw"];

        // Two units of one SKU (one order per client), and a SKU whose only unit a first order takes.
        var inStock = $"{runId}-a";
        var soldOut = $"{runId}-b";
        foreach (var (sku, units) in new[] { (inStock, 2L), (soldOut, 1L) })
        {
            var (status, body) = await http.PutStockAsync(sku, units, 1, CancellationToken.None).ConfigureAwait(false);
            if (status != 200)
            {
                Console.Error.WriteLine($"error: PUT /api/stock/{sku} answered {status} {body}");
                return 2;
            }
        }
        var orders = http.Resolve("api/orders");
        byte[] Order(string sku) => Encoding.UTF8.GetBytes(
            $$"""{"channel":"loadtest","customerId":"c-check","currency":"EUR","lines":[{"sku":"{{sku}}","quantity":1,"unitPrice":9.99}]}""");
        var take = await http.SendAsync(new LoadRequest(HttpMethod.Post, orders, Order(soldOut), $"{runId}-take", []), Stopwatch.GetTimestamp()).ConfigureAwait(false);
        if (take.Class != OutcomeClass.Accepted)
        {
            Console.Error.WriteLine($"error: the order that should take {soldOut}'s only unit got {take.Status} {take.Error}");
            return 2;
        }

        var oversized = new StringBuilder("""{"channel":"loadtest","customerId":"c-check","currency":"EUR","lines":[],"pad":" """);
        oversized.Append(' ', 70 * 1024).Append("\"}");
        var cases = new (string Name, Func<int, LoadRequest> Request, OutcomeClass Class, int Status, RefusalKind Refusal)[]
        {
            ("in stock: created", c => new(HttpMethod.Post, orders, Order(inStock), $"{runId}-in-{c}", []), OutcomeClass.Accepted, 201, RefusalKind.None),
            ("the same key again: the same answer", c => new(HttpMethod.Post, orders, Order(inStock), $"{runId}-in-{c}", []), OutcomeClass.Accepted, 201, RefusalKind.None),
            ("sold out: refused", c => new(HttpMethod.Post, orders, Order(soldOut), $"{runId}-out-{c}", []), OutcomeClass.Refused, 409, RefusalKind.InsufficientStock),
            ("unknown SKU: refused", c => new(HttpMethod.Post, orders, Order($"{runId}-none"), $"{runId}-none-{c}", []), OutcomeClass.Refused, 409, RefusalKind.UnknownSku),
            ("no lines: invalid", c => new(HttpMethod.Post, orders, Encoding.UTF8.GetBytes("""{"channel":"loadtest","customerId":"c","currency":"EUR","lines":[]}"""), $"{runId}-empty-{c}", []),
                OutcomeClass.OtherStatus, 400, RefusalKind.None),
            ("malformed JSON: invalid", c => new(HttpMethod.Post, orders, "{\"lines\":"u8.ToArray(), $"{runId}-bad-{c}", []), OutcomeClass.OtherStatus, 400, RefusalKind.None),
            ("unknown path", c => new(HttpMethod.Post, http.Resolve("api/no-such-thing"), Order(inStock), $"{runId}-path-{c}", []), OutcomeClass.OtherStatus, 404, RefusalKind.None),
            // Last: the engine closes the connection after this answer without saying so (Connection: close), and
            // HttpClient may send the next request on it before it notices (the raw client sends it again on a new one).
            ("body over the size limit", c => new(HttpMethod.Post, orders, Encoding.UTF8.GetBytes(oversized.ToString()), $"{runId}-big-{c}", []), OutcomeClass.OtherStatus, 413, RefusalKind.None),
        };

        var failed = 0;
        foreach (var (name, request, expectedClass, expectedStatus, expectedRefusal) in cases)
        {
            var got = new Outcome[clients.Length];
            for (var c = 0; c < clients.Length; c++)
                got[c] = await clients[c].SendAsync(request(c), Stopwatch.GetTimestamp()).ConfigureAwait(false);
            var same = got.All(o => o.Class == got[0].Class && o.Status == got[0].Status && o.Refusal == got[0].Refusal);
            var expected = got.All(o => o.Class == expectedClass && o.Status == expectedStatus && o.Refusal == expectedRefusal);
            if (!same || !expected) failed++;
            var seen = string.Join(", ", got.Select((o, c) => $"{names[c]} {o.Class}/{o.Status}{(o.Refusal == RefusalKind.None ? "" : "/" + o.Refusal)}"
                + (o.Class is OutcomeClass.TransportError or OutcomeClass.Timeout ? $" ({o.Error})" : "")));
            Console.WriteLine($"{(same && expected ? "PASS" : "FAIL")} client-check: {name}: expected {expectedClass}/{expectedStatus}" +
                $"{(expectedRefusal == RefusalKind.None ? "" : "/" + expectedRefusal)}; {seen}");
        }
        Console.WriteLine($"orderengine client-check {url}: cases={cases.Length} failed={failed} raw-connections-open={raw.OpenConnections} check={(failed == 0 ? "PASS" : "FAIL")}");
        return failed == 0 ? 0 : 1;
    }
}
