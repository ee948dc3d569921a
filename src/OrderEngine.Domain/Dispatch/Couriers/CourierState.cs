namespace OrderEngine.Domain.Dispatch.Couriers;

/// <summary>A courier's profile and the zone it last joined (null: it never went online).</summary>
public sealed record CourierState(string CourierId, string? Name, Vehicle Vehicle, int Capacity, double SpeedKmh, bool Defined, string? ZoneId)
{
    public static CourierState Initial(string courierId) => new(courierId, null, Vehicle.Bike, 0, 0, false, null);
}
