namespace OrderEngine.Domain.Orders;

/// <summary>The configurable limits the order decider applies.</summary>
public sealed record OrderRules(TimeSpan HoldTime, int MaxLines = 100, int MaxLineQuantity = 10_000)
{
    public static readonly OrderRules Default = new(TimeSpan.FromMinutes(15));

    /// <summary>The largest unit price accepted; far above any real price and far below decimal overflow.</summary>
    public const decimal MaxUnitPrice = 1_000_000_000m;
}
