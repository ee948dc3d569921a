using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OrderEngine.Api.Dashboard;

namespace OrderEngine.Api.Tests.Security;

/// <summary>
/// The dashboard's own routes and its cookie (docs/dashboard.md): every dashboard endpoint needs the dashboard cookie or
/// is the login or a static asset; the cookie opens no /api endpoint and an API key opens no dashboard page; the login
/// takes only a known key with a dashboard role and needs its antiforgery token.
/// </summary>
public sealed partial class DashboardAccessTests(SecuredEngineFixture engine) : IClassFixture<SecuredEngineFixture>
{
    [Fact]
    public void Every_dashboard_endpoint_needs_the_dashboard_cookie_or_is_the_login_or_a_static_asset_and_no_api_endpoint_takes_the_cookie()
    {
        var endpoints = engine.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        var dashboard = endpoints.Where(e => e.Metadata.GetMetadata<DashboardSetup.DashboardEndpoint>() is not null).ToList();
        Assert.Contains(dashboard, e => e.RoutePattern.RawText == "/dashboard");
        Assert.Contains(dashboard, e => e.RoutePattern.RawText!.StartsWith("/_blazor", StringComparison.Ordinal));
        Assert.DoesNotContain(endpoints, e => e.RoutePattern.RawText!.Contains("**path", StringComparison.Ordinal)); // no catch-all file route
        foreach (var e in dashboard)
        {
            var path = "/" + e.RoutePattern.RawText!.TrimStart('/');
            Assert.False(path.StartsWith("/api", StringComparison.Ordinal), $"{path} is marked as the dashboard's");
            var anonymous = e.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            var policies = e.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).ToList();
            if (path is "/dashboard/login") Assert.True(anonymous, "the login page and its form post are open");
            else if (path.StartsWith("/dashboard", StringComparison.Ordinal) || path.StartsWith("/_blazor", StringComparison.Ordinal))
                Assert.True(!anonymous && policies.Contains(DashboardSetup.Policy), $"{path} must need the dashboard cookie");
            // Static assets are open; Blazor's own endpoints (/_framework/…) come with the pages, under their policy.
            else Assert.True(anonymous || policies.Contains(DashboardSetup.Policy), $"{path}: neither open nor under the dashboard policy");
        }
        foreach (var e in endpoints.Except(dashboard))
        {
            Assert.DoesNotContain(DashboardSetup.Policy, e.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy));
            Assert.DoesNotContain(DashboardSetup.Scheme, e.Metadata.GetOrderedMetadata<IAuthorizeData>().SelectMany(a => (a.AuthenticationSchemes ?? "").Split(',')));
        }
    }

    [Fact]
    public async Task A_page_without_the_cookie_goes_to_the_login_even_with_an_admin_api_key()
    {
        using var client = engine.NewClient();
        using var none = await client.GetAsync("/dashboard/stock");
        Assert.Equal(HttpStatusCode.Redirect, none.StatusCode);
        Assert.StartsWith("/dashboard/login", none.Headers.Location!.PathAndQuery);

        using var withKey = await client.SendAs(HttpMethod.Get, "/dashboard", SecuredEngineFixture.AdminKey);
        Assert.Equal(HttpStatusCode.Redirect, withKey.StatusCode);
        using var csv = await client.SendAs(HttpMethod.Get, "/dashboard/export/sales.csv", SecuredEngineFixture.AdminKey);
        Assert.Equal(HttpStatusCode.Redirect, csv.StatusCode);
    }

    [Fact]
    public async Task The_login_cookie_opens_the_dashboard_and_its_CSV_but_no_api_endpoint()
    {
        using var client = engine.NewClient();
        using var login = await LogInAsync(client, SecuredEngineFixture.AdminKey);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("/dashboard", login.Headers.Location!.OriginalString);
        var cookie = Assert.Single(login.Headers.GetValues("Set-Cookie"), c => c.StartsWith(DashboardSetup.CookieName + "=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);

        using var page = await client.GetAsync("/dashboard");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        using var csv = await client.GetAsync("/dashboard/export/sales.csv?groupBy=channel");
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        Assert.StartsWith("key,currency,orders,units,revenue,refunded,net", await csv.Content.ReadAsStringAsync());

        using var api = await client.GetAsync("/api/orders");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        using var keys = await client.GetAsync("/api/keys");
        Assert.Equal(HttpStatusCode.Unauthorized, keys.StatusCode);
    }

    [Fact]
    public async Task An_unknown_key_or_a_form_without_its_antiforgery_token_gets_no_cookie()
    {
        using var client = engine.NewClient();
        using var unknown = await LogInAsync(client, "oe_not-a-key-anyone-made");
        Assert.Equal(HttpStatusCode.Redirect, unknown.StatusCode);
        Assert.Equal("/dashboard/login?failed=1", unknown.Headers.Location!.OriginalString);
        Assert.False(unknown.Headers.Contains("Set-Cookie") && unknown.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith(DashboardSetup.CookieName, StringComparison.Ordinal)));

        using var forged = await client.PostAsync("/dashboard/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["ApiKey"] = SecuredEngineFixture.AdminKey }));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.False(forged.Headers.Contains("Set-Cookie") && forged.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith(DashboardSetup.CookieName, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_login_follows_only_a_dashboard_address()
    {
        using var client = engine.NewClient();
        using var elsewhere = await LogInAsync(client, SecuredEngineFixture.AdminKey, returnUrl: "https://evil.example/");
        Assert.Equal("/dashboard", elsewhere.Headers.Location!.OriginalString);
        using var local = await LogInAsync(client, SecuredEngineFixture.AdminKey, returnUrl: "/dashboard/stock");
        Assert.True(local.StatusCode == HttpStatusCode.Redirect, $"{(int)local.StatusCode} {await local.Content.ReadAsStringAsync()}");
        Assert.Equal("/dashboard/stock", local.Headers.Location!.OriginalString);
    }

    /// <summary>Gets the login page (its antiforgery cookie and token) and posts the form with <paramref name="key"/>.</summary>
    private static async Task<HttpResponseMessage> LogInAsync(HttpClient client, string key, string? returnUrl = null)
    {
        using var page = await client.GetAsync("/dashboard/login");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        var token = AntiforgeryToken().Match(html);
        Assert.True(token.Success, "the login form carries an antiforgery token");
        var fields = new Dictionary<string, string> { ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value), ["ApiKey"] = key };
        if (returnUrl is not null) fields["ReturnUrl"] = returnUrl;
        return await client.PostAsync("/dashboard/login", new FormUrlEncodedContent(fields));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
