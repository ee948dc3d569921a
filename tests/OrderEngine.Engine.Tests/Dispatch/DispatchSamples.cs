using OrderEngine.Domain.Dispatch;
using OrderEngine.Domain.Dispatch.Couriers;
using OrderEngine.Domain.Dispatch.Zones;

namespace OrderEngine.Engine.Tests.Dispatch;

/// <summary>One realistic instance of every courier and zone message, with every optional field set, for the serialization tests.</summary>
internal static class DispatchSamples
{
    private static readonly DateTimeOffset T = new(2026, 12, 4, 19, 0, 0, TimeSpan.FromHours(1));
    private static readonly GeoPoint P = new(52.52, 13.405);
    private static readonly GeoPoint Q = new(52.53, 13.41);

    public static IEnumerable<object> All()
    {
        var rules = ZoneRules.Default;
        var state = ZoneDecider.Fold(ZoneState.Initial("u33db"),
        [
            new CourierJoined("u33db", "c1", "Ann", Vehicle.Scooter, 25, 3, P, T),
            new DeliveryRequested("u33db", "o1", "r1", P, Q, T.AddMinutes(10), T.AddMinutes(40), 2, T.AddMinutes(25), T),
            new DeliveryOffered("u33db", "o1", "c1", T.AddSeconds(30), T.AddMinutes(10), T.AddMinutes(14), null, null, T),
            new DeliveryRequested("u33db", "o2", "r1", P, Q, T.AddMinutes(10), T.AddMinutes(50), 1, null, T),
        ]);
        var courier = state.CourierViewOf("c1")!;
        return
        [
            new DefineCourier("c1", "Ann", Vehicle.Scooter, 3),
            new GoOnline("c1", P),
            new GoOffline("c1"),
            new ReportPosition("c1", Q, T),
            new ActOnDelivery("c1", "o1", CourierAction.PickUp),
            new GetCourier("c1"),
            new CourierDefined("c1", "Ann", Vehicle.Scooter, 3, 25, T),
            new CourierZoneChanged("c1", "u33db", T),
            new CourierAccepted("c1", courier, Repeat: true),
            new CourierRefused("c1", new CourierRejection(CourierRejectionCode.Invalid, "capacity must be 1 to 20", "capacity")),
            new ConfigureZone("u33db", DispatchPolicy.Naive, 15, 2.5),
            new CourierOnline("u33db", "c1", "Ann", Vehicle.Car, 30, 4, P),
            new CourierOffline("u33db", "c1", OnlyIfIdle: true),
            new UpdateCourierPosition("u33db", "c1", Q),
            new AcceptOffer("u33db", "c1", "o1"),
            new DeclineOffer("u33db", "c1", "o1"),
            new ConfirmPickup("u33db", "c1", "o1"),
            new ConfirmDelivery("u33db", "c1", "o1"),
            new DispatchTick("u33db"),
            new AcknowledgeNotice("u33db", "zone-u33db-7"),
            new GetZone("u33db"),
            new GetZoneCourier("u33db", "c1"),
            new ZoneConfigured("u33db", DispatchPolicy.EarliestPickup, 20, 0.5, T),
            new CourierJoined("u33db", "c1", "Ann", Vehicle.Bike, 15, 2, P, T),
            new CourierLeft("u33db", "c1", T),
            new CourierMoved("u33db", "c1", Q, T),
            new DeliveryRequested("u33db", "o1", "r1", P, Q, T.AddMinutes(10), T.AddMinutes(40), 2, T.AddMinutes(25), T),
            new DeliveryOffered("u33db", "o2", "c1", T.AddSeconds(30), T.AddMinutes(10), T.AddMinutes(16), "o1", T.AddMinutes(15), T),
            new OfferAccepted("u33db", "o1", "c1", T),
            new OfferDeclined("u33db", "o1", "c1", Expired: true, T),
            new CourierReleased("u33db", "o1", "c1", "the courier went offline", T),
            new DeliveryPickedUp("u33db", "o1", "c1", T.AddMinutes(6), T),
            new DeliveryDelivered("u33db", "o1", "c1", T),
            new DeliveryFlagged("u33db", "o1", "c1", "the courier went offline carrying it", T),
            new NoticeAcknowledged("u33db", "zone-u33db-7", T),
            new ZoneAccepted("u33db", state.ToView(rules, T), Repeat: true),
            new ZoneRefused("u33db", new ZoneRejection(ZoneRejectionCode.Conflict, "the offer expired", "orderId")),
            new RequestDelivery("u33db", "o1", "r1", P, Q, T.AddMinutes(10), T.AddMinutes(40), 2),
            new DeliveryRequestReceived("u33db", "o1"),
            Serialization.ZoneSnapshot.From(ZoneDecider.Fold(state,
            [
                new ZoneConfigured("u33db", DispatchPolicy.Naive, 12.5, null, T),
                new OfferDeclined("u33db", "o1", "c1", Expired: true, T.AddSeconds(30)),
                new CourierJoined("u33db", "c2", null, Vehicle.Car, 30, 4, Q, T),
                new DeliveryOffered("u33db", "o1", "c2", T.AddSeconds(60), T.AddMinutes(9), T.AddMinutes(13), null, null, T.AddSeconds(30)),
                new OfferAccepted("u33db", "o1", "c2", T.AddSeconds(31)),
                new DeliveryPickedUp("u33db", "o1", "c2", T.AddMinutes(14), T.AddMinutes(10)),
                new DeliveryDelivered("u33db", "o1", "c2", T.AddMinutes(14)),
            ])),
        ];
    }
}
