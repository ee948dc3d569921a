using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrderEngine.Domain.Orders;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Sharding;
using static OrderEngine.Api.Tests.Api;

namespace OrderEngine.Api.Tests;

/// <summary>An engine whose every log line (engine categories at every level) is kept, to look for emails in them.</summary>
public sealed class LoggedEngineFixture : EngineFixture
{
    public LogLines Logs { get; } = new();

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Logging:LogLevel:Default"] = "Trace",
    };

    protected override void ConfigureHost(IWebHostBuilder builder) =>
        builder.ConfigureTestServices(s => s.AddSingleton<ILoggerProvider>(Logs));

    /// <summary>Every column of every row of the tables, as text (blobs read as UTF-8), one row a line.</summary>
    public async Task<string> RawTablesAsync(params string[] tables)
    {
        var text = new StringBuilder();
        await using var connection = await Services.GetRequiredService<JournalDatabase>().OpenAsync(CancellationToken.None);
        foreach (var table in tables)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM {table}";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                text.Append(table).Append(':');
                for (var i = 0; i < reader.FieldCount; i++)
                    text.Append(' ').Append(reader.IsDBNull(i) ? "" : reader.GetValue(i) is byte[] b ? Encoding.UTF8.GetString(b) : reader.GetValue(i).ToString());
                text.Append('\n');
            }
        }
        return text.ToString();
    }

    public sealed class LogLines : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyList<string> Lines => [.. _lines];

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(LogLines owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var values = state is IEnumerable<KeyValuePair<string, object?>> properties ? string.Join(" ", properties.Select(p => $"{p.Key}={p.Value}")) : "";
                owner._lines.Enqueue($"{category} {formatter(state, exception)} {values} {exception}");
            }
        }
    }
}

/// <summary>
/// POST /api/orders with an email as the customer id: the order carries the email's pseudonym, never the email, in its
/// answer, its events, the read tables, the key rows, logs and metrics; the email and the pseudonym both find it.
/// (Its own engine: nothing else here may write an '@' into the tables it reads raw.)
/// </summary>
public sealed class CustomerEmailIdPlacementTests(LoggedEngineFixture engine) : IClassFixture<LoggedEngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    private async Task<string> IdOf(string email)
    {
        using var response = await _client.GetAsync("/api/customers/id-of?email=" + Uri.EscapeDataString(email));
        await ExpectStatus(response, HttpStatusCode.OK);
        return (await Body(response)).GetProperty("customerId").GetString()!;
    }

    private async Task<string> TextOf(string url)
    {
        using var response = await _client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {body}");
        return body;
    }

    private static IEnumerable<string> OrderIdsIn(string search) =>
        JsonDocument.Parse(search).RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("orderId").GetString()!);

    [Fact]
    public async Task An_email_customer_id_is_kept_as_its_pseudonym_everywhere_and_the_email_and_the_pseudonym_both_find_the_order()
    {
        var sku = Sku("email-id");
        await _client.SetStock(sku, 50);
        var key = NewKey();
        var body = new
        {
            channel = "web",
            customerId = "Ann.Buyer@Example.com ",
            currency = "EUR",
            lines = new[] { Line(sku, 2, 10m) },
            shippingAddress = new { name = "Ann Buyer", line1 = "Main St 1", city = "Berlin", postalCode = "10115", country = "DE", phone = "+49 30 1234" },
        };

        using var placed = await _client.PlaceOrder(key, body);
        await ExpectStatus(placed, HttpStatusCode.Created);
        var order = await Body(placed);
        var id = order.GetProperty("id").GetString()!;
        var customerId = order.GetProperty("customerId").GetString()!;
        // The answer tells the caller the id to use from now on: the same one id-of gives for the mailbox.
        Assert.Matches("^email:[0-9a-f]{32}$", customerId);
        Assert.Equal(await IdOf("ann.buyer@example.com"), customerId);

        // A retry with the same key and the same email is the same order (the id derives from the key, the customer is the same pseudonym).
        using (var retried = await _client.PlaceOrder(key, body))
        {
            await ExpectStatus(retried, HttpStatusCode.Created);
            Assert.Equal(id, (await Body(retried)).GetProperty("id").GetString());
        }
        Assert.Equal(2, (await _client.Stock(sku)).Reserved);

        var read = await TextOf($"/api/orders/{id}");
        Assert.Contains(customerId, read, StringComparison.Ordinal);
        Assert.DoesNotContain("@", read, StringComparison.Ordinal);
        using (var paid = await _client.Pay(id, 20m, "EUR", "pay-" + id))
            await ExpectStatus(paid, HttpStatusCode.OK);

        // The email (any case, with spaces) and the pseudonym both find it in the search.
        foreach (var customer in new[] { "Ann.Buyer@Example.com", " ann.buyer@example.COM ", customerId })
        {
            var found = await Eventually(() => TextOf("/api/orders?customerId=" + Uri.EscapeDataString(customer)),
                t => OrderIdsIn(t).Contains(id), TimeSpan.FromSeconds(20), $"the order found by {customer}");
            Assert.DoesNotContain("@", found, StringComparison.Ordinal);
        }
        await Eventually(() => TextOf("/api/reports/customers?limit=10000"), t => t.Contains(customerId, StringComparison.Ordinal),
            TimeSpan.FromSeconds(20), "the customer in the customers report");
        await Eventually(() => engine.RawTablesAsync("sales_by_customer"), t => t.Contains(customerId, StringComparison.Ordinal),
            TimeSpan.FromSeconds(20), "the customer's sales row");

        // Raw rows: the journal, the read tables, the key rows hold the pseudonym and never the email.
        var raw = await engine.RawTablesAsync("journal", "read_orders", "read_order_lines", "sales_by_customer", "customer_keys", "personal_data_erasures");
        Assert.Contains(customerId, raw, StringComparison.Ordinal);
        Assert.Contains("customer_keys: " + customerId, raw, StringComparison.Ordinal);
        Assert.DoesNotContain("@", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("ann.buyer", raw, StringComparison.OrdinalIgnoreCase);

        // Nor in any log line of the engine, nor in the metrics.
        Assert.NotEmpty(engine.Logs.Lines);
        Assert.DoesNotContain(engine.Logs.Lines, l => l.Contains("ann.buyer", StringComparison.OrdinalIgnoreCase));
        var metrics = await TextOf("/metrics");
        Assert.DoesNotContain("ann.buyer", metrics, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Ndjson_and_csv_feed_records_with_an_email_customer_id_are_placed_under_its_pseudonym_and_the_answer_says_so()
    {
        const string channel = "email-feed";
        var sku = Sku("email-feed");
        await _client.SetStock(sku, 20);
        var pseudonym = await IdOf("bea.feed@example.com");
        var ndjson = $$"""{"externalId":"n-1","customerId":"Bea.Feed@Example.com","currency":"EUR","lines":[{"sku":"{{sku}}","quantity":1,"unitPrice":2.00}]}""" + "\n";
        var csv = $"""
            externalId,customerId,currency,sku,quantity,unitPrice
            c-1, bea.feed@example.COM ,EUR,{sku},1,2.00
            c-1, bea.feed@example.COM ,EUR,{sku},2,2.00

            """;

        var fromNdjson = await _client.Feed(channel, ndjson);
        var fromCsv = await _client.Feed(channel, csv, "text/csv");

        foreach (var (answer, externalId) in new[] { (fromNdjson, "n-1"), (fromCsv, "c-1") })
        {
            var record = Assert.Single(answer.Records);
            Assert.Equal("accepted", record.Outcome());
            Assert.Equal(pseudonym, record.GetProperty("customerId").GetString());
            var order = await _client.Order(ChannelTestKit.OrderIdOf(channel, externalId));
            Assert.Equal(pseudonym, order.GetProperty("customerId").GetString());
        }
        // Fed again: duplicates, the same orders (the customer is the same pseudonym).
        Assert.Equal(["duplicate"], (await _client.Feed(channel, ndjson)).Outcomes);
        Assert.Equal(["duplicate"], (await _client.Feed(channel, csv, "text/csv")).Outcomes);
        Assert.Equal(4, (await _client.Stock(sku)).Reserved);
    }

    [Fact]
    public async Task A_customer_id_that_is_no_email_is_kept_as_it_is_and_a_bad_one_is_still_a_400_naming_it()
    {
        var sku = Sku("plain-id");
        await _client.SetStock(sku, 10);
        using (var placed = await _client.PlaceOrder(NewKey(), new { channel = "web", customerId = "acme/customers/42", currency = "EUR", lines = new[] { Line(sku, 1, 3m) } }))
        {
            await ExpectStatus(placed, HttpStatusCode.Created);
            Assert.Equal("acme/customers/42", (await Body(placed)).GetProperty("customerId").GetString());
        }

        foreach (var bad in new[] { "   ", new string('c', 129) })
        {
            using var refused = await _client.PlaceOrder(NewKey(), new { channel = "web", customerId = bad, currency = "EUR", lines = new[] { Line(sku, 1, 3m) } });
            await AssertValidationProblem(refused, "customerId");
        }
        Assert.Equal(1, (await _client.Stock(sku)).Reserved);
    }
}

/// <summary>
/// A data subject request by email: the erasure takes the email's pseudonymous id and the email itself as an id (kept
/// by orders taken in before pseudonymous ids), in one call, each audited; a status by email counts both.
/// </summary>
public sealed class CustomerEmailIdErasureTests(EngineFixture engine) : IClassFixture<EngineFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly HttpClient _client = engine.Client;

    private static object Address(string name) =>
        new { name, line1 = "Old Road 7", city = "Hamburg", postalCode = "20095", country = "DE", phone = "+49 40 999" };

    private async Task<string> NameOf(string orderId) =>
        (await _client.Order(orderId)).GetProperty("shippingAddress").GetProperty("name").GetString()!;

    /// <summary>An order as one taken in before pseudonymous ids was: the email itself as its customer id (no endpoint makes one any more).</summary>
    private async Task<string> OrderKeptUnderTheEmail(string email, string sku)
    {
        var id = "o-old-" + Guid.NewGuid().ToString("N")[..12];
        var orders = engine.Services.GetRequiredService<IRequiredActor<OrderRegion>>().ActorRef;
        var reply = await orders.Ask<IOrderReply>(new PlaceOrder(id, "web", email, "EUR", [new OrderLineRequest(sku, 1, 5m)],
            new Domain.Orders.Address("Cleo Old", "Old Road 7", null, "Hamburg", null, "20095", "DE", "+49 40 999")), Timeout);
        Assert.IsType<OrderAccepted>(reply);
        return id;
    }

    [Fact]
    public async Task Erasing_by_email_erases_the_pseudonym_and_the_old_email_id_in_one_call_and_audits_both()
    {
        var sku = Sku("erase-email");
        await _client.SetStock(sku, 10);
        var oldOrder = await OrderKeptUnderTheEmail("cleo.old@example.com", sku);
        using var placed = await _client.PlaceOrder(NewKey(), new
        {
            channel = "web", customerId = "Cleo.Old@Example.com", currency = "EUR", lines = new[] { Line(sku, 1, 5m) }, shippingAddress = Address("Cleo New"),
        });
        await ExpectStatus(placed, HttpStatusCode.Created);
        var newOrder = (await Body(placed)).GetProperty("id").GetString()!;
        var pseudonym = (await Body(placed)).GetProperty("customerId").GetString()!;
        Assert.StartsWith("email:", pseudonym, StringComparison.Ordinal);
        Assert.Equal("Cleo Old", await NameOf(oldOrder));
        Assert.Equal("Cleo New", await NameOf(newOrder));

        using var before = await _client.GetAsync("/api/customers/Cleo.Old@Example.com/personal-data");
        await ExpectStatus(before, HttpStatusCode.OK);
        var status = await Body(before);
        Assert.Equal(pseudonym, status.GetProperty("customerId").GetString());
        Assert.True(status.GetProperty("held").GetBoolean());

        using var erased = await _client.DeleteAsync("/api/customers/Cleo.Old@Example.com/personal-data");
        await ExpectStatus(erased, HttpStatusCode.OK);
        var erasure = await Body(erased);
        Assert.Equal(pseudonym, erasure.GetProperty("customerId").GetString());
        Assert.Equal(1, erasure.GetProperty("keysDestroyed").GetInt32());
        var also = Assert.Single(erasure.GetProperty("alsoErased").EnumerateArray());
        Assert.Equal("cleo.old@example.com", also.GetProperty("customerId").GetString());
        Assert.Equal(1, also.GetProperty("keysDestroyed").GetInt32());

        // Both orders read [erased]: the old one kept under the email, the new one under its pseudonym.
        await Eventually(() => NameOf(oldOrder), n => n == "[erased]", TimeSpan.FromSeconds(20), "the old order's name erased");
        await Eventually(() => NameOf(newOrder), n => n == "[erased]", TimeSpan.FromSeconds(20), "the new order's name erased");

        using var after = await _client.GetAsync("/api/customers/%20cleo.old%40EXAMPLE.com%20/personal-data");
        await ExpectStatus(after, HttpStatusCode.OK);
        var audited = await Body(after);
        Assert.False(audited.GetProperty("held").GetBoolean());
        Assert.Equal(new[] { pseudonym, "cleo.old@example.com" }.Order(StringComparer.Ordinal),
            audited.GetProperty("erasures").EnumerateArray().Select(e => e.GetProperty("customerId").GetString()!).Order(StringComparer.Ordinal));
        var by = erasure.GetProperty("erasedBy").GetString();
        Assert.False(string.IsNullOrEmpty(by));
        Assert.All(audited.GetProperty("erasures").EnumerateArray(), e => Assert.Equal(by, e.GetProperty("erasedBy").GetString()));
    }

    [Fact]
    public async Task Erasing_by_an_email_without_an_old_id_audits_the_pseudonym_only_and_a_plain_id_is_erased_as_it_is()
    {
        using var erased = await _client.DeleteAsync("/api/customers/nobody.here@example.org/personal-data");
        await ExpectStatus(erased, HttpStatusCode.OK);
        var erasure = await Body(erased);
        Assert.StartsWith("email:", erasure.GetProperty("customerId").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, erasure.GetProperty("keysDestroyed").GetInt32());
        Assert.Empty(erasure.GetProperty("alsoErased").EnumerateArray());

        using var plain = await _client.DeleteAsync("/api/customers/plain-customer-9/personal-data");
        await ExpectStatus(plain, HttpStatusCode.OK);
        var plainErasure = await Body(plain);
        Assert.Equal("plain-customer-9", plainErasure.GetProperty("customerId").GetString());
        Assert.Empty(plainErasure.GetProperty("alsoErased").EnumerateArray());

        await using var connection = await engine.Services.GetRequiredService<JournalDatabase>().OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM personal_data_erasures WHERE customer_id LIKE '%nobody.here%'";
        Assert.Equal(0L, Convert.ToInt64(await command.ExecuteScalarAsync()));
    }

    [Fact]
    public async Task The_search_by_email_finds_orders_kept_under_the_email_before_and_under_its_pseudonym_now()
    {
        var sku = Sku("search-both");
        await _client.SetStock(sku, 10);
        var oldOrder = await OrderKeptUnderTheEmail("dora.both@example.com", sku);
        using var placed = await _client.PlaceOrder(NewKey(), new { channel = "web", customerId = "Dora.Both@example.com", currency = "EUR", lines = new[] { Line(sku, 1, 5m) } });
        await ExpectStatus(placed, HttpStatusCode.Created);
        var newOrder = (await Body(placed)).GetProperty("id").GetString()!;

        var ids = await Eventually(async () =>
            {
                using var response = await _client.GetAsync("/api/orders?customerId=" + Uri.EscapeDataString("Dora.Both@Example.com"));
                await ExpectStatus(response, HttpStatusCode.OK);
                return (await Body(response)).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("orderId").GetString()!).ToList();
            },
            l => l.Count == 2, TimeSpan.FromSeconds(20), "both orders by the email");
        Assert.Equal(new[] { oldOrder, newOrder }.Order(StringComparer.Ordinal), ids.Order(StringComparer.Ordinal));

        // Pages of one each still reach both, once each.
        using var first = await _client.GetAsync("/api/orders?limit=1&customerId=dora.both%40example.com");
        var page = await Body(first);
        var cursor = page.GetProperty("nextCursor").GetString()!;
        using var second = await _client.GetAsync("/api/orders?limit=1&customerId=dora.both%40example.com&cursor=" + Uri.EscapeDataString(cursor));
        var next = await Body(second);
        Assert.Equal(ids.Order(StringComparer.Ordinal),
            new[] { page, next }.Select(p => Assert.Single(p.GetProperty("items").EnumerateArray()).GetProperty("orderId").GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal(JsonValueKind.Null, next.GetProperty("nextCursor").ValueKind);
    }
}

/// <summary>An engine whose review block list names a customer by email.</summary>
public sealed class EmailBlockListEngineFixture : EngineFixture
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["OrderEngine:Review:BlockedCustomers:0"] = "Blocked.Buyer@Example.com",
    };
}

/// <summary>A block list entry that is an email holds that customer's orders, which now carry its pseudonym.</summary>
public sealed class CustomerEmailIdBlockListTests(EmailBlockListEngineFixture engine) : IClassFixture<EmailBlockListEngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    [Fact]
    public async Task An_order_of_a_customer_blocked_by_email_is_held_under_its_pseudonym_and_another_email_is_not()
    {
        var sku = Sku("blocked-email");
        await _client.SetStock(sku, 10);

        using var blocked = await _client.PlaceOrder(NewKey(), new { channel = "web", customerId = " blocked.buyer@EXAMPLE.com", currency = "EUR", lines = new[] { Line(sku, 1, 4m) } });
        await ExpectStatus(blocked, HttpStatusCode.Created);
        var held = await Body(blocked);
        var pseudonym = held.GetProperty("customerId").GetString()!;
        Assert.StartsWith("email:", pseudonym, StringComparison.Ordinal);
        Assert.Equal("onHold", held.Status());
        var reason = Assert.Single(held.HoldReasons());
        Assert.Contains(pseudonym, reason, StringComparison.Ordinal);
        Assert.DoesNotContain("@", reason, StringComparison.Ordinal);

        using var other = await _client.PlaceOrder(NewKey(), new { channel = "web", customerId = "free.buyer@example.com", currency = "EUR", lines = new[] { Line(sku, 1, 4m) } });
        await ExpectStatus(other, HttpStatusCode.Created);
        Assert.Equal("reserved", (await Body(other)).Status());
    }
}
