using Akka.Actor;
using Akka.TestKit.Xunit2;
using OrderEngine.Domain.ShippingMethods;
using OrderEngine.Engine.Shipping;

namespace OrderEngine.Engine.Tests;

public sealed class ShippingRulesActorTests() : TestKit(TestConfig.WithTestJournal)
{
    private static readonly ShippingRules Configured = ShippingDefaults.Document().ToRules();

    private IActorRef RulesEntity(ShippingRules configured) =>
        Sys.ActorOf(ShippingRulesActor.Props(configured, TimeSpan.FromMinutes(10), TimeProvider.System));

    private static Task<IShippingRulesMessage> Ask(IActorRef rules, IShippingRulesMessage message) =>
        rules.Ask<IShippingRulesMessage>(message, TimeSpan.FromSeconds(10));

    [Fact]
    public void The_default_rules_are_valid()
    {
        Assert.Empty(ShippingRulesValidator.Validate(Configured));
    }

    [Fact]
    public async Task Rules_set_through_the_api_survive_a_restart_and_win_over_the_configuration()
    {
        var rules = RulesEntity(Configured);
        var before = Assert.IsType<ShippingRulesAnswer>(await Ask(rules, GetShippingRules.Instance));
        Assert.Equal((0L, ShippingRulesSource.Configuration), (before.Version, before.Source));

        var cheaper = Configured with { Methods = [.. Configured.Methods.Where(m => m.Id != "freight")] };
        var set = Assert.IsType<ShippingRulesAnswer>(await Ask(rules, new SetShippingRules(cheaper, "alice")));
        Assert.Equal((1L, ShippingRulesSource.Api, "alice"), (set.Version, set.Source, set.By));
        var again = Assert.IsType<ShippingRulesAnswer>(await Ask(rules, new SetShippingRules(cheaper, "bob")));
        Assert.Equal((1L, "alice"), (again.Version, again.By));

        await rules.GracefulStop(TimeSpan.FromSeconds(5));
        rules = RulesEntity(Configured);

        var after = Assert.IsType<ShippingRulesAnswer>(await Ask(rules, GetShippingRules.Instance));
        Assert.Equal((1L, ShippingRulesSource.Api), (after.Version, after.Source));
        Assert.DoesNotContain(after.Rules.Methods, m => m.Id == "freight");
    }

    [Fact]
    public async Task Invalid_rules_are_refused_with_every_problem_and_change_nothing()
    {
        var rules = RulesEntity(Configured);
        var refused = Assert.IsType<ShippingRulesRefused>(await Ask(rules,
            new SetShippingRules(Configured with { Warehouse = Configured.Warehouse with { Country = "" }, Methods = [] }, "alice")));
        Assert.Equal(["methods", "warehouse.country"], refused.Errors.Select(e => e.Field).Order(StringComparer.Ordinal));
        var now = Assert.IsType<ShippingRulesAnswer>(await Ask(rules, GetShippingRules.Instance));
        Assert.Equal((0L, ShippingRulesSource.Configuration), (now.Version, now.Source));
    }
}
