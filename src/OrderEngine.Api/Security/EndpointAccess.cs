using Microsoft.AspNetCore.Authorization;

namespace OrderEngine.Api.Security;

/// <summary>
/// The one place that says which policy guards each operation (by its operationId, the endpoint's name). Every route
/// group and every endpoint mapped outside a group calls <see cref="WithAccess{TBuilder}"/>; an endpoint whose name is
/// not in <see cref="ByOperation"/> stops the node at start-up, so a new endpoint cannot ship without a decision.
/// <see cref="Anonymous"/> marks the operations whose authentication is something else (a signed webhook).
/// The endpoints that have no name (health, the OpenAPI document, the API reference, metrics, seed nodes) are
/// anonymous where they are mapped. docs/security.md ("Roles and what they may do") is this table for people.
/// </summary>
public static class EndpointAccess
{
    /// <summary>In <see cref="ByOperation"/>: no credentials needed (the signature of the request is its authentication).</summary>
    public const string Anonymous = "";

    public static readonly IReadOnlyDictionary<string, string> ByOperation = new Dictionary<string, string>
    {
        // orders
        ["placeOrder"] = Policies.OrderIntake,  // any channel role; the handler checks the body's channel
        ["getOrder"] = Policies.OrderRead,                 // a channel role: its own channel's orders only (handler)
        ["searchOrders"] = Policies.Read,
        ["getOrderEvents"] = Policies.Read,
        ["payOrder"] = Policies.Operator,
        ["cancelOrder"] = Policies.Operator,
        ["reviewOrder"] = Policies.Operator,
        ["refundOrder"] = Policies.Operator,
        ["recordRefundOutcome"] = Policies.Operator,
        ["getShippingOptions"] = Policies.Read,
        ["setShippingMethod"] = Policies.Operator,
        // shipments and carriers
        ["shipOrder"] = Policies.Warehouse,
        ["getOrderTracking"] = Policies.Read,
        ["receiveCarrierWebhook"] = Anonymous,
        // payments
        ["receivePaymentWebhook"] = Anonymous,
        // returns
        ["requestReturn"] = Policies.Operator,
        ["getReturn"] = Policies.Read,
        ["getReturnTracking"] = Policies.Read,
        ["approveReturn"] = Policies.Operator,
        ["rejectReturn"] = Policies.Operator,
        ["recordReturnShipment"] = Policies.Operator,
        ["receiveReturn"] = Policies.Warehouse,
        ["inspectReturn"] = Policies.Warehouse,
        ["resolveReturn"] = Policies.Operator,
        // cases
        ["openCase"] = Policies.Operator,
        ["listOrderCases"] = Policies.Operator,
        ["listCases"] = Policies.Operator,
        ["getCase"] = Policies.Operator,
        ["startCase"] = Policies.Operator,
        ["addCaseMessage"] = Policies.Operator,
        ["takeCaseAction"] = Policies.Operator,
        ["resolveCase"] = Policies.Operator,
        ["closeCase"] = Policies.Operator,
        ["reopenCase"] = Policies.Operator,
        // stock and products
        ["getStock"] = Policies.Read,
        ["setStock"] = Policies.Warehouse,
        ["adjustStock"] = Policies.Warehouse,
        ["setPurchaseLimit"] = Policies.Warehouse,
        ["setLowStockThreshold"] = Policies.Warehouse,
        ["setReplenishmentSettings"] = Policies.Warehouse,
        ["listStockAlerts"] = Policies.Read,
        ["getReplenishment"] = Policies.Read,
        ["putProduct"] = Policies.Warehouse,
        ["getProduct"] = Policies.Read,
        // shipping rules
        ["getShippingRules"] = Policies.Read,
        ["putShippingRules"] = Policies.Admin,
        // channels
        ["receiveShopifyOrder"] = Anonymous,
        ["receiveWooCommerceOrder"] = Anonymous,
        ["receiveAmazonOrder"] = Policies.ChannelIntake, // fixed channel "amazon" (ChannelOfEndpoint)
        ["submitChannelFeed"] = Policies.ChannelIntake,
        ["listChannels"] = Policies.Reporting,
        ["listQuarantine"] = Policies.ChannelRead,
        ["retryQuarantined"] = Policies.Operator,
        ["reconcileChannel"] = Policies.ChannelRead,
        // reports and projections
        ["getSalesReport"] = Policies.Reporting,
        ["getInventoryReport"] = Policies.Reporting,
        ["getCustomersReport"] = Policies.Reporting,
        ["listProjections"] = Policies.Reporting,
        ["rebuildProjection"] = Policies.Admin,
        // personal data
        ["erasePersonalData"] = Policies.Admin,
        ["getPersonalDataStatus"] = Policies.Admin,
        ["getCustomerIdOfEmail"] = Policies.Admin,
        // API keys
        ["createApiKey"] = Policies.Admin,
        ["listApiKeys"] = Policies.Admin,
        ["revokeApiKey"] = Policies.Admin,
        // outgoing webhooks
        ["createWebhookSubscription"] = Policies.Admin,
        ["listWebhookSubscriptions"] = Policies.Admin,
        ["getWebhookSubscription"] = Policies.Admin,
        ["deleteWebhookSubscription"] = Policies.Admin,
        ["replayDeadWebhookDeliveries"] = Policies.Admin,
        ["listWebhookDeliveries"] = Policies.Admin,
        ["replayWebhookDelivery"] = Policies.Admin,
        // dispatch
        ["getZoneOfPoint"] = Policies.Read,
        ["putZone"] = Policies.Operator,
        ["getZone"] = Policies.Read,
        ["putCourier"] = Policies.Operator,
        ["getCourier"] = Policies.Courier,
        ["courierOnline"] = Policies.Courier,
        ["courierOffline"] = Policies.Courier,
        ["reportCourierPosition"] = Policies.Courier,
        ["acceptOffer"] = Policies.Courier,
        ["declineOffer"] = Policies.Courier,
        ["pickUpDelivery"] = Policies.Courier,
        ["deliverDelivery"] = Policies.Courier,
        ["putRestaurant"] = Policies.Operator,
        ["getRestaurant"] = Policies.Restaurant,
        ["pauseRestaurant"] = Policies.Restaurant,
        ["resumeRestaurant"] = Policies.Restaurant,
        ["acceptKitchenOrder"] = Policies.Restaurant,
        ["rejectKitchenOrder"] = Policies.Restaurant,
    };

    /// <summary>The policy of an operation, or <see cref="Anonymous"/>.</summary>
    public static string PolicyOf(string operationId) =>
        ByOperation.TryGetValue(operationId, out var policy)
            ? policy
            : throw new InvalidOperationException($"endpoint '{operationId}' has no entry in EndpointAccess.ByOperation: decide its policy (or Anonymous) there");

    /// <summary>
    /// Applies the table to every endpoint of <paramref name="builder"/> (a group, or one endpoint): its policy, or
    /// AllowAnonymous. An endpoint without a name, or with one the table lacks, throws when the endpoints are built.
    /// </summary>
    public static TBuilder WithAccess<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.Finally(endpoint =>
        {
            if (endpoint.Metadata.OfType<IAllowAnonymous>().Any() || endpoint.Metadata.OfType<IAuthorizeData>().Any()) return;
            var name = endpoint.Metadata.OfType<IEndpointNameMetadata>().LastOrDefault()?.EndpointName
                       ?? throw new InvalidOperationException($"endpoint '{endpoint.DisplayName}' has no name (WithName): EndpointAccess needs its operationId");
            var policy = PolicyOf(name);
            endpoint.Metadata.Add(policy == Anonymous ? new AllowAnonymousAttribute() : new AuthorizeAttribute(policy));
        });
        return builder;
    }
}
