using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Actor;

namespace OrderEngine.Engine.Telemetry;

/// <summary>
/// Hands an entity's span to the journal write that stores its events. An entity registers its span under its
/// persistence id just before the receive that may persist; the journal takes it when it writes rows of that id and links
/// its batch span to it (a batch carries many entities' writes, so it links to them rather than having one parent).
/// One per actor system; used only while spans are recorded.
/// </summary>
public sealed class TraceLinks : IExtension
{
    // Bounded: an entry is removed by the journal or by its entity; the bound only guards against a leak nobody foresaw.
    private const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<string, ActivityContext> _pending = new(StringComparer.Ordinal);

    public static TraceLinks Get(ActorSystem system) => system.WithExtension<TraceLinks, TraceLinksProvider>();

    /// <summary>The entity's span for its next write.</summary>
    public void Offer(string persistenceId, ActivityContext context)
    {
        if (_pending.Count < MaxEntries) _pending[persistenceId] = context;
    }

    /// <summary>The entity did not write after all: its offer is withdrawn unless the journal took it already.</summary>
    public void Withdraw(string persistenceId, ActivityContext context) =>
        _pending.TryRemove(new KeyValuePair<string, ActivityContext>(persistenceId, context));

    /// <summary>The span offered for this persistence id, taken (the journal writes its events now).</summary>
    public bool TryTake(string persistenceId, out ActivityContext context) => _pending.TryRemove(persistenceId, out context);
}

/// <summary>Creates the <see cref="TraceLinks"/> extension.</summary>
public sealed class TraceLinksProvider : ExtensionIdProvider<TraceLinks>
{
    public override TraceLinks CreateExtension(ExtendedActorSystem system) => new();
}
