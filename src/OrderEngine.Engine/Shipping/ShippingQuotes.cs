using System.Collections.Immutable;
using Akka.Actor;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Products;
using OrderEngine.Domain.ShippingMethods;

namespace OrderEngine.Engine.Shipping;

/// <summary>
/// Puts together what the shipping choice needs for an order — the rules in force and the products of its lines — and
/// runs <see cref="ShippingChooser"/>. Used by GET /api/orders/{id}/shipping-options, and by an order entity when it is
/// paid (it pipes <see cref="QuoteAsync(OrderView, DateTimeOffset, CancellationToken)"/> to itself).
/// The rules are cached on each node for <see cref="RulesRefresh"/>: a change made through one node is used there at
/// once and on the others within that time.
/// </summary>
public sealed class ShippingQuotes(IActorRef products, IActorRef rules, TimeSpan askTimeout, TimeProvider clock, TimeSpan? rulesRefresh = null)
{
    private sealed record Cached(ShippingRulesAnswer Answer, DateTimeOffset FetchedAt);

    private volatile Cached? _cached;

    /// <summary>How long a node uses the rules it last read before asking the rules entity again.</summary>
    public TimeSpan RulesRefresh { get; } = rulesRefresh ?? TimeSpan.FromSeconds(5);

    /// <summary>The rules in force, from this node's cache when fresh.</summary>
    public async Task<ShippingRulesAnswer> RulesAsync(CancellationToken ct)
    {
        var cached = _cached;
        var now = clock.GetUtcNow();
        if (cached is not null && now - cached.FetchedAt < RulesRefresh) return cached.Answer;
        return Remember(await rules.Ask<ShippingRulesAnswer>(GetShippingRules.Instance, askTimeout, ct), now);
    }

    /// <summary>The rules as the rules entity has them now (no cache), remembered for later quotes.</summary>
    public async Task<ShippingRulesAnswer> CurrentRulesAsync(CancellationToken ct) =>
        Remember(await rules.Ask<ShippingRulesAnswer>(GetShippingRules.Instance, askTimeout, ct), clock.GetUtcNow());

    /// <summary>Replaces the rules (answered with the rules in force, or the refusal naming every problem).</summary>
    public async Task<IShippingRulesMessage> SetRulesAsync(ShippingRules newRules, string? by, CancellationToken ct)
    {
        var reply = await rules.Ask<IShippingRulesMessage>(new SetShippingRules(newRules, by), askTimeout, ct);
        if (reply is ShippingRulesAnswer answer) Remember(answer, clock.GetUtcNow());
        return reply;
    }

    /// <summary>The judged methods and the automatic choice for an order, as of now.</summary>
    public Task<ShippingQuote> QuoteAsync(OrderView order, CancellationToken ct) => QuoteAsync(order, clock.GetUtcNow(), ct);

    /// <summary>The judged methods and the automatic choice for an order at <paramref name="now"/>.</summary>
    public async Task<ShippingQuote> QuoteAsync(OrderView order, DateTimeOffset now, CancellationToken ct)
    {
        var skus = order.Lines.Where(l => l.RejectionCode is null).Select(l => l.Sku).Distinct(StringComparer.Ordinal);
        var productsTask = ProductsAsync(skus, ct);
        var answer = await RulesAsync(ct);
        return ShippingChooser.Quote(answer.Rules, ShipmentFacts.From(order, await productsTask), now);
    }

    /// <summary>
    /// For an entity: quotes the order and tells <paramref name="replyTo"/> <see cref="ShippingQuoteReady"/> (or
    /// <see cref="ShippingQuoteFailed"/> when the rules or a product did not answer in time), never blocking the caller.
    /// </summary>
    public void QuoteFor(OrderView order, DateTimeOffset now, IActorRef replyTo) =>
        QuoteAsync(order, now, CancellationToken.None).PipeTo(replyTo,
            success: quote => new ShippingQuoteReady(order.Id, now, quote),
            failure: ex => new ShippingQuoteFailed(order.Id, ex.GetBaseException().Message));

    /// <summary>Each SKU's weight and size from its product entity; null for a SKU never defined.</summary>
    public async Task<ImmutableDictionary<string, ProductSpec?>> ProductsAsync(IEnumerable<string> skus, CancellationToken ct)
    {
        var asks = skus.Select(async sku => (sku, reply: await products.Ask<IProductReply>(new GetProduct(sku), askTimeout, ct))).ToList();
        var answers = await Task.WhenAll(asks);
        return answers.ToImmutableDictionary(
            a => a.sku,
            a => a.reply is ProductAccepted { View: var v } ? new ProductSpec(v.WeightKg, v.Dimensions) : null,
            StringComparer.Ordinal);
    }

    private ShippingRulesAnswer Remember(ShippingRulesAnswer answer, DateTimeOffset at)
    {
        // Never replace a newer version with an older answer that was in flight.
        var cached = _cached;
        if (cached is null || answer.Version >= cached.Answer.Version) _cached = new Cached(answer, at);
        return answer;
    }
}

/// <summary>The answer to <see cref="ShippingQuotes.QuoteFor"/>: the quote for an order as of <paramref name="At"/>. Local to a node (never persisted).</summary>
public sealed record ShippingQuoteReady(string OrderId, DateTimeOffset At, ShippingQuote Quote);

/// <summary><see cref="ShippingQuotes.QuoteFor"/> could not gather the rules or products in time; ask again later.</summary>
public sealed record ShippingQuoteFailed(string OrderId, string Reason);
