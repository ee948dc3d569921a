using Akka.Actor;
using Akka.TestKit.Xunit2;
using OrderEngine.Domain.Dispatch;
using OrderEngine.Domain.Dispatch.Couriers;
using OrderEngine.Domain.Dispatch.Zones;
using OrderEngine.Engine.Dispatch;

namespace OrderEngine.Engine.Tests.Dispatch;

/// <summary>A courier entity in front of its zones: it joins the zone of its position, forwards to it, and moves only while idle.</summary>
public sealed class CourierActorTests() : TestKit(TestConfig.WithTestJournal)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly GeoPoint Mitte = new(52.5200, 13.4050);
    private static readonly GeoPoint Friedrichshain = new(52.5150, 13.4700);

    private (IActorRef Couriers, IActorRef Zones) Regions()
    {
        var rules = CourierRules.Default;
        var with = new ZoneCollaborators(CreateTestProbe().Ref, CreateTestProbe().Ref, ZoneRules.Default, TimeSpan.FromSeconds(1),
            TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1));
        var zones = Sys.ActorOf(LocalRegion.Create(m => (m as IZoneMessage)?.ZoneId, id => ZoneActor.Props(id, with, TimeSpan.FromMinutes(10), TimeProvider.System)));
        var couriers = Sys.ActorOf(LocalRegion.Create(m => (m as ICourierMessage)?.CourierId,
            id => CourierActor.Props(id, zones, rules, TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(3), TimeProvider.System)));
        return (couriers, zones);
    }

    private static async Task<CourierView> Accepted(IActorRef target, object message) =>
        await target.Ask<ICourierReply>(message, Wait) switch
        {
            CourierAccepted a => a.View,
            CourierRefused r => throw new InvalidOperationException($"{r.Rejection.Code}: {r.Rejection.Message}"),
            var other => throw new InvalidOperationException(other.GetType().Name),
        };

    [Fact]
    public async Task A_courier_joins_the_zone_of_its_position_and_moves_with_it_while_idle()
    {
        var (couriers, zones) = Regions();
        var mitte = CourierRules.Default.ZoneOf(Mitte);
        var east = CourierRules.Default.ZoneOf(Friedrichshain);
        Assert.NotEqual(mitte, east);

        await Accepted(couriers, new DefineCourier("k1", "Kim", Vehicle.Scooter, null));
        var online = await Accepted(couriers, new GoOnline("k1", Mitte));
        Assert.Equal((CourierStatus.Available, mitte, 3), (online.Status, online.ZoneId, online.Capacity));

        var moved = await Accepted(couriers, new ReportPosition("k1", Friedrichshain, null));
        Assert.Equal((CourierStatus.Available, east), (moved.Status, moved.ZoneId));
        var oldZone = ((ZoneAccepted)await zones.Ask<IZoneReply>(new GetZone(mitte), Wait)).View;
        Assert.Equal(CourierStatus.Offline, Assert.Single(oldZone.Couriers).Status);
    }

    [Fact]
    public async Task A_courier_holding_a_delivery_stays_in_its_zone_when_it_crosses_a_cell_border()
    {
        var (couriers, zones) = Regions();
        var mitte = CourierRules.Default.ZoneOf(Mitte);
        await Accepted(couriers, new DefineCourier("k2", "Lou", Vehicle.Bike, null));
        await Accepted(couriers, new GoOnline("k2", Mitte));
        await zones.Ask<object>(new RequestDelivery(mitte, "o-k2", "r1", Mitte, Friedrichshain, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddMinutes(40), 1), Wait);
        var offered = await Accepted(couriers, new GetCourier("k2"));
        Assert.Equal("o-k2", Assert.Single(offered.Offers).OrderId);
        await Accepted(couriers, new ActOnDelivery("k2", "o-k2", CourierAction.AcceptOffer));
        await Accepted(couriers, new ActOnDelivery("k2", "o-k2", CourierAction.PickUp));

        var there = await Accepted(couriers, new ReportPosition("k2", Friedrichshain, null));
        Assert.Equal((CourierStatus.Delivering, mitte, Friedrichshain), (there.Status, there.ZoneId, there.Position));

        var done = await Accepted(couriers, new ActOnDelivery("k2", "o-k2", CourierAction.Deliver));
        Assert.Empty(done.Deliveries);
        // Idle again: the next position moves it.
        Assert.Equal(CourierRules.Default.ZoneOf(Friedrichshain), (await Accepted(couriers, new ReportPosition("k2", Friedrichshain, null))).ZoneId);
    }

    [Fact]
    public async Task An_undefined_courier_is_not_found_and_a_repeat_definition_changes_nothing()
    {
        var (couriers, _) = Regions();
        var refused = await couriers.Ask<ICourierReply>(new GoOnline("k3", Mitte), Wait);
        Assert.Equal(CourierRejectionCode.NotFound, Assert.IsType<CourierRefused>(refused).Rejection.Code);
        await Accepted(couriers, new DefineCourier("k3", "Max", Vehicle.Car, 2));
        var again = await couriers.Ask<ICourierReply>(new DefineCourier("k3", "Max", Vehicle.Car, 2), Wait);
        Assert.True(Assert.IsType<CourierAccepted>(again).Repeat);
    }
}
