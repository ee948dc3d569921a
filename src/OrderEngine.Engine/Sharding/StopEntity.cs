using OrderEngine.Domain;

namespace OrderEngine.Engine.Sharding;

/// <summary>The message an entity gets from its shard once it asked to passivate; it then stops after its pending writes.</summary>
public sealed record StopEntity : IOrderEngineMessage
{
    public static readonly StopEntity Instance = new();
}
