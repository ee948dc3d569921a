using System.Collections.Immutable;
using OrderEngine.Domain.Orders;

namespace OrderEngine.Domain.ShippingMethods;

/// <summary>Where the rules in force came from.</summary>
public enum ShippingRulesSource
{
    /// <summary>The node's configuration (OrderEngine:Shipping): no rules were ever set through the API.</summary>
    Configuration,
    /// <summary>Set through PUT /api/shipping/rules, durable, in force on every node whatever their configuration says.</summary>
    Api,
}

/// <summary>The rules in force: the configured ones (version 0) until rules are set through the API.</summary>
public sealed record ShippingRulesState(ShippingRules Rules, long Version, ShippingRulesSource Source, string? By, DateTimeOffset? UpdatedAt)
{
    public static ShippingRulesState FromConfiguration(ShippingRules configured) => new(configured, 0, ShippingRulesSource.Configuration, null, null);

    public ShippingRulesAnswer ToAnswer() => new(Rules, Version, Source, By, UpdatedAt);
}

/// <summary>The rules in force with their version: what GET /api/shipping/rules shows and what quotes use.</summary>
public sealed record ShippingRulesAnswer(ShippingRules Rules, long Version, ShippingRulesSource Source, string? By, DateTimeOffset? UpdatedAt) : IShippingRulesMessage;

/// <summary>Rules that were refused, with every problem; nothing changed.</summary>
public sealed record ShippingRulesRefused(string Message, ImmutableArray<FieldError> Errors) : IShippingRulesMessage;
