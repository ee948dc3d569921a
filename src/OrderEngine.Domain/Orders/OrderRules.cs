using System.Collections.Immutable;
using OrderEngine.Domain.Payments;

namespace OrderEngine.Domain.Orders;

/// <summary>The configurable limits and policies the order decider applies.</summary>
public sealed record OrderRules(
    TimeSpan HoldTime,
    int MaxLines = 100,
    int MaxLineQuantity = 10_000,
    ReviewRules? Review = null,
    AnomalyPolicy OnPaymentAnomaly = AnomalyPolicy.Refund)
{
    public static readonly OrderRules Default = new(TimeSpan.FromMinutes(15));

    /// <summary>The largest unit price accepted; far above any real price and far below decimal overflow.</summary>
    public const decimal MaxUnitPrice = 1_000_000_000m;

    /// <summary>The shortest and longest hold a placement may ask for itself (<see cref="PlaceOrder.HoldFor"/>).</summary>
    public static readonly TimeSpan MinHoldFor = TimeSpan.FromSeconds(1);

    /// <inheritdoc cref="MinHoldFor"/>
    public static readonly TimeSpan MaxHoldFor = TimeSpan.FromDays(30);

    public ReviewRules ReviewRules => Review ?? ReviewRules.None;
}

/// <summary>
/// The automatic review: rules that hold an order for a person instead of letting it proceed. (The per-buyer limit of
/// a flash sale refuses outright and lives with the SKU's stock: <c>SetPurchaseLimit</c>.)
/// </summary>
public sealed record ReviewRules(
    ImmutableDictionary<string, decimal> HoldAboveTotal,
    ImmutableHashSet<string> ServedCountries,
    bool RequireCompleteAddress,
    ImmutableHashSet<string> BlockedCustomers,
    int? MaxOrdersPerCustomer,
    TimeSpan OrdersWindow,
    TimeSpan ReviewWithin)
{
    public static readonly ReviewRules None = new(
        ImmutableDictionary<string, decimal>.Empty, ImmutableHashSet<string>.Empty, false, ImmutableHashSet<string>.Empty,
        null, TimeSpan.FromHours(1), TimeSpan.FromHours(24));

    /// <summary>Why this order must be held (empty: it may proceed).</summary>
    /// <param name="recentOrders">Orders the customer placed within <see cref="OrdersWindow"/>, this one included; null when not counted.</param>
    public ImmutableArray<string> Evaluate(OrderPlaced order, int? recentOrders)
    {
        var reasons = ImmutableArray.CreateBuilder<string>();
        if (HoldAboveTotal.TryGetValue(order.Currency, out var threshold) && order.Total > threshold)
            reasons.Add($"total {order.Total} {order.Currency} is above the review threshold of {threshold} {order.Currency}");
        var address = order.ShippingAddress;
        if (ServedCountries.Count > 0 && address?.Country is { } country && !ServedCountries.Contains(country))
            reasons.Add($"shipping country {country} is not served");
        if (RequireCompleteAddress && MissingAddressParts(address) is { Count: > 0 } missing)
            reasons.Add("incomplete shipping address: " + string.Join(", ", missing) + " missing");
        if (BlockedCustomers.Contains(order.CustomerId))
            reasons.Add($"customer {order.CustomerId} is on the block list");
        if (MaxOrdersPerCustomer is { } max && recentOrders > max)
            reasons.Add($"customer {order.CustomerId} placed {recentOrders} orders within {OrdersWindow}; more than {max}");
        return reasons.ToImmutable();
    }

    private static List<string> MissingAddressParts(Address? a)
    {
        var missing = new List<string>();
        if (string.IsNullOrWhiteSpace(a?.Name)) missing.Add("name");
        if (string.IsNullOrWhiteSpace(a?.Line1)) missing.Add("line1");
        if (string.IsNullOrWhiteSpace(a?.City)) missing.Add("city");
        if (string.IsNullOrWhiteSpace(a?.PostalCode)) missing.Add("postalCode");
        if (string.IsNullOrWhiteSpace(a?.Country)) missing.Add("country");
        return missing;
    }
}
