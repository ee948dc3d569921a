using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using OrderEngine.Api.Dashboard.Components;
using OrderEngine.Api.Security;
using OrderEngine.Engine.Reports;
using Radzen;

namespace OrderEngine.Api.Dashboard;

/// <summary>
/// The operator dashboard (docs/dashboard.md): a Blazor Web App in Interactive Server mode served by the node itself under
/// /dashboard. Operators log in with an API key on /dashboard/login; the node checks it as the API does and keeps the
/// key's roles in a cookie of its own scheme ("Dashboard"), which only the dashboard's pages, its SignalR circuit and its
/// CSV downloads accept (the /api endpoints keep X-Api-Key and bearer tokens and never read the cookie).
/// </summary>
public static class DashboardSetup
{
    public const string Scheme = "Dashboard";
    public const string Policy = "Dashboard";
    public const string CookieName = "oe_dashboard";
    public const string LoginPath = "/dashboard/login";

    public static WebApplicationBuilder AddDashboard(this WebApplicationBuilder builder)
    {
        // The component library's script and styles come from its package (static web assets): from the build output
        // under dotnet run and the tests, from wwwroot once published. No CDN is used.
        builder.WebHost.UseStaticWebAssets();
        // A node serves the assets it was built with. Left on (the default when running from the build output), static
        // assets' development support would also map a catch-all "{**path:file}" route serving any file under wwwroot.
        if (builder.Configuration["ReloadStaticAssetsAtRuntime"] is null) builder.Configuration["ReloadStaticAssetsAtRuntime"] = "false";
        var services = builder.Services;
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddRadzenComponents();
        services.AddCascadingAuthenticationState();
        services.AddAuthentication().AddCookie(Scheme, o =>
        {
            o.LoginPath = LoginPath;
            o.AccessDeniedPath = LoginPath;
            o.LogoutPath = "/dashboard/logout";
            o.ReturnUrlParameter = "returnUrl";
            o.Cookie.Name = CookieName;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.ExpireTimeSpan = TimeSpan.FromHours(8);
            o.SlidingExpiration = true;
            o.Events.OnValidatePrincipal = DashboardAccess.ValidatePrincipalAsync;
        });
        services.AddAuthorization(o => o.AddPolicy(Policy, p => p
            .AddAuthenticationSchemes(Scheme)
            .RequireAuthenticatedUser()
            .RequireAssertion(c => DashboardAccess.MayUseDashboard(c.User))));
        services.AddScoped<DashboardAccess>();
        services.AddScoped<DashboardData>();
        services.AddSingleton<OrderFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<OrderFeed>());
        services.AddSingleton<RefusalCounter>();
        return builder;
    }

    public static WebApplication MapDashboard(this WebApplication app)
    {
        app.Services.GetRequiredService<RefusalCounter>(); // counting from the start
        app.UseAntiforgery();
        // The component library's script and styles, and Blazor's own script: no data, open to anyone.
        app.MapStaticAssets().AllowAnonymous().WithMetadata(DashboardEndpoint.Instance);
        // Every page and the circuit's hub need a dashboard cookie; the login page allows anonymous callers.
        app.MapRazorComponents<App>()
            .AddInteractiveServerRenderMode()
            .RequireAuthorization(Policy)
            .WithMetadata(DashboardEndpoint.Instance);
        // Open to anyone, but read with the cookie scheme like the login page itself (whose form token is made for the user
        // the cookie names, when there is one): logging in again with another key must pass the form token check.
        app.MapPost(LoginPath, LoginAsync).RequireAuthorization(Policy).AllowAnonymous().ExcludeFromDescription().WithMetadata(DashboardEndpoint.Instance);
        app.MapPost("/dashboard/logout", (Delegate)LogoutAsync).RequireAuthorization(Policy).ExcludeFromDescription().WithMetadata(DashboardEndpoint.Instance);
        app.MapGet("/dashboard/export/sales.csv", SalesCsvAsync).RequireAuthorization(Policy).ExcludeFromDescription().WithMetadata(DashboardEndpoint.Instance);
        return app;
    }

    /// <summary>
    /// Marks the dashboard's own endpoints (pages, circuit hub, static assets, login, logout, CSV): they are guarded by the
    /// <see cref="Policy"/> (the cookie) or are anonymous, never by the API's table of operations.
    /// </summary>
    public sealed class DashboardEndpoint
    {
        public static readonly DashboardEndpoint Instance = new();

        private DashboardEndpoint()
        {
        }
    }

    /// <summary>The login form's fields.</summary>
    public sealed class LoginForm
    {
        public string? ApiKey { get; set; }
        public string? ReturnUrl { get; set; }
    }

    private static async Task<IResult> LoginAsync([FromForm] LoginForm form, HttpContext http, DashboardAccess access, CancellationToken ct)
    {
        var principal = await access.SignInPrincipalAsync(form.ApiKey, ct);
        if (principal is null) return TypedResults.Redirect(LoginPath + "?failed=1");
        await http.SignInAsync(Scheme, principal, new AuthenticationProperties { IsPersistent = false });
        // Only a local dashboard address is followed after the login (no open redirect).
        var target = form.ReturnUrl is { Length: > 0 } r && r.StartsWith("/dashboard", StringComparison.Ordinal) && !r.StartsWith("//", StringComparison.Ordinal)
            ? r
            : "/dashboard";
        return TypedResults.Redirect(target);
    }

    private static async Task<IResult> LogoutAsync(HttpContext http)
    {
        await http.SignOutAsync(Scheme);
        return TypedResults.Redirect(LoginPath);
    }

    /// <summary>The sales report as CSV (the same columns as GET /api/reports/sales with Accept: text/csv).</summary>
    private static async Task<IResult> SalesCsvAsync(HttpContext http, ReportStore store, CancellationToken ct)
    {
        if (!DashboardAccess.Allows(http.User, DashboardAction.Reports)) return TypedResults.Forbid();
        var groupBy = http.Request.Query["groupBy"].ToString() is { Length: > 0 } g && Reports.ReportsEndpoints.Groupings.TryGetValue(g, out var grouping)
            ? grouping
            : SalesGrouping.Day;
        var name = Reports.ReportsEndpoints.Groupings.First(p => p.Value == groupBy).Key;
        var page = await store.SalesAsync(new SalesQuery(groupBy), ct);
        var csv = new Reports.CsvWriter("key", "currency", "orders", "units", "revenue", "refunded", "net");
        foreach (var r in page.Rows) csv.Row(r.Key, r.Currency, r.Orders, r.Units, r.Revenue, r.Refunded, r.Net);
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"sales-by-{name}.csv\"";
        return csv.ToResult();
    }
}
