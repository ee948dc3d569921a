using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OpenQA.Selenium;

namespace OrderEngine.Dashboard.Tests;

/// <summary>
/// The operator's flows in a real chromium against a real engine process: log in, watch an order arrive, approve a held
/// order, retry a quarantined record, set stock until its alert clears, download a report's CSV. With
/// DASHBOARD_SCREENSHOTS set, every screen is also saved as a PNG (docs/dashboard/).
/// </summary>
public sealed class DashboardFlowTests(DashboardFixture fx) : IClassFixture<DashboardFixture>
{
    private static readonly object Address = new { name = "Ada Buyer", line1 = "1 Main St", city = "Berlin", postalCode = "10115", country = "DE" };

    private async Task StockAsync(string sku, long onHand)
    {
        var get = await fx.Http.GetAsync($"/api/stock/{sku}");
        var version = get.IsSuccessStatusCode ? (await get.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt64() + 1 : 1;
        var put = await fx.PutJsonAsync($"/api/stock/{sku}", new { onHand, version });
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
    }

    private async Task<string> PlaceAsync(string id, string sku, int quantity, decimal unitPrice, string channel = "web")
    {
        var placed = await fx.PostJsonAsync("/api/orders", new
        {
            id, channel, customerId = "c-" + id, currency = "EUR",
            lines = new[] { new { sku, quantity, unitPrice } },
            shippingAddress = Address,
        });
        Assert.True(placed.StatusCode == HttpStatusCode.Created, await placed.Content.ReadAsStringAsync());
        return (await placed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString()!;
    }

    private async Task<string> StatusAsync(string id) =>
        (await fx.Http.GetFromJsonAsync<JsonElement>($"/api/orders/{id}")).GetProperty("status").GetString()!;

    [ChromiumFact]
    public void Logging_in_needs_a_known_key_and_shows_who_is_logged_in()
    {
        fx.Browser.Manage().Cookies.DeleteAllCookies();
        fx.Browser.Navigate().GoToUrl(fx.Url("/dashboard/stock"));
        fx.Wait(d => d.Url.Contains("/dashboard/login", StringComparison.Ordinal), "the redirect to the login page");
        fx.Screenshot("login");

        fx.Browser.FindElement(By.Id("apikey")).SendKeys("oe_not-a-key-anyone-was-given");
        fx.Browser.FindElement(By.Id("login")).Click();
        fx.Wait(d => d.FindElements(By.Id("login-error")).Count > 0, "the refusal of an unknown key");
        Assert.DoesNotContain(fx.Browser.Manage().Cookies.AllCookies, c => c.Name == "oe_dashboard");

        fx.Browser.FindElement(By.Id("apikey")).SendKeys(DashboardFixture.AdminKey);
        fx.Browser.FindElement(By.Id("login")).Click();
        fx.Wait(d => d.FindElements(By.Id("tile-held")).Count > 0, "the home page");
        Assert.Contains("bootstrap (admin)", fx.Wait(d => d.FindElement(By.Id("who")).Text, "the signed-in name"));
        var cookie = Assert.Single(fx.Browser.Manage().Cookies.AllCookies, c => c.Name == "oe_dashboard");
        Assert.True(cookie.IsHttpOnly);
    }

    [ChromiumFact]
    public async Task An_order_placed_through_the_API_appears_in_the_live_feed_without_a_reload()
    {
        await StockAsync("DASH-FEED", 100);
        fx.LogIn();
        fx.Browser.Navigate().GoToUrl(fx.Url("/dashboard/orders"));
        var feed = fx.Wait(d => d.FindElement(By.Id("order-feed")), "the live feed");
        // The page stays as it is from here: a marker on the window would be lost by any reload or navigation.
        ((IJavaScriptExecutor)fx.Browser).ExecuteScript("window.__sameDocument = true;");
        var id = "dash-feed-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal("reserved", await PlaceAsync(id, "DASH-FEED", 1, 9.99m));

        fx.Wait(d => d.FindElements(By.CssSelector($"#order-feed tr[data-order='{id}']")).Count == 1, "the new order in the feed", 15);
        Assert.Equal(true, ((IJavaScriptExecutor)fx.Browser).ExecuteScript("return window.__sameDocument === true;"));
        Assert.Contains("reserved", fx.Browser.FindElement(By.CssSelector($"#order-feed tr[data-order='{id}']")).Text);
        fx.Screenshot("orders");

        fx.Browser.FindElement(By.CssSelector($"#order-feed tr[data-order='{id}'] a")).Click();
        fx.Wait(d => d.FindElement(By.Id("timeline")).Text.Contains("order.placed", StringComparison.Ordinal), "the order's timeline");
        fx.Screenshot("order-detail");
    }

    [ChromiumFact]
    public async Task The_order_search_by_an_email_finds_the_order_placed_with_it_under_its_pseudonym()
    {
        await StockAsync("DASH-EMAIL", 10);
        var id = "dash-email-" + Guid.NewGuid().ToString("N")[..8];
        var placed = await fx.PostJsonAsync("/api/orders", new
        {
            id, channel = "web", customerId = "Dash.Buyer@Example.com", currency = "EUR", lines = new[] { new { sku = "DASH-EMAIL", quantity = 1, unitPrice = 3m } },
        });
        Assert.True(placed.StatusCode == HttpStatusCode.Created, await placed.Content.ReadAsStringAsync());
        var pseudonym = (await placed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("customerId").GetString()!;
        Assert.StartsWith("email:", pseudonym, StringComparison.Ordinal);
        // The read tables lag the entity: wait until the API's search has it, then the dashboard's must too.
        for (var i = 0; i < 100 && !(await fx.Http.GetStringAsync($"/api/orders?customerId={pseudonym}")).Contains(id, StringComparison.Ordinal); i++)
            await Task.Delay(200);

        fx.LogIn();
        fx.Browser.Navigate().GoToUrl(fx.Url("/dashboard/orders"));
        fx.Wait(d => d.FindElement(By.Id("search-customer")), "the search form").SendKeys(" dash.buyer@example.COM");
        fx.Browser.FindElement(By.Id("search")).Click();
        var results = fx.Wait(d => d.FindElements(By.Id("search-results")).Count == 1 ? d.FindElement(By.Id("search-results")).Text : null, "the search results");
        Assert.Contains(id, results, StringComparison.Ordinal);
        Assert.Contains(pseudonym, results, StringComparison.Ordinal);
        Assert.DoesNotContain("@", results, StringComparison.Ordinal);
    }

    [ChromiumFact]
    public async Task An_operator_approves_a_held_order_from_the_review_queue()
    {
        await StockAsync("DASH-HOLD", 10);
        var id = "dash-held-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal("onHold", await PlaceAsync(id, "DASH-HOLD", 1, 1500m));
        fx.LogIn();
        fx.Browser.Navigate().GoToUrl(fx.Url("/dashboard/review"));
        var row = $"#review-queue tr[data-order='{id}']";
        fx.Wait(d => d.FindElements(By.CssSelector(row)).Count == 1, "the held order in the queue", 20);
        Assert.Contains("1500", fx.Browser.FindElement(By.CssSelector(row)).Text.Replace(",", ""));
        fx.Screenshot("review");

        fx.Browser.FindElement(By.CssSelector(row + " button[data-action='approve']")).Click();
        fx.Wait(d => d.FindElement(By.Id("message")).Text.Contains($"order {id} is", StringComparison.Ordinal), "the approval's outcome");
        fx.Wait(d => d.FindElements(By.CssSelector(row)).Count == 0, "the order leaving the queue");
        Assert.Equal("reserved", await StatusAsync(id));
    }

    [ChromiumFact]
    public async Task A_quarantined_record_is_fixed_and_retried_from_the_channels_screen()
    {
        await StockAsync("DASH-Q", 10);
        var external = "q-" + Guid.NewGuid().ToString("N")[..8];
        var bad = $$"""{"externalId":"{{external}}","channel":"dashfeed","customerId":"c-q","currency":"EUR","lines":[{"sku":"DASH-Q","quantity":0,"unitPrice":5}]}""";
        var fed = await fx.PostNdjsonAsync("/api/channels/dashfeed/feed", bad + "\n");
        var answer = await fed.Content.ReadAsStringAsync();
        Assert.True(fed.IsSuccessStatusCode, answer);
        Assert.Contains("\"quarantined\":1", answer);

        fx.LogIn();
        fx.Browser.Navigate().GoToUrl(fx.Url("/dashboard/channels"));
        // The record's id, once the page is interactive (the first render is replaced by the circuit's).
        var recordId = fx.Wait(d => d.FindElements(By.CssSelector("textarea[data-payload]")).FirstOrDefault()?.GetAttribute("data-payload"), "the quarantined record");
        Assert.Contains("quantity", fx.Browser.FindElement(By.CssSelector($"div[data-quarantine='{recordId}']")).Text); // its reason names the field
        fx.Screenshot("channels");

        var payload = fx.Browser.FindElement(By.CssSelector($"textarea[data-payload='{recordId}']"));
        Assert.Contains(external, payload.GetAttribute("value"));
        payload.Clear();
        payload.SendKeys(bad.Replace("\"quantity\":0", "\"quantity\":2", StringComparison.Ordinal));
        fx.Browser.FindElement(By.CssSelector($"div[data-quarantine='{recordId}'] button[data-action='retry']")).Click();
        var message = fx.Wait(d => d.FindElement(By.Id("message")).Text is var t && t.Contains("taken in as order", StringComparison.Ordinal) ? t : null,
            "the retry's outcome");
        fx.Wait(d => d.FindElements(By.CssSelector($"div[data-quarantine='{recordId}']")).Count == 0, "the record leaving the quarantine");

        var orderId = message!.Split("taken in as order ")[1].Trim();
        var order = await fx.Http.GetFromJsonAsync<JsonElement>($"/api/orders/{orderId}");
        Assert.Equal(2, order.GetProperty("lines")[0].GetProperty("quantity").GetInt32());
        var stock = await fx.Http.GetFromJsonAsync<JsonElement>("/api/stock/DASH-Q");
        Assert.Equal(2, stock.GetProperty("reserved").GetInt64());
        var retried = (await fx.Http.GetFromJsonAsync<JsonElement>("/api/channels/dashfeed/quarantine?includeResolved=true")).GetProperty("records")
            .EnumerateArray().Single(r => r.GetProperty("id").GetString() == recordId);
        Assert.Equal("key:bootstrap", retried.GetProperty("retriedBy").GetString());
    }

    [ChromiumFact]
    public async Task Setting_stock_above_the_threshold_clears_its_low_stock_alert()
    {
        const string sku = "DASH-LOW";
        await StockAsync(sku, 3);
        var threshold = await fx.PutJsonAsync($"/api/stock/{sku}/alert", new { below = 10 });
        Assert.True(threshold.IsSuccessStatusCode, await threshold.Content.ReadAsStringAsync());

        fx.LogIn();
        fx.Browser.Navigate().GoToUrl(fx.Url("/dashboard/stock"));
        fx.Wait(d => d.FindElements(By.CssSelector($"#alerts tr[data-sku='{sku}']")).Count == 1, "the SKU's open low-stock alert", 20);
        fx.Screenshot("stock");

        fx.Browser.FindElement(By.Id("stock-sku")).SendKeys(sku);
        fx.Browser.FindElement(By.Id("stock-lookup")).Click();
        fx.Wait(d => d.FindElement(By.Id("stock-current")).Text.Contains("on hand 3", StringComparison.Ordinal), "the SKU read from its entity");
        var onHand = fx.Browser.FindElement(By.Id("stock-onhand"));
        onHand.Clear();
        onHand.SendKeys("50");
        fx.Browser.FindElement(By.Id("stock-set")).Click();
        fx.Wait(d => d.FindElement(By.Id("message")).Text.Contains($"{sku}: on hand 50", StringComparison.Ordinal), "the set count's outcome");
        fx.Wait(d => d.FindElements(By.CssSelector($"#alerts tr[data-sku='{sku}']")).Count == 0, "the alert clearing", 20);

        var alerts = await fx.Http.GetFromJsonAsync<JsonElement>($"/api/alerts?sku={sku}");
        Assert.Equal(0, alerts.GetProperty("alerts").GetArrayLength());
        var stock = await fx.Http.GetFromJsonAsync<JsonElement>($"/api/stock/{sku}");
        Assert.Equal(50, stock.GetProperty("onHand").GetInt64());
        Assert.Equal("key:bootstrap", stock.GetProperty("lastChange").GetProperty("by").GetString()); // the dashboard's user, as through the API
    }

    [ChromiumFact]
    public async Task A_report_opens_as_charts_and_its_CSV_downloads_with_the_paid_orders()
    {
        await StockAsync("DASH-R", 100);
        var id = "dash-rep-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal("reserved", await PlaceAsync(id, "DASH-R", 3, 7.5m, channel: "reports"));
        var paid = await fx.PostJsonAsync($"/api/orders/{id}/payment", new { amount = 22.5m, currency = "EUR", reference = "psp-" + id });
        Assert.True(paid.IsSuccessStatusCode, await paid.Content.ReadAsStringAsync());

        fx.LogIn();
        // The read side takes the payment in within a moment: reload the report until the channel shows.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            fx.Browser.Navigate().GoToUrl(fx.Url("/dashboard/reports"));
            fx.Wait(d => d.FindElements(By.Id("sales-table")).Count == 1, "the report page");
            fx.Wait(d => d.FindElements(By.CssSelector("svg")).Count >= 4, "the four charts");
            if (fx.Browser.FindElements(By.CssSelector("svg text")).Any(t => t.Text.Contains("reports", StringComparison.Ordinal))) break;
            Assert.True(DateTime.UtcNow < deadline, "the paid order never reached the sales per channel chart");
            await Task.Delay(1000);
        }
        fx.Screenshot("reports");

        foreach (var f in Directory.GetFiles(fx.Downloads)) File.Delete(f);
        fx.Browser.FindElement(By.Id("csv-channel")).Click();
        var file = Path.Combine(fx.Downloads, "sales-by-channel.csv");
        fx.Wait(_ => File.Exists(file) && new FileInfo(file).Length > 0, "the downloaded CSV");
        var lines = (await File.ReadAllTextAsync(file)).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("key,currency,orders,units,revenue,refunded,net", lines[0]);
        Assert.Contains("reports,EUR,1,3,22.5,0,22.5", lines);
    }

    [ChromiumFact]
    public async Task The_home_page_counts_what_needs_a_person_and_every_screen_renders()
    {
        // One of each thing that needs a person: a held order, a SKU below its threshold, a quarantined record.
        await StockAsync("DASH-HOME", 40);
        Assert.Equal("onHold", await PlaceAsync("dash-home-held-" + Guid.NewGuid().ToString("N")[..6], "DASH-HOME", 1, 1200m));
        for (var i = 0; i < 3; i++)
        {
            var id = "dash-home-" + Guid.NewGuid().ToString("N")[..8];
            Assert.Equal("reserved", await PlaceAsync(id, "DASH-HOME", 2 + i, 19.9m, channel: i == 0 ? "web" : "marketplace"));
            Assert.True((await fx.PostJsonAsync($"/api/orders/{id}/payment", new { amount = (2 + i) * 19.9m, currency = "EUR", reference = "psp-" + id })).IsSuccessStatusCode);
        }
        await StockAsync("DASH-HOME-LOW", 2);
        Assert.True((await fx.PutJsonAsync("/api/stock/DASH-HOME-LOW/alert", new { below = 5 })).IsSuccessStatusCode);
        var bad = $$"""{"externalId":"home-{{Guid.NewGuid():N}}","channel":"homefeed","customerId":"c-home","currency":"EUR","lines":[{"sku":"DASH-HOME","quantity":0,"unitPrice":5}]}""";
        Assert.Contains("\"quarantined\":1", await (await fx.PostNdjsonAsync("/api/channels/homefeed/feed", bad + "\n")).Content.ReadAsStringAsync());
        // Something for the dispatch and flash-sale screens to show.
        await StockAsync("DASH-FLASH", 500);
        var zoneId = (await fx.Http.GetFromJsonAsync<JsonElement>("/api/zones/of?latitude=52.52&longitude=13.405")).GetProperty("zoneId").GetString()!;
        var zone = await fx.PutJsonAsync($"/api/zones/{zoneId}", new { policy = "earliest-pickup" });
        Assert.True(zone.IsSuccessStatusCode, await zone.Content.ReadAsStringAsync());
        var courier = await fx.PutJsonAsync("/api/couriers/courier-1", new { name = "Bea", vehicle = "bike" });
        Assert.True(courier.IsSuccessStatusCode, await courier.Content.ReadAsStringAsync());
        var online = await fx.PostJsonAsync("/api/couriers/courier-1/online", new { latitude = 52.52, longitude = 13.405 });
        Assert.True(online.IsSuccessStatusCode, await online.Content.ReadAsStringAsync());

        fx.LogIn();
        static int Count(IWebDriver d, string tile) => int.Parse(d.FindElement(By.CssSelector($"#{tile} .n")).Text, System.Globalization.CultureInfo.InvariantCulture);
        fx.Wait(d => Count(d, "tile-held") >= 1 && Count(d, "tile-lowstock") >= 1 && Count(d, "tile-quarantine") >= 1
                     && d.FindElements(By.CssSelector("#order-feed tbody tr")).Count >= 3, "the home page's counts and latest orders", 20);
        Assert.Contains("hot", fx.Browser.FindElement(By.Id("tile-held")).GetAttribute("class"));
        fx.Screenshot("home");
        fx.Browser.FindElement(By.Id("tile-quarantine")).Click();
        fx.Wait(d => d.FindElement(By.TagName("h1")).Text == "Channels", "the channels screen from its tile");

        foreach (var (path, heading, name) in new[]
                 {
                     ("/dashboard/orders", "Orders", null),
                     ("/dashboard/review", "Review queue", null),
                     ("/dashboard/stock", "Stock", null),
                     ("/dashboard/channels", "Channels", null),
                     ("/dashboard/reports", "Reports", null),
                     ($"/dashboard/dispatch?zone={zoneId}", "Dispatch", "dispatch"),
                     ("/dashboard/flash-sale?sku=DASH-FLASH", "Flash sale", "flash-sale"),
                 })
        {
            fx.Browser.Navigate().GoToUrl(fx.Url(path));
            fx.Wait(d => d.FindElement(By.TagName("h1")).Text == heading, $"the {heading} screen");
            Assert.Empty(fx.Browser.FindElements(By.CssSelector(".msg.err")));
            if (name == "dispatch") fx.Wait(d => d.FindElement(By.Id("couriers")).Text.Contains("courier-1", StringComparison.Ordinal), "the zone's courier");
            if (name == "flash-sale") fx.Wait(d => d.FindElement(By.Id("flash-remaining")).Text == "500", "the SKU's remaining units");
            if (name is not null) fx.Screenshot(name);
        }
    }

    [ChromiumFact]
    public async Task A_key_without_a_dashboard_role_cannot_log_in()
    {
        var (_, channelKey) = await fx.CreateKeyAsync("shop-frontend", "channel:web");
        fx.Browser.Navigate().GoToUrl(fx.Url("/dashboard/login"));
        fx.Browser.Manage().Cookies.DeleteAllCookies();
        fx.Browser.Navigate().GoToUrl(fx.Url("/dashboard/login"));
        fx.Browser.FindElement(By.Id("apikey")).SendKeys(channelKey);
        fx.Browser.FindElement(By.Id("login")).Click();
        fx.Wait(d => d.FindElements(By.Id("login-error")).Count > 0, "the refusal of a channel key");
        Assert.DoesNotContain(fx.Browser.Manage().Cookies.AllCookies, c => c.Name == "oe_dashboard");
    }

    [ChromiumFact]
    public async Task A_warehouse_key_gets_stock_actions_but_no_review_actions_and_a_revoked_key_is_refused_by_the_server()
    {
        await StockAsync("DASH-W", 10);
        var held = "dash-wh-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal("onHold", await PlaceAsync(held, "DASH-W", 1, 2000m));
        var (keyId, key) = await fx.CreateKeyAsync("warehouse-ops", "warehouse");
        fx.LogIn(key);
        Assert.Contains("warehouse-ops (warehouse)", fx.Browser.FindElement(By.Id("who")).Text);

        fx.Browser.Navigate().GoToUrl(fx.Url("/dashboard/review"));
        var row = $"#review-queue tr[data-order='{held}']";
        fx.Wait(d => d.FindElements(By.CssSelector(row)).Count == 1, "the held order, shown to a warehouse key");
        Assert.Empty(fx.Browser.FindElements(By.CssSelector(row + " button")));

        fx.Browser.Navigate().GoToUrl(fx.Url("/dashboard/stock"));
        fx.Wait(d => d.FindElement(By.Id("stock-sku")), "the stock form").SendKeys("DASH-W");
        fx.Browser.FindElement(By.Id("stock-lookup")).Click();
        fx.Wait(d => d.FindElement(By.Id("stock-current")).Text.Contains("on hand 10", StringComparison.Ordinal), "the SKU read from its entity");

        // The key is revoked while its page is open: the button is still there, the server refuses the action.
        var revoked = await fx.Http.DeleteAsync($"/api/keys/{keyId}");
        Assert.True(revoked.IsSuccessStatusCode, await revoked.Content.ReadAsStringAsync());
        var onHand = fx.Browser.FindElement(By.Id("stock-onhand"));
        onHand.Clear();
        onHand.SendKeys("99");
        fx.Browser.FindElement(By.Id("stock-set")).Click();
        fx.Wait(d => d.FindElement(By.Id("message")).Text.Contains("no longer valid", StringComparison.Ordinal), "the refusal of a revoked key's action");
        Assert.Equal(10, (await fx.Http.GetFromJsonAsync<JsonElement>("/api/stock/DASH-W")).GetProperty("onHand").GetInt64());

        // And its cookie opens no page any more.
        fx.Browser.Navigate().GoToUrl(fx.Url("/dashboard/stock"));
        fx.Wait(d => d.Url.Contains("/dashboard/login", StringComparison.Ordinal), "the login page for a revoked key's cookie");
    }

    [ChromiumFact]
    public async Task An_operator_refunds_part_of_a_paid_order_from_its_page()
    {
        await StockAsync("DASH-REF", 10);
        var id = "dash-ref-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal("reserved", await PlaceAsync(id, "DASH-REF", 2, 10m));
        Assert.True((await fx.PostJsonAsync($"/api/orders/{id}/payment", new { amount = 20m, currency = "EUR", reference = "psp-" + id })).IsSuccessStatusCode);

        fx.LogIn();
        fx.Browser.Navigate().GoToUrl(fx.Url($"/dashboard/orders/{id}"));
        var amount = fx.Wait(d => d.FindElement(By.Id("refund-amount")), "the refund form of a paid order");
        amount.Clear();
        amount.SendKeys("5");
        fx.Browser.FindElement(By.Id("refund-reason")).SendKeys("scratched mug");
        fx.Browser.FindElement(By.Id("refund")).Click();
        fx.Wait(d => d.FindElement(By.Id("message")).Text.Contains($"order {id} is", StringComparison.Ordinal), "the refund's outcome");

        var refund = Assert.Single((await fx.Http.GetFromJsonAsync<JsonElement>($"/api/orders/{id}")).GetProperty("refunds").EnumerateArray());
        Assert.Equal(5m, refund.GetProperty("amount").GetDecimal());
        Assert.Equal("scratched mug", refund.GetProperty("reason").GetString());
        Assert.Equal("key:bootstrap", refund.GetProperty("by").GetString());
    }
}
