namespace OrderEngine.Api.Security;

/// <summary>
/// The roles a principal can hold (one <see cref="System.Security.Claims.ClaimTypes.Role"/> claim each). Plain roles
/// name a job; scoped roles carry what they are limited to after a colon: <c>channel:{name}</c> (its own channel's
/// intake and reads), <c>courier:{courierId}</c> and <c>restaurant:{restaurantId}</c> (their own assignments). A plain
/// <c>courier</c> or <c>restaurant</c> acts for every courier or restaurant (a dispatch app's key). docs/security.md
/// ("Roles and what they may do") is the table of who may do what.
/// </summary>
public static class Roles
{
    public const string Admin = "admin";
    public const string Operator = "operator";
    public const string Warehouse = "warehouse";
    public const string Reporting = "reporting";
    public const string Courier = "courier";
    public const string Restaurant = "restaurant";

    public const string ChannelPrefix = "channel:";
    public const string CourierPrefix = "courier:";
    public const string RestaurantPrefix = "restaurant:";

    /// <summary>The plain roles, in the order docs/security.md lists them.</summary>
    public static readonly IReadOnlyList<string> Plain = [Admin, Operator, Warehouse, Reporting, Courier, Restaurant];

    public static string Channel(string name) => ChannelPrefix + name;
    public static string CourierOf(string courierId) => CourierPrefix + courierId;
    public static string RestaurantOf(string restaurantId) => RestaurantPrefix + restaurantId;

    /// <summary>A role string a key or token may carry: a plain role or a scoped one with a non-empty scope.</summary>
    public static bool IsValid(string? role) =>
        role is { Length: > 0 and <= 200 }
        && !role.Any(char.IsWhiteSpace) && !role.Any(char.IsControl)
        && (Plain.Contains(role)
            || Scoped(role, ChannelPrefix) is not null || Scoped(role, CourierPrefix) is not null || Scoped(role, RestaurantPrefix) is not null);

    /// <summary>The scope of <paramref name="role"/> under <paramref name="prefix"/> ("channel:shopify" → "shopify"), or null.</summary>
    public static string? Scoped(string role, string prefix) =>
        role.StartsWith(prefix, StringComparison.Ordinal) && role.Length > prefix.Length ? role[prefix.Length..] : null;
}
