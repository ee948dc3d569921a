namespace OrderEngine.Domain.Dispatch.Couriers;

/// <summary>A fact about one courier, persisted in its entity's journal.</summary>
public interface ICourierEvent : ICourierMessage
{
    DateTimeOffset At { get; }
}

/// <summary>The courier's profile: its speed and capacity come from the vehicle unless the capacity was given.</summary>
public sealed record CourierDefined(string CourierId, string? Name, Vehicle Vehicle, int Capacity, double SpeedKmh, DateTimeOffset At) : ICourierEvent;

/// <summary>The courier now works in <paramref name="ZoneId"/> (its deliveries and offers live there).</summary>
public sealed record CourierZoneChanged(string CourierId, string ZoneId, DateTimeOffset At) : ICourierEvent;
