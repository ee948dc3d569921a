using System.Security.Claims;
using OrderEngine.Api.Security;

namespace OrderEngine.Api.Tests.Security;

/// <summary>
/// A principal's roles, parsed once per key lookup, decide exactly as its role claims do: the principals the schemes
/// build and plain principals (a dashboard cookie's, read back from the cookie) get the same answers.
/// </summary>
public sealed class PrincipalRolesTests
{
    public static TheoryData<string[], string, string?, bool> Cases => new()
    {
        { ["admin"], Policies.Admin, null, true },
        { ["operator"], Policies.Admin, null, false },
        { ["operator"], Policies.Operator, null, true },
        { ["warehouse"], Policies.Operator, null, false },
        { ["reporting"], Policies.Read, null, true },
        { ["channel:web"], Policies.ChannelIntake, "web", true },
        { ["channel:web"], Policies.ChannelIntake, "shopify", false },
        { ["channel:web"], Policies.ChannelIntake, null, false },
        { ["channel:web"], Policies.OrderIntake, null, true },
        { ["channel:web"], Policies.Read, null, false },
        { ["operator", "channel:web"], Policies.ChannelRead, "shopify", true },
        { ["courier:c-1"], Policies.Courier, "c-1", true },
        { ["courier:c-1"], Policies.Courier, "c-2", false },
        { ["courier"], Policies.Courier, "c-2", true },
        { ["restaurant:r-1"], Policies.Restaurant, "r-1", true },
        { ["restaurant:r-1"], Policies.Courier, "r-1", false },
        { ["channel:"], Policies.OrderIntake, null, false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_built_principal_and_a_plain_one_with_the_same_role_claims_get_the_same_answer(string[] roles, string policy, string? scope, bool allowed)
    {
        var built = Principal.Of(ApiKeyAuthenticationHandler.SchemeName, "key-1", "k", roles);
        var identity = new ClaimsIdentity("Cookie", ClaimTypes.Name, ClaimTypes.Role);
        foreach (var role in roles) identity.AddClaim(new Claim(ClaimTypes.Role, role));
        var plain = new ClaimsPrincipal(identity);

        Assert.Equal(allowed, Principal.RolesOf(built).Allows(Policies.Matrix[policy], scope));
        Assert.Equal(allowed, Principal.RolesOf(plain).Allows(Policies.Matrix[policy], scope));
        Assert.Equal(allowed, Policies.Allows(policy, roles, scope));
    }

    [Fact]
    public void Acting_for_a_channel_takes_admin_one_of_the_other_roles_or_that_channel()
    {
        Assert.True(PrincipalRoles.Of(["admin"]).MayActForChannel("web", []));
        Assert.True(PrincipalRoles.Of(["channel:web"]).MayActForChannel("web", []));
        Assert.False(PrincipalRoles.Of(["channel:web"]).MayActForChannel("shopify", []));
        Assert.False(PrincipalRoles.Of(["channel:web"]).MayActForChannel(null, []));
        Assert.True(PrincipalRoles.Of(["reporting"]).MayActForChannel("shopify", [Roles.Reporting]));
        Assert.False(PrincipalRoles.Of(["reporting"]).MayActForChannel("shopify", [Roles.Operator]));
    }

    [Fact]
    public void Channel_and_admin_principals_share_the_intake_bucket_and_others_the_key_bucket()
    {
        Assert.Equal("c|id:key-1", Principal.Of(ApiKeyAuthenticationHandler.SchemeName, "key-1", "k", ["channel:web"]).RateLimitPartition);
        Assert.Equal("c|id:key-2", Principal.Of(ApiKeyAuthenticationHandler.SchemeName, "key-2", "k", ["admin"]).RateLimitPartition);
        Assert.Equal("k|id:sub-3", Principal.Of(AuthenticationSetup.BearerScheme, "sub-3", "ann", ["operator"]).RateLimitPartition);
        Assert.Equal("user:ann", Principal.Of(AuthenticationSetup.BearerScheme, "sub-3", "ann", ["operator"]).Actor);
    }
}
