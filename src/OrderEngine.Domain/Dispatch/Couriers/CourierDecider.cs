namespace OrderEngine.Domain.Dispatch.Couriers;

/// <summary>The rules of a courier's profile; what happens to its deliveries is the zone's (see Zones/ZoneDecider).</summary>
public static class CourierDecider
{
    public const int MaxNameLength = 100;

    /// <summary>What is wrong with a definition (null: nothing).</summary>
    public static CourierRejection? Problem(DefineCourier c) =>
        !Enum.IsDefined(c.Vehicle) ? new(CourierRejectionCode.Invalid, "vehicle must be bike, scooter or car", "vehicle")
        : c.Capacity is < CourierRules.MinCapacity or > CourierRules.MaxCapacity
            ? new(CourierRejectionCode.Invalid, $"capacity must be {CourierRules.MinCapacity} to {CourierRules.MaxCapacity}", "capacity")
        : c.Name is { Length: > MaxNameLength } ? new(CourierRejectionCode.Invalid, $"name is at most {MaxNameLength} characters", "name")
        : null;

    public static Decision<ICourierEvent, CourierRejection> Decide(CourierState s, ICourierCommand command, DateTimeOffset now, CourierRules rules)
    {
        if (command.CourierId != s.CourierId)
            return Decision<ICourierEvent, CourierRejection>.Reject(new(CourierRejectionCode.Invalid, $"command for courier {command.CourierId} reached courier {s.CourierId}"));
        switch (command)
        {
            case DefineCourier c:
                if (Problem(c) is { } problem) return Decision<ICourierEvent, CourierRejection>.Reject(problem);
                var profile = rules.ProfileOf(c.Vehicle);
                var defined = new CourierDefined(s.CourierId, c.Name, c.Vehicle, c.Capacity ?? profile.Capacity, profile.SpeedKmh, now);
                return s.Defined && s.Name == defined.Name && s.Vehicle == defined.Vehicle && s.Capacity == defined.Capacity && s.SpeedKmh == defined.SpeedKmh
                    ? Decision<ICourierEvent, CourierRejection>.AlreadyDone
                    : Decision<ICourierEvent, CourierRejection>.Accept(defined);
            case GoOnline or GoOffline or ReportPosition or ActOnDelivery when !s.Defined:
                return Decision<ICourierEvent, CourierRejection>.Reject(new(CourierRejectionCode.NotFound, $"courier {s.CourierId} is not defined"));
            case GoOnline { Position.IsValid: false } or ReportPosition { Position.IsValid: false }:
                return Decision<ICourierEvent, CourierRejection>.Reject(new(CourierRejectionCode.Invalid,
                    "latitude must be -90 to 90 and longitude -180 to 180", "latitude"));
            default:
                return Decision<ICourierEvent, CourierRejection>.AlreadyDone;
        }
    }

    /// <summary>The courier moves to <paramref name="zoneId"/> (decided by the courier entity once the old zone let it go).</summary>
    public static Decision<ICourierEvent, CourierRejection> MoveTo(CourierState s, string zoneId, DateTimeOffset now) =>
        s.ZoneId == zoneId
            ? Decision<ICourierEvent, CourierRejection>.AlreadyDone
            : Decision<ICourierEvent, CourierRejection>.Accept(new CourierZoneChanged(s.CourierId, zoneId, now));

    public static CourierState Evolve(CourierState s, ICourierEvent e) => e switch
    {
        CourierDefined x => s with { Name = x.Name, Vehicle = x.Vehicle, Capacity = x.Capacity, SpeedKmh = x.SpeedKmh, Defined = true },
        CourierZoneChanged x => s with { ZoneId = x.ZoneId },
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name, "unknown courier event"),
    };
}
