using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using OrderEngine.Domain.Stock;

namespace OrderEngine.Engine.Stock;

/// <summary>
/// This node's view of which SKUs are sold out, from the stock entities' announcements. It only routes: a placement of a
/// SKU that looks sold out is judged by that SKU's stock entity (<see cref="CheckReservable"/>) instead of starting an
/// order entity, so a stale entry costs one hop and never a wrong refusal. An entry lapses after
/// <see cref="Lifetime"/> unless announced again (a sold-out entity that still gets placements re-announces every
/// <c>SoldOutReannounce</c>), so a lost "back on sale" announcement is forgotten within that time.
/// </summary>
public sealed class SoldOutBoard(TimeProvider clock, TimeSpan lifetime)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _soldOutUntil = new(StringComparer.Ordinal);

    public TimeSpan Lifetime { get; } = lifetime;

    /// <summary>True while the SKU's last announcement said sold out and has not lapsed.</summary>
    public bool LooksSoldOut(string sku)
    {
        if (!_soldOutUntil.TryGetValue(sku, out var until)) return false;
        if (until > clock.GetUtcNow()) return true;
        _soldOutUntil.TryRemove(new KeyValuePair<string, DateTimeOffset>(sku, until));
        return false;
    }

    public void Apply(StockAvailabilityChanged change)
    {
        if (change.SoldOut) _soldOutUntil[change.Sku] = clock.GetUtcNow() + Lifetime;
        else _soldOutUntil.TryRemove(change.Sku, out _);
    }

    /// <summary>How many SKUs look sold out now (for metrics and tests).</summary>
    public int Count => _soldOutUntil.Count;
}

/// <summary>One per node: keeps this node's <see cref="SoldOutBoard"/> from what the stock entities of every node publish.</summary>
public sealed class SoldOutBoardKeeper : ReceiveActor
{
    /// <summary>The distributed pub-sub topic of <see cref="StockAvailabilityChanged"/>.</summary>
    public const string Topic = "stock-availability";

    public SoldOutBoardKeeper(SoldOutBoard board, IActorRef mediator)
    {
        Receive<StockAvailabilityChanged>(board.Apply);
        Receive<SubscribeAck>(_ => { });
        mediator.Tell(new Subscribe(Topic, Self));
    }

    public static Props Props(SoldOutBoard board, IActorRef mediator) =>
        Akka.Actor.Props.Create(() => new SoldOutBoardKeeper(board, mediator));
}
