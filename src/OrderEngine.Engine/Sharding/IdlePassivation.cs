using Akka.Actor;

namespace OrderEngine.Engine.Sharding;

/// <summary>
/// When an entity last did work, for passivating it once it has been idle for a while. Akka's receive timeout does
/// the same by cancelling and rescheduling a timer on every message the entity gets, which was about 5% of the
/// allocations of a flash sale; this keeps one periodic <see cref="IdleCheck"/> per entity and a timestamp instead.
/// An entity is passivated between one and one and a half idle timeouts after its last work. Messages marked
/// <see cref="INotInfluenceReceiveTimeout"/> (an entity's own ticks, and <see cref="IdleCheck"/>) are not work, as
/// they were not for the receive timeout.
/// </summary>
public sealed class IdlePassivation(TimeSpan idleTimeout)
{
    public const string TimerKey = "idle-check";

    private long _lastActive = Environment.TickCount64;

    /// <summary>How often the entity checks: half the idle timeout (at least 10 ms).</summary>
    public TimeSpan CheckInterval { get; } = TimeSpan.FromMilliseconds(Math.Max(10, idleTimeout.TotalMilliseconds / 2));

    /// <summary>Starts the entity's periodic check; call from PreStart.</summary>
    public void Start(ITimerScheduler timers) => timers.StartPeriodicTimer(TimerKey, IdleCheck.Instance, CheckInterval);

    /// <summary>Called with every message the entity gets: all but its own ticks count as work.</summary>
    public void Observe(object message)
    {
        if (message is not INotInfluenceReceiveTimeout) _lastActive = Environment.TickCount64;
    }

    /// <summary>Whether the entity has done no work for the whole idle timeout.</summary>
    public bool IsIdle => Environment.TickCount64 - _lastActive >= (long)idleTimeout.TotalMilliseconds;
}

/// <summary>An entity's periodic question to itself: have I been idle long enough to passivate?</summary>
public sealed class IdleCheck : INotInfluenceReceiveTimeout
{
    public static readonly IdleCheck Instance = new();

    private IdleCheck() { }
}
