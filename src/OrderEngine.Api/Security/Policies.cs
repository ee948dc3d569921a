using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;

namespace OrderEngine.Api.Security;

/// <summary>
/// The authorization policies and the one table of which roles pass each (<see cref="Matrix"/>); docs/security.md
/// ("Roles and what they may do") shows the same table per endpoint. Admin passes every policy. A policy with a scope
/// also lets a scoped role through when its scope is the one the request is about: <c>channel:{name}</c> when the
/// route's channel (or the endpoint's fixed <see cref="ChannelOfEndpoint"/>) is that name, <c>courier:{id}</c> when the
/// route's courierId is that id, <c>restaurant:{id}</c> when the route's restaurant id is that id.
/// <see cref="Scope.AnyChannel"/> lets any channel role through to a handler that checks the channel itself (the one in
/// the body, or the order's).
/// </summary>
public static class Policies
{
    public const string Admin = "Admin";
    public const string Operator = "Operator";
    public const string Warehouse = "Warehouse";
    public const string Reporting = "Reporting";
    public const string Read = "Read";
    public const string ChannelIntake = "ChannelIntake";
    public const string OrderIntake = "OrderIntake";
    public const string ChannelRead = "ChannelRead";
    public const string OrderRead = "OrderRead";
    public const string Courier = "Courier";
    public const string Restaurant = "Restaurant";

    /// <summary>Besides <see cref="Rule.Roles"/>, which scoped roles a policy lets through.</summary>
    public enum Scope { None, Channel, AnyChannel, Courier, Restaurant }

    /// <summary>Who passes a policy: admin always, any of <paramref name="Roles"/>, or a scoped role matching <paramref name="Scope"/>.</summary>
    public sealed record Rule(IReadOnlyList<string> Roles, Scope Scope = Scope.None);

    /// <summary>The matrix: policy → rule. The single source the policies are built from.</summary>
    public static readonly IReadOnlyDictionary<string, Rule> Matrix = new Dictionary<string, Rule>
    {
        [Admin] = new([]),
        [Operator] = new([Roles.Operator]),
        [Warehouse] = new([Roles.Warehouse]),
        [Reporting] = new([Roles.Operator, Roles.Reporting]),
        [Read] = new([Roles.Operator, Roles.Warehouse, Roles.Reporting]),
        [ChannelIntake] = new([], Scope.Channel),
        [OrderIntake] = new([], Scope.AnyChannel),
        [ChannelRead] = new([Roles.Operator], Scope.Channel),
        [OrderRead] = new([Roles.Operator, Roles.Warehouse, Roles.Reporting], Scope.AnyChannel),
        [Courier] = new([Roles.Courier], Scope.Courier),
        [Restaurant] = new([Roles.Restaurant], Scope.Restaurant),
    };

    /// <summary>The route value a scope reads: the channel, the courier id, the restaurant id.</summary>
    public const string ChannelRouteValue = "channel";
    public const string CourierRouteValue = "courierId";
    public const string RestaurantRouteValue = "id";

    /// <summary>
    /// Whether <paramref name="roles"/> pass <paramref name="policy"/> for a request about <paramref name="scopeValue"/>
    /// (the route's channel, courier or restaurant; null when the route has none).
    /// </summary>
    public static bool Allows(string policy, IEnumerable<string> roles, string? scopeValue) =>
        PrincipalRoles.Of(roles).Allows(Matrix[policy], scopeValue);

    /// <summary>
    /// Whether <paramref name="user"/> may act for <paramref name="channel"/> (an order's, or one named in a body): admin,
    /// any role of <paramref name="alsoRoles"/>, or <c>channel:{channel}</c>. With security off every request may.
    /// </summary>
    public static bool MayActForChannel(this ClaimsPrincipal user, SecurityMode mode, string? channel, params string[] alsoRoles) =>
        !mode.Enabled || Principal.RolesOf(user).MayActForChannel(channel, alsoRoles);

    /// <summary>403: a channel role asked for another channel (the one in the body).</summary>
    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult ChannelForbidden(string? channel) =>
        OrderEngine.Api.Http.Problems.Of(403, "Forbidden", "Not allowed for this channel",
            $"the credentials act for other channels than '{channel ?? ""}': a channel key places and reads its own channel's orders only");

    public const string EnabledSetting = "OrderEngine:Security:Enabled";

    /// <summary>
    /// Registers the policies (and a default policy requiring an authenticated user). Authentication schemes are
    /// registered by the authentication setup. With <c>OrderEngine:Security:Enabled=false</c> every policy passes
    /// (a node behind its own gateway, or a test bed that does not exercise security).
    /// </summary>
    public static IServiceCollection AddOrderEngineAuthorization(this IServiceCollection services, IConfiguration configuration)
    {
        var enabled = configuration.GetValue(EnabledSetting, true);
        services.AddSingleton<IAuthorizationHandler, MatrixHandler>();
        services.AddAuthorization(o =>
        {
            if (!enabled)
            {
                var open = new AuthorizationPolicyBuilder().RequireAssertion(_ => true).Build();
                o.DefaultPolicy = open;
                foreach (var name in Matrix.Keys) o.AddPolicy(name, open);
                return;
            }
            o.DefaultPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();
            foreach (var name in Matrix.Keys)
                o.AddPolicy(name, p => p.RequireAuthenticatedUser().AddRequirements(new MatrixRequirement(name)));
        });
        services.AddSingleton(new SecurityMode(enabled));
        return services;
    }

    /// <summary>Whether security is on (registered so handlers can tell a principal-less request of a node with security off).</summary>
    public sealed record SecurityMode(bool Enabled);

    /// <summary>The requirement of one policy of the <see cref="Matrix"/>.</summary>
    public sealed record MatrixRequirement(string Policy) : IAuthorizationRequirement
    {
        /// <summary>The policy's rule, looked up once.</summary>
        public Rule Rule { get; } = Matrix[Policy];
    }

    /// <summary>Endpoint metadata: the channel an endpoint is about when its route does not name it (Amazon intake).</summary>
    public sealed record ChannelOfEndpoint(string Channel);

    private sealed class MatrixHandler : AuthorizationHandler<MatrixRequirement>
    {
        protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, MatrixRequirement requirement)
        {
            var http = context.Resource as HttpContext;
            var scope = requirement.Rule.Scope switch
            {
                Scope.Channel => http?.GetEndpoint()?.Metadata.GetMetadata<ChannelOfEndpoint>()?.Channel
                                 ?? http?.GetRouteValue(ChannelRouteValue) as string,
                Scope.Courier => http?.GetRouteValue(CourierRouteValue) as string,
                Scope.Restaurant => http?.GetRouteValue(RestaurantRouteValue) as string,
                _ => null,
            };
            if (Principal.RolesOf(context.User).Allows(requirement.Rule, scope)) context.Succeed(requirement);
            return Task.CompletedTask;
        }
    }
}
