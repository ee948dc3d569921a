namespace OrderEngine.Domain.ShippingMethods;

/// <summary>A fact about the shipping rules, persisted in the rules entity's journal.</summary>
public interface IShippingRulesEvent : IShippingRulesMessage
{
    DateTimeOffset At { get; }
}

/// <summary>The rules were replaced through the API; <paramref name="Version"/> counts the replacements (configuration is version 0).</summary>
public sealed record ShippingRulesSet(ShippingRules Rules, long Version, string? By, DateTimeOffset At) : IShippingRulesEvent;
