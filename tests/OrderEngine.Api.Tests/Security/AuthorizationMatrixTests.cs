using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;

namespace OrderEngine.Api.Tests.Security;

/// <summary>
/// The authorization matrix: every endpoint the node serves (read from its EndpointDataSource) × every role and no
/// credentials. The expected outcome of each pair comes from the table below (docs/security.md, "Roles and what they
/// may do"), never from the node: a role the table allows must get past authorization (any answer but 401/403), one it
/// does not gets 403, no credentials get 401, and an anonymous endpoint answers without credentials. An endpoint the
/// table does not name fails the test, so a new endpoint cannot ship without a decision.
/// </summary>
public sealed class AuthorizationMatrixTests(EngineFixture engine) : IClassFixture<EngineFixture>
{
    // Who gets past each policy, among the roles tried (the route's channel is shopify, courier c1, restaurant r1).
    private static readonly string[] AllRoles =
        ["admin", "operator", "warehouse", "reporting", "channel:shopify", "channel:amazon", "courier", "courier:c1", "courier:c2", "restaurant", "restaurant:r1", "restaurant:r2"];
    private static readonly string[] Anonymous = AllRoles;
    private static readonly string[] Admin = ["admin"];
    private static readonly string[] Operator = ["admin", "operator"];
    private static readonly string[] Warehouse = ["admin", "warehouse"];
    private static readonly string[] Reporting = ["admin", "operator", "reporting"];
    private static readonly string[] Read = ["admin", "operator", "warehouse", "reporting"];
    private static readonly string[] OrderRead = ["admin", "operator", "warehouse", "reporting", "channel:shopify", "channel:amazon"];
    private static readonly string[] PlaceOrder = ["admin", "channel:shopify"]; // the body names channel shopify
    private static readonly string[] ShopifyIntake = ["admin", "channel:shopify"];
    private static readonly string[] AmazonIntake = ["admin", "channel:amazon"];
    private static readonly string[] ShopifyRead = ["admin", "operator", "channel:shopify"];
    private static readonly string[] Courier = ["admin", "courier", "courier:c1"];
    private static readonly string[] Restaurant = ["admin", "restaurant", "restaurant:r1"];

    /// <summary>By operationId: who may call it.</summary>
    private static readonly Dictionary<string, string[]> ByOperation = new()
    {
        ["placeOrder"] = PlaceOrder,
        ["getOrder"] = OrderRead,
        ["searchOrders"] = Read,
        ["getOrderEvents"] = Read,
        ["payOrder"] = Operator,
        ["cancelOrder"] = Operator,
        ["reviewOrder"] = Operator,
        ["refundOrder"] = Operator,
        ["recordRefundOutcome"] = Operator,
        ["getShippingOptions"] = Read,
        ["setShippingMethod"] = Operator,
        ["shipOrder"] = Warehouse,
        ["getOrderTracking"] = Read,
        ["receiveCarrierWebhook"] = Anonymous,
        ["receivePaymentWebhook"] = Anonymous,
        ["requestReturn"] = Operator,
        ["getReturn"] = Read,
        ["getReturnTracking"] = Read,
        ["approveReturn"] = Operator,
        ["rejectReturn"] = Operator,
        ["recordReturnShipment"] = Operator,
        ["receiveReturn"] = Warehouse,
        ["inspectReturn"] = Warehouse,
        ["resolveReturn"] = Operator,
        ["openCase"] = Operator,
        ["listOrderCases"] = Operator,
        ["listCases"] = Operator,
        ["getCase"] = Operator,
        ["startCase"] = Operator,
        ["addCaseMessage"] = Operator,
        ["takeCaseAction"] = Operator,
        ["resolveCase"] = Operator,
        ["closeCase"] = Operator,
        ["reopenCase"] = Operator,
        ["getStock"] = Read,
        ["setStock"] = Warehouse,
        ["adjustStock"] = Warehouse,
        ["setPurchaseLimit"] = Warehouse,
        ["setLowStockThreshold"] = Warehouse,
        ["setReplenishmentSettings"] = Warehouse,
        ["listStockAlerts"] = Read,
        ["getReplenishment"] = Read,
        ["putProduct"] = Warehouse,
        ["getProduct"] = Read,
        ["getShippingRules"] = Read,
        ["putShippingRules"] = Admin,
        ["receiveShopifyOrder"] = Anonymous,
        ["receiveWooCommerceOrder"] = Anonymous,
        ["receiveAmazonOrder"] = AmazonIntake,
        ["submitChannelFeed"] = ShopifyIntake,
        ["listChannels"] = Reporting,
        ["listQuarantine"] = ShopifyRead,
        ["retryQuarantined"] = Operator,
        ["reconcileChannel"] = ShopifyRead,
        ["getSalesReport"] = Reporting,
        ["getInventoryReport"] = Reporting,
        ["getCustomersReport"] = Reporting,
        ["listProjections"] = Reporting,
        ["rebuildProjection"] = Admin,
        ["erasePersonalData"] = Admin,
        ["getPersonalDataStatus"] = Admin,
        ["getCustomerIdOfEmail"] = Admin,
        ["createApiKey"] = Admin,
        ["listApiKeys"] = Admin,
        ["revokeApiKey"] = Admin,
        ["createWebhookSubscription"] = Admin,
        ["listWebhookSubscriptions"] = Admin,
        ["getWebhookSubscription"] = Admin,
        ["deleteWebhookSubscription"] = Admin,
        ["replayDeadWebhookDeliveries"] = Admin,
        ["listWebhookDeliveries"] = Admin,
        ["replayWebhookDelivery"] = Admin,
        ["getZoneOfPoint"] = Read,
        ["putZone"] = Operator,
        ["getZone"] = Read,
        ["putCourier"] = Operator,
        ["getCourier"] = Courier,
        ["courierOnline"] = Courier,
        ["courierOffline"] = Courier,
        ["reportCourierPosition"] = Courier,
        ["acceptOffer"] = Courier,
        ["declineOffer"] = Courier,
        ["pickUpDelivery"] = Courier,
        ["deliverDelivery"] = Courier,
        ["putRestaurant"] = Operator,
        ["getRestaurant"] = Restaurant,
        ["pauseRestaurant"] = Restaurant,
        ["resumeRestaurant"] = Restaurant,
        ["acceptKitchenOrder"] = Restaurant,
        ["rejectKitchenOrder"] = Restaurant,
    };

    /// <summary>The endpoints without an operationId (not in the OpenAPI document), by method and route: all anonymous.</summary>
    private static readonly HashSet<string> UnnamedAnonymous =
    [
        "GET /health/live", "GET /health/ready", "GET /openapi/{documentName}.json", "GET /scalar/scalar.js", "GET /scalar/scalar.aspnetcore.js", "GET /scalar/favicon.svg", "GET /scalar/{documentName?}", "GET /metrics",
        "GET /bootstrap/seed-nodes",
    ];

    private sealed record Target(string Key, string Method, string Path, string[] Allowed, bool DeclaredAnonymous, string? Policy);

    private List<Target> Targets()
    {
        var endpoints = engine.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        var targets = new List<Target>();
        var unknown = new List<string>();
        foreach (var endpoint in endpoints)
        {
            // The dashboard's pages, circuit, static assets and login (never under /api) are guarded by its cookie, not by
            // this table: DashboardAccessTests covers them.
            if (endpoint.Metadata.GetMetadata<OrderEngine.Api.Dashboard.DashboardSetup.DashboardEndpoint>() is not null) continue;
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            var pattern = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
            var name = endpoint.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName;
            foreach (var method in methods)
            {
                var key = name ?? $"{method} {pattern}";
                string[]? allowed = name is not null
                    ? ByOperation.GetValueOrDefault(name)
                    : UnnamedAnonymous.Contains(key) ? Anonymous : null;
                if (allowed is null) { unknown.Add(key); continue; }
                var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null
                                || (name is null && endpoint.Metadata.GetMetadata<IAuthorizeData>() is null);
                targets.Add(new Target(key, method, Path(endpoint.RoutePattern), allowed, anonymous,
                    endpoint.Metadata.GetMetadata<IAuthorizeData>()?.Policy));
            }
        }
        Assert.True(unknown.Count == 0, "endpoints the authorization matrix does not name (decide their policy in EndpointAccess and here): " + string.Join(", ", unknown));
        return targets;
    }

    /// <summary>A concrete path: the channel shopify, courier c1, restaurant r1, any other parameter x1.</summary>
    private static string Path(RoutePattern pattern)
    {
        var restaurants = pattern.RawText!.Contains("/restaurants/");
        var segments = pattern.PathSegments.Select(s => string.Concat(s.Parts.Select(p => p switch
        {
            RoutePatternLiteralPart l => l.Content,
            RoutePatternSeparatorPart sep => sep.Content,
            RoutePatternParameterPart { IsCatchAll: true } => "",
            RoutePatternParameterPart { Name: "channel" } => "shopify",
            RoutePatternParameterPart { Name: "courierId" } => "c1",
            RoutePatternParameterPart { Name: "id" } when restaurants => "r1",
            RoutePatternParameterPart { Name: "documentName" } => "v1",
            RoutePatternParameterPart => "x1",
            _ => "",
        })));
        return "/" + string.Join('/', segments);
    }

    [Fact]
    public void Every_endpoint_is_named_by_the_matrix_and_declares_its_policy_or_anonymous()
    {
        var targets = Targets();
        Assert.True(targets.Count > 80, $"only {targets.Count} endpoints found");
        foreach (var t in targets)
        {
            var anonymous = t.Allowed == Anonymous;
            Assert.True(anonymous == t.DeclaredAnonymous, $"{t.Key}: the matrix says {(anonymous ? "anonymous" : "a role is required")}, the endpoint {(t.DeclaredAnonymous ? "is anonymous" : "requires " + t.Policy)}");
            if (!anonymous) Assert.False(string.IsNullOrEmpty(t.Policy), $"{t.Key} has no policy");
        }
        // Every operation of the table is served (a renamed operation must be renamed here too).
        var served = targets.Select(t => t.Key).ToHashSet();
        var missing = ByOperation.Keys.Where(k => !served.Contains(k)).ToList();
        Assert.True(missing.Count == 0, "operations in the matrix that the node does not serve: " + string.Join(", ", missing));
    }

    [Fact]
    public async Task Every_endpoint_answers_every_role_and_no_credentials_as_the_matrix_says()
    {
        var failures = new List<string>();
        foreach (var t in Targets())
        {
            var anonymous = t.Allowed == Anonymous;
            var none = await SendAsync(t, roles: null);
            if (anonymous ? IsAuthorizationRefusal(none) : none.Status != 401)
                failures.Add($"{t.Method} {t.Path} ({t.Key}) without credentials: {none.Status}, expected {(anonymous ? "an answer" : "401")}");
            if (anonymous) continue;
            foreach (var role in AllRoles)
            {
                var answer = await SendAsync(t, role);
                var allowed = t.Allowed.Contains(role);
                if (allowed ? answer.Status is 401 or 403 : answer.Status != 403)
                    failures.Add($"{t.Method} {t.Path} ({t.Key}) as {role}: {answer.Status}, expected {(allowed ? "past authorization" : "403")}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private sealed record Answer(int Status, string? ContentType);

    // The authorization layer's 401/403 carry no problem body of a handler (a signed webhook's own 401 does).
    private static bool IsAuthorizationRefusal(Answer a) => a.Status == 403 || (a.Status == 401 && a.ContentType != "application/problem+json");

    private async Task<Answer> SendAsync(Target t, string? roles)
    {
        using var request = new HttpRequestMessage(new HttpMethod(t.Method), t.Path);
        if (t.Method is "POST" or "PUT" or "PATCH") request.Content = new StringContent(t.Key == "placeOrder" ? """{"channel":"shopify"}""" : "{}", System.Text.Encoding.UTF8, "application/json");
        if (roles is not null) request.As(engine.Services, roles);
        using var client = engine.CreateAnonymousClient();
        using var response = await client.SendAsync(request);
        return new Answer((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType);
    }
}
