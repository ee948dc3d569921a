using System.Collections.Concurrent;
using System.Collections.Immutable;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Options;
using OrderEngine.Domain.Orders;
using OrderEngine.Domain.Stock;
using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.Sharding;
using OrderEngine.Engine.Stock;
using OrderEngine.Engine.Telemetry;

namespace OrderEngine.Engine.Orders;

/// <summary>
/// The way in for every placement on this node (HTTP and channel intake alike). It refuses what must not reach an
/// order entity: more placements of one SKU in flight than <see cref="OrdersOptions.MaxInFlightPerSku"/> (answered
/// <see cref="OrderRejectionCode.Overloaded"/>, so a flash sale's crowd gets a prompt "retry later" instead of a queue
/// whose latency grows without bound), and placements of SKUs that are sold out — judged by each such SKU's stock entity,
/// without starting an order entity or writing anything. Everything else is asked of the order entity.
/// </summary>
public sealed class PlacementGate
{
    private readonly ActorRegistry _registry;
    private readonly SoldOutBoard _board;
    private readonly OrderRules _rules;
    private readonly TimeSpan _askTimeout;
    private readonly int _maxInFlightPerSku;
    private readonly ConcurrentDictionary<string, int> _inFlight = new(StringComparer.Ordinal);
    private IActorRef? _orders;
    private IActorRef? _stock;

    private readonly Database.DatabaseMonitor? _database;

    public PlacementGate(ActorRegistry registry, SoldOutBoard board, IOptions<OrderEngineOptions> options, Database.DatabaseMonitor? database = null)
    {
        _database = database;
        var o = options.Value;
        _registry = registry;
        _board = board;
        _rules = o.Orders.ToRules(o.Review, o.Payments);
        _askTimeout = o.AskTimeout;
        _maxInFlightPerSku = o.Orders.MaxInFlightPerSku;
    }

    private IActorRef Orders => _orders ??= _registry.Get<OrderRegion>();

    private IActorRef Stock => _stock ??= _registry.Get<StockRegion>();

    /// <summary>Placements of a SKU in flight on this node now.</summary>
    public int InFlight(string sku) => _inFlight.GetValueOrDefault(sku);

    /// <summary>Places an order, or refuses it here when its SKUs are overloaded or sold out; the answer is the order entity's or looks exactly like it.</summary>
    public async Task<IOrderReply> PlaceAsync(PlaceOrder command, CancellationToken ct)
    {
        var skus = DistinctSkus(command);
        if (!TryEnter(skus, out var busy))
        {
            OrderEngineTelemetry.OrderRefused(OrderRejectionCode.Overloaded);
            return new OrderRefused(command.OrderId, OrderRejection.Of(OrderRejectionCode.Overloaded,
                $"{_maxInFlightPerSku} placements of SKU {busy} are already in progress on this node; retry shortly (the same request is safe to repeat)"));
        }
        try
        {
            if (skus.Any(_board.LooksSoldOut) && await SoldOutRefusalAsync(command, ct) is { } refused)
            {
                OrderEngineTelemetry.OrderRefused(refused.Rejection.Code);
                return refused;
            }
            return await AskAsync<IOrderReply>(Orders, TracedCommand.Wrap(command), ct);
        }
        finally
        {
            Exit(skus);
        }
    }

    /// <summary>
    /// Asks the stock entity of every line whether this placement could be served, without reserving: refused here when
    /// a line would be refused and no line holds units for this order. Units held for it (an earlier attempt that a
    /// crash cut off, or a retry of a placed order) send it on to its entity, which answers the retry or gives them back.
    /// A placement that is itself invalid goes on to its entity, which names the invalid fields.
    /// </summary>
    private async Task<OrderRefused?> SoldOutRefusalAsync(PlaceOrder command, CancellationToken ct)
    {
        if (OrderDecider.Validate(command, _rules).Count > 0) return null;
        var checks = command.Lines
            .Select(l => AskAsync<StockCheckAnswer>(Stock, new CheckReservable(l.Sku, command.OrderId, l.Quantity), ct))
            .ToArray();
        var answers = await Task.WhenAll(checks);
        if (answers.Any(a => a.Outcome == ReservableOutcome.HeldByOrder)) return null;
        var refused = answers.Where(a => a.Outcome == ReservableOutcome.Refused)
            .Select(a => new LineRejection(a.Sku, a.Refusal!.Code.ToString(), a.Refusal.Message))
            .ToImmutableArray();
        return refused.IsEmpty ? null : new OrderRefused(command.OrderId, OrderRejection.NotReserved(refused));
    }

    private Task<T> AskAsync<T>(IActorRef target, object message, CancellationToken ct) =>
        _database is null ? target.Ask<T>(message, _askTimeout, ct) : _database.AskAsync<T>(target, message, _askTimeout, ct);

    private static string[] DistinctSkus(PlaceOrder command)
    {
        if (command.Lines.IsDefaultOrEmpty) return [];
        if (command.Lines.Length == 1) return command.Lines[0] is { Sku: { } only } ? [only] : [];
        return command.Lines.Where(l => l?.Sku is not null).Select(l => l.Sku).Distinct(StringComparer.Ordinal).ToArray();
    }

    private bool TryEnter(string[] skus, out string? busy)
    {
        for (var i = 0; i < skus.Length; i++)
        {
            if (_inFlight.AddOrUpdate(skus[i], 1, static (_, n) => n + 1) <= _maxInFlightPerSku) continue;
            busy = skus[i];
            Exit(skus.AsSpan(0, i + 1));
            return false;
        }
        busy = null;
        return true;
    }

    private void Exit(ReadOnlySpan<string> skus)
    {
        foreach (var sku in skus)
        {
            // Removed only while still zero, so a concurrent entry is never lost.
            if (_inFlight.AddOrUpdate(sku, 0, static (_, n) => n - 1) == 0) _inFlight.TryRemove(new KeyValuePair<string, int>(sku, 0));
        }
    }
}
