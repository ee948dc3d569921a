using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using OrderEngine.Testing;

namespace OrderEngine.Api.Tests.Reports;

/// <summary>GET /api/orders (search) and /api/reports/* over HTTP: paging, shapes, CSV against JSON, and bad input.</summary>
public sealed class ReportsApiTests(ReadSideEngineFixture engine) : IClassFixture<ReadSideEngineFixture>
{
    private readonly HttpClient _client = engine.Client;

    private async Task<JsonElement> JsonAsync(string url)
    {
        using var response = await _client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private async Task<string> CsvAsync(string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        using var response = await _client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {body}");
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        return body;
    }

    [Fact]
    public async Task Search_pages_through_every_order_newest_first_with_every_field()
    {
        var ids = new List<string>();
        string? cursor = null;
        do
        {
            var page = await JsonAsync("/api/orders?limit=6" + (cursor is null ? "" : "&cursor=" + cursor));
            var items = page.GetProperty("items").EnumerateArray().ToList();
            Assert.True(items.Count <= 6);
            ids.AddRange(items.Select(i => i.GetProperty("orderId").GetString()!));
            cursor = page.GetProperty("nextCursor").GetString();
        } while (cursor is not null);

        var expected = engine.Orders.OrderByDescending(o => o.PlacedAt).ThenByDescending(o => o.OrderId, StringComparer.Ordinal).ToList();
        Assert.Equal(expected.Select(o => o.OrderId), ids);

        var newest = expected[0];
        var item = (await JsonAsync("/api/orders?limit=1")).GetProperty("items")[0];
        Assert.Equal(
            ["orderId", "channel", "externalId", "customerId", "country", "currency", "status", "total", "refunded", "units", "paymentMethod",
             "placedAt", "paidAt", "shippedAt", "deliveredAt"],
            item.EnumerateObject().Select(p => p.Name));
        Assert.Equal((newest.OrderId, newest.Total, newest.Refunded, newest.Units, newest.PlacedAt),
            (item.GetProperty("orderId").GetString(), item.GetProperty("total").GetDecimal(), item.GetProperty("refunded").GetDecimal(),
             item.GetProperty("units").GetInt32(), item.GetProperty("placedAt").GetDateTimeOffset()));
    }

    [Fact]
    public async Task Search_filters_by_status_channel_customer_sku_and_a_placed_range_together()
    {
        var from = ReadSideEngineFixture.T0.AddHours(50);
        var to = ReadSideEngineFixture.T0.AddHours(300);
        var url = $"/api/orders?status=paid&channel=web&sku=sku-a&from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(to.ToString("O"))}&limit=500";
        var ids = (await JsonAsync(url)).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("orderId").GetString()!).ToList();
        var expected = engine.Orders
            .Where(o => o.Status == "paid" && o.Channel == "web" && o.PlacedAt >= from && o.PlacedAt < to)
            .OrderByDescending(o => o.PlacedAt).ThenByDescending(o => o.OrderId, StringComparer.Ordinal).Select(o => o.OrderId).ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, ids);
        var customer = engine.Orders.First(o => o.CustomerId.Contains(',')).CustomerId;
        var byCustomer = (await JsonAsync("/api/orders?customerId=" + Uri.EscapeDataString(customer))).GetProperty("items");
        Assert.Equal(engine.Orders.Count(o => o.CustomerId == customer), byCustomer.GetArrayLength());
    }

    [Fact]
    public async Task An_unknown_status_is_refused_naming_the_statuses_there_are()
    {
        using var response = await _client.GetAsync("/api/orders?status=shipping");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var message = problem.GetProperty("errors").GetProperty("status")[0].GetString()!;
        foreach (var status in new[] { "placed", "onHold", "reserved", "paid", "shipped", "delivered", "refunded", "cancelled" })
            Assert.Contains(status, message);
    }

    [Fact]
    public async Task A_cursor_changed_by_hand_is_refused()
    {
        var cursor = (await JsonAsync("/api/orders?limit=2")).GetProperty("nextCursor").GetString()!;
        var raw = System.Buffers.Text.Base64Url.DecodeFromChars(cursor);
        var text = System.Text.Encoding.UTF8.GetString(raw).Replace("|o-", "|o-9", StringComparison.Ordinal);
        var forged = System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(text));
        using var response = await _client.GetAsync("/api/orders?cursor=" + forged);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("cursor", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/api/reports/sales?groupBy=day")]
    [InlineData("/api/reports/sales?groupBy=week")]
    [InlineData("/api/reports/sales?groupBy=month&currency=EUR")]
    [InlineData("/api/reports/sales?groupBy=channel&from=2010-12-02&to=2010-12-10")]
    [InlineData("/api/reports/sales?groupBy=country")]
    [InlineData("/api/reports/sales?groupBy=sku")]
    [InlineData("/api/reports/sales?groupBy=customer")]
    [InlineData("/api/reports/sales?groupBy=customer&from=2010-12-03")]
    [InlineData("/api/reports/sales?groupBy=paymentMethod")]
    [InlineData("/api/reports/sales?groupBy=customer&limit=2&after=cust-0")]
    [InlineData("/api/reports/inventory")]
    [InlineData("/api/reports/inventory?days=1&limit=1")]
    [InlineData("/api/reports/customers?limit=3")]
    [InlineData("/api/reports/customers?currency=GBP")]
    public async Task The_csv_of_a_report_holds_the_same_rows_as_its_json(string url)
    {
        var json = (await JsonAsync(url)).GetProperty("rows").EnumerateArray().ToList();
        var csv = Csv.Parse(await CsvAsync(url));
        Assert.NotEmpty(json);
        var header = csv[0];
        Assert.Equal(json[0].EnumerateObject().Select(p => p.Name), header);
        Assert.Equal(json.Count, csv.Count - 1);
        for (var i = 0; i < json.Count; i++)
            for (var c = 0; c < header.Length; c++)
                Assert.True(SameValue(json[i].GetProperty(header[c]), csv[i + 1][c]), $"row {i} {header[c]}: json {json[i].GetProperty(header[c])} csv '{csv[i + 1][c]}'");
    }

    private static bool SameValue(JsonElement json, string csv) => json.ValueKind switch
    {
        JsonValueKind.Null => csv.Length == 0,
        JsonValueKind.Number => decimal.Parse(csv, NumberStyles.Number, CultureInfo.InvariantCulture) == json.GetDecimal(),
        JsonValueKind.String when json.TryGetDateTimeOffset(out var at) && json.GetString()!.Contains('T') => DateTimeOffset.Parse(csv, CultureInfo.InvariantCulture) == at,
        JsonValueKind.String => json.GetString() == csv,
        _ => false,
    };

    [Fact]
    public async Task Sales_keep_currencies_apart_and_net_refunds()
    {
        var rows = (await JsonAsync("/api/reports/sales?groupBy=month")).GetProperty("rows").EnumerateArray().ToList();
        var paid = engine.Orders.Where(o => o.Paid).ToList();
        foreach (var currency in new[] { "EUR", "GBP" })
        {
            var row = rows.Single(r => r.GetProperty("currency").GetString() == currency);
            var mine = paid.Where(o => o.Currency == currency).ToList();
            Assert.Equal("2010-12", row.GetProperty("key").GetString());
            Assert.Equal(mine.Count, row.GetProperty("orders").GetInt32());
            Assert.Equal(mine.Sum(o => o.Total), row.GetProperty("revenue").GetDecimal());
            Assert.Equal(mine.Sum(o => o.Refunded), row.GetProperty("refunded").GetDecimal());
            Assert.Equal(mine.Sum(o => o.Total - o.Refunded), row.GetProperty("net").GetDecimal());
        }
        Assert.Equal(2, rows.Count);
    }

    [Fact]
    public async Task A_sales_page_says_where_the_next_one_starts_in_json_and_in_a_header()
    {
        var first = await JsonAsync("/api/reports/sales?groupBy=customer&limit=2");
        var next = first.GetProperty("nextAfter").GetString()!;
        Assert.Equal(2, first.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("key").GetString()).Distinct().Count());
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/reports/sales?groupBy=customer&limit=2");
        request.Headers.Accept.ParseAdd("text/csv");
        using var response = await _client.SendAsync(request);
        Assert.Equal(next, Uri.UnescapeDataString(response.Headers.GetValues("Next-After").Single()));
        var keys = new List<string>();
        string? after = null;
        do
        {
            var page = await JsonAsync("/api/reports/sales?groupBy=customer&limit=2" + (after is null ? "" : "&after=" + Uri.EscapeDataString(after)));
            keys.AddRange(page.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("key").GetString()!).Distinct());
            after = page.GetProperty("nextAfter").GetString();
        } while (after is not null);
        Assert.Equal(engine.Orders.Where(o => o.Paid).Select(o => o.CustomerId).Distinct().Order(StringComparer.Ordinal), keys);
    }

    [Fact]
    public async Task The_customers_report_gives_the_repeat_rate_over_all_customers()
    {
        var report = await JsonAsync("/api/reports/customers?limit=1");
        var perCustomer = engine.Orders.Where(o => o.Paid).GroupBy(o => o.CustomerId).Select(g => g.Count()).ToList();
        Assert.Equal(perCustomer.Count, report.GetProperty("customers").GetInt32());
        Assert.Equal(perCustomer.Count(n => n > 1), report.GetProperty("repeatCustomers").GetInt32());
        Assert.Equal(Math.Round((decimal)perCustomer.Count(n => n > 1) / perCustomer.Count, 4), report.GetProperty("repeatRate").GetDecimal());
    }

    public static TheoryData<string, string?, int> BadInput()
    {
        var data = new TheoryData<string, string?, int>();
        var tooLong = new string('a', 300);
        foreach (var bad in new[]
        {
            "status=", "status=shipping", "status=PAID", "status=" + tooLong, "status=paid&status=shipped",
            "channel=", "channel=Web!", "channel=" + tooLong,
            "customerId=", "customerId=" + tooLong, "customerId=%01x",
            "sku=", "sku=bad sku", "sku=" + tooLong,
            "from=", "from=yesterday", "from=12/01/2010", "from=2010-13-01T00:00:00Z", "from=1969-12-31T00:00:00Z", "from=2010-12-01T08:00:00Zjunk",
            "to=", "to=42", "from=2010-12-02T00:00:00Z&to=2010-12-01T00:00:00Z",
            "limit=", "limit=0", "limit=-1", "limit=501", "limit=abc", "limit=1.5", "limit=99999999999999999999",
            "cursor=", "cursor=!!!", "cursor=bm90IGEgY3Vyc29y", "cursor=" + tooLong, "statuss=paid",
        })
            data.Add("/api/orders?" + bad, null, 400);
        foreach (var bad in new[]
        {
            "from=", "from=2010-12-1", "from=2010-12-01T00:00:00Z", "from=abc", "to=2010-02-30", "from=2010-12-05&to=2010-12-01",
            "groupBy=", "groupBy=year", "groupBy=Day", "groupBy=" + tooLong, "currency=", "currency=eur", "currency=EURO", "currency=1AB",
            "limit=0", "limit=100001", "limit=x", "after=", "after=%01", "groupBy=day&groupBy=week", "top=5",
        })
            data.Add("/api/reports/sales?" + bad, null, 400);
        foreach (var bad in new[] { "days=", "days=0", "days=-1", "days=367", "days=abc", "limit=0", "limit=10001", "limit=x", "after=", "after=a b", "sku=a" })
            data.Add("/api/reports/inventory?" + bad, null, 400);
        foreach (var bad in new[] { "limit=", "limit=0", "limit=-5", "limit=10001", "limit=ten", "currency=gbp", "currency=", "top=5" })
            data.Add("/api/reports/customers?" + bad, null, 400);
        foreach (var url in new[] { "/api/reports/sales", "/api/reports/inventory", "/api/reports/customers" })
        {
            data.Add(url, "application/xml", 406);
            data.Add(url, "text/html, image/png", 406);
            data.Add(url, "text/csv;q=0", 406);
            data.Add(url, "garbage/", 406);
        }
        data.Add("/api/orders", "text/csv", 406);
        data.Add("/api/orders", "application/xml", 406);
        return data;
    }

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task Bad_input_is_a_problem_answer_never_a_server_error(string url, string? accept, int status)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (accept is not null) request.Headers.TryAddWithoutValidation("Accept", accept);
        using var response = await _client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"{url} [{accept}]: {(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("urn:orderengine:problem:", JsonDocument.Parse(body).RootElement.GetProperty("type").GetString());
    }
}

/// <summary>A strict RFC 4180 reader for the tests (quoted fields, doubled quotes, CRLF rows).</summary>
internal static class Csv
{
    public static List<string[]> Parse(string text)
    {
        var rows = new List<string[]>();
        var row = new List<string>();
        var field = new System.Text.StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '"')
            {
                i++;
                while (true)
                {
                    if (text[i] == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i += 2; }
                    else if (text[i] == '"') { i++; break; }
                    else field.Append(text[i++]);
                }
            }
            else if (text[i] == ',') { row.Add(field.ToString()); field.Clear(); i++; }
            else if (text[i] == '\r' && text[i + 1] == '\n') { row.Add(field.ToString()); field.Clear(); rows.Add([.. row]); row.Clear(); i += 2; }
            else field.Append(text[i++]);
        }
        Assert.Empty(row);
        return rows;
    }
}
